// Registry: the one path every change of the fleet takes. It validates, writes
// through the Store in one transaction, and only after the commit publishes the
// change on the event bus ("agent.spawn", "agent.move", "agent.update",
// "agent.delete", "cognition"), so subscribers never see what is not durable.
//
// Thread safety: all methods may be called from any thread. Events are
// published from the store's commit hook, so bus order equals commit order
// while concurrent writers still share commits.
#pragma once

#include <functional>
#include <mutex>

#include "mesh/mesh.h"
#include "registry/registry.h"

namespace genesis::registry {

class Registry {
 public:
  Registry(Store& store, mesh::EventBus& bus) : store_(store), bus_(bus) {}

  Store& store() { return store_; }
  mesh::EventBus& bus() { return bus_; }

  core::Result<std::vector<Agent>> spawn(const std::string& tenant, std::span<const NewAgent> agents);
  core::Result<Agent> spawn_one(const std::string& tenant, const NewAgent& agent);
  core::Result<Agent> update(const std::string& tenant, const std::string& id, const AgentPatch& patch);
  core::Result<MoveResult> move(const std::string& tenant, const std::string& id,
                                const std::optional<std::string>& new_parent);
  core::Result<std::vector<Agent>> remove(const std::string& tenant, const std::string& id, bool subtree);
  core::Result<std::vector<CognitionEvent>> append_events(const std::string& tenant,
                                                          const std::string& agent_id,
                                                          std::span<const NewEvent> events);

  // A guard that a later component (quarantine, policy) installs to refuse a
  // write before it happens. Returns an error to refuse. Called with the
  // operation name ("spawn", "update", "move", "delete", "events") and the
  // agent concerned (the parent for spawn).
  using WriteGuard = std::function<core::Status(const std::string& tenant, const std::string& op,
                                                const std::string& agent_id)>;
  void add_write_guard(WriteGuard guard);

 private:
  core::Status check_guards(const std::string& tenant, const std::string& op, const std::string& id);

  Store& store_;
  mesh::EventBus& bus_;
  std::vector<WriteGuard> guards_;  // set during start-up, read-only after
};

}  // namespace genesis::registry
