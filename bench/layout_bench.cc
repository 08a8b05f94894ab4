// Layout kernel: one tick (links + Barnes-Hut many-body + centring) of a
// spawn tree of N agents, native. The browser runs the same code as WebAssembly
// (bench/web/run.mjs measures that beside d3-force-3d).
#include <benchmark/benchmark.h>

#include <vector>

#include "layout/layout.h"

namespace genesis::layout {
namespace {

void BM_LayoutTick(benchmark::State& state) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  ForceLayout l;
  l.resize(n);
  std::vector<uint32_t> pairs;
  for (uint32_t i = 1; i < n; ++i) {
    pairs.push_back((i - 1) / 4);
    pairs.push_back(i);
  }
  (void)l.set_links(pairs.data(), n - 1);
  for (int t = 0; t < 30; ++t) l.tick();  // past the initial spiral
  for (auto _ : state) {
    l.reheat(0.5f);
    l.tick();
    benchmark::DoNotOptimize(l.positions());
  }
  state.counters["agents"] = n;
  state.counters["cells"] = l.last_stats().octree_cells;
}
BENCHMARK(BM_LayoutTick)->Arg(1000)->Arg(10000)->Arg(50000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace genesis::layout

BENCHMARK_MAIN();
