#include "policy/compiler.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <set>
#include <tuple>

#include <yaml-cpp/yaml.h>

#include "policy/builtins/builtins.h"
#include "policy/strict.h"
#include "policy/typecheck.h"

namespace genesis::policy {

const Node* Compiled::find(const std::vector<std::string>& path) const {
  const Node* n = root.get();
  for (const auto& p : path) {
    auto it = n->children.find(p);
    if (it == n->children.end()) return nullptr;
    n = it->second.get();
  }
  return n;
}

Value yaml_node_to_value(const YAML::Node& n);

namespace {

using Errors = std::vector<core::Error>;

std::string path_string(const std::vector<std::string>& path) {
  std::string s = "data";
  for (const auto& p : path) s += "." + p;
  return s;
}

TermPtr make_scalar(Value v, const Location& loc) {
  auto t = std::make_shared<Term>();
  t->kind = TermKind::kScalar;
  t->value = std::move(v);
  t->loc = loc;
  return t;
}

TermPtr make_root_var(const char* name, const Location& loc) {
  auto t = std::make_shared<Term>();
  t->kind = TermKind::kVar;
  t->name = name;
  t->global = true;
  t->loc = loc;
  return t;
}

// ---- pass 1: collect ----

Node* ensure_node(Compiled& c, const std::vector<std::string>& path) {
  Node* n = c.root.get();
  for (const auto& p : path) {
    auto& child = n->children[p];
    if (!child) {
      child = std::make_unique<Node>();
      child->name = p;
      child->path = n->path;
      child->path.push_back(p);
      child->parent = n;
      child->id = static_cast<int>(c.nodes.size());
      c.nodes.push_back(child.get());
    }
    n = child.get();
  }
  return n;
}

void collect(Compiled& c, Errors& errs) {
  for (const auto& m : c.modules) {
    ensure_node(c, m->package);
    for (const auto& r : m->rules) {
      Node* n = ensure_node(c, r->path);
      if (n->has_rules && n->kind != r->kind) {
        errs.push_back(core::make_error("rego_type_error",
                                        "conflicting rules " + path_string(r->path) + " found",
                                        r->loc.to_string()));
        continue;
      }
      n->has_rules = true;
      n->kind = r->kind;
      if (r->is_default) {
        if (n->default_rule) {
          errs.push_back(core::make_error("rego_type_error",
                                          "multiple default rules " + path_string(r->path) + " found",
                                          r->loc.to_string()));
        }
        n->default_rule = r.get();
      } else {
        n->rules.push_back(r.get());
      }
    }
  }
}

// ---- pass 1b: METADATA annotations ----

Value normalize_annotations(Value v, const char* default_scope) {
  ObjectItems items = v.is_object() ? v.obj() : ObjectItems{};
  bool has_scope = false;
  for (auto& [k, x] : items) {
    if (k.is_string() && k.str() == "scope") has_scope = true;
    if (k.is_string() && k.str() == "authors" && x.is_array()) {
      ValueVec authors;
      for (const auto& a : x.arr()) {
        if (!a.is_string()) {
          authors.push_back(a);
          continue;
        }
        std::string s = a.str();
        size_t lt = s.find('<'), gt = s.rfind('>');
        if (lt != std::string::npos && gt != std::string::npos && gt > lt) {
          std::string name = s.substr(0, lt);
          while (!name.empty() && name.back() == ' ') name.pop_back();
          ObjectItems o;
          if (!name.empty()) o.emplace_back(Value::string("name"), Value::string(name));
          o.emplace_back(Value::string("email"), Value::string(s.substr(lt + 1, gt - lt - 1)));
          authors.push_back(Value::object(std::move(o)));
        } else {
          authors.push_back(Value::object({{Value::string("name"), Value::string(s)}}));
        }
      }
      x = Value::array(std::move(authors));
    }
  }
  if (!has_scope) items.emplace_back(Value::string("scope"), Value::string(default_scope));
  return Value::object(std::move(items));
}

std::string scope_of(const Value& a) {
  const Value* s = a.get("scope");
  return s && s->is_string() ? s->str() : "";
}

void attach_annotations(Compiled& c, Errors& errs) {
  for (const auto& m : c.modules) {
    for (const auto& [after_row, yaml] : m->metadata_blocks) {
      Value v;
      try {
        v = yaml_node_to_value(YAML::Load(yaml));
      } catch (const YAML::Exception& e) {
        errs.push_back(core::make_error("rego_parse_error", std::string("invalid METADATA: ") + e.what(),
                                        m->file + ":" + std::to_string(after_row - 1)));
        continue;
      }
      // The package or rule that starts first at or after the block.
      Rule* target = nullptr;
      int best = m->package_loc.row >= after_row ? m->package_loc.row : INT32_MAX;
      bool is_package = best != INT32_MAX;
      for (const auto& r : m->rules) {
        for (Rule* x = r.get(); x; x = x->else_rule.get()) {
          if (x->loc.row >= after_row && x->loc.row < best) {
            best = x->loc.row;
            target = x;
            is_package = false;
          }
        }
      }
      if (is_package) m->package_annotations = normalize_annotations(v, "package");
      else if (target) target->annotations = normalize_annotations(v, "rule");
    }
  }
  // rego.metadata.chain(): the rule, document-scope annotations of its path,
  // then packages (own, then ancestors' "subpackages").
  std::map<std::vector<std::string>, Value> doc_scope;
  for (const auto& m : c.modules)
    for (const auto& r : m->rules)
      for (Rule* x = r.get(); x; x = x->else_rule.get())
        if (x->annotations.defined() && scope_of(x->annotations) == "document") doc_scope[x->path] = x->annotations;
  auto path_value = [](const std::vector<std::string>& p) {
    ValueVec out;
    for (const auto& s : p) out.push_back(Value::string(s));
    return Value::array(std::move(out));
  };
  for (const auto& m : c.modules) {
    for (const auto& r : m->rules) {
      for (Rule* x = r.get(); x; x = x->else_rule.get()) {
        ValueVec chain;
        ObjectItems first = {{Value::string("path"), path_value(x->path)}};
        if (x->annotations.defined() && scope_of(x->annotations) == "rule")
          first.emplace_back(Value::string("annotations"), x->annotations);
        chain.push_back(Value::object(std::move(first)));
        auto d = doc_scope.find(x->path);
        if (d != doc_scope.end())
          chain.push_back(Value::object({{Value::string("annotations"), d->second}, {Value::string("path"), path_value(x->path)}}));
        std::vector<std::string> pkg = m->package;
        for (bool own = true;; own = false) {
          for (const auto& pm : c.modules) {
            if (pm->package != pkg || !pm->package_annotations.defined()) continue;
            std::string sc = scope_of(pm->package_annotations);
            if ((own && sc == "package") || sc == "subpackages") {
              chain.push_back(Value::object({{Value::string("annotations"), pm->package_annotations},
                                             {Value::string("path"), path_value(pkg)}}));
              break;
            }
          }
          if (pkg.empty()) break;
          pkg.pop_back();
        }
        x->metadata_chain = Value::array(std::move(chain));
      }
    }
  }
}

// ---- pass 2: resolve ----

struct Scope {
  std::map<std::string, int> vars;
  Scope* parent = nullptr;
};

class Resolver {
 public:
  Resolver(const Compiled& c, const std::vector<std::string>& package, const std::vector<Import>& imports,
           const std::set<std::string>* pkg_rules, Errors& errs)
      : c_(c), package_(package), imports_(imports), pkg_rules_(pkg_rules), errs_(errs) {}

  int num_slots() const { return next_; }
  const std::vector<std::string>& slot_names() const { return names_; }

  int new_slot(const std::string& name, Scope* s) {
    int id = next_++;
    names_.push_back(name);
    if (s && name != "_") s->vars[name] = id;
    return id;
  }

  int lookup(Scope* s, const std::string& name) {
    for (; s; s = s->parent) {
      auto it = s->vars.find(name);
      if (it != s->vars.end()) return it->second;
    }
    return -1;
  }

  bool is_global(const std::string& name) {
    if (name == "input" || name == "data") return true;
    for (const auto& i : imports_)
      if (i.alias == name) return true;
    return pkg_rules_ && pkg_rules_->count(name);
  }

  // Declares pattern vars (`x := ...`, `some x in`) in scope s.
  void declare_pattern(const Term& t, Scope* s, const Location& loc) {
    switch (t.kind) {
      case TermKind::kVar:
        if (t.wildcard) return;
        if (s->vars.count(t.name)) {
          errs_.push_back(core::make_error("rego_compile_error", "var " + t.name + " assigned above",
                                           t.loc.to_string()));
          return;
        }
        new_slot(t.name, s);
        return;
      case TermKind::kArray:
        for (const auto& i : t.items) declare_pattern(*i, s, loc);
        return;
      case TermKind::kObject:
        for (size_t i = 1; i < t.items.size(); i += 2) declare_pattern(*t.items[i], s, loc);
        return;
      default: return;
    }
  }

  // Names used at this level (not inside nested bodies).
  void collect_names(const Term& t, std::vector<std::string>& out) {
    switch (t.kind) {
      case TermKind::kVar:
        if (!t.wildcard && !t.global) out.push_back(t.name);
        return;
      case TermKind::kRef:
      case TermKind::kArray:
      case TermKind::kObject:
      case TermKind::kSet:
      case TermKind::kTemplate:
        for (const auto& i : t.items) collect_names(*i, out);
        return;
      case TermKind::kCall:
        for (const auto& i : t.items) collect_names(*i, out);
        return;
      default: return;
    }
  }

  void pattern_names(const Term& t, std::set<std::string>& out) {
    if (t.kind == TermKind::kVar && !t.wildcard) out.insert(t.name);
    if (t.kind == TermKind::kArray)
      for (const auto& i : t.items) pattern_names(*i, out);
    if (t.kind == TermKind::kObject)
      for (size_t i = 1; i < t.items.size(); i += 2) pattern_names(*t.items[i], out);
  }

  // Unification variables of this body level get slots up front; names
  // declared with := / some are declared in order as resolve_body meets them.
  void declare_level(Body& body, Scope* s, const std::vector<TermPtr>& extra) {
    std::set<std::string> declared;
    for (auto& e : body) {
      if (e.kind == ExprKind::kSomeDecl) {
        for (auto& t : e.terms) pattern_names(*t, declared);
      } else if (e.kind == ExprKind::kAssign) {
        pattern_names(*e.terms[0], declared);
      } else if (e.kind == ExprKind::kSomeIn) {
        if (e.terms[0]) pattern_names(*e.terms[0], declared);
        pattern_names(*e.terms[1], declared);
      }
    }
    std::vector<std::string> names;
    for (auto& e : body) {
      if (e.kind == ExprKind::kSomeDecl) continue;
      if (e.kind == ExprKind::kEvery || e.kind == ExprKind::kSomeIn) {
        collect_names(*e.terms[2], names);
      } else {
        for (auto& t : e.terms) collect_names(*t, names);
      }
      for (auto& w : e.with) {
        // A bare name in a with value may denote a function (with f as g).
        if (w.value->kind == TermKind::kVar || w.value->kind == TermKind::kRef) continue;
        collect_names(*w.value, names);
      }
    }
    for (auto& t : extra)
      if (t) collect_names(*t, names);
    for (const auto& n : names) {
      if (declared.count(n)) continue;
      if (lookup(s, n) >= 0) continue;
      if (is_global(n)) continue;
      new_slot(n, s);
    }
  }

  // Import aliases this chain refers to (strict mode reports the others).
  const std::set<std::string>& used_aliases() const { return used_aliases_; }

  // Replaces a global name by its data/input reference.
  TermPtr global_ref(const std::string& name, const Location& loc) {
    if (name == "input" || name == "data") return make_root_var(name.c_str(), loc);
    for (const auto& i : imports_) {
      if (i.alias == name) {
        used_aliases_.insert(name);
        auto r = std::make_shared<Term>(*i.path);
        if (r->kind == TermKind::kVar) {
          r->global = true;
          r->loc = loc;
          return r;
        }
        r->items[0] = make_root_var(r->items[0]->name.c_str(), loc);
        r->loc = loc;
        return r;
      }
    }
    auto r = std::make_shared<Term>();
    r->kind = TermKind::kRef;
    r->loc = loc;
    r->items.push_back(make_root_var("data", loc));
    for (const auto& p : package_) r->items.push_back(make_scalar(Value::string(p), loc));
    r->items.push_back(make_scalar(Value::string(name), loc));
    return r;
  }

  void set_data_node(Term& r) {
    if (r.kind != TermKind::kRef || r.items[0]->kind != TermKind::kVar || r.items[0]->name != "data" ||
        !r.items[0]->global)
      return;
    const Node* n = c_.root.get();
    int ops = 0;
    for (size_t i = 1; i < r.items.size(); ++i) {
      const Term& op = *r.items[i];
      if (op.kind != TermKind::kScalar || !op.value.is_string()) break;
      // Rules with dynamic keys here (`p[q].r`) may define any child too:
      // the evaluator merges them with the child's own rules.
      if (n->has_rules && n->kind == RuleKind::kPartialObject) break;
      auto it = n->children.find(op.value.str());
      if (it == n->children.end()) break;
      n = it->second.get();
      ++ops;
    }
    r.data_node = n;
    r.data_ops = ops;
  }

  void resolve_term(TermPtr& tp, Scope* s) {
    Term& t = *tp;
    switch (t.kind) {
      case TermKind::kScalar: return;
      case TermKind::kVar: {
        if (t.global) return;
        if (t.wildcard) {
          t.slot = new_slot("_", s);
          return;
        }
        int slot = lookup(s, t.name);
        if (slot >= 0) {
          t.slot = slot;
          return;
        }
        if (is_global(t.name)) {
          tp = global_ref(t.name, t.loc);
          set_data_node(*tp);
          return;
        }
        t.slot = new_slot(t.name, s);
        return;
      }
      case TermKind::kRef: {
        for (size_t i = 0; i < t.items.size(); ++i) resolve_term(t.items[i], s);
        if (t.items[0]->kind == TermKind::kRef) {
          auto head = t.items[0];
          std::vector<TermPtr> items = head->items;
          items.insert(items.end(), t.items.begin() + 1, t.items.end());
          t.items = std::move(items);
        }
        set_data_node(t);
        return;
      }
      case TermKind::kArray:
      case TermKind::kObject:
      case TermKind::kSet:
      case TermKind::kTemplate:
        for (auto& i : t.items) resolve_term(i, s);
        return;
      case TermKind::kCall: resolve_call(t, s); return;
      case TermKind::kArrayCompr:
      case TermKind::kSetCompr:
      case TermKind::kObjectCompr: {
        Scope child;
        child.parent = s;
        int start = next_;
        t.first_local = start;
        std::vector<TermPtr> extra = {t.key, t.val};
        resolve_body(*t.body, &child, extra);
        if (t.key) resolve_term(t.key, &child);
        resolve_term(t.val, &child);
        t.end_local = next_;
        std::set<int> used;
        collect_slots_deep(t, used);
        for (int u : used)
          if (u < start) t.captures.push_back(u);
        return;
      }
    }
  }

  void collect_slots_deep(const Term& t, std::set<int>& out) {
    if (t.kind == TermKind::kVar && t.slot >= 0) out.insert(t.slot);
    for (const auto& i : t.items)
      if (i) collect_slots_deep(*i, out);
    if (t.key) collect_slots_deep(*t.key, out);
    if (t.val) collect_slots_deep(*t.val, out);
    if (t.body) collect_slots_deep(*t.body, out);
  }
  void collect_slots_deep(const Body& b, std::set<int>& out) {
    for (const auto& e : b) {
      for (const auto& t : e.terms)
        if (t) collect_slots_deep(*t, out);
      if (e.body) collect_slots_deep(*e.body, out);
      for (const auto& w : e.with) collect_slots_deep(*w.value, out);
    }
  }

  static std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
      size_t d = s.find('.', start);
      out.push_back(s.substr(start, d == std::string::npos ? std::string::npos : d - start));
      if (d == std::string::npos) break;
      start = d + 1;
    }
    return out;
  }

  // Finds the user function a call name denotes; empty path when none.
  std::vector<std::string> function_path(const std::string& name) {
    auto segs = split(name);
    std::vector<std::string> path;
    if (segs[0] == "data") {
      path.assign(segs.begin() + 1, segs.end());
      return path;
    }
    for (const auto& i : imports_) {
      if (i.alias == segs[0]) {
        used_aliases_.insert(segs[0]);
        const Term& r = *i.path;
        if (r.kind != TermKind::kRef || r.items[0]->name != "data") return {};
        for (size_t k = 1; k < r.items.size(); ++k) path.push_back(r.items[k]->value.str());
        path.insert(path.end(), segs.begin() + 1, segs.end());
        return path;
      }
    }
    if (pkg_rules_ && pkg_rules_->count(segs[0])) {
      path = package_;
      path.insert(path.end(), segs.begin(), segs.end());
      return path;
    }
    return {};
  }

  void resolve_call(Term& t, Scope* s) {
    for (auto& a : t.items) resolve_term(a, s);
    auto path = function_path(t.name);
    if (!path.empty()) {
      const Node* n = c_.find(path);
      if (n && n->has_rules && n->kind == RuleKind::kFunction) {
        t.user_fn = true;
        t.callee = n;
        t.data_path = path;
        const Rule* r = n->rules.empty() ? n->default_rule : n->rules[0];
        size_t arity = r ? r->args.size() : 0;
        if (t.items.size() != arity && t.items.size() != arity + 1) {
          errs_.push_back(core::make_error(
              "rego_type_error",
              path_string(path) + ": arity mismatch\n\thave: " + std::to_string(t.items.size()) +
                  " args\n\twant: " + std::to_string(arity) + " args",
              t.loc.to_string()));
        }
        return;
      }
      if (n && n->has_rules) {
        errs_.push_back(core::make_error("rego_type_error", "undefined function " + path_string(path),
                                         t.loc.to_string()));
        return;
      }
    }
    const Builtin* b = find_builtin(t.name);
    if (!b) {
      errs_.push_back(
          core::make_error("rego_type_error", "undefined function " + t.name, t.loc.to_string()));
      return;
    }
    t.callee = b;
    if (b->arity >= 0 && t.items.size() != static_cast<size_t>(b->arity) &&
        t.items.size() != static_cast<size_t>(b->arity) + 1) {
      errs_.push_back(core::make_error("rego_type_error",
                                       t.name + ": arity mismatch\n\thave: " + std::to_string(t.items.size()) +
                                           " args\n\twant: " + std::to_string(b->arity) + " args",
                                       t.loc.to_string()));
    }
  }

  void resolve_body(Body& body, Scope* s, const std::vector<TermPtr>& extra) {
    declare_level(body, s, extra);
    for (auto& e : body) {
      if (e.kind == ExprKind::kSomeDecl) {
        for (auto& t : e.terms) {
          if (s->vars.count(t->name) && declared_here_.count(s->vars[t->name])) {
            errs_.push_back(core::make_error("rego_compile_error", "var " + t->name + " declared above",
                                             t->loc.to_string()));
          }
          declare_pattern_fresh(*t, s);
          resolve_term(t, s);
        }
        continue;
      }
      if (e.kind == ExprKind::kAssign) {
        resolve_term(e.terms[1], s);
        declare_pattern_fresh(*e.terms[0], s);
        resolve_term(e.terms[0], s);
        for (auto& w : e.with) {
          resolve_with_target(w);
          resolve_with_value(w, s);
        }
        continue;
      }
      if (e.kind == ExprKind::kSomeIn) {
        resolve_term(e.terms[2], s);
        if (e.terms[0]) declare_pattern_fresh(*e.terms[0], s);
        declare_pattern_fresh(*e.terms[1], s);
        if (e.terms[0]) resolve_term(e.terms[0], s);
        resolve_term(e.terms[1], s);
        for (auto& w : e.with) {
          resolve_with_target(w);
          resolve_with_value(w, s);
        }
        continue;
      }
      if (e.kind == ExprKind::kEvery) {
        resolve_term(e.terms[2], s);
        Scope child;
        child.parent = s;
        int start = next_;
        e.first_local = start;
        if (e.terms[0]) declare_pattern(*e.terms[0], &child, e.loc);
        declare_pattern(*e.terms[1], &child, e.loc);
        resolve_body(*e.body, &child, {});
        if (e.terms[0]) resolve_term(e.terms[0], &child);
        resolve_term(e.terms[1], &child);
        e.end_local = next_;
        std::set<int> used;
        collect_slots_deep(*e.body, used);
        for (int u : used)
          if (u < start) e.captures.push_back(u);
      } else {
        for (auto& t : e.terms)
          if (t) resolve_term(t, s);
      }
      for (auto& w : e.with) {
        resolve_with_target(w);
        resolve_with_value(w, s);
      }
    }
  }

  // Declares the vars of a := / some pattern in scope s (shadowing outer ones).
  void declare_pattern_fresh(const Term& t, Scope* s) {
    std::set<std::string> names;
    pattern_names(t, names);
    for (const auto& n : names) {
      auto it = s->vars.find(n);
      if (it != s->vars.end() && declared_here_.count(it->second)) {
        errs_.push_back(core::make_error("rego_compile_error", "var " + n + " assigned above", t.loc.to_string()));
        continue;
      }
      int slot = new_slot(n, s);
      declared_here_.insert(slot);
    }
  }

  // A with value naming a function (with f as g) binds to that function.
  void resolve_with_value(With& w, Scope* s) {
    Term& v = *w.value;
    if (w.target->callee && (v.kind == TermKind::kVar || v.kind == TermKind::kRef) && lookup(s, v.kind == TermKind::kVar ? v.name : v.items[0]->name) < 0) {
      std::string name = v.kind == TermKind::kVar ? v.name : v.items[0]->name;
      bool dotted = true;
      if (v.kind == TermKind::kRef) {
        for (size_t i = 1; i < v.items.size(); ++i) {
          if (v.items[i]->kind != TermKind::kScalar || !v.items[i]->value.is_string()) dotted = false;
          else name += "." + v.items[i]->value.str();
        }
      }
      if (dotted) {
        auto path = function_path(name);
        if (!path.empty()) {
          const Node* n = c_.find(path);
          if (n && n->has_rules && n->kind == RuleKind::kFunction) {
            v.user_fn = true;
            v.callee = n;
            return;
          }
        }
        if (const Builtin* b = find_builtin(name)) {
          v.callee = b;
          return;
        }
      }
    }
    resolve_term(w.value, s);
  }

  void resolve_with_target(With& w) {
    Term& t = *w.target;
    std::string root = t.kind == TermKind::kVar ? t.name : t.items[0]->name;
    if (root == "input" || root == "data") {
      if (t.kind == TermKind::kVar) {
        t.global = true;
      } else {
        t.items[0]->global = true;
        set_data_node(t);
      }
      return;
    }
    // A function: built-in or user function (by name or data path).
    std::string name = root;
    if (t.kind == TermKind::kRef) {
      for (size_t i = 1; i < t.items.size(); ++i) {
        if (t.items[i]->kind != TermKind::kScalar || !t.items[i]->value.is_string()) {
          errs_.push_back(core::make_error("rego_compile_error", "invalid with target", w.loc.to_string()));
          return;
        }
        name += "." + t.items[i]->value.str();
      }
    }
    auto path = function_path(name);
    if (!path.empty()) {
      const Node* n = c_.find(path);
      if (n && n->has_rules) {
        t.user_fn = true;
        t.callee = n;
        t.data_path = path;
        t.name = name;
        return;
      }
    }
    const Builtin* b = find_builtin(name);
    if (!b) {
      errs_.push_back(core::make_error("rego_compile_error",
                                       "with keyword used on non-input, non-data, non-function target " + name,
                                       w.loc.to_string()));
      return;
    }
    t.callee = b;
    t.name = name;
  }

 private:
  const Compiled& c_;
  std::vector<std::string> package_;
  const std::vector<Import>& imports_;
  std::set<std::string> used_aliases_;
  const std::set<std::string>* pkg_rules_;
  Errors& errs_;
  int next_ = 0;
  std::vector<std::string> names_;
  std::set<int> declared_here_;
};

// ---- pass 3: safety and reordering ----

class Safety {
 public:
  // new_slot allocates a frame slot for a generated variable (hoisted refs).
  Safety(const std::vector<std::string>& names, Errors& errs, std::function<int(const std::string&)> new_slot)
      : names_(names), errs_(errs), new_slot_(std::move(new_slot)) {}

  using Set = std::set<int>;

  // Vars that must be bound to evaluate t (ref operand vars are outputs).
  void needs(const Term& t, Set& out) const {
    switch (t.kind) {
      case TermKind::kVar:
        if (t.slot >= 0) out.insert(t.slot);
        return;
      case TermKind::kRef:
        needs(*t.items[0], out);
        for (size_t i = 1; i < t.items.size(); ++i) {
          const Term& op = *t.items[i];
          if (op.kind == TermKind::kVar) continue;
          if (op.kind == TermKind::kArray || op.kind == TermKind::kObject) {
            pattern_needs(op, out);
            continue;
          }
          needs(op, out);
        }
        return;
      case TermKind::kArrayCompr:
      case TermKind::kSetCompr:
      case TermKind::kObjectCompr:
        out.insert(t.captures.begin(), t.captures.end());
        return;
      default:
        for (const auto& i : t.items) needs(*i, out);
        return;
    }
  }
  // In a pattern, bare vars are outputs; nested refs/calls need theirs.
  void pattern_needs(const Term& t, Set& out) const {
    switch (t.kind) {
      case TermKind::kVar: return;
      case TermKind::kArray:
        for (const auto& i : t.items) pattern_needs(*i, out);
        return;
      case TermKind::kObject:
        for (size_t i = 0; i < t.items.size(); i += 2) {
          needs(*t.items[i], out);
          pattern_needs(*t.items[i + 1], out);
        }
        return;
      default: needs(t, out);
    }
  }
  // Vars a term binds when evaluated or unified.
  void outputs(const Term& t, Set& out) const {
    switch (t.kind) {
      case TermKind::kVar:
        if (t.slot >= 0) out.insert(t.slot);
        return;
      case TermKind::kRef:
        for (size_t i = 1; i < t.items.size(); ++i) outputs(*t.items[i], out);
        return;
      case TermKind::kArray:
      case TermKind::kObject:
      case TermKind::kSet:
        for (const auto& i : t.items) outputs(*i, out);
        return;
      case TermKind::kCall:
        for (const auto& i : t.items) ref_outputs(*i, out);
        return;
      default: return;
    }
  }
  void ref_outputs(const Term& t, Set& out) const {
    if (t.kind == TermKind::kRef) {
      for (size_t i = 1; i < t.items.size(); ++i) outputs(*t.items[i], out);
    } else if (t.kind == TermKind::kCall || t.kind == TermKind::kArray || t.kind == TermKind::kObject ||
               t.kind == TermKind::kSet) {
      for (const auto& i : t.items) ref_outputs(*i, out);
    }
  }
  static bool subset(const Set& a, const Set& bound) {
    for (int x : a)
      if (!bound.count(x)) return false;
    return true;
  }

  bool unify_ready(const Term& a, const Term& b, const Set& bound) const {
    Set na, nb;
    needs(a, na);
    needs(b, nb);
    if (subset(na, bound)) {
      Set pb;
      pattern_needs(b, pb);
      if (subset(pb, bound)) return true;
    }
    if (subset(nb, bound)) {
      Set pa;
      pattern_needs(a, pa);
      if (subset(pa, bound)) return true;
    }
    if (a.kind == TermKind::kArray && b.kind == TermKind::kArray && a.items.size() == b.items.size()) {
      // Each pair must be ready in some order.
      Set cur = bound;
      std::vector<bool> done(a.items.size());
      size_t ndone = 0;
      for (size_t round = 0; round < a.items.size() && ndone < a.items.size(); ++round) {
        bool progress = false;
        for (size_t i = 0; i < a.items.size(); ++i) {
          if (done[i]) continue;
          if (unify_ready(*a.items[i], *b.items[i], cur)) {
            done[i] = true;
            ++ndone;
            progress = true;
            outputs(*a.items[i], cur);
            outputs(*b.items[i], cur);
          }
        }
        if (!progress) return false;
      }
      return true;
    }
    if (a.kind == TermKind::kObject && b.kind == TermKind::kObject) {
      Set na2, nb2;
      pattern_needs(a, na2);
      pattern_needs(b, nb2);
      return subset(na2, bound) && subset(nb2, bound);
    }
    return false;
  }

  // Vars a literal needs and binds, given the vars bound so far.
  bool ready(const Expr& e, const Set& bound, const Set& shared, Set* binds, Set* missing) const {
    Set need;
    switch (e.kind) {
      case ExprKind::kSomeDecl: return true;
      case ExprKind::kUnify:
      case ExprKind::kAssign: {
        if (e.negated) {
          needs_all(e, need, shared);
          break;
        }
        for (const auto& w : e.with) needs(*w.value, need);
        if (!subset(need, bound)) break;
        if (unify_ready(*e.terms[0], *e.terms[1], bound)) {
          outputs(*e.terms[0], *binds);
          outputs(*e.terms[1], *binds);
          return true;
        }
        needs(*e.terms[0], need);
        needs(*e.terms[1], need);
        break;
      }
      case ExprKind::kTerm: {
        if (e.negated) {
          needs_all(e, need, shared);
          break;
        }
        const Term& t = *e.terms[0];
        if (t.kind == TermKind::kCall && call_has_output(t)) {
          for (size_t i = 0; i + 1 < t.items.size(); ++i) needs(*t.items[i], need);
          pattern_needs(*t.items.back(), need);
          outputs(*t.items.back(), *binds);
          for (size_t i = 0; i + 1 < t.items.size(); ++i) ref_outputs(*t.items[i], *binds);
        } else {
          needs(t, need);
          ref_outputs(t, *binds);
          if (t.kind == TermKind::kRef) outputs(t, *binds);
        }
        for (const auto& w : e.with) needs(*w.value, need);
        break;
      }
      case ExprKind::kSomeIn: {
        needs(*e.terms[2], need);
        if (e.terms[0]) pattern_needs(*e.terms[0], need);
        pattern_needs(*e.terms[1], need);
        if (e.terms[0]) outputs(*e.terms[0], *binds);
        outputs(*e.terms[1], *binds);
        ref_outputs(*e.terms[2], *binds);
        break;
      }
      case ExprKind::kEvery: {
        needs(*e.terms[2], need);
        need.insert(e.captures.begin(), e.captures.end());
        break;
      }
    }
    for (int x : need) {
      if (!bound.count(x)) missing->insert(x);
    }
    if (!missing->empty()) {
      binds->clear();
      return false;
    }
    return true;
  }

  static bool call_has_output(const Term& t) {
    if (t.user_fn) {
      const Node* n = static_cast<const Node*>(t.callee);
      const Rule* r = n->rules.empty() ? n->default_rule : n->rules[0];
      return r && t.items.size() == r->args.size() + 1;
    }
    const Builtin* b = static_cast<const Builtin*>(t.callee);
    return b && b->arity >= 0 && t.items.size() == static_cast<size_t>(b->arity) + 1;
  }

  // Negated literals: every var shared with the rest of the body must be bound.
  void needs_all(const Expr& e, Set& need, const Set& shared) const {
    Set all;
    for (const auto& t : e.terms)
      if (t) {
        needs(*t, all);
        outputs(*t, all);
        ref_outputs(*t, all);
      }
    for (const auto& w : e.with) needs(*w.value, all);
    for (int x : all)
      if (shared.count(x)) need.insert(x);
  }

  // Counts var occurrences per literal to tell shared vars from literal-local ones.
  void count_vars(const Term& t, std::map<int, int>& counts, int lit, std::map<int, std::set<int>>& where) const {
    if (t.kind == TermKind::kVar && t.slot >= 0 && names_[t.slot] != "_") where[t.slot].insert(lit);
    for (const auto& i : t.items)
      if (i) count_vars(*i, counts, lit, where);
    if (t.kind == TermKind::kArrayCompr || t.kind == TermKind::kSetCompr || t.kind == TermKind::kObjectCompr) {
      for (int c : t.captures) where[c].insert(lit);
    }
  }

  // Reorders body in place; returns the vars bound after it.
  Set reorder(Body& body, const Set& bound_in, const Set& outer_shared) {
    Set bound = bound_in;
    // Shared vars: appear in more than one literal, or outside this body.
    std::map<int, std::set<int>> where;
    std::map<int, int> counts;
    for (size_t i = 0; i < body.size(); ++i) {
      for (const auto& t : body[i].terms)
        if (t) count_vars(*t, counts, static_cast<int>(i), where);
      for (const auto& w : body[i].with) count_vars(*w.value, counts, static_cast<int>(i), where);
      if (body[i].kind == ExprKind::kEvery)
        for (int c : body[i].captures) where[c].insert(static_cast<int>(i));
    }
    Set shared = outer_shared;
    for (const auto& [slot, lits] : where)
      if (lits.size() > 1) shared.insert(slot);
    shared.insert(bound_in.begin(), bound_in.end());

    std::vector<Expr> remaining(std::make_move_iterator(body.begin()), std::make_move_iterator(body.end()));
    Body out;
    while (!remaining.empty()) {
      bool progressed = false;
      for (size_t i = 0; i < remaining.size(); ++i) {
        Set binds, missing;
        if (ready(remaining[i], bound, shared, &binds, &missing)) {
          Expr e = std::move(remaining[i]);
          remaining.erase(remaining.begin() + static_cast<long>(i));
          nested(e, bound, shared);
          bound.insert(binds.begin(), binds.end());
          out.push_back(std::move(e));
          progressed = true;
          break;
        }
      }
      if (!progressed && hoist_refs(remaining)) continue;
      if (!progressed) {
        Set binds, missing;
        for (auto& e : remaining) {
          ready(e, bound, shared, &binds, &missing);
          if (!missing.empty()) {
            for (int x : missing) {
              errs_.push_back(core::make_error("rego_unsafe_var_error", "var " + names_[x] + " is unsafe",
                                               e.loc.to_string()));
            }
            break;
          }
        }
        for (auto& e : remaining) out.push_back(std::move(e));
        break;
      }
    }
    body = std::move(out);
    return bound;
  }

  // OPA evaluates the refs in a call's arguments before the call, so
  // `foo == input.foos[foo]` binds foo through the ref even though foo is
  // also an argument. Arguments here are evaluated left to right; when a
  // literal cannot be ordered otherwise, each ref argument that binds
  // variables becomes a literal of its own placed before it
  // (`$hN = input.foos[foo]; foo == $hN`). Literals that are negated or
  // carry `with` keep their shape (hoisting would change what they mean).
  bool hoist_refs(std::vector<Expr>& remaining) {
    for (size_t i = 0; i < remaining.size(); ++i) {
      Expr& e = remaining[i];
      if (e.negated || !e.with.empty()) continue;
      if (e.kind != ExprKind::kTerm && e.kind != ExprKind::kUnify && e.kind != ExprKind::kAssign) continue;
      std::vector<Expr> hoisted;
      std::function<void(TermPtr&, bool)> walk = [&](TermPtr& t, bool in_call) {
        if (!t) return;
        if (in_call && t->kind == TermKind::kRef) {
          Set out;
          ref_outputs(*t, out);
          if (out.empty()) return;
          std::string name = "$h" + std::to_string(hoisted_++);
          auto v = std::make_shared<Term>();
          v->kind = TermKind::kVar;
          v->loc = t->loc;
          v->name = name;
          v->slot = new_slot_(name);
          Expr h;
          h.kind = ExprKind::kUnify;
          h.loc = e.loc;
          h.index = e.index;
          h.terms = {v, t};
          hoisted.push_back(std::move(h));
          auto use = std::make_shared<Term>(*v);
          t = use;
          return;
        }
        if (t->kind == TermKind::kCall) {
          for (auto& a : t->items) walk(a, true);
        } else if (t->kind == TermKind::kArray || t->kind == TermKind::kObject || t->kind == TermKind::kSet) {
          for (auto& a : t->items) walk(a, in_call);
        }
      };
      for (auto& t : e.terms) walk(t, false);
      if (hoisted.empty()) continue;
      remaining.insert(remaining.begin() + static_cast<long>(i), std::make_move_iterator(hoisted.begin()),
                       std::make_move_iterator(hoisted.end()));
      return true;
    }
    return false;
  }

  void nested(Expr& e, const Set& bound, const Set& shared) {
    for (auto& t : e.terms)
      if (t) nested_term(*t, bound, shared);
    for (auto& w : e.with) nested_term(*w.value, bound, shared);
    if (e.kind == ExprKind::kEvery) {
      Set b = bound;
      if (e.terms[0]) outputs(*e.terms[0], b);
      outputs(*e.terms[1], b);
      reorder(*e.body, b, shared);
    }
  }
  void nested_term(Term& t, const Set& bound, const Set& shared) {
    for (auto& i : t.items)
      if (i) nested_term(*i, bound, shared);
    if (t.body) {
      Set after = reorder(*t.body, bound, shared);
      if (t.key) check_head(*t.key, after, t.loc);
      if (t.val) check_head(*t.val, after, t.loc);
    }
  }

  void check_head(const Term& t, const Set& bound, const Location& loc) {
    Set need;
    needs(t, need);
    for (int x : need) {
      if (!bound.count(x)) {
        errs_.push_back(core::make_error("rego_unsafe_var_error", "var " + names_[x] + " is unsafe",
                                         t.loc.row ? t.loc.to_string() : loc.to_string()));
      }
    }
  }

 private:
  const std::vector<std::string>& names_;
  Errors& errs_;
  std::function<int(const std::string&)> new_slot_;
  int hoisted_ = 0;
};

void bind_pattern(const Term& t, std::set<int>& out) {
  if (t.kind == TermKind::kVar && t.slot >= 0) out.insert(t.slot);
  if (t.kind == TermKind::kArray || t.kind == TermKind::kObject || t.kind == TermKind::kSet) {
    for (const auto& i : t.items) bind_pattern(*i, out);
  }
}

void compile_rule_chain(Compiled& c, Rule* head, const std::map<std::string, std::set<std::string>>& pkg_rules,
                        Errors& errs, std::set<std::string>* used_aliases) {
  Module* m = head->module;
  std::string pkg;
  for (const auto& p : m->package) pkg += "." + p;
  auto it = pkg_rules.find(pkg);
  Resolver res(c, m->package, m->imports, it == pkg_rules.end() ? nullptr : &it->second, errs);
  Scope args_scope;
  std::set<int> arg_slots;
  // Function parameters (shared by the else chain: parsed once, copied by pointer).
  if (head->kind == RuleKind::kFunction) {
    std::vector<std::string> names;
    for (auto& a : head->args) res.collect_names(*a, names);
    for (const auto& n : names)
      if (res.lookup(&args_scope, n) < 0) res.new_slot(n, &args_scope);
    for (auto& a : head->args) {
      res.resolve_term(a, &args_scope);
      bind_pattern(*a, arg_slots);
    }
  }
  for (Rule* r = head; r; r = r->else_rule.get()) {
    Scope body_scope;
    body_scope.parent = &args_scope;
    std::vector<TermPtr> extra = r->keys;
    extra.push_back(r->key);
    extra.push_back(r->value);
    res.resolve_body(r->body, &body_scope, extra);
    for (auto& k : r->keys) res.resolve_term(k, &body_scope);
    if (r->key) res.resolve_term(r->key, &body_scope);
    if (r->value) res.resolve_term(r->value, &body_scope);
  }
  Safety safety(res.slot_names(), errs, [&](const std::string& n) { return res.new_slot(n, nullptr); });
  for (Rule* r = head; r; r = r->else_rule.get()) {
    std::set<int> shared;
    std::vector<TermPtr> heads = r->keys;
    heads.push_back(r->key);
    heads.push_back(r->value);
    std::map<int, std::set<int>> where;
    std::map<int, int> counts;
    for (auto& h : heads)
      if (h) safety.count_vars(*h, counts, -1, where);
    for (auto& [slot, _] : where) shared.insert(slot);
    auto bound = safety.reorder(r->body, arg_slots, shared);
    for (auto& h : heads) {
      if (!h) continue;
      // Comprehensions in the head (`q := [x | ...]`) are ordered like any body.
      safety.nested_term(*h, bound, shared);
      safety.check_head(*h, bound, r->loc);
    }
  }
  for (Rule* r = head; r; r = r->else_rule.get()) r->num_slots = res.num_slots();
  if (used_aliases) used_aliases->insert(res.used_aliases().begin(), res.used_aliases().end());
}

// ---- pass 4: recursion ----

void deps_term(const Term& t, std::set<const Node*>& out);
void deps_body(const Body& b, std::set<const Node*>& out) {
  for (const auto& e : b) {
    for (const auto& t : e.terms)
      if (t) deps_term(*t, out);
    if (e.body) deps_body(*e.body, out);
    for (const auto& w : e.with) deps_term(*w.value, out);
  }
}
void add_subtree(const Node* n, std::set<const Node*>& out) {
  if (n->has_rules) out.insert(n);
  for (const auto& [_, c] : n->children) add_subtree(c.get(), out);
}
// The rules a data ref can reach from node n with operands i.. of ref: a
// constant operand follows its child, any other operand every child, so
// `data[x].allow.see` depends only on packages that have an `allow.see`.
void add_matching(const Node* n, const Term& ref, size_t i, std::set<const Node*>& out) {
  if (n->has_rules) out.insert(n);
  if (i >= ref.items.size()) {
    add_subtree(n, out);
    return;
  }
  const Term& op = *ref.items[i];
  if (op.kind == TermKind::kScalar) {
    if (!op.value.is_string()) return;
    auto it = n->children.find(op.value.str());
    if (it != n->children.end()) add_matching(it->second.get(), ref, i + 1, out);
    return;
  }
  for (const auto& [_, c] : n->children) add_matching(c.get(), ref, i + 1, out);
}
void deps_term(const Term& t, std::set<const Node*>& out) {
  if (t.kind == TermKind::kRef && t.data_node) {
    add_matching(static_cast<const Node*>(t.data_node), t, 1 + static_cast<size_t>(t.data_ops), out);
  }
  if (t.kind == TermKind::kCall && t.user_fn) out.insert(static_cast<const Node*>(t.callee));
  for (const auto& i : t.items)
    if (i) deps_term(*i, out);
  if (t.key) deps_term(*t.key, out);
  if (t.val) deps_term(*t.val, out);
  if (t.body) deps_body(*t.body, out);
}

void check_recursion(Compiled& c, Errors& errs) {
  std::map<const Node*, std::set<const Node*>> edges;
  for (Node* n : c.nodes) {
    if (!n->has_rules) continue;
    std::set<const Node*> d;
    auto add_rule = [&](const Rule* r) {
      for (; r; r = r->else_rule.get()) {
        deps_body(r->body, d);
        for (const auto& k : r->keys) deps_term(*k, d);
        if (r->key) deps_term(*r->key, d);
        if (r->value) deps_term(*r->value, d);
      }
    };
    for (const Rule* r : n->rules) add_rule(r);
    if (n->default_rule) add_rule(n->default_rule);
    edges[n] = std::move(d);
  }
  std::map<const Node*, int> state;  // 0 new, 1 on stack, 2 done
  std::vector<const Node*> stack;
  std::function<bool(const Node*)> dfs = [&](const Node* n) -> bool {
    state[n] = 1;
    stack.push_back(n);
    for (const Node* m : edges[n]) {
      if (state[m] == 1) {
        std::string chain;
        auto it = std::find(stack.begin(), stack.end(), m);
        for (; it != stack.end(); ++it) chain += path_string((*it)->path) + " -> ";
        chain += path_string(m->path);
        const Rule* r = m->rules.empty() ? m->default_rule : m->rules[0];
        errs.push_back(core::make_error("rego_recursion_error",
                                        "rule " + path_string(m->path) + " is recursive: " + chain,
                                        r ? r->loc.to_string() : std::string()));
        return false;
      }
      if (state[m] == 0 && !dfs(m)) return false;
    }
    stack.pop_back();
    state[n] = 2;
    return true;
  };
  for (Node* n : c.nodes) {
    if (n->has_rules && state[n] == 0 && !dfs(n)) return;
  }
}

// ---- pass 5: plan (rule indices) ----

// `input.a.b == const` / `input.a.b = const` literal: returns the path.
bool index_literal(const Expr& e, std::vector<std::string>* path, Value* value) {
  if (e.negated || !e.with.empty()) return false;
  const Term* a = nullptr;
  const Term* b = nullptr;
  if (e.kind == ExprKind::kUnify) {
    a = e.terms[0].get();
    b = e.terms[1].get();
  } else if (e.kind == ExprKind::kTerm && e.terms[0]->kind == TermKind::kCall && e.terms[0]->name == "equal" &&
             e.terms[0]->items.size() == 2) {
    a = e.terms[0]->items[0].get();
    b = e.terms[0]->items[1].get();
  } else {
    return false;
  }
  if (a->kind == TermKind::kScalar) std::swap(a, b);
  if (b->kind != TermKind::kScalar || a->kind != TermKind::kRef) return false;
  if (a->items[0]->kind != TermKind::kVar || a->items[0]->name != "input" || !a->items[0]->global) return false;
  path->clear();
  for (size_t i = 1; i < a->items.size(); ++i) {
    const Term& op = *a->items[i];
    if (op.kind != TermKind::kScalar || !op.value.is_string()) return false;
    path->push_back(op.value.str());
  }
  *value = b->value;
  return true;
}

void build_index(Node* n) {
  if (n->rules.size() < 2) return;
  // The input path that leaves the fewest candidates: rules not constrained
  // on it plus the average bucket of those that are.
  std::map<std::vector<std::string>, std::pair<int, std::set<Value>>> stats;
  for (const Rule* r : n->rules) {
    if (r->else_rule) continue;
    std::set<std::vector<std::string>> seen;
    for (const auto& e : r->body) {
      std::vector<std::string> p;
      Value v;
      if (index_literal(e, &p, &v) && seen.insert(p).second) {
        ++stats[p].first;
        stats[p].second.insert(v);
      }
    }
  }
  std::vector<std::string> best;
  int best_n = 0;
  double best_cost = static_cast<double>(n->rules.size());
  for (const auto& [p, st] : stats) {
    double cost = static_cast<double>(n->rules.size() - static_cast<size_t>(st.first)) +
                  static_cast<double>(st.first) / static_cast<double>(st.second.size());
    if (cost < best_cost) {
      best_cost = cost;
      best = p;
      best_n = st.first;
    }
  }
  if (best_n < 2) return;
  RuleIndex& idx = n->index;
  idx.path = best;
  std::map<Value, std::vector<int>> by;
  for (size_t i = 0; i < n->rules.size(); ++i) {
    const Rule* r = n->rules[i];
    bool constrained = false;
    if (!r->else_rule) {
      for (const auto& e : r->body) {
        std::vector<std::string> p;
        Value v;
        if (index_literal(e, &p, &v) && p == best) {
          by[v].push_back(static_cast<int>(i));
          constrained = true;
          break;
        }
      }
    }
    if (!constrained) idx.always.push_back(static_cast<int>(i));
  }
  for (auto& [v, rs] : by) idx.by_value.emplace_back(v, std::move(rs));
  idx.enabled = true;
}

// "file:row:col" -> (file, row, col); then the text, as OPA's Errors.Sort.
void sort_by_location(Errors& errs) {
  auto key = [](const core::Error& e) {
    const std::string& w = e.where;
    size_t c2 = w.rfind(':');
    size_t c1 = c2 == std::string::npos || c2 == 0 ? std::string::npos : w.rfind(':', c2 - 1);
    if (c1 == std::string::npos) return std::make_tuple(w, 0L, 0L);
    return std::make_tuple(w.substr(0, c1), std::atol(w.c_str() + c1 + 1), std::atol(w.c_str() + c2 + 1));
  };
  std::stable_sort(errs.begin(), errs.end(), [&](const core::Error& a, const core::Error& b) {
    auto ka = key(a), kb = key(b);
    if (ka != kb) return ka < kb;
    return a.to_string() < b.to_string();
  });
}

}  // namespace

core::Result<std::shared_ptr<Compiled>> compile(std::vector<ModulePtr> modules, const CompileOptions& options,
                                                std::vector<core::Error>* all_errors) {
  auto c = std::make_shared<Compiled>();
  c->modules = std::move(modules);
  c->root = std::make_unique<Node>();
  c->root->id = 0;
  c->nodes.push_back(c->root.get());
  Errors errs;

  // 0. Rego v1's module checks (strict.h): duplicate imports, input/data shadowed
  for (const auto& m : c->modules) module_checks(*m, rego_v1_checked(*m, options.strict), errs);
  if (!errs.empty()) {
    core::Error first = errs.front();
    if (all_errors) *all_errors = std::move(errs);
    return first;
  }
  // 1. collect (and attach METADATA annotations)
  collect(*c, errs);
  attach_annotations(*c, errs);
  // Names of rules per package, for resolution.
  std::map<std::string, std::set<std::string>> pkg_rules;
  for (const auto& m : c->modules) {
    std::string pkg;
    for (const auto& p : m->package) pkg += "." + p;
    auto& names = pkg_rules[pkg];
    for (const auto& r : m->rules) names.insert(r->head_ref[0]->name);
  }
  // Packages nested below a package are reachable by name too (data.a.b from package a: `b.x`).
  for (const auto& m : c->modules) {
    for (size_t k = 1; k <= m->package.size(); ++k) {
      std::string parent;
      for (size_t i = 0; i + 1 < k; ++i) parent += "." + m->package[i];
      (void)parent;
    }
  }
  // 2. resolve + 3. safety (per rule chain)
  std::map<const Module*, std::set<std::string>> used_aliases;
  if (errs.empty()) {
    for (const auto& m : c->modules) {
      for (const auto& r : m->rules) compile_rule_chain(*c, r.get(), pkg_rules, errs, &used_aliases[m.get()]);
    }
  }
  // 4. recursion
  if (errs.empty()) check_recursion(*c, errs);
  // 5. types: built-in argument types and unification of known types (typecheck.h)
  if (errs.empty()) {
    c->rule_types = infer_rule_types(*c);
    for (const auto& m : c->modules)
      for (const auto& r : m->rules) typecheck_rule(*r, &c->rule_types, errs);
    sort_by_location(errs);  // OPA sorts the type checker's errors (Errors.Sort)
  }
  // Deprecated built-ins (Rego v1 always, v0 in strict mode), then OPA's
  // strict mode proper (strict.h), and imports nothing refers to.
  if (errs.empty()) {
    for (const auto& m : c->modules)
      if (rego_v1_checked(*m, options.strict))
        for (const auto& r : m->rules) deprecated_builtin_checks(*r, errs);
  }
  if (errs.empty() && options.strict) {
    for (const auto& m : c->modules) {
      for (const auto& r : m->rules) strict_rule_checks(*r, errs);
      const auto& used = used_aliases[m.get()];
      for (const auto& i : m->imports) {
        if (i.alias == "input" || i.alias == "data" || used.count(i.alias)) continue;
        errs.push_back(core::make_error("rego_compile_error", import_string(i) + " unused", i.loc.to_string()));
      }
    }
  }
  // 6. plan
  if (errs.empty()) {
    for (Node* n : c->nodes)
      if (n->has_rules) build_index(n);
  }
  if (!errs.empty()) {
    core::Error first = errs.front();
    if (all_errors) *all_errors = std::move(errs);
    return first;
  }
  return c;
}

core::Result<CompiledQuery> compile_query(const Compiled& policy, BodyPtr body, std::vector<std::string> package,
                                          std::vector<Import> imports) {
  Errors errs;
  std::set<std::string> rules;
  if (!package.empty()) {
    if (const Node* n = policy.find(package)) {
      for (const auto& [name, _] : n->children) rules.insert(name);
    }
  }
  Resolver res(policy, package, imports, package.empty() ? nullptr : &rules, errs);
  Scope top;
  res.resolve_body(*body, &top, {});
  Safety safety(res.slot_names(), errs, [&](const std::string& n) { return res.new_slot(n, nullptr); });
  safety.reorder(*body, {}, {});
  if (errs.empty()) typecheck_body(*body, res.num_slots(), &policy.rule_types, errs);
  if (!errs.empty()) return errs.front();
  CompiledQuery q;
  q.body = body;
  q.num_slots = res.num_slots();
  // Output vars: top-level, non-generated, in slot order.
  std::vector<std::pair<int, std::string>> outs;
  for (const auto& [name, slot] : top.vars) outs.emplace_back(slot, name);
  std::sort(outs.begin(), outs.end());
  for (auto& [slot, name] : outs) q.outputs.emplace_back(name, slot);
  return q;
}

}  // namespace genesis::policy
