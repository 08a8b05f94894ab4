// uuid.rfc4122 (random v4, stable per key within one query) and uuid.parse.
#include <cctype>
#include <cstdio>

#include "policy/builtins/builtins.h"
#include "policy/eval.h"

namespace genesis::policy {

void register_uuid() {
  register_builtin("uuid.rfc4122", 1, [](BuiltinContext& ctx, const Value* a, size_t) {
    const std::string& key = arg_string(a, 0);
    auto it = ctx.memo.find("uuid:" + key);
    if (it != ctx.memo.end()) return it->second;
    if (ctx.sandbox) builtin_error("uuid.rfc4122 is not allowed in sandboxed mode");
    uint64_t hi = (*ctx.rng)(), lo = (*ctx.rng)();
    hi = (hi & ~0xF000ull) | 0x4000ull;
    lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
    char buf[40];
    snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
             static_cast<unsigned long long>((hi >> 16) & 0xFFFF), static_cast<unsigned long long>(hi & 0xFFFF),
             static_cast<unsigned long long>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
    Value v = Value::string(buf);
    ctx.memo["uuid:" + key] = v;
    return v;
  });
  register_builtin("uuid.parse", 1, [](BuiltinContext&, const Value* a, size_t) -> Value {
    std::string s = arg_string(a, 0);
    if (s.rfind("urn:uuid:", 0) == 0) s = s.substr(9);
    if (s.size() == 38 && s.front() == '{' && s.back() == '}') s = s.substr(1, 36);
    std::string hex;
    if (s.size() == 36) {
      if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return Value();
      for (size_t i = 0; i < s.size(); ++i)
        if (i != 8 && i != 13 && i != 18 && i != 23) hex.push_back(s[i]);
    } else if (s.size() == 32) {
      hex = s;
    } else {
      return Value();
    }
    unsigned char b[16];
    for (int i = 0; i < 16; ++i) {
      if (!isxdigit(static_cast<unsigned char>(hex[2 * i])) || !isxdigit(static_cast<unsigned char>(hex[2 * i + 1]))) return Value();
      b[i] = static_cast<unsigned char>(std::stoi(hex.substr(2 * static_cast<size_t>(i), 2), nullptr, 16));
    }
    int version = b[6] >> 4;
    std::string variant;
    if ((b[8] & 0x80) == 0) variant = "Reserved, NCS backward compatibility";
    else if ((b[8] & 0xC0) == 0x80) variant = "RFC4122";
    else if ((b[8] & 0xE0) == 0xC0) variant = "Reserved, Microsoft Corporation backward compatibility";
    else variant = "Reserved, future definition";
    ObjectItems out = {{Value::string("version"), Value::integer(version)}, {Value::string("variant"), Value::string(variant)}};
    if (version == 1 || version == 2) {
      uint64_t tl = (static_cast<uint64_t>(b[0]) << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
      uint64_t tm = (static_cast<uint64_t>(b[4]) << 8) | b[5];
      uint64_t th = ((static_cast<uint64_t>(b[6]) << 8) | b[7]) & 0x0FFF;
      uint64_t t = (th << 48) | (tm << 32) | tl;
      // 100ns intervals since 1582-10-15 -> Unix nanoseconds.
      int64_t unix_ns = (static_cast<int64_t>(t) - 122192928000000000LL) * 100;
      out.emplace_back(Value::string("time"), Value::integer(unix_ns));
      int clock = ((b[8] & 0x3F) << 8) | b[9];
      out.emplace_back(Value::string("clocksequence"), Value::integer(clock));
      char node[32];
      snprintf(node, sizeof node, "%02x-%02x-%02x-%02x-%02x-%02x", b[10], b[11], b[12], b[13], b[14], b[15]);
      out.emplace_back(Value::string("nodeid"), Value::string(node));
      std::string mac = (b[10] & 2) ? "local" : "global";
      mac += (b[10] & 1) ? ":multicast" : ":unicast";
      out.emplace_back(Value::string("macvariables"), Value::string(mac));
      if (version == 2) {
        int64_t id = static_cast<int64_t>(tl);
        out.emplace_back(Value::string("id"), Value::integer(id));
        const char* dom = b[9] == 0 ? "Person" : b[9] == 1 ? "Group" : b[9] == 2 ? "Org" : "";
        if (*dom) out.emplace_back(Value::string("domain"), Value::string(dom));
        else out.emplace_back(Value::string("domain"), Value::string("Domain" + std::to_string(b[9])));
      }
    }
    return Value::object(std::move(out));
  });
}

}  // namespace genesis::policy
