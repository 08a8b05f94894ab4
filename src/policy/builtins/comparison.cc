// Comparison operators: ==, !=, <, <=, >, >= over OPA's total order.
#include "policy/builtins/builtins.h"

namespace genesis::policy {

void register_comparison() {
  register_builtin("equal", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::boolean(a[0] == a[1]); });
  register_builtin("neq", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::boolean(!(a[0] == a[1])); });
  register_builtin("lt", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::boolean(compare(a[0], a[1]) < 0); });
  register_builtin("lte", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::boolean(compare(a[0], a[1]) <= 0); });
  register_builtin("gt", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::boolean(compare(a[0], a[1]) > 0); });
  register_builtin("gte", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::boolean(compare(a[0], a[1]) >= 0); });
}

}  // namespace genesis::policy
