// The Registry: guards see who acts; units commit and publish as one.
#include <gtest/gtest.h>

#include "registry/service.h"

namespace genesis::registry {
namespace {

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_sqlite_store(":memory:").value();
    reg_ = std::make_unique<Registry>(*store_, bus_);
    sub_ = bus_.subscribe([this](const mesh::Event& e) { seen_.push_back(e.type); });
  }

  Agent spawn(const std::string& label, std::optional<std::string> parent = {}) {
    NewAgent n;
    n.label = label;
    n.parent_id = std::move(parent);
    n.goals = {{"g-" + label, 0.5, 60}};
    return reg_->spawn_one(kDefaultTenant, n).value();
  }

  mesh::EventBus bus_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> reg_;
  std::unique_ptr<mesh::EventBus::Subscription> sub_;
  std::vector<std::string> seen_;
};

TEST_F(RegistryTest, GuardsSeeWhoActs) {
  Agent jailed = spawn("jailed");
  Agent free = spawn("free");
  reg_->add_write_guard([&](const std::string&, const std::string& op, const std::string& id,
                            const Actor& actor) -> core::Status {
    if (id == jailed.id && actor.kind != Actor::Kind::kDetector && op != "delete")
      return core::make_error(core::code::kForbidden, op + " refused for " + actor.name());
    return {};
  });
  AgentPatch p;
  p.policy = "x";
  EXPECT_EQ(reg_->update(kDefaultTenant, jailed.id, p).error().code, core::code::kForbidden);
  EXPECT_TRUE(reg_->update(kDefaultTenant, jailed.id, p, Actor::detector()).ok());
  EXPECT_TRUE(reg_->update(kDefaultTenant, free.id, p).ok());

  // Emotion: the refused update is not written, the others are.
  std::vector<EmotionUpdate> ups = {{jailed.id, Emotion{0.1, 0.9, 0.1, "ANXIOUS", 0.9}},
                                    {free.id, Emotion{0.9, 0.5, 0.5, "HAPPY", 0.0}}};
  auto w = reg_->set_emotions(kDefaultTenant, ups, Actor::emotion());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w->refused[0].has_value());
  EXPECT_NE(w->refused[0]->message.find("emotion refused for emotion"), std::string::npos);
  EXPECT_FALSE(w->results[0].updated);
  EXPECT_TRUE(w->results[1].updated);
  EXPECT_EQ(store_->get(kDefaultTenant, jailed.id)->emotion.label, "NEUTRAL");
  EXPECT_EQ(store_->get(kDefaultTenant, free.id)->emotion.label, "HAPPY");

  // Goals: the jailed agent neither gives nor takes.
  TransferPlan plan = [](const Agent&, const Agent&, const std::vector<Goal>&)
      -> core::Result<std::pair<NewEvent, NewEvent>> { return std::pair{NewEvent{}, NewEvent{}}; };
  auto give = reg_->transfer_goals(kDefaultTenant, jailed.id, free.id, plan, Actor::emotion());
  EXPECT_EQ(give.error().code, core::code::kForbidden);
  EXPECT_EQ(give.error().where, "from");
  auto take = reg_->transfer_goals(kDefaultTenant, free.id, jailed.id, plan, Actor::emotion());
  EXPECT_EQ(take.error().where, "to");
  EXPECT_EQ(store_->get(kDefaultTenant, jailed.id)->goals.size(), 1u);
  EXPECT_EQ(store_->get(kDefaultTenant, free.id)->goals.size(), 1u);
  // Ending it stays possible.
  EXPECT_TRUE(reg_->remove(kDefaultTenant, jailed.id, false).ok());
}

TEST_F(RegistryTest, AUnitPublishesInOrderOnlyOnceCommitted) {
  Agent a = spawn("a");
  seen_.clear();
  std::vector<std::string> during;
  auto ok = reg_->transact(kDefaultTenant, Actor::detector(), [&](Registry::Unit& u) -> core::Status {
    u.publish("detection", core::Value::object());
    NewAgent n;
    n.label = "counter";
    n.parent_id = a.id;
    auto c = u.spawn_one(n);
    if (!c) return c.error();
    NewEvent e;
    if (auto ev = u.append_events(c->id, std::span<const NewEvent>(&e, 1)); !ev) return ev.error();
    u.after_commit([&] { during = seen_; });
    u.publish("alert", core::Value::object());
    EXPECT_TRUE(seen_.empty());  // nothing before the commit
    return {};
  });
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(seen_, (std::vector<std::string>{"detection", "agent.spawn", "cognition", "alert"}));
  EXPECT_EQ(during, (std::vector<std::string>{"detection", "agent.spawn", "cognition"}));

  seen_.clear();
  auto failed = reg_->transact(kDefaultTenant, Actor::detector(), [&](Registry::Unit& u) -> core::Status {
    NewAgent n;
    n.label = "ghost";
    if (auto c = u.spawn_one(n); !c) return c.error();
    u.publish("detection", core::Value::object());
    return core::make_error(core::code::kUnavailable, "lost");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_TRUE(seen_.empty());
  AgentQuery q;
  q.label = "ghost";
  EXPECT_TRUE(store_->list(kDefaultTenant, q)->items.empty());
}

}  // namespace
}  // namespace genesis::registry
