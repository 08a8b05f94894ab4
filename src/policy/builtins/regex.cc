// regex.* built-ins over RE2 (OPA's regular expressions are RE2 syntax).
#include <re2/re2.h>

#include <map>
#include <memory>
#include <mutex>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

// Compiled patterns are cached (bounded) across evaluations.
std::shared_ptr<RE2> compile_re(const std::string& pattern) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<RE2>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second;
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<RE2>(pattern, opts);
  if (!re->ok()) builtin_error("error parsing regexp: " + re->error());
  if (cache.size() > 1000) cache.clear();
  cache[pattern] = re;
  return re;
}

Value find_n(const Value* a, bool submatch) {
  auto re = compile_re(arg_string(a, 0));
  const std::string& s = arg_string(a, 1);
  int64_t n = arg_int(a, 2);
  ValueVec out;
  re2::StringPiece input(s);
  int groups = re->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> m(static_cast<size_t>(groups));
  size_t pos = 0;
  while (pos <= s.size() && (n < 0 || static_cast<int64_t>(out.size()) < n)) {
    if (!re->Match(input, pos, s.size(), RE2::UNANCHORED, m.data(), groups)) break;
    if (submatch) {
      ValueVec g;
      for (const auto& sp : m) g.push_back(Value::string(sp.data() ? std::string(sp) : std::string()));
      out.push_back(Value::array(std::move(g)));
    } else {
      out.push_back(Value::string(std::string(m[0])));
    }
    size_t end = static_cast<size_t>(m[0].data() - s.data()) + m[0].size();
    pos = m[0].empty() ? end + 1 : end;
  }
  return Value::array(std::move(out));
}

}  // namespace

void register_regex() {
  // regex.template_match("urn:foo:{.*}", s, "{", "}"): literal text with regexps between delimiters.
  register_builtin("regex.template_match", 4, [](BuiltinContext&, const Value* a, size_t) {
    const std::string& tmpl = arg_string(a, 0);
    const std::string& s = arg_string(a, 1);
    const std::string& open = arg_string(a, 2);
    const std::string& close = arg_string(a, 3);
    if (open.empty() || close.empty()) builtin_error("delimiters must not be empty");
    std::string re = "^";
    size_t i = 0;
    while (i < tmpl.size()) {
      size_t o = tmpl.find(open, i);
      if (o == std::string::npos) {
        re += RE2::QuoteMeta(tmpl.substr(i));
        break;
      }
      re += RE2::QuoteMeta(tmpl.substr(i, o - i));
      size_t c = tmpl.find(close, o + open.size());
      if (c == std::string::npos) builtin_error("unbalanced delimiters in template " + tmpl);
      re += "(" + tmpl.substr(o + open.size(), c - o - open.size()) + ")";
      i = c + close.size();
    }
    re += "$";
    auto compiled = compile_re(re);
    return Value::boolean(RE2::PartialMatch(s, *compiled));
  });
  auto match = [](BuiltinContext&, const Value* a, size_t) {
    auto re = compile_re(arg_string(a, 0));
    return Value::boolean(RE2::PartialMatch(arg_string(a, 1), *re));
  };
  register_builtin("regex.match", 2, match);
  register_builtin("re_match", 2, match);
  register_builtin("regex.is_valid", 1, [](BuiltinContext&, const Value* a, size_t) {
    if (!a[0].is_string()) return Value::boolean(false);
    RE2::Options opts;
    opts.set_log_errors(false);
    RE2 re(a[0].str(), opts);
    return Value::boolean(re.ok());
  });
  register_builtin("regex.split", 2, [](BuiltinContext&, const Value* a, size_t) {
    auto re = compile_re(arg_string(a, 0));
    const std::string& s = arg_string(a, 1);
    ValueVec out;
    re2::StringPiece input(s), m;
    size_t pos = 0, last = 0;
    while (pos <= s.size() && re->Match(input, pos, s.size(), RE2::UNANCHORED, &m, 1)) {
      size_t start = static_cast<size_t>(m.data() - s.data());
      size_t end = start + m.size();
      if (m.empty()) {
        if (start >= s.size()) break;
        if (start == 0) { pos = 1; continue; }
      }
      out.push_back(Value::string(s.substr(last, start - last)));
      last = end;
      pos = m.empty() ? end + 1 : end;
    }
    out.push_back(Value::string(s.substr(last)));
    return Value::array(std::move(out));
  });
  register_builtin("regex.find_n", 3, [](BuiltinContext&, const Value* a, size_t) { return find_n(a, false); });
  register_builtin("regex.find_all_string_submatch_n", 3, [](BuiltinContext&, const Value* a, size_t) { return find_n(a, true); });
  register_builtin("regex.replace", 3, [](BuiltinContext&, const Value* a, size_t) {
    const std::string& s = arg_string(a, 0);
    auto re = compile_re(arg_string(a, 1));
    std::string rep = arg_string(a, 2);
    // Go's $1 / ${1} -> RE2's \1.
    std::string r2;
    for (size_t i = 0; i < rep.size(); ++i) {
      if (rep[i] == '$' && i + 1 < rep.size()) {
        size_t j = i + 1;
        bool brace = rep[j] == '{';
        if (brace) ++j;
        size_t k = j;
        while (k < rep.size() && isdigit(static_cast<unsigned char>(rep[k]))) ++k;
        if (k > j && (!brace || (k < rep.size() && rep[k] == '}'))) {
          r2 += "\\" + rep.substr(j, k - j);
          i = brace ? k : k - 1;
          continue;
        }
      }
      if (rep[i] == '\\') r2 += "\\\\";
      else r2.push_back(rep[i]);
    }
    std::string out = s;
    RE2::GlobalReplace(&out, *re, r2);
    return Value::string(out);
  });
}

}  // namespace genesis::policy
