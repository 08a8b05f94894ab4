// Validation and JSON conversion of the registry's data model.
#include <array>
#include <random>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "storage/storage.h"

namespace genesis::storage {

using core::Error;
using core::make_error;
using core::Result;
using core::Status;
using core::Value;
namespace code = core::code;

Status validate_label(std::string_view label) {
  if (label.empty()) return make_error(code::kInvalidArgument, "label must not be empty", "label");
  if (label.size() > kMaxLabelLength)
    return make_error(code::kInvalidArgument,
                      "label longer than " + std::to_string(kMaxLabelLength) + " characters",
                      "label");
  for (char c : label) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok)
      return make_error(code::kInvalidArgument,
                        "label may hold only letters, digits, '_' and '-' (got '" +
                            std::string(label) + "')",
                        "label");
  }
  return {};
}

Status validate_tenant_id(std::string_view id) {
  if (auto s = validate_label(id); !s) {
    Error e = s.error();
    e.message = "tenant id: " + e.message;
    e.where = "id";
    return e;
  }
  return {};
}

Value tenant_to_json(const Tenant& t) {
  return Value(core::Object{{"id", t.id}, {"name", t.name}, {"created_at", core::format_time(t.created_at_ms)}});
}

Status validate_mem_state(const Value& mem_state) {
  if (!mem_state.is_object())
    return make_error(code::kInvalidArgument,
                      std::string("mem_state must be an object, not ") + mem_state.kind_name(),
                      "mem_state");
  std::string s = core::to_json(mem_state);
  if (s.size() > kMaxMemStateBytes)
    return make_error(code::kTooLarge,
                      "mem_state is " + std::to_string(s.size()) + " bytes serialized; the limit is " +
                          std::to_string(kMaxMemStateBytes),
                      "mem_state");
  return {};
}

namespace {

Result<double> unit_number(const Value& v, const std::string& where) {
  if (!v.is_number())
    return make_error(code::kInvalidArgument, std::string("must be a number, not ") + v.kind_name(),
                      where);
  double d = v.as_double();
  if (!(d >= 0.0 && d <= 1.0))
    return make_error(code::kInvalidArgument, "must be between 0 and 1", where);
  return d;
}

Status only_fields(const Value& obj, std::initializer_list<std::string_view> allowed,
                   const std::string& where) {
  for (const auto& [k, v] : obj.as_object()) {
    bool known = false;
    for (auto a : allowed) known = known || k == a;
    if (!known) return make_error(code::kInvalidArgument, "unknown field \"" + k + "\"", where);
  }
  return {};
}

}  // namespace

Result<std::vector<Goal>> goals_from_json(const Value& v) {
  if (!v.is_array())
    return make_error(code::kInvalidArgument, std::string("goals must be an array, not ") + v.kind_name(),
                      "goals");
  std::vector<Goal> goals;
  for (size_t i = 0; i < v.as_array().size(); ++i) {
    const Value& g = v.as_array()[i];
    std::string where = "goals[" + std::to_string(i) + "]";
    if (!g.is_object()) return make_error(code::kInvalidArgument, "goal must be an object", where);
    if (auto s = only_fields(g, {"id", "weight", "ttl"}, where); !s) return s.error();
    Goal goal;
    const Value* id = g.find("id");
    if (!id || !id->is_string() || id->as_string().empty())
      return make_error(code::kInvalidArgument, "id must be a non-empty string", where + ".id");
    goal.id = id->as_string();
    const Value* w = g.find("weight");
    if (!w) return make_error(code::kInvalidArgument, "weight is required", where + ".weight");
    auto weight = unit_number(*w, where + ".weight");
    if (!weight) return weight.error();
    goal.weight = *weight;
    const Value* ttl = g.find("ttl");
    if (!ttl) return make_error(code::kInvalidArgument, "ttl is required", where + ".ttl");
    if (!ttl->is_int() || ttl->as_int() < 0)
      return make_error(code::kInvalidArgument, "ttl must be a whole number of seconds >= 0",
                        where + ".ttl");
    goal.ttl = ttl->as_int();
    for (const Goal& other : goals)
      if (other.id == goal.id)
        return make_error(code::kInvalidArgument, "duplicate goal id \"" + goal.id + "\"", where + ".id");
    goals.push_back(std::move(goal));
  }
  return goals;
}

Result<Emotion> emotion_from_json(const Value& v) {
  if (!v.is_object())
    return make_error(code::kInvalidArgument, std::string("emotion must be an object, not ") + v.kind_name(),
                      "emotion");
  if (auto s = only_fields(v, {"pleasure", "arousal", "dominance", "label", "fatigue"}, "emotion"); !s)
    return s.error();
  Emotion e;
  struct Field {
    const char* name;
    double* target;
  } fields[] = {{"pleasure", &e.pleasure}, {"arousal", &e.arousal}, {"dominance", &e.dominance},
                {"fatigue", &e.fatigue}};
  for (auto& f : fields) {
    if (const Value* x = v.find(f.name)) {
      auto d = unit_number(*x, std::string("emotion.") + f.name);
      if (!d) return d.error();
      *f.target = *d;
    }
  }
  if (const Value* l = v.find("label")) {
    if (!l->is_string() || l->as_string().empty() || l->as_string().size() > 32)
      return make_error(code::kInvalidArgument, "label must be a string of 1..32 characters",
                        "emotion.label");
    e.label = l->as_string();
  }
  return e;
}

Value goals_to_json(const std::vector<Goal>& goals) {
  core::Array a;
  a.reserve(goals.size());
  for (const Goal& g : goals)
    a.push_back(core::Object{{"id", g.id}, {"weight", g.weight}, {"ttl", g.ttl}});
  return a;
}

Value emotion_to_json(const Emotion& e) {
  return core::Object{{"pleasure", e.pleasure},
                      {"arousal", e.arousal},
                      {"dominance", e.dominance},
                      {"label", e.label},
                      {"fatigue", e.fatigue}};
}

Value agent_to_json(const Agent& a) {
  return core::Object{
      {"id", a.id},
      {"tenant_id", a.tenant_id},
      {"parent_id", a.parent_id ? Value(*a.parent_id) : Value(nullptr)},
      {"label", a.label},
      {"path", a.path},
      {"mem_state", a.mem_state},
      {"goals", goals_to_json(a.goals)},
      {"emotion", emotion_to_json(a.emotion)},
      {"policy", a.policy},
      {"created_at", core::format_time(a.created_at_ms)},
      {"deleted_at", a.deleted_at_ms ? Value(core::format_time(*a.deleted_at_ms)) : Value(nullptr)},
  };
}

Value event_to_json(const CognitionEvent& e) {
  return core::Object{{"id", e.id},
                      {"agent_id", e.agent_id},
                      {"type", cognition_type_name(e.type)},
                      {"payload", e.payload},
                      {"ts", core::format_time(e.ts_ms)}};
}

const char* cognition_type_name(CognitionType t) {
  switch (t) {
    case CognitionType::kPerceive: return "perceive";
    case CognitionType::kPlan: return "plan";
    case CognitionType::kAct: return "act";
    case CognitionType::kReflect: return "reflect";
  }
  return "?";
}

std::optional<CognitionType> parse_cognition_type(std::string_view s) {
  if (s == "perceive") return CognitionType::kPerceive;
  if (s == "plan") return CognitionType::kPlan;
  if (s == "act") return CognitionType::kAct;
  if (s == "reflect") return CognitionType::kReflect;
  return std::nullopt;
}

// ---- detections and responses ----

namespace {
Value strings_json(const std::vector<std::string>& v) {
  Value a = Value::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}
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
  v.set("ts", core::format_time(ts_ms));
  v.set("counter_agent_id", counter_agent_id ? Value(*counter_agent_id) : Value());
  if (!sigma.is_null()) v.set("sigma", sigma);
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
  v.set("created_at", core::format_time(created_at_ms));
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
  v.set("ts", core::format_time(ts_ms));
  return v;
}

Value Evidence::to_json() const {
  Value v = Value::object();
  v.set("id", id);
  v.set("agent_id", agent_id);
  v.set("detection_id", detection_id);
  v.set("counter_agent_id", counter_agent_id);
  v.set("snapshot", snapshot);
  v.set("ts", core::format_time(ts_ms));
  return v;
}

Value Decision::to_json() const {
  Value v = Value::object();
  v.set("agent_id", agent_id);
  v.set("subject", subject);
  v.set("decision", decision);
  v.set("reason", reason);
  v.set("ts", core::format_time(ts_ms));
  return v;
}

}  // namespace genesis::storage

namespace genesis::storage {

// Backends with their own backup tools (PostgreSQL: pg_dump) keep this.
core::Status Store::backup_to(const std::string&) {
  return core::make_error(core::code::kUnavailable,
                          "this store is backed up with its database's own tools (PostgreSQL: "
                          "pg_dump, docs/operations.md), not through genesisd");
}

}  // namespace genesis::storage

namespace genesis::storage {

bool RetentionPolicy::empty() const {
  for (const auto& [kind, ms] : max_age_ms)
    if (ms > 0) return false;
  for (const auto& [tenant, kinds] : tenant_max_age_ms)
    for (const auto& [kind, ms] : kinds)
      if (ms > 0) return false;
  return true;
}

int64_t RetentionPolicy::age_for(const std::string& tenant, const std::string& kind) const {
  if (auto t = tenant_max_age_ms.find(tenant); t != tenant_max_age_ms.end()) {
    if (auto k = t->second.find(kind); k != t->second.end()) return k->second;
  }
  auto k = max_age_ms.find(kind);
  return k == max_age_ms.end() ? 0 : k->second;
}

// Backends that do not implement retention (PostgreSQL, for now) keep these.
core::Result<RetentionReport> Store::apply_retention(const RetentionPolicy&, int64_t, size_t) {
  return core::make_error(core::code::kUnavailable,
                          "retention is implemented for the embedded SQLite store only; on PostgreSQL "
                          "delete old rows with the database's own tools (docs/operations.md)");
}

core::Result<std::pair<int64_t, int64_t>> Store::vacuum() {
  return core::make_error(core::code::kUnavailable,
                          "vacuum is implemented for the embedded SQLite store only; on PostgreSQL "
                          "autovacuum or VACUUM reclaims space (docs/operations.md)");
}

}  // namespace genesis::storage
