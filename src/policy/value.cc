#include "policy/value.h"
#include "policy/guard.h"

#include "core/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace genesis::policy {
namespace {

struct StrRep {
  std::string s;
};
struct ArrRep {
  ValueVec items;
};
struct ObjRep {
  ObjectItems items;
};

template <typename T>
const T& rep(const std::shared_ptr<const void>& p) {
  return *static_cast<const T*>(p.get());
}

bool parse_i128(std::string_view s, __int128* out) {
  bool neg = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (i >= s.size()) return false;
  unsigned __int128 v = 0;
  const unsigned __int128 limit = (static_cast<unsigned __int128>(1) << 127) - 1;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
    if (v > limit + (neg ? 1 : 0)) return false;
  }
  *out = neg ? -static_cast<__int128>(v) : static_cast<__int128>(v);
  return true;
}

std::string i128_to_string(__int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u = neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string s;
  while (u) {
    s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (neg) s.push_back('-');
  std::reverse(s.begin(), s.end());
  return s;
}

int kind_rank(Kind k) { return static_cast<int>(k); }

int compare_numbers(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int();
  __int128 x, y;
  if (a.is_integral() && b.is_integral() && a.to_i128(&x) && b.to_i128(&y))
    return x < y ? -1 : x > y;
  double p = a.as_double(), q = b.as_double();
  if (p < q) return -1;
  if (p > q) return 1;
  return 0;
}

}  // namespace

Value Value::null() {
  Value v;
  v.kind_ = Kind::kNull;
  return v;
}
Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}
Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = Kind::kNumber;
  v.ntag_ = kInt;
  v.i_ = i;
  return v;
}
Value Value::number(double d) {
  // Integral doubles that fit int64 become integers: OPA prints 2.0 as 2.
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
    return integer(static_cast<int64_t>(d));
  }
  Value v;
  v.kind_ = Kind::kNumber;
  v.ntag_ = kDouble;
  v.d_ = d;
  return v;
}
Value Value::from_i128(__int128 x) {
  if (x >= INT64_MIN && x <= INT64_MAX) return integer(static_cast<int64_t>(x));
  Value v;
  v.kind_ = Kind::kNumber;
  v.ntag_ = kBig;
  std::string text = i128_to_string(x);
  v.d_ = std::strtod(text.c_str(), nullptr);
  v.rep_ = std::make_shared<StrRep>(StrRep{std::move(text)});
  return v;
}
Value Value::number_text(std::string_view text) {
  bool integral = !text.empty();
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!((c >= '0' && c <= '9') || (i == 0 && c == '-'))) integral = false;
  }
  if (integral) {
    int64_t i = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
    if (ec == std::errc() && p == text.data() + text.size()) return integer(i);
    Value v;
    v.kind_ = Kind::kNumber;
    v.ntag_ = kBig;
    std::string t(text);
    v.d_ = std::strtod(t.c_str(), nullptr);
    v.rep_ = std::make_shared<StrRep>(StrRep{std::move(t)});
    return v;
  }
  std::string t(text);
  double d = std::strtod(t.c_str(), nullptr);
  if (!std::isfinite(d)) {
    // Beyond double range (2e308): keep the literal text, as OPA does.
    Value v;
    v.kind_ = Kind::kNumber;
    v.ntag_ = kBig;
    v.d_ = d;
    v.rep_ = std::make_shared<StrRep>(StrRep{std::move(t)});
    return v;
  }
  // Exponent-form integers such as 1e3 stay exact when they fit.
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return integer(static_cast<int64_t>(d));
  Value v;
  v.kind_ = Kind::kNumber;
  v.ntag_ = kDouble;
  v.d_ = d;
  return v;
}
// What a value's representation costs, charged to the evaluation's memory
// budget (policy/guard.h): payload plus the shared block's header.
constexpr uint64_t kRepOverhead = 32;

Value Value::string(std::string s) {
  EvalGuard::charge(s.size() + kRepOverhead);
  Value v;
  v.kind_ = Kind::kString;
  v.rep_ = std::make_shared<StrRep>(StrRep{std::move(s)});
  return v;
}
Value Value::array(ValueVec items) {
  EvalGuard::charge(items.size() * sizeof(Value) + kRepOverhead);
  Value v;
  v.kind_ = Kind::kArray;
  v.rep_ = std::make_shared<ArrRep>(ArrRep{std::move(items)});
  return v;
}
Value Value::object(ObjectItems items) {
  EvalGuard::charge(items.size() * 2 * sizeof(Value) + kRepOverhead);
  if (items.size() > 64) {
    // Long sorts look at the evaluation's deadline as they go.
    std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
      EvalGuard::poll();
      return compare(a.first, b.first) < 0;
    });
  } else {
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return compare(a.first, b.first) < 0; });
  }
  // Keep the last of equal keys.
  ObjectItems out;
  out.reserve(items.size());
  for (auto& kv : items) {
    if (!out.empty() && out.back().first == kv.first) {
      out.back().second = std::move(kv.second);
    } else {
      out.push_back(std::move(kv));
    }
  }
  Value v;
  v.kind_ = Kind::kObject;
  v.rep_ = std::make_shared<ObjRep>(ObjRep{std::move(out)});
  return v;
}
Value Value::set(ValueVec items) {
  EvalGuard::charge(items.size() * sizeof(Value) + kRepOverhead);
  if (items.size() > 64) {
    std::sort(items.begin(), items.end(), [](const Value& a, const Value& b) {
      EvalGuard::poll();
      return compare(a, b) < 0;
    });
  } else {
    std::sort(items.begin(), items.end(), [](const Value& a, const Value& b) { return compare(a, b) < 0; });
  }
  items.erase(std::unique(items.begin(), items.end()), items.end());
  Value v;
  v.kind_ = Kind::kSet;
  v.rep_ = std::make_shared<ArrRep>(ArrRep{std::move(items)});
  return v;
}
const Value& Value::empty_object() {
  static const Value v = object({});
  return v;
}
const Value& Value::empty_set() {
  static const Value v = set({});
  return v;
}
const Value& Value::empty_array() {
  static const Value v = array({});
  return v;
}

bool Value::is_integral() const {
  if (kind_ != Kind::kNumber) return false;
  if (ntag_ == kInt) return true;
  if (ntag_ == kBig) return true;
  return std::isfinite(d_) && d_ == std::floor(d_);
}
double Value::as_double() const { return ntag_ == kInt ? static_cast<double>(i_) : d_; }
const std::string& Value::big_text() const { return rep<StrRep>(rep_).s; }
bool Value::to_i128(__int128* out) const {
  if (ntag_ == kInt) {
    *out = i_;
    return true;
  }
  if (ntag_ == kBig) return parse_i128(big_text(), out);
  if (std::isfinite(d_) && d_ == std::floor(d_) && std::fabs(d_) < 1.0e38) {
    *out = static_cast<__int128>(d_);
    return true;
  }
  return false;
}

const std::string& Value::str() const { return rep<StrRep>(rep_).s; }
const ValueVec& Value::arr() const { return rep<ArrRep>(rep_).items; }
const ObjectItems& Value::obj() const { return rep<ObjRep>(rep_).items; }
const ValueVec& Value::set_items() const { return rep<ArrRep>(rep_).items; }
size_t Value::size() const {
  switch (kind_) {
    case Kind::kString: return str().size();
    case Kind::kArray:
    case Kind::kSet: return arr().size();
    case Kind::kObject: return obj().size();
    default: return 0;
  }
}

const Value* Value::get(const Value& key) const {
  if (kind_ != Kind::kObject) return nullptr;
  const auto& items = obj();
  auto it = std::lower_bound(items.begin(), items.end(), key,
                             [](const auto& kv, const Value& k) { return compare(kv.first, k) < 0; });
  if (it != items.end() && it->first == key) return &it->second;
  return nullptr;
}
const Value* Value::get(std::string_view key) const {
  if (kind_ != Kind::kObject) return nullptr;
  const auto& items = obj();
  // String keys sort after null/bool/number keys; compare within strings.
  auto it = std::lower_bound(items.begin(), items.end(), key, [](const auto& kv, std::string_view k) {
    if (kv.first.kind() != Kind::kString) return kv.first.kind() < Kind::kString;
    return std::string_view(kv.first.str()) < k;
  });
  if (it != items.end() && it->first.is_string() && it->first.str() == key) return &it->second;
  return nullptr;
}
bool Value::contains(const Value& item) const {
  if (kind_ != Kind::kSet) return false;
  const auto& items = set_items();
  return std::binary_search(items.begin(), items.end(), item,
                            [](const Value& a, const Value& b) { return compare(a, b) < 0; });
}

int compare(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_) return kind_rank(a.kind_) < kind_rank(b.kind_) ? -1 : 1;
  switch (a.kind_) {
    case Kind::kUndefined:
    case Kind::kNull: return 0;
    case Kind::kBool: return a.b_ == b.b_ ? 0 : (a.b_ ? 1 : -1);
    case Kind::kNumber: return compare_numbers(a, b);
    case Kind::kString: {
      if (a.rep_ == b.rep_) return 0;
      int c = a.str().compare(b.str());
      return c < 0 ? -1 : c > 0;
    }
    case Kind::kArray:
    case Kind::kSet: {
      if (a.rep_ == b.rep_) return 0;
      const auto& x = a.arr();
      const auto& y = b.arr();
      size_t n = std::min(x.size(), y.size());
      for (size_t i = 0; i < n; ++i) {
        int c = compare(x[i], y[i]);
        if (c) return c;
      }
      return x.size() < y.size() ? -1 : x.size() > y.size();
    }
    case Kind::kObject: {
      if (a.rep_ == b.rep_) return 0;
      const auto& x = a.obj();
      const auto& y = b.obj();
      size_t n = std::min(x.size(), y.size());
      for (size_t i = 0; i < n; ++i) {
        int c = compare(x[i].first, y[i].first);
        if (c) return c;
        c = compare(x[i].second, y[i].second);
        if (c) return c;
      }
      return x.size() < y.size() ? -1 : x.size() > y.size();
    }
  }
  return 0;
}

const char* Value::type_name() const {
  switch (kind_) {
    case Kind::kUndefined: return "undefined";
    case Kind::kNull: return "null";
    case Kind::kBool: return "boolean";
    case Kind::kNumber: return "number";
    case Kind::kString: return "string";
    case Kind::kArray: return "array";
    case Kind::kObject: return "object";
    case Kind::kSet: return "set";
  }
  return "undefined";
}

// ---- JSON ----

namespace {

// Builds a Rego value from core's strict JSON reader (core/value.h): one
// parser, one set of refusals, for every JSON the engine reads. Numbers keep
// their literal text, so integers beyond 64 bits stay exact.
class ValueBuilder : public core::JsonHandler {
 public:
  Value take() { return std::move(root_); }

  void null() override { put(Value::null()); }
  void boolean(bool b) override { put(Value::boolean(b)); }
  void number(std::string_view text, bool) override { put(Value::number_text(text)); }
  void string(std::string s) override { put(Value::string(std::move(s))); }
  void begin_array() override { open_.push_back(Open{false, {}, {}}); }
  void end_array() override {
    ValueVec items = std::move(open_.back().items);
    open_.pop_back();
    put(Value::array(std::move(items)));
  }
  void begin_object() override { open_.push_back(Open{true, {}, {}}); }
  void key(std::string k) override { open_.back().items.push_back(Value::string(std::move(k))); }
  void end_object() override {
    ObjectItems members = std::move(open_.back().members);
    open_.pop_back();
    put(Value::object(std::move(members)));  // keys are unique: the reader refuses duplicates
  }

 private:
  struct Open {
    bool object;
    ValueVec items;        // an array's items; an object's pending key
    ObjectItems members;   // an object's members
  };
  void put(Value v) {
    if (open_.empty()) {
      root_ = std::move(v);
    } else if (!open_.back().object) {
      open_.back().items.push_back(std::move(v));
    } else {
      Open& o = open_.back();
      o.members.emplace_back(std::move(o.items.back()), std::move(v));
      o.items.pop_back();
    }
  }

  Value root_;
  std::vector<Open> open_;
};

// As Go's encoding/json writes strings (OPA's output): HTML characters
// escaped, and bytes that are not valid UTF-8 written as U+FFFD, so the
// result is always valid JSON whatever a policy built.
void append_quoted(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t len = core::utf8_sequence_length(s, i);
      if (len == 0) {
        out += "\\ufffd";
        ++i;
      } else if (len == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                 (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
        out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
        i += 3;
      } else {
        out.append(s.data() + i, len);
        i += len;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void newline(std::string& out, bool pretty, int indent) {
  if (!pretty) return;
  out.push_back('\n');
  out.append(static_cast<size_t>(indent) * 2, ' ');
}

}  // namespace

core::Result<Value> parse_json(std::string_view text, DuplicateKeys duplicates) {
  ValueBuilder b;
  core::JsonReadOptions options;
  options.max_depth = 512;
  options.duplicate_keys_last_wins = duplicates == DuplicateKeys::kLastWins;
  if (auto st = core::read_json(text, b, options); !st) return st.error();
  return b.take();
}

std::string number_to_string(const Value& v) {
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_big()) return v.big_text();
  double d = v.as_double();
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  double a = std::fabs(d);
  std::to_chars_result r;
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  } else {
    r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  }
  std::string s(buf, r.ptr);
  // Go writes exponents with at least two digits: 1e-07.
  auto e = s.find('e');
  if (e != std::string::npos) {
    std::string mant = s.substr(0, e), ex = s.substr(e + 1);
    char sign = '+';
    if (!ex.empty() && (ex[0] == '-' || ex[0] == '+')) {
      sign = ex[0];
      ex = ex.substr(1);
    }
    if (ex.size() < 2) ex = "0" + ex;
    s = mant + "e" + sign + ex;
  }
  return s;
}

void append_json(std::string& out, const Value& v, bool pretty, int indent) {
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kNull: out += "null"; break;
    case Kind::kBool: out += v.as_bool() ? "true" : "false"; break;
    case Kind::kNumber:
      // JSON has no infinity or NaN (arithmetic can overflow a double): null.
      if (!v.is_int() && !v.is_big() && !std::isfinite(v.as_double())) out += "null";
      else out += number_to_string(v);
      break;
    case Kind::kString: append_quoted(out, v.str()); break;
    case Kind::kArray:
    case Kind::kSet: {
      const auto& items = v.arr();
      out.push_back('[');
      for (size_t i = 0; i < items.size(); ++i) {
        EvalGuard::poll();
        if (i) out.push_back(',');
        newline(out, pretty, indent + 1);
        append_json(out, items[i], pretty, indent + 1);
      }
      if (!items.empty()) newline(out, pretty, indent);
      out.push_back(']');
      break;
    }
    case Kind::kObject: {
      // Non-string keys become their JSON text; the result is sorted as strings.
      std::vector<std::pair<std::string, const Value*>> items;
      for (const auto& [k, val] : v.obj()) {
        items.emplace_back(k.is_string() ? k.str() : to_json(k), &val);
      }
      std::stable_sort(items.begin(), items.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      out.push_back('{');
      for (size_t i = 0; i < items.size(); ++i) {
        EvalGuard::poll();
        if (i) out.push_back(',');
        newline(out, pretty, indent + 1);
        append_quoted(out, items[i].first);
        out += pretty ? ": " : ":";
        append_json(out, *items[i].second, pretty, indent + 1);
      }
      if (!items.empty()) newline(out, pretty, indent);
      out.push_back('}');
      break;
    }
  }
}

std::string to_json(const Value& v, bool pretty) {
  std::string out;
  append_json(out, v, pretty, 0);
  return out;
}

std::string to_rego(const Value& v) {
  switch (v.kind()) {
    case Kind::kSet: {
      if (v.set_items().empty()) return "set()";
      std::string out = "{";
      bool first = true;
      for (const auto& x : v.set_items()) {
        EvalGuard::poll();
        if (!first) out += ", ";
        first = false;
        out += to_rego(x);
      }
      return out + "}";
    }
    case Kind::kArray: {
      std::string out = "[";
      bool first = true;
      for (const auto& x : v.arr()) {
        EvalGuard::poll();
        if (!first) out += ", ";
        first = false;
        out += to_rego(x);
      }
      return out + "]";
    }
    case Kind::kObject: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, x] : v.obj()) {
        EvalGuard::poll();
        if (!first) out += ", ";
        first = false;
        out += to_rego(k) + ": " + to_rego(x);
      }
      return out + "}";
    }
    default: return to_json(v);
  }
}

Value from_core(const core::Value& v) {
  switch (v.kind()) {
    case core::Value::Kind::kNull: return Value::null();
    case core::Value::Kind::kBool: return Value::boolean(v.as_bool());
    case core::Value::Kind::kInt: return Value::integer(v.as_int());
    case core::Value::Kind::kDouble: return Value::number(v.as_double());
    case core::Value::Kind::kString: return Value::string(v.as_string());
    case core::Value::Kind::kArray: {
      ValueVec items;
      items.reserve(v.as_array().size());
      for (const auto& x : v.as_array()) items.push_back(from_core(x));
      return Value::array(std::move(items));
    }
    case core::Value::Kind::kObject: {
      ObjectItems items;
      items.reserve(v.as_object().size());
      for (const auto& [k, x] : v.as_object()) items.emplace_back(Value::string(k), from_core(x));
      return Value::object(std::move(items));
    }
  }
  return Value::null();
}

core::Value to_core(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kNull: return core::Value(nullptr);
    case Kind::kBool: return core::Value(v.as_bool());
    case Kind::kNumber:
      if (v.is_int()) return core::Value(v.as_int());
      return core::Value(v.as_double());
    case Kind::kString: return core::Value(v.str());
    case Kind::kArray:
    case Kind::kSet: {
      core::Array a;
      for (const auto& x : v.arr()) a.push_back(to_core(x));
      return core::Value(std::move(a));
    }
    case Kind::kObject: {
      core::Object o;
      for (const auto& [k, x] : v.obj()) o.emplace_back(k.is_string() ? k.str() : to_json(k), to_core(x));
      return core::Value(std::move(o));
    }
  }
  return core::Value(nullptr);
}

}  // namespace genesis::policy
