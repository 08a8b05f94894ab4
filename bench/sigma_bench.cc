// The Sigma evaluation stage alone: every rule of the corpus (share/sigma/rules, or
// GENESIS_SIGMA_RULES) against the real captures of ../shared/telemetry-samples,
// normalised once up front. Reports events/s of RuleSet::match, and the resident memory
// the loaded corpus takes (RSS before and after loading).
//
//   build/bench/sigma_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "detect/ingest/ingest.h"
#include "sigma/sigma.h"

namespace {

namespace fs = std::filesystem;
using namespace genesis;

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

struct Corpus {
  std::shared_ptr<const sigma::RuleSet> set;
  std::vector<core::Value> events;  // telemetry objects
  long rss_kb = 0;
  double load_s = 0;
};

const Corpus& corpus() {
  static Corpus c = [] {
    Corpus c;
    const char* env = std::getenv("GENESIS_SIGMA_RULES");
    std::string rules = env ? env : std::string(GENESIS_SOURCE_DIR) + "/share/sigma/rules";
    long before = rss_kb();
    auto t0 = std::chrono::steady_clock::now();
    sigma::Loader loader;
    loader.add_dir(rules);
    c.set = loader.build();
    c.load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    c.rss_kb = rss_kb() - before;
    std::string dir = std::string(GENESIS_SOURCE_DIR) + "/../shared/telemetry-samples";
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, std::filesystem::directory_options::skip_permission_denied)) {
      if (e.path().extension() == ".jsonl") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f);
      std::stringstream ss;
      ss << in.rdbuf();
      auto b = detect::ingest::decode(ss.str(), detect::ingest::Format::kWindows, "a");
      for (auto& ev : b.events) c.events.push_back(*ev.find("telemetry"));
    }
    return c;
  }();
  return c;
}

void BM_SigmaMatch(benchmark::State& state) {
  const Corpus& c = corpus();
  if (c.events.empty()) {
    state.SkipWithError("no telemetry samples (../shared/telemetry-samples)");
    return;
  }
  std::size_t i = 0, matches = 0;
  for (auto _ : state) {
    matches += c.set->match(c.events[i]).size();
    if (++i == c.events.size()) i = 0;
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
  state.counters["rules"] = static_cast<double>(c.set->size());
  state.counters["matches/event"] =
      static_cast<double>(matches) / static_cast<double>(state.iterations());
  state.counters["corpus_rss_MiB"] = static_cast<double>(c.rss_kb) / 1024.0;
  state.counters["load_s"] = c.load_s;
  state.counters["literals"] = static_cast<double>(c.set->stats().literals);
}
BENCHMARK(BM_SigmaMatch)->MinTime(3.0);

}  // namespace

BENCHMARK_MAIN();
