// Arithmetic (plus, minus, mul, div, rem, abs, round, ceil, floor) and
// numbers.range. Integers stay exact up to 128 bits; beyond that, doubles.
#include <cmath>

#include "policy/builtins/builtins.h"
#include "policy/guard.h"

namespace genesis::policy {
namespace {

bool both_int(const Value& a, const Value& b, __int128* x, __int128* y) {
  return a.is_integral() && b.is_integral() && a.to_i128(x) && b.to_i128(y);
}

Value arith(const Value* a, int op) {
  // minus on sets is set difference
  if (op == 1 && a[0].is_set() && a[1].is_set()) {
    ValueVec out;
    for (const auto& x : a[0].set_items())
      if (!a[1].contains(x)) out.push_back(x);
    return Value::set(std::move(out));
  }
  if (op == 1 && a[0].is_set()) type_error(2, "set", a[1]);
  if (!a[0].is_number()) type_error(1, op == 1 ? "one of {number, set}" : "number", a[0]);
  if (!a[1].is_number()) type_error(2, "number", a[1]);
  __int128 x, y, r;
  if (both_int(a[0], a[1], &x, &y)) {
    bool ovf = false;
    switch (op) {
      case 0: ovf = __builtin_add_overflow(x, y, &r); break;
      case 1: ovf = __builtin_sub_overflow(x, y, &r); break;
      case 2: ovf = __builtin_mul_overflow(x, y, &r); break;
    }
    if (!ovf) return Value::from_i128(r);
  }
  double p = a[0].as_double(), q = a[1].as_double();
  switch (op) {
    case 0: return Value::number(p + q);
    case 1: return Value::number(p - q);
    default: return Value::number(p * q);
  }
}

Value div(BuiltinContext&, const Value* a, size_t) {
  if (!a[0].is_number()) type_error(1, "number", a[0]);
  if (!a[1].is_number()) type_error(2, "number", a[1]);
  if (a[1].as_double() == 0) builtin_error("divide by zero");
  __int128 x, y;
  if (both_int(a[0], a[1], &x, &y) && x % y == 0) return Value::from_i128(x / y);
  return Value::number(a[0].as_double() / a[1].as_double());
}

Value rem(BuiltinContext&, const Value* a, size_t) {
  if (!a[0].is_number()) type_error(1, "number", a[0]);
  if (!a[1].is_number()) type_error(2, "number", a[1]);
  __int128 x, y;
  if (!both_int(a[0], a[1], &x, &y)) builtin_error("modulo on floating-point number");
  if (y == 0) builtin_error("modulo by zero");
  return Value::from_i128(x % y);
}

Value unary(const Value* a, double (*f)(double)) {
  const Value& v = arg_number(a, 0);
  if (v.is_integral()) {
    if (f == static_cast<double (*)(double)>(std::fabs)) {
      __int128 x;
      if (v.to_i128(&x)) return Value::from_i128(x < 0 ? -x : x);
    }
    return v;
  }
  return Value::number(f(v.as_double()));
}

double round_half_away(double d) { return std::round(d); }

Value range(BuiltinContext&, const Value* a, size_t n) {
  const Value& lo = arg_number(a, 0);
  const Value& hi = arg_number(a, 1);
  if (!lo.is_integral()) throw BuiltinError{"eval_type_error", "operand 1 must be integer number but got floating-point number"};
  if (!hi.is_integral()) throw BuiltinError{"eval_type_error", "operand 2 must be integer number but got floating-point number"};
  int64_t step = 1;
  if (n == 3) {
    const Value& s = arg_number(a, 2);
    if (!s.is_integral()) builtin_error("step must be a positive integer");
    double sd = s.as_double();
    if (sd <= 0) builtin_error("step must be a positive integer");
    step = sd > 9.0e18 ? INT64_MAX / 2 : static_cast<int64_t>(sd);
  }
  int64_t x = static_cast<int64_t>(lo.as_double()), y = static_cast<int64_t>(hi.as_double());
  int64_t count = (x <= y ? (y - x) : (x - y)) / step + 1;
  auto overflow_add = [](int64_t p, int64_t q) { int64_t r; return __builtin_add_overflow(p, q, &r); };
  if (count > 10'000'000) builtin_error("range too large");
  EvalGuard::charge(static_cast<uint64_t>(count) * sizeof(Value));
  ValueVec out;
  out.reserve(static_cast<size_t>(count));
  if (x <= y) {
    for (int64_t i = x; i <= y; i += step) {
      out.push_back(Value::integer(i));
      if (overflow_add(i, step)) break;
    }
  } else {
    for (int64_t i = x; i >= y; i -= step) {
      out.push_back(Value::integer(i));
      if (overflow_add(i, -step)) break;
    }
  }
  return Value::array(std::move(out));
}

}  // namespace

void register_numbers() {
  register_builtin("plus", 2, [](BuiltinContext&, const Value* a, size_t) { return arith(a, 0); });
  register_builtin("minus", 2, [](BuiltinContext&, const Value* a, size_t) { return arith(a, 1); });
  register_builtin("mul", 2, [](BuiltinContext&, const Value* a, size_t) { return arith(a, 2); });
  register_builtin("div", 2, div);
  register_builtin("rem", 2, rem);
  register_builtin("abs", 1, [](BuiltinContext&, const Value* a, size_t) { return unary(a, std::fabs); });
  register_builtin("round", 1, [](BuiltinContext&, const Value* a, size_t) { return unary(a, round_half_away); });
  register_builtin("ceil", 1, [](BuiltinContext&, const Value* a, size_t) { return unary(a, std::ceil); });
  register_builtin("floor", 1, [](BuiltinContext&, const Value* a, size_t) { return unary(a, std::floor); });
  register_builtin("numbers.range", 2, range);
  register_builtin("numbers.range_step", 3, range);
}

}  // namespace genesis::policy
