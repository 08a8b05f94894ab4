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

using core::new_uuid;
using core::now_ms;
using storage::Detection;
using storage::DetectionQuery;
using storage::ResponseRecord;

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
  batch[0].id = core::new_uuid();
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
  n.parent_id = core::new_uuid();
  auto r = this->store_->spawn(kDefaultTenant, std::span<const NewAgent>(&n, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::code::kNotFound);
  Agent p = this->spawn("p");
  ASSERT_TRUE(this->store_->remove(kDefaultTenant, p.id, false, core::now_ms()).ok());
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
  auto r = this->store_->remove(kDefaultTenant, b.id, /*subtree=*/true, core::now_ms());
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
  EXPECT_FALSE(this->store_->remove(kDefaultTenant, b.id, false, core::now_ms()).ok());
}

// The tree invariant: no live agent under a deleted one.
TYPED_TEST(StoreTest, DeletingAnAgentWithLiveChildrenIsRefused) {
  Agent a = this->spawn("a");
  Agent b = this->spawn("b", a.id);
  Agent c = this->spawn("c", b.id);
  auto r = this->store_->remove(kDefaultTenant, a.id, /*subtree=*/false, core::now_ms());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::code::kConflict);
  EXPECT_NE(r.error().message.find("subtree=true"), std::string::npos) << r.error().message;
  EXPECT_TRUE(this->store_->get(kDefaultTenant, a.id).ok());
  // Once its only child's subtree is gone (deleted, not live), it may go alone.
  ASSERT_TRUE(this->store_->remove(kDefaultTenant, c.id, false, core::now_ms()).ok());
  ASSERT_FALSE(this->store_->remove(kDefaultTenant, a.id, false, core::now_ms()).ok());
  ASSERT_TRUE(this->store_->remove(kDefaultTenant, b.id, false, core::now_ms()).ok());
  EXPECT_TRUE(this->store_->remove(kDefaultTenant, a.id, false, core::now_ms()).ok());
}

// Store::transact: everything the body writes commits together, or nothing does.
TYPED_TEST(StoreTest, TransactCommitsEverythingOrNothing) {
  Agent a = this->spawn("a");
  int commits = 0;
  auto failed = this->store_->transact(
      kDefaultTenant,
      [&](Transaction& tx) -> core::Status {
        NewAgent n;
        n.label = "doomed";
        n.parent_id = a.id;
        auto s = tx.spawn(std::span<const NewAgent>(&n, 1));
        if (!s) return s.error();
        EXPECT_TRUE(tx.get(s->front().id).ok());  // the body sees its own writes
        NewEvent e;
        if (auto ev = tx.append_events(a.id, std::span<const NewEvent>(&e, 1)); !ev) return ev.error();
        Detection d;
        d.id = core::new_uuid();
        d.tenant_id = kDefaultTenant;
        d.agent_id = a.id;
        d.technique = "T1490";
        if (auto st = tx.add_detections({d}); !st) return st;
        return core::make_error(core::code::kConflict, "changed my mind");
      },
      [&] { ++commits; });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "changed my mind");
  EXPECT_EQ(commits, 0);
  AgentQuery q;
  EXPECT_EQ(this->paths(q), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(this->store_->list_events(kDefaultTenant, a.id, EventQuery{})->items.empty());
  EXPECT_TRUE(this->store_->list_detections(kDefaultTenant, DetectionQuery{})->items.empty());

  std::string det_id = core::new_uuid();
  auto done = this->store_->transact(
      kDefaultTenant,
      [&](Transaction& tx) -> core::Status {
        NewAgent n;
        n.label = "kept";
        n.parent_id = a.id;
        auto s = tx.spawn(std::span<const NewAgent>(&n, 1));
        if (!s) return s.error();
        Detection d;
        d.id = det_id;
        d.tenant_id = kDefaultTenant;
        d.agent_id = a.id;
        d.technique = "T1490";
        d.event = core::Value::object();
        if (auto st = tx.add_detections({d}); !st) return st;
        ResponseRecord r;
        r.counter_agent = {s->front().id, kDefaultTenant, a.id, "T1490", det_id, "img", "quarantine",
                           core::Value::object(), 1};
        r.containments.push_back({kDefaultTenant, a.id, "quarantine", s->front().id, "T1490", 1, 4102444800000});
        return tx.record_response(r);
      },
      [&] { ++commits; });
  ASSERT_TRUE(done.ok()) << done.error().to_string();
  EXPECT_EQ(commits, 1);
  EXPECT_EQ(this->paths(q), (std::vector<std::string>{"a", "a.kept"}));
  auto det = this->store_->get_detection(kDefaultTenant, det_id);
  ASSERT_TRUE(det.ok());
  EXPECT_TRUE(det->counter_agent_id.has_value());
  EXPECT_EQ(this->store_->counter_agents(kDefaultTenant, a.id)->size(), 1u);
  EXPECT_EQ(this->store_->active_containments(2)->size(), 1u);
}

// An operation that fails inside a transaction leaves nothing of itself; the
// body may carry on and the rest commits.
TYPED_TEST(StoreTest, AFailedOperationInsideATransactionLeavesNothing) {
  Agent a = this->spawn("a");
  auto r = this->store_->transact(kDefaultTenant, [&](Transaction& tx) -> core::Status {
    std::vector<NewAgent> batch(2);
    batch[0].label = "first";
    batch[1].label = "second";
    batch[1].parent_id = core::new_uuid();  // unknown: the batch fails after its first row
    EXPECT_FALSE(tx.spawn(batch).ok());
    // A failure the database itself reports (a duplicate id) leaves nothing
    // either, and the transaction goes on.
    NewAgent dup;
    dup.id = a.id;
    dup.label = "dup";
    auto d = tx.spawn(std::span<const NewAgent>(&dup, 1));
    EXPECT_EQ(d.ok() ? "" : d.error().code, core::code::kConflict);
    NewAgent n;
    n.label = "after";
    n.parent_id = a.id;
    auto s = tx.spawn(std::span<const NewAgent>(&n, 1));
    return s ? core::Status{} : core::Status(s.error());
  });
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  AgentQuery q;
  EXPECT_EQ(this->paths(q), (std::vector<std::string>{"a", "a.after"}));
}

// Transactions running at once, each moving an agent and spawning and
// recording under it: each commits whole or not at all (its hook runs once,
// its rows are all there), and the tree stays a tree. PostgreSQL may run a
// body more than once (serialization retries); only one run commits.
TYPED_TEST(StoreTest, ConcurrentTransactionsCommitWholeAndKeepTheTree) {
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(this->spawn("n" + std::to_string(i)).id);
  std::mutex mu;
  std::vector<std::string> committed;  // the marker agent of every committed transaction
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(7 + t);
      for (int i = 0; i < 25; ++i) {
        const std::string a = ids[rng() % ids.size()];
        const std::string b = ids[rng() % ids.size()];
        std::string marker;
        auto r = this->store_->transact(
            kDefaultTenant,
            [&](Transaction& tx) -> core::Status {
              marker.clear();
              if (auto m = tx.move(a, b); !m) return m.error();
              NewAgent n;
              n.label = "mark" + std::to_string(t) + "_" + std::to_string(i);
              n.parent_id = b;
              auto s = tx.spawn(std::span<const NewAgent>(&n, 1));
              if (!s) return s.error();
              NewEvent e;
              e.payload = core::Value::object();
              e.payload.set("marker", s->front().id);
              if (auto ev = tx.append_events(s->front().id, std::span<const NewEvent>(&e, 1)); !ev) return ev.error();
              marker = s->front().id;
              return {};
            },
            [&] {
              std::lock_guard lock(mu);
              committed.push_back(marker);
            });
        if (!r.ok()) {
          // Refused moves (a cycle) are conflicts; nothing else may fail.
          EXPECT_EQ(r.error().code, core::code::kConflict) << r.error().to_string();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_GT(committed.size(), 0u);
  for (const auto& m : committed) {
    auto agent = this->store_->get(kDefaultTenant, m);
    ASSERT_TRUE(agent.ok()) << agent.error().to_string();
    auto events = this->store_->list_events(kDefaultTenant, m, EventQuery{});
    ASSERT_TRUE(events.ok());
    EXPECT_EQ(events->items.size(), 1u);
  }
  EXPECT_EQ(*this->store_->count_agents(kDefaultTenant), static_cast<int64_t>(ids.size() + committed.size()));
  std::map<std::string, Agent> all;
  AgentQuery q;
  q.limit = 1000;
  auto page = this->store_->list(kDefaultTenant, q);
  ASSERT_TRUE(page.ok()) << page.error().to_string();
  for (auto& a : page->items) all[a.id] = a;
  for (const auto& [id, a] : all) {
    std::string at = id, path = all[at].label;
    for (int depth = 0; all[at].parent_id; ++depth) {
      ASSERT_LT(depth, 12) << "cycle through " << id;
      at = *all[at].parent_id;
      path = all[at].label + "." + path;
    }
    EXPECT_EQ(a.path, path);
  }
}

// Detections and their responses, written in a transaction, read back.
TYPED_TEST(StoreTest, DetectionsAndResponsesReadBack) {
  Agent a = this->spawn("a");
  Agent b = this->spawn("b");
  std::vector<Detection> ds;
  for (int i = 0; i < 5; ++i) {
    Detection d;
    d.id = core::new_uuid();
    d.tenant_id = kDefaultTenant;
    d.agent_id = i < 3 ? a.id : b.id;
    d.technique = i == 0 ? "T1055" : i == 1 ? "T1055.001" : "T1490";
    d.tactic = "defense-evasion";
    d.rules = {"rule-" + std::to_string(i), "other"};
    d.event = core::Value::object();
    d.event.set("n", static_cast<int64_t>(i));
    d.ts_ms = 1000 + i;
    ds.push_back(std::move(d));
  }
  ASSERT_TRUE(this->store_->transact(kDefaultTenant, [&](Transaction& tx) { return tx.add_detections(ds); }).ok());
  auto got = this->store_->get_detection(kDefaultTenant, ds[1].id);
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->technique, "T1055.001");
  EXPECT_EQ(got->rules, (std::vector<std::string>{"rule-1", "other"}));
  EXPECT_EQ(core::to_json(got->event), "{\"n\":1}");
  EXPECT_EQ(got->ts_ms, 1001);
  EXPECT_FALSE(got->counter_agent_id.has_value());
  EXPECT_EQ(this->store_->get_detection(kDefaultTenant, "not-an-id").error().code, core::code::kNotFound);

  auto ids_of = [](const storage::Page<Detection>& page) {
    std::vector<std::string> out;
    for (const auto& d : page.items) out.push_back(d.id);
    return out;
  };
  DetectionQuery q;
  EXPECT_EQ(ids_of(*this->store_->list_detections(kDefaultTenant, q)),
            (std::vector<std::string>{ds[4].id, ds[3].id, ds[2].id, ds[1].id, ds[0].id}));
  q.technique = "T1055";  // and its sub-techniques
  EXPECT_EQ(ids_of(*this->store_->list_detections(kDefaultTenant, q)),
            (std::vector<std::string>{ds[1].id, ds[0].id}));
  q = DetectionQuery{};
  q.agent_id = b.id;
  EXPECT_EQ(ids_of(*this->store_->list_detections(kDefaultTenant, q)),
            (std::vector<std::string>{ds[4].id, ds[3].id}));
  q = DetectionQuery{};
  q.since_ms = 1001;
  q.until_ms = 1003;
  EXPECT_EQ(ids_of(*this->store_->list_detections(kDefaultTenant, q)),
            (std::vector<std::string>{ds[2].id, ds[1].id}));
  q = DetectionQuery{};
  q.limit = 2;
  std::vector<std::string> paged;
  for (int pages = 0; pages < 5; ++pages) {
    auto page = this->store_->list_detections(kDefaultTenant, q);
    ASSERT_TRUE(page.ok()) << page.error().to_string();
    for (auto& id : ids_of(*page)) paged.push_back(id);
    if (!page->next_cursor) break;
    q.cursor = page->next_cursor;
  }
  EXPECT_EQ(paged, (std::vector<std::string>{ds[4].id, ds[3].id, ds[2].id, ds[1].id, ds[0].id}));
  q = DetectionQuery{};
  q.cursor = "x";
  EXPECT_EQ(this->store_->list_detections(kDefaultTenant, q).error().code, core::code::kInvalidArgument);

  // A response to ds[2]: its counter-agent (spawned in the same transaction),
  // containments (one already over), evidence, actions; and a decision.
  std::string counter_id;
  auto r = this->store_->transact(kDefaultTenant, [&](Transaction& tx) -> core::Status {
    NewAgent n;
    n.label = "counter";
    n.parent_id = a.id;
    auto s = tx.spawn(std::span<const NewAgent>(&n, 1));
    if (!s) return s.error();
    counter_id = s->front().id;
    ResponseRecord rec;
    rec.counter_agent = {counter_id, kDefaultTenant, a.id, "T1490", ds[2].id, "img", "quarantine",
                         core::Value::object(), 5000};
    rec.containments.push_back({kDefaultTenant, a.id, "quarantine", counter_id, "T1490", 5000, 9000});
    rec.containments.push_back({kDefaultTenant, a.id, "deny:egress", counter_id, "T1490", 5000, 6000});
    core::Value snapshot = core::Value::object();
    snapshot.set("agent", a.id);
    rec.evidence.push_back({core::new_uuid(), kDefaultTenant, a.id, ds[2].id, counter_id, snapshot, 5001});
    rec.actions.push_back({kDefaultTenant, counter_id, a.id, ds[2].id, "block-dns", "done", core::Value::object(), 5002});
    rec.actions.push_back({kDefaultTenant, counter_id, a.id, ds[2].id, "kill-process", "failed",
                           core::Value::object(), 5003});
    if (auto st = tx.record_response(rec); !st) return st;
    return tx.add_decision({kDefaultTenant, a.id, "telemetry", "deny", "deny:egress by " + counter_id, 5004});
  });
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(this->store_->get_detection(kDefaultTenant, ds[2].id)->counter_agent_id, counter_id);
  auto counters = this->store_->counter_agents(kDefaultTenant, a.id);
  ASSERT_TRUE(counters.ok());
  ASSERT_EQ(counters->size(), 1u);
  EXPECT_EQ((*counters)[0].id, counter_id);
  EXPECT_EQ((*counters)[0].detection_id, ds[2].id);
  EXPECT_EQ((*counters)[0].created_at_ms, 5000);
  auto actions = this->store_->actions(kDefaultTenant, ds[2].id);
  ASSERT_EQ(actions->size(), 2u);
  EXPECT_EQ((*actions)[0].action, "block-dns");
  EXPECT_EQ((*actions)[1].status, "failed");
  EXPECT_EQ((*actions)[1].ts_ms, 5003);
  auto evidence = this->store_->evidence(kDefaultTenant, a.id);
  ASSERT_EQ(evidence->size(), 1u);
  EXPECT_EQ(core::to_json((*evidence)[0].snapshot), "{\"agent\":\"" + a.id + "\"}");
  auto decisions = this->store_->decisions(kDefaultTenant, a.id);
  ASSERT_EQ(decisions->size(), 1u);
  EXPECT_EQ((*decisions)[0].subject, "telemetry");
  EXPECT_EQ((*decisions)[0].ts_ms, 5004);
  auto active = this->store_->active_containments(7000);
  ASSERT_TRUE(active.ok()) << active.error().to_string();
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].kind, "quarantine");
  EXPECT_EQ((*active)[0].until_ms, 9000);
  EXPECT_EQ(this->store_->active_containments(5500)->size(), 2u);
  // Another tenant's containments are every tenant's business at start-up.
  ASSERT_TRUE(this->store_->create_tenant("blue", "").ok());
  NewAgent n;
  n.label = "blue-agent";
  std::string blue_agent = this->store_->spawn("blue", std::span<const NewAgent>(&n, 1))->front().id;
  Detection bd;
  bd.id = core::new_uuid();
  bd.tenant_id = "blue";
  bd.agent_id = blue_agent;
  bd.technique = "T1490";
  bd.event = core::Value::object();
  ASSERT_TRUE(this->store_->transact("blue", [&](Transaction& tx) -> core::Status {
    if (auto st = tx.add_detections({bd}); !st) return st;
    ResponseRecord rec;
    rec.counter_agent = {core::new_uuid(), "blue", blue_agent, "T1490", bd.id, "img", "q", core::Value::object(), 1};
    rec.containments.push_back({"blue", blue_agent, "quarantine", rec.counter_agent.id, "T1490", 1, 8000});
    return tx.record_response(rec);
  }).ok());
  EXPECT_EQ(this->store_->active_containments(7000)->size(), 2u);
  EXPECT_TRUE(this->store_->counter_agents(kDefaultTenant, blue_agent)->empty());
  // Linking an unknown detection fails, and leaves nothing.
  auto bad = this->store_->transact(kDefaultTenant, [&](Transaction& tx) {
    return tx.set_counter_agent(core::new_uuid(), counter_id);
  });
  EXPECT_EQ(bad.ok() ? "" : bad.error().code, core::code::kNotFound);
}

// Tenants: a call never reads or writes another tenant's rows.
TYPED_TEST(StoreTest, TenantsNeverSeeEachOther) {
  auto t = this->store_->create_tenant("blue", "Blue team");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_EQ(this->store_->create_tenant("blue", "again").error().code, core::code::kConflict);
  EXPECT_EQ(this->store_->create_tenant("not a label", "").error().code, core::code::kInvalidArgument);
  auto tenants = this->store_->list_tenants();
  ASSERT_TRUE(tenants.ok());
  ASSERT_EQ(tenants->size(), 2u);
  EXPECT_EQ((*tenants)[0].id, "blue");
  EXPECT_EQ((*tenants)[1].id, "default");

  Agent mine = this->spawn("mine");
  NewAgent n;
  n.label = "theirs";
  auto theirs = this->store_->spawn("blue", std::span<const NewAgent>(&n, 1));
  ASSERT_TRUE(theirs.ok()) << theirs.error().to_string();
  const std::string their_id = theirs->front().id;
  EXPECT_EQ(this->store_->get(kDefaultTenant, their_id).error().code, core::code::kNotFound);
  EXPECT_EQ(this->store_->get("blue", mine.id).error().code, core::code::kNotFound);
  AgentQuery q;
  EXPECT_EQ(this->paths(q), (std::vector<std::string>{"mine"}));
  EXPECT_EQ(this->store_->list("blue", q)->items.size(), 1u);
  // Nor can one tenant's write reach the other's agents.
  n.label = "stowaway";
  n.parent_id = their_id;
  EXPECT_EQ(this->store_->spawn(kDefaultTenant, std::span<const NewAgent>(&n, 1)).error().code,
            core::code::kNotFound);
  EXPECT_FALSE(this->store_->move(kDefaultTenant, mine.id, their_id).ok());
  EXPECT_FALSE(this->store_->remove(kDefaultTenant, their_id, true, core::now_ms()).ok());
  NewEvent e;
  EXPECT_FALSE(this->store_->append_events(kDefaultTenant, their_id, std::span<const NewEvent>(&e, 1)).ok());
  EXPECT_EQ(this->store_->count_agents("blue").value(), 1);
  // Detections and policies too.
  Detection d;
  d.id = core::new_uuid();
  d.tenant_id = "blue";
  d.agent_id = their_id;
  d.technique = "T1490";
  d.event = core::Value::object();
  ASSERT_TRUE(this->store_->transact("blue", [&](Transaction& tx) { return tx.add_detections({d}); }).ok());
  EXPECT_TRUE(this->store_->list_detections(kDefaultTenant, DetectionQuery{})->items.empty());
  EXPECT_EQ(this->store_->get_detection(kDefaultTenant, d.id).error().code, core::code::kNotFound);
  EXPECT_EQ(this->store_->list_detections("blue", DetectionQuery{})->items.size(), 1u);
  // A row of one tenant cannot be written in another's transaction.
  EXPECT_FALSE(this->store_->transact(kDefaultTenant, [&](Transaction& tx) { return tx.add_detections({d}); }).ok());
  ASSERT_TRUE(this->store_->put_policy("blue", {"p.rego", "package p"}).ok());
  EXPECT_TRUE(this->store_->list_policies(kDefaultTenant)->empty());
  EXPECT_EQ(this->store_->list_policies("blue")->size(), 1u);
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
  EXPECT_EQ(this->store_->append_events(kDefaultTenant, core::new_uuid(), events).error().code,
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

TYPED_TEST(StoreTest, SigmaSwitchesKeepTheirOrderPerTenant) {
  auto none = this->store_->list_sigma_switches(kDefaultTenant);
  ASSERT_TRUE(none.ok()) << none.error().to_string();
  EXPECT_TRUE(none->empty());
  auto a = this->store_->add_sigma_switch(kDefaultTenant, "level:low", false);
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  auto b = this->store_->add_sigma_switch(kDefaultTenant, "rule:X", true);
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_LT(a->id, b->id);
  EXPECT_GT(a->created_ms, 0);
  ASSERT_TRUE(this->store_->create_tenant("blue", "Blue").ok());
  ASSERT_TRUE(this->store_->add_sigma_switch("blue", "all", false).ok());
  auto list = this->store_->list_sigma_switches(kDefaultTenant);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].selector, "level:low");
  EXPECT_FALSE((*list)[0].enabled);
  EXPECT_EQ((*list)[1].selector, "rule:X");
  EXPECT_TRUE((*list)[1].enabled);
  auto blue = this->store_->list_sigma_switches("blue");
  ASSERT_TRUE(blue.ok()) << blue.error().to_string();
  ASSERT_EQ(blue->size(), 1u);
  // Another tenant's switch is not found from here.
  auto blue_id = blue->front().id;
  auto cross = this->store_->delete_sigma_switch(kDefaultTenant, blue_id);
  ASSERT_FALSE(cross.ok());
  EXPECT_EQ(this->store_->delete_sigma_switch(kDefaultTenant, blue_id).error().code, core::code::kNotFound);
  EXPECT_TRUE(this->store_->delete_sigma_switch(kDefaultTenant, a->id).ok());
  EXPECT_EQ(this->store_->delete_sigma_switch(kDefaultTenant, a->id).error().code, core::code::kNotFound);
  if (TypeParam::kPersistent) {
    this->store_.reset();
    this->store_ = this->backend_.open();
  }
  list = this->store_->list_sigma_switches(kDefaultTenant);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, b->id);
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
