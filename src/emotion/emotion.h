// Emotional telemetry: from an agent's heartbeat telemetry to a Pleasure–Arousal–
// Dominance (PAD) state, a categorical label, fatigue, and the offload decision.
//
// Pipeline for one heartbeat (each stage a function below, listed in order):
//   parse_telemetry (validate) -> features (normalise) -> Model::infer (PAD)
//   -> map_to_categorical (label) + calculate_fatigue -> should_offload
// `appraise` runs the stages after validation in one call.
//
// The model is a small multilayer perceptron (5 inputs -> hidden ReLU layer ->
// 3 sigmoid outputs) whose weights live in a binary file of at most 2 KB; the
// format is specified in docs/emotion.md and at `Model::decode` below.
//
// Thread-safety: everything here is a pure function or a const method on an
// immutable Model, so a Model may be shared by any number of threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace genesis::emotion {

// ---------------------------------------------------------------------------
// Telemetry

// One heartbeat's telemetry (the seed's fields). A field absent from the JSON
// takes the seed's default shown here.
struct Telemetry {
  double cpu_usage = 0.5;     // fraction of its CPU budget in use, [0, 1]
  double memory_usage = 0.5;  // fraction of its memory budget in use, [0, 1]
  double error_rate = 0.0;    // fraction of recent operations that failed, [0, 1]
  int64_t task_count = 1;     // tasks in flight, integer >= 0
  double success_rate = 1.0;  // fraction of recent tasks that succeeded, [0, 1]
  double uptime_ms = 0.0;     // milliseconds since the agent started, >= 0
};

// Reads and validates a telemetry JSON object. Errors (code invalid_argument,
// `where` = the field name) for: a non-object, an unknown member, a non-number,
// a rate outside [0, 1], a negative or non-integral task_count, a negative
// uptime_ms. Nothing is clamped silently.
core::Result<Telemetry> parse_telemetry(const core::Value& v);
// The same range checks for a Telemetry built in code.
core::Status validate(const Telemetry& t);
core::Value to_value(const Telemetry& t);

// ---------------------------------------------------------------------------
// Features: the model's five inputs, each in [0, 1].
//   [0] cpu_usage, [1] memory_usage, [2] error_rate,
//   [3] min(1, ln(1 + task_count) / ln(101))   (100 tasks in flight = full load),
//   [4] success_rate
inline constexpr int kInputs = 5;
inline constexpr int kOutputs = 3;
using Features = std::array<float, kInputs>;
Features features(const Telemetry& t);

// ---------------------------------------------------------------------------
// PAD, labels, fatigue, offloading (the seed's formulas, exactly).

struct Pad {
  double pleasure = 0.5;   // ~ success and health
  double arousal = 0.5;    // ~ load and activity
  double dominance = 0.5;  // ~ control of its resources
};

enum class Label { kJoy, kFear, kSadness, kCalm, kIntense, kFatigued, kNeutral };

// The seed's map_to_categorical, first match wins, strict comparisons:
//   p > 0.6 && a > 0.6 -> JOY;  p < 0.4 && a > 0.6 -> FEAR;
//   p < 0.4 && a < 0.4 -> SADNESS;  p > 0.6 && a < 0.4 -> CALM;
//   d > 0.7 -> INTENSE;  a < 0.3 -> FATIGUED;  otherwise NEUTRAL.
Label map_to_categorical(const Pad& pad);
// "JOY", "FEAR", "SADNESS", "CALM", "INTENSE", "FATIGUED", "NEUTRAL".
const char* label_name(Label label);
std::optional<Label> parse_label(std::string_view name);

// The seed's calculate_fatigue:
//   min(1.0, (uptime_ms / 3600000) / 8 + error_rate + task_count / 100)
double calculate_fatigue(const Telemetry& t);

// An agent's emotion as stored on the agent and sent over the API.
struct Emotion {
  double pleasure = 0.5;
  double arousal = 0.5;
  double dominance = 0.5;
  Label label = Label::kNeutral;
  double fatigue = 0.0;

  Pad pad() const { return {pleasure, arousal, dominance}; }
  friend bool operator==(const Emotion&, const Emotion&) = default;
};

// {"pleasure":..,"arousal":..,"dominance":..,"label":"..","fatigue":..}
core::Value to_value(const Emotion& e);
// Reads the JSON above; missing members take the defaults of `Emotion`, numbers
// must lie in [0, 1], the label must be one of the seven names.
core::Result<Emotion> emotion_from_value(const core::Value& v);

// The seed's should_offload: fatigue > 0.7 and pleasure < 0.2.
bool should_offload(const Emotion& e);
// A peer may receive offloaded goals only when it is not fatigued by the same
// measure the seed uses for offloading (fatigue <= 0.7) and not labelled FATIGUED.
bool can_receive_offload(const Emotion& e);

// ---------------------------------------------------------------------------
// The model.

class Model {
 public:
  static constexpr size_t kMaxFileBytes = 2048;
  static constexpr uint32_t kMagic = 0x4F4D4547;  // "GEMO" little-endian
  static constexpr uint16_t kVersion = 1;
  static constexpr size_t kHeaderBytes = 12;
  // Largest hidden layer whose file still fits in kMaxFileBytes.
  static constexpr int kMaxHidden = static_cast<int>(
      (kMaxFileBytes - kHeaderBytes - 4 - 4 * kOutputs) / (4 * (kInputs + 1 + kOutputs)));

  // A model with `hidden` units and small deterministic pseudo-random weights
  // (the trainer's starting point). `hidden` must be in [1, kMaxHidden].
  static core::Result<Model> random(int hidden, uint64_t seed);

  // Decodes the binary weights file (all integers and floats little-endian):
  //   offset 0  u32  magic 0x4F4D4547 ("GEMO")
  //          4  u16  version (1)
  //          6  u8   inputs (5)     7 u8 hidden (1..kMaxHidden)
  //          8  u8   outputs (3)    9 u8 activation (0 = ReLU hidden, sigmoid out)
  //         10  u16  reserved (0)
  //         12  f32  W1[inputs][hidden], b1[hidden], W2[outputs][hidden], b2[outputs]
  //        end  u32  CRC-32 (IEEE 802.3, as zlib's crc32) of every byte before it
  // Errors (code invalid_argument, message naming what is wrong): size over
  // 2 KB or not the exact size the header implies, bad magic, unsupported
  // version/dims/activation, checksum mismatch, a non-finite weight.
  static core::Result<Model> decode(std::string_view bytes);
  static core::Result<Model> load(const std::string& path);
  // The weights shipped with the repository (models/emotion.bin), compiled in.
  static const Model& shipped();

  std::string encode() const;
  core::Status save(const std::string& path) const;

  // PAD for one feature vector. No allocation; safe from any thread.
  Pad infer(const Features& x) const;
  void infer(const Features& x, float out[kOutputs]) const;

  int hidden() const { return hidden_; }
  // Parameters in file order (W1, b1, W2, b2); the trainer updates them.
  std::vector<float>& parameters() { return params_; }
  const std::vector<float>& parameters() const { return params_; }

  friend bool operator==(const Model&, const Model&) = default;

 private:
  Model(int hidden, std::vector<float> params) : hidden_(hidden), params_(std::move(params)) {}
  int hidden_ = 0;
  std::vector<float> params_;
};

// The whole appraisal of one validated heartbeat: infer, label, fatigue.
Emotion appraise(const Model& model, const Telemetry& t);

// ---------------------------------------------------------------------------
// Training (used by `genesis emotion train`).

struct Sample {
  Features x{};
  std::array<float, kOutputs> y{};  // pleasure, arousal, dominance targets in [0, 1]
};

// Reads the appraisal dataset CSV: a header line naming exactly the columns
//   cpu_usage,memory_usage,error_rate,task_count,success_rate,pleasure,arousal,dominance
// then one row per sample. Telemetry columns are validated like a heartbeat;
// targets must be in [0, 1]. Errors carry `where` = "line N".
core::Result<std::vector<Sample>> parse_dataset_csv(std::string_view text);

struct TrainOptions {
  int hidden = 16;
  int epochs = 1500;
  int batch_size = 32;
  float learning_rate = 0.01f;  // Adam step size
  uint64_t seed = 1;            // weight init and shuffling; same seed, same model
};

struct TrainReport {
  int epochs = 0;
  double mse = 0;  // mean squared error over the dataset after training
  double mae = 0;  // mean absolute error, averaged over the three outputs
};

// Fits a model by mini-batch Adam on mean squared error. Deterministic for a
// given dataset and options. Errors: empty dataset, options out of range.
core::Result<Model> train(const std::vector<Sample>& data, const TrainOptions& options,
                          TrainReport* report = nullptr);
// Mean squared and mean absolute error of `model` on `data`.
TrainReport evaluate(const Model& model, const std::vector<Sample>& data);

}  // namespace genesis::emotion
