// The genesis CLI against a real genesisd: output, --json, errors and exit codes.
#include <gtest/gtest.h>

#include <set>

#include "core/value.h"
#include "support/command.h"
#include "support/daemon.h"

namespace genesis {
namespace {

using CliRun = testing::CommandRun;

class CliTest : public ::testing::Test {
 protected:
  CliRun genesis(const std::string& args) {
    return testing::run_command(std::string(GENESIS_CLI_PATH) + " --server " + daemon_.server() + " " + args +
                                " 2>&1");
  }
  std::string spawn(const std::string& args) {
    CliRun r = genesis("--json agent spawn " + args);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return core::parse_json(r.out)->find("id")->as_string();
  }
  testing::Daemon daemon_;
};

TEST_F(CliTest, SpawnTreeMoveRemove) {
  std::string root = spawn("fleet --mem '{\"region\":\"eu\"}'");
  std::string a = spawn("scout --parent " + root + " --goals '[{\"id\":\"map\",\"weight\":0.9,\"ttl\":600}]'");
  std::string b = spawn("miner --parent " + root);
  CliRun tree = genesis("agent tree");
  EXPECT_EQ(tree.exit_code, 0);
  EXPECT_NE(tree.out.find("fleet"), std::string::npos) << tree.out;
  EXPECT_NE(tree.out.find("├── scout"), std::string::npos) << tree.out;
  EXPECT_NE(tree.out.find("└── miner"), std::string::npos) << tree.out;
  EXPECT_NE(tree.out.find("NEUTRAL p=0.50"), std::string::npos) << tree.out;

  CliRun mv = genesis("agent mv " + b + " " + a);
  EXPECT_EQ(mv.exit_code, 0) << mv.out;
  EXPECT_NE(mv.out.find("fleet.miner -> fleet.scout.miner"), std::string::npos) << mv.out;
  CliRun cyc = genesis("agent mv " + root + " " + b);
  EXPECT_EQ(cyc.exit_code, 1);
  EXPECT_NE(cyc.out.find("descendant"), std::string::npos) << cyc.out;
  EXPECT_EQ(std::count(cyc.out.begin(), cyc.out.end(), '\n'), 1) << "one clear line: " << cyc.out;

  CliRun show = genesis("agent show " + root);
  EXPECT_NE(show.out.find("\"region\": \"eu\""), std::string::npos) << show.out;
  CliRun ls = genesis("--json agent ls --subtree " + a);
  EXPECT_EQ(core::parse_json(ls.out)->find("agents")->as_array().size(), 2u) << ls.out;

  EXPECT_EQ(genesis("agent rm " + a + " --subtree").exit_code, 0);
  CliRun after = genesis("agent ls");
  EXPECT_EQ(after.out.find("scout"), std::string::npos) << after.out;
  CliRun all = genesis("agent ls --all");
  EXPECT_NE(all.out.find("(deleted)"), std::string::npos) << all.out;
}

TEST_F(CliTest, TenantsAreCreatedListedAndKeptApart) {
  CliRun made = genesis("tenant create blue --name 'Blue team'");
  EXPECT_EQ(made.exit_code, 0) << made.out;
  EXPECT_NE(made.out.find("created tenant blue"), std::string::npos) << made.out;
  CliRun again = genesis("tenant create blue");
  EXPECT_EQ(again.exit_code, 1) << again.out;
  CliRun bad = genesis("tenant create 'no spaces'");
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  CliRun ls = genesis("--json tenant ls");
  ASSERT_EQ(ls.exit_code, 0) << ls.out;
  auto listed = core::parse_json(ls.out);
  ASSERT_TRUE(listed.ok()) << ls.out;
  std::set<std::string> ids;
  for (const core::Value& t : listed->find("tenants")->as_array()) ids.insert(t.find("id")->as_string());
  EXPECT_TRUE(ids.contains("default") && ids.contains("blue")) << ls.out;
  EXPECT_NE(genesis("tenant ls").out.find("Blue team"), std::string::npos);

  // An agent spawned for blue is not the default tenant's.
  CliRun spawned = genesis("--tenant blue --json agent spawn scout");
  ASSERT_EQ(spawned.exit_code, 0) << spawned.out;
  EXPECT_NE(genesis("--tenant blue agent ls").out.find("scout"), std::string::npos);
  EXPECT_EQ(genesis("agent ls").out.find("scout"), std::string::npos);
  CliRun unknown = genesis("--tenant nobody agent ls");
  EXPECT_EQ(unknown.exit_code, 1) << unknown.out;
}

TEST_F(CliTest, EventsAddAndList) {
  std::string a = spawn("thinker");
  EXPECT_EQ(genesis("events add " + a + " plan '{\"step\":1}'").exit_code, 0);
  CliRun bad = genesis("events add " + a + " dream");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("invalid event type"), std::string::npos) << bad.out;
  CliRun ls = genesis("events ls " + a);
  EXPECT_NE(ls.out.find("plan  {\"step\":1}"), std::string::npos) << ls.out;
}

TEST_F(CliTest, UnreachableServerIsOneClearLine) {
  CliRun r = testing::run_command(std::string(GENESIS_CLI_PATH) + " --server 127.0.0.1:1 agent ls 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("cannot connect"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace genesis
