// bits.and, bits.or, bits.xor, bits.negate, bits.lsh, bits.rsh (integers).
#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

__int128 int_arg(const Value* a, int i) {
  const Value& v = arg_number(a, i);
  __int128 x;
  if (!v.is_integral() || !v.to_i128(&x))
    throw BuiltinError{"eval_type_error", "operand " + std::to_string(i + 1) + " must be integer number but got floating-point number"};
  return x;
}

}  // namespace

void register_bits() {
  register_builtin("bits.and", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::from_i128(int_arg(a, 0) & int_arg(a, 1)); });
  register_builtin("bits.or", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::from_i128(int_arg(a, 0) | int_arg(a, 1)); });
  register_builtin("bits.xor", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::from_i128(int_arg(a, 0) ^ int_arg(a, 1)); });
  register_builtin("bits.negate", 1, [](BuiltinContext&, const Value* a, size_t) { return Value::from_i128(~int_arg(a, 0)); });
  register_builtin("bits.lsh", 2, [](BuiltinContext&, const Value* a, size_t) {
    __int128 x = int_arg(a, 0), s = int_arg(a, 1);
    if (s < 0) throw BuiltinError{"eval_type_error", "operand 2 must be an unsigned integer number but got a negative integer"};
    if (s >= 126) builtin_error("shift too large");
    __int128 r;
    if (__builtin_mul_overflow(x, static_cast<__int128>(1) << static_cast<int>(s), &r)) builtin_error("shift overflow");
    return Value::from_i128(r);
  });
  register_builtin("bits.rsh", 2, [](BuiltinContext&, const Value* a, size_t) {
    __int128 x = int_arg(a, 0), s = int_arg(a, 1);
    if (s < 0) throw BuiltinError{"eval_type_error", "operand 2 must be an unsigned integer number but got a negative integer"};
    if (s >= 127) return Value::integer(x < 0 ? -1 : 0);
    return Value::from_i128(x >> static_cast<int>(s));
  });
}

}  // namespace genesis::policy
