// The top-down evaluator: runs a compiled query against a compiled policy,
// base data and input, with backtracking over variable bindings (a trail of
// bound slots undone on backtrack). Rule values are cached per query; `with`
// modifiers push a fresh cache. Limits (steps, depth, wall time) stop hostile
// policies. Internal to src/policy.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "policy/builtins/builtins.h"
#include "policy/compiler.h"
#include "policy/guard.h"
#include "policy/policy.h"

namespace genesis::policy {

// Thrown inside the evaluator; converted to core::Error at its boundary.
struct EvalError {
  std::string code;
  std::string message;
  Location loc;
};

template <typename Sig>
class FnRef;
// A non-owning reference to a callable (cheaper than std::function).
template <typename R, typename... A>
class FnRef<R(A...)> {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FnRef>>>
  FnRef(F&& f)  // NOLINT(runtime/explicit)
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, A... a) -> R { return (*static_cast<std::remove_reference_t<F>*>(o))(a...); }) {}
  R operator()(A... a) const { return call_(obj_, a...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

using Cont = FnRef<bool()>;
using ValCont = FnRef<bool(const Value&)>;

class Evaluator {
 public:
  Evaluator(const Compiled& policy, const Value& data, const EvalOptions& options);

  core::Result<std::vector<ResultRow>> run(const CompiledQuery& q);

  // For built-ins that evaluate (none yet) and for the rego.metadata built-ins.
  const Rule* current_rule() const { return rule_stack_.empty() ? nullptr : rule_stack_.back(); }
  int64_t now_ns() const { return bctx_.now_ns; }

 private:
  friend struct WithScope;
  // Slots.
  Value& slot(int s) { return slots_[static_cast<size_t>(base_ + s)]; }
  void bind(int s, const Value& v) {
    slots_[static_cast<size_t>(base_ + s)] = v;
    trail_.push_back(base_ + s);
  }
  void undo(size_t mark) {
    while (trail_.size() > mark) {
      slots_[static_cast<size_t>(trail_.back())] = Value();
      trail_.pop_back();
    }
  }
  void step(const Location& loc);

  bool eval_body(const Body& b, size_t i, Cont k);
  bool eval_expr(const Expr& e, Cont k);
  bool eval_expr_plain(const Expr& e, Cont k);
  bool eval_term(const Term& t, ValCont k);
  bool eval_terms(const std::vector<TermPtr>& ts, size_t i, std::vector<Value>& out, Cont k);
  bool eval_unify(const Term& a, const Term& b, Cont k);
  bool unify_value(const Term& pat, const Value& v, Cont k);
  bool eval_ref(const Term& r, ValCont k);
  bool eval_ref_from(const Value& base, const Term& r, size_t i, ValCont k);
  bool eval_data(const Node* n, const Term& r, size_t i, ValCont k);
  bool eval_base_ref(const Value& v, const Term& r, size_t i, ValCont k);
  bool eval_call(const Term& call, ValCont k);
  bool call_function(const Term& call, const Node* fn, const std::vector<Value>& args, ValCont k);
  // The value of a function that takes no arguments, named as a document; undefined otherwise.
  Value zero_arity_value(const Node* n);
  bool call_builtin(const Term& call, const Builtin* b, const std::vector<Value>& args, ValCont k);
  bool eval_every(const Expr& e, Cont k);
  bool eval_some_in(const Expr& e, Cont k);
  bool is_ground(const Term& t);
  Value eval_ground(const Term& t);  // first value or undefined

  // Rules.
  Value complete_value(const Node* n);
  Value node_value(const Node* n);  // full virtual document at n (with base data)
  Value base_at(const Node* n);
  Value set_value(const Node* n);
  Value object_value(const Node* n, const Value* key);
  // a (the part of a partial object's value at child c's path, da levels above
  // its rules' values; -1: none) merged with the document of c's subtree.
  Value merge_child(const Value& a, int da, const Node* c, const Location& loc);
  bool set_contains(const Node* n, const Value& key);
  void candidate_rules(const Node* n, std::vector<const Rule*>& out);
  struct Frame {
    int saved_base;
    size_t saved_trail;
  };
  Frame push_frame(const Rule* r);
  void pop_frame(const Frame& f);
  bool eval_rule_body(const Rule* r, Cont k);
  Value override_at(const Node* n);

  const Compiled& policy_;
  Value data_;
  Value input_;
  EvalOptions opts_;
  BuiltinContext bctx_;
  std::mt19937_64 rng_;

  std::vector<Value> slots_;
  int base_ = 0;
  std::vector<int> trail_;
  std::vector<const Rule*> rule_stack_;
  int depth_ = 0;
  uint64_t steps_ = 0;
  const Location* step_loc_ = nullptr;  // where the last step was (for limit errors)

  struct Cache {
    std::unordered_map<const Node*, Value> complete;
    std::unordered_map<const Node*, Value> full;
  };
  std::vector<Cache> caches_;
  // `with data.x as v` replacements, keyed by node; `with f as g` by callee.
  std::vector<std::pair<const Node*, Value>> data_overrides_;
  struct FnOverride {
    const void* target;
    const Term* replacement;  // a function reference (callee set), or
    Value value;              // the replacement value
  };
  std::vector<FnOverride> fn_overrides_;
  const Body* query_body_ = nullptr;
  std::vector<Value> captured_;  // values of query-level term expressions
};

}  // namespace genesis::policy
