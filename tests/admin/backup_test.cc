// genesis admin backup / restore: a backup taken through genesisd while
// writers stream holds every write acknowledged before it started; restore is
// offline and refuses a store a running genesisd holds.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "client/client.h"
#include "storage/storage.h"
#include "support/command.h"
#include "support/daemon.h"

namespace genesis {
namespace {

namespace fs = std::filesystem;

std::string cli(const std::string& args) {
  return std::string(GENESIS_CLI_PATH) + " " + args + " 2>&1";
}

struct TempDir {
  fs::path path = testing::make_temp_dir("genesis-backup");
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

TEST(Backup, UnderWriteLoadHoldsEveryWriteAcknowledgedBeforeItStarted) {
  TempDir tmp;
  fs::path backup = tmp.path / "backup.db";
  std::vector<std::string> acked_agents;        // spawns acknowledged (201)
  std::vector<std::string> acked_event_agents;  // their event acknowledged too
  std::vector<std::string> agents_before, events_before;
  std::mutex mu;
  testing::Daemon d(tmp.path / "live");
  {
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        client::HttpClient http(d.server(), std::chrono::seconds(10));
        for (int i = 0; !stop; ++i) {
          auto r = http.request("POST", "/v1/agents",
                                R"({"label":"w)" + std::to_string(w) + "_" + std::to_string(i) + "\"}");
          if (!r || r->status != 201) break;
          std::string id = r->json()->find("id")->as_string();
          {
            std::lock_guard lock(mu);
            acked_agents.push_back(id);
          }
          auto e = http.request("POST", "/v1/agents/" + id + "/events", R"({"type":"act","payload":{"i":1}})");
          if (!e || e->status != 201) break;
          std::lock_guard lock(mu);
          acked_event_agents.push_back(id);
        }
      });
    }
    auto acked = [&] {
      std::lock_guard lock(mu);
      return acked_agents.size();
    };
    while (acked() < 200) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    {
      // What was acknowledged before the backup starts; the writers go on.
      std::lock_guard lock(mu);
      agents_before = acked_agents;
      events_before = acked_event_agents;
    }
    auto r = testing::run_command(cli("--server " + d.server() + " admin backup " + backup.string()));
    size_t during = acked() - agents_before.size();
    // Keep writing a little after it, then stop.
    size_t after_backup = acked();
    while (acked() < after_backup + 50) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stop = true;
    for (auto& t : writers) t.join();
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("backup written to " + backup.string()), std::string::npos) << r.out;
    // Writers were not stalled by the backup: writes were acknowledged while it ran.
    RecordProperty("writes_acknowledged_during_backup", static_cast<int>(during));
  }
  ASSERT_GE(agents_before.size(), 200u);

  // Restoring into the store the running genesisd holds is refused, and leaves it be.
  fs::path live_db = tmp.path / "live" / "genesis.db";
  auto refused = testing::run_command(
      cli("admin restore " + backup.string() + " --store sqlite:" + live_db.string() + " --force"));
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.out.find("in use by another process"), std::string::npos) << refused.out;
  d.stop(SIGTERM);

  // Restore offline into a fresh data directory and serve it.
  fs::path restored_dir = tmp.path / "restored";
  auto restored = testing::run_command(
      cli("admin restore " + backup.string() + " --store sqlite:" + (restored_dir / "genesis.db").string()));
  ASSERT_EQ(restored.exit_code, 0) << restored.out;
  testing::Daemon again(restored_dir);
  client::HttpClient http(again.server());
  for (const auto& id : agents_before) {
    auto r = http.get("/v1/agents/" + id);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << "agent " << id << ", acknowledged before the backup, is missing";
  }
  for (const auto& id : events_before) {
    auto r = http.get("/v1/agents/" + id + "/events");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200);
    const core::Value* events = r->json()->find("events");
    ASSERT_TRUE(events && events->is_array());
    EXPECT_EQ(events->as_array().size(), 1u) << "the event of " << id << " is missing";
  }
  // The restored store takes writes like any other.
  auto w = http.request("POST", "/v1/agents", R"({"label":"after_restore"})");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, 201);
}

TEST(Backup, OnlyTheDefaultTenantMayTakeOne) {
  testing::Daemon d;
  client::HttpClient http(d.server());
  ASSERT_EQ(http.request("POST", "/v1/tenants", R"({"id":"team_b"})")->status, 201);
  http.set_header("X-Genesis-Tenant", "team_b");
  auto r = http.request("POST", "/v1/admin/backup", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->json()->find("error")->find("code")->as_string(), "forbidden");
}

TEST(Backup, TheCliRefusesToOverwriteAFile) {
  TempDir tmp;
  testing::Daemon d;
  std::ofstream(tmp.path / "exists.db") << "keep me";
  auto r = testing::run_command(cli("--server " + d.server() + " admin backup " + (tmp.path / "exists.db").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("exists (--force replaces it)"), std::string::npos) << r.out;
  std::ifstream in(tmp.path / "exists.db");
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, "keep me");
}

TEST(Restore, RefusesWhatIsNotABackupAndAnExistingStoreWithoutForce) {
  TempDir tmp;
  fs::path junk = tmp.path / "junk.db";
  std::ofstream(junk) << std::string(8192, 'x');
  fs::path target = tmp.path / "data" / "genesis.db";
  auto r = testing::run_command(cli("admin restore " + junk.string() + " --store sqlite:" + target.string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("is not a Genesis store backup"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(target));

  r = testing::run_command(cli("admin restore " + (tmp.path / "none.db").string() + " --store sqlite:" +
                               target.string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("no such backup file"), std::string::npos) << r.out;

  // A real backup, and a store already there.
  fs::path backup = tmp.path / "backup.db";
  {
    auto store = storage::open_sqlite_store((tmp.path / "src.db").string());
    ASSERT_TRUE(store.ok());
    storage::NewAgent a;
    a.label = "kept";
    ASSERT_TRUE((*store)->spawn("default", std::span(&a, 1)).ok());
    ASSERT_TRUE((*store)->backup_to(backup.string()).ok());
    // A backup goes to a new or empty file only.
    auto again = (*store)->backup_to(backup.string());
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, core::code::kConflict);
  }
  fs::create_directories(target.parent_path());
  {
    auto existing = storage::open_sqlite_store(target.string());
    ASSERT_TRUE(existing.ok()) << existing.error().to_string();
  }
  r = testing::run_command(cli("admin restore " + backup.string() + " --store sqlite:" + target.string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("exists; restoring replaces everything in it (--force)"), std::string::npos) << r.out;
  r = testing::run_command(cli("admin restore " + backup.string() + " --store sqlite:" + target.string() +
                               " --force"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  auto store = storage::open_sqlite_store(target.string());
  ASSERT_TRUE(store.ok());
  auto page = (*store)->list("default", storage::AgentQuery{});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].label, "kept");
}

TEST(Restore, IntoTheStoreOfTheConfigurationFile) {
  // The CLI reads genesisd's own configuration to find the store.
  TempDir tmp;
  fs::path backup = tmp.path / "backup.db";
  {
    auto store = storage::open_sqlite_store((tmp.path / "src.db").string());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->backup_to(backup.string()).ok());
  }
  fs::path target = tmp.path / "state" / "genesis.db";
  std::ofstream(tmp.path / "genesisd.conf") << "store: sqlite:" << target.string() << "\n";
  auto r = testing::run_command(
      cli("admin restore " + backup.string() + " --config " + (tmp.path / "genesisd.conf").string()));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::exists(target));
  std::ofstream(tmp.path / "bad.conf") << "store: nowhere\n";
  r = testing::run_command(cli("admin restore " + backup.string() + " --config " + (tmp.path / "bad.conf").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("bad.conf:1:1: store: invalid_argument"), std::string::npos) << r.out;
}

TEST(StoreLock, ASecondStoreOnTheSameFileIsRefused) {
  TempDir tmp;
  std::string path = (tmp.path / "genesis.db").string();
  auto first = storage::open_sqlite_store(path);
  ASSERT_TRUE(first.ok());
  auto second = storage::open_sqlite_store(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, core::code::kConflict);
  first = core::make_error("x", "closed");  // drops the first store and its lock
  EXPECT_TRUE(storage::open_sqlite_store(path).ok());
}

TEST(StoreBackup, AnInMemoryStoreHasNoBackup) {
  auto store = storage::open_sqlite_store(":memory:");
  ASSERT_TRUE(store.ok());
  auto s = (*store)->backup_to("/tmp/never-written.db");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::code::kUnavailable);
}

}  // namespace
}  // namespace genesis
