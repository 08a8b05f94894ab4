// Membership (`in`), print, walk-free helpers, opa.runtime, trace.
#include <arpa/inet.h>
#include <netdb.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "policy/builtins/builtins.h"
#include "policy/eval.h"

namespace genesis::policy {

void register_misc() {
  register_builtin("rego.metadata.rule", 0, [](BuiltinContext& ctx, const Value*, size_t) {
    const Rule* r = ctx.ev ? ctx.ev->current_rule() : nullptr;
    if (!r || !r->annotations.defined() || r->annotations.get("scope")->str() != "rule") return Value::empty_object();
    return r->annotations;
  });
  register_builtin("rego.metadata.chain", 0, [](BuiltinContext& ctx, const Value*, size_t) {
    const Rule* r = ctx.ev ? ctx.ev->current_rule() : nullptr;
    if (!r || !r->metadata_chain.defined()) return Value::empty_array();
    return r->metadata_chain;
  });
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
  // No runtime configuration is exposed to policies.
  register_builtin("opa.runtime", 0, [](BuiltinContext&, const Value*, size_t) { return Value::empty_object(); });
  register_builtin("rand.intn", 2, [](BuiltinContext& ctx, const Value* a, size_t) {
    const std::string& key = arg_string(a, 0);
    int64_t n = arg_int(a, 1);
    std::string memo = "rand:" + key + ":" + std::to_string(n);
    auto it = ctx.memo.find(memo);
    if (it != ctx.memo.end()) return it->second;
    if (ctx.sandbox) builtin_error("rand.intn is not allowed in sandboxed mode");
    Value v = Value::integer(n == 0 ? 0 : static_cast<int64_t>((*ctx.rng)() % static_cast<uint64_t>(n < 0 ? -n : n)));
    ctx.memo[memo] = v;
    return v;
  });
  register_builtin("test.sleep", 1, [](BuiltinContext&, const Value* a, size_t) {
    // Bounded: a policy cannot stall the engine for long.
    const std::string& d = arg_string(a, 0);
    int64_t ms = 0;
    if (d.size() > 2 && d.compare(d.size() - 2, 2, "ms") == 0) ms = std::atoll(d.c_str());
    else if (!d.empty() && d.back() == 's') ms = std::atoll(d.c_str()) * 1000;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(ms, 1000)));
    return Value::boolean(true);
  });
  // http.send: validates the request like OPA; the engine has no network access
  // (tests mock it with `with http.send as ...`).
  register_builtin("http.send", 1, [](BuiltinContext&, const Value* a, size_t) -> Value {
    const Value& req = arg_kind(a, 0, Kind::kObject, "object");
    static const char* allowed[] = {"method", "url", "body", "enable_redirect", "force_json_decode", "force_yaml_decode",
                                    "headers", "raw_body", "tls_use_system_certs", "tls_ca_cert", "tls_ca_cert_file",
                                    "tls_ca_cert_env_variable", "tls_client_cert", "tls_client_cert_file",
                                    "tls_client_cert_env_variable", "tls_client_key", "tls_client_key_file",
                                    "tls_client_key_env_variable", "tls_insecure_skip_verify", "tls_server_name",
                                    "timeout", "cache", "force_cache", "force_cache_duration_seconds", "raise_error",
                                    "caching_mode", "max_retry_attempts", "cache_ignored_headers"};
    std::string bad;
    for (const auto& [k, v] : req.obj()) {
      bool ok = false;
      for (const char* n : allowed)
        if (k.is_string() && k.str() == n) ok = true;
      if (!ok) bad += (bad.empty() ? "" : ", ") + to_json(k);
    }
    if (!bad.empty()) throw BuiltinError{"eval_type_error", "invalid request parameters(s): {" + bad + "}"};
    std::string missing;
    for (const char* n : {"method", "url"})
      if (!req.get(n)) missing += (missing.empty() ? "" : ", ") + std::string("\"") + n + "\"";
    if (!missing.empty()) throw BuiltinError{"eval_type_error", "missing required request parameters(s): {" + missing + "}"};
    builtin_error("network access is disabled in this engine");
  });
  register_builtin("net.lookup_ip_addr", 1, [](BuiltinContext& ctx, const Value* a, size_t) {
    const std::string& name = arg_string(a, 0);
    unsigned char buf[16];
    if (inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1)
      return Value::set({Value::string(name)});
    if (ctx.sandbox) builtin_error("name resolution is not allowed in sandboxed mode");
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0) builtin_error("lookup " + name + ": no such host");
    ValueVec out;
    for (addrinfo* p = res; p; p = p->ai_next) {
      char host[64];
      const void* addr = p->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(p->ai_addr)->sin_addr)
                                                 : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(p->ai_addr)->sin6_addr);
      if (inet_ntop(p->ai_family, addr, host, sizeof host)) out.push_back(Value::string(host));
    }
    freeaddrinfo(res);
    return Value::set(std::move(out));
  });
}

}  // namespace genesis::policy
