// Emotion engine benchmarks. Targets (docs/performance.md, "Emotion"):
//   inference >= 5,000,000 per second per core; heartbeats end to end >= 50,000/s.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/value.h"
#include "emotion/emotion.h"

namespace {

using namespace genesis;

std::vector<emotion::Features> random_features(size_t n) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<emotion::Features> out(n);
  for (auto& f : out) f = {u(rng), u(rng), u(rng), u(rng), u(rng)};
  return out;
}

std::vector<emotion::Telemetry> random_telemetry(size_t n) {
  std::mt19937 rng(6);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<emotion::Telemetry> out(n);
  for (auto& t : out)
    t = {u(rng), u(rng), u(rng), static_cast<int64_t>(u(rng) * 150), u(rng), u(rng) * 3.6e7};
  return out;
}

// One forward pass of the shipped 5-16-3 network (single thread = one core).
void BM_Infer(benchmark::State& state) {
  const emotion::Model& m = emotion::Model::shipped();
  auto xs = random_features(1024);
  size_t i = 0;
  for (auto _ : state) {
    emotion::Pad pad = m.infer(xs[i++ & 1023]);
    benchmark::DoNotOptimize(pad);
  }
  state.counters["infer/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Infer);

// Features + inference + label + fatigue for a validated Telemetry.
void BM_Appraise(benchmark::State& state) {
  const emotion::Model& m = emotion::Model::shipped();
  auto ts = random_telemetry(1024);
  size_t i = 0;
  for (auto _ : state) {
    emotion::Emotion e = emotion::appraise(m, ts[i++ & 1023]);
    benchmark::DoNotOptimize(e);
  }
  state.counters["appraise/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Appraise);

// JSON text -> validated Telemetry -> Emotion -> JSON text: the CPU work of one
// heartbeat request without the store or the network.
void BM_HeartbeatJson(benchmark::State& state) {
  const emotion::Model& m = emotion::Model::shipped();
  std::vector<std::string> bodies;
  for (const auto& t : random_telemetry(256)) bodies.push_back(core::to_json(emotion::to_value(t)));
  size_t i = 0;
  for (auto _ : state) {
    auto v = core::parse_json(bodies[i++ & 255]);
    auto t = emotion::parse_telemetry(*v);
    std::string out = core::to_json(emotion::to_value(emotion::appraise(m, *t)));
    benchmark::DoNotOptimize(out);
  }
  state.counters["heartbeat/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HeartbeatJson);

}  // namespace

BENCHMARK_MAIN();
