// array.concat, array.slice, array.reverse.
#include <algorithm>

#include "policy/builtins/builtins.h"

namespace genesis::policy {

namespace {
void flatten(const Value& v, ValueVec& out) {
  for (const auto& x : v.arr()) {
    if (x.is_array()) out.insert(out.end(), x.arr().begin(), x.arr().end());
    else out.push_back(x);
  }
}
}  // namespace

void register_arrays() {
  register_builtin("array.flatten", 1, [](BuiltinContext&, const Value* a, size_t) {
    ValueVec out;
    flatten(arg_kind(a, 0, Kind::kArray, "array"), out);
    return Value::array(std::move(out));
  });
  register_builtin("array.concat", 2, [](BuiltinContext&, const Value* a, size_t) {
    ValueVec out = arg_kind(a, 0, Kind::kArray, "array").arr();
    const auto& b = arg_kind(a, 1, Kind::kArray, "array").arr();
    out.insert(out.end(), b.begin(), b.end());
    return Value::array(std::move(out));
  });
  register_builtin("array.slice", 3, [](BuiltinContext&, const Value* a, size_t) {
    const auto& arr = arg_kind(a, 0, Kind::kArray, "array").arr();
    int64_t lo = arg_int(a, 1), hi = arg_int(a, 2);
    int64_t n = static_cast<int64_t>(arr.size());
    lo = std::max<int64_t>(0, lo);
    hi = std::min<int64_t>(n, hi);
    if (lo >= hi) return Value::array({});
    return Value::array(ValueVec(arr.begin() + lo, arr.begin() + hi));
  });
  register_builtin("array.reverse", 1, [](BuiltinContext&, const Value* a, size_t) {
    ValueVec out = arg_kind(a, 0, Kind::kArray, "array").arr();
    std::reverse(out.begin(), out.end());
    return Value::array(std::move(out));
  });
}

}  // namespace genesis::policy
