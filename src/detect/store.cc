// SQLite DetectStore. sqlite3* never leaves this file.
#include "detect/store.h"

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "registry/registry.h"

namespace genesis::detect {
namespace {

// The registry's connection to the same file holds the write lock while it
// commits (well under a millisecond here); SQLite's busy timeout would sleep up
// to 100 ms a step, so poll finely: 50 µs, then 250 µs, for about 5 s in all.
int wait_for_lock(void*, int attempts) {
  if (attempts >= 20100) return 0;
  std::this_thread::sleep_for(std::chrono::microseconds(attempts < 100 ? 50 : 250));
  return 1;
}

using core::Result;
using core::Status;
using core::Value;

Value strings_json(const std::vector<std::string>& v) {
  Value a = Value::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &st_, nullptr); }
  ~Stmt() { sqlite3_finalize(st_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& bind(int i, const std::string& s) {
    sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  Stmt& bind_null(int i) {
    sqlite3_bind_null(st_, i);
    return *this;
  }
  int step() { return sqlite3_step(st_); }
  std::string text(int col) {
    const unsigned char* t = sqlite3_column_text(st_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(st_, col)) : "";
  }
  bool is_null(int col) { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  int64_t i64(int col) { return sqlite3_column_int64(st_, col); }
  Value json(int col) {
    auto v = core::parse_json(text(col));
    return v.ok() ? std::move(*v) : Value();
  }

 private:
  sqlite3_stmt* st_ = nullptr;
  int rc_;
};

constexpr const char* kSchema = R"sql(
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
)sql";

class SqliteDetectStore : public DetectStore {
 public:
  explicit SqliteDetectStore(sqlite3* db) : db_(db) {}
  ~SqliteDetectStore() override {
    if (reader_) sqlite3_close(reader_);
    sqlite3_close(db_);
  }

  // A file store reads through a second, read-only connection: reads see only
  // committed groups and do not wait for a group's fsync (as the registry's).
  Status open_reader(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &reader_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      std::string msg = reader_ ? sqlite3_errmsg(reader_) : "out of memory";
      return core::make_error(core::code::kUnavailable, "cannot open " + path + " for reading: " + msg);
    }
    sqlite3_busy_handler(reader_, wait_for_lock, nullptr);
    return {};
  }

  Status init() {
    sqlite3_busy_handler(db_, wait_for_lock, nullptr);
    for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"}) {
      if (sqlite3_exec(db_, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) return error("pragma");
    }
    if (sqlite3_exec(db_, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) return error("schema");
    return {};
  }

  Status add_detections(const std::vector<Detection>& ds) override {
    return write([&]() -> Status {
      for (const auto& d : ds) {
        Stmt st(db_,
                "INSERT INTO detection (id, tenant_id, agent_id, technique, tactic, rules, event, "
                "ts, counter_agent_id) VALUES (?,?,?,?,?,?,?,?,?)");
        st.bind(1, d.id).bind(2, d.tenant_id).bind(3, d.agent_id).bind(4, d.technique);
        st.bind(5, d.tactic).bind(6, core::to_json(strings_json(d.rules)));
        st.bind(7, core::to_json(d.event)).bind(8, d.ts_ms);
        if (d.counter_agent_id) st.bind(9, *d.counter_agent_id); else st.bind_null(9);
        if (st.step() != SQLITE_DONE) return error("insert detection");
      }
      return {};
    });
  }

  Status set_counter_agent(const std::string& tenant, const std::string& detection_id,
                           const std::string& counter_agent_id) override {
    return write([&]() -> Status { return link_detection(tenant, detection_id, counter_agent_id); });
  }

  Result<Detection> get_detection(const std::string& tenant, const std::string& id) override {
    ReadLock read(*this);
    Stmt st(read.db, (std::string(kDetectionSelect) + " WHERE tenant_id = ? AND id = ?").c_str());
    st.bind(1, tenant).bind(2, id);
    if (st.step() != SQLITE_ROW) {
      return core::make_error(core::code::kNotFound, "no detection " + id);
    }
    return read_detection(st).first;
  }

  Result<std::pair<std::vector<Detection>, std::optional<std::string>>> list_detections(
      const std::string& tenant, const DetectionQuery& q) override {
    std::string sql = std::string(kDetectionSelect) + " WHERE tenant_id = ?";
    if (q.agent_id) sql += " AND agent_id = ?";
    if (q.technique) sql += " AND (technique = ? OR technique LIKE ?)";
    if (q.since_ms) sql += " AND ts >= ?";
    if (q.until_ms) sql += " AND ts < ?";
    if (q.cursor) sql += " AND seq < ?";
    sql += " ORDER BY seq DESC LIMIT ?";
    int64_t cursor = 0;
    if (q.cursor) {
      try {
        cursor = std::stoll(*q.cursor);
      } catch (...) {
        return core::make_error(core::code::kInvalidArgument, "bad cursor", "cursor");
      }
    }
    ReadLock read(*this);
    Stmt st(read.db, sql.c_str());
    int i = 1;
    st.bind(i++, tenant);
    if (q.agent_id) st.bind(i++, *q.agent_id);
    if (q.technique) {
      st.bind(i++, *q.technique);
      st.bind(i++, *q.technique + ".%");
    }
    if (q.since_ms) st.bind(i++, *q.since_ms);
    if (q.until_ms) st.bind(i++, *q.until_ms);
    if (q.cursor) st.bind(i++, cursor);
    st.bind(i++, static_cast<int64_t>(q.limit + 1));
    std::vector<Detection> out;
    std::vector<int64_t> seqs;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      auto [d, seq] = read_detection(st);
      out.push_back(std::move(d));
      seqs.push_back(seq);
    }
    if (rc != SQLITE_DONE) return error("list detections");
    std::optional<std::string> next;
    if (out.size() > q.limit) {
      out.pop_back();
      next = std::to_string(seqs[q.limit - 1]);
    }
    return std::make_pair(std::move(out), next);
  }

  Status record_response(const ResponseRecord& r) override {
    return write([&]() -> Status {
      const CounterAgentRecord& c = r.counter_agent;
      Stmt st(db_,
              "INSERT INTO counter_agent (id, tenant_id, agent_id, technique, detection_id, image, "
              "policy, sandbox, created_at) VALUES (?,?,?,?,?,?,?,?,?)");
      st.bind(1, c.id).bind(2, c.tenant_id).bind(3, c.agent_id).bind(4, c.technique);
      st.bind(5, c.detection_id).bind(6, c.image).bind(7, c.policy);
      st.bind(8, core::to_json(c.sandbox)).bind(9, c.created_at_ms);
      if (st.step() != SQLITE_DONE) return error("insert counter_agent");
      if (auto s = link_detection(c.tenant_id, c.detection_id, c.id); !s.ok()) return s;
      for (const auto& k : r.containments) {
        Stmt ins(db_,
                 "INSERT INTO containment (tenant_id, agent_id, kind, counter_agent_id, technique, "
                 "since, until) VALUES (?,?,?,?,?,?,?)");
        ins.bind(1, k.tenant_id).bind(2, k.agent_id).bind(3, k.kind).bind(4, k.counter_agent_id);
        ins.bind(5, k.technique).bind(6, k.since_ms).bind(7, k.until_ms);
        if (ins.step() != SQLITE_DONE) return error("insert containment");
      }
      for (const auto& e : r.evidence) {
        Stmt ins(db_,
                 "INSERT INTO evidence (id, tenant_id, agent_id, detection_id, counter_agent_id, "
                 "snapshot, ts) VALUES (?,?,?,?,?,?,?)");
        ins.bind(1, e.id).bind(2, e.tenant_id).bind(3, e.agent_id).bind(4, e.detection_id);
        ins.bind(5, e.counter_agent_id).bind(6, core::to_json(e.snapshot)).bind(7, e.ts_ms);
        if (ins.step() != SQLITE_DONE) return error("insert evidence");
      }
      for (const auto& a : r.actions) {
        Stmt ins(db_,
                 "INSERT INTO response_action (tenant_id, counter_agent_id, agent_id, detection_id, "
                 "action, status, detail, ts) VALUES (?,?,?,?,?,?,?,?)");
        ins.bind(1, a.tenant_id).bind(2, a.counter_agent_id).bind(3, a.agent_id);
        ins.bind(4, a.detection_id).bind(5, a.action).bind(6, a.status);
        ins.bind(7, core::to_json(a.detail)).bind(8, a.ts_ms);
        if (ins.step() != SQLITE_DONE) return error("insert response_action");
      }
      return {};
    });
  }

  Result<std::vector<CounterAgentRecord>> counter_agents(const std::string& tenant,
                                                         const std::string& agent_id) override {
    ReadLock read(*this);
    Stmt st(read.db,
            "SELECT id, tenant_id, agent_id, technique, detection_id, image, policy, sandbox, "
            "created_at FROM counter_agent WHERE tenant_id = ? AND agent_id = ? ORDER BY created_at");
    st.bind(1, tenant).bind(2, agent_id);
    std::vector<CounterAgentRecord> out;
    while (st.step() == SQLITE_ROW) {
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5),
                     st.text(6), st.json(7), st.i64(8)});
    }
    return out;
  }

  Result<std::vector<Containment>> active_containments(int64_t now) override {
    ReadLock read(*this);
    Stmt st(read.db,
            "SELECT tenant_id, agent_id, kind, counter_agent_id, technique, since, until FROM "
            "containment WHERE until > ? ORDER BY seq");
    st.bind(1, now);
    std::vector<Containment> out;
    while (st.step() == SQLITE_ROW) {
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.i64(5),
                     st.i64(6)});
    }
    return out;
  }

  Result<std::vector<ActionRecord>> actions(const std::string& tenant,
                                            const std::string& detection_id) override {
    ReadLock read(*this);
    Stmt st(read.db,
            "SELECT tenant_id, counter_agent_id, agent_id, detection_id, action, status, detail, ts "
            "FROM response_action WHERE tenant_id = ? AND detection_id = ? ORDER BY seq");
    st.bind(1, tenant).bind(2, detection_id);
    std::vector<ActionRecord> out;
    while (st.step() == SQLITE_ROW) {
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5),
                     st.json(6), st.i64(7)});
    }
    return out;
  }

  Result<std::vector<Evidence>> evidence(const std::string& tenant,
                                         const std::string& agent_id) override {
    ReadLock read(*this);
    Stmt st(read.db,
            "SELECT id, tenant_id, agent_id, detection_id, counter_agent_id, snapshot, ts FROM "
            "evidence WHERE tenant_id = ? AND agent_id = ? ORDER BY ts");
    st.bind(1, tenant).bind(2, agent_id);
    std::vector<Evidence> out;
    while (st.step() == SQLITE_ROW) {
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.json(5),
                     st.i64(6)});
    }
    return out;
  }

  Status add_decision(const Decision& d) override {
    return write([&]() -> Status {
      Stmt st(db_,
              "INSERT INTO egress_decision (tenant_id, agent_id, subject, decision, reason, ts) "
              "VALUES (?,?,?,?,?,?)");
      st.bind(1, d.tenant_id).bind(2, d.agent_id).bind(3, d.subject).bind(4, d.decision);
      st.bind(5, d.reason).bind(6, d.ts_ms);
      return st.step() == SQLITE_DONE ? Status{} : error("insert decision");
    });
  }

  Result<std::vector<Decision>> decisions(const std::string& tenant,
                                          const std::string& agent_id) override {
    ReadLock read(*this);
    Stmt st(read.db,
            "SELECT tenant_id, agent_id, subject, decision, reason, ts FROM egress_decision WHERE "
            "tenant_id = ? AND agent_id = ? ORDER BY seq");
    st.bind(1, tenant).bind(2, agent_id);
    std::vector<Decision> out;
    while (st.step() == SQLITE_ROW) {
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.i64(5)});
    }
    return out;
  }

 private:
  static constexpr const char* kDetectionSelect =
      "SELECT id, tenant_id, agent_id, technique, tactic, rules, event, ts, counter_agent_id, seq "
      "FROM detection";

  std::pair<Detection, int64_t> read_detection(Stmt& st) {
    Detection d;
    d.id = st.text(0);
    d.tenant_id = st.text(1);
    d.agent_id = st.text(2);
    d.technique = st.text(3);
    d.tactic = st.text(4);
    Value rules = st.json(5);
    if (rules.is_array()) {
      for (const auto& r : rules.as_array()) {
        if (r.is_string()) d.rules.push_back(r.as_string());
      }
    }
    d.event = st.json(6);
    d.ts_ms = st.i64(7);
    if (!st.is_null(8)) d.counter_agent_id = st.text(8);
    return {std::move(d), st.i64(9)};
  }

  // Group commit, as in the registry's store: each write runs in the open group
  // transaction under its own savepoint (a failed write rolls back alone); the
  // writer that finds nobody queued behind it commits the group with one fsync
  // and wakes the others. Every writer returns only once its group is durable.
  template <typename Op>
  Status write(Op&& op) {
    queued_writers_.fetch_add(1, std::memory_order_acq_rel);
    std::unique_lock lock(mu_);
    queued_writers_.fetch_sub(1, std::memory_order_acq_rel);
    if (!group_open_) {
      if (!exec("BEGIN IMMEDIATE")) return error("begin");
      group_open_ = true;
      ++group_;
    }
    const uint64_t my_group = group_;
    // A failure here must still reach the commit below: others may wait on this group.
    Status result = exec("SAVEPOINT op") ? op() : Status(error("savepoint"));
    if (!result.ok()) (void)exec("ROLLBACK TO op");
    (void)exec("RELEASE op");
    if (queued_writers_.load(std::memory_order_acquire) == 0) {
      if (!exec("COMMIT")) {
        commit_error_[my_group] = error("commit");
        (void)exec("ROLLBACK");
      }
      group_open_ = false;
      committed_group_ = my_group;
      committed_.notify_all();
    } else {
      committed_.wait(lock, [&] { return committed_group_ >= my_group; });
    }
    if (auto it = commit_error_.find(my_group); it != commit_error_.end()) return it->second;
    return result;
  }

  Status link_detection(const std::string& tenant, const std::string& detection_id,
                        const std::string& counter_agent_id) {
    Stmt st(db_, "UPDATE detection SET counter_agent_id = ? WHERE tenant_id = ? AND id = ?");
    st.bind(1, counter_agent_id).bind(2, tenant).bind(3, detection_id);
    return st.step() == SQLITE_DONE ? Status{} : error("link detection to its counter-agent");
  }

  bool exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

  core::Error error(const std::string& what) {
    return core::make_error(core::code::kUnavailable,
                            "detection store: " + what + ": " + sqlite3_errmsg(db_));
  }

  std::mutex mu_;  // the writer's connection; serializes its statements
  sqlite3* db_;
  std::mutex read_mu_;         // the reader's connection, when there is one
  sqlite3* reader_ = nullptr;

  struct ReadLock {
    explicit ReadLock(SqliteDetectStore& s)
        : lock(s.reader_ ? s.read_mu_ : s.mu_), db(s.reader_ ? s.reader_ : s.db_) {}
    std::lock_guard<std::mutex> lock;
    sqlite3* db;
  };
  std::atomic<int> queued_writers_{0};
  std::condition_variable committed_;
  bool group_open_ = false;
  uint64_t group_ = 0;            // the open (or last) group
  uint64_t committed_group_ = 0;  // the last group whose commit finished
  std::map<uint64_t, core::Error> commit_error_;  // groups whose COMMIT failed
};

}  // namespace

Value Detection::to_json() const {
  Value v = Value::object();
  v.set("id", id);
  v.set("tenant_id", tenant_id);
  v.set("agent_id", agent_id);
  v.set("technique", technique);
  v.set("tactic", tactic);
  v.set("rules", strings_json(rules));
  v.set("event", event);
  v.set("ts", registry::format_time(ts_ms));
  v.set("counter_agent_id", counter_agent_id ? Value(*counter_agent_id) : Value());
  return v;
}

Value CounterAgentRecord::to_json() const {
  Value v = Value::object();
  v.set("id", id);
  v.set("agent_id", agent_id);
  v.set("technique", technique);
  v.set("detection_id", detection_id);
  v.set("image", image);
  v.set("policy", policy);
  v.set("sandbox", sandbox);
  v.set("created_at", registry::format_time(created_at_ms));
  return v;
}

Value ActionRecord::to_json() const {
  Value v = Value::object();
  v.set("counter_agent_id", counter_agent_id);
  v.set("agent_id", agent_id);
  v.set("detection_id", detection_id);
  v.set("action", action);
  v.set("status", status);
  v.set("detail", detail);
  v.set("ts", registry::format_time(ts_ms));
  return v;
}

Value Evidence::to_json() const {
  Value v = Value::object();
  v.set("id", id);
  v.set("agent_id", agent_id);
  v.set("detection_id", detection_id);
  v.set("counter_agent_id", counter_agent_id);
  v.set("snapshot", snapshot);
  v.set("ts", registry::format_time(ts_ms));
  return v;
}

Value Decision::to_json() const {
  Value v = Value::object();
  v.set("agent_id", agent_id);
  v.set("subject", subject);
  v.set("decision", decision);
  v.set("reason", reason);
  v.set("ts", registry::format_time(ts_ms));
  return v;
}

Result<std::unique_ptr<DetectStore>> open_detect_store(const std::string& url) {
  if (url.rfind("sqlite:", 0) != 0) {
    return core::make_error(core::code::kInvalidArgument,
                            "detection store URL must be sqlite:PATH, got " + url);
  }
  std::string path = url.substr(7);
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return core::make_error(core::code::kUnavailable, "cannot open " + path + ": " + msg);
  }
  auto store = std::make_unique<SqliteDetectStore>(db);
  if (auto st = store->init(); !st.ok()) return st.error();
  if (path != ":memory:" && !path.empty() && path.rfind("file:", 0) != 0) {
    if (auto st = store->open_reader(path); !st.ok()) return st.error();
  }
  return std::unique_ptr<DetectStore>(std::move(store));
}

}  // namespace genesis::detect
