// The emotion engine against the real SQLite store (a file in a temp dir) and
// the real event bus.
#include "emotion/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

namespace genesis::emotion {
namespace {

using registry::Agent;
using registry::Goal;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("genesis-engine-" + std::to_string(::getpid()) +
                                                  "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    auto s = registry::open_sqlite_store((dir_ / "store.db").string());
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    store_ = std::move(*s);
    reg_ = std::make_unique<registry::Registry>(*store_, bus_);
    sub_ = bus_.subscribe([this](const mesh::Event& e) {
      std::lock_guard lock(events_mu_);
      events_.push_back(e);
    });
  }
  void TearDown() override {
    engine_.reset();
    sub_.reset();
    reg_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Engine& engine(EngineOptions o = {}) {
    if (!engine_) engine_ = std::make_unique<Engine>(*reg_, Model::shipped(), o);
    return *engine_;
  }

  Agent spawn(const std::string& label, std::optional<std::string> parent = {},
              std::vector<Goal> goals = {}, registry::Emotion emotion = {},
              std::string policy = "") {
    registry::NewAgent n;
    n.label = label;
    n.parent_id = std::move(parent);
    n.goals = std::move(goals);
    n.emotion = std::move(emotion);
    n.policy = std::move(policy);
    auto a = store_->spawn(registry::kDefaultTenant, std::span(&n, 1));
    EXPECT_TRUE(a.ok()) << a.error().to_string();
    return a->front();
  }

  Agent get(const std::string& id) { return *store_->get(registry::kDefaultTenant, id); }

  std::vector<mesh::Event> events_of(const std::string& type) {
    std::lock_guard lock(events_mu_);
    std::vector<mesh::Event> out;
    for (const auto& e : events_)
      if (e.type == type) out.push_back(e);
    return out;
  }

  static registry::Emotion tired() { return {0.1, 0.5, 0.3, "SADNESS", 0.9}; }
  static registry::Emotion fresh(double fatigue) { return {0.7, 0.5, 0.5, "NEUTRAL", fatigue}; }
  // Telemetry the shipped model reads as miserable, with full fatigue.
  static Telemetry exhausted() { return {0.95, 0.95, 0.6, 120, 0.1, 8 * 3600000.0}; }
  static Telemetry healthy() { return {0.3, 0.3, 0.0, 3, 1.0, 60000.0}; }

  const std::string& tenant() const { return tenant_; }

  std::filesystem::path dir_;
  std::unique_ptr<registry::Store> store_;
  std::unique_ptr<registry::Registry> reg_;
  mesh::EventBus bus_;
  std::unique_ptr<mesh::EventBus::Subscription> sub_;
  std::mutex events_mu_;
  std::vector<mesh::Event> events_;
  std::unique_ptr<Engine> engine_;
  std::string tenant_ = registry::kDefaultTenant;
};

TEST_F(EngineTest, HeartbeatStoresPublishesAndRemembersTheEmotion) {
  Agent a = spawn("worker");
  auto r = engine().heartbeat(tenant(), Heartbeat{a.id, healthy(), 1234});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  Emotion want = appraise(Model::shipped(), healthy());
  EXPECT_EQ(r->emotion, want);
  EXPECT_EQ(r->ts_ms, 1234);
  EXPECT_FALSE(r->offload);

  Agent stored = get(a.id);
  EXPECT_EQ(stored.emotion.pleasure, want.pleasure);
  EXPECT_EQ(stored.emotion.arousal, want.arousal);
  EXPECT_EQ(stored.emotion.dominance, want.dominance);
  EXPECT_EQ(stored.emotion.label, label_name(want.label));
  EXPECT_EQ(stored.emotion.fatigue, want.fatigue);

  auto published = events_of("agent.emotion");
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].data.find("agent_id")->as_string(), a.id);
  EXPECT_EQ(*published[0].data.find("emotion"), to_value(want));
  EXPECT_EQ(*published[0].data.find("telemetry"), to_value(healthy()));

  auto h = engine().history(tenant(), a.id);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].ts_ms, 1234);
  EXPECT_EQ(h[0].emotion, want);
}

TEST_F(EngineTest, UnknownAndDeletedAgentsAreNotFoundAndPublishNothing) {
  Agent a = spawn("gone");
  ASSERT_TRUE(store_->remove(tenant(), a.id, false, 1).ok());
  auto r = engine().heartbeat(tenant(), Heartbeat{a.id, healthy(), {}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "not_found");
  r = engine().heartbeat(tenant(), Heartbeat{core::new_uuid(), healthy(), {}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "not_found");
  EXPECT_TRUE(events_of("agent.emotion").empty());
  EXPECT_TRUE(engine().history(tenant(), a.id).empty());
}

TEST_F(EngineTest, ABatchReportsEachHeartbeat) {
  Agent a = spawn("a"), b = spawn("b");
  std::vector<Heartbeat> batch = {
      {a.id, healthy(), {}}, {core::new_uuid(), healthy(), {}}, {b.id, exhausted(), {}}};
  auto rs = engine().heartbeats(tenant(), batch);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_TRUE(rs[0].ok());
  EXPECT_EQ(rs[1].error().code, "not_found");
  ASSERT_TRUE(rs[2].ok());
  EXPECT_EQ(get(b.id).emotion.fatigue, 1.0);
  EXPECT_EQ(events_of("agent.emotion").size(), 2u);
}

TEST_F(EngineTest, HistoryKeepsTheNewestReadings) {
  EngineOptions o;
  o.history = 4;
  Agent a = spawn("a");
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(engine(o).heartbeat(tenant(), Heartbeat{a.id, healthy(), 100 + i}).ok());
  auto h = engine().history(tenant(), a.id);
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h.front().ts_ms, 106);
  EXPECT_EQ(h.back().ts_ms, 109);
}

TEST_F(EngineTest, ConcurrentHeartbeatsShareTransactionsAndAllLand) {
  std::vector<Agent> agents;
  for (int i = 0; i < 8; ++i) agents.push_back(spawn("a" + std::to_string(i)));
  constexpr int kPerThread = 200;
  Engine& eng = engine();  // created before the threads share it
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Telemetry tel = healthy();
        tel.task_count = i % 50;  // the last heartbeat of each agent is recognisable
        if (!eng.heartbeat(tenant(), Heartbeat{agents[t].id, tel, i}).ok()) ++failures;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  Engine::Stats s = engine().stats();
  EXPECT_EQ(s.heartbeats, 8u * kPerThread);
  EXPECT_LE(s.batches, s.heartbeats);
  EXPECT_EQ(events_of("agent.emotion").size(), 8u * kPerThread);
  Telemetry last = healthy();
  last.task_count = (kPerThread - 1) % 50;
  for (const Agent& a : agents)
    EXPECT_EQ(get(a.id).emotion.fatigue, calculate_fatigue(last)) << a.id;
}

// ---- offloading

TEST_F(EngineTest, OffloadMovesEveryGoalToTheFreshestSibling) {
  Agent root = spawn("root");
  Agent tired_one = spawn("tired", root.id, {{"g1", 0.5, 60}, {"g2", 0.9, 0}}, tired());
  Agent sib_busy = spawn("busy", root.id, {{"x", 0.1, 5}}, fresh(0.5));
  Agent sib_fresh = spawn("fresh", root.id, {}, fresh(0.1));
  Agent cousin = spawn("cousin", sib_busy.id, {}, fresh(0.0));  // fresher, but not a sibling

  auto o = engine().offload(tenant(), tired_one.id);
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  ASSERT_TRUE(o->has_value());
  EXPECT_EQ((*o)->from, tired_one.id);
  EXPECT_EQ((*o)->to, sib_fresh.id);
  EXPECT_TRUE((*o)->sibling);
  ASSERT_EQ((*o)->goals.size(), 2u);

  EXPECT_TRUE(get(tired_one.id).goals.empty());
  auto took = get(sib_fresh.id).goals;
  ASSERT_EQ(took.size(), 2u);
  EXPECT_EQ(took[0].id, "g1");
  EXPECT_EQ(took[0].weight, 0.5);
  EXPECT_EQ(took[0].ttl, 60);
  EXPECT_EQ(took[1].id, "g2");
  EXPECT_EQ(get(sib_busy.id).goals.size(), 1u);
  EXPECT_TRUE(get(cousin.id).goals.empty());

  // reflect on the tired agent, plan on the receiver.
  auto mine = store_->list_events(tenant(), tired_one.id, {});
  ASSERT_EQ(mine->items.size(), 1u);
  EXPECT_EQ(mine->items[0].type, registry::CognitionType::kReflect);
  EXPECT_EQ(mine->items[0].payload.find("to")->as_string(), sib_fresh.id);
  auto theirs = store_->list_events(tenant(), sib_fresh.id, {});
  ASSERT_EQ(theirs->items.size(), 1u);
  EXPECT_EQ(theirs->items[0].type, registry::CognitionType::kPlan);
  EXPECT_EQ(theirs->items[0].payload.find("from")->as_string(), tired_one.id);

  auto offloads = events_of("agent.offload");
  ASSERT_EQ(offloads.size(), 1u);
  EXPECT_EQ(offloads[0].data, to_value(**o));
  EXPECT_EQ(events_of("cognition").size(), 2u);
  EXPECT_EQ(events_of("agent.update").size(), 2u);
  EXPECT_EQ(engine().stats().offloads, 1u);
}

TEST_F(EngineTest, OffloadFallsBackToTheRestOfTheTree) {
  Agent root = spawn("root", {}, {}, fresh(0.6));
  Agent mid = spawn("mid", root.id, {}, fresh(0.3));
  Agent tired_one = spawn("tired", mid.id, {{"g", 0.5, 1}}, tired());
  spawn("tired_sib", mid.id, {}, tired());                            // fatigued: not eligible
  spawn("jailed_sib", mid.id, {}, fresh(0.0), "quarantine");          // quarantined
  spawn("sleepy_sib", mid.id, {}, {0.5, 0.1, 0.5, "FATIGUED", 0.2});  // labelled FATIGUED
  Agent other_root = spawn("elsewhere", {}, {}, fresh(0.0));          // another tree: never chosen
  (void)other_root;

  auto o = engine().offload(tenant(), tired_one.id);
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  ASSERT_TRUE(o->has_value());
  EXPECT_EQ((*o)->to, mid.id);  // fresher than root, not a sibling
  EXPECT_FALSE((*o)->sibling);
  EXPECT_EQ(get(mid.id).goals.size(), 1u);
}

TEST_F(EngineTest, ARootOffloadsToAnotherRootFirst) {
  Agent r1 = spawn("r1", {}, {{"g", 0.5, 1}}, tired());
  Agent child = spawn("child", r1.id, {}, fresh(0.0));
  Agent r2 = spawn("r2", {}, {}, fresh(0.4));
  auto o = engine().offload(tenant(), r1.id);
  ASSERT_TRUE(o.ok() && o->has_value());
  EXPECT_EQ((*o)->to, r2.id);
  EXPECT_TRUE((*o)->sibling);
  (void)child;
}

TEST_F(EngineTest, ExtraQuarantineRuleIsHonoured) {
  EngineOptions opts;
  opts.quarantined = [](const Agent& a) { return a.label == "suspect"; };
  Agent root = spawn("root", {}, {}, fresh(0.9));  // too fatigued to receive
  Agent t = spawn("t", root.id, {{"g", 0.5, 1}}, tired());
  spawn("suspect", root.id, {}, fresh(0.0));
  auto o = engine(opts).offload(tenant(), t.id);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->has_value());
  EXPECT_EQ(get(t.id).goals.size(), 1u);  // nowhere to go: kept
  EXPECT_TRUE(events_of("agent.offload").empty());
}

TEST_F(EngineTest, NoOffloadWhenNotTiredOrNothingToGiveOrQuarantined) {
  Agent root = spawn("root", {}, {}, fresh(0.0));
  Agent happy_tired = spawn("a", root.id, {{"g", 0.5, 1}}, {0.5, 0.5, 0.5, "NEUTRAL", 0.9});
  Agent unhappy_rested = spawn("b", root.id, {{"g", 0.5, 1}}, {0.1, 0.5, 0.5, "NEUTRAL", 0.7});
  Agent empty = spawn("c", root.id, {}, tired());
  Agent jailed = spawn("d", root.id, {{"g", 0.5, 1}}, tired(), "quarantine");
  for (const Agent& a : {happy_tired, unhappy_rested, empty, jailed}) {
    auto o = engine().offload(tenant(), a.id);
    ASSERT_TRUE(o.ok()) << a.label;
    EXPECT_FALSE(o->has_value()) << a.label;
  }
  EXPECT_FALSE(engine().offload(tenant(), core::new_uuid()).ok());
}

TEST_F(EngineTest, ClashingGoalIdsAreRenamedNotMerged) {
  Agent root = spawn("root", {}, {}, fresh(0.9));
  Agent t = spawn("t", root.id, {{"patrol", 0.5, 1}, {"patrol@x", 0.2, 2}}, tired());
  Agent p = spawn("p", root.id, {{"patrol", 0.7, 3}}, fresh(0.0));
  auto o = engine().offload(tenant(), t.id);
  ASSERT_TRUE(o.ok() && o->has_value());
  auto goals = get(p.id).goals;
  ASSERT_EQ(goals.size(), 3u);
  EXPECT_EQ(goals[0].id, "patrol");
  EXPECT_EQ(goals[0].weight, 0.7);
  EXPECT_EQ(goals[1].id, "patrol@" + t.id);
  EXPECT_EQ(goals[1].weight, 0.5);
  EXPECT_EQ(goals[2].id, "patrol@x");
}

TEST_F(EngineTest, AnExhaustingHeartbeatTriggersTheOffload) {
  Agent root = spawn("root", {}, {}, fresh(0.2));
  Agent w = spawn("worker", root.id, {{"g", 0.5, 1}});
  Agent peer = spawn("peer", root.id, {}, fresh(0.1));
  auto r = engine().heartbeat(tenant(), Heartbeat{w.id, exhausted(), {}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_TRUE(should_offload(r->emotion)) << core::to_json(to_value(r->emotion));
  ASSERT_TRUE(r->offload.has_value());
  EXPECT_EQ(r->offload->to, peer.id);
  EXPECT_EQ(get(peer.id).goals.size(), 1u);
  EXPECT_TRUE(get(w.id).goals.empty());
  // A second exhausting heartbeat has nothing left to give.
  r = engine().heartbeat(tenant(), Heartbeat{w.id, exhausted(), {}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->offload.has_value());
}

TEST_F(EngineTest, TransferRefusalsChangeNothing) {
  Agent a = spawn("a", {}, {{"g", 0.5, 1}}, tired());
  Agent b = spawn("b", {}, {}, fresh(0.0));
  auto same = store_->transfer_goals(tenant(), a.id, a.id, {});
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().code, "invalid_argument");
  auto missing = store_->transfer_goals(
      tenant(), a.id, core::new_uuid(),
      [](auto&, auto&, auto&) { return std::pair<registry::NewEvent, registry::NewEvent>{}; });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
  EXPECT_EQ(missing.error().where, "to");
  auto refused = store_->transfer_goals(
      tenant(), a.id, b.id,
      [](auto&, auto&, auto&) -> core::Result<std::pair<registry::NewEvent, registry::NewEvent>> {
        return core::make_error("conflict", "no");
      });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(get(a.id).goals.size(), 1u);
  EXPECT_TRUE(get(b.id).goals.empty());
  EXPECT_TRUE(store_->list_events(tenant(), a.id, {})->items.empty());
}

// Many tired agents offloading at once, while heartbeats change who is tired
// and who may receive: every goal ends up on exactly one agent.
TEST_F(EngineTest, ConcurrentOffloadsConserveGoals) {
  Agent root = spawn("root", {}, {}, fresh(0.0));
  std::vector<Agent> team;
  std::multiset<std::string> all_goals;
  for (int i = 0; i < 24; ++i) {
    std::vector<Goal> goals;
    for (int g = 0; g < 5; ++g) {
      goals.push_back({"a" + std::to_string(i) + "-g" + std::to_string(g), 0.5, 10});
      all_goals.insert(goals.back().id);
    }
    // Shared ids across agents too, to exercise renaming under contention.
    goals.push_back({"shared", 0.1, 1});
    all_goals.insert("shared");
    Agent parent_or_root = i < 12 ? root : team[i % 12];
    team.push_back(spawn("t" + std::to_string(i), parent_or_root.id, goals,
                         i % 2 ? tired() : fresh(0.1 * (i % 7))));
  }

  std::atomic<int> offloads{0}, errors{0};
  Engine& eng = engine();  // created before the threads share it
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int round = 0; round < 150; ++round) {
        const Agent& a = team[rng() % team.size()];
        if (rng() % 3 == 0) {
          // Flip the agent between exhausted and healthy by heartbeat.
          auto r =
              eng.heartbeat(tenant(), Heartbeat{a.id, rng() % 2 ? exhausted() : healthy(), {}});
          if (!r.ok())
            ++errors;
          else if (r->offload)
            ++offloads;
        } else {
          auto o = engine().offload(tenant(), a.id);
          if (!o.ok())
            ++errors;
          else if (*o)
            ++offloads;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors, 0);
  EXPECT_GT(offloads, 0);

  std::multiset<std::string> now;
  std::set<std::pair<std::string, std::string>> per_agent;
  for (const Agent& a : team) {
    for (const Goal& g : get(a.id).goals) {
      EXPECT_TRUE(per_agent.insert({a.id, g.id}).second) << "duplicate id on one agent";
      // Strip renames ("id@from", "id@from.2") back to the original id.
      now.insert(g.id.substr(0, g.id.find('@')));
    }
  }
  for (const Goal& g : get(root.id).goals) now.insert(g.id.substr(0, g.id.find('@')));
  EXPECT_EQ(now, all_goals);
  EXPECT_EQ(events_of("agent.offload").size(), static_cast<size_t>(offloads.load()));
}

}  // namespace
}  // namespace genesis::emotion
