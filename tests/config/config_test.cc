// genesisd's configuration: error cases as data (tests/config/cases/*.yaml,
// each its own test), precedence, the docs kept in step with the key table,
// and genesisd itself with --config and --check-config.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "support/command.h"
#include "support/daemon.h"

namespace fs = std::filesystem;
using genesis::config::Inputs;
using genesis::config::Source;

namespace {

const fs::path kCases = fs::path(GENESIS_SOURCE_DIR) / "tests/config/cases";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
  return s;
}

// A case file: YAML whose leading comments say what else the case sets
// ("# env: NAME=VALUE", "# flag: KEY=VALUE") and every error expected, in
// order ("# error: ..."; FILE stands for the case file's path). No "# error:"
// line: the file must load.
struct Case {
  Inputs inputs;
  std::vector<std::string> errors;
};

Case read_case(const fs::path& file) {
  Case c;
  c.inputs.file = file.string();
  std::ifstream in(file);
  std::string line;
  auto after = [&](const std::string& prefix) -> std::optional<std::string> {
    if (line.rfind(prefix, 0) != 0) return std::nullopt;
    return line.substr(prefix.size());
  };
  while (std::getline(in, line)) {
    if (auto e = after("# error: ")) c.errors.push_back(replace_all(*e, "FILE", file.string()));
    if (auto kv = after("# env: ")) c.inputs.env[kv->substr(0, kv->find('='))] = kv->substr(kv->find('=') + 1);
    if (auto kv = after("# flag: ")) c.inputs.flags[kv->substr(0, kv->find('='))] = kv->substr(kv->find('=') + 1);
  }
  return c;
}

class ConfigCase : public ::testing::TestWithParam<std::string> {};

TEST_P(ConfigCase, ReportsExactlyTheExpectedErrors) {
  Case c = read_case(kCases / GetParam());
  std::vector<genesis::core::Error> all;
  auto loaded = genesis::config::load(c.inputs, &all);
  std::vector<std::string> got;
  for (const auto& e : all) got.push_back(e.to_string());
  EXPECT_EQ(got, c.errors);
  EXPECT_EQ(loaded.ok(), c.errors.empty());
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kCases))
    if (e.path().extension() == ".yaml") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Cases, ConfigCase, ::testing::ValuesIn(case_names()),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.size() - 5);
                           return replace_all(n, "-", "_");
                         });

class TempDir {
 public:
  TempDir() : path_(genesis::testing::make_temp_dir("genesis-config")) {}
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return path_ / name;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(ConfigPrecedence, FlagOverEnvironmentOverFileOverDefault) {
  TempDir dir;
  Inputs in;
  in.file = dir.write("genesisd.conf",
                      "listen: 127.0.0.1:9001\n"
                      "store: sqlite:/tmp/from-file.db\n"
                      "threads: 2\n").string();
  in.env = {{"GENESIS_STORE", "sqlite:/tmp/from-env.db"}, {"GENESIS_THREADS", "3"}};
  in.flags = {{"threads", "4"}};
  auto loaded = genesis::config::load(in);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  EXPECT_EQ(loaded->config.threads, 4);                             // flag beats env and file
  EXPECT_EQ(loaded->config.store, "sqlite:/tmp/from-env.db");      // env beats file
  EXPECT_EQ(loaded->config.listen, "127.0.0.1:9001");               // file beats default
  EXPECT_EQ(loaded->config.alert_webhook, "");                      // default
  EXPECT_EQ(loaded->source.at("threads"), Source::kFlag);
  EXPECT_EQ(loaded->source.at("store"), Source::kEnvironment);
  EXPECT_EQ(loaded->source.at("listen"), Source::kFile);
  EXPECT_EQ(loaded->source.at("web"), Source::kDefault);
}

TEST(ConfigPrecedence, AHigherSourceReplacesAnInvalidLowerOne) {
  // The file's bad value is never used, so it is not an error: the flag decides.
  TempDir dir;
  Inputs in;
  in.file = dir.write("genesisd.conf", "threads: lots\n").string();
  in.env = {{"GENESIS_THREADS", "3"}};
  auto loaded = genesis::config::load(in);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  EXPECT_EQ(loaded->config.threads, 3);
}

TEST(ConfigPrecedence, DefaultsWithoutAnySource) {
  auto loaded = genesis::config::load(Inputs{});
  ASSERT_TRUE(loaded.ok());
  genesis::config::DaemonConfig defaults;
  EXPECT_EQ(loaded->config.listen, defaults.listen);
  EXPECT_EQ(loaded->config.store, defaults.store);
  EXPECT_EQ(loaded->config.threads, 0);
}

TEST(ConfigPrecedence, UnrelatedGenesisVariablesAreIgnored) {
  Inputs in;
  in.env = {{"GENESIS_SERVER", "elsewhere:1"}, {"GENESIS_TEST_STORE", "postgresql"}};
  EXPECT_TRUE(genesis::config::load(in).ok());
}

TEST(ConfigFile, MissingFileIsAnError) {
  Inputs in;
  in.file = "/nonexistent/genesisd.conf";
  auto loaded = genesis::config::load(in);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().to_string(),
            "/nonexistent/genesisd.conf: invalid_argument: no such configuration file");
}

TEST(ConfigFile, EmptyFileMeansDefaults) {
  TempDir dir;
  Inputs in;
  in.file = dir.write("empty.conf", "# nothing set\n").string();
  EXPECT_TRUE(genesis::config::load(in).ok());
}

TEST(ConfigFile, DescribeLoadsBackToTheSameConfiguration) {
  TempDir dir;
  Inputs in;
  in.file = dir.write("a.conf", "listen: 127.0.0.1:9002\nthreads: 7\nalert_webhook: http://h:1/x\n").string();
  in.env = {{"GENESIS_STORE", "sqlite:/tmp/x y.db"}};
  auto first = genesis::config::load(in);
  ASSERT_TRUE(first.ok());
  std::string text = genesis::config::describe(*first);
  EXPECT_NE(text.find("threads: \"7\"  # file " + in.file + ":2:1"), std::string::npos) << text;
  EXPECT_NE(text.find("# environment GENESIS_STORE"), std::string::npos) << text;
  Inputs again;
  again.file = dir.write("b.conf", text).string();
  auto second = genesis::config::load(again);
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  EXPECT_EQ(second->config.listen, "127.0.0.1:9002");
  EXPECT_EQ(second->config.threads, 7);
  EXPECT_EQ(second->config.store, "sqlite:/tmp/x y.db");
  EXPECT_EQ(second->config.alert_webhook, "http://h:1/x");
}

TEST(ConfigDocs, EveryKeyIsDocumentedWithItsVariableAndFlag) {
  std::ifstream in(fs::path(GENESIS_SOURCE_DIR) / "docs/configuration.md");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  ASSERT_FALSE(doc.empty());
  for (const auto& k : genesis::config::keys()) {
    std::string row = "| `" + k.key + "` | `" + k.env + "` | `" + k.flag + "` |";
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/configuration.md lacks the row " << row;
  }
}

// ---- genesisd itself ----

TEST(GenesisdConfig, CheckConfigNamesTheKeyAndFails) {
  TempDir dir;
  fs::path conf = dir.write("genesisd.conf", "listen: 127.0.0.1:0\nthreads: -3\n");
  auto r = genesis::testing::run_command(std::string(GENESISD_PATH) + " --config " + conf.string() +
                                         " --check-config 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("genesisd: configuration: " + conf.string() +
                       ":2:1: threads: invalid_argument: must be an integer from 0 to 1024, got \"-3\""),
            std::string::npos)
      << r.out;
}

TEST(GenesisdConfig, CheckConfigPrintsTheEffectiveConfiguration) {
  TempDir dir;
  fs::path conf = dir.write("genesisd.conf", "listen: 127.0.0.1:0\nthreads: 3\n");
  auto r = genesis::testing::run_command(std::string(GENESISD_PATH) + " --config " + conf.string() +
                                         " --check-config --threads 5 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("threads: \"5\"  # flag"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("listen: \"127.0.0.1:0\"  # file"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("genesisd: configuration ok"), std::string::npos) << r.out;
}

TEST(GenesisdConfig, ServesWithTheFilesSettings) {
  // The store path comes from the file only: the daemon must create it there.
  TempDir dir;
  fs::path db = dir.path() / "state" / "genesis.db";
  fs::path conf = dir.write("genesisd.conf", "listen: 127.0.0.1:0\nstore: sqlite:" + db.string() + "\n");
  auto d = genesis::testing::Daemon::with_args({"--config", conf.string()});
  EXPECT_GT(d.port(), 0);
  EXPECT_TRUE(fs::exists(db));
  // The environment sits between the file and the flags.
  setenv("GENESIS_LISTEN", "127.0.0.1:1", 1);
  auto r = genesis::testing::run_command(std::string(GENESISD_PATH) + " --config " + conf.string() +
                                         " --listen 127.0.0.1:0 --check-config 2>&1");
  unsetenv("GENESIS_LISTEN");
  EXPECT_NE(r.out.find("listen: \"127.0.0.1:0\"  # flag"), std::string::npos) << r.out;
}

}  // namespace
