// The case runner the telemetry and ingest tests share. A case is a JSON file:
//   {"description": "...",
//    "input": ["one record per line", ...],      // joined with "\n" into one body;
//                                               // or one JSON object, sent as one event
//    "accepted": [{"line": N, "event": {...}}],  // the Genesis events out
//    "errors": [{"line": N, "where": "...", "message": "..."}],
//    ...}                                        // members the test's decoder reads
// A missing "accepted" or "errors" means none. GENESIS_UPDATE_GOLDEN=1 rewrites both
// from the current output (then read the diff before committing it).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/value.h"
#include "detect/telemetry.h"

namespace genesis::detect::testing_cases {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The *.json case files of `dir`, sorted.
inline std::vector<std::string> case_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The gtest name of a case: its file stem, non-alphanumerics as '_'.
inline std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

// Runs the case at `path` through `decode(case, body)` and compares its output.
inline void run_case(const std::string& path,
                     const std::function<Batch(const core::Value&, const std::string&)>& decode) {
  using core::Value;
  auto doc = core::parse_json(read_file(path));
  ASSERT_TRUE(doc.ok()) << path << ": " << doc.error().to_string();
  const Value* input = doc->find("input");
  ASSERT_NE(input, nullptr) << path << ": case has no input";
  std::string body;
  if (input->is_array()) {
    for (const Value& line : input->as_array()) {
      ASSERT_TRUE(line.is_string()) << path << ": input lines must be strings";
      body += line.as_string() + "\n";
    }
  } else {
    body = core::to_json(*input);
  }
  Batch batch = decode(*doc, body);

  Value accepted = Value::array();
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    accepted.push_back(Value(core::Object{{"line", static_cast<int64_t>(batch.lines[i])},
                                          {"event", batch.events[i]}}));
  }
  Value errors = Value::array();
  for (const auto& e : batch.errors) {
    errors.push_back(Value(core::Object{{"line", static_cast<int64_t>(e.line)},
                                        {"where", e.error.where},
                                        {"message", e.error.message}}));
  }
  if (std::getenv("GENESIS_UPDATE_GOLDEN") != nullptr) {
    Value out = *doc;
    out.set("accepted", accepted);
    out.set("errors", errors);
    std::ofstream(path) << core::to_json(out, true) << "\n";
    return;
  }
  const Value* want_accepted = doc->find("accepted");
  const Value* want_errors = doc->find("errors");
  EXPECT_EQ(core::to_json(accepted, true),
            core::to_json(want_accepted ? *want_accepted : Value::array(), true));
  EXPECT_EQ(core::to_json(errors, true),
            core::to_json(want_errors ? *want_errors : Value::array(), true));
}

}  // namespace genesis::detect::testing_cases
