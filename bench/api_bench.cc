// Over HTTP keep-alive against a real genesisd: GET one agent (target ≥ 20,000
// requests/s on this 2-core machine, client and server sharing the cores).
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "client/client.h"
#include "support/daemon.h"

namespace genesis {
namespace {

void BM_GetAgentKeepAlive(benchmark::State& state) {
  static testing::Daemon* daemon = new testing::Daemon();
  static std::string id = [] {
    client::HttpClient http(daemon->server());
    return http.request("POST", "/v1/agents", R"({"label":"hot","mem_state":{"task":"serve","n":1}})")
        ->json()
        ->find("id")
        ->as_string();
  }();
  thread_local client::HttpClient http(daemon->server());
  std::string target = "/v1/agents/" + id;
  for (auto _ : state) {
    auto r = http.get(target);
    if (!r || r->status != 200) state.SkipWithError("request failed");
  }
  state.counters["req/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GetAgentKeepAlive)->Threads(1)->Threads(2)->Threads(4)->UseRealTime()->MinTime(3.0);

}  // namespace
}  // namespace genesis

BENCHMARK_MAIN();
