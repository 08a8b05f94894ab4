// Validation and JSON conversion of the registry's data model.
#include <openssl/rand.h>

#include <array>
#include <random>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "registry/registry.h"

namespace genesis::registry {

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
      {"created_at", format_time(a.created_at_ms)},
      {"deleted_at", a.deleted_at_ms ? Value(format_time(*a.deleted_at_ms)) : Value(nullptr)},
  };
}

Value event_to_json(const CognitionEvent& e) {
  return core::Object{{"id", e.id},
                      {"agent_id", e.agent_id},
                      {"type", cognition_type_name(e.type)},
                      {"payload", e.payload},
                      {"ts", format_time(e.ts_ms)}};
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

std::string new_uuid() {
  // A per-thread generator seeded from OpenSSL's CSPRNG: ids must be unique and
  // hard to guess, and RAND_bytes per id is measurably slow on the spawn path.
  thread_local std::mt19937_64 rng = [] {
    std::array<uint64_t, 4> seed{};
    if (RAND_bytes(reinterpret_cast<unsigned char*>(seed.data()), sizeof seed) != 1) {
      std::random_device rd;
      for (auto& s : seed) s = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    }
    std::seed_seq seq{seed[0], seed[1], seed[2], seed[3]};
    return std::mt19937_64(seq);
  }();
  unsigned char b[16];
  uint64_t hi = rng(), lo = rng();
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(hi >> (i * 8));
    b[8 + i] = static_cast<unsigned char>(lo >> (i * 8));
  }
  b[6] = (b[6] & 0x0F) | 0x40;
  b[8] = (b[8] & 0x3F) | 0x80;
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += kHex[b[i] >> 4];
    s += kHex[b[i] & 0xF];
  }
  return s;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string format_time(int64_t ms) {
  time_t secs = static_cast<time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int millis = static_cast<int>(ms - static_cast<int64_t>(secs) * 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::optional<int64_t> parse_time(std::string_view s) {
  // RFC 3339: YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM], or integer milliseconds.
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos && s.size() < 16)
    return std::stoll(std::string(s));
  int y, mo, d, h, mi, sec;
  int n = 0;
  std::string str(s);
  if (sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t i = 19;
  int64_t frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    int64_t scale = 100;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) {
      if (digits < 3) frac_ms += (s[i] - '0') * scale, scale /= 10;
      ++digits, ++i;
    }
    if (digits == 0) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh = std::atoi(str.substr(i + 1, 2).c_str()), om = std::atoi(str.substr(i + 4, 2).c_str());
    offset_s = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  struct tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset_s;
  return secs * 1000 + frac_ms;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace genesis::registry
