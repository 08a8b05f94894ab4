// Retention and genesis admin vacuum: rows older than their kind's age go,
// newer ones and other tenants' stay, in bounded batches that let a writer
// keep committing during a pass.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "client/client.h"
#include "storage/storage.h"
#include "support/command.h"
#include "support/daemon.h"

namespace genesis {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kDay = 86400000;

bool on_postgres() {
  const char* s = std::getenv("GENESIS_TEST_STORE");
  return s && std::string(s) == "postgresql";
}

struct TempDir {
  fs::path path = testing::make_temp_dir("genesis-retention");
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

size_t count_events(storage::Store& store, const std::string& tenant, const std::string& agent) {
  size_t n = 0;
  storage::EventQuery q;
  q.limit = 1000;
  for (;;) {
    auto page = store.list_events(tenant, agent, q);
    EXPECT_TRUE(page.ok());
    if (!page) return n;
    n += page->items.size();
    if (!page->next_cursor) return n;
    q.cursor = page->next_cursor;
  }
}

// The adapter itself: 5,000 old events go in batches of 100 while a writer
// appends; the writer's commits land between the batches.
TEST(Retention, DeletesOldRowsInBatchesWhileAWriterCommits) {
  TempDir tmp;
  auto opened = storage::open_sqlite_store((tmp.path / "genesis.db").string());
  ASSERT_TRUE(opened.ok());
  storage::Store& store = **opened;
  auto agents = store.spawn("default", std::vector<storage::NewAgent>{{.label = "old"}, {.label = "writer"}});
  ASSERT_TRUE(agents.ok());
  const std::string old_agent = (*agents)[0].id, writer_agent = (*agents)[1].id;
  const int64_t now = core::now_ms();
  std::vector<storage::NewEvent> old_events(5000), new_events(10);
  for (auto& e : old_events) e.ts_ms = now - 100 * kDay;
  for (auto& e : new_events) e.ts_ms = now - 10 * kDay;
  ASSERT_TRUE(store.append_events("default", old_agent, old_events).ok());
  ASSERT_TRUE(store.append_events("default", old_agent, new_events).ok());

  storage::RetentionPolicy policy;
  policy.max_age_ms["events"] = 30 * kDay;
  std::atomic<bool> done{false};
  std::atomic<int> during{0};
  std::thread writer([&] {
    std::vector<storage::NewEvent> one(1);
    while (!done) {
      ASSERT_TRUE(store.append_events("default", writer_agent, one).ok());
      ++during;
    }
  });
  while (during == 0) std::this_thread::yield();
  int before = during;
  auto report = store.apply_retention(policy, now, 100);
  int while_running = during - before;
  done = true;
  writer.join();
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  EXPECT_EQ(report->deleted.at("events"), 5000);
  EXPECT_EQ(report->deleted.at("evidence"), 0);
  EXPECT_GE(report->batches, 50);
  EXPECT_GT(while_running, 0) << "the writer committed nothing during a 50-batch pass";
  RecordProperty("writes_during_pass", while_running);
  EXPECT_EQ(count_events(store, "default", old_agent), 10u);
  EXPECT_EQ(count_events(store, "default", writer_agent), static_cast<size_t>(during.load()));

  auto sizes = store.vacuum();
  ASSERT_TRUE(sizes.ok()) << sizes.error().to_string();
  EXPECT_LE(sizes->second, sizes->first);
  // A second pass finds nothing more.
  auto again = store.apply_retention(policy, now, 100);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->deleted.at("events"), 0);
}

// Through genesisd: old events posted with explicit ts go on POST
// /v1/admin/vacuum, per tenant (an override for acme), newer ones stay.
TEST(Retention, AdminVacuumAppliesTheConfiguredAgesPerTenant) {
  TempDir tmp;
  testing::Daemon d(tmp.path / "data", {"--retention-events", "30d", "--retention-interval", "0",
                                        "--retention-tenants", "acme.events=1d"});
  client::HttpClient http(d.server(), std::chrono::seconds(60));
  if (on_postgres()) {
    auto r = http.request("POST", "/v1/admin/vacuum", "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 503);
    EXPECT_NE(r->body.find("SQLite store only"), std::string::npos) << r->body;
    return;
  }
  auto t = http.request("POST", "/v1/tenants", R"({"id":"acme"})");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->status, 201) << t->body;
  client::HttpClient acme(d.server(), std::chrono::seconds(60));
  acme.set_header("X-Genesis-Tenant", "acme");

  const int64_t now = core::now_ms();
  auto spawn = [](client::HttpClient& c) {
    auto r = c.request("POST", "/v1/agents", R"({"label":"a"})");
    EXPECT_TRUE(r.ok() && r->status == 201);
    return r->json()->find("id")->as_string();
  };
  auto post = [](client::HttpClient& c, const std::string& agent, int64_t ts, int n) {
    std::string body;
    for (int i = 0; i < n; ++i)
      body += R"({"type":"act","payload":{},"ts":)" + std::to_string(ts) + "}\n";
    auto r = c.request("POST", "/v1/agents/" + agent + "/events", body, "application/x-ndjson");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 201) << r->body;
  };
  std::string a = spawn(http), b = spawn(acme);
  post(http, a, now - 60 * kDay, 2500);  // past 30d: goes
  post(http, a, now - 10 * kDay, 7);     // within 30d: stays
  post(acme, b, now - 2 * kDay, 5);      // past acme's 1d: goes
  post(acme, b, now - 3600000, 3);       // stays

  auto r = testing::run_command(std::string(GENESIS_CLI_PATH) + " --server " + d.server() +
                                " --json admin vacuum 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto report = core::parse_json(r.out);
  ASSERT_TRUE(report.ok()) << r.out;
  EXPECT_EQ(report->find("deleted")->find("events")->as_int(), 2505) << r.out;
  EXPECT_EQ(report->find("deleted")->find("detections")->as_int(), 0) << r.out;

  auto count = [](client::HttpClient& c, const std::string& agent) {
    auto r = c.get("/v1/agents/" + agent + "/events?limit=1000");
    EXPECT_TRUE(r.ok() && r->status == 200);
    return r->json()->find("events")->as_array().size();
  };
  EXPECT_EQ(count(http, a), 7u);
  EXPECT_EQ(count(acme, b), 3u);

  // Only the default tenant may run it.
  auto refused = acme.request("POST", "/v1/admin/vacuum", "");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 403);
}

}  // namespace
}  // namespace genesis
