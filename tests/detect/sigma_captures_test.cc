// The shipped Sigma rules (share/sigma/rules) on the real captures of
// ../shared/telemetry-samples, through the Windows normaliser, as genesisd runs them.
//
// tests/detect/sigma_captures.json holds, per capture, whether a rule tagged with the
// capture's labelled technique (or its parent / a sub-technique) fired, and every
// high or critical rule that fired with its count. It is the false-positive check:
// each listed alert was reviewed as real lab activity (the simulated attack, or the lab
// clearing its logs before it); a new high/critical alert on this benign-heavy
// background, or a lost one, fails the test until reviewed.
// GENESIS_UPDATE_GOLDEN=1 rewrites the file from the current output.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "detect/ingest/ingest.h"
#include "sigma/sigma.h"

namespace {

namespace fs = std::filesystem;
using namespace genesis;
using core::Value;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool related(const std::string& a, const std::string& b) {
  return a == b || a.rfind(b + ".", 0) == 0 || b.rfind(a + ".", 0) == 0;
}

TEST(SigmaCaptures, LabelledTechniquesAndNoNewHighAlerts) {
  std::string dir = std::string(GENESIS_SOURCE_DIR) + "/../shared/telemetry-samples";
  if (!fs::exists(dir + "/manifest.json")) GTEST_SKIP() << dir << " is not present";
  sigma::Loader loader;
  loader.add_dir(std::string(GENESIS_SOURCE_DIR) + "/share/sigma/rules");
  ASSERT_GT(loader.rules_loaded(), 2000u);
  auto set = loader.build();
  auto manifest = core::parse_json(read(dir + "/manifest.json"));
  ASSERT_TRUE(manifest.ok());

  Value got = Value::object();
  std::size_t events = 0, high = 0, found = 0;
  for (const Value& entry : manifest->as_array()) {
    std::string file = entry.find("file")->as_string();
    auto batch = detect::ingest::decode(read(dir + "/" + file), detect::ingest::Format::kWindows, "a1");
    EXPECT_TRUE(batch.errors.empty()) << file;
    std::map<std::string, int64_t> alerts;
    bool hit = false;
    for (const Value& ev : batch.events) {
      ++events;
      for (const auto& m : set->match(*ev.find("telemetry"))) {
        for (const auto& t : m.rule->techniques()) {
          for (const Value& label : entry.find("techniques")->as_array()) {
            hit = hit || related(t, label.as_string());
          }
        }
        if (m.rule->level == "high" || m.rule->level == "critical") {
          ++alerts[m.rule->level + ": " + m.rule->title];
          ++high;
        }
      }
    }
    found += hit ? 1 : 0;
    Value a = Value::object();
    for (const auto& [k, n] : alerts) a.set(k, n);
    got.set(file, Value(core::Object{{"labelled_technique_found", hit}, {"high_alerts", a}}));
  }
  std::string golden = std::string(GENESIS_TEST_DATA) + "/sigma_captures.json";
  if (std::getenv("GENESIS_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden) << core::to_json(got, true) << "\n";
    return;
  }
  auto want = core::parse_json(read(golden));
  ASSERT_TRUE(want.ok()) << golden;
  for (const auto& [file, v] : got.as_object()) {
    const Value* w = want->find(file);
    ASSERT_NE(w, nullptr) << file << " is not in " << golden;
    EXPECT_EQ(core::to_json(v, true), core::to_json(*w, true)) << file;
  }
  // Most captures are benign background: high/critical alerts stay rare.
  EXPECT_LT(static_cast<double>(high) / static_cast<double>(events), 0.01);
  EXPECT_GE(found, 11u) << "captures whose labelled technique a rule found";
}

}  // namespace
