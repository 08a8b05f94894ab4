// The PostgreSQL Store (libpq). PGconn* and PGresult* never leave this file.
//
// Schema: the plan's (seed/genesis-plan.md): UUID ids, spawn_tree LTREE (the
// tree key: the agent seq numbers of its ancestors and itself, "1.7.42") with a
// GiST index for subtree queries, JSONB mem_state / goals / emotion (GIN on
// emotion), TIMESTAMPTZ times, cognition events indexed by (agent_id, ts DESC).
// Labels cannot be ltree labels in PostgreSQL 15 (no '-'), so the display path
// stays TEXT (collation "C", so a prefix is one index range) and the tree key
// is what ltree indexes.
//
// Subtree queries do not use ltree's operators: they are not LEAKPROOF, so
// under row-level security PostgreSQL may not use them in an index scan for
// the app role (a subtree of 1,000 out of 1,000,000 was a sequential scan,
// 636 ms at p50), and only a superuser could mark them so. The store's own
// subtree queries use `tree_key`, generated from spawn_tree (".1.7.42."): the
// subtree of K is the text range [K, K with its last '.' replaced by '/') on a
// btree, as in SQLite; text comparisons are LEAKPROOF. The GiST index on
// spawn_tree serves ltree queries of roles that row-level security does not hold.
//
// No foreign keys: an agent row is never deleted (soft delete), a write that
// needs an agent to exist reads it FOR KEY SHARE / FOR UPDATE in its
// SERIALIZABLE transaction, and the per-row foreign-key triggers cost a seventh
// of a batch insert.
//
// Concurrency lives in the database: every write transaction is SERIALIZABLE
// and is retried on a serialization failure or deadlock, so concurrent moves
// cannot create a cycle, a spawn cannot land under a parent whose subtree is
// being moved, and concurrent goal transfers neither lose nor duplicate a goal.
//
// Every operation is a function over one session whose transaction has its
// tenant set (PostgresStore::do_*). A Store method runs one of them in a
// transaction of its own; Store::transact runs its body's operations in one
// transaction (PgTransaction), each write under a SAVEPOINT so that a failed
// one leaves nothing, and retries the whole body when PostgreSQL says so.
//
// Commit order: a write takes a ticket when it sends COMMIT (under one mutex);
// hooks run in ticket order once each commit is durable. A transaction that saw
// another's writes sent its COMMIT after that one's had returned, so it has the
// larger ticket: hook (bus) order respects every dependency, while PostgreSQL
// still flushes concurrent commits together.
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "storage/storage.h"

namespace genesis::storage {
namespace {

using core::Error;
using core::make_error;
using core::Result;
using core::Status;
using core::Value;
namespace code = core::code;

// Schema migrations, applied in order, each in one transaction, as the URL's
// user (the owner). `schema_version` records how many ran.
const char* const kMigrations[] = {
    // 1: agents (ltree spawn tree), cognition events, policies; row-level security.
    R"sql(
CREATE EXTENSION IF NOT EXISTS ltree;
CREATE FUNCTION genesis_ts(ms bigint) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT to_timestamp(ms::float8 / 1000) $$;
CREATE FUNCTION genesis_ms(ts timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (extract(epoch FROM ts) * 1000)::bigint $$;
CREATE SEQUENCE agent_seq AS bigint;
CREATE TABLE agent (
  seq BIGINT PRIMARY KEY,
  id UUID NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  parent_id UUID,
  label TEXT NOT NULL,
  path TEXT COLLATE "C" NOT NULL,
  spawn_tree LTREE NOT NULL,
  tree_key TEXT COLLATE "C" GENERATED ALWAYS AS ('.' || spawn_tree::text || '.') STORED,
  mem_state JSONB NOT NULL DEFAULT '{}',
  goals JSONB NOT NULL DEFAULT '[]',
  emotion JSONB NOT NULL DEFAULT '{}',
  policy TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  deleted_at TIMESTAMPTZ
);
CREATE INDEX agent_spawn_tree ON agent USING GIST (spawn_tree);
CREATE INDEX agent_tree ON agent (tenant_id, tree_key);
CREATE INDEX agent_tenant_seq ON agent (tenant_id, seq);
CREATE INDEX agent_path ON agent (tenant_id, path);
CREATE INDEX agent_label ON agent (tenant_id, label);
CREATE INDEX agent_emotion ON agent USING GIN (emotion jsonb_path_ops);
CREATE TABLE cognition_event (
  seq BIGSERIAL PRIMARY KEY,
  id UUID NOT NULL,
  tenant_id TEXT NOT NULL,
  agent_id UUID NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('perceive', 'plan', 'act', 'reflect')),
  payload JSONB NOT NULL,
  ts TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX cognition_agent_ts ON cognition_event (agent_id, ts DESC, seq DESC);
CREATE TABLE policy_module (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  source TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE TABLE policy_data (
  tenant_id TEXT PRIMARY KEY,
  document TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['agent', 'cognition_event', 'policy_module', 'policy_data'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING '
                   '(tenant_id = current_setting(''app.tenant_id'', true)) WITH CHECK '
                   '(tenant_id = current_setting(''app.tenant_id'', true))', t);
  END LOOP;
END $$;
)sql",
    // 2: the tenant directory (not per tenant, so no row-level security).
    R"sql(
CREATE TABLE tenant (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
INSERT INTO tenant (id, name, created_at) VALUES ('default', 'default', 0);
)sql",
    // 3: detections and responses (SQLite's migration 3), every row a tenant's,
    // under the same row-level security as the agents. seq keeps insertion
    // order (newest-first lists, cursors). No foreign keys, as for agents: the
    // detector writes these rows in the transaction that read the agent.
    R"sql(
CREATE TABLE detection (
  seq BIGSERIAL PRIMARY KEY,
  id UUID NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  agent_id UUID NOT NULL,
  technique TEXT COLLATE "C" NOT NULL,
  tactic TEXT NOT NULL,
  rules JSONB NOT NULL,
  event JSONB NOT NULL,
  ts TIMESTAMPTZ NOT NULL,
  counter_agent_id UUID
);
CREATE INDEX detection_by_tenant ON detection (tenant_id, seq);
CREATE INDEX detection_by_agent ON detection (tenant_id, agent_id, seq);
CREATE INDEX detection_by_technique ON detection (tenant_id, technique, seq);
CREATE TABLE counter_agent (
  seq BIGSERIAL PRIMARY KEY,
  id UUID NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  agent_id UUID NOT NULL,
  technique TEXT NOT NULL,
  detection_id UUID NOT NULL,
  image TEXT NOT NULL,
  policy TEXT NOT NULL,
  sandbox JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX counter_agent_by_agent ON counter_agent (tenant_id, agent_id, created_at);
CREATE TABLE containment (
  seq BIGSERIAL PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  agent_id UUID NOT NULL,
  kind TEXT NOT NULL,
  counter_agent_id UUID NOT NULL,
  technique TEXT NOT NULL,
  since TIMESTAMPTZ NOT NULL,
  until TIMESTAMPTZ NOT NULL
);
CREATE INDEX containment_by_until ON containment (tenant_id, until);
CREATE TABLE response_action (
  seq BIGSERIAL PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  counter_agent_id UUID NOT NULL,
  agent_id UUID NOT NULL,
  detection_id UUID NOT NULL,
  action TEXT NOT NULL,
  status TEXT NOT NULL,
  detail JSONB NOT NULL,
  ts TIMESTAMPTZ NOT NULL
);
CREATE INDEX response_action_by_detection ON response_action (tenant_id, detection_id, seq);
CREATE TABLE evidence (
  seq BIGSERIAL PRIMARY KEY,
  id UUID NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  agent_id UUID NOT NULL,
  detection_id UUID NOT NULL,
  counter_agent_id UUID NOT NULL,
  snapshot JSONB NOT NULL,
  ts TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_by_agent ON evidence (tenant_id, agent_id, ts);
CREATE TABLE egress_decision (
  seq BIGSERIAL PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  agent_id UUID NOT NULL,
  subject TEXT NOT NULL,
  decision TEXT NOT NULL,
  reason TEXT NOT NULL,
  ts TIMESTAMPTZ NOT NULL
);
CREATE INDEX egress_decision_by_agent ON egress_decision (tenant_id, agent_id, seq);
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['detection', 'counter_agent', 'containment', 'response_action', 'evidence',
                           'egress_decision'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING '
                   '(tenant_id = current_setting(''app.tenant_id'', true)) WITH CHECK '
                   '(tenant_id = current_setting(''app.tenant_id'', true))', t);
  END LOOP;
END $$;
)sql",
    // 4: switches that turn Sigma rules on and off (SQLite's migration 5),
    // applied in id order, under the tenants' row-level security.
    R"sql(
CREATE TABLE sigma_switch (
  id BIGSERIAL PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  selector TEXT NOT NULL,
  enabled BOOLEAN NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sigma_switch_by_tenant ON sigma_switch (tenant_id, id);
ALTER TABLE sigma_switch ENABLE ROW LEVEL SECURITY;
ALTER TABLE sigma_switch FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sigma_switch USING (tenant_id = current_setting('app.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
)sql",
};

// ---- libpq plumbing -------------------------------------------------------

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Res = std::unique_ptr<PGresult, ResultFree>;

using Param = std::optional<std::string>;
using Params = std::vector<Param>;

Param p(int64_t v) { return std::to_string(v); }

// A PostgreSQL array literal of text elements ("{"a","b",NULL}").
std::string text_array(const std::vector<Param>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    if (!items[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string int_array(const std::vector<int64_t>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(items[i]);
  }
  return out + "}";
}

std::string first_line(const char* msg) {
  std::string s = msg ? msg : "";
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  return s;
}

// One connection. Statements are prepared once per connection (named by the
// order they were first used) unless a call asks for a fresh plan each time.
struct Conn {
  PGconn* pg = nullptr;
  bool broken = false;
  std::unordered_map<std::string, std::string> prepared;
  ~Conn() {
    if (pg) PQfinish(pg);
  }
};

// What went wrong with a statement, kept so the write loop can decide.
struct DbFailure {
  std::string sqlstate;
  std::string message;
  bool connection_lost = false;
};

// A unit of work on one connection: its statements and its failure, if any.
class Session {
 public:
  explicit Session(Conn& c) : c_(c) {}

  // Runs one statement. `fresh_plan`: plan it with its parameters every time
  // (for queries whose best plan depends on them, like subtree lists).
  Result<Res> exec(const std::string& sql, const Params& params, bool fresh_plan = false) {
    std::vector<const char*> values(params.size());
    for (size_t i = 0; i < params.size(); ++i) values[i] = params[i] ? params[i]->c_str() : nullptr;
    PGresult* r;
    if (fresh_plan) {
      r = PQexecParams(c_.pg, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                       nullptr, nullptr, 0);
    } else {
      auto name = prepare(sql, static_cast<int>(params.size()));
      if (!name) return name.error();
      r = PQexecPrepared(c_.pg, name->c_str(), static_cast<int>(params.size()), values.data(),
                         nullptr, nullptr, 0);
    }
    return check(Res(r));
  }

  // A statement without parameters, run as a simple query (BEGIN, COMMIT, DDL).
  Status simple(const std::string& sql) {
    auto r = check(Res(PQexec(c_.pg, sql.c_str())));
    if (!r) return r.error();
    return {};
  }

  // Several statements in one round trip (pipeline mode), in one implicit
  // transaction: the first failure aborts the rest. Returns each one's result.
  Result<std::vector<Res>> pipeline(const std::vector<std::pair<std::string, Params>>& queries) {
    std::vector<std::string> names;
    for (const auto& [sql, params] : queries) {
      auto name = prepare(sql, static_cast<int>(params.size()));
      if (!name) return name.error();
      names.push_back(*name);
    }
    if (PQenterPipelineMode(c_.pg) != 1) return lost();
    bool sent = true;
    for (size_t q = 0; q < queries.size() && sent; ++q) {
      const Params& params = queries[q].second;
      std::vector<const char*> values(params.size());
      for (size_t i = 0; i < params.size(); ++i) values[i] = params[i] ? params[i]->c_str() : nullptr;
      sent = PQsendQueryPrepared(c_.pg, names[q].c_str(), static_cast<int>(params.size()),
                                 values.data(), nullptr, nullptr, 0) == 1;
    }
    if (!sent || PQpipelineSync(c_.pg) != 1) {
      c_.broken = true;
      return lost();
    }
    std::vector<Res> out;
    std::optional<Error> first_error;
    for (size_t q = 0; q < queries.size(); ++q) {
      Res r(PQgetResult(c_.pg));
      if (!r) {
        c_.broken = true;
        return lost();
      }
      while (PGresult* extra = PQgetResult(c_.pg)) PQclear(extra);  // up to the NULL
      if (PQresultStatus(r.get()) == PGRES_PIPELINE_ABORTED) {
        out.push_back(std::move(r));
        continue;
      }
      auto checked = check(std::move(r));
      if (!checked) {
        if (!first_error) first_error = checked.error();
        out.emplace_back();
        continue;
      }
      out.push_back(std::move(*checked));
    }
    Res sync(PQgetResult(c_.pg));
    if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
      c_.broken = true;
      return lost();
    }
    if (PQexitPipelineMode(c_.pg) != 1) c_.broken = true;
    if (first_error) return *first_error;
    return out;
  }

  const std::optional<DbFailure>& failure() const { return failure_; }
  // Forgets the last failure (a transaction's next operation starts clean).
  void clear_failure() { failure_.reset(); }
  bool retryable() const {
    return failure_ && (failure_->sqlstate == "40001" || failure_->sqlstate == "40P01");
  }
  bool connection_lost() const { return c_.broken; }
  Conn& conn() { return c_; }

  // Turns a result into Res or an Error (recording the failure).
  Result<Res> check(Res r) {
    ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    if (PQstatus(c_.pg) != CONNECTION_OK || !r) {
      c_.broken = true;
      return lost();
    }
    DbFailure f;
    const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
    f.sqlstate = state ? state : "";
    f.message = first_line(PQresultErrorMessage(r.get()));
    failure_ = f;
    return to_error(f);
  }

  Error lost() {
    c_.broken = true;
    DbFailure f;
    f.connection_lost = true;
    f.message = first_line(PQerrorMessage(c_.pg));
    failure_ = f;
    return make_error(code::kUnavailable,
                      "lost the connection to PostgreSQL" + (f.message.empty() ? "" : ": " + f.message));
  }

  static Error to_error(const DbFailure& f) {
    const std::string& s = f.sqlstate;
    if (s == "23505") return make_error(code::kConflict, "PostgreSQL: " + f.message);
    if (s == "42501") return make_error(code::kForbidden, "PostgreSQL: " + f.message);
    if (s.rfind("22", 0) == 0) return make_error(code::kInvalidArgument, "PostgreSQL: " + f.message);
    return make_error(code::kUnavailable, "PostgreSQL: " + f.message);
  }

 private:
  Result<std::string> prepare(const std::string& sql, int nparams) {
    auto it = c_.prepared.find(sql);
    if (it != c_.prepared.end()) return it->second;
    std::string name = "g" + std::to_string(c_.prepared.size());
    auto r = check(Res(PQprepare(c_.pg, name.c_str(), sql.c_str(), nparams, nullptr)));
    if (!r) return r.error();
    c_.prepared.emplace(sql, name);
    return name;
  }

  Conn& c_;
  std::optional<DbFailure> failure_;
};

// The connection pool: up to `max` connections, made on demand; a connection
// that lost its server is dropped on release and replaced on a later acquire.
class Pool {
 public:
  Pool(std::string conninfo, std::string app_role, size_t max)
      : conninfo_(std::move(conninfo)), app_role_(std::move(app_role)), max_(max) {}

  ~Pool() {
    for (Conn* c : idle_) delete c;
  }

  // Opens a connection as the URL's user (no SET ROLE): for migrations.
  Result<std::unique_ptr<Conn>> connect_owner() {
    auto c = std::make_unique<Conn>();
    c->pg = PQconnectdb(conninfo_.c_str());
    if (PQstatus(c->pg) != CONNECTION_OK)
      return make_error(code::kUnavailable,
                        "cannot connect to PostgreSQL: " + first_line(PQerrorMessage(c->pg)));
    // Notices ("relation ... already exists, skipping") are not errors: not printed.
    PQsetNoticeProcessor(c->pg, [](void*, const char*) {}, nullptr);
    return c;
  }

  Result<std::unique_ptr<Conn>> acquire() {
    {
      std::unique_lock lock(mu_);
      available_.wait(lock, [&] { return !idle_.empty() || total_ < max_; });
      if (!idle_.empty()) {
        std::unique_ptr<Conn> c(idle_.back());
        idle_.pop_back();
        return c;
      }
      ++total_;
    }
    auto c = connect_app();
    if (!c) {
      std::lock_guard lock(mu_);
      --total_;
      available_.notify_one();
    }
    return c;
  }

  void release(std::unique_ptr<Conn> c) {
    std::lock_guard lock(mu_);
    if (c->broken || PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
      --total_;  // dropped: a later acquire connects anew
    } else {
      idle_.push_back(c.release());
    }
    available_.notify_one();
  }

  // Drops every idle connection (after a connection was found lost, the others
  // to that server are lost too).
  void drop_idle() {
    std::lock_guard lock(mu_);
    for (Conn* c : idle_) delete c;
    total_ -= idle_.size();
    idle_.clear();
    available_.notify_all();
  }

  size_t max() const { return max_; }

 private:
  Result<std::unique_ptr<Conn>> connect_app() {
    auto c = connect_owner();
    if (!c) return c;
    Session s(**c);
    char* role = PQescapeIdentifier((*c)->pg, app_role_.c_str(), app_role_.size());
    std::string sql = std::string("SET ROLE ") + (role ? role : "\"\"");
    PQfreemem(role);
    if (auto st = s.simple(sql); !st)
      return make_error(code::kUnavailable, "cannot run as role " + app_role_ + ": " + st.error().message);
    return c;
  }

  const std::string conninfo_;
  const std::string app_role_;
  const size_t max_;
  std::mutex mu_;  // guards idle_ and total_
  std::condition_variable available_;
  std::vector<Conn*> idle_;
  size_t total_ = 0;
};

// Orders commit hooks (see the top of this file).
class CommitSequencer {
 public:
  // Calls `send` (which sends COMMIT) under the lock and returns its ticket.
  template <typename Send>
  uint64_t begin(const Send& send) {
    std::lock_guard lock(mu_);
    send();
    return ++issued_;
  }

  // Records that ticket `t` finished (hook empty: it failed, or had no hook),
  // runs every hook whose turn has come, and returns once `t`'s has run.
  void finish(uint64_t t, std::function<void()> hook) {
    std::unique_lock lock(mu_);
    done_.emplace(t, std::move(hook));
    while (!done_.empty() && done_.begin()->first == published_ + 1) {
      auto h = std::move(done_.begin()->second);
      done_.erase(done_.begin());
      if (h) h();
      ++published_;
    }
    turn_.notify_all();
    turn_.wait(lock, [&] { return published_ >= t; });
  }

 private:
  std::mutex mu_;
  std::condition_variable turn_;
  uint64_t issued_ = 0;
  uint64_t published_ = 0;
  std::map<uint64_t, std::function<void()>> done_;
};

constexpr const char* kAgentColumns =
    "seq, id::text, tenant_id, parent_id::text, label, path, spawn_tree::text, mem_state::text, "
    "goals::text, emotion::text, policy, genesis_ms(created_at), genesis_ms(deleted_at)";

struct Row {
  int64_t seq = 0;
  std::string key;  // spawn_tree as text: "1.7.42"
  Agent agent;
};

int64_t as_int(PGresult* r, int row, int col) { return std::strtoll(PQgetvalue(r, row, col), nullptr, 10); }
std::string as_text(PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), PQgetlength(r, row, col));
}
bool is_null(PGresult* r, int row, int col) { return PQgetisnull(r, row, col) == 1; }

Row read_row(PGresult* r, int i) {
  Row row;
  row.seq = as_int(r, i, 0);
  Agent& a = row.agent;
  a.id = as_text(r, i, 1);
  a.tenant_id = as_text(r, i, 2);
  if (!is_null(r, i, 3)) a.parent_id = as_text(r, i, 3);
  a.label = as_text(r, i, 4);
  a.path = as_text(r, i, 5);
  row.key = as_text(r, i, 6);
  // Columns were written by us from validated values.
  if (auto m = core::parse_json(as_text(r, i, 7)); m && m->is_object()) a.mem_state = std::move(*m);
  if (auto g = core::parse_json(as_text(r, i, 8)))
    if (auto goals = goals_from_json(*g)) a.goals = std::move(*goals);
  if (auto e = core::parse_json(as_text(r, i, 9)))
    if (auto emotion = emotion_from_json(*e)) a.emotion = std::move(*emotion);
  a.policy = as_text(r, i, 10);
  a.created_at_ms = as_int(r, i, 11);
  if (!is_null(r, i, 12)) a.deleted_at_ms = as_int(r, i, 12);
  return row;
}

Error located(Error e, const std::string& where) {
  if (!where.empty()) e.where = e.where.empty() ? where : where + "." + e.where;
  return e;
}

// The tree_key range of the subtree of spawn_tree `key`: [".1.7.", ".1.7/").
std::string tree_lo(const std::string& key) { return "." + key + "."; }
std::string tree_hi(const std::string& key) { return "." + key + "/"; }

// Is `key` (a spawn_tree) `root` or below it?
bool within(const std::string& key, const std::string& root) {
  return key == root || (key.size() > root.size() && key.compare(0, root.size(), root) == 0 &&
                         key[root.size()] == '.');
}

Result<int64_t> parse_seq_cursor(const std::optional<std::string>& cursor) {
  if (!cursor) return int64_t{0};
  try {
    size_t used = 0;
    int64_t after = std::stoll(*cursor, &used);
    if (used != cursor->size() || after < 0) throw std::invalid_argument("cursor");
    return after;
  } catch (const std::exception&) {
    return make_error(code::kInvalidArgument, "malformed cursor", "cursor");
  }
}

const std::string kSetTenant = "SELECT set_config('app.tenant_id', $1, true)";

// One statement and its parameters.
struct Query {
  std::string sql;
  Params params;
};

Value json_or_null(const std::string& text) {
  auto v = core::parse_json(text);
  return v ? std::move(*v) : Value();
}

Error wrong_tenant(const char* what, const std::string& row, const std::string& tenant) {
  return make_error(code::kInvalidArgument,
                    std::string(what) + " of tenant '" + row + "' written in a transaction of tenant '" +
                        tenant + "'",
                    "tenant_id");
}

Status require_uuid(const std::string& v, const char* field) {
  if (core::is_uuid(v)) return {};
  return make_error(code::kInvalidArgument, std::string(field) + " must be a UUID, got '" + v + "'", field);
}

// Every operation is a member function over one Session whose transaction
// already has the tenant set (do_*): the Store's own methods run one of them
// in a transaction of its own (write / read), and Store::transact runs the
// body's operations, one after another, in one transaction (PgTransaction).
class PostgresStore final : public Store {
 public:
  PostgresStore(std::string conninfo, PostgresOptions options)
      : options_(std::move(options)), pool_(std::move(conninfo), options_.app_role, options_.pool_size) {}

  // Migrates as the owner, then checks that the app role is held to the
  // tenant policies (neither owner, superuser nor BYPASSRLS).
  Status open() {
    auto owner = pool_.connect_owner();
    if (!owner) return owner.error();
    if (auto s = migrate(**owner); !s) return s;
    auto c = pool_.acquire();
    if (!c) return c.error();
    Session s(**c);
    auto r = s.exec(
        "SELECT r.rolsuper OR r.rolbypassrls, "
        "       current_user = (SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
        "                       AND tablename = 'agent') "
        "FROM pg_roles r WHERE r.rolname = current_user",
        {});
    if (!r) return make_error(code::kUnavailable, "checking the app role: " + r.error().message);
    if (PQntuples(r->get()) != 1 || as_text(r->get(), 0, 0) == "t" || as_text(r->get(), 0, 1) == "t")
      return make_error(code::kUnavailable,
                        "role " + options_.app_role +
                            " is a superuser, BYPASSRLS or owns the tables: row-level security would "
                            "not apply to it; use a role that is none of these (docs/architecture.md)");
    pool_.release(std::move(*c));
    return {};
  }

  // ---- writes: each one operation in a transaction of its own ----

  Result<std::vector<Agent>> spawn(const std::string& tenant, std::span<const NewAgent> agents,
                                   const OnCommit<std::vector<Agent>>& on_commit) override {
    if (auto s = validate_spawn(agents); !s) return s.error();
    if (agents.empty()) return std::vector<Agent>{};
    return write<std::vector<Agent>>(tenant, [&](Session& s) { return do_spawn(s, tenant, agents); }, on_commit);
  }

  Result<Agent> update(const std::string& tenant, const std::string& id, const AgentPatch& patch,
                       const OnCommit<Agent>& on_commit) override {
    if (patch.mem_state)
      if (auto s = validate_mem_state(*patch.mem_state); !s) return s.error();
    if (!core::is_uuid(id)) return make_error(code::kNotFound, "no agent " + id);
    return write<Agent>(tenant, [&](Session& s) { return do_update(s, tenant, id, patch); }, on_commit);
  }

  Result<MoveResult> move(const std::string& tenant, const std::string& id,
                          const std::optional<std::string>& new_parent,
                          const OnCommit<MoveResult>& on_commit) override {
    return write<MoveResult>(tenant, [&](Session& s) { return do_move(s, tenant, id, new_parent); }, on_commit);
  }

  Result<std::vector<Agent>> remove(const std::string& tenant, const std::string& id, bool subtree,
                                    int64_t now, const OnCommit<std::vector<Agent>>& on_commit) override {
    return write<std::vector<Agent>>(tenant, [&](Session& s) { return do_remove(s, tenant, id, subtree, now); },
                                     on_commit);
  }

  Result<std::vector<CognitionEvent>> append_events(
      const std::string& tenant, const std::string& agent_id, std::span<const NewEvent> events,
      const OnCommit<std::vector<CognitionEvent>>& on_commit) override {
    if (!core::is_uuid(agent_id)) return make_error(code::kNotFound, "no agent " + agent_id);
    return write<std::vector<CognitionEvent>>(
        tenant, [&](Session& s) { return do_append_events(s, tenant, agent_id, events); }, on_commit);
  }

  Status put_policy(const std::string& tenant, const PolicyModule& module) override {
    return write_status(tenant, [&](Session& s) { return do_put_policy(s, tenant, module); });
  }

  Status delete_policy(const std::string& tenant, const std::string& id) override {
    return write_status(tenant, [&](Session& s) { return do_delete_policy(s, tenant, id); });
  }

  Status put_policy_data(const std::string& tenant, const std::string& json) override {
    return write_status(tenant, [&](Session& s) { return do_put_policy_data(s, tenant, json); });
  }

  Result<std::vector<EmotionUpdateResult>> set_emotions(
      const std::string& tenant, std::span<const EmotionUpdate> updates,
      const OnCommit<std::vector<EmotionUpdateResult>>& on_commit) override {
    return write<std::vector<EmotionUpdateResult>>(
        tenant, [&](Session& s) { return do_set_emotions(s, tenant, updates); }, on_commit);
  }

  Result<GoalTransfer> transfer_goals(const std::string& tenant, const std::string& from,
                                      const std::string& to, const TransferPlan& plan,
                                      const OnCommit<GoalTransfer>& on_commit) override {
    if (from == to)
      return make_error(code::kInvalidArgument, "cannot transfer goals to the same agent", "to");
    return write<GoalTransfer>(tenant, [&](Session& s) { return do_transfer_goals(s, tenant, from, to, plan); },
                               on_commit);
  }

  Result<Tenant> create_tenant(const std::string& id, const std::string& name) override {
    if (auto st = validate_tenant_id(id); !st) return st.error();
    if (name.size() > 256) return make_error(code::kInvalidArgument, "name longer than 256 bytes", "name");
    Tenant t{id, name.empty() ? id : name, core::now_ms()};
    return write<Tenant>(id, [&](Session& s) -> Result<Tenant> {
      auto r = s.exec("INSERT INTO tenant (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING "
                      "RETURNING id",
                      {t.id, t.name, p(t.created_at_ms)});
      if (!r) return r.error();
      if (PQntuples(r->get()) == 0) return make_error(code::kConflict, "tenant " + id + " exists", "id");
      return t;
    }, OnCommit<Tenant>());
  }

  // ---- several writes in one transaction ----

  // The body may run more than once: a transaction that loses a serialization
  // conflict (or its connection before COMMIT) is rolled back and run again.
  Status transact(const std::string& tenant, const TransactionBody& body,
                  const std::function<void()>& on_commit) override {
    OnCommit<bool> hook;
    if (on_commit) hook = [&on_commit](const bool&) { on_commit(); };
    auto r = write<bool>(tenant, [&](Session& s) -> Result<bool> {
      PgTransaction tx(*this, s, tenant);
      Status st = body(tx);
      // A doomed transaction fails whole, whatever the body made of the error:
      // the write loop retries it when PostgreSQL says a retry can succeed.
      if (tx.doomed()) return *tx.doomed();
      if (!st) return st.error();
      return true;
    }, hook);
    if (!r) return r.error();
    return {};
  }

  // ---- reads ----

  Result<Agent> get(const std::string& tenant, const std::string& id, bool include_deleted) override {
    if (!core::is_uuid(id)) return make_error(code::kNotFound, "no agent " + id);
    auto r = read_one(tenant, get_query(tenant, id));
    if (!r) return r.error();
    return get_result(r->get(), id, include_deleted);
  }

  Result<Page<Agent>> list(const std::string& tenant, const AgentQuery& q) override {
    if (auto st = validate_list(q); !st) return st.error();
    return read<Page<Agent>>([&](Session& s) -> Result<Page<Agent>> {
      // A subtree list reads the root, then the rows under it: one snapshot.
      if (auto st = begin_read(s, tenant, q.subtree_of.has_value()); !st) return st.error();
      auto page = do_list(s, tenant, q);
      if (!page) return page;
      if (auto st = s.simple("COMMIT"); !st) return st.error();
      return page;
    });
  }

  Result<Page<CognitionEvent>> list_events(const std::string& tenant, const std::string& agent_id,
                                           const EventQuery& q) override {
    auto queries = events_queries(tenant, agent_id, q);
    if (!queries) return queries.error();
    return read<Page<CognitionEvent>>([&](Session& s) -> Result<Page<CognitionEvent>> {
      // One round trip: the agent's existence and its events in one snapshot.
      auto r = s.pipeline({{"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", {}},
                           {kSetTenant, {tenant}},
                           {(*queries)[0].sql, (*queries)[0].params},
                           {(*queries)[1].sql, (*queries)[1].params},
                           {"COMMIT", {}}});
      if (!r) return r.error();
      return events_result((*r)[2].get(), (*r)[3].get(), tenant, agent_id, q);
    });
  }

  Result<int64_t> count_agents(const std::string& tenant) override {
    auto r = read_one(tenant, {"SELECT count(*) FROM agent WHERE tenant_id = $1 AND deleted_at IS NULL", {tenant}});
    if (!r) return r.error();
    return as_int(r->get(), 0, 0);
  }

  Result<std::vector<Tenant>> list_tenants() override {
    return read<std::vector<Tenant>>([&](Session& s) -> Result<std::vector<Tenant>> {
      auto r = s.exec("SELECT id, name, created_at FROM tenant ORDER BY id COLLATE \"C\"", {});
      if (!r) return r.error();
      std::vector<Tenant> out;
      for (int i = 0; i < PQntuples(r->get()); ++i)
        out.push_back({as_text(r->get(), i, 0), as_text(r->get(), i, 1), as_int(r->get(), i, 2)});
      return out;
    });
  }

  Result<std::vector<PolicyModule>> list_policies(const std::string& tenant) override {
    auto r = read_one(tenant, {"SELECT id, source FROM policy_module WHERE tenant_id = $1 ORDER BY id COLLATE \"C\"",
                               {tenant}});
    if (!r) return r.error();
    std::vector<PolicyModule> out;
    for (int i = 0; i < PQntuples(r->get()); ++i) out.push_back({as_text(r->get(), i, 0), as_text(r->get(), i, 1)});
    return out;
  }

  Result<std::vector<SigmaSwitch>> list_sigma_switches(const std::string& tenant) override {
    auto r = read_one(tenant, {"SELECT id, selector, enabled, genesis_ms(created_at) FROM sigma_switch "
                               "WHERE tenant_id = $1 ORDER BY id",
                               {tenant}});
    if (!r) return r.error();
    std::vector<SigmaSwitch> out;
    for (int i = 0; i < PQntuples(r->get()); ++i)
      out.push_back({as_int(r->get(), i, 0), as_text(r->get(), i, 1), as_text(r->get(), i, 2) == "t",
                     as_int(r->get(), i, 3)});
    return out;
  }

  Result<SigmaSwitch> add_sigma_switch(const std::string& tenant, const std::string& selector, bool enabled) override {
    return write<SigmaSwitch>(tenant, [&](Session& s) -> Result<SigmaSwitch> {
      auto r = s.exec("INSERT INTO sigma_switch (tenant_id, selector, enabled, created_at) VALUES ($1, $2, $3, now()) "
                      "RETURNING id, genesis_ms(created_at)",
                      {tenant, selector, std::string(enabled ? "true" : "false")});
      if (!r) return r.error();
      return SigmaSwitch{as_int(r->get(), 0, 0), selector, enabled, as_int(r->get(), 0, 1)};
    }, {});
  }

  Status delete_sigma_switch(const std::string& tenant, int64_t id) override {
    return write_status(tenant, [&](Session& s) -> Status {
      auto r = s.exec("DELETE FROM sigma_switch WHERE tenant_id = $1 AND id = $2", {tenant, p(id)});
      if (!r) return r.error();
      if (std::string(PQcmdTuples(r->get())) == "0")
        return make_error(code::kNotFound, "no Sigma switch " + std::to_string(id));
      return {};
    });
  }

  Result<std::optional<std::string>> get_policy_data(const std::string& tenant) override {
    auto r = read_one(tenant, {"SELECT document FROM policy_data WHERE tenant_id = $1", {tenant}});
    if (!r) return r.error();
    if (PQntuples(r->get()) == 0) return std::optional<std::string>();
    return std::optional<std::string>(as_text(r->get(), 0, 0));
  }

  // ---- detections and responses (reads; writes go through transact) ----

  Result<Detection> get_detection(const std::string& tenant, const std::string& id) override {
    if (!core::is_uuid(id)) return make_error(code::kNotFound, "no detection " + id);
    auto r = read_one(tenant, {std::string(kDetectionSelect) + " WHERE tenant_id = $1 AND id = $2", {tenant, id}});
    if (!r) return r.error();
    if (PQntuples(r->get()) == 0) return make_error(code::kNotFound, "no detection " + id);
    return read_detection(r->get(), 0);
  }

  // Newest first (by insertion order); the cursor is the last item's seq.
  Result<Page<Detection>> list_detections(const std::string& tenant, const DetectionQuery& q) override {
    if (q.limit < 1 || q.limit > 1000)
      return make_error(code::kInvalidArgument, "limit must be between 1 and 1000", "limit");
    Param before;
    if (q.cursor) {
      auto c = parse_seq_cursor(q.cursor);
      if (!c) return c.error();
      before = p(*c);
    }
    Page<Detection> page;
    if (q.agent_id && !core::is_uuid(*q.agent_id)) return page;  // no detection has it
    Query query{std::string(kDetectionSelect) + " WHERE tenant_id = $1", {tenant}};
    auto arg = [&](Param v) {
      query.params.push_back(std::move(v));
      return "$" + std::to_string(query.params.size());
    };
    if (q.agent_id) query.sql += " AND agent_id = " + arg(*q.agent_id) + "::uuid";
    if (q.technique) {
      // The technique or one of its sub-techniques ("T1055" and "T1055.001"):
      // a range of the "C"-collated column.
      query.sql += " AND (technique = " + arg(*q.technique) + " OR (technique >= " + arg(*q.technique + ".") +
                   " AND technique < " + arg(*q.technique + "/") + "))";
    }
    if (q.since_ms) query.sql += " AND ts >= genesis_ts(" + arg(p(*q.since_ms)) + ")";
    if (q.until_ms) query.sql += " AND ts < genesis_ts(" + arg(p(*q.until_ms)) + ")";
    if (before) query.sql += " AND seq < " + arg(before) + "::bigint";
    query.sql += " ORDER BY seq DESC LIMIT " + arg(p(static_cast<int64_t>(q.limit + 1)));
    auto r = read_one(tenant, query);
    if (!r) return r.error();
    const int n = PQntuples(r->get());
    for (int i = 0; i < n; ++i) {
      if (page.items.size() == q.limit) {
        page.next_cursor = as_text(r->get(), i - 1, 9);
        break;
      }
      page.items.push_back(read_detection(r->get(), i));
    }
    return page;
  }

  Result<std::vector<CounterAgentRecord>> counter_agents(const std::string& tenant,
                                                         const std::string& agent_id) override {
    if (!core::is_uuid(agent_id)) return std::vector<CounterAgentRecord>{};
    auto r = read_one(tenant, {"SELECT id::text, tenant_id, agent_id::text, technique, detection_id::text, image, "
                               "policy, sandbox::text, genesis_ms(created_at) FROM counter_agent "
                               "WHERE tenant_id = $1 AND agent_id = $2 ORDER BY created_at, seq",
                               {tenant, agent_id}});
    if (!r) return r.error();
    std::vector<CounterAgentRecord> out;
    PGresult* rows = r->get();
    for (int i = 0; i < PQntuples(rows); ++i)
      out.push_back({as_text(rows, i, 0), as_text(rows, i, 1), as_text(rows, i, 2), as_text(rows, i, 3),
                     as_text(rows, i, 4), as_text(rows, i, 5), as_text(rows, i, 6),
                     json_or_null(as_text(rows, i, 7)), as_int(rows, i, 8)});
    return out;
  }

  // Every tenant's containments: row-level security shows one tenant at a
  // time, so this reads the tenant directory and then each tenant's rows, all
  // in one snapshot and one round trip after the first. A row whose tenant is
  // not in the directory is not read (the store never writes one: requests
  // of an unknown tenant are refused before they reach it).
  Result<std::vector<Containment>> active_containments(int64_t now) override {
    return read<std::vector<Containment>>([&](Session& s) -> Result<std::vector<Containment>> {
      auto tenants = s.pipeline({{"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", {}},
                                 {"SELECT id FROM tenant ORDER BY id COLLATE \"C\"", {}}});
      if (!tenants) return tenants.error();
      std::vector<std::pair<std::string, Params>> queries;
      PGresult* ids = (*tenants)[1].get();
      for (int i = 0; i < PQntuples(ids); ++i) {
        std::string t = as_text(ids, i, 0);
        queries.push_back({kSetTenant, {t}});
        queries.push_back({"SELECT tenant_id, agent_id::text, kind, counter_agent_id::text, technique, "
                           "genesis_ms(since), genesis_ms(until) FROM containment "
                           "WHERE tenant_id = $1 AND until > genesis_ts($2) ORDER BY seq",
                           {t, p(now)}});
      }
      queries.push_back({"COMMIT", {}});
      auto r = s.pipeline(queries);
      if (!r) return r.error();
      std::vector<Containment> out;
      for (size_t q = 1; q + 1 < r->size(); q += 2) {
        PGresult* rows = (*r)[q].get();
        for (int i = 0; i < PQntuples(rows); ++i)
          out.push_back({as_text(rows, i, 0), as_text(rows, i, 1), as_text(rows, i, 2), as_text(rows, i, 3),
                         as_text(rows, i, 4), as_int(rows, i, 5), as_int(rows, i, 6)});
      }
      return out;
    });
  }

  Result<std::vector<ActionRecord>> actions(const std::string& tenant, const std::string& detection_id) override {
    if (!core::is_uuid(detection_id)) return std::vector<ActionRecord>{};
    auto r = read_one(tenant, {"SELECT tenant_id, counter_agent_id::text, agent_id::text, detection_id::text, "
                               "action, status, detail::text, genesis_ms(ts) FROM response_action "
                               "WHERE tenant_id = $1 AND detection_id = $2 ORDER BY seq",
                               {tenant, detection_id}});
    if (!r) return r.error();
    std::vector<ActionRecord> out;
    PGresult* rows = r->get();
    for (int i = 0; i < PQntuples(rows); ++i)
      out.push_back({as_text(rows, i, 0), as_text(rows, i, 1), as_text(rows, i, 2), as_text(rows, i, 3),
                     as_text(rows, i, 4), as_text(rows, i, 5), json_or_null(as_text(rows, i, 6)),
                     as_int(rows, i, 7)});
    return out;
  }

  Result<std::vector<Evidence>> evidence(const std::string& tenant, const std::string& agent_id) override {
    if (!core::is_uuid(agent_id)) return std::vector<Evidence>{};
    auto r = read_one(tenant, {"SELECT id::text, tenant_id, agent_id::text, detection_id::text, "
                               "counter_agent_id::text, snapshot::text, genesis_ms(ts) FROM evidence "
                               "WHERE tenant_id = $1 AND agent_id = $2 ORDER BY ts, seq",
                               {tenant, agent_id}});
    if (!r) return r.error();
    std::vector<Evidence> out;
    PGresult* rows = r->get();
    for (int i = 0; i < PQntuples(rows); ++i)
      out.push_back({as_text(rows, i, 0), as_text(rows, i, 1), as_text(rows, i, 2), as_text(rows, i, 3),
                     as_text(rows, i, 4), json_or_null(as_text(rows, i, 5)), as_int(rows, i, 6)});
    return out;
  }

  Result<std::vector<Decision>> decisions(const std::string& tenant, const std::string& agent_id) override {
    if (!core::is_uuid(agent_id)) return std::vector<Decision>{};
    auto r = read_one(tenant, {"SELECT tenant_id, agent_id::text, subject, decision, reason, genesis_ms(ts) "
                               "FROM egress_decision WHERE tenant_id = $1 AND agent_id = $2 ORDER BY seq",
                               {tenant, agent_id}});
    if (!r) return r.error();
    std::vector<Decision> out;
    PGresult* rows = r->get();
    for (int i = 0; i < PQntuples(rows); ++i)
      out.push_back({as_text(rows, i, 0), as_text(rows, i, 1), as_text(rows, i, 2), as_text(rows, i, 3),
                     as_text(rows, i, 4), as_int(rows, i, 5)});
    return out;
  }

 private:
  // Store::transact's Transaction: each operation on the one session of the
  // write transaction (tenant set, SERIALIZABLE), a write under its own
  // SAVEPOINT so that a failed one leaves nothing and the body may go on. A
  // failure that dooms the whole transaction (serialization failure, deadlock,
  // a lost connection, a read that left it aborted) is kept: every later
  // operation returns it, and transact fails or retries the whole body.
  class PgTransaction final : public Transaction {
   public:
    PgTransaction(PostgresStore& store, Session& s, const std::string& tenant)
        : store_(store), s_(s), tenant_(tenant) {}

    const std::string& tenant() const override { return tenant_; }
    const std::optional<Error>& doomed() const { return doomed_; }

    Result<std::vector<Agent>> spawn(std::span<const NewAgent> agents) override {
      if (auto st = validate_spawn(agents); !st) return st.error();
      return write_op([&] { return store_.do_spawn(s_, tenant_, agents); });
    }
    Result<Agent> get(const std::string& id, bool include_deleted) override {
      return read_op([&]() -> Result<Agent> {
        if (!core::is_uuid(id)) return make_error(code::kNotFound, "no agent " + id);
        Query q = get_query(tenant_, id);
        auto r = s_.exec(q.sql, q.params);
        if (!r) return r.error();
        return get_result(r->get(), id, include_deleted);
      });
    }
    Result<Page<Agent>> list(const AgentQuery& q) override {
      if (auto st = validate_list(q); !st) return st.error();
      return read_op([&] { return store_.do_list(s_, tenant_, q); });
    }
    Result<Agent> update(const std::string& id, const AgentPatch& patch) override {
      if (patch.mem_state)
        if (auto st = validate_mem_state(*patch.mem_state); !st) return st.error();
      if (!core::is_uuid(id)) return make_error(code::kNotFound, "no agent " + id);
      return write_op([&] { return store_.do_update(s_, tenant_, id, patch); });
    }
    Result<MoveResult> move(const std::string& id, const std::optional<std::string>& new_parent) override {
      return write_op([&] { return store_.do_move(s_, tenant_, id, new_parent); });
    }
    Result<std::vector<Agent>> remove(const std::string& id, bool subtree, int64_t now) override {
      return write_op([&] { return store_.do_remove(s_, tenant_, id, subtree, now); });
    }
    Result<std::vector<CognitionEvent>> append_events(const std::string& agent_id,
                                                      std::span<const NewEvent> events) override {
      if (!core::is_uuid(agent_id)) return make_error(code::kNotFound, "no agent " + agent_id);
      return write_op([&] { return store_.do_append_events(s_, tenant_, agent_id, events); });
    }
    Result<Page<CognitionEvent>> list_events(const std::string& agent_id, const EventQuery& q) override {
      auto queries = events_queries(tenant_, agent_id, q);
      if (!queries) return queries.error();
      return read_op([&]() -> Result<Page<CognitionEvent>> {
        auto r = s_.pipeline({{(*queries)[0].sql, (*queries)[0].params}, {(*queries)[1].sql, (*queries)[1].params}});
        if (!r) return r.error();
        return events_result((*r)[0].get(), (*r)[1].get(), tenant_, agent_id, q);
      });
    }
    Status add_detections(const std::vector<Detection>& ds) override {
      return write_op([&] { return store_.do_add_detections(s_, tenant_, ds); });
    }
    Status set_counter_agent(const std::string& detection_id, const std::string& counter_agent_id) override {
      return write_op([&] { return store_.do_set_counter_agent(s_, tenant_, detection_id, counter_agent_id); });
    }
    Status record_response(const ResponseRecord& r) override {
      return write_op([&] { return store_.do_record_response(s_, tenant_, r); });
    }
    Status add_decision(const Decision& d) override {
      return write_op([&] { return store_.do_add_decision(s_, tenant_, d); });
    }

   private:
    template <typename F>
    auto write_op(F&& f) -> decltype(f()) {
      if (doomed_) return *doomed_;
      s_.clear_failure();
      if (auto st = s_.simple("SAVEPOINT tx_op"); !st) return doom(st.error());
      auto r = f();
      if (!r && dooming()) return doom(r.error());
      if (!r)
        if (auto st = s_.simple("ROLLBACK TO SAVEPOINT tx_op"); !st) return doom(st.error());
      if (auto st = s_.simple("RELEASE SAVEPOINT tx_op"); !st) return doom(st.error());
      return r;
    }

    template <typename F>
    auto read_op(F&& f) -> decltype(f()) {
      if (doomed_) return *doomed_;
      s_.clear_failure();
      auto r = f();
      if (!r && (dooming() || PQtransactionStatus(s_.conn().pg) == PQTRANS_INERROR)) return doom(r.error());
      return r;
    }

    // Only a new transaction can get past these.
    bool dooming() const { return s_.connection_lost() || s_.retryable(); }
    Error doom(Error e) {
      doomed_ = e;
      return e;
    }

    PostgresStore& store_;
    Session& s_;
    const std::string& tenant_;
    std::optional<Error> doomed_;
  };

  // ---- validation and single-statement queries, shared by both paths ----

  static Status validate_spawn(std::span<const NewAgent> agents) {
    for (size_t i = 0; i < agents.size(); ++i) {
      std::string where = agents.size() > 1 ? "agents[" + std::to_string(i) + "]" : "";
      if (auto s = validate_label(agents[i].label); !s) return located(s.error(), where);
      if (auto s = validate_mem_state(agents[i].mem_state); !s) return located(s.error(), where);
      if (agents[i].id && !core::is_uuid(*agents[i].id))
        return located(make_error(code::kInvalidArgument, "id must be a UUID", "id"), where);
    }
    return {};
  }

  static Status validate_list(const AgentQuery& q) {
    if (q.limit < 1 || q.limit > 1000)
      return make_error(code::kInvalidArgument, "limit must be between 1 and 1000", "limit");
    if (auto after = parse_seq_cursor(q.cursor); !after) return after.error();
    if (q.subtree_of && !core::is_uuid(*q.subtree_of))
      return make_error(code::kNotFound, "no agent " + *q.subtree_of);
    return {};
  }

  static Query get_query(const std::string& tenant, const std::string& id) {
    return {std::string("SELECT ") + kAgentColumns + " FROM agent WHERE tenant_id = $1 AND id = $2", {tenant, id}};
  }

  static Result<Agent> get_result(PGresult* rows, const std::string& id, bool include_deleted) {
    if (PQntuples(rows) == 0) return make_error(code::kNotFound, "no agent " + id);
    Row row = read_row(rows, 0);
    if (!include_deleted && row.agent.deleted_at_ms) return make_error(code::kNotFound, "agent " + id + " is deleted");
    return std::move(row.agent);
  }

  // An agent's events: [0] whether the agent exists, [1] the page's rows.
  static Result<std::vector<Query>> events_queries(const std::string& tenant, const std::string& agent_id,
                                                   const EventQuery& q) {
    if (q.limit < 1 || q.limit > 1000)
      return make_error(code::kInvalidArgument, "limit must be between 1 and 1000", "limit");
    Param cursor_ts, cursor_seq;
    if (q.cursor) {
      auto colon = q.cursor->find(':');
      try {
        if (colon == std::string::npos) throw std::invalid_argument("cursor");
        cursor_ts = std::to_string(std::stoll(q.cursor->substr(0, colon)));
        cursor_seq = std::to_string(std::stoll(q.cursor->substr(colon + 1)));
      } catch (const std::exception&) {
        return make_error(code::kInvalidArgument, "malformed cursor", "cursor");
      }
    }
    if (!core::is_uuid(agent_id)) return make_error(code::kNotFound, "no agent " + agent_id);
    Param since, until;
    if (q.since_ms) since = std::to_string(*q.since_ms);
    if (q.until_ms) until = std::to_string(*q.until_ms);
    return std::vector<Query>{
        {"SELECT 1 FROM agent WHERE tenant_id = $1 AND id = $2", {tenant, agent_id}},
        {"SELECT seq, id::text, type, payload::text, genesis_ms(ts) FROM cognition_event "
         "WHERE agent_id = $1 AND tenant_id = $2 "
         "AND ($3::bigint IS NULL OR ts >= genesis_ts($3)) AND ($4::bigint IS NULL OR ts < genesis_ts($4)) "
         "AND ($5::bigint IS NULL OR ts < genesis_ts($5) OR (ts = genesis_ts($5) AND seq < $6::bigint)) "
         "ORDER BY ts DESC, seq DESC LIMIT $7",
         {agent_id, tenant, since, until, cursor_ts, cursor_seq, p(static_cast<int64_t>(q.limit + 1))}}};
  }

  static Result<Page<CognitionEvent>> events_result(PGresult* exists, PGresult* rows, const std::string& tenant,
                                                    const std::string& agent_id, const EventQuery& q) {
    if (PQntuples(exists) == 0) return make_error(code::kNotFound, "no agent " + agent_id);
    Page<CognitionEvent> page;
    int n = PQntuples(rows);
    for (int i = 0; i < n; ++i) {
      if (page.items.size() == q.limit) {
        page.next_cursor = std::to_string(page.items.back().ts_ms) + ":" + as_text(rows, i - 1, 0);
        break;
      }
      CognitionEvent e;
      e.id = as_text(rows, i, 1);
      e.tenant_id = tenant;
      e.agent_id = agent_id;
      e.type = parse_cognition_type(as_text(rows, i, 2)).value_or(CognitionType::kPerceive);
      e.payload = json_or_null(as_text(rows, i, 3));
      e.ts_ms = as_int(rows, i, 4);
      page.items.push_back(std::move(e));
    }
    return page;
  }

  static constexpr const char* kDetectionSelect =
      "SELECT id::text, tenant_id, agent_id::text, technique, tactic, rules::text, event::text, genesis_ms(ts), "
      "counter_agent_id::text, seq FROM detection";

  static Detection read_detection(PGresult* r, int i) {
    Detection d;
    d.id = as_text(r, i, 0);
    d.tenant_id = as_text(r, i, 1);
    d.agent_id = as_text(r, i, 2);
    d.technique = as_text(r, i, 3);
    d.tactic = as_text(r, i, 4);
    Value rules = json_or_null(as_text(r, i, 5));
    if (rules.is_array())
      for (const auto& x : rules.as_array())
        if (x.is_string()) d.rules.push_back(x.as_string());
    d.event = json_or_null(as_text(r, i, 6));
    d.ts_ms = as_int(r, i, 7);
    if (!is_null(r, i, 8)) d.counter_agent_id = as_text(r, i, 8);
    return d;
  }

  // ---- the operations, each over one session in a transaction of `tenant` ----

  Result<std::vector<Agent>> do_spawn(Session& s, const std::string& tenant, std::span<const NewAgent> agents) {
    if (agents.empty()) return std::vector<Agent>{};
    // Parents outside the batch, in one query.
    std::vector<Param> outside;
    std::set<std::string> batch_ids;
    for (const NewAgent& n : agents) {
      if (n.parent_id && !batch_ids.count(*n.parent_id)) {
        if (!core::is_uuid(*n.parent_id)) return make_error(code::kNotFound, "no agent " + *n.parent_id);
        outside.push_back(*n.parent_id);
      }
      if (n.id) batch_ids.insert(*n.id);
    }
    struct Place {
      std::string path, key;
      bool deleted = false;
    };
    std::unordered_map<std::string, Place> places;
    if (!outside.empty()) {
      auto r = s.exec(
          "SELECT id::text, path, spawn_tree::text, deleted_at IS NOT NULL FROM agent "
          "WHERE tenant_id = $1 AND id = ANY($2::uuid[]) FOR KEY SHARE",
          {tenant, text_array(outside)});
      if (!r) return r.error();
      for (int i = 0; i < PQntuples(r->get()); ++i)
        places[as_text(r->get(), i, 0)] = {as_text(r->get(), i, 1), as_text(r->get(), i, 2),
                                           as_text(r->get(), i, 3) == "t"};
    }
    auto seqs = s.exec("SELECT nextval('agent_seq') FROM generate_series(1, $1)",
                       {p(static_cast<int64_t>(agents.size()))});
    if (!seqs) return seqs.error();
    std::vector<int64_t> seq(agents.size());
    for (size_t i = 0; i < agents.size(); ++i) seq[i] = as_int(seqs->get(), static_cast<int>(i), 0);
    std::sort(seq.begin(), seq.end());

    const int64_t now = core::now_ms();
    std::vector<Agent> out;
    out.reserve(agents.size());
    std::vector<Param> ids, parents, labels, paths, keys, mems, goals, emotions, policies;
    for (size_t i = 0; i < agents.size(); ++i) {
      const NewAgent& n = agents[i];
      std::string parent_path, parent_key;
      if (n.parent_id) {
        auto it = places.find(*n.parent_id);
        if (it == places.end()) return make_error(code::kNotFound, "no agent " + *n.parent_id);
        if (it->second.deleted)
          return make_error(code::kConflict, "parent agent " + *n.parent_id + " is deleted", "parent_id");
        parent_path = it->second.path + ".";
        parent_key = it->second.key + ".";
      }
      Agent a;
      a.id = n.id ? *n.id : core::new_uuid();
      a.tenant_id = tenant;
      a.parent_id = n.parent_id;
      a.label = n.label;
      a.path = parent_path + n.label;
      a.mem_state = n.mem_state;
      a.goals = n.goals;
      a.emotion = n.emotion;
      a.policy = n.policy;
      a.created_at_ms = now;
      std::string key = parent_key + std::to_string(seq[i]);
      // Later members may hang under this one (by its pre-assigned id).
      places[a.id] = {a.path, key, false};
      ids.push_back(a.id);
      parents.push_back(a.parent_id);
      labels.push_back(a.label);
      paths.push_back(a.path);
      keys.push_back(key);
      mems.push_back(core::to_json(a.mem_state));
      goals.push_back(core::to_json(goals_to_json(a.goals)));
      emotions.push_back(core::to_json(emotion_to_json(a.emotion)));
      policies.push_back(a.policy);
      out.push_back(std::move(a));
    }
    auto r = s.exec(
        "INSERT INTO agent (seq, id, tenant_id, parent_id, label, path, spawn_tree, mem_state, goals, "
        "emotion, policy, created_at) "
        "SELECT u.s, u.i, $1, u.p, u.l, u.pa, u.k::ltree, u.m::jsonb, u.g::jsonb, u.e::jsonb, u.po, "
        "genesis_ts($2) FROM unnest($3::bigint[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], "
        "$8::text[], $9::text[], $10::text[], $11::text[], $12::text[]) AS u(s, i, p, l, pa, k, m, g, e, po)",
        {tenant, p(now), int_array(seq), text_array(ids), text_array(parents), text_array(labels),
         text_array(paths), text_array(keys), text_array(mems), text_array(goals), text_array(emotions),
         text_array(policies)});
    if (!r) {
      if (r.error().code == code::kConflict)
        return make_error(code::kConflict, "an agent with one of these ids already exists", "id");
      return r.error();
    }
    return out;
  }

  Result<Agent> do_update(Session& s, const std::string& tenant, const std::string& id, const AgentPatch& patch) {
    Param mem, goals, emotion, policy;
    if (patch.mem_state) mem = core::to_json(*patch.mem_state);
    if (patch.goals) goals = core::to_json(goals_to_json(*patch.goals));
    if (patch.emotion) emotion = core::to_json(emotion_to_json(*patch.emotion));
    if (patch.policy) policy = *patch.policy;
    auto r = s.exec(std::string("UPDATE agent SET mem_state = coalesce($3::jsonb, mem_state), "
                                "goals = coalesce($4::jsonb, goals), emotion = coalesce($5::jsonb, emotion), "
                                "policy = coalesce($6, policy) "
                                "WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ") +
                        kAgentColumns,
                    {tenant, id, mem, goals, emotion, policy});
    if (!r) return r.error();
    if (PQntuples(r->get()) == 1) return std::move(read_row(r->get(), 0).agent);
    auto missing = load(s, tenant, id, false);
    return missing ? make_error(code::kNotFound, "no agent " + id) : missing.error();
  }

  // The moved agent's row is locked, its new parent read: two concurrent moves
  // that would together make a cycle read each other's rows, and SERIALIZABLE
  // lets only one of them commit (the other is retried and then refused).
  Result<MoveResult> do_move(Session& s, const std::string& tenant, const std::string& id,
                             const std::optional<std::string>& new_parent) {
    auto row = load(s, tenant, id, false, /*lock=*/true);
    if (!row) return row.error();
    std::string new_path = row->agent.label, new_key = std::to_string(row->seq);
    if (new_parent) {
      auto parent = load(s, tenant, *new_parent, true);
      if (!parent) return located(parent.error(), "new_parent");
      if (parent->agent.deleted_at_ms)
        return make_error(code::kConflict, "new parent " + *new_parent + " is deleted", "new_parent");
      if (within(parent->key, row->key))
        return make_error(code::kConflict,
                          parent->seq == row->seq
                              ? "cannot move agent " + id + " under itself"
                              : "cannot move agent " + id + " under its own descendant " + *new_parent,
                          "new_parent");
      new_path = parent->agent.path + "." + new_path;
      new_key = parent->key + "." + new_key;
    }
    MoveResult result;
    result.old_path = row->agent.path;
    auto r = s.exec(
        "UPDATE agent SET path = $1 || substr(path, $2), "
        "spawn_tree = ($3 || substr(spawn_tree::text, $4))::ltree "
        "WHERE tenant_id = $5 AND tree_key >= $6 AND tree_key < $7",
        {new_path, p(static_cast<int64_t>(row->agent.path.size() + 1)), new_key,
         p(static_cast<int64_t>(row->key.size() + 1)), tenant, tree_lo(row->key), tree_hi(row->key)});
    if (!r) return r.error();
    result.subtree_size = std::strtoll(PQcmdTuples(r->get()), nullptr, 10);
    auto pr = s.exec("UPDATE agent SET parent_id = $1 WHERE seq = $2", {new_parent, p(row->seq)});
    if (!pr) return pr.error();
    result.agent = std::move(row->agent);
    result.agent.parent_id = new_parent;
    result.agent.path = new_path;
    return result;
  }

  Result<std::vector<Agent>> do_remove(Session& s, const std::string& tenant, const std::string& id, bool subtree,
                                       int64_t now) {
    auto row = load(s, tenant, id, false, /*lock=*/true);
    if (!row) return row.error();
    std::vector<Agent> removed;
    if (subtree) {
      auto r = s.exec(std::string("UPDATE agent SET deleted_at = genesis_ts($1) WHERE tenant_id = $2 "
                                  "AND tree_key >= $3 AND tree_key < $4 "
                                  "AND deleted_at IS NULL RETURNING ") +
                          kAgentColumns,
                      {p(now), tenant, tree_lo(row->key), tree_hi(row->key)});
      if (!r) return r.error();
      std::vector<Row> rows;
      for (int i = 0; i < PQntuples(r->get()); ++i) rows.push_back(read_row(r->get(), i));
      // In tree-key order, as the SQLite store returns them (".1.7." text order).
      std::sort(rows.begin(), rows.end(),
                [](const Row& a, const Row& b) { return "." + a.key + "." < "." + b.key + "."; });
      for (Row& x : rows) removed.push_back(std::move(x.agent));
    } else {
      // The tree invariant: no live agent under a deleted one.
      auto kids = s.exec("SELECT 1 FROM agent WHERE tenant_id = $1 AND parent_id = $2 AND deleted_at IS NULL LIMIT 1",
                         {tenant, id});
      if (!kids) return kids.error();
      if (PQntuples(kids->get()) > 0)
        return make_error(code::kConflict,
                          "agent " + id +
                              " has live child agents: delete the whole subtree (subtree=true) or "
                              "move its children first",
                          "subtree");
      auto r = s.exec("UPDATE agent SET deleted_at = genesis_ts($1) WHERE seq = $2", {p(now), p(row->seq)});
      if (!r) return r.error();
      removed.push_back(std::move(row->agent));
    }
    for (Agent& a : removed) a.deleted_at_ms = now;
    return removed;
  }

  Result<std::vector<CognitionEvent>> do_append_events(Session& s, const std::string& tenant,
                                                       const std::string& agent_id, std::span<const NewEvent> events) {
    auto a = s.exec("SELECT deleted_at IS NOT NULL FROM agent WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE",
                    {tenant, agent_id});
    if (!a) return a.error();
    if (PQntuples(a->get()) == 0) return make_error(code::kNotFound, "no agent " + agent_id);
    if (as_text(a->get(), 0, 0) == "t") return make_error(code::kNotFound, "agent " + agent_id + " is deleted");
    std::vector<CognitionEvent> out;
    out.reserve(events.size());
    const int64_t now = core::now_ms();
    std::vector<Param> ids, types, payloads;
    std::vector<int64_t> ts;
    for (const NewEvent& n : events) {
      CognitionEvent e;
      e.id = core::new_uuid();
      e.tenant_id = tenant;
      e.agent_id = agent_id;
      e.type = n.type;
      e.payload = n.payload;
      e.ts_ms = n.ts_ms ? *n.ts_ms : now;
      ids.push_back(e.id);
      types.push_back(std::string(cognition_type_name(e.type)));
      payloads.push_back(core::to_json(e.payload));
      ts.push_back(e.ts_ms);
      out.push_back(std::move(e));
    }
    if (out.empty()) return out;
    auto r = s.exec(
        "INSERT INTO cognition_event (id, tenant_id, agent_id, type, payload, ts) "
        "SELECT u.i, $1, $2::uuid, u.t, u.p::jsonb, genesis_ts(u.ts) "
        "FROM unnest($3::uuid[], $4::text[], $5::text[], $6::bigint[]) AS u(i, t, p, ts)",
        {tenant, agent_id, text_array(ids), text_array(types), text_array(payloads), int_array(ts)});
    if (!r) return r.error();
    return out;
  }

  Status do_put_policy(Session& s, const std::string& tenant, const PolicyModule& module) {
    auto r = s.exec(
        "INSERT INTO policy_module (tenant_id, id, source, updated_at) VALUES ($1, $2, $3, now()) "
        "ON CONFLICT (tenant_id, id) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at",
        {tenant, module.id, module.source});
    if (!r) return r.error();
    return {};
  }

  Status do_delete_policy(Session& s, const std::string& tenant, const std::string& id) {
    auto r = s.exec("DELETE FROM policy_module WHERE tenant_id = $1 AND id = $2", {tenant, id});
    if (!r) return r.error();
    if (std::string(PQcmdTuples(r->get())) == "0") return make_error(code::kNotFound, "no policy " + id);
    return {};
  }

  Status do_put_policy_data(Session& s, const std::string& tenant, const std::string& json) {
    auto r = s.exec(
        "INSERT INTO policy_data (tenant_id, document, updated_at) VALUES ($1, $2, now()) "
        "ON CONFLICT (tenant_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at",
        {tenant, json});
    if (!r) return r.error();
    return {};
  }

  Result<std::vector<EmotionUpdateResult>> do_set_emotions(Session& s, const std::string& tenant,
                                                           std::span<const EmotionUpdate> updates) {
    // The last update of an agent wins, as if they were applied in order.
    std::unordered_map<std::string, size_t> last;
    for (size_t i = 0; i < updates.size(); ++i)
      if (core::is_uuid(updates[i].agent_id)) last[updates[i].agent_id] = i;
    std::vector<Param> ids, emotions;
    for (const auto& [id, i] : last) {
      ids.push_back(id);
      emotions.push_back(core::to_json(emotion_to_json(updates[i].emotion)));
    }
    std::vector<EmotionUpdateResult> out(updates.size());
    if (ids.empty()) return out;
    auto r = s.exec(
        "UPDATE agent AS a SET emotion = u.e::jsonb "
        "FROM unnest($2::uuid[], $3::text[]) AS u(i, e) "
        "WHERE a.tenant_id = $1 AND a.id = u.i AND a.deleted_at IS NULL "
        "RETURNING a.id::text, jsonb_array_length(a.goals)",
        {tenant, text_array(ids), text_array(emotions)});
    if (!r) return r.error();
    std::unordered_map<std::string, int64_t> goal_counts;
    for (int i = 0; i < PQntuples(r->get()); ++i) goal_counts[as_text(r->get(), i, 0)] = as_int(r->get(), i, 1);
    for (size_t i = 0; i < updates.size(); ++i) {
      auto it = goal_counts.find(lower(updates[i].agent_id));
      if (it == goal_counts.end()) continue;
      out[i].updated = true;
      out[i].goal_count = it->second;
    }
    return out;
  }

  Result<GoalTransfer> do_transfer_goals(Session& s, const std::string& tenant, const std::string& from,
                                         const std::string& to, const TransferPlan& plan) {
    // Both rows locked, in id order (no deadlock between opposite transfers).
    if (core::is_uuid(from) && core::is_uuid(to)) {
      auto locked = s.exec("SELECT 1 FROM agent WHERE tenant_id = $1 AND id IN ($2, $3) ORDER BY id FOR UPDATE",
                           {tenant, from, to});
      if (!locked) return locked.error();
    }
    auto giver = load(s, tenant, from, false);
    if (!giver) return located(giver.error(), "from");
    auto taker = load(s, tenant, to, false);
    if (!taker) return located(taker.error(), "to");
    GoalTransfer t;
    auto taken = [&](const std::string& id) {
      for (const Goal& x : taker->agent.goals)
        if (x.id == id) return true;
      for (const Goal& x : t.moved)
        if (x.id == id) return true;
      return false;
    };
    for (const Goal& g : giver->agent.goals) {
      Goal moved = g;
      if (taken(moved.id)) {
        std::string base = g.id + "@" + from;
        moved.id = base;
        for (int n = 2; taken(moved.id); ++n) moved.id = base + "." + std::to_string(n);
      }
      t.moved.push_back(std::move(moved));
    }
    auto events = plan(giver->agent, taker->agent, t.moved);
    if (!events) return events.error();
    giver->agent.goals.clear();
    taker->agent.goals.insert(taker->agent.goals.end(), t.moved.begin(), t.moved.end());
    for (Row* r : {&*giver, &*taker}) {
      auto u = s.exec("UPDATE agent SET goals = $1::jsonb WHERE seq = $2",
                      {core::to_json(goals_to_json(r->agent.goals)), p(r->seq)});
      if (!u) return u.error();
    }
    const int64_t now = core::now_ms();
    for (auto [row, n] : {std::pair{&*giver, &events->first}, std::pair{&*taker, &events->second}}) {
      CognitionEvent e;
      e.id = core::new_uuid();
      e.tenant_id = tenant;
      e.agent_id = row->agent.id;
      e.type = n->type;
      e.payload = n->payload;
      e.ts_ms = n->ts_ms ? *n->ts_ms : now;
      auto ins = s.exec(
          "INSERT INTO cognition_event (id, tenant_id, agent_id, type, payload, ts) "
          "VALUES ($1, $2, $3, $4, $5::jsonb, genesis_ts($6))",
          {e.id, tenant, e.agent_id, std::string(cognition_type_name(e.type)), core::to_json(e.payload),
           p(e.ts_ms)});
      if (!ins) return ins.error();
      t.events.push_back(std::move(e));
    }
    t.from = std::move(giver->agent);
    t.to = std::move(taker->agent);
    return t;
  }

  Result<Page<Agent>> do_list(Session& s, const std::string& tenant, const AgentQuery& q) {
    auto after = parse_seq_cursor(q.cursor);
    if (!after) return after.error();
    std::string sql = std::string("SELECT ") + kAgentColumns + " FROM agent WHERE tenant_id = $1 AND seq > $2";
    Params params = {tenant, p(*after)};
    auto arg = [&](Param v) {
      params.push_back(std::move(v));
      return "$" + std::to_string(params.size());
    };
    std::string order = "seq";
    if (q.subtree_of) {
      auto root = s.exec("SELECT spawn_tree::text FROM agent WHERE tenant_id = $1 AND id = $2",
                         {tenant, *q.subtree_of});
      if (!root) return root.error();
      if (PQntuples(root->get()) == 0) return make_error(code::kNotFound, "no agent " + *q.subtree_of);
      std::string key = as_text(root->get(), 0, 0);
      sql += " AND tree_key >= " + arg(tree_lo(key)) + " AND tree_key < " + arg(tree_hi(key));
      order = "seq + 0";  // the subtree range is the selective part: sort what it finds
    } else if (q.path) {
      std::string lo = *q.path + ".", hi = *q.path + "/";
      sql += " AND (path = " + arg(*q.path) + " OR (path >= " + arg(lo) + " AND path < " + arg(hi) + "))";
    }
    if (q.label) sql += " AND label = " + arg(*q.label);
    if (!q.include_deleted) sql += " AND deleted_at IS NULL";
    sql += " ORDER BY " + order + " LIMIT " + arg(p(static_cast<int64_t>(q.limit + 1)));
    auto r = s.exec(sql, params, /*fresh_plan=*/true);
    if (!r) return r.error();
    Page<Agent> page;
    int n = PQntuples(r->get());
    for (int i = 0; i < n && page.items.size() < q.limit; ++i) {
      Row row = read_row(r->get(), i);
      if (page.items.size() + 1 == q.limit && i + 1 < n) page.next_cursor = std::to_string(row.seq);
      page.items.push_back(std::move(row.agent));
    }
    return page;
  }

  Status do_add_detections(Session& s, const std::string& tenant, const std::vector<Detection>& ds) {
    std::vector<Param> ids, agents, techniques, tactics, rules, events, counters;
    std::vector<int64_t> ts;
    for (const Detection& d : ds) {
      if (d.tenant_id != tenant) return wrong_tenant("detection", d.tenant_id, tenant);
      if (auto st = require_uuid(d.id, "id"); !st) return st;
      if (auto st = require_uuid(d.agent_id, "agent_id"); !st) return st;
      if (d.counter_agent_id)
        if (auto st = require_uuid(*d.counter_agent_id, "counter_agent_id"); !st) return st;
      Value r = Value::array();
      for (const auto& x : d.rules) r.push_back(x);
      ids.push_back(d.id);
      agents.push_back(d.agent_id);
      techniques.push_back(d.technique);
      tactics.push_back(d.tactic);
      rules.push_back(core::to_json(r));
      events.push_back(core::to_json(d.event));
      counters.push_back(d.counter_agent_id);
      ts.push_back(d.ts_ms);
    }
    if (ds.empty()) return {};
    // In the batch's order (seq is the newest-first order of list_detections).
    auto r = s.exec(
        "INSERT INTO detection (id, tenant_id, agent_id, technique, tactic, rules, event, ts, counter_agent_id) "
        "SELECT u.i, $1, u.a, u.t, u.ta, u.r::jsonb, u.e::jsonb, genesis_ts(u.ts), u.c "
        "FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], "
        "$9::uuid[]) WITH ORDINALITY AS u(i, a, t, ta, r, e, ts, c, n) ORDER BY u.n",
        {tenant, text_array(ids), text_array(agents), text_array(techniques), text_array(tactics),
         text_array(rules), text_array(events), int_array(ts), text_array(counters)});
    if (!r) {
      if (r.error().code == code::kConflict)
        return make_error(code::kConflict, "a detection with one of these ids already exists", "id");
      return r.error();
    }
    return {};
  }

  Status do_set_counter_agent(Session& s, const std::string& tenant, const std::string& detection_id,
                              const std::string& counter_agent_id) {
    if (!core::is_uuid(detection_id)) return make_error(code::kNotFound, "no detection " + detection_id);
    if (auto st = require_uuid(counter_agent_id, "counter_agent_id"); !st) return st;
    auto r = s.exec("UPDATE detection SET counter_agent_id = $1 WHERE tenant_id = $2 AND id = $3",
                    {counter_agent_id, tenant, detection_id});
    if (!r) return r.error();
    if (std::string(PQcmdTuples(r->get())) == "0") return make_error(code::kNotFound, "no detection " + detection_id);
    return {};
  }

  // The counter-agent's record, its detection linked to it, and its
  // containments, evidence and actions: one round trip (a pipeline).
  Status do_record_response(Session& s, const std::string& tenant, const ResponseRecord& rec) {
    const CounterAgentRecord& c = rec.counter_agent;
    if (c.tenant_id != tenant) return wrong_tenant("counter-agent", c.tenant_id, tenant);
    if (auto st = require_uuid(c.id, "counter_agent.id"); !st) return st;
    if (auto st = require_uuid(c.agent_id, "counter_agent.agent_id"); !st) return st;
    if (!core::is_uuid(c.detection_id)) return make_error(code::kNotFound, "no detection " + c.detection_id);
    std::vector<std::pair<std::string, Params>> queries;
    queries.push_back({"INSERT INTO counter_agent (id, tenant_id, agent_id, technique, detection_id, image, policy, "
                       "sandbox, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, genesis_ts($9))",
                       {c.id, tenant, c.agent_id, c.technique, c.detection_id, c.image, c.policy,
                        core::to_json(c.sandbox), p(c.created_at_ms)}});
    queries.push_back({"UPDATE detection SET counter_agent_id = $1 WHERE tenant_id = $2 AND id = $3",
                       {c.id, tenant, c.detection_id}});
    if (!rec.containments.empty()) {
      std::vector<Param> agents, kinds, counters, techniques;
      std::vector<int64_t> since, until;
      for (const Containment& k : rec.containments) {
        if (auto st = require_uuid(k.agent_id, "containments.agent_id"); !st) return st;
        if (auto st = require_uuid(k.counter_agent_id, "containments.counter_agent_id"); !st) return st;
        agents.push_back(k.agent_id);
        kinds.push_back(k.kind);
        counters.push_back(k.counter_agent_id);
        techniques.push_back(k.technique);
        since.push_back(k.since_ms);
        until.push_back(k.until_ms);
      }
      queries.push_back({"INSERT INTO containment (tenant_id, agent_id, kind, counter_agent_id, technique, since, "
                         "until) SELECT $1, u.a, u.k, u.c, u.t, genesis_ts(u.s), genesis_ts(u.u) "
                         "FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::bigint[], $7::bigint[]) "
                         "WITH ORDINALITY AS u(a, k, c, t, s, u, n) ORDER BY u.n",
                         {tenant, text_array(agents), text_array(kinds), text_array(counters),
                          text_array(techniques), int_array(since), int_array(until)}});
    }
    if (!rec.evidence.empty()) {
      std::vector<Param> ids, agents, detections, counters, snapshots;
      std::vector<int64_t> ts;
      for (const Evidence& e : rec.evidence) {
        if (auto st = require_uuid(e.id, "evidence.id"); !st) return st;
        if (auto st = require_uuid(e.agent_id, "evidence.agent_id"); !st) return st;
        if (auto st = require_uuid(e.detection_id, "evidence.detection_id"); !st) return st;
        if (auto st = require_uuid(e.counter_agent_id, "evidence.counter_agent_id"); !st) return st;
        ids.push_back(e.id);
        agents.push_back(e.agent_id);
        detections.push_back(e.detection_id);
        counters.push_back(e.counter_agent_id);
        snapshots.push_back(core::to_json(e.snapshot));
        ts.push_back(e.ts_ms);
      }
      queries.push_back({"INSERT INTO evidence (id, tenant_id, agent_id, detection_id, counter_agent_id, snapshot, "
                         "ts) SELECT u.i, $1, u.a, u.d, u.c, u.s::jsonb, genesis_ts(u.ts) "
                         "FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::bigint[]) "
                         "WITH ORDINALITY AS u(i, a, d, c, s, ts, n) ORDER BY u.n",
                         {tenant, text_array(ids), text_array(agents), text_array(detections),
                          text_array(counters), text_array(snapshots), int_array(ts)}});
    }
    if (!rec.actions.empty()) {
      std::vector<Param> counters, agents, detections, actions, statuses, details;
      std::vector<int64_t> ts;
      for (const ActionRecord& a : rec.actions) {
        if (auto st = require_uuid(a.counter_agent_id, "actions.counter_agent_id"); !st) return st;
        if (auto st = require_uuid(a.agent_id, "actions.agent_id"); !st) return st;
        if (auto st = require_uuid(a.detection_id, "actions.detection_id"); !st) return st;
        counters.push_back(a.counter_agent_id);
        agents.push_back(a.agent_id);
        detections.push_back(a.detection_id);
        actions.push_back(a.action);
        statuses.push_back(a.status);
        details.push_back(core::to_json(a.detail));
        ts.push_back(a.ts_ms);
      }
      queries.push_back({"INSERT INTO response_action (tenant_id, counter_agent_id, agent_id, detection_id, action, "
                         "status, detail, ts) SELECT $1, u.c, u.a, u.d, u.ac, u.s, u.de::jsonb, genesis_ts(u.ts) "
                         "FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], "
                         "$8::bigint[]) WITH ORDINALITY AS u(c, a, d, ac, s, de, ts, n) ORDER BY u.n",
                         {tenant, text_array(counters), text_array(agents), text_array(detections),
                          text_array(actions), text_array(statuses), text_array(details), int_array(ts)}});
    }
    auto r = s.pipeline(queries);
    if (!r) {
      if (r.error().code == code::kConflict)
        return make_error(code::kConflict, "counter-agent " + c.id + " or one of its evidence ids is recorded already",
                          "id");
      return r.error();
    }
    if (std::string(PQcmdTuples((*r)[1].get())) == "0")
      return make_error(code::kNotFound, "no detection " + c.detection_id);
    return {};
  }

  Status do_add_decision(Session& s, const std::string& tenant, const Decision& d) {
    if (d.tenant_id != tenant) return wrong_tenant("decision", d.tenant_id, tenant);
    if (auto st = require_uuid(d.agent_id, "agent_id"); !st) return st;
    auto r = s.exec(
        "INSERT INTO egress_decision (tenant_id, agent_id, subject, decision, reason, ts) "
        "VALUES ($1, $2, $3, $4, $5, genesis_ts($6))",
        {tenant, d.agent_id, d.subject, d.decision, d.reason, p(d.ts_ms)});
    if (!r) return r.error();
    return {};
  }

  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  Result<Row> load(Session& s, const std::string& tenant, const std::string& id, bool include_deleted,
                   bool lock = false) {
    if (!core::is_uuid(id)) return make_error(code::kNotFound, "no agent " + id);
    auto r = s.exec(std::string("SELECT ") + kAgentColumns + " FROM agent WHERE tenant_id = $1 AND id = $2" +
                        (lock ? " FOR UPDATE" : ""),
                    {tenant, id});
    if (!r) return r.error();
    if (PQntuples(r->get()) == 0) return make_error(code::kNotFound, "no agent " + id);
    Row row = read_row(r->get(), 0);
    if (!include_deleted && row.agent.deleted_at_ms)
      return make_error(code::kNotFound, "agent " + id + " is deleted");
    return row;
  }

  // ---- transactions ----

  // Multi-statement reads run in one transaction (REPEATABLE READ: one snapshot).
  Status begin_read(Session& s, const std::string& tenant, bool snapshot) {
    auto r = s.pipeline({{snapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN READ ONLY", {}},
                         {kSetTenant, {tenant}}});
    if (!r) return r.error();
    return {};
  }

  // A one-statement read as `tenant`: the tenant and the statement in one
  // round trip (a pipeline is one implicit transaction, so SET LOCAL holds).
  Result<Res> read_one(const std::string& tenant, const Query& q) {
    return read<Res>([&](Session& s) -> Result<Res> {
      auto r = s.pipeline({{kSetTenant, {tenant}}, {q.sql, q.params}});
      if (!r) return r.error();
      return std::move((*r)[1]);
    });
  }

  // A read on a pooled connection; retried on a fresh connection when the one
  // it had was lost (a restarted server leaves every pooled connection dead).
  template <typename T, typename Op>
  Result<T> read(const Op& op) {
    for (size_t attempt = 0;; ++attempt) {
      auto c = pool_.acquire();
      if (!c) return c.error();
      Result<T> r = [&]() -> Result<T> {
        Session s(**c);
        Result<T> out = op(s);
        if (!out && !s.connection_lost() && PQtransactionStatus((*c)->pg) != PQTRANS_IDLE)
          (void)s.simple("ROLLBACK");
        return out;
      }();
      bool lost = (*c)->broken;
      pool_.release(std::move(*c));
      if (!lost) return r;
      pool_.drop_idle();
      if (attempt >= 2) return r;
    }
  }

  template <typename Op>
  Status write_status(const std::string& tenant, const Op& op) {
    auto r = write<bool>(tenant, [&](Session& s) -> Result<bool> {
      if (auto st = op(s); !st) return st.error();
      return true;
    }, {});
    if (!r) return r.error();
    return {};
  }

  // A write: one SERIALIZABLE transaction with the tenant set, retried when
  // PostgreSQL reports a serialization failure or deadlock, or when the
  // connection was lost before COMMIT was sent (nothing was committed then).
  // Returns once the commit is durable and the hooks up to it have run.
  template <typename T, typename Op>
  Result<T> write(const std::string& tenant, const Op& op, const OnCommit<T>& on_commit) {
    std::minstd_rand rng(static_cast<unsigned>(std::hash<std::thread::id>()(std::this_thread::get_id())));
    size_t lost_attempts = 0;
    for (int attempt = 0;; ++attempt) {
      auto c = pool_.acquire();
      if (!c) return c.error();
      Conn& conn = **c;
      Session s(conn);
      Result<T> result = [&]() -> Result<T> {
        char* t = PQescapeLiteral(conn.pg, tenant.c_str(), tenant.size());
        if (!t) return s.lost();
        std::string begin = std::string("BEGIN ISOLATION LEVEL SERIALIZABLE; SELECT set_config('app.tenant_id', ") +
                            t + ", true)";
        PQfreemem(t);
        if (auto st = s.simple(begin); !st) return st.error();
        Result<T> out = op(s);
        // An aborted transaction's COMMIT would answer ROLLBACK as if it were
        // fine: an operation that ignored a failure must not commit.
        if (out && PQtransactionStatus(conn.pg) != PQTRANS_INTRANS)
          return make_error(code::kUnavailable, "PostgreSQL: the transaction failed and was not committed" +
                                                    (s.failure() ? ": " + s.failure()->message : std::string()));
        return out;
      }();
      if (!result) {
        bool retry = s.retryable();
        bool lost = s.connection_lost();
        if (!lost && PQtransactionStatus(conn.pg) != PQTRANS_IDLE) (void)s.simple("ROLLBACK");
        pool_.release(std::move(*c));
        if (lost) {
          pool_.drop_idle();
          if (++lost_attempts <= 2) continue;
          return result;
        }
        if (retry && attempt < 200) {
          backoff(rng, attempt);
          continue;
        }
        return result;
      }
      // COMMIT, in ticket order for the hooks.
      bool sent = false;
      uint64_t ticket = sequencer_.begin([&] { sent = PQsendQuery(conn.pg, "COMMIT") == 1; });
      Status committed;
      if (!sent) {
        committed = s.lost();
      } else {
        Res last;
        while (PGresult* r = PQgetResult(conn.pg)) last.reset(r);
        auto checked = s.check(std::move(last));
        if (!checked) committed = checked.error();
      }
      std::function<void()> hook;
      if (committed && on_commit) hook = [&] { on_commit(*result); };
      sequencer_.finish(ticket, std::move(hook));
      const bool lost = s.connection_lost();
      const bool retry = !committed && s.retryable();
      pool_.release(std::move(*c));
      if (committed) return result;
      if (lost) {
        pool_.drop_idle();
        return make_error(code::kUnavailable,
                          "lost the connection to PostgreSQL while committing; the write may or may not "
                          "have been applied: " + committed.error().message);
      }
      if (retry && attempt < 200) {
        backoff(rng, attempt);
        continue;
      }
      return committed.error();
    }
  }
  static void backoff(std::minstd_rand& rng, int attempt) {
    int cap = std::min(2000, 50 * (attempt + 1));
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % cap));
  }

  Status migrate(Conn& c) {
    Session s(c);
    const int64_t latest = static_cast<int64_t>(std::size(kMigrations));
    for (;;) {
      // One migration per transaction, under an advisory lock so two daemons
      // starting together do not both apply it.
      if (auto st = s.simple("BEGIN"); !st) return st;
      auto fail = [&](const Error& e) -> Status {
        (void)s.simple("ROLLBACK");
        return make_error(code::kUnavailable, "migrating the PostgreSQL schema: " + e.message);
      };
      if (auto st = s.simple("SELECT pg_advisory_xact_lock(7400114001)"); !st) return fail(st.error());
      if (auto st = s.simple("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); !st)
        return fail(st.error());
      auto v = s.exec("SELECT coalesce(max(version), 0) FROM schema_version", {});
      if (!v) return fail(v.error());
      int64_t version = as_int(v->get(), 0, 0);
      if (version > latest) {
        (void)s.simple("ROLLBACK");
        return make_error(code::kUnavailable, "store schema version " + std::to_string(version) +
                                                  " is newer than this genesisd (" + std::to_string(latest) + ")");
      }
      if (version == latest) {
        // Idempotent: the app role may use the tables (not change the schema).
        if (auto st = grant(s); !st) return fail(st.error());
        if (auto st = s.simple("COMMIT"); !st) return st;
        return {};
      }
      if (auto st = s.simple(kMigrations[version]); !st)
        return fail(make_error(st.error().code, "migration " + std::to_string(version + 1) + ": " +
                                                    st.error().message));
      auto rec = s.exec("INSERT INTO schema_version (version) VALUES ($1)", {p(version + 1)});
      if (!rec) return fail(rec.error());
      if (auto st = s.simple("COMMIT"); !st) return st;
    }
  }

  Status grant(Session& s) {
    char* role = PQescapeIdentifier(s.conn().pg, options_.app_role.c_str(), options_.app_role.size());
    std::string r = role ? role : "\"\"";
    PQfreemem(role);
    for (const std::string& sql : {
             "GRANT SELECT, INSERT, UPDATE, DELETE ON agent, cognition_event, policy_module, policy_data, sigma_switch TO " +
                 r,
             "GRANT SELECT, INSERT, UPDATE ON detection TO " + r,
             // Response records are history: written once, never changed by genesisd.
             "GRANT SELECT, INSERT ON counter_agent, containment, response_action, evidence, egress_decision TO " + r,
             "GRANT SELECT ON schema_version TO " + r,
             "GRANT SELECT, INSERT ON tenant TO " + r,
             "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + r,
         }) {
      if (auto st = s.simple(sql); !st)
        return make_error(st.error().code, st.error().message + " (does role " + options_.app_role + " exist?)");
    }
    return {};
  }

  PostgresOptions options_;
  Pool pool_;
  CommitSequencer sequencer_;
};

// Splits Genesis's own parameters (app_role, pool) off a libpq URI.
Result<std::string> strip_params(const std::string& url, PostgresOptions& options) {
  auto q = url.find('?');
  if (q == std::string::npos) return url + "?connect_timeout=5";
  std::string base = url.substr(0, q), kept;
  bool has_timeout = false;
  size_t start = q + 1;
  while (start <= url.size()) {
    size_t end = url.find('&', start);
    if (end == std::string::npos) end = url.size();
    std::string kv = url.substr(start, end - start);
    start = end + 1;
    if (kv.empty()) continue;
    std::string key = kv.substr(0, kv.find('=')), value = kv.find('=') == std::string::npos ? "" : kv.substr(kv.find('=') + 1);
    if (key == "app_role") {
      if (value.empty()) return make_error(code::kInvalidArgument, "app_role must not be empty", "--store");
      options.app_role = value;
    } else if (key == "pool") {
      try {
        size_t used = 0;
        long n = std::stol(value, &used);
        if (used != value.size() || n < 1 || n > 1000) throw std::invalid_argument("pool");
        options.pool_size = static_cast<size_t>(n);
      } catch (const std::exception&) {
        return make_error(code::kInvalidArgument, "pool must be a number of connections, 1..1000", "--store");
      }
    } else {
      if (key == "connect_timeout") has_timeout = true;
      kept += (kept.empty() ? "" : "&") + kv;
    }
  }
  if (!has_timeout) kept += (kept.empty() ? "" : "&") + std::string("connect_timeout=5");
  return base + "?" + kept;
}

}  // namespace

bool is_postgres_url(std::string_view url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url, PostgresOptions options) {
  auto conninfo = strip_params(url, options);
  if (!conninfo) return conninfo.error();
  auto store = std::make_unique<PostgresStore>(*conninfo, options);
  if (auto s = store->open(); !s) return s.error();
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::unique_ptr<Store>> open_store(const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0) return open_sqlite_store(url.substr(7));
  if (is_postgres_url(url)) return open_postgres_store(url);
  return make_error(code::kInvalidArgument,
                    "unknown store URL '" + url + "' (expected sqlite:PATH or postgresql://USER@HOST:PORT/DB)",
                    "--store");
}

}  // namespace genesis::storage
