// The emotion engine: heartbeats in, emotions stored and published, tired
// agents' goals handed to fresh peers. The part of src/emotion that sits on
// the registry (Store) and the event bus; emotion.h is the pure model.
//
// Heartbeat stages, in order (Engine::heartbeats):
//   appraise (infer PAD, label, fatigue) -> store (Store::set_emotions, one
//   transaction per batch) -> publish "agent.emotion" -> remember history
//   -> offload check (should_offload and goals held) -> Engine::offload
//
// Offload stages (Engine::offload):
//   re-read the agent -> candidates (siblings, then the rest of its tree; same
//   tenant, live, not quarantined, not fatigued; freshest first) -> for each
//   candidate, Store::transfer_goals, which re-checks both agents inside its
//   transaction -> publish "agent.update" x2, "cognition" x2, "agent.offload".
//
// Thread safety: every method may be called from any thread. Concurrent
// heartbeat() callers share store transactions (group commit): the first
// waiting caller commits the batch for all of them.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "emotion/emotion.h"
#include "mesh/mesh.h"
#include "registry/service.h"

namespace genesis::emotion {

struct EngineOptions {
  size_t max_batch = 1024;        // heartbeats per store transaction (group commit)
  size_t history = 32;            // readings kept per agent, newest last
  size_t max_candidates = 10000;  // agents examined when choosing a receiver
  // An agent whose policy is "quarantine" is always quarantined; this adds
  // other rules (e.g. the detector's). Quarantined agents neither give nor take goals.
  std::function<bool(const registry::Agent&)> quarantined;
};

struct Heartbeat {
  std::string agent_id;
  Telemetry telemetry;
  std::optional<int64_t> ts_ms;  // defaults to now
};

// A committed offload: every goal `from` held now sits on `to`.
struct Offload {
  std::string from;
  std::string to;
  std::vector<registry::Goal> goals;  // as they arrived on `to` (renamed on an id clash)
  bool sibling = false;               // `to` was a sibling (else elsewhere in the tree)
};
core::Value to_value(const Offload& o);

struct HeartbeatResult {
  std::string agent_id;
  Emotion emotion;
  int64_t ts_ms = 0;
  std::optional<Offload> offload;
};
// {"agent_id","emotion":{...},"ts","offload":null|{...}}
core::Value to_value(const HeartbeatResult& r);

struct Reading {
  int64_t ts_ms = 0;
  Emotion emotion;
};

class Engine {
 public:
  // `registry` and `model` must outlive the engine. Every write goes through
  // the registry (acting as the emotion engine), so its guards apply: a
  // quarantined agent's heartbeat is refused (forbidden) and it neither gives
  // nor takes goals.
  Engine(registry::Registry& registry, const Model& model, EngineOptions options = {});

  // One validated heartbeat; returns once the emotion is durable and published
  // (and any offload it triggered is committed). Errors: not_found (no live
  // agent with that id in the tenant), unavailable (storage).
  core::Result<HeartbeatResult> heartbeat(const std::string& tenant, Heartbeat hb);

  // A batch in one transaction; results per heartbeat, in order. A storage
  // failure fails every item.
  std::vector<core::Result<HeartbeatResult>> heartbeats(const std::string& tenant,
                                                        std::span<const Heartbeat> batch);

  // Moves the agent's goals to the freshest eligible peer when the seed's
  // should_offload holds for its stored emotion and it holds goals. nullopt:
  // nothing to do (not tired, no goals, quarantined, no eligible peer).
  // Errors: not_found, unavailable.
  core::Result<std::optional<Offload>> offload(const std::string& tenant,
                                               const std::string& agent_id);

  // The last readings this engine processed for the agent (oldest first). Kept
  // in memory since the daemon started; not shared between nodes.
  std::vector<Reading> history(const std::string& tenant, const std::string& agent_id) const;

  struct Stats {
    uint64_t heartbeats = 0;  // stored
    uint64_t offloads = 0;    // committed
    uint64_t batches = 0;     // store transactions for heartbeats
  };
  Stats stats() const;

 private:
  struct Pending;
  bool is_quarantined(const registry::Agent& a) const;
  core::Result<std::vector<registry::Agent>> candidates(const std::string& tenant,
                                                        const registry::Agent& giver,
                                                        size_t& sibling_count);
  void remember(const std::string& tenant, const std::string& agent_id, const Reading& r);

  registry::Registry& registry_;
  registry::Store& store_;  // reads
  mesh::EventBus& bus_;     // the engine's own events: agent.emotion, agent.offload
  const Model& model_;
  EngineOptions options_;

  // Group commit: guarded by queue_mu_.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending*> queue_;
  bool committing_ = false;

  mutable std::mutex history_mu_;  // guards history_ and stats_; never held with queue_mu_
  std::unordered_map<std::string, std::deque<Reading>> history_;  // key: tenant + '/' + id
  Stats stats_;
};

}  // namespace genesis::emotion
