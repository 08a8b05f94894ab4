// A throw-away PostgreSQL 15 cluster for tests (tests/support/pg_cluster.sh):
// initdb in a temp dir as an unprivileged user, 127.0.0.1 on a free port.
//
// Under ctest the cluster is a fixture (tests/CMakeLists.txt: pg_cluster_start /
// pg_cluster_stop) named by GENESIS_PG_STATE; a test binary run by hand starts
// its own on first use and stops it when the process exits. Each test takes a
// fresh database of its own (owned by genesis_owner), so tests never share rows.
// When PostgreSQL is not installed, available() is false and says why: tests
// then GTEST_SKIP visibly instead of passing.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include <filesystem>

namespace genesis::testing {

class PgCluster {
 public:
  static PgCluster& shared() {
    static PgCluster cluster(/*own=*/std::getenv("GENESIS_PG_STATE") == nullptr);
    return cluster;
  }

  // A cluster of this test's own, for tests that stop the server (the shared
  // one serves tests running in parallel). Stopped and removed when destroyed.
  static std::unique_ptr<PgCluster> start_private() { return std::unique_ptr<PgCluster>(new PgCluster(true)); }
  ~PgCluster() {
    if (owns_) script_status("stop");
  }

  // nullopt when the cluster runs; otherwise why it does not.
  const std::optional<std::string>& unavailable() const { return why_not_; }

  // A new empty database; its URL, as genesisd's --store takes it.
  std::string new_database() {
    static std::atomic<int> n{0};
    std::string db = "t" + std::to_string(getpid()) + "_" + std::to_string(n++) + "_" +
                     std::to_string(std::random_device{}() % 100000);
    psql("postgres", "postgres", "CREATE DATABASE " + db + " OWNER genesis_owner");
    return url(db);
  }

  std::string url(const std::string& db) const {
    return "postgresql://genesis_owner@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }

  // Runs `sql` with psql as `user` on `db`; returns its unaligned output
  // (rows on lines, columns separated by '|'). Throws when psql fails.
  std::string psql(const std::string& db, const std::string& user, const std::string& sql) const {
    std::string cmd = std::string(kBin) + "/psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
                      std::to_string(port_) + " -U " + user + " -d " + db + " 2>&1 <<'GENESIS_SQL'\n" + sql +
                      "\nGENESIS_SQL\n";
    FILE* f = popen(cmd.c_str(), "r");
    if (!f) throw std::runtime_error("popen psql failed");
    std::string out;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, got);
    int status = pclose(f);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("psql failed: " + out);
    return out;
  }

  // Stops the server (fast shutdown: connections are cut) and starts it again
  // on the same port and data directory.
  void restart() { run_script("restart"); }
  // The two halves of restart, for tests that need the server down a while.
  void stop_server() { script_status("stop-server"); }
  void start_server() { script_status("start-server"); }

  int port() const { return port_; }

 private:
  static constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

  explicit PgCluster(bool own) {
    static std::atomic<int> n{0};
    if (!own) {
      state_ = std::getenv("GENESIS_PG_STATE");
    } else {
      state_ = (std::filesystem::temp_directory_path() /
                ("genesis-pg-state-" + std::to_string(getpid()) + "-" + std::to_string(n++)))
                   .string();
      int rc = script_status("start");
      if (rc == 3) {
        why_not_ = "PostgreSQL 15 is not installed (" + std::string(kBin) + "): PostgreSQL tests skipped";
        return;
      }
      if (rc != 0) {
        why_not_ = "could not start a PostgreSQL cluster (tests/support/pg_cluster.sh start)";
        return;
      }
      owns_ = true;
    }
    std::ifstream in(state_);
    std::string dir;
    if (!(in >> dir >> port_)) why_not_ = "no PostgreSQL cluster state in " + state_;
  }
  int script_status(const std::string& cmd) const {
    std::string line = std::string(GENESIS_SOURCE_DIR) + "/tests/support/pg_cluster.sh " + cmd + " " + state_;
    int status = std::system(line.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  void run_script(const std::string& cmd) const {
    if (script_status(cmd) != 0) throw std::runtime_error("pg_cluster.sh " + cmd + " failed");
  }

  std::string state_;
  bool owns_ = false;
  int port_ = 0;
  std::optional<std::string> why_not_;
};

}  // namespace genesis::testing
