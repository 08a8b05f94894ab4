// OPA's checks that Rego v1 always runs and v0 runs only in strict mode
// (OPA's ast/rego_v1.go), and the checks of OPA's strict mode proper
// (`opa check --strict`, CompileOptions::strict), run after names are resolved.
//
// Rego v1 modules always; v0 modules in strict mode or with `import rego.v1`:
//   import must not shadow import data.a          (duplicate import names)
//   rules must not shadow input (use a different rule name)   (v0 too, unlike OPA)
//   args must not shadow input (use a different variable name)
//   variables must not shadow input (use a different variable name)
//   deprecated built-in function calls in expression: re_match
// Strict mode only:
//   assigned var x unused                  (`x := ...` never read again)
//   declared var x unused                  (`some x` never used)
//   unused argument x. (hint: use _ (wildcard variable) instead)
//   import data.foo unused                 (see compiler.cc: the resolver records uses)
//
// Variables are counted by frame slot over a whole rule chain (head, bodies,
// nested comprehensions and `every`), so a name reused in another scope is
// another variable, as in OPA.
#include "policy/strict.h"

#include <map>

namespace genesis::policy {
namespace {

const char* const kDeprecated[] = {"any", "all", "re_match", "net.cidr_overlap", "set_diff", "cast_array", "cast_set",
                                   "cast_string", "cast_boolean", "cast_null", "cast_object"};

class Counter {
 public:
  std::map<int, int> uses;

  void term(const Term& t) {
    if (t.kind == TermKind::kVar && !t.global && t.slot >= 0 && !t.wildcard) ++uses[t.slot];
    for (const auto& i : t.items)
      if (i) term(*i);
    if (t.key) term(*t.key);
    if (t.val) term(*t.val);
    if (t.body) body(*t.body);
  }
  void body(const Body& b) {
    for (const auto& e : b) {
      for (const auto& t : e.terms)
        if (t) term(*t);
      for (const auto& w : e.with) {
        term(*w.target);
        term(*w.value);
      }
      if (e.body) body(*e.body);
    }
  }
};

void deprecated_calls(const Term& t, Errors& errs) {
  if (t.kind == TermKind::kCall && !t.user_fn) {
    for (const char* d : kDeprecated)
      if (t.name == d)
        errs.push_back(core::make_error("rego_type_error", "deprecated built-in function calls in expression: " + t.name,
                                        t.loc.to_string()));
  }
  for (const auto& i : t.items)
    if (i) deprecated_calls(*i, errs);
  if (t.key) deprecated_calls(*t.key, errs);
  if (t.val) deprecated_calls(*t.val, errs);
  if (t.body)
    for (const auto& e : *t.body)
      for (const auto& x : e.terms)
        if (x) deprecated_calls(*x, errs);
}

void declared_unused(const Body& b, const std::map<int, int>& uses, Errors& errs) {
  auto once = [&](const Term& v) {
    auto it = uses.find(v.slot);
    return v.kind == TermKind::kVar && !v.wildcard && !v.global && v.slot >= 0 && it != uses.end() && it->second == 1;
  };
  std::function<void(const Term&, const char*)> pattern = [&](const Term& t, const char* what) {
    if (t.kind == TermKind::kVar) {
      // Generated names ($...) are the compiler's own.
      if (once(t) && !t.name.empty() && t.name[0] != '$')
        errs.push_back(core::make_error("rego_compile_error", std::string(what) + " var " + t.name + " unused",
                                        t.loc.to_string()));
      return;
    }
    if (t.kind == TermKind::kArray)
      for (const auto& i : t.items) pattern(*i, what);
    if (t.kind == TermKind::kObject)
      for (size_t i = 1; i < t.items.size(); i += 2) pattern(*t.items[i], what);
  };
  std::function<void(const Term&)> nested = [&](const Term& t) {
    for (const auto& i : t.items)
      if (i) nested(*i);
    if (t.key) nested(*t.key);
    if (t.val) nested(*t.val);
    if (t.body) declared_unused(*t.body, uses, errs);
  };
  for (const auto& e : b) {
    if (e.kind == ExprKind::kAssign) pattern(*e.terms[0], "assigned");
    if (e.kind == ExprKind::kSomeDecl)
      for (const auto& t : e.terms) pattern(*t, "declared");
    for (const auto& t : e.terms)
      if (t) nested(*t);
    if (e.body) declared_unused(*e.body, uses, errs);
  }
}

}  // namespace

void strict_rule_checks(const Rule& head, Errors& errs) {
  Counter c;
  for (const Rule* r = &head; r; r = r->else_rule.get()) {
    c.body(r->body);
    for (const auto& k : r->keys) c.term(*k);
    if (r->key) c.term(*r->key);
    if (r->value) c.term(*r->value);
  }
  for (const auto& a : head.args) c.term(*a);
  for (const Rule* r = &head; r; r = r->else_rule.get()) declared_unused(r->body, c.uses, errs);
  for (const auto& a : head.args) {
    if (a->kind != TermKind::kVar || a->wildcard || a->slot < 0 || a->name.empty() || a->name[0] == '$') continue;
    auto it = c.uses.find(a->slot);
    if (it != c.uses.end() && it->second == 1)
      errs.push_back(core::make_error("rego_compile_error",
                                      "unused argument " + a->name + ". (hint: use _ (wildcard variable) instead)",
                                      a->loc.to_string()));
  }
}

void deprecated_builtin_checks(const Rule& head, Errors& errs) {
  std::function<void(const Body&)> body = [&](const Body& b) {
    for (const auto& e : b) {
      for (const auto& t : e.terms)
        if (t) deprecated_calls(*t, errs);
      for (const auto& w : e.with) deprecated_calls(*w.value, errs);
      if (e.body) body(*e.body);
    }
  };
  for (const Rule* r = &head; r; r = r->else_rule.get()) {
    body(r->body);
    for (const auto& k : r->keys) deprecated_calls(*k, errs);
    if (r->key) deprecated_calls(*r->key, errs);
    if (r->value) deprecated_calls(*r->value, errs);
  }
}

std::string import_string(const Import& i) {
  const Term& p = *i.path;
  std::string text = "import " + (p.kind == TermKind::kVar ? p.name : p.items[0]->name);
  for (size_t k = 1; p.kind == TermKind::kRef && k < p.items.size(); ++k)
    text += p.items[k]->value.is_string() ? "." + p.items[k]->value.str() : "[" + to_json(p.items[k]->value) + "]";
  std::string implied = p.kind == TermKind::kVar ? p.name
                        : p.items.back()->value.is_string() ? p.items.back()->value.str()
                                                             : std::string();
  if (i.alias != implied) text += " as " + i.alias;
  return text;
}

bool rego_v1_checked(const Module& m, bool strict) {
  if (!m.v0 || strict) return true;
  for (const auto& k : m.keyword_imports) {
    const Term& p = *k.path;
    if (p.kind == TermKind::kRef && p.items.size() == 2 && p.items[0]->name == "rego" &&
        p.items[1]->value.is_string() && p.items[1]->value.str() == "v1")
      return true;
  }
  return false;
}

void module_checks(const Module& m, bool v1, Errors& errs) {
  // OPA accepts a rule named input or data in a v0 module (which then cannot
  // refer to that root document); we refuse it in every version rather than
  // resolve the name two ways.
  for (const auto& r : m.rules) {
    const std::string& name = r->head_ref[0]->name;
    if (name == "input" || name == "data")
      errs.push_back(core::make_error("rego_compile_error",
                                      "rules must not shadow " + name + " (use a different rule name)",
                                      r->loc.to_string()));
  }
  if (!v1) return;
  std::map<std::string, const Import*> seen;
  for (const auto& i : m.imports) {
    auto [it, fresh] = seen.emplace(i.alias, &i);
    if (!fresh)
      errs.push_back(core::make_error("rego_compile_error", "import must not shadow " + import_string(*it->second),
                                      i.loc.to_string()));
  }
  auto root = [](const Term& t) { return t.kind == TermKind::kVar && (t.name == "input" || t.name == "data"); };
  std::function<void(const Body&)> body;
  // Comprehensions have bodies of their own.
  std::function<void(const Term&)> nested = [&](const Term& t) {
    for (const auto& i : t.items)
      if (i) nested(*i);
    if (t.key) nested(*t.key);
    if (t.val) nested(*t.val);
    if (t.body) body(*t.body);
  };
  body = [&](const Body& b) {
    for (const auto& e : b) {
      if (e.kind == ExprKind::kAssign && e.terms[0] && root(*e.terms[0]))
        errs.push_back(core::make_error("rego_compile_error",
                                        "variables must not shadow " + e.terms[0]->name + " (use a different variable name)",
                                        e.loc.to_string()));
      for (const auto& t : e.terms)
        if (t) nested(*t);
      if (e.body) body(*e.body);
    }
  };
  for (const auto& r : m.rules) {
    for (const auto& a : r->args)
      if (root(*a))
        errs.push_back(core::make_error("rego_compile_error",
                                        "args must not shadow " + a->name + " (use a different variable name)",
                                        a->loc.to_string()));
    for (const Rule* x = r.get(); x; x = x->else_rule.get()) {
      body(x->body);
      if (x->key) nested(*x->key);
      if (x->value) nested(*x->value);
    }
  }
}

}  // namespace genesis::policy
