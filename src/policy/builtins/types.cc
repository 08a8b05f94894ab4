// is_* type tests, type_name, to_number.
#include <cstdlib>

#include "policy/builtins/builtins.h"

namespace genesis::policy {

void register_types() {
  register_builtin("is_number", 1, [](BuiltinContext&, const Value* a, size_t) { return a[0].is_number() ? Value::boolean(true) : Value::boolean(false); });
  register_builtin("is_string", 1, [](BuiltinContext&, const Value* a, size_t) { return a[0].is_string() ? Value::boolean(true) : Value::boolean(false); });
  register_builtin("is_boolean", 1, [](BuiltinContext&, const Value* a, size_t) { return a[0].is_bool() ? Value::boolean(true) : Value::boolean(false); });
  register_builtin("is_array", 1, [](BuiltinContext&, const Value* a, size_t) { return a[0].is_array() ? Value::boolean(true) : Value::boolean(false); });
  register_builtin("is_set", 1, [](BuiltinContext&, const Value* a, size_t) { return a[0].is_set() ? Value::boolean(true) : Value::boolean(false); });
  register_builtin("is_object", 1, [](BuiltinContext&, const Value* a, size_t) { return a[0].is_object() ? Value::boolean(true) : Value::boolean(false); });
  register_builtin("is_null", 1, [](BuiltinContext&, const Value* a, size_t) { return a[0].is_null() ? Value::boolean(true) : Value::boolean(false); });
  register_builtin("type_name", 1, [](BuiltinContext&, const Value* a, size_t) { return Value::string(a[0].type_name()); });
  register_builtin("to_number", 1, [](BuiltinContext&, const Value* a, size_t) {
    switch (a[0].kind()) {
      case Kind::kNull: return Value::integer(0);
      case Kind::kBool: return Value::integer(a[0].as_bool() ? 1 : 0);
      case Kind::kNumber: return a[0];
      case Kind::kString: {
        const std::string& s = a[0].str();
        auto parsed = parse_json(s);
        if (parsed.ok() && parsed->is_number()) return *parsed;
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        std::string low;
        for (char ch : s) low.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
        if (low.find("nan") != std::string::npos || low.find("inf") != std::string::npos)
          throw BuiltinError{"eval_type_error", "operand 1 must be a valid number string but got " + s};
        if (s.empty() || end != s.c_str() + s.size() || low.find('x') != std::string::npos || low.find('_') != std::string::npos)
          builtin_error("invalid syntax");
        return Value::number(d);
      }
      default: type_error(1, "one of {boolean, null, number, string}", a[0]);
    }
  });
}

}  // namespace genesis::policy
