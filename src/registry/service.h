// Registry: the one path every change of agent state takes. It checks the write
// guards (with who is acting), writes through the Store in one transaction, and
// only after the commit publishes the change on the event bus ("agent.spawn",
// "agent.move", "agent.update", "agent.delete", "cognition"), so subscribers
// never see what is not durable. Emotion updates and goal transfers (src/emotion)
// and the detector's responses (src/detect) go through it too.
//
// Thread safety: all methods may be called from any thread. Events are
// published from the store's commit hook, so bus order equals commit order
// while concurrent writers still share commits.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mesh/mesh.h"
#include "registry/registry.h"

namespace genesis::registry {

// Who is writing. The guards decide by it: a quarantine refuses a client's
// writes for the agent but not the detector's response to it.
struct Actor {
  enum class Kind { kClient, kDetector, kEmotion };
  Kind kind = Kind::kClient;

  static Actor client() { return {Kind::kClient}; }
  static Actor detector() { return {Kind::kDetector}; }
  static Actor emotion() { return {Kind::kEmotion}; }
  const char* name() const;
};

// The operations guards see: "spawn" (agent = the parent), "update", "move",
// "delete", "events", "emotion", "give_goals", "take_goals".
using WriteGuard = std::function<core::Status(const std::string& tenant, const std::string& op,
                                              const std::string& agent_id, const Actor& actor)>;

// Goal transfer results as the registry committed them (GoalTransfer) plus
// which update results were refused by a guard.
struct EmotionWrite {
  std::vector<EmotionUpdateResult> results;       // per update, in order
  std::vector<std::optional<core::Error>> refused;  // per update: the guard's error, if any
};

class Registry {
 public:
  Registry(Store& store, mesh::EventBus& bus) : store_(store), bus_(bus) {}

  Store& store() { return store_; }
  mesh::EventBus& bus() { return bus_; }

  core::Result<std::vector<Agent>> spawn(const std::string& tenant, std::span<const NewAgent> agents,
                                         const Actor& actor = Actor::client());
  core::Result<Agent> spawn_one(const std::string& tenant, const NewAgent& agent,
                                const Actor& actor = Actor::client());
  core::Result<Agent> update(const std::string& tenant, const std::string& id, const AgentPatch& patch,
                             const Actor& actor = Actor::client());
  core::Result<MoveResult> move(const std::string& tenant, const std::string& id,
                                const std::optional<std::string>& new_parent,
                                const Actor& actor = Actor::client());
  // Without `subtree`, an agent with live children is refused (conflict).
  core::Result<std::vector<Agent>> remove(const std::string& tenant, const std::string& id, bool subtree,
                                          const Actor& actor = Actor::client());
  core::Result<std::vector<CognitionEvent>> append_events(const std::string& tenant,
                                                          const std::string& agent_id,
                                                          std::span<const NewEvent> events,
                                                          const Actor& actor = Actor::client());

  // Emotions of many agents in one transaction (heartbeat batches). An update a
  // guard refuses is not written (refused[i] says why); `on_commit` gets the
  // store's results once durable (for the caller's own events).
  core::Result<EmotionWrite> set_emotions(
      const std::string& tenant, std::span<const EmotionUpdate> updates, const Actor& actor,
      const std::function<void(const EmotionWrite&)>& on_commit = {});
  // Store::transfer_goals behind the guards ("give_goals" on `from`, "take_goals"
  // on `to`); publishes agent.update for both and their cognition events, then
  // calls `on_commit`.
  core::Result<GoalTransfer> transfer_goals(const std::string& tenant, const std::string& from,
                                            const std::string& to, const TransferPlan& plan,
                                            const Actor& actor,
                                            const OnCommit<GoalTransfer>& on_commit = {});

  // Several writes as one transaction. The Unit applies the guards to each
  // registry write, gives the caller's own tables (detections, responses)
  // through tables(), and collects what to publish: once the whole unit is
  // durable, everything it published goes on the bus in order. An error from
  // `body` (or from the commit) abandons every write and publishes nothing.
  class Unit {
   public:
    core::Result<std::vector<Agent>> spawn(std::span<const NewAgent> agents);
    core::Result<Agent> spawn_one(const NewAgent& agent);
    core::Result<MoveResult> move(const std::string& id, const std::optional<std::string>& new_parent);
    core::Result<std::vector<Agent>> remove(const std::string& id, bool subtree);
    core::Result<std::vector<CognitionEvent>> append_events(const std::string& agent_id,
                                                            std::span<const NewEvent> events);
    // Reads, seeing the unit's own writes.
    core::Result<Agent> get(const std::string& id, bool include_deleted = false);
    core::Result<Page<Agent>> list(const AgentQuery& query);
    core::Result<Page<CognitionEvent>> list_events(const std::string& agent_id, const EventQuery& query);
    // The other tables of the same transaction.
    Transaction& tables() { return tx_; }
    // Published after the commit, in the order of the calls.
    void publish(std::string type, core::Value data);
    // Runs after the commit, after the events before it were published.
    void after_commit(std::function<void()> fn);
    const std::string& tenant() const { return tx_.tenant(); }

   private:
    friend class Registry;
    Unit(Registry& r, Transaction& tx, const Actor& actor, int64_t now)
        : reg_(r), tx_(tx), actor_(actor), now_(now) {}
    Registry& reg_;
    Transaction& tx_;
    const Actor& actor_;
    int64_t now_;
    std::vector<std::function<void()>> effects_;  // in order: publishes and callbacks
  };
  core::Status transact(const std::string& tenant, const Actor& actor,
                        const std::function<core::Status(Unit&)>& body);

  // A guard that a later component (quarantine, policy) installs to refuse a
  // write before it happens. Returns an error to refuse. Set during start-up.
  void add_write_guard(WriteGuard guard);

 private:
  core::Status check_guards(const std::string& tenant, const std::string& op, const std::string& id,
                            const Actor& actor);

  Store& store_;
  mesh::EventBus& bus_;
  std::vector<WriteGuard> guards_;  // set during start-up, read-only after
};

}  // namespace genesis::registry
