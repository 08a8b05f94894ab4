#include "detect/ingest/sensors.h"

#include <arpa/inet.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <cstdio>
#include <ctime>
#include <set>

#include "detect/ingest/windows.h"

namespace genesis::detect::ingest {
namespace {

using core::Result;
using core::Value;
namespace code = core::code;

core::Error bad(const std::string& where, const std::string& msg) {
  return core::make_error(code::kInvalidArgument, msg, where);
}

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

void put(Value& root, std::string_view path, Value v) {
  Value* node = &root;
  while (true) {
    std::size_t dot = path.find('.');
    std::string seg(path.substr(0, dot));
    if (dot == std::string_view::npos) {
      node->set(seg, std::move(v));
      return;
    }
    Value* next = node->find(seg);
    if (next == nullptr || !next->is_object()) next = &node->set(seg, Value::object());
    node = next;
    path.remove_prefix(dot + 1);
  }
}

// Dotted names -> nested objects; a value that also has members under it is kept as
// <name>._value. Empty segments ("a..b", "x.") keep the name as one member.
Value nest(const Value& flat) {
  Value out = Value::object();
  for (const auto& [key, v] : flat.as_object()) {
    bool plain = key.empty() || key.front() == '.' || key.back() == '.' ||
                 key.find("..") != std::string::npos;
    Value* node = &out;
    std::string_view path = key;
    while (!plain) {
      std::size_t dot = path.find('.');
      if (dot == std::string_view::npos) break;
      std::string seg(path.substr(0, dot));
      Value* next = node->find(seg);
      if (next == nullptr) {
        next = &node->set(seg, Value::object());
      } else if (!next->is_object()) {
        Value leaf = *next;
        *next = Value::object();
        next->set("_value", std::move(leaf));
      }
      node = next;
      path.remove_prefix(dot + 1);
    }
    std::string last(plain ? std::string_view(key) : path);
    Value member = v.is_object() ? nest(v) : v;
    if (Value* have = node->find(last); have != nullptr && have->is_object() && !member.is_object()) {
      have->set("_value", std::move(member));
    } else {
      node->set(last, std::move(member));
    }
  }
  return out;
}

const Value* get(const Value& o, std::string_view key) {
  const Value* v = o.is_object() ? o.find(key) : nullptr;
  if (v == nullptr || v->is_null()) return nullptr;
  if (v->is_string() && (v->as_string().empty() || v->as_string() == "<NA>" || v->as_string() == "-")) {
    return nullptr;
  }
  return v;
}

std::string text(const Value* v) {
  if (v == nullptr) return {};
  if (v->is_string()) return v->as_string();
  if (v->is_int()) return std::to_string(v->as_int());
  if (v->is_bool()) return v->as_bool() ? "true" : "false";
  return {};
}

std::optional<int64_t> integer(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int()) return v->as_int();
  if (v->kind() == Value::Kind::kDouble && std::floor(v->as_double()) == v->as_double()) {
    return static_cast<int64_t>(v->as_double());
  }
  if (v->is_string() && !v->as_string().empty()) {
    char* end = nullptr;
    long long n = std::strtoll(v->as_string().c_str(), &end, 10);
    if (end == v->as_string().c_str() + v->as_string().size()) return n;
  }
  return std::nullopt;
}

// Seconds since the epoch (Zeek's default ts) -> RFC 3339 with microseconds.
std::string epoch_time(double secs) {
  if (!(secs >= 0 && secs < 1e11)) return {};
  auto whole = static_cast<std::time_t>(secs);
  auto micros = static_cast<long>(std::llround((secs - static_cast<double>(whole)) * 1e6));
  if (micros >= 1000000) {
    ++whole;
    micros -= 1000000;
  }
  std::tm tm{};
  if (gmtime_r(&whole, &tm) == nullptr) return {};
  char buf[48];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06ldZ", micros);
  return buf;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<Normalised> from_falco(const Value& doc) {
  if (!doc.is_object()) return bad("", "a Falco event must be a JSON object");
  const Value* rule = doc.find("rule");
  if (rule == nullptr || !rule->is_string() || rule->as_string().empty()) {
    return bad("rule", "is required (the Falco rule that fired)");
  }
  const Value* fields = doc.find("output_fields");
  if (fields != nullptr && !fields->is_object()) {
    return bad("output_fields", std::string("must be an object, got ") + fields->kind_name());
  }
  static const Value kNone = Value::object();
  const Value& f = fields != nullptr ? *fields : kNone;
  Normalised n;
  n.time = to_rfc3339(text(doc.find("time")));
  Value falco = Value::object();
  for (const auto& [k, v] : doc.as_object()) {
    if (k == "time" || k == "hostname") continue;
    falco.set(k, k == "output_fields" ? nest(v) : v);
  }
  if (const Value* t = doc.find("time"); t != nullptr && n.time.empty()) falco.set("time", *t);
  std::string host = text(get(doc, "hostname"));

  Value t = Value::object();
  auto str = [&](std::string_view path, const char* key) {
    std::string s = text(get(f, key));
    if (!s.empty()) put(t, path, s);
  };
  auto num = [&](std::string_view path, const char* key) {
    if (auto v = integer(get(f, key)); v && *v >= 0) put(t, path, *v);
  };
  std::string exe = text(get(f, "proc.exepath"));
  if (exe.empty()) exe = text(get(f, "proc.exe"));
  if (!exe.empty()) put(t, "process.executable", exe);
  str("process.command_line", "proc.cmdline");
  str("process.name", "proc.name");
  num("process.pid", "proc.pid");
  num("process.parent.pid", "proc.ppid");
  str("process.parent.name", "proc.pname");
  str("process.parent.command_line", "proc.pcmdline");
  str("process.parent.executable", "proc.pexepath");
  str("process.working_directory", "proc.cwd");
  str("user.name", "user.name");
  str("user.id", "user.uid");
  str("user.audit.name", "user.loginname");
  str("container.id", "container.id");
  str("container.name", "container.name");
  str("container.image.name", "container.image.repository");
  str("container.image.tag", "container.image.tag");
  str("orchestrator.namespace", "k8s.ns.name");
  str("orchestrator.resource.name", "k8s.pod.name");

  std::string type = lower(text(get(f, "evt.type")));
  std::string kind;
  static const std::set<std::string> net = {"connect", "accept", "accept4", "sendto", "sendmsg"};
  if ((type == "execve" || type == "execveat") && !exe.empty() &&
      get(f, "proc.cmdline") != nullptr) {
    kind = "process.start";
  } else if (net.count(type) && is_ip(text(get(f, "fd.sip"))) && integer(get(f, "fd.sport"))) {
    // fd.cip/cport: the client end; fd.sip/sport: the server end.
    bool inbound = type.rfind("accept", 0) == 0;
    put(t, "destination.ip", text(get(f, "fd.sip")));
    num("destination.port", "fd.sport");
    if (is_ip(text(get(f, "fd.cip")))) put(t, "source.ip", text(get(f, "fd.cip")));
    num("source.port", "fd.cport");
    std::string proto = lower(text(get(f, "fd.l4proto")));
    if (proto == "tcp" || proto == "udp" || proto == "icmp") put(t, "network.transport", proto);
    put(t, "network.direction", inbound ? "ingress" : "egress");
    put(t, "network.initiated", !inbound);
    kind = "network.connection";
  } else if (get(f, "fd.name") != nullptr || get(f, "evt.arg.path") != nullptr ||
             get(f, "evt.arg.name") != nullptr) {
    std::string path = text(get(f, "fd.name"));
    if (path.empty()) path = text(get(f, "evt.arg.path"));
    if (path.empty()) path = text(get(f, "evt.arg.name"));
    std::string action;
    if (type == "unlink" || type == "unlinkat" || type == "rmdir") action = "delete";
    if (type == "rename" || type == "renameat" || type == "renameat2") action = "rename";
    if (type == "creat" || type == "mkdir" || type == "mkdirat") action = "create";
    if (type.rfind("open", 0) == 0) {
      std::string flags = text(get(f, "evt.arg.flags"));
      if (flags.find("O_CREAT") != std::string::npos) action = "create";
      else if (flags.find("O_WRONLY") != std::string::npos || flags.find("O_RDWR") != std::string::npos ||
               text(get(f, "evt.is_open_write")) == "true") action = "modify";
    }
    if (type.find("chmod") != std::string::npos || type.find("chown") != std::string::npos) {
      action = "modify";
    }
    if (!action.empty() && !path.empty() && path[0] == '/') {
      put(t, "action", action);
      put(t, "file.path", path);
      kind = "file";
    }
  }
  auto finish = [&](Value v, const std::string& k) {
    put(v, "event", k);
    if (!host.empty()) put(v, "host.name", host);
    put(v, "host.os.type", "linux");
    v.set("falco", falco);
    return v;
  };
  n.generic = finish(Value::object(), "falco.alert");
  n.telemetry = kind.empty() ? n.generic : finish(std::move(t), kind);
  return n;
}

Result<Normalised> from_zeek(const Value& doc) {
  if (!doc.is_object()) return bad("", "a Zeek log record must be a JSON object");
  std::string log = text(get(doc, "_path"));
  if (log.empty()) {
    if (doc.find("query") != nullptr || doc.find("qtype") != nullptr || doc.find("trans_id") != nullptr) {
      log = "dns";
    } else if (doc.find("conn_state") != nullptr || doc.find("proto") != nullptr) {
      log = "conn";
    }
  }
  if (log != "conn" && log != "dns") {
    return bad(log.empty() ? "" : "_path",
               log.empty() ? "not a Zeek conn or dns record (no _path, proto, conn_state or query)"
                           : "Zeek log \"" + log + "\" is not read (conn and dns are)");
  }
  Normalised n;
  const Value* ts = doc.find("ts");
  if (ts != nullptr && (ts->is_number())) {
    n.time = epoch_time(ts->is_int() ? static_cast<double>(ts->as_int()) : ts->as_double());
  } else if (ts != nullptr && ts->is_string()) {
    n.time = to_rfc3339(ts->as_string());
  }
  Value zeek = nest(doc);
  zeek.set("log", log);

  Value t = Value::object();
  std::string orig = text(get(doc, "id.orig_h")), resp = text(get(doc, "id.resp_h"));
  if (is_ip(orig)) put(t, "source.ip", orig);
  if (auto p = integer(get(doc, "id.orig_p")); p && *p >= 0 && *p <= 65535) put(t, "source.port", *p);
  if (is_ip(resp)) put(t, "destination.ip", resp);
  if (auto p = integer(get(doc, "id.resp_p")); p && *p >= 0 && *p <= 65535) put(t, "destination.port", *p);
  std::string proto = lower(text(get(doc, "proto")));
  if (proto == "tcp" || proto == "udp" || proto == "icmp") put(t, "network.transport", proto);
  std::string kind;
  if (log == "conn") {
    if (const Value* s = get(doc, "service")) put(t, "network.protocol", text(s));
    if (auto b = integer(get(doc, "orig_bytes")); b && *b >= 0) put(t, "source.bytes", *b);
    if (auto b = integer(get(doc, "resp_bytes")); b && *b >= 0) put(t, "destination.bytes", *b);
    const Value* lo = get(doc, "local_orig");
    const Value* lr = get(doc, "local_resp");
    if (lo != nullptr && lr != nullptr && lo->is_bool() && lr->is_bool()) {
      bool a = lo->as_bool(), b = lr->as_bool();
      if (a && b) put(t, "network.direction", "internal");
      else if (a) put(t, "network.direction", "egress");
      else if (b) put(t, "network.direction", "ingress");
    }
    kind = "network.connection";
  } else {
    std::string q = text(get(doc, "query"));
    if (!q.empty()) put(t, "dns.question.name", q);
    std::string qt = text(get(doc, "qtype_name"));
    if (!qt.empty()) put(t, "dns.question.type", qt);
    std::string rc = text(get(doc, "rcode_name"));
    if (!rc.empty()) put(t, "dns.response_code", rc);
    if (const Value* a = get(doc, "answers"); a != nullptr && a->is_array()) {
      put(t, "dns.answers", *a);
      put(t, "dns.answers_count", static_cast<int64_t>(a->as_array().size()));
    }
    if (auto id = integer(get(doc, "trans_id"))) put(t, "dns.id", std::to_string(*id));
    kind = "dns";
  }
  auto finish = [&](Value v, const std::string& k) {
    put(v, "event", k);
    v.set("zeek", zeek);
    return v;
  };
  n.generic = finish(Value::object(), "zeek.event");
  n.telemetry = finish(std::move(t), kind);
  return n;
}

}  // namespace genesis::detect::ingest
