// The embedded Store: one SQLite database file in WAL mode, every table of
// Genesis in it (agents, events, policies, detections and responses).
//
// Writes go through one connection serialised by a mutex (SQLite allows one
// writer at a time anyway) and commit in groups; reads of a file store use a
// second, read-only connection, so they see only what is committed and do not
// wait for a group's fsync. Statements are prepared once per connection and
// reused. sqlite3* never leaves this file.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>

#include "storage/storage.h"

namespace genesis::storage {
namespace {

// Another connection to the file (another process: the CLI's offline commands,
// a backup) holds the lock. SQLite's busy timeout sleeps in steps of up to
// 100 ms, far longer than a commit takes here, so poll finely instead: 50 µs,
// then 250 µs, for about 5 s in all.
int wait_for_lock(void*, int attempts) {
  if (attempts >= 20100) return 0;
  std::this_thread::sleep_for(std::chrono::microseconds(attempts < 100 ? 50 : 250));
  return 1;
}

using core::Error;
using core::make_error;
using core::Result;
using core::Status;
using core::Value;
namespace code = core::code;

// Schema migrations, applied in order; the database records how many ran.
const char* const kMigrations[] = {
    // 1: tenants, agents with materialized paths, cognition events.
    R"sql(
CREATE TABLE tenant (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
INSERT INTO tenant (id, name, created_at) VALUES ('default', 'default', 0);
CREATE TABLE agent (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL REFERENCES tenant(id),
  parent_id TEXT REFERENCES agent(id),
  label TEXT NOT NULL,
  path TEXT NOT NULL,
  tree_key TEXT NOT NULL,
  mem_state TEXT NOT NULL,
  goals TEXT NOT NULL,
  emotion TEXT NOT NULL,
  policy TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  deleted_at INTEGER
);
CREATE INDEX agent_tree ON agent (tenant_id, tree_key);
CREATE INDEX agent_path ON agent (tenant_id, path);
CREATE INDEX agent_label ON agent (tenant_id, label);
CREATE TABLE cognition_event (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,  -- random v4 UUID; never looked up, so no index
  tenant_id TEXT NOT NULL REFERENCES tenant(id),
  agent_seq INTEGER NOT NULL REFERENCES agent(seq),
  type TEXT NOT NULL CHECK (type IN ('perceive', 'plan', 'act', 'reflect')),
  payload TEXT NOT NULL,
  ts INTEGER NOT NULL
);
CREATE INDEX cognition_agent_ts ON cognition_event (agent_seq, ts DESC, seq DESC);
)sql",
    // 2: policy modules and base data documents (OPA's REST Data API).
    R"sql(
CREATE TABLE policy_module (
  tenant_id TEXT NOT NULL REFERENCES tenant(id),
  id TEXT NOT NULL,
  source TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE TABLE policy_data (
  tenant_id TEXT PRIMARY KEY REFERENCES tenant(id),
  document TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql",
    // 3: detections and responses (until now created by the detector's own
    // connection, hence IF NOT EXISTS: an older database already has them).
    R"sql(
CREATE TABLE IF NOT EXISTS detection (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  technique TEXT NOT NULL,
  tactic TEXT NOT NULL,
  rules TEXT NOT NULL,
  event TEXT NOT NULL,
  ts INTEGER NOT NULL,
  counter_agent_id TEXT
);
CREATE INDEX IF NOT EXISTS detection_by_agent ON detection(tenant_id, agent_id, seq);
CREATE INDEX IF NOT EXISTS detection_by_technique ON detection(tenant_id, technique, seq);
CREATE TABLE IF NOT EXISTS counter_agent (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  technique TEXT NOT NULL,
  detection_id TEXT NOT NULL,
  image TEXT NOT NULL,
  policy TEXT NOT NULL,
  sandbox TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS counter_agent_by_agent ON counter_agent(tenant_id, agent_id);
CREATE TABLE IF NOT EXISTS containment (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  counter_agent_id TEXT NOT NULL,
  technique TEXT NOT NULL,
  since INTEGER NOT NULL,
  until INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS containment_by_until ON containment(until);
CREATE TABLE IF NOT EXISTS response_action (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  counter_agent_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  detection_id TEXT NOT NULL,
  action TEXT NOT NULL,
  status TEXT NOT NULL,
  detail TEXT NOT NULL,
  ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS response_action_by_detection ON response_action(tenant_id, detection_id);
CREATE TABLE IF NOT EXISTS evidence (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  detection_id TEXT NOT NULL,
  counter_agent_id TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS evidence_by_agent ON evidence(tenant_id, agent_id);
CREATE TABLE IF NOT EXISTS egress_decision (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  decision TEXT NOT NULL,
  reason TEXT NOT NULL,
  ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS egress_decision_by_agent ON egress_decision(tenant_id, agent_id, seq);
)sql",
    // 4: retention finds a tenant's old rows of each kind by (tenant_id, ts)
    // without scanning the table inside a writer's batch.
    R"sql(
CREATE INDEX IF NOT EXISTS cognition_event_by_ts ON cognition_event(tenant_id, ts);
CREATE INDEX IF NOT EXISTS evidence_by_ts ON evidence(tenant_id, ts);
CREATE INDEX IF NOT EXISTS detection_by_ts ON detection(tenant_id, ts);
CREATE INDEX IF NOT EXISTS response_action_by_ts ON response_action(tenant_id, ts);
CREATE INDEX IF NOT EXISTS egress_decision_by_ts ON egress_decision(tenant_id, ts);
)sql",
    // 5: switches that turn Sigma rules on and off, applied in id order.
    R"sql(
CREATE TABLE sigma_switch (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL REFERENCES tenant(id),
  selector TEXT NOT NULL,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  created_at INTEGER NOT NULL
);
CREATE INDEX sigma_switch_by_tenant ON sigma_switch(tenant_id, id);
)sql",
};

Value strings_json(const std::vector<std::string>& v) {
  Value a = Value::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

// The end of a prefix range: keys and paths below `prefix` (which ends in '.')
// sort in [prefix, prefix with its last '.' replaced by '/').
std::string range_end(std::string prefix) {
  prefix.back() = '/';
  return prefix;
}

class Stmt {
 public:
  Stmt(sqlite3_stmt* s) : s_(s) {}  // NOLINT
  ~Stmt() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  std::string text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, sqlite3_column_bytes(s_, col)) : std::string();
  }
  int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  // A JSON column we wrote ourselves; null when the file was edited by hand.
  Value json(int col) const {
    auto v = core::parse_json(text(col));
    return v ? std::move(*v) : Value();
  }

 private:
  sqlite3_stmt* s_;
};

constexpr const char* kAgentColumns =
    "seq, id, tenant_id, parent_id, label, path, tree_key, mem_state, goals, emotion, policy, "
    "created_at, deleted_at";

// One adapter owns a store file: a store (and a restore) holds an exclusive
// flock on it, so a second genesisd on the same file, or a restore under a
// running one, is refused instead of corrupting what the first one caches.
// flock, not SQLite's own POSIX locks, which a connection takes and drops per
// transaction; the two kinds do not interact on Linux.
Status lock_file(const std::string& path, int& fd) {
  fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(code::kUnavailable, "cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    fd = -1;
    if (err == EWOULDBLOCK)
      return make_error(code::kConflict, "the store " + path +
                                             " is in use by another process (a running genesisd or a restore)");
    return make_error(code::kUnavailable, "cannot lock " + path + ": " + std::strerror(err));
  }
  return {};
}

std::string sqlite_error(sqlite3* db, int rc) { return db ? sqlite3_errmsg(db) : sqlite3_errstr(rc); }

// Copies the whole database `from` into `to` with SQLite's online backup API:
// one step under one read transaction of `from`, so the copy is one consistent
// snapshot. A backup (to_backup) goes to a new or empty file and leaves it
// self-contained (rollback journal mode, no -wal beside it); a restore writes
// into the store file (which its caller has locked) through SQLite, so a
// failure rolls back and leaves the store as it was.
Status copy_database(const std::string& from, const std::string& to, bool to_backup) {
  std::error_code ec;
  if (to_backup && std::filesystem::exists(to, ec) && std::filesystem::file_size(to, ec) > 0)
    return make_error(code::kConflict, to + " already holds data");
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  auto close_both = [&] {
    if (src) sqlite3_close(src);
    if (dst) sqlite3_close(dst);
  };
  int rc = sqlite3_open_v2(from.c_str(), &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = make_error(code::kUnavailable, "cannot open " + from + ": " + sqlite_error(src, rc));
    close_both();
    return e;
  }
  sqlite3_busy_handler(src, wait_for_lock, nullptr);
  rc = sqlite3_open_v2(to.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       nullptr);
  if (rc != SQLITE_OK) {
    Error e = make_error(code::kUnavailable, "cannot open " + to + ": " + sqlite_error(dst, rc));
    close_both();
    return e;
  }
  sqlite3_busy_handler(dst, wait_for_lock, nullptr);
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (b == nullptr) {
    Error e = make_error(code::kUnavailable, "cannot start copying " + from + " to " + to + ": " +
                                                 sqlite3_errmsg(dst));
    close_both();
    return e;
  }
  // -1: every page in one step, so the source's read transaction (its
  // snapshot) spans the whole copy. BUSY/LOCKED: a lock not ours yet; retry.
  for (int attempt = 0;; ++attempt) {
    rc = sqlite3_backup_step(b, -1);
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && attempt < 100) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    break;
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    Error e = make_error(code::kUnavailable, "copying " + from + " to " + to + " failed: " + sqlite3_errstr(rc));
    close_both();
    return e;
  }
  // The copy carries the source's WAL flag; a backup file stands alone.
  const char* finish = to_backup ? "PRAGMA journal_mode=DELETE" : "PRAGMA wal_checkpoint(TRUNCATE)";
  if (sqlite3_exec(dst, finish, nullptr, nullptr, nullptr) != SQLITE_OK) {
    Error e = make_error(code::kUnavailable, "finishing " + to + ": " + sqlite3_errmsg(dst));
    close_both();
    return e;
  }
  close_both();
  return {};
}

// What restore checks before it touches the store: a readable SQLite file,
// SQLite's quick_check passes, a Genesis schema no newer than this binary's.
Status check_backup(const std::string& file, int64_t latest_schema) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    return make_error(code::kInvalidArgument, "no such backup file: " + file);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  auto fail = [&](const std::string& why) {
    if (db) sqlite3_close(db);
    return make_error(code::kInvalidArgument, file + " is not a Genesis store backup: " + why);
  };
  if (rc != SQLITE_OK) return fail(sqlite_error(db, rc));
  std::string check;
  rc = sqlite3_exec(
      db, "PRAGMA quick_check",
      [](void* out, int, char** values, char**) {
        if (static_cast<std::string*>(out)->empty() && values[0]) *static_cast<std::string*>(out) = values[0];
        return 0;
      },
      &check, nullptr);
  if (rc != SQLITE_OK) return fail(sqlite3_errmsg(db));
  if (check != "ok") return fail("quick_check: " + check);
  int64_t version = -1;
  rc = sqlite3_exec(
      db, "SELECT max(version) FROM schema_version",
      [](void* out, int, char** values, char**) {
        if (values[0]) *static_cast<int64_t*>(out) = std::atoll(values[0]);
        return 0;
      },
      &version, nullptr);
  if (rc != SQLITE_OK || version < 1) return fail("it has no Genesis schema");
  sqlite3_close(db);
  if (version > latest_schema)
    return make_error(code::kInvalidArgument, file + " has store schema version " + std::to_string(version) +
                                                  ", newer than this genesis (" +
                                                  std::to_string(latest_schema) + ")");
  return {};
}

struct Row {
  int64_t seq = 0;
  std::string tree_key;
  Agent agent;
};

class SqliteStore final : public Store {
 public:
  ~SqliteStore() override {
    for (Conn* c : {&reader_, &writer_}) {
      for (auto& [sql, stmt] : c->cache) sqlite3_finalize(stmt);
      if (c->db) sqlite3_close(c->db);
    }
    // After the connections: closing a descriptor of the file drops the
    // process's POSIX locks on it, so this one goes last.
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  Status open(const std::string& path) {
    sqlite3*& db = writer_.db;
    int rc = sqlite3_open_v2(path.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK)
      return make_error(code::kUnavailable,
                        "cannot open SQLite store " + path + ": " +
                            (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_busy_handler(db, wait_for_lock, nullptr);
    // Incremental auto-vacuum takes effect only on a new file (before its first
    // table); an older file switches on its first `genesis admin vacuum`.
    for (const char* pragma : {"PRAGMA auto_vacuum=INCREMENTAL", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                               "PRAGMA foreign_keys=ON", "PRAGMA temp_store=MEMORY",
                               "PRAGMA cache_size=-65536", "PRAGMA mmap_size=268435456"}) {
      if (auto s = exec(pragma); !s) return s;
    }
    if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return migrate();
    path_ = path;
    if (auto s = lock_file(path, lock_fd_); !s) return s;
    if (auto s = migrate(); !s) return s;
    rc = sqlite3_open_v2(path.c_str(), &reader_.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK)
      return make_error(code::kUnavailable,
                        "cannot open SQLite store " + path + " for reading: " +
                            (reader_.db ? sqlite3_errmsg(reader_.db) : sqlite3_errstr(rc)));
    sqlite3_busy_handler(reader_.db, wait_for_lock, nullptr);
    // Reads map the file (up to 1 GiB of address space, not memory) instead of
    // copying pages into this connection's cache: faster, and safe read-only.
    for (const char* pragma : {"PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-65536",
                               "PRAGMA mmap_size=1073741824"}) {
      if (sqlite3_exec(reader_.db, pragma, nullptr, nullptr, nullptr) != SQLITE_OK)
        return make_error(code::kUnavailable, std::string("SQLite: ") + sqlite3_errmsg(reader_.db));
    }
    return {};
  }

  Result<std::vector<Agent>> spawn(const std::string& tenant, std::span<const NewAgent> agents,
                                   const OnCommit<std::vector<Agent>>& on_commit) override {
    return write([&] { return do_spawn(tenant, agents); }, on_commit);
  }

  Result<std::vector<Agent>> do_spawn(const std::string& tenant, std::span<const NewAgent> agents) {
    for (size_t i = 0; i < agents.size(); ++i) {
      std::string where = agents.size() > 1 ? "agents[" + std::to_string(i) + "]" : "";
      if (auto s = validate_label(agents[i].label); !s) return located(s.error(), where);
      if (auto s = validate_mem_state(agents[i].mem_state); !s) return located(s.error(), where);
      if (agents[i].id && !core::is_uuid(*agents[i].id))
        return located(make_error(code::kInvalidArgument, "id must be a UUID", "id"), where);
    }
      std::vector<Agent> out;
      std::vector<std::string> keys;
      out.reserve(agents.size());
      keys.reserve(agents.size());
      // Parents may be earlier members of the batch: their places are known here.
      std::unordered_map<std::string, size_t> in_batch;
      int64_t now = core::now_ms();
      for (const NewAgent& n : agents) {
        std::string parent_path, parent_key = ".";
        if (n.parent_id) {
          if (auto it = in_batch.find(*n.parent_id); it != in_batch.end()) {
            parent_path = out[it->second].path + ".";
            parent_key = keys[it->second];
          } else {
            auto parent = load_place(tenant, *n.parent_id);
            if (!parent) return parent.error();
            if (parent->deleted)
              return make_error(code::kConflict, "parent agent " + *n.parent_id + " is deleted",
                                "parent_id");
            parent_path = parent->path + ".";
            parent_key = parent->tree_key;
          }
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
        in_batch.emplace(a.id, out.size());
        keys.push_back(parent_key + std::to_string(next_agent_seq_ + out.size()) + ".");
        out.push_back(std::move(a));
      }
      const int64_t first_seq = next_agent_seq_;
      int rc = insert_rows(
          "INSERT INTO agent (seq, id, tenant_id, parent_id, label, path, tree_key, mem_state, "
          "goals, emotion, policy, created_at) VALUES ",
          "(?,?,?,?,?,?,?,?,?,?,?,?)", 12, out.size(), [&](Stmt& st, int base, size_t i) {
            const Agent& a = out[i];
            st.bind(base + 1, first_seq + static_cast<int64_t>(i)).bind(base + 2, a.id).bind(base + 3, tenant);
            if (a.parent_id) st.bind(base + 4, *a.parent_id); else st.bind_null(base + 4);
            st.bind(base + 5, a.label).bind(base + 6, a.path).bind(base + 7, keys[i]);
            st.bind(base + 8, core::to_json(a.mem_state));
            st.bind(base + 9, core::to_json(goals_to_json(a.goals)));
            st.bind(base + 10, core::to_json(emotion_to_json(a.emotion)));
            st.bind(base + 11, a.policy).bind(base + 12, now);
          });
      if (rc == SQLITE_CONSTRAINT) {
        if (sqlite3_extended_errcode(db()) == SQLITE_CONSTRAINT_FOREIGNKEY)
          return make_error(code::kNotFound, "no tenant " + tenant);
        return make_error(code::kConflict, "an agent with one of these ids already exists", "id");
      }
      if (rc != SQLITE_DONE) return db_error("insert agent");
      next_agent_seq_ += static_cast<int64_t>(out.size());
      return out;
      }

  Result<Agent> get(const std::string& tenant, const std::string& id, bool include_deleted) override {
    ReadScope read(*this);
    return do_get(tenant, id, include_deleted);
  }

  Result<Agent> do_get(const std::string& tenant, const std::string& id, bool include_deleted) {
    auto row = load(tenant, id, include_deleted);
    if (!row) return row.error();
    return std::move(row->agent);
  }

  Result<Page<Agent>> list(const std::string& tenant, const AgentQuery& q) override {
    ReadScope read(*this);
    return do_list(tenant, q);
  }

  Result<Page<Agent>> do_list(const std::string& tenant, const AgentQuery& q) {
    if (q.limit < 1 || q.limit > 1000)
      return make_error(code::kInvalidArgument, "limit must be between 1 and 1000", "limit");
    int64_t after = 0;
    if (q.cursor) {
      try {
        size_t used = 0;
        after = std::stoll(*q.cursor, &used);
        if (used != q.cursor->size() || after < 0) throw std::invalid_argument("cursor");
      } catch (const std::exception&) {
        return make_error(code::kInvalidArgument, "malformed cursor", "cursor");
      }
    }
    std::string sql = std::string("SELECT ") + kAgentColumns + " FROM agent WHERE tenant_id = ?1 AND seq > ?2";
    std::string lo, hi, exact;
    if (q.subtree_of) {
      auto root = load(tenant, *q.subtree_of, true);
      if (!root) return root.error();
      lo = root->tree_key;
      hi = range_end(lo);
      sql += " AND tree_key >= ?3 AND tree_key < ?4";
    } else if (q.path) {
      exact = *q.path;
      lo = exact + ".";
      hi = range_end(lo);
      sql += " AND (path = ?5 OR (path >= ?3 AND path < ?4))";
    }
    // With a tree or path range, the range is the selective part: "+label" keeps
    // the planner off the label index (thousands of agents may share a label).
    if (q.label) sql += lo.empty() ? " AND label = ?6" : " AND +label = ?6";
    if (!q.include_deleted) sql += " AND deleted_at IS NULL";
    sql += " ORDER BY seq LIMIT ?7";
    Stmt st = prepare(sql);
    st.bind(1, tenant).bind(2, after);
    if (!lo.empty()) st.bind(3, lo).bind(4, hi);
    if (!exact.empty()) st.bind(5, exact);
    if (q.label) st.bind(6, *q.label);
    st.bind(7, static_cast<int64_t>(q.limit + 1));
    Page<Agent> page;
    int rc;
    int64_t last_seq = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
      if (page.items.size() == q.limit) {
        page.next_cursor = std::to_string(last_seq);
        break;
      }
      Row r = read_row(st);
      last_seq = r.seq;
      page.items.push_back(std::move(r.agent));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error("list agents");
    return page;
  }

  Result<Agent> update(const std::string& tenant, const std::string& id, const AgentPatch& patch,
                       const OnCommit<Agent>& on_commit) override {
    return write([&] { return do_update(tenant, id, patch); }, on_commit);
  }

  Result<Agent> do_update(const std::string& tenant, const std::string& id, const AgentPatch& patch) {
    if (patch.mem_state)
      if (auto s = validate_mem_state(*patch.mem_state); !s) return s.error();
    auto row = load(tenant, id, false);
    if (!row) return row.error();
    Agent& a = row->agent;
    if (patch.mem_state) a.mem_state = *patch.mem_state;
    if (patch.goals) a.goals = *patch.goals;
    if (patch.emotion) a.emotion = *patch.emotion;
    if (patch.policy) a.policy = *patch.policy;
    Stmt st = prepare("UPDATE agent SET mem_state = ?, goals = ?, emotion = ?, policy = ? WHERE seq = ?");
    st.bind(1, core::to_json(a.mem_state)).bind(2, core::to_json(goals_to_json(a.goals)));
    st.bind(3, core::to_json(emotion_to_json(a.emotion))).bind(4, a.policy).bind(5, row->seq);
    if (st.step() != SQLITE_DONE) return db_error("update agent");
    return std::move(a);
      }

  Result<MoveResult> move(const std::string& tenant, const std::string& id,
                          const std::optional<std::string>& new_parent,
                          const OnCommit<MoveResult>& on_commit) override {
    return write([&] { return do_move(tenant, id, new_parent); }, on_commit);
  }

  Result<MoveResult> do_move(const std::string& tenant, const std::string& id,
                             const std::optional<std::string>& new_parent) {
    auto row = load(tenant, id, false);
    if (!row) return row.error();
    std::string new_path = row->agent.label, new_key = "." + std::to_string(row->seq) + ".";
    if (new_parent) {
      auto parent = load(tenant, *new_parent, true);
      if (!parent) {
        Error e = parent.error();
        e.where = "new_parent";
        return e;
      }
      if (parent->agent.deleted_at_ms)
        return make_error(code::kConflict, "new parent " + *new_parent + " is deleted", "new_parent");
      if (parent->tree_key.rfind(row->tree_key, 0) == 0)
        return make_error(code::kConflict,
                          parent->seq == row->seq
                              ? "cannot move agent " + id + " under itself"
                              : "cannot move agent " + id + " under its own descendant " + *new_parent,
                          "new_parent");
      new_path = parent->agent.path + "." + new_path;
      new_key = parent->tree_key + std::to_string(row->seq) + ".";
    }
    MoveResult result;
    result.old_path = row->agent.path;
    Stmt st = prepare(
        "UPDATE agent SET path = ?1 || substr(path, ?2), tree_key = ?3 || substr(tree_key, ?4) "
        "WHERE tenant_id = ?5 AND tree_key >= ?6 AND tree_key < ?7");
    st.bind(1, new_path).bind(2, static_cast<int64_t>(row->agent.path.size() + 1));
    st.bind(3, new_key).bind(4, static_cast<int64_t>(row->tree_key.size() + 1));
    st.bind(5, tenant).bind(6, row->tree_key).bind(7, range_end(row->tree_key));
    if (st.step() != SQLITE_DONE) return db_error("move subtree");
    result.subtree_size = sqlite3_changes(db());
    Stmt pt = prepare("UPDATE agent SET parent_id = ? WHERE seq = ?");
    if (new_parent) pt.bind(1, *new_parent); else pt.bind_null(1);
    pt.bind(2, row->seq);
    if (pt.step() != SQLITE_DONE) return db_error("move agent");
    result.agent = std::move(row->agent);
    result.agent.parent_id = new_parent;
    result.agent.path = new_path;
    return result;
      }

  Result<std::vector<Agent>> remove(const std::string& tenant, const std::string& id, bool subtree,
                                    int64_t now, const OnCommit<std::vector<Agent>>& on_commit) override {
    return write([&] { return do_remove(tenant, id, subtree, now); }, on_commit);
  }

  Result<std::vector<Agent>> do_remove(const std::string& tenant, const std::string& id, bool subtree,
                                       int64_t now) {
    auto row = load(tenant, id, false);
    if (!row) return row.error();
    std::vector<Agent> removed;
    if (subtree) {
      Stmt sel = prepare(std::string("SELECT ") + kAgentColumns +
                         " FROM agent WHERE tenant_id = ? AND tree_key >= ? AND tree_key < ? AND "
                         "deleted_at IS NULL ORDER BY tree_key");
      sel.bind(1, tenant).bind(2, row->tree_key).bind(3, range_end(row->tree_key));
      int rc;
      while ((rc = sel.step()) == SQLITE_ROW) removed.push_back(read_row(sel).agent);
      if (rc != SQLITE_DONE) return db_error("select subtree");
      Stmt st = prepare(
          "UPDATE agent SET deleted_at = ? WHERE tenant_id = ? AND tree_key >= ? AND tree_key < ? "
          "AND deleted_at IS NULL");
      st.bind(1, now).bind(2, tenant).bind(3, row->tree_key).bind(4, range_end(row->tree_key));
      if (st.step() != SQLITE_DONE) return db_error("delete subtree");
    } else {
      // The tree invariant: no live agent under a deleted one.
      // Any live descendant means a live child (the invariant held before).
      Stmt kids = prepare(
          "SELECT id FROM agent WHERE tenant_id = ? AND tree_key > ? AND tree_key < ? AND "
          "deleted_at IS NULL LIMIT 1");
      kids.bind(1, tenant).bind(2, row->tree_key).bind(3, range_end(row->tree_key));
      int rc = kids.step();
      if (rc == SQLITE_ROW)
        return make_error(code::kConflict,
                          "agent " + id +
                              " has live child agents: delete the whole subtree (subtree=true) or "
                              "move its children first",
                          "subtree");
      if (rc != SQLITE_DONE) return db_error("look for children");
      Stmt st = prepare("UPDATE agent SET deleted_at = ? WHERE seq = ?");
      st.bind(1, now).bind(2, row->seq);
      if (st.step() != SQLITE_DONE) return db_error("delete agent");
      removed.push_back(std::move(row->agent));
    }
    for (Agent& a : removed) a.deleted_at_ms = now;
    return removed;
      }

  Result<std::vector<CognitionEvent>> append_events(
      const std::string& tenant, const std::string& agent_id, std::span<const NewEvent> events,
      const OnCommit<std::vector<CognitionEvent>>& on_commit) override {
    return write([&] { return do_append_events(tenant, agent_id, events); }, on_commit);
  }

  Result<std::vector<CognitionEvent>> do_append_events(const std::string& tenant,
                                                       const std::string& agent_id,
                                                       std::span<const NewEvent> events) {
    auto row = load_place(tenant, agent_id);
    if (!row) return row.error();
    if (row->deleted) return make_error(code::kNotFound, "agent " + agent_id + " is deleted");
    std::vector<CognitionEvent> out;
    out.reserve(events.size());
    int64_t now = core::now_ms();
    for (const NewEvent& n : events) {
      CognitionEvent e;
      e.id = core::new_uuid();
      e.tenant_id = tenant;
      e.agent_id = agent_id;
      e.type = n.type;
      e.payload = n.payload;
      e.ts_ms = n.ts_ms ? *n.ts_ms : now;
      out.push_back(std::move(e));
    }
    int rc = insert_rows("INSERT INTO cognition_event (id, tenant_id, agent_seq, type, payload, ts) VALUES ",
                         "(?,?,?,?,?,?)", 6, out.size(), [&](Stmt& st, int base, size_t i) {
                           const CognitionEvent& e = out[i];
                           st.bind(base + 1, e.id).bind(base + 2, tenant).bind(base + 3, row->seq);
                           st.bind(base + 4, std::string(cognition_type_name(e.type)));
                           st.bind(base + 5, core::to_json(e.payload)).bind(base + 6, e.ts_ms);
                         });
    if (rc != SQLITE_DONE) return db_error("insert cognition event");
    return out;
      }

  Result<Page<CognitionEvent>> list_events(const std::string& tenant, const std::string& agent_id,
                                           const EventQuery& q) override {
    ReadScope read(*this);
    return do_list_events(tenant, agent_id, q);
  }

  Result<Page<CognitionEvent>> do_list_events(const std::string& tenant, const std::string& agent_id,
                                              const EventQuery& q) {
    if (q.limit < 1 || q.limit > 1000)
      return make_error(code::kInvalidArgument, "limit must be between 1 and 1000", "limit");
    auto row = load_place(tenant, agent_id);
    if (!row) return row.error();
    int64_t cursor_ts = INT64_MAX, cursor_seq = INT64_MAX;
    if (q.cursor) {
      auto colon = q.cursor->find(':');
      try {
        if (colon == std::string::npos) throw std::invalid_argument("cursor");
        cursor_ts = std::stoll(q.cursor->substr(0, colon));
        cursor_seq = std::stoll(q.cursor->substr(colon + 1));
      } catch (const std::exception&) {
        return make_error(code::kInvalidArgument, "malformed cursor", "cursor");
      }
    }
    Stmt st = prepare(
        "SELECT seq, id, type, payload, ts FROM cognition_event WHERE agent_seq = ?1 AND ts >= ?2 "
        "AND ts < ?3 AND (ts < ?4 OR (ts = ?4 AND seq < ?5)) ORDER BY ts DESC, seq DESC LIMIT ?6");
    st.bind(1, row->seq).bind(2, q.since_ms.value_or(INT64_MIN)).bind(3, q.until_ms.value_or(INT64_MAX));
    st.bind(4, cursor_ts).bind(5, cursor_seq).bind(6, static_cast<int64_t>(q.limit + 1));
    Page<CognitionEvent> page;
    int rc;
    int64_t last_ts = 0, last_seq = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
      if (page.items.size() == q.limit) {
        page.next_cursor = std::to_string(last_ts) + ":" + std::to_string(last_seq);
        break;
      }
      CognitionEvent e;
      last_seq = st.integer(0);
      e.id = st.text(1);
      e.tenant_id = tenant;
      e.agent_id = agent_id;
      e.type = parse_cognition_type(st.text(2)).value_or(CognitionType::kPerceive);
      auto payload = core::parse_json(st.text(3));
      e.payload = payload ? std::move(*payload) : Value();
      e.ts_ms = last_ts = st.integer(4);
      page.items.push_back(std::move(e));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error("list cognition events");
    return page;
  }

  Result<std::vector<PolicyModule>> list_policies(const std::string& tenant) override {
    ReadScope read(*this);
    Stmt st = prepare("SELECT id, source FROM policy_module WHERE tenant_id = ? ORDER BY id");
    st.bind(1, tenant);
    std::vector<PolicyModule> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) out.push_back({st.text(0), st.text(1)});
    if (rc != SQLITE_DONE) return db_error("list policies");
    return out;
  }

  Status put_policy(const std::string& tenant, const PolicyModule& module) override {
    auto r = write([&]() -> Result<bool> {
      Stmt st = prepare(
          "INSERT INTO policy_module (tenant_id, id, source, updated_at) VALUES (?,?,?,?) "
          "ON CONFLICT (tenant_id, id) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at");
      st.bind(1, tenant).bind(2, module.id).bind(3, module.source).bind(4, core::now_ms());
      if (st.step() != SQLITE_DONE) return db_error("store policy");
      return true;
    }, OnCommit<bool>());
    if (!r) return r.error();
    return {};
  }

  Status delete_policy(const std::string& tenant, const std::string& id) override {
    auto r = write([&]() -> Result<bool> {
      Stmt st = prepare("DELETE FROM policy_module WHERE tenant_id = ? AND id = ?");
      st.bind(1, tenant).bind(2, id);
      if (st.step() != SQLITE_DONE) return db_error("delete policy");
      if (sqlite3_changes(db()) == 0) return make_error(code::kNotFound, "no policy " + id);
      return true;
    }, OnCommit<bool>());
    if (!r) return r.error();
    return {};
  }

  Result<std::vector<SigmaSwitch>> list_sigma_switches(const std::string& tenant) override {
    ReadScope read(*this);
    Stmt st = prepare("SELECT id, selector, enabled, created_at FROM sigma_switch WHERE tenant_id = ? ORDER BY id");
    st.bind(1, tenant);
    std::vector<SigmaSwitch> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) out.push_back({st.integer(0), st.text(1), st.integer(2) != 0, st.integer(3)});
    if (rc != SQLITE_DONE) return db_error("list Sigma switches");
    return out;
  }

  Result<SigmaSwitch> add_sigma_switch(const std::string& tenant, const std::string& selector, bool enabled) override {
    return write([&]() -> Result<SigmaSwitch> {
      SigmaSwitch sw{0, selector, enabled, core::now_ms()};
      Stmt st = prepare("INSERT INTO sigma_switch (tenant_id, selector, enabled, created_at) VALUES (?,?,?,?)");
      st.bind(1, tenant).bind(2, selector).bind(3, int64_t{enabled ? 1 : 0}).bind(4, sw.created_ms);
      if (st.step() != SQLITE_DONE) return db_error("store Sigma switch");
      sw.id = sqlite3_last_insert_rowid(db());
      return sw;
    }, OnCommit<SigmaSwitch>());
  }

  Status delete_sigma_switch(const std::string& tenant, int64_t id) override {
    auto r = write([&]() -> Result<bool> {
      Stmt st = prepare("DELETE FROM sigma_switch WHERE tenant_id = ? AND id = ?");
      st.bind(1, tenant).bind(2, id);
      if (st.step() != SQLITE_DONE) return db_error("delete Sigma switch");
      if (sqlite3_changes(db()) == 0) return make_error(code::kNotFound, "no Sigma switch " + std::to_string(id));
      return true;
    }, OnCommit<bool>());
    if (!r) return r.error();
    return {};
  }

  Result<std::optional<std::string>> get_policy_data(const std::string& tenant) override {
    ReadScope read(*this);
    Stmt st = prepare("SELECT document FROM policy_data WHERE tenant_id = ?");
    st.bind(1, tenant);
    int rc = st.step();
    if (rc == SQLITE_ROW) return std::optional<std::string>(st.text(0));
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    return db_error("read policy data");
  }

  Status put_policy_data(const std::string& tenant, const std::string& json) override {
    auto r = write([&]() -> Result<bool> {
      Stmt st = prepare(
          "INSERT INTO policy_data (tenant_id, document, updated_at) VALUES (?,?,?) "
          "ON CONFLICT (tenant_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at");
      st.bind(1, tenant).bind(2, json).bind(3, core::now_ms());
      if (st.step() != SQLITE_DONE) return db_error("store policy data");
      return true;
    }, OnCommit<bool>());
    if (!r) return r.error();
    return {};
  }

  Result<std::vector<EmotionUpdateResult>> set_emotions(
      const std::string& tenant, std::span<const EmotionUpdate> updates,
      const OnCommit<std::vector<EmotionUpdateResult>>& on_commit) override {
    return write([&]() -> Result<std::vector<EmotionUpdateResult>> {
      std::vector<EmotionUpdateResult> out(updates.size());
      for (size_t i = 0; i < updates.size(); ++i) {
        Stmt st = prepare(
            "UPDATE agent SET emotion = ? WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL "
            "RETURNING json_array_length(goals)");
        st.bind(1, core::to_json(emotion_to_json(updates[i].emotion)));
        st.bind(2, updates[i].agent_id).bind(3, tenant);
        int rc = st.step();
        if (rc == SQLITE_ROW) {
          out[i].updated = true;
          out[i].goal_count = st.integer(0);
          rc = st.step();
        }
        if (rc != SQLITE_DONE) return db_error("update agent emotion");
      }
      return out;
    }, on_commit);
  }

  Result<GoalTransfer> transfer_goals(const std::string& tenant, const std::string& from,
                                      const std::string& to, const TransferPlan& plan,
                                      const OnCommit<GoalTransfer>& on_commit) override {
    if (from == to)
      return make_error(code::kInvalidArgument, "cannot transfer goals to the same agent", "to");
    return write([&]() -> Result<GoalTransfer> {
      auto giver = load(tenant, from, false);
      if (!giver) return located(giver.error(), "from");
      auto taker = load(tenant, to, false);
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
        Stmt st = prepare("UPDATE agent SET goals = ? WHERE seq = ?");
        st.bind(1, core::to_json(goals_to_json(r->agent.goals))).bind(2, r->seq);
        if (st.step() != SQLITE_DONE) return db_error("update agent goals");
      }
      int64_t now = core::now_ms();
      for (auto [row, n] :
           {std::pair{&*giver, &events->first}, std::pair{&*taker, &events->second}}) {
        CognitionEvent e;
        e.id = core::new_uuid();
        e.tenant_id = tenant;
        e.agent_id = row->agent.id;
        e.type = n->type;
        e.payload = n->payload;
        e.ts_ms = n->ts_ms ? *n->ts_ms : now;
        Stmt st = prepare(
            "INSERT INTO cognition_event (id, tenant_id, agent_seq, type, payload, ts) VALUES "
            "(?,?,?,?,?,?)");
        st.bind(1, e.id).bind(2, tenant).bind(3, row->seq);
        st.bind(4, std::string(cognition_type_name(e.type)));
        st.bind(5, core::to_json(e.payload)).bind(6, e.ts_ms);
        if (st.step() != SQLITE_DONE) return db_error("insert cognition event");
        t.events.push_back(std::move(e));
      }
      t.from = std::move(giver->agent);
      t.to = std::move(taker->agent);
      return t;
    }, on_commit);
  }

  // ---- transactions ----

  Status transact(const std::string& tenant, const TransactionBody& body,
                  const std::function<void()>& on_commit) override {
    OnCommit<bool> hook;
    if (on_commit) hook = [&on_commit](const bool&) { on_commit(); };
    auto r = write([&]() -> Result<bool> {
      Tx tx(*this, tenant);
      if (auto s = body(tx); !s) return s.error();
      return true;
    }, hook);
    if (!r) return r.error();
    return {};
  }

  // ---- detections and responses ----

  Result<Detection> get_detection(const std::string& tenant, const std::string& id) override {
    ReadScope read(*this);
    Stmt st = prepare(std::string(kDetectionSelect) + " WHERE tenant_id = ? AND id = ?");
    st.bind(1, tenant).bind(2, id);
    int rc = st.step();
    if (rc == SQLITE_ROW) return read_detection(st).first;
    if (rc == SQLITE_DONE) return make_error(code::kNotFound, "no detection " + id);
    return db_error("read detection");
  }

  Result<Page<Detection>> list_detections(const std::string& tenant, const DetectionQuery& q) override {
    if (q.limit < 1 || q.limit > 1000)
      return make_error(code::kInvalidArgument, "limit must be between 1 and 1000", "limit");
    int64_t cursor = 0;
    if (q.cursor) {
      auto c = parse_cursor(*q.cursor);
      if (!c) return c.error();
      cursor = *c;
    }
    std::string sql = std::string(kDetectionSelect) + " WHERE tenant_id = ?1";
    if (q.agent_id) sql += " AND agent_id = ?2";
    if (q.technique) sql += " AND (technique = ?3 OR technique LIKE ?4)";
    if (q.since_ms) sql += " AND ts >= ?5";
    if (q.until_ms) sql += " AND ts < ?6";
    if (q.cursor) sql += " AND seq < ?7";
    sql += " ORDER BY seq DESC LIMIT ?8";
    ReadScope read(*this);
    Stmt st = prepare(sql);
    st.bind(1, tenant);
    if (q.agent_id) st.bind(2, *q.agent_id);
    if (q.technique) st.bind(3, *q.technique).bind(4, *q.technique + ".%");
    if (q.since_ms) st.bind(5, *q.since_ms);
    if (q.until_ms) st.bind(6, *q.until_ms);
    if (q.cursor) st.bind(7, cursor);
    st.bind(8, static_cast<int64_t>(q.limit + 1));
    Page<Detection> page;
    int rc;
    int64_t last_seq = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
      if (page.items.size() == q.limit) {
        page.next_cursor = std::to_string(last_seq);
        break;
      }
      auto [d, seq] = read_detection(st);
      last_seq = seq;
      page.items.push_back(std::move(d));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error("list detections");
    return page;
  }

  Result<std::vector<CounterAgentRecord>> counter_agents(const std::string& tenant,
                                                         const std::string& agent_id) override {
    ReadScope read(*this);
    Stmt st = prepare(
        "SELECT id, tenant_id, agent_id, technique, detection_id, image, policy, sandbox, "
        "created_at FROM counter_agent WHERE tenant_id = ? AND agent_id = ? ORDER BY created_at");
    st.bind(1, tenant).bind(2, agent_id);
    std::vector<CounterAgentRecord> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5),
                     st.text(6), st.json(7), st.integer(8)});
    }
    if (rc != SQLITE_DONE) return db_error("list counter-agents");
    return out;
  }

  Result<std::vector<Containment>> active_containments(int64_t now) override {
    ReadScope read(*this);
    Stmt st = prepare(
        "SELECT tenant_id, agent_id, kind, counter_agent_id, technique, since, until FROM "
        "containment WHERE until > ? ORDER BY seq");
    st.bind(1, now);
    std::vector<Containment> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.integer(5),
                     st.integer(6)});
    }
    if (rc != SQLITE_DONE) return db_error("list containments");
    return out;
  }

  Result<std::vector<ActionRecord>> actions(const std::string& tenant,
                                            const std::string& detection_id) override {
    ReadScope read(*this);
    Stmt st = prepare(
        "SELECT tenant_id, counter_agent_id, agent_id, detection_id, action, status, detail, ts "
        "FROM response_action WHERE tenant_id = ? AND detection_id = ? ORDER BY seq");
    st.bind(1, tenant).bind(2, detection_id);
    std::vector<ActionRecord> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5),
                     st.json(6), st.integer(7)});
    }
    if (rc != SQLITE_DONE) return db_error("list response actions");
    return out;
  }

  Result<std::vector<Evidence>> evidence(const std::string& tenant, const std::string& agent_id) override {
    ReadScope read(*this);
    Stmt st = prepare(
        "SELECT id, tenant_id, agent_id, detection_id, counter_agent_id, snapshot, ts FROM "
        "evidence WHERE tenant_id = ? AND agent_id = ? ORDER BY ts");
    st.bind(1, tenant).bind(2, agent_id);
    std::vector<Evidence> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.json(5),
                     st.integer(6)});
    }
    if (rc != SQLITE_DONE) return db_error("list evidence");
    return out;
  }

  Result<std::vector<Decision>> decisions(const std::string& tenant, const std::string& agent_id) override {
    ReadScope read(*this);
    Stmt st = prepare(
        "SELECT tenant_id, agent_id, subject, decision, reason, ts FROM egress_decision WHERE "
        "tenant_id = ? AND agent_id = ? ORDER BY seq");
    st.bind(1, tenant).bind(2, agent_id);
    std::vector<Decision> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.integer(5)});
    }
    if (rc != SQLITE_DONE) return db_error("list decisions");
    return out;
  }

  // Writes of the detection tables, inside a write (transaction) only.
  Status do_add_detections(const std::string& tenant, const std::vector<Detection>& ds) {
    for (const auto& d : ds) {
      if (d.tenant_id != tenant) return wrong_tenant("detection", d.tenant_id, tenant);
      Stmt st = prepare(
          "INSERT INTO detection (id, tenant_id, agent_id, technique, tactic, rules, event, "
          "ts, counter_agent_id) VALUES (?,?,?,?,?,?,?,?,?)");
      st.bind(1, d.id).bind(2, tenant).bind(3, d.agent_id).bind(4, d.technique);
      st.bind(5, d.tactic).bind(6, core::to_json(strings_json(d.rules)));
      st.bind(7, core::to_json(d.event)).bind(8, d.ts_ms);
      if (d.counter_agent_id) st.bind(9, *d.counter_agent_id); else st.bind_null(9);
      if (st.step() != SQLITE_DONE) return db_error("insert detection");
    }
    return {};
  }

  Status do_set_counter_agent(const std::string& tenant, const std::string& detection_id,
                              const std::string& counter_agent_id) {
    Stmt st = prepare("UPDATE detection SET counter_agent_id = ? WHERE tenant_id = ? AND id = ?");
    st.bind(1, counter_agent_id).bind(2, tenant).bind(3, detection_id);
    if (st.step() != SQLITE_DONE) return db_error("link detection to its counter-agent");
    if (sqlite3_changes(db()) == 0) return make_error(code::kNotFound, "no detection " + detection_id);
    return {};
  }

  Status do_record_response(const std::string& tenant, const ResponseRecord& r) {
    const CounterAgentRecord& c = r.counter_agent;
    if (c.tenant_id != tenant) return wrong_tenant("counter-agent", c.tenant_id, tenant);
    Stmt st = prepare(
        "INSERT INTO counter_agent (id, tenant_id, agent_id, technique, detection_id, image, "
        "policy, sandbox, created_at) VALUES (?,?,?,?,?,?,?,?,?)");
    st.bind(1, c.id).bind(2, tenant).bind(3, c.agent_id).bind(4, c.technique);
    st.bind(5, c.detection_id).bind(6, c.image).bind(7, c.policy);
    st.bind(8, core::to_json(c.sandbox)).bind(9, c.created_at_ms);
    if (st.step() != SQLITE_DONE) return db_error("insert counter_agent");
    if (auto s = do_set_counter_agent(tenant, c.detection_id, c.id); !s) return s;
    for (const auto& k : r.containments) {
      Stmt ins = prepare(
          "INSERT INTO containment (tenant_id, agent_id, kind, counter_agent_id, technique, "
          "since, until) VALUES (?,?,?,?,?,?,?)");
      ins.bind(1, tenant).bind(2, k.agent_id).bind(3, k.kind).bind(4, k.counter_agent_id);
      ins.bind(5, k.technique).bind(6, k.since_ms).bind(7, k.until_ms);
      if (ins.step() != SQLITE_DONE) return db_error("insert containment");
    }
    for (const auto& e : r.evidence) {
      Stmt ins = prepare(
          "INSERT INTO evidence (id, tenant_id, agent_id, detection_id, counter_agent_id, "
          "snapshot, ts) VALUES (?,?,?,?,?,?,?)");
      ins.bind(1, e.id).bind(2, tenant).bind(3, e.agent_id).bind(4, e.detection_id);
      ins.bind(5, e.counter_agent_id).bind(6, core::to_json(e.snapshot)).bind(7, e.ts_ms);
      if (ins.step() != SQLITE_DONE) return db_error("insert evidence");
    }
    for (const auto& a : r.actions) {
      Stmt ins = prepare(
          "INSERT INTO response_action (tenant_id, counter_agent_id, agent_id, detection_id, "
          "action, status, detail, ts) VALUES (?,?,?,?,?,?,?,?)");
      ins.bind(1, tenant).bind(2, a.counter_agent_id).bind(3, a.agent_id);
      ins.bind(4, a.detection_id).bind(5, a.action).bind(6, a.status);
      ins.bind(7, core::to_json(a.detail)).bind(8, a.ts_ms);
      if (ins.step() != SQLITE_DONE) return db_error("insert response_action");
    }
    return {};
  }

  Status do_add_decision(const std::string& tenant, const Decision& d) {
    if (d.tenant_id != tenant) return wrong_tenant("decision", d.tenant_id, tenant);
    Stmt st = prepare(
        "INSERT INTO egress_decision (tenant_id, agent_id, subject, decision, reason, ts) "
        "VALUES (?,?,?,?,?,?)");
    st.bind(1, tenant).bind(2, d.agent_id).bind(3, d.subject).bind(4, d.decision);
    st.bind(5, d.reason).bind(6, d.ts_ms);
    if (st.step() != SQLITE_DONE) return db_error("insert decision");
    return {};
  }

  Result<Tenant> create_tenant(const std::string& id, const std::string& name) override {
    if (auto s = validate_tenant_id(id); !s) return s.error();
    if (name.size() > 256) return make_error(code::kInvalidArgument, "name longer than 256 bytes", "name");
    Tenant t{id, name.empty() ? id : name, core::now_ms()};
    return write([&]() -> Result<Tenant> {
      Stmt st = prepare("INSERT INTO tenant (id, name, created_at) VALUES (?,?,?) ON CONFLICT (id) DO NOTHING");
      st.bind(1, t.id).bind(2, t.name).bind(3, t.created_at_ms);
      if (st.step() != SQLITE_DONE) return db_error("create tenant");
      if (sqlite3_changes(db()) == 0) return make_error(code::kConflict, "tenant " + id + " exists", "id");
      return t;
    }, OnCommit<Tenant>());
  }

  Result<std::vector<Tenant>> list_tenants() override {
    ReadScope read(*this);
    Stmt st = prepare("SELECT id, name, created_at FROM tenant ORDER BY id");
    std::vector<Tenant> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) out.push_back({st.text(0), st.text(1), st.integer(2)});
    if (rc != SQLITE_DONE) return db_error("list tenants");
    return out;
  }

  Result<int64_t> count_agents(const std::string& tenant) override {
    ReadScope read(*this);
    Stmt st = prepare("SELECT count(*) FROM agent WHERE tenant_id = ? AND deleted_at IS NULL");
    st.bind(1, tenant);
    if (st.step() != SQLITE_ROW) return db_error("count agents");
    return st.integer(0);
  }

 private:

  // A transaction's view of the store: the do_* operations on the writer's
  // connection, inside the write() that runs the body.
  class Tx final : public Transaction {
   public:
    Tx(SqliteStore& s, const std::string& tenant) : s_(s), tenant_(tenant) {}
    const std::string& tenant() const override { return tenant_; }
    Result<std::vector<Agent>> spawn(std::span<const NewAgent> agents) override {
      return s_.nested([&] { return s_.do_spawn(tenant_, agents); });
    }
    Result<Agent> get(const std::string& id, bool include_deleted) override {
      return s_.do_get(tenant_, id, include_deleted);
    }
    Result<Page<Agent>> list(const AgentQuery& q) override { return s_.do_list(tenant_, q); }
    Result<Agent> update(const std::string& id, const AgentPatch& patch) override {
      return s_.nested([&] { return s_.do_update(tenant_, id, patch); });
    }
    Result<MoveResult> move(const std::string& id, const std::optional<std::string>& new_parent) override {
      return s_.nested([&] { return s_.do_move(tenant_, id, new_parent); });
    }
    Result<std::vector<Agent>> remove(const std::string& id, bool subtree, int64_t now) override {
      return s_.nested([&] { return s_.do_remove(tenant_, id, subtree, now); });
    }
    Result<std::vector<CognitionEvent>> append_events(const std::string& agent_id,
                                                      std::span<const NewEvent> events) override {
      return s_.nested([&] { return s_.do_append_events(tenant_, agent_id, events); });
    }
    Result<Page<CognitionEvent>> list_events(const std::string& agent_id, const EventQuery& q) override {
      return s_.do_list_events(tenant_, agent_id, q);
    }
    Status add_detections(const std::vector<Detection>& ds) override {
      return s_.nested([&] { return s_.do_add_detections(tenant_, ds); });
    }
    Status set_counter_agent(const std::string& detection_id, const std::string& counter_agent_id) override {
      return s_.nested([&] { return s_.do_set_counter_agent(tenant_, detection_id, counter_agent_id); });
    }
    Status record_response(const ResponseRecord& r) override {
      return s_.nested([&] { return s_.do_record_response(tenant_, r); });
    }
    Status add_decision(const Decision& d) override {
      return s_.nested([&] { return s_.do_add_decision(tenant_, d); });
    }

   private:
    SqliteStore& s_;
    const std::string& tenant_;
  };

  // One operation of a transaction under its own savepoint: a failed one
  // leaves nothing behind, and the body may go on with the others.
  template <typename F>
  auto nested(F&& f) -> decltype(f()) {
    const int64_t seq_before = next_agent_seq_;
    if (auto s = exec("SAVEPOINT tx_op"); !s) return s.error();
    auto r = f();
    if (!r) {
      (void)exec("ROLLBACK TO tx_op");
      next_agent_seq_ = seq_before;
    }
    (void)exec("RELEASE tx_op");
    return r;
  }

  static constexpr const char* kDetectionSelect =
      "SELECT id, tenant_id, agent_id, technique, tactic, rules, event, ts, counter_agent_id, seq "
      "FROM detection";

  static std::pair<Detection, int64_t> read_detection(const Stmt& st) {
    Detection d;
    d.id = st.text(0);
    d.tenant_id = st.text(1);
    d.agent_id = st.text(2);
    d.technique = st.text(3);
    d.tactic = st.text(4);
    Value rules = st.json(5);
    if (rules.is_array()) {
      for (const auto& r : rules.as_array())
        if (r.is_string()) d.rules.push_back(r.as_string());
    }
    d.event = st.json(6);
    d.ts_ms = st.integer(7);
    if (!st.is_null(8)) d.counter_agent_id = st.text(8);
    return {std::move(d), st.integer(9)};
  }

  static Error wrong_tenant(const char* what, const std::string& row, const std::string& tenant) {
    return make_error(code::kInvalidArgument,
                      std::string(what) + " of tenant '" + row + "' written in a transaction of tenant '" +
                          tenant + "'",
                      "tenant_id");
  }

  static Result<int64_t> parse_cursor(const std::string& cursor) {
    try {
      size_t used = 0;
      int64_t v = std::stoll(cursor, &used);
      if (used != cursor.size() || v < 0) throw std::invalid_argument("cursor");
      return v;
    } catch (const std::exception&) {
      return make_error(code::kInvalidArgument, "malformed cursor", "cursor");
    }
  }

  // Group commit. A write runs inside the open group transaction under its own
  // savepoint (a failed write rolls back alone). The writer that finds no other
  // writer queued commits the group (one fsync for all of them) and wakes the
  // rest; every writer returns only after its group is durable, so nothing is
  // acknowledged before it is on disk. Reads of a file store (the reader
  // connection) see only committed groups; an in-memory store's reads share the
  // writer's connection and may observe the group being committed.
  template <typename Op, typename Hook>
  auto write(Op&& op, const Hook& on_commit) -> decltype(op()) {
    waiting_writers_.fetch_add(1, std::memory_order_acq_rel);
    std::unique_lock lock(mu_);
    waiting_writers_.fetch_sub(1, std::memory_order_acq_rel);
    if (!group_open_) {
      if (auto s = exec("BEGIN IMMEDIATE"); !s) return s.error();
      group_open_ = true;
      ++group_;
    }
    const uint64_t my_group = group_;
    const int64_t seq_before = next_agent_seq_;
    // A failure here must still reach the commit below: others may wait on this group.
    Status savepoint = exec("SAVEPOINT op");
    decltype(op()) result = savepoint ? op() : decltype(op())(savepoint.error());
    if (!result) {
      (void)exec("ROLLBACK TO op");
      next_agent_seq_ = seq_before;
    }
    (void)exec("RELEASE op");
    // `result` and `on_commit` live in this frame, which waits until the group
    // is committed, so the committer may call the hook with them.
    if (result && on_commit) pending_hooks_.push_back([&on_commit, &result] { on_commit(*result); });
    if (waiting_writers_.load(std::memory_order_acquire) == 0) {
      Status s = exec("COMMIT");
      if (s) {
        for (auto& hook : pending_hooks_) hook();
      } else {
        (void)exec("ROLLBACK");
        failed_groups_.insert(my_group);
      }
      pending_hooks_.clear();
      group_open_ = false;
      committed_group_ = my_group;
      committed_.notify_all();
    } else {
      committed_.wait(lock, [&] { return committed_group_ >= my_group; });
    }
    if (failed_groups_.count(my_group))
      return make_error(code::kUnavailable, "the store could not commit the write; nothing was changed");
    return result;
  }

  // A transaction: BEGIN IMMEDIATE on construction, ROLLBACK unless committed.
  class Txn {
   public:
    explicit Txn(SqliteStore* s) : s_(s) { status_ = s_->exec("BEGIN IMMEDIATE"); }
    ~Txn() {
      if (status_.ok() && !done_) (void)s_->exec("ROLLBACK");
    }
    bool ok() const { return status_.ok(); }
    const Error& error() const { return status_.error(); }
    Status commit() {
      done_ = true;
      return s_->exec("COMMIT");
    }

   private:
    SqliteStore* s_;
    Status status_;
    bool done_ = false;
  };

  static Error located(Error e, const std::string& where) {
    if (!where.empty()) e.where = e.where.empty() ? where : where + "." + e.where;
    return e;
  }

  Status exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db(), sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : "unknown error";
      sqlite3_free(msg);
      return make_error(code::kUnavailable, std::string("SQLite: ") + m);
    }
    return {};
  }

  Error db_error(const std::string& what) {
    return make_error(code::kUnavailable, what + " failed: " + sqlite3_errmsg(db()));
  }

  Stmt prepare(const std::string& sql) {
    Conn& c = conn();
    auto it = c.cache.find(sql);
    if (it != c.cache.end()) return Stmt(it->second);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(c.db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
      // Our SQL is fixed text: failing to prepare it is a bug, not bad input.
      fprintf(stderr, "genesis: cannot prepare SQL (%s): %s\n", sqlite3_errmsg(c.db), sql.c_str());
      abort();
    }
    c.cache.emplace(sql, s);
    return Stmt(s);
  }

  Status migrate() {
    if (auto s = exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); !s) return s;
    int64_t version = 0;
    {
      Stmt st = prepare("SELECT max(version) FROM schema_version");
      if (st.step() == SQLITE_ROW && !st.is_null(0)) version = st.integer(0);
    }
    const int64_t latest = static_cast<int64_t>(std::size(kMigrations));
    if (version > latest)
      return make_error(code::kUnavailable, "store schema version " + std::to_string(version) +
                                                " is newer than this genesisd (" + std::to_string(latest) + ")");
    for (int64_t v = version; v < latest; ++v) {
      Txn txn(this);
      if (!txn.ok()) return txn.error();
      if (auto s = exec(kMigrations[v]); !s) return s;
      Stmt st = prepare("INSERT INTO schema_version (version) VALUES (?)");
      st.bind(1, v + 1);
      if (st.step() != SQLITE_DONE) return db_error("record schema version");
      if (auto s = txn.commit(); !s) return s;
    }
    Stmt st = prepare("SELECT coalesce(max(seq), 0) + 1 FROM agent");
    if (st.step() != SQLITE_ROW) return db_error("read agent sequence");
    next_agent_seq_ = st.integer(0);
    return {};
  }

  Result<Row> load(const std::string& tenant, const std::string& id, bool include_deleted) {
    Stmt st = prepare(std::string("SELECT ") + kAgentColumns + " FROM agent WHERE id = ? AND tenant_id = ?");
    st.bind(1, id).bind(2, tenant);
    int rc = st.step();
    if (rc == SQLITE_ROW) {
      Row r = read_row(st);
      if (!include_deleted && r.agent.deleted_at_ms)
        return make_error(code::kNotFound, "agent " + id + " is deleted");
      return r;
    }
    if (rc == SQLITE_DONE) return make_error(code::kNotFound, "no agent " + id);
    return db_error("load agent");
  }

  // Inserts `count` rows with multi-row INSERT statements of up to
  // kRowsPerInsert rows each: per-statement overhead (a statement journal
  // among it) dominates single-row inserts. bind_row(stmt, first_param - 1, i)
  // binds row i. Returns the first failing sqlite3_step code, or SQLITE_DONE.
  static constexpr size_t kRowsPerInsert = 64;

  template <typename BindRow>
  int insert_rows(const char* head, const char* row_params, int params_per_row, size_t count,
                  const BindRow& bind_row) {
    for (size_t start = 0; start < count; start += kRowsPerInsert) {
      size_t rows = std::min(kRowsPerInsert, count - start);
      std::string sql = head;
      for (size_t r = 0; r < rows; ++r) {
        if (r) sql += ',';
        sql += row_params;
      }
      Stmt st = prepare(sql);
      for (size_t r = 0; r < rows; ++r) bind_row(st, static_cast<int>(r) * params_per_row, start + r);
      int rc = st.step();
      if (rc != SQLITE_DONE) return rc;
    }
    return SQLITE_DONE;
  }

  // Where an agent sits in the tree, without decoding its documents.
  struct Place {
    int64_t seq = 0;
    std::string path, tree_key;
    bool deleted = false;
  };

  Result<Place> load_place(const std::string& tenant, const std::string& id) {
    Stmt st = prepare("SELECT seq, path, tree_key, deleted_at FROM agent WHERE id = ? AND tenant_id = ?");
    st.bind(1, id).bind(2, tenant);
    int rc = st.step();
    if (rc == SQLITE_ROW) return Place{st.integer(0), st.text(1), st.text(2), !st.is_null(3)};
    if (rc == SQLITE_DONE) return make_error(code::kNotFound, "no agent " + id);
    return db_error("load agent");
  }

  static Row read_row(const Stmt& st) {
    Row r;
    r.seq = st.integer(0);
    Agent& a = r.agent;
    a.id = st.text(1);
    a.tenant_id = st.text(2);
    if (!st.is_null(3)) a.parent_id = st.text(3);
    a.label = st.text(4);
    a.path = st.text(5);
    r.tree_key = st.text(6);
    // Columns were written by us from validated values; a parse failure means
    // the file was edited by hand, and the agent then reads as empty.
    if (auto m = core::parse_json(st.text(7)); m && m->is_object()) a.mem_state = std::move(*m);
    if (auto g = core::parse_json(st.text(8))) {
      if (auto goals = goals_from_json(*g)) a.goals = std::move(*goals);
    }
    if (auto e = core::parse_json(st.text(9))) {
      if (auto emotion = emotion_from_json(*e)) a.emotion = std::move(*emotion);
    }
    a.policy = st.text(10);
    a.created_at_ms = st.integer(11);
    if (!st.is_null(12)) a.deleted_at_ms = st.integer(12);
    return r;
  }

  // A consistent copy while writers go on: a connection of its own reads one
  // snapshot (a WAL read transaction: every group committed before it began,
  // i.e. every acknowledged write) and copies it page by page in one step;
  // writers keep committing to the WAL meanwhile and are never blocked.
  Status backup_to(const std::string& dest_path) override {
    if (path_.empty())
      return make_error(code::kUnavailable, "an in-memory store has nothing on disk to back up");
    return copy_database(path_, dest_path, /*to_backup=*/true);
  }

  // Retention: per tenant and table, DELETE ... LIMIT batch as one write of the
  // group-commit path (so it is durable before it counts and other writers'
  // ops interleave between batches: no writer waits for more than one batch).
  Result<RetentionReport> apply_retention(const RetentionPolicy& policy, int64_t now_ms,
                                          size_t batch) override {
    RetentionReport report;
    for (const char* k : kRetentionKinds) report.deleted[k] = 0;
    if (policy.empty()) return report;
    if (batch == 0) batch = 1000;
    std::vector<std::string> tenants;
    {
      ReadScope read(*this);
      Stmt st = prepare("SELECT id FROM tenant ORDER BY id");
      while (st.step() == SQLITE_ROW) tenants.push_back(st.text(0));
    }
    struct Table {
      const char* kind;
      const char* table;
    };
    static const Table kTables[] = {{"events", "cognition_event"},
                                    {"evidence", "evidence"},
                                    {"detections", "detection"},
                                    {"detections", "response_action"},
                                    {"decisions", "egress_decision"}};
    for (const std::string& tenant : tenants) {
      for (const Table& t : kTables) {
        const int64_t age = policy.age_for(tenant, t.kind);
        if (age <= 0) continue;
        const int64_t cutoff = now_ms - age;
        const std::string sql = std::string("DELETE FROM ") + t.table + " WHERE rowid IN (SELECT rowid FROM " +
                                t.table + " WHERE tenant_id = ?1 AND ts < ?2 LIMIT ?3)";
        for (;;) {
          auto n = write(
              [&]() -> Result<int64_t> {
                Stmt st = prepare(sql);
                st.bind(1, tenant).bind(2, cutoff).bind(3, static_cast<int64_t>(batch));
                if (st.step() != SQLITE_DONE) return db_error(std::string("retention on ") + t.table);
                return static_cast<int64_t>(sqlite3_changes(db()));
              },
              OnCommit<int64_t>{});
          if (!n) return n.error();
          report.deleted[t.kind] += *n;
          ++report.batches;
          if (*n < static_cast<int64_t>(batch)) break;
          std::this_thread::yield();  // let queued writers take the lock first
        }
      }
    }
    return report;
  }

  // Outside any group (VACUUM cannot run in a transaction): waits under mu_
  // for the open group to commit, then runs with writers queued behind it.
  Result<std::pair<int64_t, int64_t>> vacuum() override {
    if (path_.empty()) return make_error(code::kUnavailable, "an in-memory store has no file to vacuum");
    auto file_size = [this] {
      std::error_code ec;
      auto n = std::filesystem::file_size(path_, ec);
      return ec ? int64_t{-1} : static_cast<int64_t>(n);
    };
    for (;;) {
      std::unique_lock lock(mu_);
      if (group_open_) {
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      (void)exec("PRAGMA wal_checkpoint(TRUNCATE)");
      const int64_t before = file_size();
      int64_t mode = 0;
      {
        Stmt st = prepare("PRAGMA auto_vacuum");
        if (st.step() == SQLITE_ROW) mode = st.integer(0);
      }
      if (mode == 2) {
        if (auto s = exec("PRAGMA incremental_vacuum"); !s) return s.error();
      } else {
        if (auto s = exec("PRAGMA auto_vacuum=INCREMENTAL"); !s) return s.error();
        if (auto s = exec("VACUUM"); !s) return s.error();
      }
      (void)exec("PRAGMA wal_checkpoint(TRUNCATE)");
      return std::make_pair(before, file_size());
    }
  }

  std::string path_;  // the file; empty for an in-memory store
  int lock_fd_ = -1;  // holds flock(LOCK_EX) on the file for the store's life

  std::mutex mu_;  // guards everything below
  std::condition_variable committed_;
  std::atomic<int> waiting_writers_{0};
  bool group_open_ = false;
  uint64_t group_ = 0;            // the open (or last) group
  uint64_t committed_group_ = 0;  // the last group whose commit finished
  std::set<uint64_t> failed_groups_;
  std::vector<std::function<void()>> pending_hooks_;  // of the open group, in op order
  int64_t next_agent_seq_ = 1;

  // The writer's connection (under mu_) and, for a file, a read-only one
  // (under read_mu_): WAL lets it read the last committed state while the
  // writer commits, so reads neither wait for a group's fsync nor see the
  // writes of a group that is not durable yet. An in-memory store has one.
  struct Conn {
    sqlite3* db = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> cache;
  };
  Conn writer_;
  Conn reader_;
  std::mutex read_mu_;
  // The connection this thread's current call uses (set by ReadScope).
  static thread_local Conn* t_conn_;
  Conn& conn() { return t_conn_ != nullptr ? *t_conn_ : writer_; }
  sqlite3* db() { return conn().db; }

  // A read: on the reader connection inside one read transaction (one
  // consistent snapshot), or on the writer's under mu_ when there is none.
  class ReadScope {
   public:
    explicit ReadScope(SqliteStore& s) : s_(s) {
      if (s_.reader_.db != nullptr) {
        lock_ = std::unique_lock(s_.read_mu_);
        prev_ = t_conn_;
        t_conn_ = &s_.reader_;
        began_ = s_.prepare("BEGIN").step() == SQLITE_DONE;
      } else {
        lock_ = std::unique_lock(s_.mu_);
      }
    }
    ~ReadScope() {
      if (s_.reader_.db != nullptr) {
        if (began_) (void)s_.prepare("COMMIT").step();
        t_conn_ = prev_;
      }
    }

   private:
    SqliteStore& s_;
    std::unique_lock<std::mutex> lock_;
    Conn* prev_ = nullptr;
    bool began_ = false;
  };
};

thread_local SqliteStore::Conn* SqliteStore::t_conn_ = nullptr;

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path) {
  auto store = std::make_unique<SqliteStore>();
  if (auto s = store->open(path); !s) return s.error();
  return std::unique_ptr<Store>(std::move(store));
}

Status restore_sqlite_store(const std::string& backup_file, const std::string& path, bool replace) {
  if (auto s = check_backup(backup_file, static_cast<int64_t>(std::size(kMigrations))); !s) return s;
  std::error_code ec;
  std::filesystem::path target(path);
  if (std::filesystem::exists(target, ec) && !replace)
    return make_error(code::kConflict, path + " exists; restoring replaces everything in it (--force)");
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
  if (!std::filesystem::exists(target, ec)) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(code::kUnavailable, "cannot create " + path + ": " + std::strerror(errno));
    ::close(fd);
  }
  // Held for the whole copy: a genesisd started meanwhile is refused.
  int lock_fd = -1;
  if (auto s = lock_file(path, lock_fd); !s) return s;
  Status s = copy_database(backup_file, path, /*to_backup=*/false);
  ::close(lock_fd);
  return s;
}

}  // namespace genesis::storage
