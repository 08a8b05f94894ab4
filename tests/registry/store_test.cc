// One typed suite for the Store, run against every backend.
#include <gtest/gtest.h>

#include <filesystem>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "registry/registry.h"
#include "storage/storage.h"
#include "support/daemon.h"
#include "support/pg.h"

namespace genesis::registry {
namespace {

// A backend opens a store; reopening (open() again) must find what it held,
// unless kPersistent is false. unavailable() names why it cannot run here.
struct SqliteBackend {
  static constexpr bool kPersistent = true;
  std::filesystem::path dir = genesis::testing::make_temp_dir("store");
  ~SqliteBackend() { std::filesystem::remove_all(dir); }
  std::optional<std::string> unavailable() { return std::nullopt; }
  std::unique_ptr<Store> open() {
    auto s = open_sqlite_store((dir / "genesis.db").string());
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    return std::move(*s);
  }
};

struct SqliteMemoryBackend {
  static constexpr bool kPersistent = false;
  std::optional<std::string> unavailable() { return std::nullopt; }
  std::unique_ptr<Store> open() {
    auto s = open_sqlite_store(":memory:");
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    return std::move(*s);
  }
};

// A fresh database in the test cluster (tests/support/pg.h) for each test.
struct PostgresBackend {
  static constexpr bool kPersistent = true;
  std::string url;
  std::optional<std::string> unavailable() { return genesis::testing::PgCluster::shared().unavailable(); }
  std::unique_ptr<Store> open() {
    if (url.empty()) url = genesis::testing::PgCluster::shared().new_database();
    auto s = storage::open_store(url);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    return s ? std::move(*s) : nullptr;
  }
};

template <typename Backend>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = backend_.unavailable()) GTEST_SKIP() << *why;
    store_ = backend_.open();
    ASSERT_NE(store_, nullptr);
  }

  Agent spawn(const std::string& label, const std::optional<std::string>& parent = std::nullopt) {
    NewAgent n;
    n.label = label;
    n.parent_id = parent;
    auto r = store_->spawn(kDefaultTenant, std::span<const NewAgent>(&n, 1));
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r->front();
  }

  std::vector<std::string> paths(const AgentQuery& q) {
    auto page = store_->list(kDefaultTenant, q);
    EXPECT_TRUE(page.ok()) << page.error().to_string();
    std::vector<std::string> out;
    for (const auto& a : page->items) out.push_back(a.path);
    std::sort(out.begin(), out.end());
    return out;
  }

  Backend backend_;
  std::unique_ptr<Store> store_;
};

using Backends = ::testing::Types<SqliteBackend, SqliteMemoryBackend, PostgresBackend>;
TYPED_TEST_SUITE(StoreTest, Backends);

TYPED_TEST(StoreTest, PathsFollowTheSpawnTree) {
  Agent root = this->spawn("root");
  Agent child = this->spawn("child", root.id);
  Agent grand = this->spawn("grand", child.id);
  EXPECT_EQ(root.path, "root");
  EXPECT_EQ(child.path, "root.child");
  EXPECT_EQ(grand.path, "root.child.grand");
  EXPECT_EQ(grand.parent_id, child.id);
  auto got = this->store_->get(kDefaultTenant, grand.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->path, "root.child.grand");
  EXPECT_EQ(got->emotion.pleasure, 0.5);
}

TYPED_TEST(StoreTest, BatchIsAllOrNothing) {
  std::vector<NewAgent> batch(3);
  batch[0].id = new_uuid();
  batch[0].label = "a";
  batch[1].label = "b";
  batch[1].parent_id = batch[0].id;  // a parent from the same batch
  batch[2].label = "bad label";
  auto r = this->store_->spawn(kDefaultTenant, batch);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "agents[2].label");
  EXPECT_EQ(*this->store_->count_agents(kDefaultTenant), 0);
  batch[2].label = "c";
  r = this->store_->spawn(kDefaultTenant, batch);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[1].path, "a.b");
  EXPECT_EQ(*this->store_->count_agents(kDefaultTenant), 3);
}

TYPED_TEST(StoreTest, UnknownOrDeletedParentIsRefused) {
  NewAgent n;
  n.label = "x";
  n.parent_id = new_uuid();
  auto r = this->store_->spawn(kDefaultTenant, std::span<const NewAgent>(&n, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::code::kNotFound);
  Agent p = this->spawn("p");
  ASSERT_TRUE(this->store_->remove(kDefaultTenant, p.id, false, now_ms()).ok());
  n.parent_id = p.id;
  r = this->store_->spawn(kDefaultTenant, std::span<const NewAgent>(&n, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::code::kConflict);
}

TYPED_TEST(StoreTest, SubtreeIsExactEvenWithSharedLabels) {
  Agent a = this->spawn("team");
  Agent b = this->spawn("team");  // same label, another root
  this->spawn("worker", a.id);
  this->spawn("worker", b.id);
  Agent w = this->spawn("w2", a.id);
  this->spawn("deep", w.id);
  AgentQuery q;
  q.subtree_of = a.id;
  EXPECT_EQ(this->paths(q), (std::vector<std::string>{"team", "team.w2", "team.w2.deep", "team.worker"}));
  AgentQuery by_path;
  by_path.path = "team.w2";
  EXPECT_EQ(this->paths(by_path), (std::vector<std::string>{"team.w2", "team.w2.deep"}));
  AgentQuery by_label;
  by_label.label = "worker";
  EXPECT_EQ(this->paths(by_label).size(), 2u);
}

TYPED_TEST(StoreTest, MoveRewritesTheWholeSubtree) {
  Agent a = this->spawn("a");
  Agent b = this->spawn("b", a.id);
  Agent c = this->spawn("c", b.id);
  Agent d = this->spawn("d");
  auto r = this->store_->move(kDefaultTenant, b.id, d.id);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->old_path, "a.b");
  EXPECT_EQ(r->agent.path, "d.b");
  EXPECT_EQ(r->subtree_size, 2);
  EXPECT_EQ(this->store_->get(kDefaultTenant, c.id)->path, "d.b.c");
  AgentQuery q;
  q.subtree_of = d.id;
  EXPECT_EQ(this->paths(q), (std::vector<std::string>{"d", "d.b", "d.b.c"}));
  q.subtree_of = a.id;
  EXPECT_EQ(this->paths(q), (std::vector<std::string>{"a"}));
  // And back to a root.
  r = this->store_->move(kDefaultTenant, b.id, std::nullopt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(this->store_->get(kDefaultTenant, c.id)->path, "b.c");
  EXPECT_FALSE(this->store_->get(kDefaultTenant, b.id)->parent_id.has_value());
}

TYPED_TEST(StoreTest, CyclicMovesAreRefusedAndChangeNothing) {
  Agent a = this->spawn("a");
  Agent b = this->spawn("b", a.id);
  Agent c = this->spawn("c", b.id);
  for (const std::string& target : {a.id, b.id, c.id}) {
    auto r = this->store_->move(kDefaultTenant, a.id, target);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, core::code::kConflict);
  }
  EXPECT_EQ(this->store_->get(kDefaultTenant, c.id)->path, "a.b.c");
  EXPECT_FALSE(this->store_->get(kDefaultTenant, a.id)->parent_id.has_value());
}

TYPED_TEST(StoreTest, SoftDeleteHidesUnlessAsked) {
  Agent a = this->spawn("a");
  Agent b = this->spawn("b", a.id);
  this->spawn("c", b.id);
  auto r = this->store_->remove(kDefaultTenant, b.id, /*subtree=*/true, now_ms());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 2u);
  AgentQuery q;
  EXPECT_EQ(this->paths(q), (std::vector<std::string>{"a"}));
  q.include_deleted = true;
  EXPECT_EQ(this->paths(q), (std::vector<std::string>{"a", "a.b", "a.b.c"}));
  EXPECT_EQ(this->store_->get(kDefaultTenant, b.id).error().code, core::code::kNotFound);
  auto kept = this->store_->get(kDefaultTenant, b.id, true);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->deleted_at_ms.has_value());
  EXPECT_FALSE(this->store_->remove(kDefaultTenant, b.id, false, now_ms()).ok());
}

TYPED_TEST(StoreTest, PagesCoverEveryAgentOnce) {
  std::vector<NewAgent> batch(250);
  for (size_t i = 0; i < batch.size(); ++i) batch[i].label = "a" + std::to_string(i);
  ASSERT_TRUE(this->store_->spawn(kDefaultTenant, batch).ok());
  std::set<std::string> seen;
  AgentQuery q;
  q.limit = 100;
  int pages = 0;
  while (true) {
    auto page = this->store_->list(kDefaultTenant, q);
    ASSERT_TRUE(page.ok());
    ++pages;
    for (const auto& a : page->items) EXPECT_TRUE(seen.insert(a.id).second);
    if (!page->next_cursor) break;
    q.cursor = page->next_cursor;
  }
  EXPECT_EQ(seen.size(), 250u);
  EXPECT_EQ(pages, 3);
  q.cursor = "garbage";
  EXPECT_EQ(this->store_->list(kDefaultTenant, q).error().code, core::code::kInvalidArgument);
}

TYPED_TEST(StoreTest, UpdatePatchesOnlyWhatIsGiven) {
  Agent a = this->spawn("a");
  AgentPatch p;
  p.mem_state = core::Value(core::Object{{"k", 1}});
  auto r = this->store_->update(kDefaultTenant, a.id, p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(core::to_json(r->mem_state), R"({"k":1})");
  AgentPatch q;
  q.goals = std::vector<Goal>{{"g", 0.5, 10}};
  r = this->store_->update(kDefaultTenant, a.id, q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(core::to_json(r->mem_state), R"({"k":1})");
  EXPECT_EQ(r->goals.size(), 1u);
  AgentPatch too_big;
  too_big.mem_state = core::Value(core::Object{{"k", std::string(kMaxMemStateBytes, 'x')}});
  EXPECT_EQ(this->store_->update(kDefaultTenant, a.id, too_big).error().code, core::code::kTooLarge);
  EXPECT_EQ(core::to_json(this->store_->get(kDefaultTenant, a.id)->mem_state), R"({"k":1})");
}

TYPED_TEST(StoreTest, EventsComeNewestFirstWithinARange) {
  Agent a = this->spawn("a");
  std::vector<NewEvent> events(10);
  for (int i = 0; i < 10; ++i) {
    events[i].type = i % 2 ? CognitionType::kAct : CognitionType::kPlan;
    events[i].payload = core::Object{{"i", i}};
    events[i].ts_ms = 1000 + i;
  }
  ASSERT_TRUE(this->store_->append_events(kDefaultTenant, a.id, events).ok());
  EventQuery q;
  q.since_ms = 1002;
  q.until_ms = 1008;
  q.limit = 4;
  auto page = this->store_->list_events(kDefaultTenant, a.id, q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 4u);
  EXPECT_EQ(page->items[0].ts_ms, 1007);
  EXPECT_EQ(page->items[3].ts_ms, 1004);
  ASSERT_TRUE(page->next_cursor);
  q.cursor = page->next_cursor;
  page = this->store_->list_events(kDefaultTenant, a.id, q);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[1].ts_ms, 1002);
  EXPECT_FALSE(page->next_cursor);
  EXPECT_EQ(this->store_->append_events(kDefaultTenant, new_uuid(), events).error().code,
            core::code::kNotFound);
}

TYPED_TEST(StoreTest, SurvivesReopening) {
  if (!TypeParam::kPersistent) GTEST_SKIP() << "an in-memory store does not outlive its process";
  Agent a = this->spawn("a");
  Agent b = this->spawn("b", a.id);
  this->store_.reset();
  this->store_ = this->backend_.open();
  EXPECT_EQ(this->store_->get(kDefaultTenant, b.id)->path, "a.b");
  Agent c = this->spawn("c", b.id);  // sequence continues after reopening
  EXPECT_EQ(c.path, "a.b.c");
  AgentQuery q;
  q.subtree_of = b.id;
  EXPECT_EQ(this->paths(q), (std::vector<std::string>{"a.b", "a.b.c"}));
}

TYPED_TEST(StoreTest, PolicyModulesAndDataPersist) {
  if (!TypeParam::kPersistent) GTEST_SKIP() << "an in-memory store does not outlive its process";
  EXPECT_TRUE(this->store_->list_policies(kDefaultTenant)->empty());
  EXPECT_FALSE(this->store_->get_policy_data(kDefaultTenant)->has_value());
  ASSERT_TRUE(this->store_->put_policy(kDefaultTenant, {"b.rego", "package b"}).ok());
  ASSERT_TRUE(this->store_->put_policy(kDefaultTenant, {"a.rego", "package a"}).ok());
  ASSERT_TRUE(this->store_->put_policy(kDefaultTenant, {"a.rego", "package a2"}).ok());
  ASSERT_TRUE(this->store_->put_policy_data(kDefaultTenant, R"({"admins":["ann"]})").ok());
  this->store_.reset();
  this->store_ = this->backend_.open();
  auto modules = this->store_->list_policies(kDefaultTenant);
  ASSERT_EQ(modules->size(), 2u);
  EXPECT_EQ((*modules)[0].id, "a.rego");
  EXPECT_EQ((*modules)[0].source, "package a2");
  EXPECT_EQ(**this->store_->get_policy_data(kDefaultTenant), R"({"admins":["ann"]})");
  EXPECT_TRUE(this->store_->delete_policy(kDefaultTenant, "b.rego").ok());
  EXPECT_EQ(this->store_->delete_policy(kDefaultTenant, "b.rego").error().code, core::code::kNotFound);
  EXPECT_EQ(this->store_->list_policies(kDefaultTenant)->size(), 1u);
}

TYPED_TEST(StoreTest, ConcurrentSpawnsAndMovesKeepPathsConsistent) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(this->spawn("seed" + std::to_string(i)).id);
  std::mutex ids_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 150; ++i) {
        std::string a, b;
        {
          std::lock_guard lock(ids_mu);
          a = ids[rng() % ids.size()];
          b = ids[rng() % ids.size()];
        }
        if (rng() % 2) {
          NewAgent n;
          n.label = "t" + std::to_string(t) + "_" + std::to_string(i);
          n.parent_id = a;
          auto r = this->store_->spawn(kDefaultTenant, std::span<const NewAgent>(&n, 1));
          if (r) {
            std::lock_guard lock(ids_mu);
            ids.push_back(r->front().id);
          }
        } else {
          (void)this->store_->move(kDefaultTenant, a, b);  // cycles are refused, that is fine
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::map<std::string, Agent> all;
  AgentQuery q;
  q.limit = 1000;
  while (true) {
    auto page = this->store_->list(kDefaultTenant, q);
    ASSERT_TRUE(page.ok());
    for (auto& a : page->items) all[a.id] = a;
    if (!page->next_cursor) break;
    q.cursor = page->next_cursor;
  }
  EXPECT_EQ(all.size(), ids.size());
  for (const auto& [id, a] : all) {
    if (!a.parent_id) {
      EXPECT_EQ(a.path, a.label);
    } else {
      ASSERT_TRUE(all.count(*a.parent_id));
      EXPECT_EQ(a.path, all[*a.parent_id].path + "." + a.label);
    }
  }
}

// Concurrent moves among a few agents: each is refused or keeps a tree; at the
// end every parent chain reaches a root and every path follows it.
TYPED_TEST(StoreTest, ConcurrentMovesNeverMakeACycle) {
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(this->spawn("m" + std::to_string(i)).id);
  std::vector<std::thread> threads;
  std::atomic<int> moved{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(100 + t);
      for (int i = 0; i < 80; ++i) {
        const std::string& a = ids[rng() % ids.size()];
        std::optional<std::string> b;
        if (rng() % 5) b = ids[rng() % ids.size()];
        if (this->store_->move(kDefaultTenant, a, b)) moved.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_GT(moved.load(), 0);
  std::map<std::string, Agent> all;
  for (const auto& id : ids) all[id] = *this->store_->get(kDefaultTenant, id);
  for (const auto& [id, a] : all) {
    std::string at = id;
    std::string path = all[at].label;
    for (int depth = 0; all[at].parent_id; ++depth) {
      ASSERT_LT(depth, 10) << "cycle through " << id;
      at = *all[at].parent_id;
      path = all[at].label + "." + path;
    }
    EXPECT_EQ(a.path, path);
  }
}

// Concurrent transfers in every direction neither lose nor duplicate a goal.
TYPED_TEST(StoreTest, ConcurrentGoalTransfersKeepEveryGoalOnce) {
  std::vector<std::string> ids;
  std::multiset<std::string> before;
  for (int i = 0; i < 6; ++i) {
    NewAgent n;
    n.label = "g" + std::to_string(i);
    for (int k = 0; k < 5; ++k) {
      n.goals.push_back({"goal" + std::to_string(i) + "_" + std::to_string(k), 0.5, 60});
      before.insert(n.goals.back().id);
    }
    ids.push_back(this->store_->spawn(kDefaultTenant, std::span<const NewAgent>(&n, 1))->front().id);
  }
  TransferPlan plan = [](const Agent&, const Agent&, const std::vector<Goal>&) {
    NewEvent given, taken;
    given.type = CognitionType::kAct;
    taken.type = CognitionType::kPlan;
    return core::Result<std::pair<NewEvent, NewEvent>>(std::pair{given, taken});
  };
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(200 + t);
      for (int i = 0; i < 40; ++i) {
        const std::string& from = ids[rng() % ids.size()];
        const std::string& to = ids[rng() % ids.size()];
        if (from == to) continue;
        auto r = this->store_->transfer_goals(kDefaultTenant, from, to, plan);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        EXPECT_TRUE(r->from.goals.empty());
        EXPECT_EQ(r->events.size(), 2u);
        done.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_GT(done.load(), 0);
  std::multiset<std::string> after;
  for (const auto& id : ids) {
    auto agent = this->store_->get(kDefaultTenant, id);
    ASSERT_TRUE(agent.ok());
    for (const Goal& g : agent->goals) after.insert(g.id);
  }
  EXPECT_EQ(after, before);
}

TYPED_TEST(StoreTest, TransferRenamesCollidingGoalsAndRecordsEvents) {
  NewAgent a, b;
  a.label = "giver";
  a.goals = {{"x", 0.5, 10}, {"y", 0.2, 5}};
  b.label = "taker";
  b.goals = {{"x", 0.9, 1}};
  Agent ga = this->store_->spawn(kDefaultTenant, std::span<const NewAgent>(&a, 1))->front();
  Agent gb = this->store_->spawn(kDefaultTenant, std::span<const NewAgent>(&b, 1))->front();
  TransferPlan plan = [](const Agent& from, const Agent& to, const std::vector<Goal>& moved) {
    NewEvent e;
    e.type = CognitionType::kAct;
    e.payload = core::Object{{"moved", static_cast<int64_t>(moved.size())}};
    return core::Result<std::pair<NewEvent, NewEvent>>(std::pair{e, e});
  };
  auto r = this->store_->transfer_goals(kDefaultTenant, ga.id, gb.id, plan);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->to.goals.size(), 3u);
  EXPECT_EQ(r->to.goals[1].id, "x@" + ga.id);
  EXPECT_EQ(r->to.goals[2].id, "y");
  EXPECT_EQ(this->store_->get(kDefaultTenant, ga.id)->goals.size(), 0u);
  auto events = this->store_->list_events(kDefaultTenant, gb.id, EventQuery{});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->items.size(), 1u);
  EXPECT_EQ(core::to_json(events->items[0].payload), R"({"moved":2})");
  // A plan's error abandons the transfer.
  TransferPlan refuse = [](const Agent&, const Agent&, const std::vector<Goal>&) {
    return core::Result<std::pair<NewEvent, NewEvent>>(core::make_error(core::code::kForbidden, "no"));
  };
  EXPECT_EQ(this->store_->transfer_goals(kDefaultTenant, gb.id, ga.id, refuse).error().code, core::code::kForbidden);
  EXPECT_EQ(this->store_->get(kDefaultTenant, gb.id)->goals.size(), 3u);
  EXPECT_EQ(this->store_->transfer_goals(kDefaultTenant, ga.id, ga.id, plan).error().code,
            core::code::kInvalidArgument);
  EXPECT_EQ(this->store_->transfer_goals(kDefaultTenant, ga.id, new_uuid(), plan).error().where, "to");
}

TYPED_TEST(StoreTest, SetEmotionsReportsEachUpdate) {
  NewAgent n;
  n.label = "e";
  n.goals = {{"g", 0.5, 1}, {"h", 0.5, 1}};
  Agent a = this->store_->spawn(kDefaultTenant, std::span<const NewAgent>(&n, 1))->front();
  Agent gone = this->spawn("gone");
  ASSERT_TRUE(this->store_->remove(kDefaultTenant, gone.id, false, now_ms()).ok());
  Emotion first, last;
  first.label = "ANXIOUS";
  last.label = "RELAXED";
  last.pleasure = 0.9;
  std::vector<EmotionUpdate> updates = {{a.id, first}, {new_uuid(), first}, {gone.id, first}, {"nope", first}, {a.id, last}};
  auto r = this->store_->set_emotions(kDefaultTenant, updates);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 5u);
  EXPECT_TRUE((*r)[0].updated);
  EXPECT_EQ((*r)[0].goal_count, 2);
  EXPECT_FALSE((*r)[1].updated);
  EXPECT_FALSE((*r)[2].updated);
  EXPECT_FALSE((*r)[3].updated);
  EXPECT_TRUE((*r)[4].updated);
  auto got = this->store_->get(kDefaultTenant, a.id);
  EXPECT_EQ(got->emotion.label, "RELAXED");
  EXPECT_EQ(got->emotion.pleasure, 0.9);
}

// Hooks run once per committed write, in commit order: a child's spawn is
// never announced before its parent's, whatever the threads do.
TYPED_TEST(StoreTest, CommitHooksRunOnceInCommitOrder) {
  std::mutex mu;
  std::vector<std::string> announced;
  std::map<std::string, std::string> parent_of;
  OnCommit<std::vector<Agent>> hook = [&](const std::vector<Agent>& agents) {
    std::lock_guard lock(mu);
    for (const Agent& a : agents) announced.push_back(a.id);
  };
  NewAgent root;
  root.label = "r";
  std::string root_id = this->store_->spawn(kDefaultTenant, std::span<const NewAgent>(&root, 1), hook)->front().id;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string parent = root_id;
      for (int i = 0; i < 25; ++i) {
        NewAgent n;
        n.label = "c" + std::to_string(t) + "_" + std::to_string(i);
        n.parent_id = parent;
        auto r = this->store_->spawn(kDefaultTenant, std::span<const NewAgent>(&n, 1), hook);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        {
          std::lock_guard lock(mu);
          parent_of[r->front().id] = parent;
        }
        parent = r->front().id;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(announced.size(), 101u);
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < announced.size(); ++i) EXPECT_TRUE(at.emplace(announced[i], i).second);
  for (const auto& [child, parent] : parent_of) EXPECT_LT(at[parent], at[child]);
}

}  // namespace
}  // namespace genesis::registry
