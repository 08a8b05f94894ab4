// genesisd on PostgreSQL: start-up without a server, a server restarted under
// a stream of writes, and SIGKILL of genesisd. Every acknowledged write is found.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "client/client.h"
#include "support/command.h"
#include "support/daemon.h"
#include "support/pg.h"

namespace genesis {
namespace {

using testing::PgCluster;

TEST(PostgresDaemon, UnreachableAtStartIsOneClearLineAndAFailure) {
  // Port 1 on loopback: nothing listens there.
  auto r = testing::run_command(std::string(GENESISD_PATH) +
                                " --listen 127.0.0.1:0 --store postgresql://genesis_owner@127.0.0.1:1/genesis 2>&1");
  EXPECT_NE(r.exit_code, 0);
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "more than one line: " << r.out;
  EXPECT_EQ(r.out.rfind("genesisd: open store: unavailable: cannot connect to PostgreSQL", 0), 0u) << r.out;
}

struct Acked {
  std::mutex mu;
  std::vector<std::string> agents;
  size_t size() {
    std::lock_guard lock(mu);
    return agents.size();
  }
};

// Writers POST agents (and one event each) until told to stop; they record
// what was acknowledged and count the 503s they got.
void write_stream(const std::string& server, Acked& acked, std::atomic<bool>& stop, std::atomic<int>& unavailable,
                  std::atomic<int>& other_errors, int w, std::string* last_503) {
  client::HttpClient http(server, std::chrono::seconds(10));
  for (int i = 0; !stop; ++i) {
    auto r = http.request("POST", "/v1/agents", R"({"label":"w)" + std::to_string(w) + "_" + std::to_string(i) + "\"}");
    if (!r) {
      if (stop) break;
      other_errors++;  // the client reconnects on the next request
      continue;
    }
    if (r->status == 503) {
      unavailable++;
      if (last_503) *last_503 = r->body;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (r->status != 201) {
      other_errors++;
      continue;
    }
    std::lock_guard lock(acked.mu);
    acked.agents.push_back(r->json()->find("id")->as_string());
  }
}

TEST(PostgresDaemon, AcknowledgedWritesSurviveAServerRestart) {
  auto cluster = PgCluster::start_private();
  ASSERT_FALSE(cluster->unavailable()) << *cluster->unavailable();
  std::string url = cluster->new_database();
  testing::Daemon d({}, {}, url);
  Acked acked;
  std::atomic<bool> stop{false};
  std::atomic<int> unavailable{0}, other_errors{0};
  std::string last_503;
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w)
    writers.emplace_back(write_stream, d.server(), std::ref(acked), std::ref(stop), std::ref(unavailable),
                         std::ref(other_errors), w, w == 0 ? &last_503 : nullptr);
  auto wait_for = [&](size_t n) {
    for (int i = 0; i < 3000 && acked.size() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  wait_for(100);
  cluster->stop_server();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  size_t during = acked.size();
  cluster->start_server();
  wait_for(during + 100);  // it reconnects by itself and writes go on
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_GE(acked.size(), during + 100) << "writes did not resume after the restart";
  EXPECT_GT(unavailable.load(), 0) << "no request saw the server down";
  EXPECT_NE(last_503.find("\"unavailable\""), std::string::npos) << last_503;
  EXPECT_NE(last_503.find("PostgreSQL"), std::string::npos) << last_503;
  client::HttpClient http(d.server());
  for (const auto& id : acked.agents) {
    auto r = http.get("/v1/agents/" + id);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << "acknowledged agent " << id << " was lost";
  }
}

TEST(PostgresDaemon, AcknowledgedWritesSurviveSigkill) {
  if (auto why = PgCluster::shared().unavailable()) GTEST_SKIP() << *why;
  std::string url = PgCluster::shared().new_database();
  auto dir = testing::make_temp_dir("durable-pg");
  Acked acked;
  {
    testing::Daemon d(dir, {}, url);
    std::atomic<bool> stop{false};
    std::atomic<int> unavailable{0}, other_errors{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; ++w)
      writers.emplace_back(write_stream, d.server(), std::ref(acked), std::ref(stop), std::ref(unavailable),
                           std::ref(other_errors), w, nullptr);
    for (int i = 0; i < 3000 && acked.size() < 150; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    d.stop(SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }
  ASSERT_GE(acked.size(), 150u);
  testing::Daemon restarted(dir, {}, url);
  client::HttpClient http(restarted.server());
  for (const auto& id : acked.agents) {
    auto r = http.get("/v1/agents/" + id);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << "acknowledged agent " << id << " was lost";
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace genesis
