// glob.match and glob.quote_meta (gobwas/glob syntax, compiled to RE2).
#include <re2/re2.h>

#include <map>
#include <memory>
#include <mutex>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

std::string class_escape(const std::string& delims) {
  std::string out;
  for (char c : delims) {
    if (c == '\\' || c == ']' || c == '[' || c == '^' || c == '-') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// Converts s[i..] up to a stop char (',' or '}' inside braces) into a regex.
std::string convert(const std::string& s, size_t& i, const std::string& delims, int depth) {
  std::string out;
  std::string nd = delims.empty() ? "" : "[^" + class_escape(delims) + "]";
  while (i < s.size()) {
    char c = s[i];
    if (depth > 0 && (c == ',' || c == '}')) return out;
    if (c == '\\' && i + 1 < s.size()) {
      out += RE2::QuoteMeta(std::string(1, s[i + 1]));
      i += 2;
      continue;
    }
    if (c == '*') {
      if (i + 1 < s.size() && s[i + 1] == '*') {
        out += ".*";
        i += 2;
      } else {
        out += delims.empty() ? ".*" : nd + "*";
        ++i;
      }
      continue;
    }
    if (c == '?') {
      out += delims.empty() ? "." : nd;
      ++i;
      continue;
    }
    if (c == '[') {
      size_t j = s.find(']', i + 1);
      if (j == std::string::npos) builtin_error("unexpected end of input");
      std::string body = s.substr(i + 1, j - i - 1);
      std::string cls = "[";
      size_t k = 0;
      if (!body.empty() && body[0] == '!') {
        cls += "^";
        k = 1;
      }
      for (; k < body.size(); ++k) {
        if (body[k] == '\\' || body[k] == '[' || body[k] == ']' || body[k] == '^') cls.push_back('\\');
        cls.push_back(body[k]);
      }
      out += cls + "]";
      i = j + 1;
      continue;
    }
    if (c == '{') {
      ++i;
      std::string alt = "(?:";
      bool first = true;
      for (;;) {
        std::string part = convert(s, i, delims, depth + 1);
        if (!first) alt += "|";
        first = false;
        alt += part;
        if (i >= s.size()) builtin_error("unexpected end of input");
        if (s[i] == ',') {
          ++i;
          continue;
        }
        ++i;  // '}'
        break;
      }
      out += alt + ")";
      continue;
    }
    out += RE2::QuoteMeta(std::string(1, c));
    ++i;
  }
  return out;
}

std::shared_ptr<RE2> glob_re(const std::string& pattern, const std::string& delims) {
  static std::mutex mu;
  static std::map<std::pair<std::string, std::string>, std::shared_ptr<RE2>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto key = std::make_pair(pattern, delims);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  size_t i = 0;
  std::string re = "^" + convert(pattern, i, delims, 0) + "$";
  RE2::Options o;
  o.set_log_errors(false);
  o.set_dot_nl(true);
  auto r = std::make_shared<RE2>(re, o);
  if (!r->ok()) builtin_error("invalid glob pattern");
  if (cache.size() > 1000) cache.clear();
  cache[key] = r;
  return r;
}

}  // namespace

void register_glob() {
  register_builtin("glob.match", 3, [](BuiltinContext&, const Value* a, size_t) {
    const std::string& pattern = arg_string(a, 0);
    std::string delims;
    if (a[1].is_null()) {
      delims = "";
    } else {
      if (!a[1].is_array()) type_error(2, "array", a[1]);
      for (const auto& d : a[1].arr()) {
        if (!d.is_string()) throw BuiltinError{"eval_type_error", "operand 2 must be array of strings but got array containing " + std::string(d.type_name())};
        delims += d.str();
      }
      if (a[1].arr().empty()) delims = ".";
    }
    const std::string& s = arg_string(a, 2);
    return Value::boolean(RE2::FullMatch(s, *glob_re(pattern, delims)));
  });
  register_builtin("glob.quote_meta", 1, [](BuiltinContext&, const Value* a, size_t) {
    std::string out;
    for (char c : arg_string(a, 0)) {
      if (c == '*' || c == '?' || c == '\\' || c == '[' || c == ']' || c == '{' || c == '}') out.push_back('\\');
      out.push_back(c);
    }
    return Value::string(out);
  });
}

}  // namespace genesis::policy
