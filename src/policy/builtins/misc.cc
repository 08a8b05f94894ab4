// Membership (`in`), print, walk-free helpers, opa.runtime, trace.
#include "policy/builtins/builtins.h"

namespace genesis::policy {

void register_misc() {
  register_builtin("internal.member_2", 2, [](BuiltinContext&, const Value* a, size_t) {
    const Value& x = a[0];
    const Value& c = a[1];
    switch (c.kind()) {
      case Kind::kSet: return Value::boolean(c.contains(x));
      case Kind::kArray:
        for (const auto& v : c.arr())
          if (v == x) return Value::boolean(true);
        return Value::boolean(false);
      case Kind::kObject:
        for (const auto& kv : c.obj())
          if (kv.second == x) return Value::boolean(true);
        return Value::boolean(false);
      default: return Value::boolean(false);
    }
  });
  register_builtin("internal.member_3", 3, [](BuiltinContext&, const Value* a, size_t) {
    const Value& c = a[2];
    switch (c.kind()) {
      case Kind::kArray: {
        if (!a[0].is_int()) return Value::boolean(false);
        int64_t i = a[0].as_int();
        if (i < 0 || static_cast<size_t>(i) >= c.arr().size()) return Value::boolean(false);
        return Value::boolean(c.arr()[static_cast<size_t>(i)] == a[1]);
      }
      case Kind::kObject: {
        const Value* v = c.get(a[0]);
        return Value::boolean(v && *v == a[1]);
      }
      case Kind::kSet: return Value::boolean(a[0] == a[1] && c.contains(a[0]));
      default: return Value::boolean(false);
    }
  });
  register_builtin("print", -1, [](BuiltinContext& ctx, const Value* a, size_t n) {
    std::string line;
    for (size_t i = 0; i < n; ++i) {
      if (i) line += " ";
      if (!a[i].defined()) line += "<undefined>";
      else if (a[i].is_string()) line += a[i].str();
      else line += to_rego(a[i]);
    }
    if (ctx.print) ctx.print(line);
    return Value::boolean(true);
  });
  register_builtin("trace", 1, [](BuiltinContext&, const Value* a, size_t) {
    arg_string(a, 0);
    return Value::boolean(true);
  });
  register_builtin("opa.runtime", 0, [](BuiltinContext&, const Value*, size_t) {
    return Value::object({{Value::string("env"), Value::empty_object()},
                          {Value::string("version"), Value::string("genesis")}});
  });
}

}  // namespace genesis::policy
