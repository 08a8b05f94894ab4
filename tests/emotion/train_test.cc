#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "emotion/emotion.h"

namespace genesis::emotion {
namespace {

const char* kHeader =
    "cpu_usage,memory_usage,error_rate,task_count,success_rate,pleasure,arousal,dominance\n";

TEST(DatasetCsv, ReadsRowsSkippingCommentsAndBlankLines) {
  std::string csv = std::string("# comment\n") + kHeader +
                    "0.5,0.25,0,10,1,0.8,0.5,0.6\r\n\n0.1,0.2,0.3,0,0.4,0,1,0.5\n";
  auto d = parse_dataset_csv(csv);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  ASSERT_EQ(d->size(), 2u);
  EXPECT_FLOAT_EQ((*d)[0].x[0], 0.5f);
  EXPECT_NEAR((*d)[0].x[3], std::log(11.0) / std::log(101.0), 1e-6);
  EXPECT_FLOAT_EQ((*d)[0].y[0], 0.8f);
  EXPECT_FLOAT_EQ((*d)[1].y[1], 1.0f);
}

struct BadCsv {
  std::string body;
  const char* where;
  const char* message_part;
};

TEST(DatasetCsv, ErrorsNameTheLine) {
  const BadCsv cases[] = {
      {"", "line 0", "missing header"},
      {"cpu,memory_usage,error_rate,task_count,success_rate,pleasure,arousal,dominance\n", "line 1",
       "expected \"cpu_usage\""},
      {std::string(kHeader) + "0.5,0.5,0,1,1,0.5,0.5\n", "line 2", "expected 8 columns"},
      {std::string(kHeader) + "0.5,0.5,0,1,1,0.5,0.5,0.5,9\n", "line 2", "more than 8"},
      {std::string(kHeader) + "0.5,x,0,1,1,0.5,0.5,0.5\n", "line 2", "memory_usage is not"},
      {std::string(kHeader) + "1.5,0.5,0,1,1,0.5,0.5,0.5\n", "line 2", "cpu_usage"},
      {std::string(kHeader) + "0.5,0.5,0,1.5,1,0.5,0.5,0.5\n", "line 2", "task_count"},
      {std::string(kHeader) + "0.5,0.5,0,1,1,0.5,1.2,0.5\n", "line 2", "arousal must be"},
  };
  for (const auto& c : cases) {
    auto d = parse_dataset_csv(c.body);
    ASSERT_FALSE(d.ok()) << c.body;
    EXPECT_EQ(d.error().where, c.where) << c.body;
    EXPECT_NE(d.error().message.find(c.message_part), std::string::npos) << d.error().message;
  }
}

// A small synthetic appraisal the network must learn.
std::vector<Sample> synthetic(int n) {
  std::vector<Sample> out;
  uint32_t state = 12345;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) / float(1 << 24);
  };
  for (int i = 0; i < n; ++i) {
    Sample s;
    for (float& v : s.x) v = next();
    s.y = {0.2f + 0.6f * s.x[4], 0.1f + 0.5f * s.x[0] + 0.3f * s.x[3],
           0.9f - 0.6f * s.x[1] * s.x[0]};
    out.push_back(s);
  }
  return out;
}

TEST(Train, FitsASmoothTargetAndBeatsTheStartingPoint) {
  auto data = synthetic(400);
  TrainOptions o;
  o.hidden = 12;
  o.epochs = 150;
  TrainReport r;
  auto m = train(data, o, &r);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  TrainReport before = evaluate(*Model::random(12, o.seed), data);
  EXPECT_EQ(r.epochs, 150);
  EXPECT_LT(r.mse, before.mse / 10);
  EXPECT_LT(r.mae, 0.05);
  EXPECT_EQ(m->hidden(), 12);
  EXPECT_LE(m->encode().size(), 2048u);
}

TEST(Train, IsDeterministicForASeed) {
  auto data = synthetic(100);
  TrainOptions o;
  o.epochs = 20;
  auto a = train(data, o), b = train(data, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->encode(), b->encode());
  o.seed = 2;
  auto c = train(data, o);
  EXPECT_NE(a->encode(), c->encode());
}

TEST(Train, RefusesBadOptions) {
  auto data = synthetic(10);
  EXPECT_FALSE(train({}, TrainOptions{}).ok());
  TrainOptions o;
  o.hidden = 57;
  EXPECT_FALSE(train(data, o).ok());
  o = TrainOptions{};
  o.epochs = 0;
  EXPECT_FALSE(train(data, o).ok());
  o = TrainOptions{};
  o.learning_rate = 0;
  EXPECT_FALSE(train(data, o).ok());
  o = TrainOptions{};
  o.batch_size = 0;
  EXPECT_FALSE(train(data, o).ok());
}

}  // namespace
}  // namespace genesis::emotion
