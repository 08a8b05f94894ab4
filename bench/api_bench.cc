// Over HTTP keep-alive against a real genesisd: GET one agent (target ≥ 20,000
// requests/s on this 2-core machine, client and server sharing the cores).
// Each run starts N client threads for a fixed time and counts completed
// requests against the wall clock.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "client/client.h"
#include "support/daemon.h"
#include "support/pg.h"

namespace genesis {
namespace {

testing::Daemon& daemon() {
  // Destroyed at exit, which stops genesisd.
  static testing::Daemon d;  // default worker pool (4 per core, at least 8)
  return d;
}

// genesisd on PostgreSQL: a throw-away cluster started by this binary.
testing::Daemon& pg_daemon() {
  static auto cluster = testing::PgCluster::start_private();
  static testing::Daemon d({}, {}, cluster->new_database());
  return d;
}

// Runs `clients` threads issuing `method target body` for 3 s.
void run_load(benchmark::State& state, const std::string& method, const std::string& target,
              const std::string& body, int want_status, testing::Daemon& (*which)() = &daemon) {
  const int clients = static_cast<int>(state.range(0));
  for (auto _ : state) {
    std::atomic<bool> stop{false};
    std::atomic<bool> failed{false};
    std::vector<std::vector<double>> latencies(clients);
    std::vector<std::thread> threads;
    auto start = std::chrono::steady_clock::now();
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        client::HttpClient http(which().server());
        auto& lat = latencies[c];
        lat.reserve(1 << 20);
        while (!stop.load(std::memory_order_relaxed)) {
          auto t0 = std::chrono::steady_clock::now();
          auto r = http.request(method, target, body);
          if (!r || r->status != want_status) {
            failed = true;
            return;
          }
          lat.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(3));
    stop = true;
    for (auto& t : threads) t.join();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (failed) return state.SkipWithError("a request failed");
    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    state.counters["req/s"] = static_cast<double>(all.size()) / wall;
    state.counters["p50_us"] = all[all.size() / 2];
    state.counters["p99_us"] = all[all.size() * 99 / 100];
  }
}
void BM_GetAgentKeepAlive(benchmark::State& state) {
  client::HttpClient setup(daemon().server());
  std::string id = setup.request("POST", "/v1/agents", R"({"label":"hot","mem_state":{"task":"serve","n":1}})")
                       ->json()
                       ->find("id")
                       ->as_string();
  run_load(state, "GET", "/v1/agents/" + id, "", 200);
}

// One agent per request: every response is an acknowledged, fsynced write;
// concurrent writers share a commit (group commit).
void BM_SpawnOnePerRequest(benchmark::State& state) {
  client::HttpClient setup(daemon().server());
  std::string id = setup.request("POST", "/v1/agents", R"({"label":"spawner"})")->json()->find("id")->as_string();
  run_load(state, "POST", "/v1/agents", R"({"label":"w","parent_id":")" + id + R"(","goals":[{"id":"g","weight":0.5,"ttl":60}]})", 201);
}
BENCHMARK(BM_SpawnOnePerRequest)->Arg(1)->Arg(8)->Arg(32)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

BENCHMARK(BM_GetAgentKeepAlive)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

void BM_GetAgentKeepAlivePostgres(benchmark::State& state) {
  client::HttpClient setup(pg_daemon().server());
  std::string id = setup.request("POST", "/v1/agents", R"({"label":"hot","mem_state":{"task":"serve","n":1}})")
                       ->json()
                       ->find("id")
                       ->as_string();
  run_load(state, "GET", "/v1/agents/" + id, "", 200, &pg_daemon);
}
BENCHMARK(BM_GetAgentKeepAlivePostgres)->Arg(1)->Arg(4)->Arg(8)->Arg(16)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

void BM_SpawnOnePerRequestPostgres(benchmark::State& state) {
  client::HttpClient setup(pg_daemon().server());
  std::string id = setup.request("POST", "/v1/agents", R"({"label":"spawner"})")->json()->find("id")->as_string();
  run_load(state, "POST", "/v1/agents", R"({"label":"w","parent_id":")" + id + R"(","goals":[{"id":"g","weight":0.5,"ttl":60}]})", 201, &pg_daemon);
}
BENCHMARK(BM_SpawnOnePerRequestPostgres)->Arg(1)->Arg(8)->Arg(32)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace genesis

BENCHMARK_MAIN();
