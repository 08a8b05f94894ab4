// Telemetry validation tests are data: tests/detect/telemetry/*.json, one case
// per file:
//   {"input": ["ndjson line", ...],           // joined with "\n" into one body
//    "accepted": [{"line": N, "event": {...}}], // normalized good events
//    "errors": [{"line": N, "where": "...", "message": "..."}]}
// "input" may instead be one JSON object (sent as a single event).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "detect/telemetry.h"

namespace genesis::detect {
namespace {

namespace fs = std::filesystem;
using core::Value;

std::vector<std::string> case_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(GENESIS_TEST_DATA) + "/telemetry")) {
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TelemetryCase : public testing::TestWithParam<std::string> {};

TEST_P(TelemetryCase, MatchesExpected) {
  auto doc = core::parse_json(read(GetParam()));
  ASSERT_TRUE(doc.ok()) << GetParam() << ": " << doc.error().to_string();
  const Value* input = doc->find("input");
  ASSERT_NE(input, nullptr) << "case has no input";
  std::string body;
  if (input->is_array()) {
    for (const Value& line : input->as_array()) {
      ASSERT_TRUE(line.is_string()) << "input lines must be strings";
      body += line.as_string() + "\n";
    }
  } else {
    body = core::to_json(*input);
  }
  Batch batch = decode_batch(body);

  Value accepted = Value::array();
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    Value a = Value::object();
    a.set("line", static_cast<int64_t>(batch.lines[i]));
    a.set("event", batch.events[i]);
    accepted.push_back(std::move(a));
  }
  Value errors = Value::array();
  for (const auto& e : batch.errors) {
    Value o = Value::object();
    o.set("line", static_cast<int64_t>(e.line));
    o.set("where", e.error.where);
    o.set("message", e.error.message);
    errors.push_back(std::move(o));
  }
  const Value* want_accepted = doc->find("accepted");
  const Value* want_errors = doc->find("errors");
  EXPECT_EQ(core::to_json(accepted, true),
            core::to_json(want_accepted ? *want_accepted : Value::array(), true));
  EXPECT_EQ(core::to_json(errors, true),
            core::to_json(want_errors ? *want_errors : Value::array(), true));
}

INSTANTIATE_TEST_SUITE_P(Files, TelemetryCase, testing::ValuesIn(case_files()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = fs::path(info.param).stem().string();
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(Telemetry, EveryKindHasARequiredField) {
  for (const auto& k : kinds()) {
    bool any = std::any_of(k.fields.begin(), k.fields.end(),
                           [](const FieldSpec& f) { return f.required; });
    EXPECT_TRUE(any) << k.kind;
  }
}

TEST(Telemetry, EmptyBodyIsEmptyBatch) {
  Batch b = decode_batch(" \n\n");
  EXPECT_TRUE(b.events.empty());
  EXPECT_TRUE(b.errors.empty());
}

}  // namespace
}  // namespace genesis::detect
