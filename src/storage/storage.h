// The storage layer: every table of Genesis behind one interface, one adapter
// per backend. The domains keep their own rules (the registry validates and
// guards, the detector decides); this layer keeps the rows, commits them
// durably and runs migrations. SQLite is the embedded backend; the records and
// semantics here are what every backend implements.
//
// Spawn tree. A root agent's path is its label; a child's path is
// "<parent path>.<label>". Labels are ltree labels: 1..64 of [A-Za-z0-9_-].
// Every agent also has a tree key made of the numeric ids of its ancestors
// (".1.7.42."), so "all descendants of X" is one index range scan that stays
// exact even when siblings share a label. Moving an agent rewrites the paths
// and keys of its whole subtree in one transaction. No live agent ever sits
// under a deleted one.
//
// Tenants. Every row carries its tenant and every call names one; a call never
// reads or writes another tenant's rows.
//
// Thread safety: Store implementations are safe to call from many threads.
// Every mutating call is one transaction: it either commits whole and is
// durable when it returns, or changes nothing and returns an Error. Several
// writes that must stand or fall together go through Store::transact.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/id.h"
#include "core/result.h"
#include "core/time.h"
#include "core/value.h"

namespace genesis::storage {

inline constexpr const char* kDefaultTenant = "default";
inline constexpr size_t kMaxMemStateBytes = 128 * 1024;
inline constexpr size_t kMaxLabelLength = 64;

// A tenant: an organisation or team whose rows no other tenant sees. Ids follow
// the label rules (1..64 of [A-Za-z0-9_-]); "default" always exists.
struct Tenant {
  std::string id;
  std::string name;
  int64_t created_at_ms = 0;
};

struct Emotion {
  double pleasure = 0.5;
  double arousal = 0.5;
  double dominance = 0.5;
  std::string label = "NEUTRAL";
  double fatigue = 0.0;
};

struct Goal {
  std::string id;
  double weight = 0.0;  // 0..1
  int64_t ttl = 0;      // seconds, >= 0
};

struct Agent {
  std::string id;  // UUID
  std::string tenant_id;
  std::optional<std::string> parent_id;
  std::string label;
  std::string path;
  core::Value mem_state = core::Value::object();
  std::vector<Goal> goals;
  Emotion emotion;
  std::string policy;
  int64_t created_at_ms = 0;
  std::optional<int64_t> deleted_at_ms;
};

struct NewAgent {
  std::optional<std::string> id;  // pre-assigned UUID; generated when absent
  std::string label;
  std::optional<std::string> parent_id;
  core::Value mem_state = core::Value::object();
  std::vector<Goal> goals;
  Emotion emotion;
  std::string policy;
};

// Fields absent are left as they are.
struct AgentPatch {
  std::optional<core::Value> mem_state;
  std::optional<std::vector<Goal>> goals;
  std::optional<Emotion> emotion;
  std::optional<std::string> policy;
};

struct AgentQuery {
  std::optional<std::string> subtree_of;  // agent id: it and all its descendants
  std::optional<std::string> path;        // path prefix: the agent at path and below
  std::optional<std::string> label;       // exact label
  bool include_deleted = false;
  size_t limit = 100;                     // 1..1000
  std::optional<std::string> cursor;      // from a previous page's next_cursor
};

enum class CognitionType { kPerceive, kPlan, kAct, kReflect };

struct CognitionEvent {
  std::string id;  // UUID
  std::string tenant_id;
  std::string agent_id;
  CognitionType type = CognitionType::kPerceive;
  core::Value payload;
  int64_t ts_ms = 0;
};

struct NewEvent {
  CognitionType type = CognitionType::kPerceive;
  core::Value payload = core::Value::object();
  std::optional<int64_t> ts_ms;  // defaults to now
};

struct EventQuery {
  std::optional<int64_t> since_ms;  // inclusive
  std::optional<int64_t> until_ms;  // exclusive
  size_t limit = 100;
  std::optional<std::string> cursor;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;
};

// What a move changed: the moved agent (with its new path) and how many agents,
// it included, had their paths rewritten.
struct MoveResult {
  Agent agent;
  std::string old_path;
  int64_t subtree_size = 0;
};

struct PolicyModule {
  std::string id;
  std::string source;
};

// An enable/disable switch over the Sigma rules (sigma::RuleSelector text, such
// as "level:low"); the detector applies a tenant's switches in id order.
struct SigmaSwitch {
  int64_t id = 0;
  std::string selector;
  bool enabled = true;
  int64_t created_ms = 0;
};

// ---- detections and responses (written by src/detect) ----

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
  // The Sigma rules that found it, as the DRL asks a match to show them: [{id, title,
  // level, author, references, fields, ...}]; null when none. In the live result and the
  // broadcast; not stored (the rule ids are, in `rules`, as "sigma:<id>").
  core::Value sigma;

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
  std::string agent_id;   // the affected agent (its parent when spawned)
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

// Writes (and reads) inside one store transaction, all for one tenant. Reads
// see the transaction's own writes. A Transaction lives only inside the body
// given to Store::transact and is used from that one thread.
// ---- retention ----
//
// The kinds of data retention covers and the tables behind them (SQLite):
//   events      cognition events (cognition_event)
//   evidence    telemetry evidence snapshots of counter-agents (evidence)
//   detections  detections and their counter-agent actions (detection, response_action)
//   decisions   egress decisions (egress_decision)
// Every row's age is its own `ts`.
inline constexpr const char* kRetentionKinds[] = {"events", "evidence", "detections", "decisions"};

struct RetentionPolicy {
  // Maximum age per kind in milliseconds; a kind absent or 0 is kept forever.
  std::map<std::string, int64_t> max_age_ms;
  // Per tenant, kinds that differ from max_age_ms (0: kept forever for that tenant).
  std::map<std::string, std::map<std::string, int64_t>> tenant_max_age_ms;
  bool empty() const;                                              // nothing to delete ever
  int64_t age_for(const std::string& tenant, const std::string& kind) const;  // 0: keep
};

struct RetentionReport {
  std::map<std::string, int64_t> deleted;  // per kind, every kind present
  int64_t batches = 0;                     // transactions committed
};

class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual const std::string& tenant() const = 0;

  virtual core::Result<std::vector<Agent>> spawn(std::span<const NewAgent> agents) = 0;
  virtual core::Result<Agent> get(const std::string& id, bool include_deleted = false) = 0;
  virtual core::Result<Page<Agent>> list(const AgentQuery& query) = 0;
  virtual core::Result<Agent> update(const std::string& id, const AgentPatch& patch) = 0;
  virtual core::Result<MoveResult> move(const std::string& id,
                                        const std::optional<std::string>& new_parent) = 0;
  virtual core::Result<std::vector<Agent>> remove(const std::string& id, bool subtree,
                                                  int64_t now_ms) = 0;
  virtual core::Result<std::vector<CognitionEvent>> append_events(const std::string& agent_id,
                                                                  std::span<const NewEvent> events) = 0;
  virtual core::Result<Page<CognitionEvent>> list_events(const std::string& agent_id,
                                                         const EventQuery& query) = 0;

  virtual core::Status add_detections(const std::vector<Detection>& detections) = 0;
  virtual core::Status set_counter_agent(const std::string& detection_id,
                                         const std::string& counter_agent_id) = 0;
  // The counter-agent's record, its detection linked to it, its containments,
  // evidence and actions.
  virtual core::Status record_response(const ResponseRecord& response) = 0;
  virtual core::Status add_decision(const Decision& decision) = 0;
};

// The body of a transaction: an error abandons every write it made.
using TransactionBody = std::function<core::Status(Transaction&)>;

// Called once a write is durable, in commit order, with what the write
// returned. Runs on the committing thread while the store is locked: it must be
// quick and must not call the store (the registry publishes on the bus here).
template <typename T>
using OnCommit = std::function<void(const T&)>;

// One agent's new emotion, for Store::set_emotions.
struct EmotionUpdate {
  std::string agent_id;
  Emotion emotion;
};

// What Store::set_emotions did for one update.
struct EmotionUpdateResult {
  bool updated = false;    // false: no live agent with that id in the tenant
  int64_t goal_count = 0;  // how many goals the agent holds
};

// A goal transfer as Store::transfer_goals committed it.
struct GoalTransfer {
  Agent from;                          // after the transfer: no goals
  Agent to;                            // after: its own goals, then the moved ones
  std::vector<Goal> moved;             // as they now are on `to`
  std::vector<CognitionEvent> events;  // [0] recorded on `from`, [1] on `to`
};

// Decides, inside the transfer's transaction, whether it goes ahead: given both
// agents as they are now and the goals as they would arrive, returns the
// cognition events to record on `from` and on `to`, or an Error to abandon the
// transfer (nothing changes). Runs with the store locked: it must not call the store.
using TransferPlan = std::function<core::Result<std::pair<NewEvent, NewEvent>>(
    const Agent& from, const Agent& to, const std::vector<Goal>& moved)>;

// The storage seam. SQLite (embedded) and PostgreSQL implement it; callers never
// see which. Errors: not_found (unknown agent/parent), conflict (cyclic move,
// deleted parent), invalid_argument, unavailable (storage failure).
class Store {
 public:
  virtual ~Store() = default;

  // Spawns agents in one transaction: all or none. Parents may be earlier
  // agents of the same batch (referenced by their pre-assigned id in NewAgent).
  virtual core::Result<std::vector<Agent>> spawn(const std::string& tenant,
                                                 std::span<const NewAgent> agents,
                                                 const OnCommit<std::vector<Agent>>& on_commit = {}) = 0;
  virtual core::Result<Agent> get(const std::string& tenant, const std::string& id,
                                  bool include_deleted = false) = 0;
  virtual core::Result<Page<Agent>> list(const std::string& tenant, const AgentQuery& query) = 0;
  virtual core::Result<Agent> update(const std::string& tenant, const std::string& id,
                                     const AgentPatch& patch, const OnCommit<Agent>& on_commit = {}) = 0;
  // new_parent nullopt makes the agent a root. Refuses moving under itself or a
  // descendant (conflict).
  virtual core::Result<MoveResult> move(const std::string& tenant, const std::string& id,
                                        const std::optional<std::string>& new_parent,
                                        const OnCommit<MoveResult>& on_commit = {}) = 0;
  // Soft delete; with subtree, every live descendant too. Without, an agent with
  // live children is refused (conflict): no live agent ever sits under a deleted
  // one. Returns the deleted agents.
  virtual core::Result<std::vector<Agent>> remove(const std::string& tenant, const std::string& id,
                                                  bool subtree, int64_t now_ms,
                                                  const OnCommit<std::vector<Agent>>& on_commit = {}) = 0;
  virtual core::Result<std::vector<CognitionEvent>> append_events(
      const std::string& tenant, const std::string& agent_id, std::span<const NewEvent> events,
      const OnCommit<std::vector<CognitionEvent>>& on_commit = {}) = 0;
  virtual core::Result<Page<CognitionEvent>> list_events(const std::string& tenant,
                                                         const std::string& agent_id,
                                                         const EventQuery& query) = 0;
  // Live agents of the tenant.
  virtual core::Result<int64_t> count_agents(const std::string& tenant) = 0;

  // Tenants. Errors: invalid_argument (id), conflict (it exists).
  virtual core::Result<Tenant> create_tenant(const std::string& id, const std::string& name) = 0;
  virtual core::Result<std::vector<Tenant>> list_tenants() = 0;

  // Policy modules (Rego source by id) and the base data document that OPA's
  // REST Data API manages. Callers compile and validate before they write.
  virtual core::Result<std::vector<PolicyModule>> list_policies(const std::string& tenant) = 0;
  virtual core::Status put_policy(const std::string& tenant, const PolicyModule& module) = 0;
  // not_found when there is no such module.
  virtual core::Status delete_policy(const std::string& tenant, const std::string& id) = 0;
  // The tenant's base data document as JSON text; nullopt when never written.
  virtual core::Result<std::optional<std::string>> get_policy_data(const std::string& tenant) = 0;
  virtual core::Status put_policy_data(const std::string& tenant, const std::string& json) = 0;

  // Sigma rule switches, oldest first. The caller validates the selector.
  virtual core::Result<std::vector<SigmaSwitch>> list_sigma_switches(const std::string& tenant) = 0;
  // Appends a switch; it gets the next id.
  virtual core::Result<SigmaSwitch> add_sigma_switch(const std::string& tenant, const std::string& selector,
                                                     bool enabled) = 0;
  // not_found when there is no such switch.
  virtual core::Status delete_sigma_switch(const std::string& tenant, int64_t id) = 0;

  // Emotion (heartbeats, offloading; written through the registry).
  // Sets each listed agent's emotion, all in one transaction: heartbeats are
  // applied in batches. Results are per update, in order; an unknown or deleted
  // agent is reported there (updated = false) and does not stop the others.
  virtual core::Result<std::vector<EmotionUpdateResult>> set_emotions(
      const std::string& tenant, std::span<const EmotionUpdate> updates,
      const OnCommit<std::vector<EmotionUpdateResult>>& on_commit = {}) = 0;
  // Moves every goal of `from` to the end of `to`'s goals and records the two
  // events `plan` returns, in one transaction, so concurrent transfers can
  // neither lose nor duplicate a goal. A moved goal whose id `to` already uses
  // arrives as "<id>@<from>" (then "<id>@<from>.2", ...). Errors: invalid_argument
  // (from == to), not_found (either agent unknown or deleted), or `plan`'s error.
  virtual core::Result<GoalTransfer> transfer_goals(const std::string& tenant,
                                                    const std::string& from,
                                                    const std::string& to,
                                                    const TransferPlan& plan,
                                                    const OnCommit<GoalTransfer>& on_commit = {}) = 0;

  // Runs `body` as one transaction: every write it makes commits together (one
  // fsync, shared with concurrent writers) or, when it returns an error or the
  // commit fails, none does. `on_commit` runs once it is durable, in commit
  // order, under the same rules as OnCommit hooks. The body may run more than
  // once (PostgreSQL retries a transaction that lost a serialization conflict
  // from the start): it must leave effects outside the store to `on_commit`.
  virtual core::Status transact(const std::string& tenant, const TransactionBody& body,
                                const std::function<void()>& on_commit = {}) = 0;

  // Detections and responses (reads; writes go through transact).
  virtual core::Result<Detection> get_detection(const std::string& tenant, const std::string& id) = 0;
  // Newest first.
  virtual core::Result<Page<Detection>> list_detections(const std::string& tenant,
                                                        const DetectionQuery& query) = 0;
  virtual core::Result<std::vector<CounterAgentRecord>> counter_agents(const std::string& tenant,
                                                                       const std::string& agent_id) = 0;
  // Every containment still in force at `now_ms` (all tenants), for start-up.
  virtual core::Result<std::vector<Containment>> active_containments(int64_t now_ms) = 0;
  virtual core::Result<std::vector<ActionRecord>> actions(const std::string& tenant,
                                                          const std::string& detection_id) = 0;
  virtual core::Result<std::vector<Evidence>> evidence(const std::string& tenant,
                                                       const std::string& agent_id) = 0;
  virtual core::Result<std::vector<Decision>> decisions(const std::string& tenant,
                                                        const std::string& agent_id) = 0;

  // Writes a consistent copy of the whole store (every tenant) to `dest_path`,
  // a new or empty file, while writes go on: the copy holds every write
  // acknowledged before the call and is one self-contained file that
  // restore_sqlite_store takes. Errors: conflict (dest_path holds data),
  // unavailable (I/O; or the backend has its own tools: PostgreSQL is backed
  // up with pg_dump, docs/operations.md).
  virtual core::Status backup_to(const std::string& dest_path);

  // Retention: deletes rows older than their kind's (and tenant's) maximum age
  // (RetentionPolicy), in transactions of at most `batch` rows, each committed
  // through the ordinary write path and released before the next, so writers
  // interleave with a pass and are never held for more than one batch. Returns
  // the rows deleted per kind ("events", "evidence", "detections",
  // "decisions"). Errors: unavailable (I/O; or the backend does not implement
  // retention: PostgreSQL, docs/operations.md).
  virtual core::Result<RetentionReport> apply_retention(const RetentionPolicy& policy, int64_t now_ms,
                                                        size_t batch = 1000);
  // Gives the space freed by deletions back to the file system (SQLite:
  // incremental vacuum, or one full VACUUM to switch an older file to
  // incremental auto-vacuum). Writers wait while it runs. Returns the file's
  // size in bytes before and after. Errors: unavailable (as above).
  virtual core::Result<std::pair<int64_t, int64_t>> vacuum();
};

// Replaces the embedded store at `path` with the backup `backup_file` (from
// Store::backup_to), offline: refused (conflict) while a store holds `path`
// open (a running genesisd; SQLite stores lock their file for their life), or
// when `path` exists and `replace` is false. The backup is checked first (a
// Genesis store whose schema this binary knows, passing SQLite's quick_check:
// invalid_argument otherwise) and copied in with SQLite's backup API, so a
// failure leaves `path` as it was.
core::Status restore_sqlite_store(const std::string& backup_file, const std::string& path, bool replace);

// ---- opening a store ----
//
//   sqlite:PATH                          embedded SQLite (open_sqlite_store)
//   postgresql://USER@HOST:PORT/DB?...   PostgreSQL 15+ with the ltree extension
//   postgres://...                       the same
//
// PostgreSQL URLs are libpq connection URIs. Two parameters are Genesis's own
// and are removed before the URI reaches libpq:
//   app_role=NAME   the role every query runs as (default genesis_app)
//   pool=N          connections in the pool (default 16)
// The URL's user owns the schema: at open, numbered migrations run as that
// user (each in one transaction; a schema newer than this binary is refused).
// Every pooled connection then does `SET ROLE <app_role>`, a role that must be
// neither the owner, a superuser nor BYPASSRLS (checked at open), so row-level
// security applies to every query, and every transaction sets its tenant with
// `set_config('app.tenant_id', tenant, true)` (SET LOCAL). Setup: README.md
// and docs/architecture.md ("Storage").
//
// Errors: invalid_argument (unknown URL scheme, bad parameter), unavailable
// (the database cannot be reached, migrated or the roles are wrong).

// Opens (creating and migrating as needed) an embedded SQLite store at `path`
// (":memory:" for a private in-memory one). WAL, foreign keys, synchronous=FULL.
// A file store locks its file (flock) for its life: a second store on the same
// file, in any process, is refused (unavailable), since one adapter owns it.
core::Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path);

struct PostgresOptions {
  std::string app_role = "genesis_app";
  size_t pool_size = 16;
};

// True for postgresql:// and postgres:// URLs.
bool is_postgres_url(std::string_view url);

// Opens the store `url` names (see above), creating and migrating its schema.
core::Result<std::unique_ptr<Store>> open_store(const std::string& url);

// Opens a PostgreSQL store; `url` may carry app_role and pool, which override
// `options`. The store reconnects by itself: a call made while the server is
// unreachable answers unavailable, and later calls use fresh connections.
core::Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url,
                                                         PostgresOptions options = {});

// ---- validation and conversion (shared by the server, CLI and stores) ----

core::Status validate_label(std::string_view label);
core::Status validate_tenant_id(std::string_view id);
core::Value tenant_to_json(const Tenant& t);
core::Status validate_mem_state(const core::Value& mem_state);  // object, <= 128 KB serialized
core::Result<std::vector<Goal>> goals_from_json(const core::Value& v);
core::Result<Emotion> emotion_from_json(const core::Value& v);
core::Value goals_to_json(const std::vector<Goal>& goals);
core::Value emotion_to_json(const Emotion& e);
core::Value agent_to_json(const Agent& a);
core::Value event_to_json(const CognitionEvent& e);

const char* cognition_type_name(CognitionType t);
std::optional<CognitionType> parse_cognition_type(std::string_view s);

}  // namespace genesis::storage
