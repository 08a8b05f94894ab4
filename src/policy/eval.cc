#include "policy/eval.h"

#include <algorithm>

namespace genesis::policy {
namespace {

Value lookup(const Value& base, const Value& key) {
  switch (base.kind()) {
    case Kind::kObject: {
      const Value* v = base.get(key);
      return v ? *v : Value();
    }
    case Kind::kArray: {
      if (!key.is_int()) return Value();
      int64_t i = key.as_int();
      if (i < 0 || static_cast<size_t>(i) >= base.arr().size()) return Value();
      return base.arr()[static_cast<size_t>(i)];
    }
    case Kind::kSet: return base.contains(key) ? key : Value();
    default: return Value();
  }
}

Value patch(const Value& base, const std::vector<Value>& path, size_t i, const Value& v) {
  if (i == path.size()) return v;
  ObjectItems items;
  if (base.is_object()) items = base.obj();
  Value child;
  for (auto& kv : items)
    if (kv.first == path[i]) child = kv.second;
  Value nv = patch(child, path, i + 1, v);
  bool replaced = false;
  for (auto& kv : items)
    if (kv.first == path[i]) {
      kv.second = nv;
      replaced = true;
    }
  if (!replaced) items.emplace_back(path[i], nv);
  return Value::object(std::move(items));
}

// Inserts value at key path into a nested object under construction; conflicts are errors.
void insert_path(ObjectItems& obj, const std::vector<Value>& keys, size_t i, const Value& v, const Location& loc,
                 bool set_leaf = false) {
  for (auto& kv : obj) {
    if (kv.first == keys[i]) {
      if (i + 1 == keys.size()) {
        if (set_leaf && kv.second.is_set()) {
          ValueVec items = kv.second.set_items();
          items.push_back(v);
          kv.second = Value::set(std::move(items));
          return;
        }
        if (!(kv.second == v)) throw EvalError{"eval_conflict_error", "object keys must be unique", loc};
        return;
      }
      if (!kv.second.is_object()) throw EvalError{"eval_conflict_error", "object keys must be unique", loc};
      ObjectItems inner = kv.second.obj();
      insert_path(inner, keys, i + 1, v, loc, set_leaf);
      kv.second = Value::object(std::move(inner));
      return;
    }
  }
  if (i + 1 == keys.size()) {
    obj.emplace_back(keys[i], set_leaf ? Value::set({v}) : v);
    return;
  }
  ObjectItems inner;
  insert_path(inner, keys, i + 1, v, loc, set_leaf);
  obj.emplace_back(keys[i], Value::object(std::move(inner)));
}

// Merges two documents defined at the same path by different rules: objects
// merge key by key, sets unite, equal values agree; anything else conflicts.
// da / db: how many levels down each side is still the path of rule heads
// (-1: all the way); at 0 it is a rule's value, which another rule cannot
// reach into (`p[q].r := {"s": {}}` and `p.q.r.s.u := 1` conflict, as in OPA).
Value merge_docs(const Value& a, const Value& b, const Location& loc, int da = -1, int db = -1) {
  if (da != 0 && db != 0 && a.is_object() && b.is_object()) {
    ObjectItems items = a.obj();
    for (const auto& [k, v] : b.obj()) {
      bool merged = false;
      for (auto& kv : items) {
        if (kv.first == k) {
          kv.second = merge_docs(kv.second, v, loc, da < 0 ? -1 : da - 1, db < 0 ? -1 : db - 1);
          merged = true;
        }
      }
      if (!merged) items.emplace_back(k, v);
    }
    return Value::object(std::move(items));
  }
  if (a.is_set() && b.is_set()) {
    ValueVec items = a.set_items();
    items.insert(items.end(), b.set_items().begin(), b.set_items().end());
    return Value::set(std::move(items));
  }
  if (a == b) return a;
  throw EvalError{"eval_conflict_error", "object keys must be unique", loc};
}

// Levels of rule-head path below a partial object node before its rules'
// values begin (`p[x].y := v`: 2); the shortest of its rules.
int object_depth(const Node* n) {
  int d = -1;
  for (const Rule* r : n->rules) {
    int k = static_cast<int>(r->keys.size());
    if (d < 0 || k < d) d = k;
  }
  return d < 0 ? -1 : d;
}

// Base data and the virtual document at one path: objects merge key by key;
// elsewhere the base document wins (OPA's "base/virtual: conflicts" case).
Value merge_base(const Value& base, const Value& virt) {
  if (!base.is_object() || !virt.is_object()) return base;
  ObjectItems items = base.obj();
  for (const auto& [k, v] : virt.obj()) {
    auto at = std::find_if(items.begin(), items.end(), [&](const auto& kv) { return kv.first == k; });
    if (at == items.end()) items.emplace_back(k, v);
    else at->second = merge_base(at->second, v);
  }
  return Value::object(std::move(items));
}

bool has_unbound_pattern_impl(const Term& t, const Value* slots) {
  switch (t.kind) {
    case TermKind::kVar: return !t.global && !slots[t.slot].defined();
    case TermKind::kArray:
      for (const auto& i : t.items)
        if (has_unbound_pattern_impl(*i, slots)) return true;
      return false;
    case TermKind::kObject:
      for (size_t i = 1; i < t.items.size(); i += 2)
        if (has_unbound_pattern_impl(*t.items[i], slots)) return true;
      return false;
    default: return false;
  }
}

}  // namespace

Evaluator::Evaluator(const Compiled& policy, const Value& data, const EvalOptions& options)
    : policy_(policy), data_(data), input_(options.input), opts_(options) {
  bctx_.ev = this;
  bctx_.sandbox = options.sandbox;
  bctx_.print = options.print;
  bctx_.rng = &rng_;
  bctx_.now_ns = options.now_ns;
  if (!bctx_.now_ns) {
    bctx_.now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  }
  if (!data_.defined()) data_ = Value::empty_object();
}

void Evaluator::step(const Location& loc) {
  ++steps_;
  step_loc_ = &loc;
  if (steps_ > opts_.limits.max_steps) {
    throw EvalError{"eval_cancel_error", "evaluation exceeded the step limit", loc};
  }
  EvalGuard::poll();
}

core::Result<std::vector<ResultRow>> Evaluator::run(const CompiledQuery& q) {
  std::vector<ResultRow> rows;
  slots_.assign(static_cast<size_t>(q.num_slots), Value());
  base_ = 0;
  trail_.clear();
  caches_.clear();
  caches_.emplace_back();
  steps_ = 0;
  query_body_ = q.body.get();
  captured_.assign(q.body->size(), Value());
  EvalGuard guard(opts_.limits.max_bytes, std::chrono::steady_clock::now() + opts_.limits.timeout,
                  opts_.cancelled);
  step_loc_ = nullptr;
  struct Report {  // fills opts_.stats however run() ends
    const Evaluator* ev;
    const EvalGuard* g;
    ~Report() {
      if (ev->opts_.stats) *ev->opts_.stats = EvalStats{ev->steps_, g->allocated()};
    }
  } report{this, &guard};
  try {
    eval_body(*q.body, 0, [&]() -> bool {
      ResultRow row;
      std::vector<const Expr*> order(q.body->size());
      for (const auto& e : *q.body) order[static_cast<size_t>(e.index)] = &e;
      for (const Expr* e : order) {
        if (e->kind == ExprKind::kTerm && !e->negated) {
          const Value& v = captured_[static_cast<size_t>(e->index)];
          row.expressions.push_back(v.defined() ? v : Value::boolean(true));
        } else {
          row.expressions.push_back(Value::boolean(true));
        }
      }
      for (const auto& [name, s] : q.outputs) {
        if (name.empty() || name[0] == '_' || name.rfind("__", 0) == 0) continue;
        const Value& v = slots_[static_cast<size_t>(s)];
        if (v.defined()) row.bindings.emplace_back(name, v);
      }
      rows.push_back(std::move(row));
      return true;
    });
  } catch (const EvalError& e) {
    return core::make_error(e.code, e.message, e.loc.row ? e.loc.short_string() : std::string());
  } catch (const LimitExceeded& e) {
    rows.clear();
    return core::make_error("eval_cancel_error", e.message,
                            step_loc_ && step_loc_->row ? step_loc_->short_string() : std::string());
  }
  return rows;
}

bool Evaluator::eval_body(const Body& b, size_t i, Cont k) {
  if (i == b.size()) return k();
  return eval_expr(b[i], [&]() -> bool { return eval_body(b, i + 1, k); });
}

namespace {
std::vector<Value> ref_path_values(const Term& t) {
  std::vector<Value> out;
  for (size_t i = 1; i < t.items.size(); ++i) out.push_back(t.items[i]->value);
  return out;
}
}  // namespace

bool Evaluator::eval_expr(const Expr& e, Cont k) {
  step(e.loc);
  if (e.with.empty()) {
    if (!e.negated) return eval_expr_plain(e, k);
    size_t mark = trail_.size();
    bool found = false;
    eval_expr_plain(e, [&]() -> bool {
      found = true;
      return false;
    });
    undo(mark);
    return found ? true : k();
  }
  // with: evaluate the replacement values, then swap state in for the
  // expression (not for the rest of the body).
  std::vector<Value> vals;
  for (const auto& w : e.with) {
    const Term& val = *w.value;
    if (val.callee && (val.kind == TermKind::kVar || val.kind == TermKind::kRef)) {
      vals.emplace_back();
      continue;
    }
    Value v = eval_ground(val);
    if (!v.defined()) return true;
    vals.push_back(v);
  }
  Value saved_input = input_, saved_data = data_;
  size_t saved_ov = data_overrides_.size(), saved_fn = fn_overrides_.size();
  for (size_t i = 0; i < e.with.size(); ++i) {
    const With& w = e.with[i];
    const Term& t = *w.target;
    std::string root = t.kind == TermKind::kVar ? t.name : t.items[0]->name;
    if (t.callee) {
      fn_overrides_.push_back({t.callee, w.value.get(), vals[i]});
      continue;
    }
    std::vector<Value> path = t.kind == TermKind::kRef ? ref_path_values(t) : std::vector<Value>{};
    if (root == "input") {
      input_ = patch(input_, path, 0, vals[i]);
    } else {
      const Node* n = policy_.root.get();
      size_t used = 0;
      for (const auto& p : path) {
        if (!p.is_string()) break;
        auto it = n->children.find(p.str());
        if (it == n->children.end()) break;
        n = it->second.get();
        ++used;
      }
      if (used == path.size()) data_overrides_.emplace_back(n, vals[i]);
      data_ = patch(data_, path, 0, vals[i]);
    }
  }
  Value with_input = input_, with_data = data_;
  std::vector<std::pair<const Node*, Value>> with_ov(data_overrides_.begin(), data_overrides_.end());
  std::vector<FnOverride> with_fn(fn_overrides_.begin(), fn_overrides_.end());
  caches_.emplace_back();
  auto restore = [&] {
    input_ = saved_input;
    data_ = saved_data;
    data_overrides_.resize(saved_ov);
    fn_overrides_.resize(saved_fn);
  };
  bool r;
  try {
    auto inner = [&]() -> bool {
      Cache c = std::move(caches_.back());
      caches_.pop_back();
      restore();
      bool res = k();
      input_ = with_input;
      data_ = with_data;
      data_overrides_ = with_ov;
      fn_overrides_ = with_fn;
      caches_.push_back(std::move(c));
      return res;
    };
    if (e.negated) {
      size_t mark = trail_.size();
      bool found = false;
      eval_expr_plain(e, [&]() -> bool {
        found = true;
        return false;
      });
      undo(mark);
      r = found ? true : inner();
    } else {
      r = eval_expr_plain(e, inner);
    }
  } catch (...) {
    caches_.pop_back();
    restore();
    throw;
  }
  caches_.pop_back();
  restore();
  return r;
}

bool Evaluator::eval_expr_plain(const Expr& e, Cont k) {
  switch (e.kind) {
    case ExprKind::kTerm:
      if (query_body_ && &e >= query_body_->data() && &e < query_body_->data() + query_body_->size()) {
        // Query-level terms are captured (OPA binds them to generated vars), so false is a value.
        return eval_term(*e.terms[0], [&](const Value& v) -> bool {
          Value saved = captured_[static_cast<size_t>(e.index)];
          captured_[static_cast<size_t>(e.index)] = v;
          bool r = k();
          captured_[static_cast<size_t>(e.index)] = saved;
          return r;
        });
      }
      return eval_term(*e.terms[0], [&](const Value& v) -> bool {
        if (v.is_false()) return true;
        return k();
      });
    case ExprKind::kUnify:
    case ExprKind::kAssign: return eval_unify(*e.terms[0], *e.terms[1], k);
    case ExprKind::kSomeDecl: return k();
    case ExprKind::kSomeIn: return eval_some_in(e, k);
    case ExprKind::kEvery: return eval_every(e, k);
  }
  return true;
}

bool Evaluator::eval_some_in(const Expr& e, Cont k) {
  return eval_term(*e.terms[2], [&](const Value& dom) -> bool {
    const Term* key = e.terms[0].get();
    const Term& val = *e.terms[1];
    switch (dom.kind()) {
      case Kind::kArray: {
        const auto& items = dom.arr();
        for (size_t i = 0; i < items.size(); ++i) {
          EvalGuard::poll();  // iterations need not be steps: the deadline still holds
          auto inner = [&]() -> bool { return unify_value(val, items[i], k); };
          bool r = key ? unify_value(*key, Value::integer(static_cast<int64_t>(i)), inner) : inner();
          if (!r) return false;
        }
        return true;
      }
      case Kind::kObject: {
        for (const auto& [kk, vv] : dom.obj()) {
          EvalGuard::poll();
          auto inner = [&]() -> bool { return unify_value(val, vv, k); };
          bool r = key ? unify_value(*key, kk, inner) : inner();
          if (!r) return false;
        }
        return true;
      }
      case Kind::kSet: {
        for (const auto& x : dom.set_items()) {
          EvalGuard::poll();
          auto inner = [&]() -> bool { return unify_value(val, x, k); };
          bool r = key ? unify_value(*key, x, inner) : inner();
          if (!r) return false;
        }
        return true;
      }
      default: return true;
    }
  });
}

bool Evaluator::eval_every(const Expr& e, Cont k) {
  bool all = true;
  bool seen = false;
  bool r = eval_term(*e.terms[2], [&](const Value& dom) -> bool {
    const Term* key = e.terms[0].get();
    const Term& val = *e.terms[1];
    auto check = [&](const Value& kv, const Value& vv) -> bool {
      size_t mark = trail_.size();
      bool ok = false;
      auto body = [&]() -> bool {
        eval_body(*e.body, 0, [&]() -> bool {
          ok = true;
          return false;
        });
        return false;
      };
      auto inner = [&]() -> bool { return unify_value(val, vv, body); };
      if (key) unify_value(*key, kv, inner);
      else inner();
      undo(mark);
      return ok;
    };
    switch (dom.kind()) {
      case Kind::kArray:
        for (size_t i = 0; i < dom.arr().size() && all; ++i)
          all = check(Value::integer(static_cast<int64_t>(i)), dom.arr()[i]);
        break;
      case Kind::kObject:
        for (const auto& [kk, vv] : dom.obj()) {
          if (!(all = check(kk, vv))) break;
        }
        break;
      case Kind::kSet:
        for (const auto& x : dom.set_items()) {
          if (!(all = check(x, x))) break;
        }
        break;
      default: all = false; break;  // every over a non-collection is false
    }
    seen = true;
    return false;  // domain enumerations beyond the first are not expected
  });
  (void)r;
  // An undefined domain makes `every` undefined.
  if (!all || !seen) return true;
  return k();
}

bool Evaluator::is_ground(const Term& t) { return !has_unbound_pattern_impl(t, &slots_[static_cast<size_t>(base_)]); }

Value Evaluator::eval_ground(const Term& t) {
  Value out;
  eval_term(t, [&](const Value& v) -> bool {
    out = v;
    return false;
  });
  return out;
}

bool Evaluator::eval_unify(const Term& a, const Term& b, Cont k) {
  bool pa = !is_ground(a), pb = !is_ground(b);
  if (!pa) return eval_term(a, [&](const Value& va) -> bool { return unify_value(b, va, k); });
  if (!pb) return eval_term(b, [&](const Value& vb) -> bool { return unify_value(a, vb, k); });
  if (a.kind == TermKind::kArray && b.kind == TermKind::kArray) {
    if (a.items.size() != b.items.size()) return true;
    // Pairwise, each pair in turn (a later pair may bind what an earlier one needs).
    std::function<bool(std::vector<bool>&, size_t)> go = [&](std::vector<bool>& done, size_t left) -> bool {
      if (left == 0) return k();
      for (size_t i = 0; i < a.items.size(); ++i) {
        if (done[i]) continue;
        if (!is_ground(*a.items[i]) && !is_ground(*b.items[i])) continue;
        done[i] = true;
        bool r = eval_unify(*a.items[i], *b.items[i], [&]() -> bool { return go(done, left - 1); });
        done[i] = false;
        return r;
      }
      throw EvalError{"rego_unsafe_var_error", "unsafe variables in unification", a.loc};
    };
    std::vector<bool> done(a.items.size());
    return go(done, a.items.size());
  }
  if (a.kind == TermKind::kObject && b.kind == TermKind::kObject) {
    if (a.items.size() != b.items.size()) return true;
    // Match keys (ground) pairwise.
    std::vector<std::pair<const Term*, const Term*>> pairs;
    for (size_t i = 0; i < a.items.size(); i += 2) {
      Value ka = eval_ground(*a.items[i]);
      bool found = false;
      for (size_t j = 0; j < b.items.size(); j += 2) {
        if (eval_ground(*b.items[j]) == ka) {
          pairs.emplace_back(a.items[i + 1].get(), b.items[j + 1].get());
          found = true;
        }
      }
      if (!found) return true;
    }
    std::function<bool(size_t)> go = [&](size_t i) -> bool {
      if (i == pairs.size()) return k();
      return eval_unify(*pairs[i].first, *pairs[i].second, [&]() -> bool { return go(i + 1); });
    };
    return go(0);
  }
  throw EvalError{"rego_unsafe_var_error", "var is unsafe", a.loc};
}

bool Evaluator::unify_value(const Term& pat, const Value& v, Cont k) {
  switch (pat.kind) {
    case TermKind::kVar: {
      if (pat.global) break;
      Value& cur = slot(pat.slot);
      if (cur.defined()) return cur == v ? k() : true;
      size_t mark = trail_.size();
      bind(pat.slot, v);
      bool r = k();
      undo(mark);
      return r;
    }
    case TermKind::kArray: {
      if (!v.is_array() || v.arr().size() != pat.items.size()) return true;
      if (!has_unbound_pattern_impl(pat, &slots_[static_cast<size_t>(base_)])) break;
      std::function<bool(size_t)> go = [&](size_t i) -> bool {
        if (i == pat.items.size()) return k();
        return unify_value(*pat.items[i], v.arr()[i], [&]() -> bool { return go(i + 1); });
      };
      return go(0);
    }
    case TermKind::kObject: {
      if (!v.is_object() || v.obj().size() * 2 != pat.items.size()) return true;
      if (!has_unbound_pattern_impl(pat, &slots_[static_cast<size_t>(base_)])) break;
      std::function<bool(size_t)> go = [&](size_t i) -> bool {
        if (i >= pat.items.size()) return k();
        return eval_term(*pat.items[i], [&](const Value& key) -> bool {
          const Value* child = v.get(key);
          if (!child) return true;
          Value c = *child;
          return unify_value(*pat.items[i + 1], c, [&]() -> bool { return go(i + 2); });
        });
      };
      return go(0);
    }
    default: break;
  }
  return eval_term(pat, [&](const Value& pv) -> bool { return pv == v ? k() : true; });
}

bool Evaluator::eval_terms(const std::vector<TermPtr>& ts, size_t i, std::vector<Value>& out, Cont k) {
  // Scalars and bound variables cannot enumerate: take them without recursing
  // (long literal arrays must not deepen the stack).
  while (i < ts.size()) {
    const Term& t = *ts[i];
    if (t.kind == TermKind::kScalar) {
      out[i++] = t.value;
    } else if (t.kind == TermKind::kVar && !t.global && slot(t.slot).defined()) {
      out[i++] = slot(t.slot);
    } else {
      break;
    }
  }
  if (i == ts.size()) return k();
  return eval_term(*ts[i], [&](const Value& v) -> bool {
    out[i] = v;
    return eval_terms(ts, i + 1, out, k);
  });
}

bool Evaluator::eval_term(const Term& t, ValCont k) {
  switch (t.kind) {
    case TermKind::kScalar: return k(t.value);
    case TermKind::kVar: {
      if (t.global) {
        if (t.name == "input") return input_.defined() ? k(input_) : true;
        if (t.name == "data") {
          Value v = node_value(policy_.root.get());
          return k(v);
        }
        return true;
      }
      Value v = slot(t.slot);
      if (!v.defined()) throw EvalError{"rego_unsafe_var_error", "var " + t.name + " is unsafe", t.loc};
      return k(v);
    }
    case TermKind::kRef: return eval_ref(t, k);
    case TermKind::kArray: {
      std::vector<Value> vals(t.items.size());
      return eval_terms(t.items, 0, vals, [&]() -> bool { return k(Value::array(vals)); });
    }
    case TermKind::kSet: {
      std::vector<Value> vals(t.items.size());
      return eval_terms(t.items, 0, vals, [&]() -> bool { return k(Value::set(vals)); });
    }
    case TermKind::kObject: {
      std::vector<Value> vals(t.items.size());
      return eval_terms(t.items, 0, vals, [&]() -> bool {
        ObjectItems items;
        items.reserve(vals.size() / 2);
        for (size_t i = 0; i < vals.size(); i += 2) items.emplace_back(vals[i], vals[i + 1]);
        Value o = Value::object(items);
        if (o.obj().size() != items.size()) {
          // Duplicate keys: equal values collapse; different ones conflict.
          for (const auto& [kk, vv] : items) {
            if (!(*o.get(kk) == vv)) throw EvalError{"eval_conflict_error", "object keys must be unique", t.loc};
          }
        }
        return k(o);
      });
    }
    case TermKind::kArrayCompr:
    case TermKind::kSetCompr:
    case TermKind::kObjectCompr: {
      std::vector<Value> out;
      ObjectItems obj;
      size_t mark = trail_.size();
      eval_body(*t.body, 0, [&]() -> bool {
        if (t.kind == TermKind::kObjectCompr) {
          eval_term(*t.key, [&](const Value& kk) -> bool {
            return eval_term(*t.val, [&](const Value& vv) -> bool {
              EvalGuard::charge(2 * sizeof(Value));
              EvalGuard::poll();
              obj.emplace_back(kk, vv);
              return true;
            });
          });
        } else {
          eval_term(*t.val, [&](const Value& vv) -> bool {
            EvalGuard::charge(sizeof(Value));
            EvalGuard::poll();
            out.push_back(vv);
            return true;
          });
        }
        return true;
      });
      undo(mark);
      if (t.kind == TermKind::kArrayCompr) return k(Value::array(std::move(out)));
      if (t.kind == TermKind::kSetCompr) return k(Value::set(std::move(out)));
      // A key produced twice must bring the same value. Sorting first keeps
      // this O(n log n) for large comprehensions.
      std::stable_sort(obj.begin(), obj.end(), [](const auto& a, const auto& b) {
        EvalGuard::poll();
        return compare(a.first, b.first) < 0;
      });
      for (size_t i = 1; i < obj.size(); ++i) {
        if (obj[i].first == obj[i - 1].first && !(obj[i].second == obj[i - 1].second))
          throw EvalError{"eval_conflict_error", "object keys must be unique", t.loc};
      }
      return k(Value::object(std::move(obj)));
    }
    case TermKind::kCall: return eval_call(t, k);
    case TermKind::kTemplate: {
      std::vector<Value> vals(t.items.size());
      // Undefined parts render as <undefined>; each part takes its first value.
      std::string s;
      for (size_t i = 0; i < t.items.size(); ++i) {
        const Term& part = *t.items[i];
        if (part.kind == TermKind::kScalar && part.value.is_string() && i % 2 == 0) {
          s += part.value.str();
          continue;
        }
        Value v = eval_ground(part);
        if (part.template_part) v = v.is_set() && !v.set_items().empty() ? v.set_items()[0] : Value();
        if (!v.defined()) s += "<undefined>";
        else if (v.is_string()) s += v.str();
        else s += to_rego(v);
      }
      return k(Value::string(std::move(s)));
    }
  }
  return true;
}

bool Evaluator::eval_ref(const Term& r, ValCont k) {
  const Term& head = *r.items[0];
  if (head.kind == TermKind::kVar) {
    if (head.global) {
      if (head.name == "input") {
        if (!input_.defined()) return true;
        return eval_ref_from(input_, r, 1, k);
      }
      if (head.name == "data") {
        if (r.data_node && data_overrides_.empty()) {
          return eval_data(static_cast<const Node*>(r.data_node), r, 1 + static_cast<size_t>(r.data_ops), k);
        }
        return eval_data(policy_.root.get(), r, 1, k);
      }
      return true;
    }
    Value v = slot(head.slot);
    if (!v.defined()) throw EvalError{"rego_unsafe_var_error", "var " + head.name + " is unsafe", head.loc};
    return eval_ref_from(v, r, 1, k);
  }
  return eval_term(head, [&](const Value& v) -> bool { return eval_ref_from(v, r, 1, k); });
}

bool Evaluator::eval_ref_from(const Value& base, const Term& r, size_t i, ValCont k) {
  if (i == r.items.size()) return k(base);
  const Term& op = *r.items[i];
  if (op.kind == TermKind::kScalar) {
    Value child = lookup(base, op.value);
    if (!child.defined()) return true;
    return eval_ref_from(child, r, i + 1, k);
  }
  if (!is_ground(op)) {
    switch (base.kind()) {
      case Kind::kArray: {
        const auto& items = base.arr();
        for (size_t j = 0; j < items.size(); ++j) {
          EvalGuard::poll();
          bool res = unify_value(op, Value::integer(static_cast<int64_t>(j)),
                                 [&]() -> bool { return eval_ref_from(items[j], r, i + 1, k); });
          if (!res) return false;
        }
        return true;
      }
      case Kind::kObject: {
        for (const auto& [kk, vv] : base.obj()) {
          EvalGuard::poll();
          bool res = unify_value(op, kk, [&]() -> bool { return eval_ref_from(vv, r, i + 1, k); });
          if (!res) return false;
        }
        return true;
      }
      case Kind::kSet: {
        for (const auto& x : base.set_items()) {
          EvalGuard::poll();
          bool res = unify_value(op, x, [&]() -> bool { return eval_ref_from(x, r, i + 1, k); });
          if (!res) return false;
        }
        return true;
      }
      default: return true;
    }
  }
  return eval_term(op, [&](const Value& key) -> bool {
    Value child = lookup(base, key);
    if (!child.defined()) return true;
    return eval_ref_from(child, r, i + 1, k);
  });
}

Value Evaluator::override_at(const Node* n) {
  for (auto it = data_overrides_.rbegin(); it != data_overrides_.rend(); ++it)
    if (it->first == n) return it->second;
  return Value();
}

Value Evaluator::base_at(const Node* n) {
  Value v = data_;
  for (const auto& p : n->path) {
    const Value* c = v.get(p);
    if (!c) return Value();
    v = *c;
  }
  return v;
}

bool Evaluator::eval_data(const Node* n, const Term& r, size_t i, ValCont k) {
  if (!data_overrides_.empty()) {
    Value ov = override_at(n);
    if (ov.defined()) return eval_ref_from(ov, r, i, k);
  }
  if (n->has_rules) {
    switch (n->kind) {
      case RuleKind::kComplete: {
        Value v = complete_value(n);
        if (!v.defined()) return true;
        return eval_ref_from(v, r, i, k);
      }
      case RuleKind::kFunction: {
        // A function of no arguments named without parentheses is its value
        // (v0 policies write `f() = x { ... }` and test `f`).
        Value v = zero_arity_value(n);
        if (!v.defined()) return true;
        return eval_ref_from(v, r, i, k);
      }
      case RuleKind::kPartialSet: {
        if (i == r.items.size()) return k(set_value(n));
        const Term& op = *r.items[i];
        if (!is_ground(op)) return eval_ref_from(set_value(n), r, i, k);
        return eval_term(op, [&](const Value& key) -> bool {
          if (!set_contains(n, key)) return true;
          return eval_ref_from(key, r, i + 1, k);
        });
      }
      case RuleKind::kPartialObject: {
        if (i == r.items.size()) return k(node_value(n));
        const Term& op = *r.items[i];
        if (!is_ground(op)) return eval_ref_from(node_value(n), r, i, k);
        return eval_term(op, [&](const Value& key) -> bool {
          if (key.is_string()) {
            auto it = n->children.find(key.str());
            if (it != n->children.end()) {
              Value ov = object_value(n, &key);
              if (!ov.defined()) return eval_data(it->second.get(), r, i + 1, k);
              ov = merge_child(ov, object_depth(n) - 1, it->second.get(), r.loc);
              return eval_ref_from(ov, r, i + 1, k);
            }
          }
          Value v = object_value(n, &key);
          if (!v.defined()) return true;
          return eval_ref_from(v, r, i + 1, k);
        });
      }
    }
  }
  if (i == r.items.size()) return k(node_value(n));
  const Term& op = *r.items[i];
  if (!is_ground(op)) return eval_ref_from(node_value(n), r, i, k);
  return eval_term(op, [&](const Value& key) -> bool {
    if (key.is_string()) {
      auto it = n->children.find(key.str());
      if (it != n->children.end()) return eval_data(it->second.get(), r, i + 1, k);
    }
    Value base = base_at(n);
    Value child = lookup(base, key);
    if (!child.defined() && key.is_number() && base.is_object()) child = lookup(base, Value::string(number_to_string(key)));
    if (!child.defined()) return true;
    return eval_base_ref(child, r, i + 1, k);
  });
}

// Base documents came from JSON, whose keys are strings: in a ref rooted at
// data, a number operand also finds the key spelled as that number
// (data.nested[2] finds "2"), as OPA does. Through a variable it does not.
bool Evaluator::eval_base_ref(const Value& v, const Term& r, size_t i, ValCont k) {
  if (i == r.items.size() || !v.is_object() || !is_ground(*r.items[i])) return eval_ref_from(v, r, i, k);
  return eval_term(*r.items[i], [&](const Value& key) -> bool {
    Value child = lookup(v, key);
    if (!child.defined() && key.is_number()) child = lookup(v, Value::string(number_to_string(key)));
    if (!child.defined()) return true;
    return eval_base_ref(child, r, i + 1, k);
  });
}

Evaluator::Frame Evaluator::push_frame(const Rule* r) {
  if (++depth_ > opts_.limits.max_depth) {
    --depth_;
    throw EvalError{"eval_cancel_error", "evaluation exceeded the depth limit", r->loc};
  }
  Frame f{base_, trail_.size()};
  base_ = static_cast<int>(slots_.size());
  slots_.resize(slots_.size() + static_cast<size_t>(r->num_slots));
  rule_stack_.push_back(r);
  return f;
}

void Evaluator::pop_frame(const Frame& f) {
  undo(f.saved_trail);
  slots_.resize(static_cast<size_t>(base_));
  base_ = f.saved_base;
  rule_stack_.pop_back();
  --depth_;
}

namespace {
struct FrameGuard {
  Evaluator* ev;
  std::function<void()> pop;
  ~FrameGuard() { pop(); }
};
}  // namespace

bool Evaluator::eval_rule_body(const Rule* r, Cont k) { return eval_body(r->body, 0, k); }

void Evaluator::candidate_rules(const Node* n, std::vector<const Rule*>& out) {
  const RuleIndex& idx = n->index;
  if (!idx.enabled || !input_.defined()) {
    out.assign(n->rules.begin(), n->rules.end());
    return;
  }
  Value v = input_;
  for (const auto& p : idx.path) {
    const Value* c = v.get(p);
    if (!c) {
      v = Value();
      break;
    }
    v = *c;
  }
  const std::vector<int>* matched = nullptr;
  if (v.defined()) {
    auto it = std::lower_bound(idx.by_value.begin(), idx.by_value.end(), v,
                               [](const auto& e, const Value& x) { return compare(e.first, x) < 0; });
    if (it != idx.by_value.end() && it->first == v) matched = &it->second;
  }
  out.clear();
  size_t a = 0, b = 0;
  const auto& al = idx.always;
  while (a < al.size() || (matched && b < matched->size())) {
    int next;
    if (matched && b < matched->size() && (a >= al.size() || (*matched)[b] < al[a])) next = (*matched)[b++];
    else next = al[a++];
    out.push_back(n->rules[static_cast<size_t>(next)]);
  }
}

#define GENESIS_WITH_FRAME(rule, body)                 \
  do {                                                 \
    Frame fr_ = push_frame(rule);                      \
    try {                                              \
      body;                                            \
    } catch (...) {                                    \
      pop_frame(fr_);                                  \
      throw;                                           \
    }                                                  \
    pop_frame(fr_);                                    \
  } while (0)

Value Evaluator::complete_value(const Node* n) {
  auto& cache = caches_.back().complete;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  std::vector<const Rule*> rules;
  candidate_rules(n, rules);
  Value result;
  const Rule* first = nullptr;
  for (const Rule* head : rules) {
    for (const Rule* r = head; r; r = r->else_rule.get()) {
      bool matched = false;
      GENESIS_WITH_FRAME(r, {
        eval_rule_body(r, [&]() -> bool {
          return eval_term(*r->value, [&](const Value& v) -> bool {
            matched = true;
            if (result.defined() && !(result == v)) {
              throw EvalError{"eval_conflict_error", "complete rules must not produce multiple outputs", r->loc};
            }
            if (!result.defined()) first = r;
            result = v;
            return true;
          });
        });
      });
      if (matched) break;
    }
  }
  (void)first;
  if (!result.defined() && n->default_rule) {
    const Rule* d = n->default_rule;
    GENESIS_WITH_FRAME(d, { result = eval_ground(*d->value); });
  }
  caches_.back().complete[n] = result;
  return result;
}

Value Evaluator::set_value(const Node* n) {
  auto& cache = caches_.back().full;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  std::vector<Value> items;
  // Rules the index rules out cannot add to the set: their bodies test an input
  // path against a value the input does not have.
  std::vector<const Rule*> rules;
  candidate_rules(n, rules);
  for (const Rule* r : rules) {
    GENESIS_WITH_FRAME(r, {
      eval_rule_body(r, [&]() -> bool {
        return eval_term(*r->key, [&](const Value& v) -> bool {
          items.push_back(v);
          return true;
        });
      });
    });
  }
  Value s = Value::set(std::move(items));
  caches_.back().full[n] = s;
  return s;
}

bool Evaluator::set_contains(const Node* n, const Value& key) {
  auto& cache = caches_.back().full;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second.contains(key);
  for (const Rule* r : n->rules) {
    const Term& kt = *r->key;
    bool simple = kt.kind == TermKind::kVar || kt.kind == TermKind::kScalar;
    if (!simple) return set_value(n).contains(key);
  }
  bool found = false;
  for (const Rule* r : n->rules) {
    GENESIS_WITH_FRAME(r, {
      unify_value(*r->key, key, [&]() -> bool {
        return eval_rule_body(r, [&]() -> bool {
          return eval_term(*r->key, [&](const Value& v) -> bool {
            if (v == key) found = true;
            return !found;
          });
        });
      });
    });
    if (found) return true;
  }
  return false;
}

Value Evaluator::object_value(const Node* n, const Value* key) {
  auto& cache = caches_.back().full;
  auto it = cache.find(n);
  if (it != cache.end()) {
    if (!key) return it->second;
    const Value* v = it->second.get(*key);
    return v ? *v : Value();
  }
  ObjectItems obj;
  std::vector<Value> keys;
  for (const Rule* r : n->rules) {
    GENESIS_WITH_FRAME(r, {
      auto body = [&]() -> bool {
        return eval_rule_body(r, [&]() -> bool {
          keys.assign(r->keys.size(), Value());
          return eval_terms(r->keys, 0, keys, [&]() -> bool {
            return eval_term(*r->value, [&](const Value& v) -> bool {
              if (key && !(keys[0] == *key)) return true;
              insert_path(obj, keys, 0, v, r->loc, r->set_leaf);
              return true;
            });
          });
        });
      };
      if (key && (r->keys[0]->kind == TermKind::kVar || r->keys[0]->kind == TermKind::kScalar)) {
        unify_value(*r->keys[0], *key, body);
      } else {
        body();
      }
    });
  }
  Value o = Value::object(std::move(obj));
  if (!key) {
    caches_.back().full[n] = o;
    return o;
  }
  const Value* v = o.get(*key);
  return v ? *v : Value();
}

Value Evaluator::merge_child(const Value& a, int da, const Node* c, const Location& loc) {
  if (!a.defined()) return node_value(c);
  if (c->has_rules) {
    if (c->kind == RuleKind::kFunction) return a;
    Value cv = node_value(c);
    if (!cv.defined()) return a;
    int dc = c->kind == RuleKind::kPartialObject ? object_depth(c) : 0;
    if (!data_overrides_.empty() && override_at(c).defined()) dc = -1;
    return merge_docs(a, cv, loc, da, dc);
  }
  // A node with no rules of its own: merge its children one by one, each at
  // its own depth, then whatever base data lies at this path.
  if (da == 0 || !a.is_object() || (!data_overrides_.empty() && override_at(c).defined())) {
    Value cv = node_value(c);
    return cv.defined() ? merge_docs(a, cv, loc, da, -1) : a;
  }
  ObjectItems items = a.obj();
  for (const auto& [name, cc] : c->children) {
    Value key = Value::string(name);
    auto at = std::find_if(items.begin(), items.end(), [&](const auto& kv) { return kv.first == key; });
    Value merged = merge_child(at == items.end() ? Value() : at->second, da < 0 ? -1 : da - 1, cc.get(), loc);
    if (!merged.defined()) continue;
    if (at == items.end()) items.emplace_back(key, merged);
    else at->second = merged;
  }
  Value base = base_at(c);
  Value out = Value::object(std::move(items));
  return base.defined() ? merge_docs(out, base, loc, da, -1) : out;
}

Value Evaluator::node_value(const Node* n) {
  if (!data_overrides_.empty()) {
    Value ov = override_at(n);
    if (ov.defined()) return ov;
  }
  if (n->has_rules) {
    switch (n->kind) {
      case RuleKind::kComplete: return complete_value(n);
      case RuleKind::kPartialSet: return set_value(n);
      case RuleKind::kFunction: return Value();
      case RuleKind::kPartialObject: {
        Value o = object_value(n, nullptr);
        if (n->children.empty()) return o;
        const Rule* r = n->rules.empty() ? nullptr : n->rules[0];
        ObjectItems items = o.is_object() ? o.obj() : ObjectItems{};
        for (const auto& [name, c] : n->children) {
          Value key = Value::string(name);
          auto at = std::find_if(items.begin(), items.end(), [&](const auto& kv) { return kv.first == key; });
          Value merged = merge_child(at == items.end() ? Value() : at->second, object_depth(n) - 1, c.get(),
                                     r ? r->loc : Location{});
          if (!merged.defined()) continue;
          if (at == items.end()) items.emplace_back(key, merged);
          else at->second = merged;
        }
        return Value::object(std::move(items));
      }
    }
  }
  auto& cache = caches_.back().full;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  ObjectItems items;
  Value base = base_at(n);
  if (base.defined() && !base.is_object()) return base;
  if (base.is_object()) items = base.obj();
  for (const auto& [name, c] : n->children) {
    Value cv = node_value(c.get());
    if (!cv.defined()) continue;
    bool replaced = false;
    for (auto& kv : items) {
      if (kv.first.is_string() && kv.first.str() == name) {
        kv.second = merge_base(kv.second, cv);
        replaced = true;
      }
    }
    if (!replaced) items.emplace_back(Value::string(name), cv);
  }
  Value o = Value::object(std::move(items));
  caches_.back().full[n] = o;
  return o;
}

bool Evaluator::eval_call(const Term& call, ValCont k) {
  size_t arity;
  if (call.user_fn) {
    const Node* n = static_cast<const Node*>(call.callee);
    const Rule* r = n->rules.empty() ? n->default_rule : n->rules[0];
    arity = r ? r->args.size() : 0;
  } else {
    const Builtin* b = static_cast<const Builtin*>(call.callee);
    if (!b) throw EvalError{"eval_internal_error", "unresolved call " + call.name, call.loc};
    arity = b->arity < 0 ? call.items.size() : static_cast<size_t>(b->arity);
  }
  bool has_output = call.items.size() == arity + 1;
  std::vector<Value> args(arity);
  auto with_result = [&](const Value& result) -> bool {
    if (!has_output) return k(result);
    return unify_value(*call.items.back(), result, [&]() -> bool { return k(Value::boolean(true)); });
  };
  {
    std::function<bool(size_t)> go = [&](size_t i) -> bool {
      if (i == arity) {
        // Overrides from `with`.
        for (auto it = fn_overrides_.rbegin(); it != fn_overrides_.rend(); ++it) {
          if (it->target != call.callee) continue;
          const Term& rep = *it->replacement;
          if (rep.callee) {
            // The replacement sees the original function (and no mocks of it).
            std::vector<FnOverride> saved(fn_overrides_.begin(), fn_overrides_.end());
            fn_overrides_.clear();  // a mock never calls another mock
            Value result;
            try {
              auto grab = [&](const Value& v) -> bool {
                result = v;
                return false;
              };
              if (rep.user_fn) call_function(call, static_cast<const Node*>(rep.callee), args, grab);
              else call_builtin(call, static_cast<const Builtin*>(rep.callee), args, grab);
            } catch (...) {
              fn_overrides_ = saved;
              throw;
            }
            fn_overrides_ = saved;
            if (!result.defined()) return true;
            return with_result(result);
          }
          return with_result(it->value);
        }
        if (call.user_fn) return call_function(call, static_cast<const Node*>(call.callee), args, ValCont(with_result));
        return call_builtin(call, static_cast<const Builtin*>(call.callee), args, ValCont(with_result));
      }
      return eval_term(*call.items[i], [&](const Value& v) -> bool {
        args[i] = v;
        return go(i + 1);
      });
    };
    return go(0);
  }
}

bool Evaluator::call_builtin(const Term& call, const Builtin* b, const std::vector<Value>& args, ValCont k) {
  Value result;
  try {
    result = b->fn(bctx_, args.data(), args.size());
  } catch (const BuiltinError& e) {
    if (opts_.strict_builtin_errors || e.halt || e.code == "eval_conflict_error") {
      throw EvalError{e.code, b->name + ": " + e.message, call.loc};
    }
    return true;
  }
  if (!result.defined()) return true;
  if (b->relation && result.is_array()) {
    for (const auto& r : result.arr())
      if (!k(r)) return false;
    return true;
  }
  return k(result);
}

Value Evaluator::zero_arity_value(const Node* n) {
  const Rule* r = n->rules.empty() ? n->default_rule : n->rules[0];
  if (!r || !r->args.empty()) return Value();
  static const Term kNoCall;
  Value result;
  call_function(kNoCall, n, {}, [&](const Value& v) -> bool {
    result = v;
    return false;
  });
  return result;
}

bool Evaluator::call_function(const Term& call, const Node* fn, const std::vector<Value>& args, ValCont k) {
  Value result;
  for (const Rule* head : fn->rules) {
    for (const Rule* r = head; r; r = r->else_rule.get()) {
      bool matched = false;
      if (r->args.size() != args.size()) break;
      GENESIS_WITH_FRAME(r, {
        std::function<bool(size_t)> bind_args = [&](size_t i) -> bool {
          if (i == args.size()) {
            return eval_rule_body(r, [&]() -> bool {
              return eval_term(*r->value, [&](const Value& v) -> bool {
                matched = true;
                if (result.defined() && !(result == v)) {
                  throw EvalError{"eval_conflict_error",
                                  "functions must not produce multiple outputs for same inputs", r->loc};
                }
                result = v;
                return true;
              });
            });
          }
          return unify_value(*r->args[i], args[i], [&]() -> bool { return bind_args(i + 1); });
        };
        bind_args(0);
      });
      if (matched) break;
    }
  }
  if (!result.defined() && fn->default_rule) {
    const Rule* d = fn->default_rule;
    GENESIS_WITH_FRAME(d, { result = eval_ground(*d->value); });
  }
  (void)call;
  if (!result.defined()) return true;
  return k(result);
}

}  // namespace genesis::policy
