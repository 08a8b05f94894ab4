#include "registry/service.h"

namespace genesis::registry {

using core::Result;
using core::Status;

void Registry::add_write_guard(WriteGuard guard) { guards_.push_back(std::move(guard)); }

Status Registry::check_guards(const std::string& tenant, const std::string& op, const std::string& id) {
  for (const auto& g : guards_)
    if (auto s = g(tenant, op, id); !s) return s;
  return {};
}

Result<std::vector<Agent>> Registry::spawn(const std::string& tenant, std::span<const NewAgent> agents) {
  for (const NewAgent& a : agents)
    if (a.parent_id)
      if (auto s = check_guards(tenant, "spawn", *a.parent_id); !s) return s.error();
  return store_.spawn(tenant, agents, [&](const std::vector<Agent>& spawned) {
    for (const Agent& a : spawned) bus_.publish("agent.spawn", tenant, agent_to_json(a));
  });
}

Result<Agent> Registry::spawn_one(const std::string& tenant, const NewAgent& agent) {
  auto r = spawn(tenant, std::span<const NewAgent>(&agent, 1));
  if (!r) return r.error();
  return std::move(r->front());
}

Result<Agent> Registry::update(const std::string& tenant, const std::string& id, const AgentPatch& patch) {
  if (auto s = check_guards(tenant, "update", id); !s) return s.error();
  return store_.update(tenant, id, patch,
                       [&](const Agent& a) { bus_.publish("agent.update", tenant, agent_to_json(a)); });
}

Result<MoveResult> Registry::move(const std::string& tenant, const std::string& id,
                                  const std::optional<std::string>& new_parent) {
  if (auto s = check_guards(tenant, "move", id); !s) return s.error();
  return store_.move(tenant, id, new_parent, [&](const MoveResult& r) {
    core::Value data = agent_to_json(r.agent);
    data.set("old_path", r.old_path);
    data.set("subtree_size", r.subtree_size);
    bus_.publish("agent.move", tenant, std::move(data));
  });
}

Result<std::vector<Agent>> Registry::remove(const std::string& tenant, const std::string& id, bool subtree) {
  if (auto s = check_guards(tenant, "delete", id); !s) return s.error();
  return store_.remove(tenant, id, subtree, now_ms(), [&](const std::vector<Agent>& removed) {
    for (const Agent& a : removed) bus_.publish("agent.delete", tenant, agent_to_json(a));
  });
}

Result<std::vector<CognitionEvent>> Registry::append_events(const std::string& tenant,
                                                            const std::string& agent_id,
                                                            std::span<const NewEvent> events) {
  if (auto s = check_guards(tenant, "events", agent_id); !s) return s.error();
  return store_.append_events(tenant, agent_id, events, [&](const std::vector<CognitionEvent>& stored) {
    for (const CognitionEvent& e : stored) bus_.publish("cognition", tenant, event_to_json(e));
  });
}

}  // namespace genesis::registry
