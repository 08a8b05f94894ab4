// Emotion engine benchmarks. Targets (docs/performance.md, "Emotion"):
//   inference >= 5,000,000 per second per core; heartbeats end to end >= 50,000/s.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>
#include <random>
#include <vector>

#include "core/value.h"
#include "emotion/emotion.h"
#include "emotion/engine.h"
#include "mesh/mesh.h"
#include "registry/service.h"

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

// Heartbeats end to end through the store: JSON text -> validate -> appraise
// -> one SQLite transaction per batch (file store, WAL, synchronous=FULL, as
// genesisd runs it) -> "agent.emotion" on the bus -> offload check. 10,000 agents.
struct Fleet {
  std::filesystem::path dir;
  std::unique_ptr<registry::Store> store;
  mesh::EventBus bus;
  std::unique_ptr<registry::Registry> reg;
  std::unique_ptr<emotion::Engine> engine;
  std::vector<std::string> ids;
  std::vector<std::string> bodies;

  Fleet() {
    dir = std::filesystem::temp_directory_path() /
          ("genesis-emotion-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto opened = registry::open_sqlite_store((dir / "store.db").string());
    if (!opened) std::abort();
    store = std::move(*opened);
    std::vector<registry::NewAgent> agents(10000);
    for (size_t i = 0; i < agents.size(); ++i) {
      agents[i].label = "a" + std::to_string(i);
      agents[i].goals = {{"g", 0.5, 60}};
    }
    auto spawned = store->spawn(registry::kDefaultTenant, agents);
    if (!spawned) std::abort();
    for (const auto& a : *spawned) ids.push_back(a.id);
    for (const auto& t : random_telemetry(1024)) {
      emotion::Telemetry healthy = t;
      healthy.uptime_ms = 0;  // keep agents below the offload threshold
      healthy.error_rate = std::min(healthy.error_rate, 0.2);
      healthy.task_count %= 40;
      bodies.push_back(core::to_json(emotion::to_value(healthy)));
    }
    reg = std::make_unique<registry::Registry>(*store, bus);
    engine = std::make_unique<emotion::Engine>(*reg, emotion::Model::shipped());
  }
  ~Fleet() {
    engine.reset();
    reg.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

void BM_HeartbeatBatchThroughStore(benchmark::State& state) {
  Fleet fleet;
  auto sub = fleet.bus.subscribe([](const mesh::Event&) {});
  const size_t batch_size = static_cast<size_t>(state.range(0));
  std::vector<emotion::Heartbeat> batch(batch_size);
  size_t k = 0;
  for (auto _ : state) {
    for (auto& hb : batch) {
      auto v = core::parse_json(fleet.bodies[k & 1023]);
      hb.agent_id = fleet.ids[k % fleet.ids.size()];
      hb.telemetry = *emotion::parse_telemetry(*v);
      ++k;
    }
    auto results = fleet.engine->heartbeats(registry::kDefaultTenant, batch);
    benchmark::DoNotOptimize(results);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch_size));
  state.counters["heartbeat/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * batch_size), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HeartbeatBatchThroughStore)->Arg(256)->Arg(1024)->UseRealTime();

// Many callers each sending one heartbeat at a time (as HTTP handlers do):
// the engine's group commit gathers them into shared transactions.
Fleet* g_fleet = nullptr;
void BM_HeartbeatConcurrentThroughStore(benchmark::State& state) {
  if (state.thread_index() == 0) g_fleet = new Fleet();
  // Google Benchmark starts timing after every thread's setup; wait for the fleet.
  while (!__atomic_load_n(&g_fleet, __ATOMIC_ACQUIRE)) std::this_thread::yield();
  Fleet& fleet = *g_fleet;
  size_t k = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    auto v = core::parse_json(fleet.bodies[k & 1023]);
    auto t = emotion::parse_telemetry(*v);
    auto r = fleet.engine->heartbeat(registry::kDefaultTenant,
                                     emotion::Heartbeat{fleet.ids[k % fleet.ids.size()], *t, {}});
    benchmark::DoNotOptimize(r);
    ++k;
  }
  if (state.thread_index() == 0) {
    delete g_fleet;
    __atomic_store_n(&g_fleet, nullptr, __ATOMIC_RELEASE);
  }
  state.counters["heartbeat/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                     benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HeartbeatConcurrentThroughStore)->Threads(64)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
