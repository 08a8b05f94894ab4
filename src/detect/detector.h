// The detector: telemetry in, ATT&CK detections and counter-agents out.
//
// Pipeline, one named stage each, in this order for every event:
//   decode    NDJSON / JSON body -> events                 (telemetry.h)
//   validate  schema, known live agent                      (telemetry.h, registry)
//   gate      egress telemetry of an egress-denied agent -> "deny" decision, stops here
//   evaluate  data.mitre.detections on the event            (evaluator.h), and the
//             Sigma rules beside it                          (sigma_stage.h)
//   record    one detection per technique found
//   respond   playbook -> counter-agent child of the agent (at most one live per
//             agent and technique) -> its goals carried out
//   broadcast "detection", "counter_agent.spawn", "alert", "decision" on the event bus
// record, respond and broadcast are one registry transaction (Registry::transact,
// acting as the detector): the detections, counter-agents, containments,
// evidence, actions and cognition events commit together with one fsync, and
// the events are published in commit order once durable — or none of it is.
//
// Goals the response stage carries out (each is an `act` cognition event of the
// counter-agent and a response_action record):
//   forensic-dump  evidence record: the agent, its mem_state, its last cognition events
//   block-dns, block-egress (and policy deny:egress)  the agent's egress telemetry and
//                  mesh messages are denied until the goal's ttl runs out
//   quarantine (and policy quarantine)  the registry refuses the agent's spawns,
//                  updates, moves, cognition events, emotion changes and goal
//                  transfers, and every mesh message of it is denied, until the
//                  ttl runs out
//   alert-soc      "alert" on the bus (the alert stream) and a POST to the webhook
//   kill-process   the agent is soft-deleted; its live children (the counter-agent
//                  too) move up to its parent, as orphaned processes do
//
// Thread safety: ingest() and the other methods may be called from many threads.
// The respond stage runs one at a time per (tenant, agent, technique), so the
// one-live-counter-agent rule holds, and in parallel otherwise.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "detect/catalogue.h"
#include "detect/evaluator.h"
#include "detect/ingest/ingest.h"
#include "detect/playbook.h"
#include "detect/sigma_stage.h"
#include "detect/store.h"
#include "detect/telemetry.h"
#include "mesh/mesh.h"
#include "registry/service.h"

namespace genesis::detect {

// Where alert-soc sends alerts besides the bus. A seam: the webhook in
// production, a recording sink in tests of the detector alone.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // Must not block the caller for long: queue and return.
  virtual void send(const core::Value& alert) = 0;
};

// POSTs each alert as JSON to `url` ("http://host:port/path") from a
// background thread; failures are counted, never retried forever.
class WebhookSink : public AlertSink {
 public:
  explicit WebhookSink(std::string url);
  ~WebhookSink() override;
  void send(const core::Value& alert) override;
  uint64_t delivered() const { return delivered_.load(); }
  uint64_t failed() const { return failed_.load(); }

 private:
  void run();
  std::string server_, target_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> queue_;
  bool stop_ = false;
  std::atomic<uint64_t> delivered_{0}, failed_{0};
  std::thread worker_;
};

struct DetectorOptions {
  std::string catalogue_path;  // empty: default_catalogue_path()
  std::string playbook_dir;    // empty: default_playbook_dir()
  std::string policy_dir;      // empty: default_policy_dir()
  size_t evidence_events = 20;  // cognition events kept by forensic-dump
  std::function<int64_t()> now_ms;  // injected clock; empty: the wall clock
  // Sigma rules run beside the Rego mapping; empty: none (genesisd passes the shipped
  // share/sigma/rules). A detection found only by Sigma raises a counter-agent when a
  // matching rule's level is one of these; otherwise it is recorded only.
  std::string sigma_dir;
  std::vector<std::string> sigma_respond_levels = {"high", "critical"};
};

// What one ingest call did, line by line.
struct IngestResult {
  size_t accepted = 0;
  std::vector<LineError> rejected;
  struct Denied {
    std::size_t line;
    Decision decision;
  };
  std::vector<Denied> denied;
  std::vector<Detection> detections;
  std::vector<CounterAgentRecord> counter_agents;  // spawned by this call
  std::vector<core::Error> response_errors;        // respond-stage failures (detections stay)

  core::Value to_json() const;
};

// Whether modules of `package` ("mitre", "mitre.site", ...) belong to the
// detector's mapping set.
bool is_mapping_package(const std::string& package);

class Detector {
 public:
  // Loads the catalogue, playbooks and policies; installs the quarantine guard
  // on the registry; restores containments still in force from the store.
  static core::Result<std::unique_ptr<Detector>> create(registry::Registry& registry,
                                                       std::unique_ptr<AlertSink> alerts,
                                                       DetectorOptions options = {});

  // decode -> ... -> broadcast for a request body (one JSON event or NDJSON).
  IngestResult ingest(const std::string& tenant, std::string_view body);
  // The same for a body in a sensor's own format (ingest/ingest.h); `agent_id` names the
  // agent for formats that do not carry one.
  IngestResult ingest(const std::string& tenant, std::string_view body, ingest::Format format,
                      const std::string& agent_id);
  // The same for one already-parsed event (the mesh `telemetry` message).
  IngestResult ingest_value(const std::string& tenant, const core::Value& event);

  // Stage by stage, for the benchmark: only evaluate (no writes).
  core::Result<std::vector<Hit>> evaluate(const core::Value& event) const;

  // Whether the agent's egress is denied now; the reason when it is.
  std::optional<std::string> egress_denied(const std::string& tenant, const std::string& agent_id) const;
  std::optional<std::string> quarantined(const std::string& tenant, const std::string& agent_id) const;
  // Records and broadcasts a "deny" decision for a mesh message of a denied
  // agent; returns the forbidden error to answer with, or ok.
  core::Status check_mesh_message(const std::string& tenant, const std::string& agent_id,
                                  const std::string& type);

  const Catalogue& catalogue() const { return catalogue_; }
  std::vector<Playbook> playbooks() const;
  std::optional<Playbook> playbook(const std::string& technique) const;
  // Validates and installs (adds or replaces) a playbook.
  core::Result<Playbook> put_playbook(const core::Value& doc);

  // The running mapping set is the shipped library (policy_dir) plus the
  // user's modules; a user module named like a shipped file replaces it.
  //
  // Compiles the set that `stored` (every stored policy module, any package)
  // would give: the shipped library plus those of package mitre or mitre.*.
  // Returns what installs it; an error (its compile error) changes nothing.
  core::Result<std::function<void()>> prepare_policies(
      const std::map<std::string, std::string>& stored);
  // In-memory changes of the user's modules (tests, embedding); genesisd goes
  // through its policy store instead (prepare_policies). Refused with the
  // compile error, the running set unchanged, when the result does not compile.
  core::Status put_policy(const std::string& name, const std::string& source);
  core::Status delete_policy(const std::string& name);
  // Every module of the running set (shipped and the user's), by name.
  std::map<std::string, std::string> policies() const;
  bool is_shipped_policy(const std::string& name) const { return shipped_policies_.count(name) != 0; }

  // Where detections and responses are kept: the registry's store.
  storage::Store& store() { return registry_.store(); }
  // The Sigma rules in force (null when none). genesisd's start does not wait for the
  // corpus to load; evaluation does: until the rules are in, telemetry waits here.
  std::shared_ptr<const SigmaStage> sigma() const;
  // False while the Sigma rules are still loading (GET /readyz); never waits.
  bool content_loaded() const;
  // Switches that turn Sigma rules off and on (sigma::RuleSelector text, the last
  // that selects a rule decides), kept in the store with the default tenant's data
  // so they survive restarts; each change re-indexes the running rules at once.
  // A selector that does not parse is refused (invalid_argument) before anything
  // is written; switches are kept when Sigma is off and apply once it is on.
  core::Result<std::vector<storage::SigmaSwitch>> sigma_switches();
  core::Result<storage::SigmaSwitch> add_sigma_switch(const std::string& selector, bool enabled);
  core::Status delete_sigma_switch(int64_t id);

 private:
  Detector(registry::Registry& registry, std::unique_ptr<AlertSink> alerts, DetectorOptions options);
  // What a committed response leaves to do outside the store.
  struct Response {
    std::vector<Containment> containments;  // put in force
    std::vector<core::Value> alerts;        // sent to the webhook
  };
  int64_t now() const;
  void run_event(const std::string& tenant, std::size_t line, const core::Value& event,
                 IngestResult& out);
  // The counter-agent records of `agent_id` when it is deleted and a response's
  // kill-process ended it; nullopt otherwise (live, unknown, or deleted by a user).
  std::optional<std::vector<CounterAgentRecord>> ended_by_response(const std::string& tenant,
                                                                   const std::string& agent_id);
  // A detection on an ended agent: linked to the newest counter-agent made for its
  // playbook's technique, if any; nothing is spawned or carried out again.
  core::Status link_ended(registry::Registry::Unit& u, Detection& d,
                          const std::vector<CounterAgentRecord>& records);
  void respond(registry::Registry::Unit& u, Detection& d, std::vector<Response>& responses,
               IngestResult& out);
  void carry_out(registry::Registry::Unit& u, const Playbook& pb, const registry::Agent& counter,
                 const Detection& d, CounterAgentRecord record, std::vector<Response>& responses,
                 IngestResult& out);
  // kill-process; returns where the agent's children went (its parent).
  core::Result<std::optional<std::string>> end_agent(registry::Registry::Unit& u,
                                                     const std::string& agent_id);
  core::Status record_decision(const std::string& tenant, const Decision& d);
  std::shared_ptr<const PolicySet> policy_set() const;
  // The shipped library with `user` on top, compiled.
  core::Result<std::shared_ptr<const PolicySet>> build_with(
      const std::map<std::string, std::string>& user) const;
  void install(std::shared_ptr<const PolicySet> set, std::map<std::string, std::string> user);
  std::map<std::string, std::string> user_policies() const;

  registry::Registry& registry_;
  std::unique_ptr<AlertSink> alerts_;
  DetectorOptions options_;
  Catalogue catalogue_;

  mutable std::mutex playbook_mu_;  // guards playbooks_
  PlaybookSet playbooks_;

  std::map<std::string, std::string> shipped_policies_;  // read at create(), then constant
  mutable std::mutex policy_mu_;  // guards policies_ (the pointer, not the set) and user_policies_
  std::shared_ptr<const PolicySet> policies_;
  std::map<std::string, std::string> user_policies_;
  mutable std::mutex sigma_mu_;  // guards sigma_ and sigma_loading_
  mutable std::condition_variable sigma_cv_;
  std::shared_ptr<const SigmaStage> sigma_;  // null: no Sigma rules
  bool sigma_loading_ = false;
  std::mutex sigma_switch_mu_;  // one switch change at a time: write, then re-index
  // The stored switches (rows, and those that parse); on a failed read, none
  // (every rule runs).
  std::pair<std::vector<storage::SigmaSwitch>, std::vector<sigma::RuleSwitch>> stored_sigma_switches();
  // The switches the running rules were built with (guarded by sigma_mu_): a
  // reader never sees a switch whose effect is not in place yet.
  std::vector<storage::SigmaSwitch> sigma_switches_applied_;
  // Swaps in the rules the stored switches leave running.
  void apply_sigma_switches();

  // Containments in force. Shared with the registry's write guard, which may
  // outlive the detector.
  struct ContainmentTable;
  std::shared_ptr<ContainmentTable> containments_;

  // Keys (tenant, agent, technique) whose respond stage is running; one response
  // per key at a time keeps the one-live-counter-agent rule.
  class RespondingKeys;
  std::mutex responding_mu_;
  std::condition_variable responding_cv_;
  std::set<std::string> responding_;

  // Loads the Sigma rules after create() returns; last, so it is joined first.
  std::jthread sigma_loader_;
};

}  // namespace genesis::detect
