#include "registry/service.h"

namespace genesis::registry {

using core::Result;
using core::Status;

const char* Actor::name() const {
  switch (kind) {
    case Kind::kClient: return "client";
    case Kind::kDetector: return "detector";
    case Kind::kEmotion: return "emotion";
  }
  return "client";
}

void Registry::add_write_guard(WriteGuard guard) { guards_.push_back(std::move(guard)); }

Status Registry::check_guards(const std::string& tenant, const std::string& op, const std::string& id,
                              const Actor& actor) {
  for (const auto& g : guards_)
    if (auto s = g(tenant, op, id, actor); !s) return s;
  return {};
}

namespace {
core::Value move_json(const MoveResult& r) {
  core::Value data = agent_to_json(r.agent);
  data.set("old_path", r.old_path);
  data.set("subtree_size", r.subtree_size);
  return data;
}
}  // namespace

Result<std::vector<Agent>> Registry::spawn(const std::string& tenant, std::span<const NewAgent> agents,
                                           const Actor& actor) {
  for (const NewAgent& a : agents)
    if (a.parent_id)
      if (auto s = check_guards(tenant, "spawn", *a.parent_id, actor); !s) return s.error();
  return store_.spawn(tenant, agents, [&](const std::vector<Agent>& spawned) {
    for (const Agent& a : spawned) bus_.publish("agent.spawn", tenant, agent_to_json(a));
  });
}

Result<Agent> Registry::spawn_one(const std::string& tenant, const NewAgent& agent, const Actor& actor) {
  auto r = spawn(tenant, std::span<const NewAgent>(&agent, 1), actor);
  if (!r) return r.error();
  return std::move(r->front());
}

Result<Agent> Registry::update(const std::string& tenant, const std::string& id, const AgentPatch& patch,
                               const Actor& actor) {
  if (auto s = check_guards(tenant, "update", id, actor); !s) return s.error();
  return store_.update(tenant, id, patch,
                       [&](const Agent& a) { bus_.publish("agent.update", tenant, agent_to_json(a)); });
}

Result<MoveResult> Registry::move(const std::string& tenant, const std::string& id,
                                  const std::optional<std::string>& new_parent, const Actor& actor) {
  if (auto s = check_guards(tenant, "move", id, actor); !s) return s.error();
  return store_.move(tenant, id, new_parent,
                     [&](const MoveResult& r) { bus_.publish("agent.move", tenant, move_json(r)); });
}

Result<std::vector<Agent>> Registry::remove(const std::string& tenant, const std::string& id, bool subtree,
                                            const Actor& actor) {
  if (auto s = check_guards(tenant, "delete", id, actor); !s) return s.error();
  return store_.remove(tenant, id, subtree, core::now_ms(), [&](const std::vector<Agent>& removed) {
    for (const Agent& a : removed) bus_.publish("agent.delete", tenant, agent_to_json(a));
  });
}

Result<std::vector<CognitionEvent>> Registry::append_events(const std::string& tenant,
                                                            const std::string& agent_id,
                                                            std::span<const NewEvent> events,
                                                            const Actor& actor) {
  if (auto s = check_guards(tenant, "events", agent_id, actor); !s) return s.error();
  return store_.append_events(tenant, agent_id, events, [&](const std::vector<CognitionEvent>& stored) {
    for (const CognitionEvent& e : stored) bus_.publish("cognition", tenant, event_to_json(e));
  });
}

Result<EmotionWrite> Registry::set_emotions(const std::string& tenant,
                                            std::span<const EmotionUpdate> updates, const Actor& actor,
                                            const std::function<void(const EmotionWrite&)>& on_commit) {
  EmotionWrite out;
  out.results.resize(updates.size());
  out.refused.resize(updates.size());
  std::vector<EmotionUpdate> allowed;
  std::vector<size_t> where;  // allowed[k] is updates[where[k]]
  allowed.reserve(updates.size());
  for (size_t i = 0; i < updates.size(); ++i) {
    if (auto s = check_guards(tenant, "emotion", updates[i].agent_id, actor); !s) {
      out.refused[i] = s.error();
      continue;
    }
    allowed.push_back(updates[i]);
    where.push_back(i);
  }
  if (allowed.empty()) {
    if (on_commit) on_commit(out);
    return out;
  }
  auto stored = store_.set_emotions(tenant, allowed, [&](const std::vector<EmotionUpdateResult>& r) {
    for (size_t k = 0; k < r.size(); ++k) out.results[where[k]] = r[k];
    if (on_commit) on_commit(out);
  });
  if (!stored) return stored.error();
  return out;
}

Result<GoalTransfer> Registry::transfer_goals(const std::string& tenant, const std::string& from,
                                              const std::string& to, const TransferPlan& plan,
                                              const Actor& actor, const OnCommit<GoalTransfer>& on_commit) {
  // Refusals name the side they concern, as the store's errors do.
  auto located = [](core::Error e, const char* side) {
    e.where = e.where.empty() ? side : std::string(side) + "." + e.where;
    return e;
  };
  if (auto s = check_guards(tenant, "give_goals", from, actor); !s) return located(s.error(), "from");
  if (auto s = check_guards(tenant, "take_goals", to, actor); !s) return located(s.error(), "to");
  return store_.transfer_goals(tenant, from, to, plan, [&](const GoalTransfer& t) {
    bus_.publish("agent.update", tenant, agent_to_json(t.from));
    bus_.publish("agent.update", tenant, agent_to_json(t.to));
    for (const auto& e : t.events) bus_.publish("cognition", tenant, event_to_json(e));
    if (on_commit) on_commit(t);
  });
}

// ---- Unit ----

Status Registry::transact(const std::string& tenant, const Actor& actor,
                          const std::function<Status(Unit&)>& body) {
  std::vector<std::function<void()>> effects;
  Status s = store_.transact(
      tenant,
      [&](Transaction& tx) -> Status {
        Unit unit(*this, tx, actor, core::now_ms());
        Status r = body(unit);
        if (r) effects = std::move(unit.effects_);
        return r;
      },
      [&] {
        for (auto& e : effects) e();
      });
  return s;
}

void Registry::Unit::publish(std::string type, core::Value data) {
  effects_.push_back([type = std::move(type), data = std::move(data), &bus = reg_.bus_,
                      tenant = tx_.tenant()]() mutable { bus.publish(type, tenant, std::move(data)); });
}

void Registry::Unit::after_commit(std::function<void()> fn) { effects_.push_back(std::move(fn)); }

Result<std::vector<Agent>> Registry::Unit::spawn(std::span<const NewAgent> agents) {
  for (const NewAgent& a : agents)
    if (a.parent_id)
      if (auto s = reg_.check_guards(tenant(), "spawn", *a.parent_id, actor_); !s) return s.error();
  auto r = tx_.spawn(agents);
  if (r)
    for (const Agent& a : *r) publish("agent.spawn", agent_to_json(a));
  return r;
}

Result<Agent> Registry::Unit::spawn_one(const NewAgent& agent) {
  auto r = spawn(std::span<const NewAgent>(&agent, 1));
  if (!r) return r.error();
  return std::move(r->front());
}

Result<MoveResult> Registry::Unit::move(const std::string& id, const std::optional<std::string>& new_parent) {
  if (auto s = reg_.check_guards(tenant(), "move", id, actor_); !s) return s.error();
  auto r = tx_.move(id, new_parent);
  if (r) publish("agent.move", move_json(*r));
  return r;
}

Result<std::vector<Agent>> Registry::Unit::remove(const std::string& id, bool subtree) {
  if (auto s = reg_.check_guards(tenant(), "delete", id, actor_); !s) return s.error();
  auto r = tx_.remove(id, subtree, now_);
  if (r)
    for (const Agent& a : *r) publish("agent.delete", agent_to_json(a));
  return r;
}

Result<std::vector<CognitionEvent>> Registry::Unit::append_events(const std::string& agent_id,
                                                                  std::span<const NewEvent> events) {
  if (auto s = reg_.check_guards(tenant(), "events", agent_id, actor_); !s) return s.error();
  auto r = tx_.append_events(agent_id, events);
  if (r)
    for (const CognitionEvent& e : *r) publish("cognition", event_to_json(e));
  return r;
}

Result<Agent> Registry::Unit::get(const std::string& id, bool include_deleted) {
  return tx_.get(id, include_deleted);
}

Result<Page<Agent>> Registry::Unit::list(const AgentQuery& query) { return tx_.list(query); }

Result<Page<CognitionEvent>> Registry::Unit::list_events(const std::string& agent_id,
                                                         const EventQuery& query) {
  return tx_.list_events(agent_id, query);
}

}  // namespace genesis::registry
