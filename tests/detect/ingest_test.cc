// Normaliser tests as data: tests/detect/ingest/*.json, one case per file —
//   {"description": "...", "format": "nxlog|winlogbeat|evtx|windows|genesis",
//    "agent_id": "a1",                         // the agent_id parameter
//    "input": ["one record per line", ...],     // joined with "\n" into one NDJSON body
//    "accepted": [{"line": N, "event": {...}}], // the Genesis events out
//    "errors": [{"line": N, "where": "...", "message": "..."}]}
// GENESIS_UPDATE_GOLDEN=1 rewrites "accepted"/"errors" from the current output (then
// read the diff before committing it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "detect/ingest/ingest.h"
#include "detect/ingest/windows.h"

namespace genesis::detect::ingest {
namespace {

namespace fs = std::filesystem;
using core::Value;

std::vector<std::string> case_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(GENESIS_TEST_DATA) + "/ingest")) {
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

class IngestCase : public testing::TestWithParam<std::string> {};

TEST_P(IngestCase, MatchesExpected) {
  auto doc = core::parse_json(read(GetParam()));
  ASSERT_TRUE(doc.ok()) << GetParam() << ": " << doc.error().to_string();
  auto format = parse_format(doc->find("format")->as_string());
  ASSERT_TRUE(format.has_value());
  std::string body;
  for (const Value& line : doc->find("input")->as_array()) body += line.as_string() + "\n";
  Batch batch = decode(body, *format, doc->find("agent_id")->as_string());

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
    std::ofstream(GetParam()) << core::to_json(out, true) << "\n";
    return;
  }
  const Value* want_accepted = doc->find("accepted");
  const Value* want_errors = doc->find("errors");
  ASSERT_TRUE(want_accepted != nullptr && want_errors != nullptr) << "no expected output";
  EXPECT_EQ(core::to_json(accepted, true), core::to_json(*want_accepted, true));
  EXPECT_EQ(core::to_json(errors, true), core::to_json(*want_errors, true));
}

INSTANTIATE_TEST_SUITE_P(Cases, IngestCase, testing::ValuesIn(case_files()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = fs::path(info.param).stem().string();
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(Ingest, FormatsByNameAndContentType) {
  EXPECT_EQ(parse_format("NXLog"), Format::kNxlog);
  EXPECT_EQ(parse_format("ecs"), Format::kWinlogbeat);
  EXPECT_FALSE(parse_format("syslog").has_value());
  EXPECT_EQ(format_from_content_type("application/x-ndjson; format=evtx"), Format::kEvtx);
  EXPECT_EQ(format_from_content_type("application/vnd.genesis.winlogbeat+json"),
            Format::kWinlogbeat);
  EXPECT_FALSE(format_from_content_type("application/x-ndjson").has_value());
}

TEST(Ingest, TimeFormats) {
  EXPECT_EQ(to_rfc3339("2020-09-21 19:18:51"), "2020-09-21T19:18:51Z");
  EXPECT_EQ(to_rfc3339("2020-10-21T09:40:38.9263420Z"), "2020-10-21T09:40:38.9263420Z");
  EXPECT_EQ(to_rfc3339("2020-10-21T09:40:38+0200"), "2020-10-21T09:40:38+02:00");
  EXPECT_EQ(to_rfc3339("21/09/2020"), "");
}

// Every record of the real captures normalises to a valid event, and the Windows
// events that have a kind get it.
TEST(Ingest, EveryCaptureRecordNormalises) {
  std::string dir = std::string(GENESIS_SOURCE_DIR) + "/../shared/telemetry-samples";
  if (!fs::is_directory(dir)) GTEST_SKIP() << dir << " is not present";
  std::size_t n = 0, generic = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".jsonl") continue;
    Batch b = decode(read(e.path().string()), Format::kWindows, "a1");
    for (const auto& err : b.errors) {
      ADD_FAILURE() << e.path().filename() << ":" << err.line << ": " << err.error.to_string();
    }
    for (const auto& ev : b.events) {
      ++n;
      const Value* t = ev.find("telemetry");
      if (t->find("event")->as_string() == "windows.event") {
        ++generic;
        int64_t id = t->find("winlog")->find("event_id")->as_int();
        std::string ch = t->find("winlog")->find("channel")->as_string();
        if (ch == "Microsoft-Windows-Sysmon/Operational") {
          EXPECT_TRUE(id == 5 || id == 6 || id == 9 || id == 15 || id == 16 || id == 24 || id == 4)
              << "Sysmon " << id << " fell back to windows.event";
        }
      }
    }
  }
  EXPECT_GT(n, 15000u);
  EXPECT_LT(generic, n / 2);
}

}  // namespace
}  // namespace genesis::detect::ingest
