// DetectStore: where the detection pipeline keeps what it decided — detections,
// counter-agents, containments (egress denial, quarantine), response actions,
// evidence and egress decisions. Internal to src/detect.
//
// The embedded implementation is SQLite: its own connections to the same file
// as the registry (WAL lets them all work), its own tables. Every write is atomic
// and durable when it returns; concurrent writes share one commit (group
// commit). Reads of a file store use a read-only connection and see only what
// is committed.
//
// Thread safety: all methods may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace genesis::detect {

struct Detection {
  std::string id;
  std::string tenant_id;
  std::string agent_id;
  std::string technique;
  std::string tactic;
  std::vector<std::string> rules;
  core::Value event;  // the normalized telemetry event that matched
  int64_t ts_ms = 0;  // when it was detected
  std::optional<std::string> counter_agent_id;

  core::Value to_json() const;
};

struct DetectionQuery {
  std::optional<std::string> agent_id;
  std::optional<std::string> technique;  // exact, or a parent: "T1055" also matches "T1055.001"
  std::optional<int64_t> since_ms;       // inclusive
  std::optional<int64_t> until_ms;       // exclusive
  size_t limit = 100;
  std::optional<std::string> cursor;  // from a previous page
};

struct CounterAgentRecord {
  std::string id;  // the registry agent id of the counter-agent
  std::string tenant_id;
  std::string agent_id;   // the affected agent (its parent)
  std::string technique;  // the playbook's technique
  std::string detection_id;
  std::string image;
  std::string policy;
  core::Value sandbox;  // {"network": false, "filesystem": false, "max_memory_bytes": 67108864}
  int64_t created_at_ms = 0;

  core::Value to_json() const;
};

// A restriction the response stage put on an agent.
struct Containment {
  std::string tenant_id;
  std::string agent_id;
  std::string kind;  // "deny:egress" or "quarantine"
  std::string counter_agent_id;
  std::string technique;
  int64_t since_ms = 0;
  int64_t until_ms = 0;
};

struct ActionRecord {
  std::string tenant_id;
  std::string counter_agent_id;
  std::string agent_id;
  std::string detection_id;
  std::string action;  // goal id: block-dns, kill-process, ...
  std::string status;  // "done" or "failed"
  core::Value detail;
  int64_t ts_ms = 0;

  core::Value to_json() const;
};

struct Evidence {
  std::string id;
  std::string tenant_id;
  std::string agent_id;
  std::string detection_id;
  std::string counter_agent_id;
  core::Value snapshot;  // {"agent": {...}, "mem_state": {...}, "events": [...]}
  int64_t ts_ms = 0;

  core::Value to_json() const;
};

struct Decision {
  std::string tenant_id;
  std::string agent_id;
  std::string subject;   // "telemetry" or "mesh:<type>"
  std::string decision;  // "deny"
  std::string reason;
  int64_t ts_ms = 0;

  core::Value to_json() const;
};

// Everything one counter-agent's response leaves behind, written together.
struct ResponseRecord {
  CounterAgentRecord counter_agent;
  std::vector<Containment> containments;
  std::vector<Evidence> evidence;
  std::vector<ActionRecord> actions;
};

class DetectStore {
 public:
  virtual ~DetectStore() = default;
  virtual core::Status add_detections(const std::vector<Detection>& detections) = 0;
  virtual core::Status set_counter_agent(const std::string& tenant, const std::string& detection_id,
                                         const std::string& counter_agent_id) = 0;
  virtual core::Result<Detection> get_detection(const std::string& tenant, const std::string& id) = 0;
  // Newest first.
  virtual core::Result<std::pair<std::vector<Detection>, std::optional<std::string>>> list_detections(
      const std::string& tenant, const DetectionQuery& query) = 0;

  // Records the counter-agent, links its detection to it and stores its
  // containments, evidence and actions: all or nothing.
  virtual core::Status record_response(const ResponseRecord& response) = 0;
  virtual core::Result<std::vector<CounterAgentRecord>> counter_agents(const std::string& tenant,
                                                                       const std::string& agent_id) = 0;
  // Every containment still in force at `now_ms` (all tenants), for start-up.
  virtual core::Result<std::vector<Containment>> active_containments(int64_t now_ms) = 0;
  virtual core::Result<std::vector<ActionRecord>> actions(const std::string& tenant,
                                                          const std::string& detection_id) = 0;
  virtual core::Result<std::vector<Evidence>> evidence(const std::string& tenant,
                                                       const std::string& agent_id) = 0;
  virtual core::Status add_decision(const Decision& d) = 0;
  virtual core::Result<std::vector<Decision>> decisions(const std::string& tenant,
                                                        const std::string& agent_id) = 0;
};

// "sqlite:PATH" (":memory:" for a private one). Creates the tables if needed.
core::Result<std::unique_ptr<DetectStore>> open_detect_store(const std::string& url);

}  // namespace genesis::detect
