// net.cidr_contains, cidr_intersects, cidr_is_valid, cidr_expand, cidr_merge,
// cidr_contains_matches. IPv4 and IPv6; addresses as 128-bit integers.
#include <arpa/inet.h>

#include <algorithm>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

using U128 = unsigned __int128;

struct Net {
  bool v6 = false;
  U128 addr = 0;  // network address
  int bits = 0;   // prefix length
  int width() const { return v6 ? 128 : 32; }
  U128 mask() const {
    if (bits == 0) return 0;
    U128 all = v6 ? ~static_cast<U128>(0) : static_cast<U128>(0xFFFFFFFFu);
    return (all << (width() - bits)) & all;
  }
  U128 last() const {
    U128 all = v6 ? ~static_cast<U128>(0) : static_cast<U128>(0xFFFFFFFFu);
    return addr | (~mask() & all);
  }
};

bool parse_ip(const std::string& s, Net* n) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    n->v6 = false;
    n->addr = (static_cast<U128>(buf[0]) << 24) | (buf[1] << 16) | (buf[2] << 8) | buf[3];
    n->bits = 32;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    n->v6 = true;
    n->addr = 0;
    for (int i = 0; i < 16; ++i) n->addr = (n->addr << 8) | buf[i];
    n->bits = 128;
    // IPv4-mapped addresses behave as IPv4 (Go's net package).
    if ((n->addr >> 32) == 0xFFFF) {
      n->v6 = false;
      n->addr &= 0xFFFFFFFFu;
      n->bits = 32;
    }
    return true;
  }
  return false;
}

bool parse_cidr(const std::string& s, Net* n, bool keep_host = false) {
  size_t slash = s.find('/');
  if (slash == std::string::npos) return false;
  if (!parse_ip(s.substr(0, slash), n)) return false;
  std::string b = s.substr(slash + 1);
  if (b.empty() || b.size() > 3) return false;
  for (char c : b)
    if (!isdigit(static_cast<unsigned char>(c))) return false;
  int bits = std::stoi(b);
  bool mapped = s.find(':') != std::string::npos && !n->v6;
  if (mapped) bits -= 96;
  if (bits < 0 || bits > n->width()) return false;
  n->bits = bits;
  if (!keep_host) n->addr &= n->mask();
  return true;
}

std::string ip_string(const Net& n, U128 a) {
  char buf[64];
  if (!n.v6) {
    unsigned x = static_cast<unsigned>(a);
    snprintf(buf, sizeof buf, "%u.%u.%u.%u", x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255);
    return buf;
  }
  unsigned char b[16];
  for (int i = 15; i >= 0; --i) {
    b[i] = static_cast<unsigned char>(a & 255);
    a >>= 8;
  }
  inet_ntop(AF_INET6, b, buf, sizeof buf);
  return buf;
}

Net cidr_arg(const Value* a, int i) {
  Net n;
  if (!parse_cidr(arg_string(a, i), &n)) builtin_error("invalid CIDR address: " + a[i].str());
  return n;
}

// A CIDR or a plain IP (a /32 or /128).
bool parse_cidr_or_ip(const std::string& s, Net* n) {
  if (s.find('/') != std::string::npos) return parse_cidr(s, n);
  return parse_ip(s, n);
}

bool contains(const Net& outer, const Net& inner) {
  if (outer.v6 != inner.v6) return false;
  return inner.bits >= outer.bits && (inner.addr & outer.mask()) == outer.addr;
}

// Elements of a cidr_contains_matches operand: key -> string.
void match_items(const Value& v, int operand, std::vector<std::pair<Value, std::string>>& out) {
  auto elem = [&](const Value& key, const Value& x) {
    if (x.is_string()) {
      out.emplace_back(key, x.str());
    } else if (x.is_array() && !x.arr().empty() && x.arr()[0].is_string()) {
      out.emplace_back(key, x.arr()[0].str());
    } else {
      builtin_error("operand " + std::to_string(operand) + ": element must be string or non-empty array");
    }
  };
  switch (v.kind()) {
    case Kind::kString: out.emplace_back(v, v.str()); break;
    case Kind::kArray:
      for (size_t i = 0; i < v.arr().size(); ++i) elem(Value::integer(static_cast<int64_t>(i)), v.arr()[i]);
      break;
    case Kind::kSet:
      for (const auto& x : v.set_items()) elem(x, x);
      break;
    case Kind::kObject:
      for (const auto& [k, x] : v.obj()) elem(k, x);
      break;
    default:
      throw BuiltinError{"eval_type_error", "operand " + std::to_string(operand) + " must be one of {string, array, set, object} but got " + v.type_name()};
  }
}

}  // namespace

void register_net() {
  register_builtin("net.cidr_contains", 2, [](BuiltinContext&, const Value* a, size_t) {
    Net outer = cidr_arg(a, 0);
    Net inner;
    if (!parse_cidr_or_ip(arg_string(a, 1), &inner)) builtin_error("invalid IP address or CIDR: " + a[1].str());
    return Value::boolean(contains(outer, inner));
  });
  register_builtin("net.cidr_intersects", 2, [](BuiltinContext&, const Value* a, size_t) {
    Net x = cidr_arg(a, 0), y = cidr_arg(a, 1);
    return Value::boolean(x.v6 == y.v6 && (contains(x, y) || contains(y, x)));
  });
  register_builtin("net.cidr_is_valid", 1, [](BuiltinContext&, const Value* a, size_t) {
    Net n;
    return Value::boolean(a[0].is_string() && parse_cidr(a[0].str(), &n));
  });
  register_builtin("net.cidr_expand", 1, [](BuiltinContext&, const Value* a, size_t) {
    Net n;
    if (!parse_cidr(arg_string(a, 0), &n)) builtin_error("invalid CIDR address: " + a[0].str());
    if (n.width() - n.bits > 20) builtin_error("CIDR too large to expand");
    ValueVec out;
    for (U128 x = n.addr;; ++x) {
      out.push_back(Value::string(ip_string(n, x)));
      if (x == n.last()) break;
    }
    return Value::set(std::move(out));
  });
  register_builtin("net.cidr_merge", 1, [](BuiltinContext&, const Value* a, size_t) {
    if (!a[0].is_array() && !a[0].is_set()) type_error(1, "one of {array, set}", a[0]);
    std::vector<Net> nets;
    for (const auto& v : a[0].arr()) {
      if (!v.is_string()) type_error(1, "array of strings", v);
      Net n;
      if (v.str().find('/') == std::string::npos) {
        if (!parse_ip(v.str(), &n)) builtin_error("IP address invalid: " + v.str());
        if (n.v6) throw BuiltinError{"eval_builtin_error", "IPv6 invalid: needs prefix length", true};
        // A bare IPv4 address stands for its classful network (Go's DefaultMask).
        unsigned first = static_cast<unsigned>(n.addr >> 24);
        n.bits = first < 128 ? 8 : first < 192 ? 16 : 24;
        n.addr &= n.mask();
      } else if (!parse_cidr(v.str(), &n)) {
        builtin_error("IP address invalid: " + v.str());
      }
      nets.push_back(n);
    }
    // Sort, drop contained, merge siblings until stable.
    bool changed = true;
    while (changed) {
      changed = false;
      std::sort(nets.begin(), nets.end(), [](const Net& x, const Net& y) {
        if (x.v6 != y.v6) return !x.v6;
        if (x.addr != y.addr) return x.addr < y.addr;
        return x.bits < y.bits;
      });
      std::vector<Net> out;
      for (const auto& n : nets) {
        if (!out.empty() && contains(out.back(), n)) {
          changed = changed || !(out.back().bits == n.bits && out.back().addr == n.addr) || true;
          continue;
        }
        if (!out.empty() && out.back().v6 == n.v6 && out.back().bits == n.bits && n.bits > 0) {
          Net parent = n;
          parent.bits = n.bits - 1;
          parent.addr = n.addr & parent.mask();
          if (parent.addr == out.back().addr) {
            out.back() = parent;
            changed = true;
            continue;
          }
        }
        out.push_back(n);
      }
      if (out.size() == nets.size()) changed = false;
      nets = std::move(out);
    }
    ValueVec out;
    for (const auto& n : nets) out.push_back(Value::string(ip_string(n, n.addr) + "/" + std::to_string(n.bits)));
    return Value::set(std::move(out));
  });
  register_builtin("net.cidr_contains_matches", 2, [](BuiltinContext&, const Value* a, size_t) {
    std::vector<std::pair<Value, std::string>> cidrs, items;
    match_items(a[0], 1, cidrs);
    match_items(a[1], 2, items);
    ValueVec out;
    for (const auto& [ck, cs] : cidrs) {
      Net c;
      if (!parse_cidr(cs, &c)) builtin_error("invalid CIDR address: " + cs);
      for (const auto& [ik, is] : items) {
        Net n;
        if (!parse_cidr_or_ip(is, &n)) builtin_error("invalid IP address or CIDR: " + is);
        if (contains(c, n)) out.push_back(Value::array({ck, ik}));
      }
    }
    return Value::set(std::move(out));
  });
}

}  // namespace genesis::policy
