// Every write genesisd acknowledged survives a SIGKILL.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "client/client.h"
#include "support/daemon.h"

namespace genesis {
namespace {

TEST(Durability, AcknowledgedWritesSurviveSigkill) {
  auto dir = testing::make_temp_dir("durable");
  std::vector<std::string> acked_agents;
  std::vector<std::string> acked_event_agents;
  std::mutex mu;
  {
    testing::Daemon d(dir);
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; ++w) {
      writers.emplace_back([&, w] {
        client::HttpClient http(d.server(), std::chrono::seconds(5));
        for (int i = 0; !stop; ++i) {
          auto r = http.request("POST", "/v1/agents", R"({"label":"w)" + std::to_string(w) + "_" + std::to_string(i) + "\"}");
          if (!r || r->status != 201) break;  // the daemon died under us: not acknowledged
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
    // Let writes stream, then crash the daemon in the middle of them.
    while (true) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::lock_guard lock(mu);
      if (acked_agents.size() >= 150) break;
    }
    d.stop(SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }
  ASSERT_GE(acked_agents.size(), 150u);
  testing::Daemon restarted(dir);
  client::HttpClient http(restarted.server());
  for (const auto& id : acked_agents) {
    auto r = http.get("/v1/agents/" + id);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << "acknowledged agent " << id << " was lost";
  }
  for (const auto& id : acked_event_agents) {
    auto r = http.get("/v1/agents/" + id + "/events");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->json()->find("events")->as_array().size(), 1u) << "acknowledged event of " << id << " was lost";
  }
  std::filesystem::remove_all(dir);
}

TEST(Durability, EachTenantsPolicySetSurvivesARestart) {
  auto dir = testing::make_temp_dir("tenant-policies");
  {
    testing::Daemon d(dir);
    client::HttpClient http(d.server());
    ASSERT_EQ(http.request("POST", "/v1/tenants", R"({"id":"blue"})")->status, 201);
    client::HttpClient blue(d.server());
    blue.set_header("X-Genesis-Tenant", "blue");
    ASSERT_EQ(blue.request("PUT", "/v1/policies/gate.rego", "package gate\nopen if data.limits.max > input.n\n",
                           "text/plain")->status, 200);
    ASSERT_EQ(blue.request("PUT", "/v1/data/limits", R"({"max":3})")->status, 204);
    ASSERT_EQ(http.request("PUT", "/v1/data/limits", R"({"max":100})")->status, 204);
    d.stop(SIGKILL);
  }
  testing::Daemon restarted(dir);
  client::HttpClient blue(restarted.server());
  blue.set_header("X-Genesis-Tenant", "blue");
  EXPECT_EQ(blue.request("POST", "/v1/data/gate/open", R"({"input":{"n":2}})")->body, R"({"result":true})");
  EXPECT_EQ(blue.request("POST", "/v1/data/gate/open", R"({"input":{"n":5}})")->body, R"({})");
  client::HttpClient http(restarted.server());
  EXPECT_EQ(http.get("/v1/data/limits")->body, R"({"result":{"max":100}})");
  EXPECT_EQ(http.get("/v1/policies/gate.rego")->status, 404);
  std::filesystem::remove_all(dir);
}

TEST(Durability, GracefulShutdownOnSigterm) {
  testing::Daemon d;
  client::HttpClient http(d.server());
  ASSERT_EQ(http.get("/healthz")->status, 200);
  int status = d.stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace genesis
