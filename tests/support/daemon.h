// Starts a real genesisd for a test: its own temp directory and store, an
// ephemeral port on 127.0.0.1, stopped (SIGTERM) when the object goes away.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(GENESIS_SOURCE_DIR)
#include <fstream>

#include "support/pg.h"
#endif

namespace genesis::testing {

// Whether this run of a suite has genesisd on PostgreSQL (ctest's "postgres." copy).
inline bool store_is_postgres() {
  const char* s = std::getenv("GENESIS_TEST_STORE");
  return s != nullptr && std::string(s) == "postgresql";
}

inline std::filesystem::path make_temp_dir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

class Daemon {
 public:
  // Starts genesisd on a store in `dir` (a fresh temp dir when empty): SQLite
  // there, or the store at `store_url` (postgresql://...).
  explicit Daemon(std::filesystem::path dir = {}, std::vector<std::string> extra_args = {},
                  std::string store_url = {}) {
    dir_ = dir.empty() ? make_temp_dir("genesisd") : dir;
    owns_dir_ = dir.empty();
    extra_ = std::move(extra_args);
    store_url_ = std::move(store_url);
    start();
  }
  // Starts genesisd with exactly `args` (no --listen or --store added): for a
  // configuration file or an installed layout that says where to listen. It
  // must listen on 127.0.0.1; `program` defaults to the build's genesisd.
  static Daemon with_args(std::vector<std::string> args, std::string program = GENESISD_PATH) {
    return Daemon(std::move(args), std::move(program));
  }
  Daemon(Daemon&& o) noexcept
      : dir_(std::move(o.dir_)), owns_dir_(o.owns_dir_), extra_(std::move(o.extra_)),
        store_url_(std::move(o.store_url_)), program_(std::move(o.program_)), raw_(o.raw_),
        pid_(o.pid_), port_(o.port_), stdout_(o.stdout_) {
    o.owns_dir_ = false;
    o.pid_ = -1;
    o.stdout_ = nullptr;
  }
  ~Daemon() {
    stop(SIGTERM);
    if (owns_dir_) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  void start() {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
#if defined(GENESIS_SOURCE_DIR)
    // GENESIS_TEST_STORE=postgresql (ctest's "postgres." copy of a suite): the
    // store is a fresh database of the test cluster, one per `dir`, so a
    // restarted daemon finds what the one before it stored.
    if (!raw_ && store_url_.empty() && std::getenv("GENESIS_TEST_STORE") &&
        std::string(std::getenv("GENESIS_TEST_STORE")) == "postgresql") {
      std::filesystem::path f = dir_ / "store-url";
      std::ifstream in(f);
      if (!(in >> store_url_)) {
        if (auto why = PgCluster::shared().unavailable()) throw std::runtime_error(*why);
        store_url_ = PgCluster::shared().new_database();
        std::ofstream(f) << store_url_;
      }
    }
#endif
    std::string store = store_url_.empty() ? "sqlite:" + (dir_ / "genesis.db").string() : store_url_;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::vector<std::string> args = {program_};
      if (!raw_) args.insert(args.end(), {"--listen", "127.0.0.1:0", "--store", store});
      args.insert(args.end(), extra_.begin(), extra_.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char line[256];
    port_ = 0;
    while (fgets(line, sizeof line, out)) {
      unsigned port;
      if (sscanf(line, "listening on 127.0.0.1:%u", &port) == 1) {
        port_ = static_cast<int>(port);
        break;
      }
    }
    // Keep reading genesisd's stdout in the background is unnecessary: it
    // prints only the listening line and the stop line, which the pipe buffers.
    stdout_ = out;
    if (port_ == 0) throw std::runtime_error("genesisd did not start");
  }

  // Stops genesisd with `sig` (SIGTERM: graceful; SIGKILL: a crash) and reaps it.
  int stop(int sig) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (stdout_) fclose(stdout_), stdout_ = nullptr;
    return status;
  }

  // Sends `sig` (SIGHUP: reload) without waiting for anything.
  void signal(int sig) const {
    if (pid_ > 0) kill(pid_, sig);
  }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  // The store genesisd runs on, for a test that writes to it while it is stopped.
  std::string store_url() const {
    return store_url_.empty() ? "sqlite:" + (dir_ / "genesis.db").string() : store_url_;
  }

 private:
  Daemon(std::vector<std::string> args, std::string program)
      : extra_(std::move(args)), program_(std::move(program)), raw_(true) {
    start();
  }

  std::filesystem::path dir_;
  bool owns_dir_ = false;
  std::vector<std::string> extra_;
  std::string store_url_;
  std::string program_ = GENESISD_PATH;
  bool raw_ = false;  // run exactly extra_ (with_args)
  pid_t pid_ = -1;
  int port_ = 0;
  FILE* stdout_ = nullptr;
};

}  // namespace genesis::testing
