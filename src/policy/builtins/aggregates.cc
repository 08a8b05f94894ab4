// count, sum, product, max, min, sort.
#include <algorithm>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

const ValueVec& collection(const Value* a, int i, const char* want) {
  if (!a[i].is_array() && !a[i].is_set()) type_error(i + 1, want, a[i]);
  return a[i].arr();
}

Value sum(BuiltinContext&, const Value* a, size_t) {
  const auto& items = collection(a, 0, "one of {array, set}");
  __int128 acc = 0;
  bool exact = true;
  double d = 0;
  for (const auto& x : items) {
    if (!x.is_number()) throw BuiltinError{"eval_type_error", "operand 1 must be one of {array, set} containing numbers"};
    __int128 v;
    if (exact && x.is_integral() && x.to_i128(&v) && !__builtin_add_overflow(acc, v, &acc)) {
    } else {
      exact = false;
    }
    d += x.as_double();
  }
  return exact ? Value::from_i128(acc) : Value::number(d);
}

Value product(BuiltinContext&, const Value* a, size_t) {
  const auto& items = collection(a, 0, "one of {array, set}");
  __int128 acc = 1;
  bool exact = true;
  double d = 1;
  for (const auto& x : items) {
    if (!x.is_number()) throw BuiltinError{"eval_type_error", "operand 1 must be one of {array, set} containing numbers"};
    __int128 v;
    if (exact && x.is_integral() && x.to_i128(&v) && !__builtin_mul_overflow(acc, v, &acc)) {
    } else {
      exact = false;
    }
    d *= x.as_double();
  }
  return exact ? Value::from_i128(acc) : Value::number(d);
}

}  // namespace

void register_aggregates() {
  register_builtin("count", 1, [](BuiltinContext&, const Value* a, size_t) {
    switch (a[0].kind()) {
      case Kind::kString: {
        // Go's utf8.RuneCountInString: an invalid byte counts as one rune.
        const std::string& s = a[0].str();
        int64_t n = 0;
        for (size_t i = 0; i < s.size(); ++n) {
          unsigned char c = static_cast<unsigned char>(s[i]);
          size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
          bool ok = len > 0 && i + len <= s.size() && !(c == 0xC0 || c == 0xC1 || c > 0xF4);
          for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
          if (ok && len == 3) {
            unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
            if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) ok = false;
          }
          if (ok && len == 4) {
            unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
            if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) ok = false;
          }
          i += ok ? len : 1;
        }
        return Value::integer(n);
      }
      case Kind::kArray:
      case Kind::kSet:
      case Kind::kObject: return Value::integer(static_cast<int64_t>(a[0].size()));
      default: type_error(1, "one of {array, object, set, string}", a[0]);
    }
  });
  register_builtin("sum", 1, sum);
  register_builtin("product", 1, product);
  register_builtin("max", 1, [](BuiltinContext&, const Value* a, size_t) {
    const auto& items = collection(a, 0, "one of {array, set}");
    if (items.empty()) return Value();
    return *std::max_element(items.begin(), items.end(), [](const Value& x, const Value& y) { return compare(x, y) < 0; });
  });
  register_builtin("min", 1, [](BuiltinContext&, const Value* a, size_t) {
    const auto& items = collection(a, 0, "one of {array, set}");
    if (items.empty()) return Value();
    return *std::min_element(items.begin(), items.end(), [](const Value& x, const Value& y) { return compare(x, y) < 0; });
  });
  register_builtin("sort", 1, [](BuiltinContext&, const Value* a, size_t) {
    ValueVec items = collection(a, 0, "one of {array, set}");
    std::stable_sort(items.begin(), items.end(), [](const Value& x, const Value& y) { return compare(x, y) < 0; });
    return Value::array(std::move(items));
  });
}

}  // namespace genesis::policy
