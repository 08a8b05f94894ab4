// Many clients spawning and moving agents at once leave a consistent tree.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "client/client.h"
#include "support/daemon.h"

namespace genesis {
namespace {

TEST(Concurrency, SpawnsAndMovesLeaveAConsistentTree) {
  testing::Daemon d;
  std::vector<std::string> ids;
  std::mutex mu;
  {
    client::HttpClient http(d.server());
    for (int i = 0; i < 10; ++i)
      ids.push_back(http.request("POST", "/v1/agents", R"({"label":"r)" + std::to_string(i) + "\"}")->json()->find("id")->as_string());
  }
  std::vector<std::thread> clients;
  std::atomic<int> moves_ok{0}, moves_refused{0};
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      client::HttpClient http(d.server());
      std::mt19937 rng(c * 7919);
      for (int i = 0; i < 60; ++i) {
        std::string a, b;
        {
          std::lock_guard lock(mu);
          a = ids[rng() % ids.size()];
          b = ids[rng() % ids.size()];
        }
        if (rng() % 2) {
          auto r = http.request("POST", "/v1/agents",
                                R"({"label":"c)" + std::to_string(c) + "_" + std::to_string(i) + R"(","parent_id":")" + a + "\"}");
          ASSERT_TRUE(r.ok());
          ASSERT_EQ(r->status, 201) << r->body;
          std::lock_guard lock(mu);
          ids.push_back(r->json()->find("id")->as_string());
        } else {
          auto r = http.request("POST", "/v1/agents/" + a + "/move", R"({"new_parent":")" + b + "\"}");
          ASSERT_TRUE(r.ok());
          ASSERT_TRUE(r->status == 200 || r->status == 409) << r->body;
          (r->status == 200 ? moves_ok : moves_refused)++;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_GT(moves_ok.load(), 0);
  EXPECT_GT(moves_refused.load(), 0);  // some moves were cyclic and refused

  client::HttpClient http(d.server());
  std::map<std::string, core::Value> all;
  std::string cursor;
  while (true) {
    auto page = http.get("/v1/agents?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor))->json();
    for (auto& a : page->find("agents")->as_array()) all[a.find("id")->as_string()] = a;
    const core::Value* next = page->find("next_cursor");
    if (!next->is_string()) break;
    cursor = next->as_string();
  }
  ASSERT_EQ(all.size(), ids.size());
  for (const auto& [id, a] : all) {
    const core::Value* parent = a.find("parent_id");
    std::string path = a.find("path")->as_string(), label = a.find("label")->as_string();
    if (parent->is_null()) {
      EXPECT_EQ(path, label);
    } else {
      ASSERT_TRUE(all.count(parent->as_string()));
      EXPECT_EQ(path, all[parent->as_string()].find("path")->as_string() + "." + label) << id;
    }
  }
}

}  // namespace
}  // namespace genesis
