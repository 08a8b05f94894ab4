// regex.* built-ins over RE2 (OPA's regular expressions are RE2 syntax).
#include <re2/re2.h>

#include <bitset>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

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

namespace {

// regex.globs_match: do two glob-like regular expressions (characters, '.',
// [classes], each optionally followed by '*' or '+') match a common string?
// Each is a small NFA over its token positions; the answer is whether their
// product reaches both accepting states.
struct GlobToken {
  std::bitset<256> set;
  char quant = 0;  // 0, '*' or '+'
};

[[noreturn]] void glob_invalid(const std::string& in, size_t pos, const std::string& what) {
  builtin_error("input:" + in + ", pos:" + std::to_string(pos) + ", " + what + ": the input provided is invalid");
}

std::vector<GlobToken> glob_tokens(const std::string& in) {
  std::vector<GlobToken> out;
  for (size_t i = 0; i < in.size();) {
    GlobToken t;
    char c = in[i];
    if (c == '[') {
      size_t j = i + 1;
      bool negate = j < in.size() && in[j] == '^';
      if (negate) ++j;
      bool closed = false;
      while (j < in.size()) {
        unsigned char lo = static_cast<unsigned char>(in[j]);
        if (in[j] == ']') {
          closed = true;
          break;
        }
        if (in[j] == '\\' && j + 1 < in.size()) lo = static_cast<unsigned char>(in[++j]);
        unsigned char hi = lo;
        if (j + 2 < in.size() && in[j + 1] == '-' && in[j + 2] != ']') {
          hi = static_cast<unsigned char>(in[j + 2]);
          j += 2;
        }
        if (hi < lo) glob_invalid(in, j + 1, "invalid range");
        for (unsigned v = lo; v <= hi; ++v) t.set.set(v);
        ++j;
      }
      if (!closed) glob_invalid(in, in.size(), "set-open '[' with no closing ']'");
      if (negate) t.set.flip();
      i = j + 1;
    } else if (c == ']') {
      glob_invalid(in, i + 1, "set-close ']' with no preceding '['");
    } else if (c == '*' || c == '+') {
      glob_invalid(in, i + 1, std::string("quantifier '") + c + "' with nothing to repeat");
    } else if (c == '.') {
      t.set.set();
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= in.size()) glob_invalid(in, i + 1, "trailing escape");
      t.set.set(static_cast<unsigned char>(in[i + 1]));
      i += 2;
    } else {
      t.set.set(static_cast<unsigned char>(c));
      ++i;
    }
    if (i < in.size() && (in[i] == '*' || in[i] == '+')) t.quant = in[i++];
    out.push_back(t);
  }
  return out;
}

// Positions reachable from p without consuming (past '*' tokens).
std::vector<size_t> glob_closure(const std::vector<GlobToken>& g, size_t p) {
  std::vector<size_t> out{p};
  while (p < g.size() && g[p].quant == '*') out.push_back(++p);
  return out;
}

bool globs_intersect(const std::vector<GlobToken>& a, const std::vector<GlobToken>& b) {
  std::set<std::pair<size_t, size_t>> seen;
  std::vector<std::pair<size_t, size_t>> work;
  auto add = [&](size_t i, size_t j) {
    for (size_t x : glob_closure(a, i))
      for (size_t y : glob_closure(b, j))
        if (seen.insert({x, y}).second) work.emplace_back(x, y);
  };
  add(0, 0);
  while (!work.empty()) {
    auto [i, j] = work.back();
    work.pop_back();
    if (i == a.size() && j == b.size()) return true;
    if (i == a.size() || j == b.size()) continue;
    if ((a[i].set & b[j].set).none()) continue;
    // Consuming one common character: a repeated token may stay or move on.
    std::vector<size_t> ni{i + 1}, nj{j + 1};
    if (a[i].quant) ni.push_back(i);
    if (b[j].quant) nj.push_back(j);
    for (size_t x : ni)
      for (size_t y : nj) add(x, y);
  }
  return false;
}

}  // namespace

void register_regex() {
  register_builtin("regex.globs_match", 2, [](BuiltinContext&, const Value* a, size_t) {
    auto g1 = glob_tokens(arg_string(a, 0));
    auto g2 = glob_tokens(arg_string(a, 1));
    return Value::boolean(globs_intersect(g1, g2));
  });
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
