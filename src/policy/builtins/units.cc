// units.parse ("10Ki", "500m", "1e3M") and units.parse_bytes ("10KiB", "1.5gb").
#include <cctype>
#include <cmath>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

struct Decimal {
  __int128 mant = 0;
  int exp10 = 0;
};

bool parse_decimal(const std::string& s, Decimal* d) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  bool digits = false, dot = false;
  for (; i < s.size() && (isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.'); ++i) {
    if (s[i] == '.') {
      if (dot) return false;
      dot = true;
      continue;
    }
    digits = true;
    if (d->mant > (static_cast<__int128>(1) << 100)) return false;
    d->mant = d->mant * 10 + (s[i] - '0');
    if (dot) --d->exp10;
  }
  if (!digits) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
    int e = 0;
    bool ed = false;
    for (; i < s.size() && isdigit(static_cast<unsigned char>(s[i])); ++i) {
      e = e * 10 + (s[i] - '0');
      ed = true;
      if (e > 400) return false;
    }
    if (!ed) return false;
    d->exp10 += eneg ? -e : e;
  }
  if (i != s.size()) return false;
  if (neg) d->mant = -d->mant;
  return true;
}

// Splits "1.5e3Ki" into number "1.5e3" and unit "Ki".
void split_amount(const std::string& s, std::string* num, std::string* unit) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  while (i < s.size() && (isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
    if (j < s.size() && isdigit(static_cast<unsigned char>(s[j]))) {
      i = j;
      while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i;
    }
  }
  *num = s.substr(0, i);
  *unit = s.substr(i);
}

// value = d * base^power (base 10 or 1024); exact when integral.
Value scale(const Decimal& d, int base, int power, int extra_exp10, bool truncate) {
  __int128 m = d.mant;
  int e10 = d.exp10 + extra_exp10;
  bool ok = true;
  for (int k = 0; k < power && ok; ++k) ok = !__builtin_mul_overflow(m, static_cast<__int128>(base), &m);
  while (ok && e10 > 0) {
    ok = !__builtin_mul_overflow(m, static_cast<__int128>(10), &m);
    --e10;
  }
  if (ok) {
    __int128 div = 1;
    bool dok = true;
    for (int k = 0; k < -e10 && dok; ++k) dok = !__builtin_mul_overflow(div, static_cast<__int128>(10), &div);
    if (dok) {
      if (m % div == 0 || truncate) return Value::from_i128(m / div);
      return Value::number(static_cast<double>(m) / static_cast<double>(div));
    }
  }
  double v = static_cast<double>(d.mant) * std::pow(10.0, d.exp10 + extra_exp10) * std::pow(base, power);
  return Value::number(truncate ? std::trunc(v) : v);
}

std::string strip_quotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

Value parse_units(BuiltinContext&, const Value* a, size_t) {
  std::string s = strip_quotes(arg_string(a, 0));
  if (s.find(' ') != std::string::npos) builtin_error("spaces not allowed in resource strings");
  std::string num, unit;
  split_amount(s, &num, &unit);
  if (num.empty() || num == "-" || num == "+") builtin_error("no amount provided");
  Decimal d;
  if (!parse_decimal(num, &d)) builtin_error("could not parse amount to a number");
  if (unit == "m") return scale(d, 10, 0, -3, false);
  std::string u;
  for (char c : unit) u.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  static const char* kNames = "kmgtpe";
  if (u.empty()) return scale(d, 10, 0, 0, false);
  size_t p = std::string(kNames).find(u[0]);
  if (p == std::string::npos || u.size() > 2 || (u.size() == 2 && u[1] != 'i')) builtin_error("unknown unit");
  int power = static_cast<int>(p) + 1;
  if (u.size() == 2) return scale(d, 1024, power, 0, false);
  return scale(d, 10, 0, 3 * power, false);
}

Value parse_bytes(BuiltinContext&, const Value* a, size_t) {
  std::string s = strip_quotes(arg_string(a, 0));
  if (s.find(' ') != std::string::npos) builtin_error("spaces not allowed in resource strings");
  std::string num, unit;
  split_amount(s, &num, &unit);
  if (num.empty() || num == "-" || num == "+") builtin_error("no byte amount provided");
  Decimal d;
  if (!parse_decimal(num, &d)) builtin_error("could not parse byte amount to a number");
  std::string u;
  for (char c : unit) u.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (!u.empty() && u.back() == 'b') u.pop_back();
  if (u.empty()) return scale(d, 10, 0, 0, true);
  static const char* kNames = "kmgtpe";
  size_t p = std::string(kNames).find(u[0]);
  if (p == std::string::npos || u.size() > 2 || (u.size() == 2 && u[1] != 'i')) builtin_error("byte unit not recognized");
  int power = static_cast<int>(p) + 1;
  if (u.size() == 2) return scale(d, 1024, power, 0, true);
  return scale(d, 10, 0, 3 * power, true);
}

}  // namespace

void register_units() {
  register_builtin("units.parse", 1, parse_units);
  register_builtin("units.parse_bytes", 1, parse_bytes);
}

}  // namespace genesis::policy
