// Registry store benchmarks, each run against both stores:
//   SQLite (WAL, synchronous=FULL, on the build disk): spawn ≥ 50,000 agents/s
//   in batches; subtree query of 1,000 out of 1,000,000 agents < 5 ms p99;
//   cognition events ≥ 200,000/s in batches.
//   PostgreSQL 15 (a throw-away cluster in /tmp started by this binary, fsync
//   on, synchronous_commit on, queries as the RLS-bound app role): spawn
//   ≥ 20,000 agents/s in batches; subtree of 1,000 of 1,000,000 p99 < 10 ms;
//   cognition events ≥ 50,000/s in batches.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "registry/registry.h"
#include "storage/storage.h"
#include "support/daemon.h"
#include "support/pg.h"

namespace genesis::registry {
namespace {

struct Sqlite {
  std::filesystem::path dir = genesis::testing::make_temp_dir("store-bench");
  std::unique_ptr<Store> store = std::move(open_sqlite_store((dir / "bench.db").string()).value());
  ~Sqlite() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

// One cluster for the whole run (stopped at exit), a new database per benchmark.
struct Postgres {
  static genesis::testing::PgCluster& cluster() {
    static auto c = genesis::testing::PgCluster::start_private();
    return *c;
  }
  std::unique_ptr<Store> store = [] {
    if (auto why = cluster().unavailable()) {
      std::fprintf(stderr, "%s\n", why->c_str());
      std::abort();
    }
    return std::move(storage::open_store(cluster().new_database()).value());
  }();
};

template <typename Backend>
void BM_SpawnBatch(benchmark::State& state) {
  Backend t;
  const size_t batch = static_cast<size_t>(state.range(0));
  std::vector<NewAgent> agents(batch);
  NewAgent root;
  root.label = "root";
  auto r = t.store->spawn(kDefaultTenant, std::span<const NewAgent>(&root, 1));
  for (size_t i = 0; i < batch; ++i) {
    agents[i].label = "a" + std::to_string(i);
    agents[i].parent_id = r->front().id;
    agents[i].mem_state = core::Object{{"task", "index"}, {"step", static_cast<int64_t>(i)}};
    agents[i].goals = {{"g", 0.5, 60}};
  }
  for (auto _ : state) {
    auto out = t.store->spawn(kDefaultTenant, agents);
    if (!out) state.SkipWithError(out.error().message.c_str());
  }
  state.counters["agents/s"] = benchmark::Counter(static_cast<double>(state.iterations() * batch),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK_TEMPLATE(BM_SpawnBatch, Sqlite)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_SpawnBatch, Postgres)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

// 1,000 subtrees of 1,000 agents (a root, 9 children, 990 grandchildren).
template <typename Backend>
void BM_SubtreeQuery1000Of1M(benchmark::State& state) {
  Backend t;
  std::vector<std::string> roots;
  for (int s = 0; s < 1000; ++s) {
    std::vector<NewAgent> batch;
    batch.reserve(1000);
    NewAgent root;
    root.id = core::new_uuid();
    root.label = "team" + std::to_string(s);
    batch.push_back(root);
    for (int c = 0; c < 9; ++c) {
      NewAgent child;
      child.id = core::new_uuid();
      child.label = "lead" + std::to_string(c);
      child.parent_id = *root.id;
      batch.push_back(child);
      for (int g = 0; g < 110; ++g) {
        NewAgent grand;
        grand.label = "w" + std::to_string(g);
        grand.parent_id = *child.id;
        batch.push_back(grand);
      }
    }
    auto r = t.store->spawn(kDefaultTenant, batch);
    if (!r) return state.SkipWithError(r.error().message.c_str());
    roots.push_back(*root.id);
  }
  std::vector<double> ms;
  size_t i = 0;
  for (auto _ : state) {
    AgentQuery q;
    q.subtree_of = roots[(i++ * 7919) % roots.size()];
    q.limit = 1000;
    auto start = std::chrono::steady_clock::now();
    auto page = t.store->list(kDefaultTenant, q);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (!page || page->items.size() != 1000) return state.SkipWithError("subtree did not return 1000 agents");
  }
  std::sort(ms.begin(), ms.end());
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
}
BENCHMARK_TEMPLATE(BM_SubtreeQuery1000Of1M, Sqlite)->Iterations(1000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_SubtreeQuery1000Of1M, Postgres)->Iterations(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

template <typename Backend>
void BM_EventIngestBatch(benchmark::State& state) {
  Backend t;
  NewAgent a;
  a.label = "thinker";
  auto agent = t.store->spawn(kDefaultTenant, std::span<const NewAgent>(&a, 1))->front();
  const size_t batch = static_cast<size_t>(state.range(0));
  std::vector<NewEvent> events(batch);
  for (size_t i = 0; i < batch; ++i) {
    events[i].type = static_cast<CognitionType>(i % 4);
    events[i].payload = core::Object{{"step", static_cast<int64_t>(i)}, {"note", "observed a log line"}};
  }
  for (auto _ : state) {
    auto r = t.store->append_events(kDefaultTenant, agent.id, events);
    if (!r) state.SkipWithError(r.error().message.c_str());
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(state.iterations() * batch),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK_TEMPLATE(BM_EventIngestBatch, Sqlite)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_EventIngestBatch, Postgres)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace genesis::registry

BENCHMARK_MAIN();
