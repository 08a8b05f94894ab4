// Every write genesisd acknowledged survives a SIGKILL.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "client/client.h"
#include "storage/storage.h"
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

// A stored set that stops compiling (here written behind genesisd's back, as an
// upgrade of the shipped library or of the checks would leave it) must not keep
// genesisd down: what compiles runs, what does not is reported and can be fixed.
TEST(Durability, StoredPoliciesThatNoLongerCompileAreLeftOutNotFatal) {
  auto dir = testing::make_temp_dir("stale-policies");
  std::string store_url;
  {
    testing::Daemon d(dir);
    store_url = d.store_url();
    client::HttpClient http(d.server());
    ASSERT_EQ(http.request("PUT", "/v1/policies/acme/lib.rego", "package lib\nf(x) := x + 1\n", "text/plain")->status, 200);
    ASSERT_EQ(http.request("PUT", "/v1/policies/acme/app.rego", "package app\nallow if data.lib.f(input.n) > 2\n",
                           "text/plain")->status, 200);
    ASSERT_EQ(http.request("PUT", "/v1/policies/acme/other.rego", "package other\nok := true\n", "text/plain")->status,
              200);
    d.stop(SIGTERM);
  }
  {
    auto store = storage::open_store(store_url);
    ASSERT_TRUE(store) << store.error().message;
    // lib loses f, which app calls; broken calls count with two arguments.
    ASSERT_TRUE((*store)->put_policy("default", {"acme/lib.rego", "package lib\ng := 1\n"}));
    ASSERT_TRUE((*store)->put_policy("default", {"acme/broken.rego", "package broken\nx := count(1, 2)\n"}));
  }
  testing::Daemon restarted(dir);
  client::HttpClient http(restarted.server());
  ASSERT_EQ(http.get("/healthz")->status, 200);
  EXPECT_EQ(http.get("/v1/data/other/ok")->body, R"({"result":true})");
  EXPECT_EQ(http.get("/v1/data/lib/g")->body, R"({"result":1})");
  auto list = http.get("/v1/policies");
  ASSERT_EQ(list->status, 200);
  auto listed = list->json();
  ASSERT_TRUE(listed);
  std::set<std::string> left_out;
  for (const auto& m : listed->find("result")->as_array()) {
    if (const auto* active = m.find("active")) {
      EXPECT_FALSE(active->as_bool());
      EXPECT_FALSE(m.find("error")->as_string().empty());
      left_out.insert(m.find("id")->as_string());
    }
  }
  EXPECT_EQ(left_out, (std::set<std::string>{"acme/app.rego", "acme/broken.rego"}));
  EXPECT_EQ(http.request("POST", "/v1/data/app/allow", R"({"input":{"n":5}})")->body, R"({})");
  // Fixing and deleting work one module at a time while the other stays left out.
  EXPECT_EQ(http.request("PUT", "/v1/policies/acme/app.rego", "package app\nallow if data.lib.g + input.n > 2\n",
                         "text/plain")->status, 200);
  EXPECT_EQ(http.request("POST", "/v1/data/app/allow", R"({"input":{"n":5}})")->body, R"({"result":true})");
  auto broken = http.get("/v1/policies/acme/broken.rego")->json();
  EXPECT_FALSE(broken->find("result")->find("active")->as_bool());
  EXPECT_EQ(http.request("DELETE", "/v1/policies/acme/broken.rego")->status, 200);
  EXPECT_EQ(http.get("/v1/policies/acme/broken.rego")->status, 404);
  auto app = http.get("/v1/policies/acme/app.rego")->json();
  EXPECT_EQ(app->find("result")->find("active"), nullptr);
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
