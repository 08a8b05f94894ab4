// semver.is_valid, semver.compare (Semantic Versioning 2.0.0).
#include <cctype>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

struct Version {
  std::string major, minor, patch;
  std::vector<std::string> pre;
};

bool numeric(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool ident_ok(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

bool parse(const std::string& v, Version* out) {
  std::string s = v;
  size_t plus = s.find('+');
  if (plus != std::string::npos) {
    std::string build = s.substr(plus + 1);
    s = s.substr(0, plus);
    size_t st = 0;
    for (;;) {
      size_t d = build.find('.', st);
      if (!ident_ok(build.substr(st, d == std::string::npos ? std::string::npos : d - st))) return false;
      if (d == std::string::npos) break;
      st = d + 1;
    }
  }
  size_t dash = s.find('-');
  std::string core = s.substr(0, dash);
  if (dash != std::string::npos) {
    std::string pre = s.substr(dash + 1);
    size_t st = 0;
    for (;;) {
      size_t d = pre.find('.', st);
      std::string id = pre.substr(st, d == std::string::npos ? std::string::npos : d - st);
      if (!ident_ok(id) || (numeric(id) && id.size() > 1 && id[0] == '0')) return false;
      out->pre.push_back(id);
      if (d == std::string::npos) break;
      st = d + 1;
    }
  }
  size_t d1 = core.find('.');
  if (d1 == std::string::npos) return false;
  size_t d2 = core.find('.', d1 + 1);
  if (d2 == std::string::npos) return false;
  out->major = core.substr(0, d1);
  out->minor = core.substr(d1 + 1, d2 - d1 - 1);
  out->patch = core.substr(d2 + 1);
  for (const auto* p : {&out->major, &out->minor, &out->patch})
    if (!numeric(*p) || (p->size() > 1 && (*p)[0] == '0')) return false;
  return true;
}

int cmp_num(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a < b ? -1 : a > b;
}

int compare_versions(const Version& a, const Version& b) {
  int c;
  if ((c = cmp_num(a.major, b.major))) return c;
  if ((c = cmp_num(a.minor, b.minor))) return c;
  if ((c = cmp_num(a.patch, b.patch))) return c;
  if (a.pre.empty() || b.pre.empty()) return a.pre.empty() == b.pre.empty() ? 0 : (a.pre.empty() ? 1 : -1);
  for (size_t i = 0; i < std::min(a.pre.size(), b.pre.size()); ++i) {
    bool na = numeric(a.pre[i]), nb = numeric(b.pre[i]);
    if (na && nb) c = cmp_num(a.pre[i], b.pre[i]);
    else if (na != nb) c = na ? -1 : 1;
    else c = a.pre[i] < b.pre[i] ? -1 : a.pre[i] > b.pre[i];
    if (c) return c;
  }
  return a.pre.size() == b.pre.size() ? 0 : (a.pre.size() < b.pre.size() ? -1 : 1);
}

}  // namespace

void register_semver() {
  register_builtin("semver.is_valid", 1, [](BuiltinContext&, const Value* a, size_t) {
    Version v;
    return Value::boolean(a[0].is_string() && parse(a[0].str(), &v));
  });
  register_builtin("semver.compare", 2, [](BuiltinContext&, const Value* a, size_t) {
    Version x, y;
    if (!parse(arg_string(a, 0), &x)) builtin_error("operand 1: string \"" + a[0].str() + "\" is not a valid SemVer");
    if (!parse(arg_string(a, 1), &y)) builtin_error("operand 2: string \"" + a[1].str() + "\" is not a valid SemVer");
    return Value::integer(compare_versions(x, y));
  });
}

}  // namespace genesis::policy
