// `genesis sigma check|ls|show|test` through the real binary.
#include <gtest/gtest.h>

#include "support/command.h"

namespace {

using genesis::testing::run_command;
const std::string kCli = GENESIS_CLI_PATH;
const std::string kData = GENESIS_TEST_DATA;

TEST(SigmaCli, CheckReportsAndExitsZeroForUnsupportedLogsource) {
  auto r = run_command(kCli + " sigma check " + kData + "/rules/good 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("cloud.yml:3:12: unsupported logsource"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("loaded 1, unsupported logsource 1, unknown field 0, malformed 0"),
            std::string::npos) << r.out;
}

TEST(SigmaCli, CheckExitsNonZeroForMalformed) {
  auto r = run_command(kCli + " sigma check " + kData + "/rules 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("bad/broken.yml:6:14: malformed [11111111-2222-3333-4444-777777777777]"),
            std::string::npos) << r.out;
}

TEST(SigmaCli, LsShowTest) {
  auto ls = run_command(kCli + " sigma ls " + kData + "/rules/good");
  EXPECT_EQ(ls.exit_code, 0);
  EXPECT_NE(ls.out.find("11111111-2222-3333-4444-555555555555  high  kind:process.start"),
            std::string::npos) << ls.out;
  auto show = run_command(kCli + " sigma show 11111111-2222-3333-4444-555555555555 " + kData +
                          "/rules/good");
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_NE(show.out.find("\"author\": \"Genesis tests\""), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("\"T1490\""), std::string::npos) << show.out;
  auto missing = run_command(kCli + " sigma show nope " + kData + "/rules/good 2>&1");
  EXPECT_EQ(missing.exit_code, 1);
  auto test = run_command(kCli + " sigma test " + kData + "/rules/good " + kData +
                          "/events/vss.ndjson");
  EXPECT_EQ(test.exit_code, 0) << test.out;
  EXPECT_NE(test.out.find("line 1: high Shadow Copies Deleted With Vssadmin"), std::string::npos)
      << test.out;
  EXPECT_NE(test.out.find("1 matches in 2 lines"), std::string::npos) << test.out;
}

}  // namespace
