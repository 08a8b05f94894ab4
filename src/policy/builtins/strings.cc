// String built-ins: concat, contains, startswith, endswith, format_int, indexof,
// lower, upper, replace, split, sprintf, substring, trim*, strings.*.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "policy/builtins/builtins.h"
#include "policy/guard.h"

namespace genesis::policy {
namespace {

// Unicode code points of a UTF-8 string (invalid bytes become U+FFFD).
std::vector<uint32_t> decode_utf8(const std::string& s) {
  EvalGuard::charge(s.size() * sizeof(uint32_t));
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    if ((i & 0xFFFF) == 0) EvalGuard::poll();
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    int n;
    if (c < 0x80) { cp = c; n = 1; }
    else if ((c >> 5) == 6) { cp = c & 0x1F; n = 2; }
    else if ((c >> 4) == 14) { cp = c & 0x0F; n = 3; }
    else if ((c >> 3) == 30) { cp = c & 0x07; n = 4; }
    else { out.push_back(0xFFFD); ++i; continue; }
    if (i + static_cast<size_t>(n) > s.size()) { out.push_back(0xFFFD); ++i; continue; }
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0x3F);
    out.push_back(cp);
    i += static_cast<size_t>(n);
  }
  return out;
}

std::string encode_utf8(const std::vector<uint32_t>& cps, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    uint32_t cp = cps[i];
    if (cp < 0x80) out.push_back(static_cast<char>(cp));
    else if (cp < 0x800) { out.push_back(static_cast<char>(0xC0 | (cp >> 6))); out.push_back(static_cast<char>(0x80 | (cp & 0x3F))); }
    else if (cp < 0x10000) { out.push_back(static_cast<char>(0xE0 | (cp >> 12))); out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F))); out.push_back(static_cast<char>(0x80 | (cp & 0x3F))); }
    else { out.push_back(static_cast<char>(0xF0 | (cp >> 18))); out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F))); out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F))); out.push_back(static_cast<char>(0x80 | (cp & 0x3F))); }
  }
  return out;
}

std::string replace_all(const std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) {
    // Go inserts `to` between every rune.
    auto cps = decode_utf8(s);
    EvalGuard::charge(s.size() + (cps.size() + 1) * to.size());
    std::string out = to;
    for (size_t i = 0; i < cps.size(); ++i) {
      EvalGuard::poll();
      out += encode_utf8(cps, i, i + 1) + to;
    }
    return out;
  }
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t f = s.find(from, pos);
    if (f == std::string::npos) break;
    EvalGuard::charge(f - pos + to.size());  // before the copy: `to` may be long
    EvalGuard::poll();
    out.append(s, pos, f - pos);
    out += to;
    pos = f + from.size();
  }
  out.append(s, pos, std::string::npos);
  return out;
}

bool in_cutset(uint32_t c, const std::vector<uint32_t>& cut) { return std::find(cut.begin(), cut.end(), c) != cut.end(); }

Value trim_impl(const Value* a, bool left, bool right) {
  auto s = decode_utf8(arg_string(a, 0));
  auto cut = decode_utf8(arg_string(a, 1));
  size_t lo = 0, hi = s.size();
  if (left) while (lo < hi && in_cutset(s[lo], cut)) ++lo;
  if (right) while (hi > lo && in_cutset(s[hi - 1], cut)) --hi;
  return Value::string(encode_utf8(s, lo, hi));
}

bool is_space(uint32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0x85 || c == 0xA0 || c == 0x2028 || c == 0x2029 || c == 0x3000 || (c >= 0x2000 && c <= 0x200A) || c == 0x1680 || c == 0x202F || c == 0x205F; }

std::string fmt_value_v(const Value& v) {
  if (v.is_string()) return v.str();
  if (v.is_number()) return number_to_string(v);
  return to_rego(v);
}

std::string sprintf_impl(const std::string& f, const ValueVec& args) {
  // String arguments are copied into the result: charge them before any is.
  uint64_t strings = f.size();
  for (const auto& v : args)
    if (v.is_string()) strings += v.str().size();
  EvalGuard::charge(strings);
  std::string out;
  size_t ai = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    char c = f[i];
    if (c != '%') { out.push_back(c); continue; }
    if (i + 1 < f.size() && f[i + 1] == '%') { out.push_back('%'); ++i; continue; }
    size_t j = i + 1;
    std::string spec = "%";
    while (j < f.size() && std::string("+-# 0").find(f[j]) != std::string::npos) spec.push_back(f[j++]);
    while (j < f.size() && (isdigit(static_cast<unsigned char>(f[j])) || f[j] == '.')) spec.push_back(f[j++]);
    if (j >= f.size()) { out += "%!(NOVERB)"; break; }
    char verb = f[j];
    i = j;
    if (ai >= args.size()) { out += std::string("%!") + verb + "(MISSING)"; continue; }
    const Value& v = args[ai++];
    EvalGuard::poll();
    char buf[512];
    switch (verb) {
      case 'd':
        if (v.is_number() && v.is_integral()) {
          if (v.is_big()) { out += v.big_text(); break; }
          std::snprintf(buf, sizeof buf, (spec + "lld").c_str(), static_cast<long long>(v.is_int() ? v.as_int() : static_cast<long long>(v.as_double())));
          out += buf;
        } else if (v.is_number()) {
          out += "%!d(big.Float=" + number_to_string(v) + ")";
        } else {
          out += "%!d(string=" + fmt_value_v(v) + ")";
        }
        break;
      case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
        if (v.is_number()) {
          std::snprintf(buf, sizeof buf, (spec + verb).c_str(), v.as_double());
          out += buf;
        } else {
          out += std::string("%!") + verb + "(" + fmt_value_v(v) + ")";
        }
        break;
      case 's': case 'v': {
        std::string s = fmt_value_v(v);
        // snprintf walks the whole argument even when it writes 512 bytes:
        // long strings (and plain %s) are appended as they are.
        if (spec.size() == 1 || s.size() >= 400) {
          out += s;
        } else {
          std::snprintf(buf, sizeof buf, (spec + "s").c_str(), s.c_str());
          out += buf;
        }
        break;
      }
      case 'q':
        out += v.is_string() ? to_json(v) : fmt_value_v(v);
        break;
      case 't':
        out += v.is_bool() ? (v.as_bool() ? "true" : "false") : "%!t(" + fmt_value_v(v) + ")";
        break;
      case 'x': case 'X': case 'o': case 'b':
        if (v.is_int()) {
          if (verb == 'b') {
            unsigned long long u = static_cast<unsigned long long>(v.as_int());
            std::string bits;
            do { bits.insert(bits.begin(), static_cast<char>('0' + (u & 1))); u >>= 1; } while (u);
            out += bits;
          } else {
            std::snprintf(buf, sizeof buf, (spec + "ll" + verb).c_str(), static_cast<long long>(v.as_int()));
            out += buf;
          }
        } else if (v.is_string() && (verb == 'x' || verb == 'X')) {
          static const char* hex = "0123456789abcdef";
          static const char* HEX = "0123456789ABCDEF";
          for (unsigned char ch : v.str()) { out.push_back((verb == 'x' ? hex : HEX)[ch >> 4]); out.push_back((verb == 'x' ? hex : HEX)[ch & 15]); }
        } else {
          out += fmt_value_v(v);
        }
        break;
      default: out += std::string("%!") + verb + "(" + fmt_value_v(v) + ")";
    }
  }
  if (ai < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = ai; k < args.size(); ++k) {
      if (k > ai) out += ", ";
      out += std::string(args[k].type_name()) + "=" + fmt_value_v(args[k]);
    }
    out += ")";
  }
  return out;
}

std::vector<std::string> string_list(const Value* a, int i) {
  std::vector<std::string> out;
  if (a[i].is_string()) return {a[i].str()};
  if (!a[i].is_array() && !a[i].is_set()) type_error(i + 1, "one of {string, set, array}", a[i]);
  for (const auto& v : a[i].arr()) {
    if (!v.is_string())
      throw BuiltinError{"eval_type_error", "operand " + std::to_string(i + 1) + " must be array of strings but got array containing " + v.type_name()};
    out.push_back(v.str());
  }
  return out;
}

Value format_int(BuiltinContext&, const Value* a, size_t) {
  const Value& n = arg_number(a, 0);
  int64_t base = arg_int(a, 1);
  if (base != 2 && base != 8 && base != 10 && base != 16)
    throw BuiltinError{"eval_type_error", "operand 2 must be one of {2, 8, 10, 16}"};
  __int128 x;
  if (!n.to_i128(&x)) x = static_cast<__int128>(std::floor(n.as_double()));
  if (!n.is_integral()) x = static_cast<__int128>(std::trunc(n.as_double()));
  bool neg = x < 0;
  unsigned __int128 u = neg ? -static_cast<unsigned __int128>(x) : static_cast<unsigned __int128>(x);
  std::string s;
  do { s.insert(s.begin(), "0123456789abcdef"[static_cast<int>(u % static_cast<unsigned>(base))]); u /= static_cast<unsigned>(base); } while (u);
  if (neg) s.insert(s.begin(), '-');
  return Value::string(s);
}

}  // namespace

void register_strings() {
  register_builtin("concat", 2, [](BuiltinContext&, const Value* a, size_t) {
    const std::string& sep = arg_string(a, 0);
    if (!a[1].is_array() && !a[1].is_set()) type_error(2, "one of {array, set}", a[1]);
    // The result's size is known before it is built: charge it first.
    uint64_t total = 0;
    for (const auto& v : a[1].arr()) {
      EvalGuard::poll();
      if (!v.is_string()) throw BuiltinError{"eval_type_error", std::string("operand 2 must be array of strings but got array containing ") + v.type_name()};
      total += v.str().size() + sep.size();
    }
    EvalGuard::charge(total);
    std::string out;
    out.reserve(static_cast<size_t>(total));
    bool first = true;
    for (const auto& v : a[1].arr()) {
      EvalGuard::poll();
      if (!first) out += sep;
      first = false;
      out += v.str();
    }
    return Value::string(std::move(out));
  });
  register_builtin("contains", 2, [](BuiltinContext&, const Value* a, size_t) {
    return Value::boolean(arg_string(a, 0).find(arg_string(a, 1)) != std::string::npos);
  });
  register_builtin("startswith", 2, [](BuiltinContext&, const Value* a, size_t) {
    return Value::boolean(arg_string(a, 0).rfind(arg_string(a, 1), 0) == 0);
  });
  register_builtin("endswith", 2, [](BuiltinContext&, const Value* a, size_t) {
    const auto& s = arg_string(a, 0);
    const auto& x = arg_string(a, 1);
    return Value::boolean(s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0);
  });
  register_builtin("format_int", 2, format_int);
  register_builtin("indexof", 2, [](BuiltinContext&, const Value* a, size_t) {
    auto s = decode_utf8(arg_string(a, 0));
    auto x = decode_utf8(arg_string(a, 1));
    if (x.empty()) return Value::integer(0);
    auto it = std::search(s.begin(), s.end(), x.begin(), x.end());
    return Value::integer(it == s.end() ? -1 : it - s.begin());
  });
  register_builtin("indexof_n", 2, [](BuiltinContext&, const Value* a, size_t) {
    auto s = decode_utf8(arg_string(a, 0));
    auto x = decode_utf8(arg_string(a, 1));
    ValueVec out;
    if (x.empty()) return Value::array({});
    for (auto it = s.begin(); (it = std::search(it, s.end(), x.begin(), x.end())) != s.end(); ++it)
      out.push_back(Value::integer(it - s.begin()));
    return Value::array(std::move(out));
  });
  register_builtin("lower", 1, [](BuiltinContext&, const Value* a, size_t) {
    std::string s = arg_string(a, 0);
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return Value::string(std::move(s));
  });
  register_builtin("upper", 1, [](BuiltinContext&, const Value* a, size_t) {
    std::string s = arg_string(a, 0);
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return Value::string(std::move(s));
  });
  register_builtin("replace", 3, [](BuiltinContext&, const Value* a, size_t) {
    return Value::string(replace_all(arg_string(a, 0), arg_string(a, 1), arg_string(a, 2)));
  });
  register_builtin("strings.replace_n", 2, [](BuiltinContext&, const Value* a, size_t) {
    const Value& pats = arg_kind(a, 0, Kind::kObject, "object");
    std::string s = arg_string(a, 1);
    std::vector<std::pair<std::string, std::string>> reps;
    for (const auto& [k, v] : pats.obj()) {
      if (!k.is_string()) throw BuiltinError{"eval_type_error", "operand 1 non-string key found in pattern object"};
      if (!v.is_string()) throw BuiltinError{"eval_type_error", "operand 1 non-string value found in pattern object"};
      reps.emplace_back(k.str(), v.str());
    }
    // Go's strings.NewReplacer: at each position, the first matching pattern (in argument order, i.e. sorted keys).
    std::string out;
    for (size_t i = 0; i < s.size();) {
      bool hit = false;
      for (const auto& [from, to] : reps) {
        if (!from.empty() && s.compare(i, from.size(), from) == 0) {
          out += to;
          i += from.size();
          hit = true;
          break;
        }
      }
      if (!hit) out.push_back(s[i++]);
    }
    return Value::string(std::move(out));
  });
  register_builtin("split", 2, [](BuiltinContext&, const Value* a, size_t) {
    const auto& s = arg_string(a, 0);
    const auto& d = arg_string(a, 1);
    ValueVec out;
    if (d.empty()) {
      auto cps = decode_utf8(s);
      for (size_t i = 0; i < cps.size(); ++i) out.push_back(Value::string(encode_utf8(cps, i, i + 1)));
      return Value::array(std::move(out));
    }
    size_t pos = 0;
    for (;;) {
      size_t f = s.find(d, pos);
      if (f == std::string::npos) break;
      out.push_back(Value::string(s.substr(pos, f - pos)));
      pos = f + d.size();
    }
    out.push_back(Value::string(s.substr(pos)));
    return Value::array(std::move(out));
  });
  register_builtin("sprintf", 2, [](BuiltinContext&, const Value* a, size_t) {
    const auto& f = arg_string(a, 0);
    if (!a[1].is_array()) type_error(2, "array", a[1]);
    return Value::string(sprintf_impl(f, a[1].arr()));
  });
  register_builtin("substring", 3, [](BuiltinContext&, const Value* a, size_t) {
    auto s = decode_utf8(arg_string(a, 0));
    int64_t start = arg_int(a, 1), len = arg_int(a, 2);
    if (start < 0) builtin_error("negative offset");
    if (static_cast<size_t>(start) >= s.size()) return Value::string("");
    size_t end = len < 0 ? s.size() : std::min(s.size(), static_cast<size_t>(start + len));
    return Value::string(encode_utf8(s, static_cast<size_t>(start), end));
  });
  register_builtin("trim", 2, [](BuiltinContext&, const Value* a, size_t) { return trim_impl(a, true, true); });
  register_builtin("trim_left", 2, [](BuiltinContext&, const Value* a, size_t) { return trim_impl(a, true, false); });
  register_builtin("trim_right", 2, [](BuiltinContext&, const Value* a, size_t) { return trim_impl(a, false, true); });
  register_builtin("trim_prefix", 2, [](BuiltinContext&, const Value* a, size_t) {
    const auto& s = arg_string(a, 0);
    const auto& p = arg_string(a, 1);
    return Value::string(s.rfind(p, 0) == 0 ? s.substr(p.size()) : s);
  });
  register_builtin("trim_suffix", 2, [](BuiltinContext&, const Value* a, size_t) {
    const auto& s = arg_string(a, 0);
    const auto& p = arg_string(a, 1);
    bool ends = s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
    return Value::string(ends ? s.substr(0, s.size() - p.size()) : s);
  });
  register_builtin("trim_space", 1, [](BuiltinContext&, const Value* a, size_t) {
    auto s = decode_utf8(arg_string(a, 0));
    size_t lo = 0, hi = s.size();
    while (lo < hi && is_space(s[lo])) ++lo;
    while (hi > lo && is_space(s[hi - 1])) --hi;
    return Value::string(encode_utf8(s, lo, hi));
  });
  register_builtin("strings.reverse", 1, [](BuiltinContext&, const Value* a, size_t) {
    auto s = decode_utf8(arg_string(a, 0));
    std::reverse(s.begin(), s.end());
    return Value::string(encode_utf8(s, 0, s.size()));
  });
  register_builtin("strings.count", 2, [](BuiltinContext&, const Value* a, size_t) {
    const auto& s = arg_string(a, 0);
    const auto& x = arg_string(a, 1);
    if (x.empty()) return Value::integer(static_cast<int64_t>(decode_utf8(s).size() + 1));
    int64_t n = 0;
    for (size_t p = s.find(x); p != std::string::npos; p = s.find(x, p + x.size())) ++n;
    return Value::integer(n);
  });
  register_builtin("strings.any_prefix_match", 2, [](BuiltinContext&, const Value* a, size_t) {
    auto ss = string_list(a, 0);
    auto ps = string_list(a, 1);
    for (const auto& s : ss)
      for (const auto& p : ps)
        if (s.rfind(p, 0) == 0) return Value::boolean(true);
    return Value::boolean(false);
  });
  register_builtin("strings.any_suffix_match", 2, [](BuiltinContext&, const Value* a, size_t) {
    auto ss = string_list(a, 0);
    auto ps = string_list(a, 1);
    for (const auto& s : ss)
      for (const auto& p : ps)
        if (s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0) return Value::boolean(true);
    return Value::boolean(false);
  });
}

}  // namespace genesis::policy
