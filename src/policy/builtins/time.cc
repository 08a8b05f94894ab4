// time.*: now_ns, parse_ns (Go layouts), parse_rfc3339_ns, parse_duration_ns,
// date, clock, weekday, add_date, diff, format. Time zones come from the
// system's TZif files (/usr/share/zoneinfo).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

// ---- civil calendar (days since 1970-01-01) ----
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  *y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y += *m <= 2;
}

// ---- time zones ----
struct Zone {
  std::vector<int64_t> times;
  std::vector<int> idx;
  std::vector<int32_t> offs;
  std::vector<std::string> abbrs;
  int32_t offset_at(int64_t t, std::string* abbr) const {
    if (offs.empty()) return 0;
    size_t k = 0;
    if (times.empty() || t < times[0]) {
      k = 0;
    } else {
      size_t lo = 0, hi = times.size();
      while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (times[mid] <= t) lo = mid;
        else hi = mid;
      }
      k = static_cast<size_t>(idx[lo]);
    }
    if (abbr && k < abbrs.size()) *abbr = abbrs[k];
    return offs[k];
  }
};

uint64_t be(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

const Zone* load_zone(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Zone>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  if (name.find("..") != std::string::npos || name.empty() || name[0] == '/') return nullptr;
  std::ifstream in("/usr/share/zoneinfo/" + name, std::ios::binary);
  if (!in) return nullptr;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parse = [&](size_t off, int tsize, size_t* end) -> std::unique_ptr<Zone> {
    if (data.size() < off + 44 || data.compare(off, 4, "TZif") != 0) return nullptr;
    const unsigned char* h = reinterpret_cast<const unsigned char*>(data.data() + off);
    uint64_t isutc = be(h + 20, 4), isstd = be(h + 24, 4), leap = be(h + 28, 4), timecnt = be(h + 32, 4),
             typecnt = be(h + 36, 4), charcnt = be(h + 40, 4);
    size_t p = off + 44;
    size_t need = timecnt * static_cast<uint64_t>(tsize) + timecnt + typecnt * 6 + charcnt +
                  leap * static_cast<uint64_t>(tsize + 4) + isstd + isutc;
    if (data.size() < p + need) return nullptr;
    auto z = std::make_unique<Zone>();
    const unsigned char* d = reinterpret_cast<const unsigned char*>(data.data());
    for (uint64_t i = 0; i < timecnt; ++i) z->times.push_back(static_cast<int64_t>(be(d + p + i * tsize, tsize) << (64 - 8 * tsize)) >> (64 - 8 * tsize));
    p += timecnt * tsize;
    for (uint64_t i = 0; i < timecnt; ++i) z->idx.push_back(d[p + i]);
    p += timecnt;
    std::vector<int> abbr_idx;
    for (uint64_t i = 0; i < typecnt; ++i) {
      z->offs.push_back(static_cast<int32_t>(be(d + p + i * 6, 4)));
      abbr_idx.push_back(d[p + i * 6 + 5]);
    }
    p += typecnt * 6;
    std::string chars = data.substr(p, charcnt);
    for (int ai : abbr_idx) z->abbrs.push_back(std::string(chars.c_str() + std::min<size_t>(static_cast<size_t>(ai), chars.size())));
    p += charcnt + leap * (tsize + 4) + isstd + isutc;
    *end = p;
    return z;
  };
  size_t end = 0;
  auto z = parse(0, 4, &end);
  if (z && data.size() > end && data[4] >= '2') {
    size_t e2;
    if (auto z2 = parse(end, 8, &e2)) z = std::move(z2);
  }
  Zone* out = z.get();
  cache[name] = std::move(z);
  return out;
}

// ---- operands ----
int64_t ns_arg(const Value& v) {
  if (!v.is_number()) type_error(1, "number", v);
  if (v.is_big() || (!v.is_int() && std::fabs(v.as_double()) >= 9.2233720368547758e18)) builtin_error("timestamp too big");
  return v.is_int() ? v.as_int() : static_cast<int64_t>(v.as_double());
}

struct TimeArg {
  int64_t ns = 0;
  std::string tz;
  std::string layout;
};

TimeArg time_arg(const Value& v) {
  TimeArg t;
  if (v.is_number()) {
    t.ns = ns_arg(v);
    return t;
  }
  if (!v.is_array() || v.arr().empty() || v.arr().size() > 3) type_error(1, "one of {number, array}", v);
  t.ns = ns_arg(v.arr()[0]);
  if (v.arr().size() > 1) {
    if (!v.arr()[1].is_string()) type_error(1, "array containing a string time zone", v);
    t.tz = v.arr()[1].str();
  }
  if (v.arr().size() > 2) {
    if (!v.arr()[2].is_string()) type_error(1, "array containing a string layout", v);
    t.layout = v.arr()[2].str();
  }
  return t;
}

int32_t zone_offset(const std::string& tz, int64_t secs, std::string* abbr) {
  if (tz.empty() || tz == "UTC" || tz == "Local") {
    if (abbr) *abbr = "UTC";
    return 0;
  }
  const Zone* z = load_zone(tz);
  if (!z) builtin_error("unknown time zone " + tz);
  return z->offset_at(secs, abbr);
}

struct Civil {
  int64_t y;
  unsigned mo, d;
  int h, mi, s;
  int64_t nanos;
  int wday;  // 0 = Sunday
  int yday;
  int32_t off;
  std::string abbr;
};

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

Civil to_civil(int64_t ns, const std::string& tz) {
  Civil c;
  int64_t secs = floor_div(ns, 1000000000);
  c.nanos = ns - secs * 1000000000;
  c.off = zone_offset(tz, secs, &c.abbr);
  int64_t local = secs + c.off;
  int64_t days = floor_div(local, 86400);
  int64_t rem = local - days * 86400;
  civil_from_days(days, &c.y, &c.mo, &c.d);
  c.h = static_cast<int>(rem / 3600);
  c.mi = static_cast<int>(rem % 3600 / 60);
  c.s = static_cast<int>(rem % 60);
  c.wday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  c.yday = static_cast<int>(days - days_from_civil(c.y, 1, 1)) + 1;
  return c;
}

const char* kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                         "July",    "August",   "September", "October", "November", "December"};

// Checked conversion of (seconds, nanos) to int64 nanoseconds.
Value ns_value(__int128 secs, int64_t nanos) {
  __int128 ns = secs * 1000000000 + nanos;
  if (ns > INT64_MAX || ns < INT64_MIN) builtin_error("time outside of valid range");
  return Value::integer(static_cast<int64_t>(ns));
}

// ---- Go layouts ----
const std::vector<std::string>& layout_tokens() {
  static const std::vector<std::string> t = {
      "January", "Jan", "Monday", "Mon", "2006", "06", "01", "02", "_2", "15", "03", "04", "05", "1", "2", "3", "4", "5",
      "PM", "pm", "MST", "Z07:00:00", "-07:00:00", "Z070000", "-070000", "Z07:00", "-07:00", "Z0700", "-0700", "Z07", "-07",
      ".000000000", ".00000000", ".0000000", ".000000", ".00000", ".0000", ".000", ".00", ".0",
      ".999999999", ".99999999", ".9999999", ".999999", ".99999", ".9999", ".999", ".99", ".9", "002"};
  return t;
}

std::string expand_layout(const std::string& l) {
  static const std::map<std::string, std::string> named = {
      {"ANSIC", "Mon Jan _2 15:04:05 2006"},
      {"UnixDate", "Mon Jan _2 15:04:05 MST 2006"},
      {"RubyDate", "Mon Jan 02 15:04:05 -0700 2006"},
      {"RFC822", "02 Jan 06 15:04 MST"},
      {"RFC822Z", "02 Jan 06 15:04 -0700"},
      {"RFC850", "Monday, 02-Jan-06 15:04:05 MST"},
      {"RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"},
      {"RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"},
      {"RFC3339", "2006-01-02T15:04:05Z07:00"},
      {"RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00"},
      {"Kitchen", "3:04PM"},
      {"Stamp", "Jan _2 15:04:05"},
      {"StampMilli", "Jan _2 15:04:05.000"},
      {"StampMicro", "Jan _2 15:04:05.000000"},
      {"StampNano", "Jan _2 15:04:05.000000000"},
      {"DateTime", "2006-01-02 15:04:05"},
      {"DateOnly", "2006-01-02"},
      {"TimeOnly", "15:04:05"},
  };
  auto it = named.find(l);
  return it == named.end() ? l : it->second;
}

bool match_token(const std::string& l, size_t i, std::string* tok) {
  for (const auto& t : layout_tokens()) {
    if (l.compare(i, t.size(), t) == 0) {
      // ".000" style fractions need digits after the dot only.
      *tok = t;
      return true;
    }
  }
  return false;
}

std::string pad(int64_t v, int w, char c = '0') {
  std::string s = std::to_string(v < 0 ? -v : v);
  while (static_cast<int>(s.size()) < w) s.insert(s.begin(), c);
  return (v < 0 ? "-" : "") + s;
}

std::string format_time(int64_t ns, const std::string& tz, const std::string& layout_in) {
  std::string l = expand_layout(layout_in.empty() ? "RFC3339Nano" : layout_in);
  Civil c = to_civil(ns, tz);
  std::string out;
  for (size_t i = 0; i < l.size();) {
    std::string t;
    if (!match_token(l, i, &t)) {
      out.push_back(l[i++]);
      continue;
    }
    i += t.size();
    if (t == "January") out += kMonths[c.mo - 1];
    else if (t == "Jan") out += std::string(kMonths[c.mo - 1]).substr(0, 3);
    else if (t == "Monday") out += kDays[c.wday];
    else if (t == "Mon") out += std::string(kDays[c.wday]).substr(0, 3);
    else if (t == "2006") out += pad(c.y, 4);
    else if (t == "06") out += pad(c.y % 100, 2);
    else if (t == "01") out += pad(c.mo, 2);
    else if (t == "1") out += std::to_string(c.mo);
    else if (t == "02") out += pad(c.d, 2);
    else if (t == "_2") out += pad(c.d, 2, ' ');
    else if (t == "2") out += std::to_string(c.d);
    else if (t == "002") out += pad(c.yday, 3);
    else if (t == "15") out += pad(c.h, 2);
    else if (t == "03") out += pad(c.h % 12 == 0 ? 12 : c.h % 12, 2);
    else if (t == "3") out += std::to_string(c.h % 12 == 0 ? 12 : c.h % 12);
    else if (t == "04") out += pad(c.mi, 2);
    else if (t == "4") out += std::to_string(c.mi);
    else if (t == "05") out += pad(c.s, 2);
    else if (t == "5") out += std::to_string(c.s);
    else if (t == "PM") out += c.h >= 12 ? "PM" : "AM";
    else if (t == "pm") out += c.h >= 12 ? "pm" : "am";
    else if (t == "MST") out += c.abbr;
    else if (t[0] == 'Z' || t[0] == '-') {
      if (t[0] == 'Z' && c.off == 0) {
        out += "Z";
        continue;
      }
      int32_t o = c.off;
      out += o < 0 ? "-" : "+";
      o = o < 0 ? -o : o;
      std::string body = t.substr(1);
      out += pad(o / 3600, 2);
      if (body == "07:00" || body == "07:00:00") out += ":" + pad(o % 3600 / 60, 2);
      else if (body == "0700" || body == "070000") out += pad(o % 3600 / 60, 2);
      if (body == "07:00:00") out += ":" + pad(o % 60, 2);
      else if (body == "070000") out += pad(o % 60, 2);
    } else if (t[0] == '.') {
      int digits = static_cast<int>(t.size()) - 1;
      std::string frac = pad(c.nanos, 9).substr(0, static_cast<size_t>(digits));
      if (t[1] == '9') {
        while (!frac.empty() && frac.back() == '0') frac.pop_back();
        if (!frac.empty()) out += "." + frac;
      } else {
        out += "." + frac;
      }
    }
  }
  return out;
}

bool read_int(const std::string& s, size_t& i, int min_digits, int max_digits, int64_t* v) {
  size_t st = i;
  bool neg = false;
  int64_t x = 0;
  while (i < s.size() && isdigit(static_cast<unsigned char>(s[i])) && static_cast<int>(i - st) < max_digits) {
    x = x * 10 + (s[i] - '0');
    ++i;
  }
  if (static_cast<int>(i - st) < min_digits) return false;
  *v = neg ? -x : x;
  return true;
}

Value parse_time(const std::string& layout_in, const std::string& s) {
  std::string l = expand_layout(layout_in);
  int64_t y = 1, mo = 1, d = 1, h = 0, mi = 0, sec = 0, nanos = 0;
  int32_t off = 0;
  bool pm = false, have_pm = false;
  size_t i = 0;
  auto fail = [&]() { builtin_error("parsing time \"" + s + "\" as \"" + layout_in + "\": cannot parse"); };
  for (size_t li = 0; li < l.size();) {
    std::string t;
    if (!match_token(l, li, &t)) {
      if (i >= s.size() || s[i] != l[li]) fail();
      ++i;
      ++li;
      continue;
    }
    li += t.size();
    if (t == "2006") { if (!read_int(s, i, 4, 4, &y)) fail(); }
    else if (t == "06") { if (!read_int(s, i, 2, 2, &y)) fail(); y += y >= 69 ? 1900 : 2000; }
    else if (t == "01") { if (!read_int(s, i, 2, 2, &mo)) fail(); }
    else if (t == "1") { if (!read_int(s, i, 1, 2, &mo)) fail(); }
    else if (t == "02") { if (!read_int(s, i, 2, 2, &d)) fail(); }
    else if (t == "_2") { if (i < s.size() && s[i] == ' ') ++i; if (!read_int(s, i, 1, 2, &d)) fail(); }
    else if (t == "2") { if (!read_int(s, i, 1, 2, &d)) fail(); }
    else if (t == "15") { if (!read_int(s, i, 1, 2, &h)) fail(); }
    else if (t == "03" || t == "3") { if (!read_int(s, i, 1, 2, &h)) fail(); }
    else if (t == "04" || t == "4") { if (!read_int(s, i, 1, 2, &mi)) fail(); }
    else if (t == "05" || t == "5") {
      if (!read_int(s, i, 1, 2, &sec)) fail();
      // A fraction may follow seconds even when the layout has none.
      if (i < s.size() && s[i] == '.' && !(li < l.size() && l[li] == '.')) {
        ++i;
        size_t st = i;
        int64_t f = 0;
        while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) {
          if (i - st < 9) f = f * 10 + (s[i] - '0');
          ++i;
        }
        for (size_t k = i - st; k < 9; ++k) f *= 10;
        nanos = f;
      }
    }
    else if (t == "PM" || t == "pm") {
      if (s.compare(i, 2, "PM") == 0 || s.compare(i, 2, "pm") == 0) pm = true;
      else if (!(s.compare(i, 2, "AM") == 0 || s.compare(i, 2, "am") == 0)) fail();
      have_pm = true;
      i += 2;
    }
    else if (t == "January" || t == "Jan") {
      bool ok = false;
      for (int k = 0; k < 12 && !ok; ++k) {
        std::string name = t == "Jan" ? std::string(kMonths[k]).substr(0, 3) : kMonths[k];
        if (s.compare(i, name.size(), name) == 0) { mo = k + 1; i += name.size(); ok = true; }
      }
      if (!ok) fail();
    }
    else if (t == "Monday" || t == "Mon") {
      bool ok = false;
      for (int k = 0; k < 7 && !ok; ++k) {
        std::string name = t == "Mon" ? std::string(kDays[k]).substr(0, 3) : kDays[k];
        if (s.compare(i, name.size(), name) == 0) { i += name.size(); ok = true; }
      }
      if (!ok) fail();
    }
    else if (t == "MST") { while (i < s.size() && isalpha(static_cast<unsigned char>(s[i]))) ++i; }
    else if (t[0] == 'Z' || t[0] == '-') {
      if (t[0] == 'Z' && i < s.size() && s[i] == 'Z') { ++i; continue; }
      if (i >= s.size() || (s[i] != '+' && s[i] != '-')) fail();
      int sign = s[i] == '-' ? -1 : 1;
      ++i;
      int64_t oh = 0, om = 0, os = 0;
      if (!read_int(s, i, 2, 2, &oh)) fail();
      std::string body = t.substr(1);
      if (body == "07:00" || body == "07:00:00") { if (i >= s.size() || s[i] != ':') fail(); ++i; if (!read_int(s, i, 2, 2, &om)) fail(); }
      else if (body == "0700" || body == "070000") { if (!read_int(s, i, 2, 2, &om)) fail(); }
      if (body == "07:00:00") { if (i >= s.size() || s[i] != ':') fail(); ++i; if (!read_int(s, i, 2, 2, &os)) fail(); }
      else if (body == "070000") { if (!read_int(s, i, 2, 2, &os)) fail(); }
      off = static_cast<int32_t>(sign * (oh * 3600 + om * 60 + os));
    }
    else if (t[0] == '.') {
      if (i >= s.size() || s[i] != '.') {
        if (t[1] == '9') continue;
        fail();
      }
      ++i;
      size_t st = i;
      int64_t f = 0;
      while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) {
        if (i - st < 9) f = f * 10 + (s[i] - '0');
        ++i;
      }
      for (size_t k = i - st; k < 9; ++k) f *= 10;
      nanos = f;
    }
  }
  if (i != s.size()) builtin_error("parsing time \"" + s + "\": extra text");
  if (have_pm) {
    if (pm && h < 12) h += 12;
    if (!pm && h == 12) h = 0;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) builtin_error("parsing time \"" + s + "\": value out of range");
  __int128 secs = static_cast<__int128>(days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d))) * 86400 + h * 3600 + mi * 60 + sec - off;
  return ns_value(secs, nanos);
}

Value parse_duration(const std::string& s) {
  if (s.empty()) builtin_error("time: invalid duration \"\"");
  size_t i = 0;
  bool neg = false;
  if (s[i] == '-' || s[i] == '+') neg = s[i++] == '-';
  if (s.substr(i) == "0") return Value::integer(0);
  long double total = 0;
  if (i >= s.size()) builtin_error("time: invalid duration \"" + s + "\"");
  while (i < s.size()) {
    size_t st = i;
    while (i < s.size() && (isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (st == i) builtin_error("time: invalid duration \"" + s + "\"");
    long double v = std::stold(s.substr(st, i - st));
    size_t us = i;
    while (i < s.size() && !isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') ++i;
    std::string unit = s.substr(us, i - us);
    long double mult;
    if (unit == "ns") mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") mult = 1e3L;
    else if (unit == "ms") mult = 1e6L;
    else if (unit == "s") mult = 1e9L;
    else if (unit == "m") mult = 60e9L;
    else if (unit == "h") mult = 3600e9L;
    else if (unit.empty()) builtin_error("time: missing unit in duration \"" + s + "\"");
    else builtin_error("time: unknown unit \"" + unit + "\" in duration \"" + s + "\"");
    total += v * mult;
  }
  if (total > 9.2233720368547758e18L) builtin_error("time: invalid duration \"" + s + "\"");
  return Value::integer(static_cast<int64_t>(neg ? -total : total));
}

int days_in_month(int64_t y, unsigned m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : dm[m - 1];
}

}  // namespace

void register_time() {
  register_builtin("time.now_ns", 0, [](BuiltinContext& ctx, const Value*, size_t) { return Value::integer(ctx.now_ns); });
  register_builtin("time.parse_rfc3339_ns", 1, [](BuiltinContext&, const Value* a, size_t) {
    return parse_time("2006-01-02T15:04:05Z07:00", arg_string(a, 0));
  });
  register_builtin("time.parse_ns", 2, [](BuiltinContext&, const Value* a, size_t) {
    return parse_time(arg_string(a, 0), arg_string(a, 1));
  });
  register_builtin("time.parse_duration_ns", 1, [](BuiltinContext&, const Value* a, size_t) {
    return parse_duration(arg_string(a, 0));
  });
  register_builtin("time.date", 1, [](BuiltinContext&, const Value* a, size_t) {
    TimeArg t = time_arg(a[0]);
    Civil c = to_civil(t.ns, t.tz);
    return Value::array({Value::integer(c.y), Value::integer(c.mo), Value::integer(c.d)});
  });
  register_builtin("time.clock", 1, [](BuiltinContext&, const Value* a, size_t) {
    TimeArg t = time_arg(a[0]);
    Civil c = to_civil(t.ns, t.tz);
    return Value::array({Value::integer(c.h), Value::integer(c.mi), Value::integer(c.s)});
  });
  register_builtin("time.weekday", 1, [](BuiltinContext&, const Value* a, size_t) {
    TimeArg t = time_arg(a[0]);
    return Value::string(kDays[to_civil(t.ns, t.tz).wday]);
  });
  register_builtin("time.format", 1, [](BuiltinContext&, const Value* a, size_t) {
    TimeArg t = time_arg(a[0]);
    return Value::string(format_time(t.ns, t.tz, t.layout));
  });
  register_builtin("time.add_date", 4, [](BuiltinContext&, const Value* a, size_t) {
    int64_t ns = ns_arg(a[0]);
    int64_t dy = arg_int(a, 1), dm = arg_int(a, 2), dd = arg_int(a, 3);
    Civil c = to_civil(ns, "");
    int64_t y = c.y + dy;
    int64_t m = static_cast<int64_t>(c.mo) - 1 + dm;
    y += floor_div(m, 12);
    m = m - floor_div(m, 12) * 12 + 1;
    __int128 days = static_cast<__int128>(days_from_civil(y, static_cast<unsigned>(m), 1)) + (c.d - 1) + dd;
    __int128 secs = days * 86400 + c.h * 3600 + c.mi * 60 + c.s;
    return ns_value(secs, c.nanos);
  });
  register_builtin("time.diff", 2, [](BuiltinContext&, const Value* a, size_t) {
    TimeArg t1 = time_arg(a[0]), t2 = time_arg(a[1]);
    // Both in the first operand's zone, as Go's t2.In(t1.Location()).
    Civil x = to_civil(t1.ns, t1.tz), y = to_civil(t2.ns, t1.tz);
    if (t1.ns > t2.ns) std::swap(x, y);
    // Go's algorithm (as OPA uses it): field-wise differences with borrows.
    int64_t year = y.y - x.y, month = static_cast<int64_t>(y.mo) - x.mo, day = static_cast<int64_t>(y.d) - x.d;
    int64_t hour = y.h - x.h, min = y.mi - x.mi, sec = y.s - x.s;
    if (sec < 0) { sec += 60; --min; }
    if (min < 0) { min += 60; --hour; }
    if (hour < 0) { hour += 24; --day; }
    if (day < 0) {
      day += days_in_month(x.y, x.mo);  // the earlier date's month
      --month;
    }
    if (month < 0) { month += 12; --year; }
    return Value::array({Value::integer(year), Value::integer(month), Value::integer(day), Value::integer(hour),
                         Value::integer(min), Value::integer(sec)});
  });
}

}  // namespace genesis::policy
