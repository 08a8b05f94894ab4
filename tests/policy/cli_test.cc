// `genesis policy eval|test|check` end to end: the real binary on temp files.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "policy/value.h"
#include "support/command.h"

namespace genesis::policy {
namespace {

namespace fs = std::filesystem;

using CliRun = testing::CommandRun;

class PolicyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("genesis-policy-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "bundle" / "roles");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ / rel) << text;
  }
  CliRun genesis(const std::string& args, bool with_stderr = true) {
    return testing::run_command(std::string(GENESIS_CLI_PATH) + " " + args +
                                (with_stderr ? " 2>&1" : " 2>/dev/null"));
  }
  std::string path(const std::string& rel) { return (dir_ / rel).string(); }
  fs::path dir_;
};

TEST_F(PolicyCliTest, EvalMatchesOpaOutputShape) {
  write("bundle/authz.rego", "package authz\n\ndefault allow := false\n\nallow if input.user in data.roles.admins\n");
  write("bundle/roles/data.json", R"({"admins": ["ann"]})");
  write("input.json", R"({"user": "ann"})");
  CliRun r = genesis("policy eval -d " + path("bundle") + " -i " + path("input.json") + " data.authz.allow", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto v = parse_json(r.out);
  ASSERT_TRUE(v.ok()) << r.out;
  EXPECT_EQ(to_json(*v), R"({"result":[{"expressions":[{"location":{"col":1,"row":1},"text":"data.authz.allow","value":true}]}]})");

  // Bindings, and undefined -> {} (with --fail making it exit 1).
  r = genesis("policy eval -d " + path("bundle") + " 'x := data.roles.admins[_]'", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"bindings\""), std::string::npos);
  EXPECT_NE(r.out.find("\"ann\""), std::string::npos);
  r = genesis("policy eval --fail -d " + path("bundle") + " data.authz.nothing", false);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "{}\n");
}

TEST_F(PolicyCliTest, EvalV0ModuleAndErrors) {
  write("mitre.rego", "package mitre\n\ndns[t] {\n  input.n > 10\n  t := \"T1071.004\"\n}\n");
  write("in.json", R"({"n": 11})");
  CliRun r = genesis("policy eval --v0-compatible -d " + path("mitre.rego") + " -i " + path("in.json") + " data.mitre.dns", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"T1071.004\""), std::string::npos) << r.out;

  write("broken.rego", "package broken\n\np := [1, 2\n");
  r = genesis("policy eval -d " + path("broken.rego") + " data.broken.p", false);
  EXPECT_EQ(r.exit_code, 1);
  auto v = parse_json(r.out);
  ASSERT_TRUE(v.ok()) << r.out;
  const Value* errs = v->get("errors");
  ASSERT_TRUE(errs && errs->is_array() && !errs->arr().empty()) << r.out;
  EXPECT_EQ(errs->arr()[0].get("code")->str(), "rego_parse_error");
  EXPECT_EQ(errs->arr()[0].get("location")->get("row")->as_int(), 4);
}

TEST_F(PolicyCliTest, TestRunsTestRules) {
  write("bundle/p.rego", "package p\n\nf(x) := x * 2\n");
  write("bundle/p_test.rego", "package p\n\ntest_double if f(2) == 4\n\ntest_wrong if f(2) == 5\n");
  CliRun r = genesis("policy test -v " + path("bundle"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("data.p.test_double: PASS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("data.p.test_wrong: FAIL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL: 1/2"), std::string::npos) << r.out;

  r = genesis("policy test --run double " + path("bundle"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("PASS: 1/1"), std::string::npos) << r.out;
}

TEST_F(PolicyCliTest, CheckReportsLocations) {
  write("ok.rego", "package ok\n\np := 1\n");
  EXPECT_EQ(genesis("policy check " + path("ok.rego")).exit_code, 0);
  write("unsafe.rego", "package u\n\np if {\n  y > 1\n}\n");
  CliRun r = genesis("policy check " + path("unsafe.rego"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("unsafe.rego:4:3: rego_unsafe_var_error: var y is unsafe"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace genesis::policy
