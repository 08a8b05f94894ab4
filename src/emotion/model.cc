// The PAD model: binary weights file and inference.
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include "emotion/emotion.h"

namespace genesis::emotion {

using core::Result;
using core::Status;

namespace {

size_t param_count(int hidden) {
  return static_cast<size_t>(kInputs * hidden + hidden + kOutputs * hidden + kOutputs);
}

size_t file_size(int hidden) { return Model::kHeaderBytes + 4 * param_count(hidden) + 4; }

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib's crc32().
uint32_t crc32(const unsigned char* data, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t get_u32(const unsigned char* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint16_t get_u16(const unsigned char* p) { return uint16_t(p[0] | p[1] << 8); }
void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_u16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}

core::Error bad_file(std::string message) {
  return core::make_error(core::code::kInvalidArgument, "emotion model: " + std::move(message));
}

inline float sigmoid(float s) { return 1.0f / (1.0f + std::exp(-s)); }

}  // namespace

Result<Model> Model::random(int hidden, uint64_t seed) {
  if (hidden < 1 || hidden > kMaxHidden)
    return core::make_error(core::code::kInvalidArgument,
                            "hidden units must be in [1, " + std::to_string(kMaxHidden) + "]",
                            "hidden");
  std::mt19937_64 rng(seed);
  std::vector<float> p(param_count(hidden), 0.0f);
  // He-style initialisation for the ReLU layer, Xavier-style for the output.
  std::normal_distribution<double> n1(0.0, std::sqrt(2.0 / kInputs));
  std::normal_distribution<double> n2(0.0, std::sqrt(1.0 / hidden));
  size_t i = 0;
  for (int k = 0; k < kInputs * hidden; ++k) p[i++] = static_cast<float>(n1(rng));
  for (int k = 0; k < hidden; ++k) p[i++] = 0.01f;  // small positive bias keeps units alive
  for (int k = 0; k < kOutputs * hidden; ++k) p[i++] = static_cast<float>(n2(rng));
  return Model(hidden, std::move(p));
}

Result<Model> Model::decode(std::string_view bytes) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() > kMaxFileBytes)
    return bad_file("file is " + std::to_string(bytes.size()) + " bytes, the limit is " +
                    std::to_string(kMaxFileBytes));
  if (bytes.size() < kHeaderBytes + 4)
    return bad_file("file is " + std::to_string(bytes.size()) + " bytes, too short for a header");
  if (get_u32(b) != kMagic) return bad_file("bad magic (not a GEMO weights file)");
  uint16_t version = get_u16(b + 4);
  if (version != kVersion)
    return bad_file("unsupported version " + std::to_string(version) + " (supported: 1)");
  int inputs = b[6], hidden = b[7], outputs = b[8], activation = b[9];
  if (inputs != kInputs || outputs != kOutputs)
    return bad_file("dims " + std::to_string(inputs) + "x" + std::to_string(outputs) +
                    ", expected 5 inputs and 3 outputs");
  if (hidden < 1 || hidden > kMaxHidden)
    return bad_file("hidden units " + std::to_string(hidden) + " outside [1, " +
                    std::to_string(kMaxHidden) + "]");
  if (activation != 0) return bad_file("unsupported activation " + std::to_string(activation));
  if (get_u16(b + 10) != 0) return bad_file("reserved header bytes are not zero");
  if (bytes.size() != file_size(hidden))
    return bad_file("file is " + std::to_string(bytes.size()) + " bytes, the header implies " +
                    std::to_string(file_size(hidden)));
  const size_t body = bytes.size() - 4;
  uint32_t stored = get_u32(b + body), computed = crc32(b, body);
  if (stored != computed) return bad_file("checksum mismatch (file is corrupt)");
  std::vector<float> p(param_count(hidden));
  for (size_t i = 0; i < p.size(); ++i) {
    uint32_t bits = get_u32(b + kHeaderBytes + 4 * i);
    std::memcpy(&p[i], &bits, 4);
    if (!std::isfinite(p[i])) return bad_file("weight " + std::to_string(i) + " is not finite");
  }
  return Model(hidden, std::move(p));
}

std::string Model::encode() const {
  std::string out;
  out.reserve(file_size(hidden_));
  put_u32(out, kMagic);
  put_u16(out, kVersion);
  out.push_back(static_cast<char>(kInputs));
  out.push_back(static_cast<char>(hidden_));
  out.push_back(static_cast<char>(kOutputs));
  out.push_back(0);  // activation: ReLU hidden, sigmoid outputs
  put_u16(out, 0);
  for (float f : params_) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    put_u32(out, bits);
  }
  put_u32(out, crc32(reinterpret_cast<const unsigned char*>(out.data()), out.size()));
  return out;
}

Result<Model> Model::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::make_error(core::code::kNotFound, "cannot open emotion model file", path);
  std::string bytes;
  // Read at most one byte past the limit so an oversized file is reported, not loaded.
  bytes.resize(kMaxFileBytes + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  auto m = decode(bytes);
  if (!m) {
    core::Error e = m.error();
    e.where = path;
    return e;
  }
  return m;
}

Status Model::save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::string bytes = encode();
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out)
    return core::make_error(core::code::kUnavailable, "cannot write emotion model file", path);
  return {};
}

void Model::infer(const Features& x, float out[kOutputs]) const {
  const int h = hidden_;
  const float* w1 = params_.data();
  const float* b1 = w1 + kInputs * h;
  const float* w2 = b1 + h;
  const float* b2 = w2 + kOutputs * h;
  float act[kMaxHidden];
  for (int j = 0; j < h; ++j) act[j] = b1[j];
  for (int i = 0; i < kInputs; ++i) {
    const float xi = x[i];
    const float* row = w1 + i * h;
    for (int j = 0; j < h; ++j) act[j] += row[j] * xi;
  }
  for (int j = 0; j < h; ++j) act[j] = act[j] > 0.0f ? act[j] : 0.0f;
  for (int k = 0; k < kOutputs; ++k) {
    const float* row = w2 + k * h;
    float s = b2[k];
    for (int j = 0; j < h; ++j) s += row[j] * act[j];
    out[k] = sigmoid(s);
  }
}

Pad Model::infer(const Features& x) const {
  float o[kOutputs];
  infer(x, o);
  return {o[0], o[1], o[2]};
}

}  // namespace genesis::emotion
