#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "emotion/emotion.h"

namespace genesis::emotion {
namespace {

const std::string kShippedPath = std::string(GENESIS_SOURCE_DIR) + "/models/emotion.bin";
const std::string kDatasetPath = std::string(GENESIS_SOURCE_DIR) + "/models/emotion-appraisal.csv";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// An independent reading of the documented file format and a double-precision
// forward pass: what the model must compute, written out the long way.
std::array<double, 3> reference_infer(const std::string& file, const Features& x) {
  auto f32 = [&](size_t offset) {
    uint32_t bits = 0;
    for (int i = 0; i < 4; ++i) bits |= uint32_t(uint8_t(file[offset + i])) << (8 * i);
    float f;
    std::memcpy(&f, &bits, 4);
    return static_cast<double>(f);
  };
  const int in = uint8_t(file[6]), h = uint8_t(file[7]), out = uint8_t(file[8]);
  EXPECT_EQ(in, 5);
  EXPECT_EQ(out, 3);
  size_t w1 = 12, b1 = w1 + 4 * in * h, w2 = b1 + 4 * h, b2 = w2 + 4 * out * h;
  std::vector<double> hidden(h);
  for (int j = 0; j < h; ++j) {
    double s = f32(b1 + 4 * j);
    for (int i = 0; i < in; ++i) s += f32(w1 + 4 * (i * h + j)) * x[i];
    hidden[j] = std::max(0.0, s);
  }
  std::array<double, 3> y{};
  for (int k = 0; k < out; ++k) {
    double s = f32(b2 + 4 * k);
    for (int j = 0; j < h; ++j) s += f32(w2 + 4 * (k * h + j)) * hidden[j];
    y[k] = 1.0 / (1.0 + std::exp(-s));
  }
  return y;
}

class TempDir {
 public:
  TempDir() {
    path_ =
        std::filesystem::temp_directory_path() / ("genesis-emotion-" + std::to_string(::getpid()) +
                                                  "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const char* name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

TEST(ModelFile, RoundTripsThroughDisk) {
  TempDir dir;
  auto m = Model::random(16, 7);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->save(dir.file("m.bin")).ok());
  auto back = Model::load(dir.file("m.bin"));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, *m);
  EXPECT_EQ(back->encode(), m->encode());
  EXPECT_EQ(std::filesystem::file_size(dir.file("m.bin")), 12u + 4u * (16 * 9 + 3) + 4u);
}

TEST(ModelFile, LargestModelFitsIn2KB) {
  auto m = Model::random(Model::kMaxHidden, 1);
  ASSERT_TRUE(m.ok());
  EXPECT_LE(m->encode().size(), 2048u);
  EXPECT_TRUE(Model::decode(m->encode()).ok());
  EXPECT_FALSE(Model::random(Model::kMaxHidden + 1, 1).ok());
  EXPECT_FALSE(Model::random(0, 1).ok());
}

TEST(ModelFile, HeaderIsAsDocumented) {
  std::string b = Model::random(16, 3)->encode();
  EXPECT_EQ(b.substr(0, 4), "GEMO");
  EXPECT_EQ(uint8_t(b[4]), 1);  // version 1, little-endian u16
  EXPECT_EQ(uint8_t(b[5]), 0);
  EXPECT_EQ(uint8_t(b[6]), 5);
  EXPECT_EQ(uint8_t(b[7]), 16);
  EXPECT_EQ(uint8_t(b[8]), 3);
  EXPECT_EQ(uint8_t(b[9]), 0);
}

struct Corruption {
  const char* name;
  void (*mutate)(std::string&);
  const char* message_part;
};

class ModelFileErrors : public ::testing::TestWithParam<Corruption> {};

TEST_P(ModelFileErrors, AreRefusedWithAReason) {
  std::string b = Model::random(16, 3)->encode();
  GetParam().mutate(b);
  auto m = Model::decode(b);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, "invalid_argument");
  EXPECT_NE(m.error().message.find(GetParam().message_part), std::string::npos)
      << m.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ModelFileErrors,
    ::testing::Values(
        Corruption{"magic", [](std::string& b) { b[0] = 'X'; }, "bad magic"},
        Corruption{"version", [](std::string& b) { b[4] = 2; }, "unsupported version 2"},
        Corruption{"inputs", [](std::string& b) { b[6] = 4; }, "expected 5 inputs"},
        Corruption{"hidden", [](std::string& b) { b[7] = 0; }, "hidden units 0"},
        Corruption{"activation", [](std::string& b) { b[9] = 1; }, "activation"},
        Corruption{"truncated", [](std::string& b) { b.resize(b.size() - 1); }, "header implies"},
        Corruption{"tiny", [](std::string& b) { b.resize(8); }, "too short"},
        Corruption{"oversized", [](std::string& b) { b.resize(2049, '\0'); }, "limit is 2048"},
        Corruption{"weight", [](std::string& b) { b[40] ^= 0x10; }, "checksum mismatch"},
        Corruption{"checksum", [](std::string& b) { b.back() ^= 1; }, "checksum mismatch"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ModelFile, LoadNamesTheMissingFile) {
  auto m = Model::load("/nonexistent/emotion.bin");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, "not_found");
  EXPECT_EQ(m.error().where, "/nonexistent/emotion.bin");
}

TEST(Inference, EqualsTheReferenceComputation) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (uint64_t seed : {1u, 2u, 3u}) {
    for (int hidden : {1, 8, 16, Model::kMaxHidden}) {
      Model m = *Model::random(hidden, seed);
      std::string file = m.encode();
      for (int n = 0; n < 200; ++n) {
        Features x{u(rng), u(rng), u(rng), u(rng), u(rng)};
        auto want = reference_infer(file, x);
        Pad got = m.infer(x);
        EXPECT_NEAR(got.pleasure, want[0], 1e-5);
        EXPECT_NEAR(got.arousal, want[1], 1e-5);
        EXPECT_NEAR(got.dominance, want[2], 1e-5);
      }
    }
  }
}

TEST(ShippedModel, IsTheCommittedFileAndFitsIn2KB) {
  std::string file = read_file(kShippedPath);
  ASSERT_FALSE(file.empty()) << kShippedPath;
  EXPECT_LE(file.size(), 2048u);
  auto m = Model::decode(file);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(*m, Model::shipped());
}

TEST(ShippedModel, EqualsTheReferenceOnTheDataset) {
  std::string file = read_file(kShippedPath);
  auto data = parse_dataset_csv(read_file(kDatasetPath));
  ASSERT_TRUE(data.ok()) << data.error().to_string();
  for (const Sample& s : *data) {
    auto want = reference_infer(file, s.x);
    Pad got = Model::shipped().infer(s.x);
    ASSERT_NEAR(got.pleasure, want[0], 1e-5);
    ASSERT_NEAR(got.arousal, want[1], 1e-5);
    ASSERT_NEAR(got.dominance, want[2], 1e-5);
  }
}

// The shipped weights are trained from the committed appraisal dataset
// (scripts/train-emotion.sh); they must reproduce its targets closely.
TEST(ShippedModel, ReproducesTheAppraisalDataset) {
  auto data = parse_dataset_csv(read_file(kDatasetPath));
  ASSERT_TRUE(data.ok()) << data.error().to_string();
  ASSERT_GE(data->size(), 1000u);
  TrainReport r = evaluate(Model::shipped(), *data);
  EXPECT_LT(r.mae, 0.03);
  EXPECT_LT(r.mse, 0.002);
}

// The dimensions mean what docs/emotion.md says they mean.
TEST(ShippedModel, AppraisesTypicalSituations) {
  const Model& m = Model::shipped();
  Telemetry idle_ok{0.05, 0.2, 0.0, 0, 1.0, 0};
  Telemetry busy_ok{0.8, 0.5, 0.0, 60, 1.0, 0};
  Telemetry busy_failing{0.95, 0.95, 0.6, 120, 0.1, 0};
  Telemetry idle_failing{0.05, 0.3, 0.8, 0, 0.1, 0};
  EXPECT_EQ(appraise(m, idle_ok).label, Label::kCalm);
  EXPECT_EQ(appraise(m, busy_ok).label, Label::kJoy);
  EXPECT_EQ(appraise(m, busy_failing).label, Label::kFear);
  EXPECT_EQ(appraise(m, idle_failing).label, Label::kSadness);
  // Pleasure follows success, arousal follows load, dominance follows headroom.
  EXPECT_GT(appraise(m, busy_ok).pleasure, appraise(m, busy_failing).pleasure + 0.4);
  EXPECT_GT(appraise(m, busy_ok).arousal, appraise(m, idle_ok).arousal + 0.4);
  Telemetry cramped = idle_ok;
  cramped.memory_usage = 0.98;
  EXPECT_GT(appraise(m, idle_ok).dominance, appraise(m, cramped).dominance + 0.2);
}

}  // namespace
}  // namespace genesis::emotion
