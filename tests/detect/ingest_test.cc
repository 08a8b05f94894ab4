// Normaliser tests as data: tests/detect/ingest/*.json, one case per file (the format
// of batch_cases.h) with two more members: "format" (a format name, ingest.h) and
// "agent_id" (the agent_id parameter).
#include <gtest/gtest.h>

#include <filesystem>

#include "batch_cases.h"
#include "detect/ingest/ingest.h"
#include "detect/ingest/windows.h"

namespace genesis::detect::ingest {
namespace {

namespace fs = std::filesystem;
namespace cases = testing_cases;
using cases::read_file;
using core::Value;

class IngestCase : public testing::TestWithParam<std::string> {};

TEST_P(IngestCase, MatchesExpected) {
  cases::run_case(GetParam(), [](const Value& c, const std::string& body) {
    auto format = parse_format(c.find("format")->as_string());
    EXPECT_TRUE(format.has_value()) << "unknown format";
    return decode(body, format.value_or(Format::kGenesis), c.find("agent_id")->as_string());
  });
}

INSTANTIATE_TEST_SUITE_P(Cases, IngestCase,
                         testing::ValuesIn(cases::case_files(std::string(GENESIS_TEST_DATA) +
                                                             "/ingest")),
                         cases::case_name);

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
    Batch b = decode(read_file(e.path().string()), Format::kWindows, "a1");
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
