// Set operators and functions: and (&), or (|), intersection, union.
#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

Value set_and(const Value& a, const Value& b) {
  ValueVec out;
  for (const auto& x : a.set_items())
    if (b.contains(x)) out.push_back(x);
  return Value::set(std::move(out));
}

Value set_or(const Value& a, const Value& b) {
  ValueVec out = a.set_items();
  out.insert(out.end(), b.set_items().begin(), b.set_items().end());
  return Value::set(std::move(out));
}

const ValueVec& set_of_sets(const Value* a) {
  if (!a[0].is_set()) type_error(1, "set of sets", a[0]);
  for (const auto& s : a[0].set_items())
    if (!s.is_set()) throw BuiltinError{"eval_type_error", "operand 1 must be set of sets but got set containing " + std::string(s.type_name())};
  return a[0].set_items();
}

}  // namespace

void register_sets() {
  register_builtin("and", 2, [](BuiltinContext&, const Value* a, size_t) {
    return set_and(arg_kind(a, 0, Kind::kSet, "set"), arg_kind(a, 1, Kind::kSet, "set"));
  });
  register_builtin("or", 2, [](BuiltinContext&, const Value* a, size_t) {
    return set_or(arg_kind(a, 0, Kind::kSet, "set"), arg_kind(a, 1, Kind::kSet, "set"));
  });
  register_builtin("intersection", 1, [](BuiltinContext&, const Value* a, size_t) {
    const auto& sets = set_of_sets(a);
    if (sets.empty()) return Value::empty_set();
    Value acc = sets[0];
    for (size_t i = 1; i < sets.size(); ++i) acc = set_and(acc, sets[i]);
    return acc;
  });
  register_builtin("union", 1, [](BuiltinContext&, const Value* a, size_t) {
    ValueVec out;
    for (const auto& s : set_of_sets(a)) out.insert(out.end(), s.set_items().begin(), s.set_items().end());
    return Value::set(std::move(out));
  });
}

}  // namespace genesis::policy
