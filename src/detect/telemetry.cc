#include "detect/telemetry.h"

#include "detect/ndjson.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>

namespace genesis::detect {
namespace {

using core::Error;
using core::Result;
using core::Value;
namespace code = core::code;

constexpr FieldType S = FieldType::kString;
constexpr FieldType I = FieldType::kInt;
constexpr FieldType N = FieldType::kCount;
constexpr FieldType B = FieldType::kBool;
constexpr FieldType SA = FieldType::kStringArray;
constexpr FieldType A = FieldType::kArray;
constexpr FieldType IP = FieldType::kIp;
constexpr FieldType PORT = FieldType::kPort;
constexpr FieldType MASK = FieldType::kAccessMask;

// Fields any ECS kind may carry: who and where.
std::vector<FieldSpec> with_common(std::vector<FieldSpec> fields) {
  fields.push_back({"host.name", S, false, {}});
  fields.push_back({"host.os.type", S, false, {"windows", "linux", "macos"}});
  bool has_user = false, has_pid = false;
  for (const auto& f : fields) {
    has_user = has_user || f.path == "user.name";
    has_pid = has_pid || f.path == "process.pid";
  }
  if (!has_user) fields.push_back({"user.name", S, false, {}});
  if (!has_pid) fields.push_back({"process.pid", N, false, {}});
  return fields;
}

std::vector<KindSpec> make_kinds() {
  std::vector<KindSpec> k;
  k.push_back({"process.start",
               "a process was created (Sysmon 1, Security 4688, auditd/laurel execve, Falco execve)",
               with_common({{"process.executable", S, true, {}},
                            {"process.command_line", S, true, {}},
                            {"process.name", S, false, {}},
                            {"process.args", SA, false, {}},
                            {"process.parent.executable", S, false, {}},
                            {"process.parent.command_line", S, false, {}},
                            {"process.parent.pid", N, false, {}},
                            {"process.working_directory", S, false, {}},
                            {"process.hash.sha256", S, false, {}},
                            {"user.name", S, false, {}}})});
  k.push_back({"process.access",
               "a process opened another process's handle (Sysmon 10, ptrace attach)",
               with_common({{"process.executable", S, true, {}},
                            {"target.executable", S, true, {}},
                            {"process.granted_access", MASK, true, {}},
                            {"target.pid", N, false, {}},
                            {"process.call_trace", S, false, {}}})});
  k.push_back({"process.remote_thread",
               "a process started a thread in another process (Sysmon 8 CreateRemoteThread)",
               with_common({{"process.executable", S, true, {}},
                            {"target.executable", S, true, {}},
                            {"target.pid", N, false, {}},
                            {"thread.start_module", S, false, {}},
                            {"thread.start_function", S, false, {}}})});
  k.push_back({"dns", "a DNS lookup and its answers (Sysmon 22, Zeek dns)",
               with_common({{"dns.question.name", S, true, {}},
                            {"dns.question.type", S, false, {}},
                            {"dns.answers_count", N, false, {}},
                            {"dns.answers", A, false, {}},
                            {"dns.response_code", S, false, {}},
                            {"process.executable", S, false, {}}})});
  k.push_back({"network.connection", "an outbound or inbound connection (Sysmon 3, auditd connect, Falco, Zeek conn)",
               with_common({{"destination.ip", IP, true, {}},
                            {"destination.port", PORT, true, {}},
                            {"network.transport", S, false, {"tcp", "udp", "icmp", "sctp"}},
                            {"network.direction", S, false, {"egress", "ingress", "internal"}},
                            {"destination.domain", S, false, {}},
                            {"destination.bytes", N, false, {}},
                            {"source.ip", IP, false, {}},
                            {"source.port", PORT, false, {}},
                            {"source.bytes", N, false, {}},
                            {"network.initiated", B, false, {}},
                            {"process.executable", S, false, {}}})});
  k.push_back({"file", "a file was created, changed, deleted or renamed (Sysmon 11/23, auditd, Falco)",
               with_common({{"action", S, true, {"create", "modify", "delete", "rename"}},
                            {"file.path", S, true, {}},
                            {"file.extension", S, false, {}},
                            {"file.size", N, false, {}},
                            {"file.hash.sha256", S, false, {}},
                            {"process.executable", S, false, {}}})});
  k.push_back({"registry", "a Windows registry key or value was changed (Sysmon 12/13/14)",
               with_common({{"action", S, true, {"create", "set", "delete", "rename"}},
                            {"registry.path", S, true, {}},
                            {"registry.value", S, false, {}},
                            {"registry.data.strings", SA, false, {}},
                            {"registry.data.type", S, false, {}},
                            {"process.executable", S, false, {}}})});
  k.push_back({"module.load", "a process loaded a library (Sysmon 7)",
               with_common({{"process.executable", S, true, {}},
                            {"dll.path", S, true, {}},
                            {"dll.name", S, false, {}},
                            {"dll.code_signature.signed", B, false, {}},
                            {"dll.hash.sha256", S, false, {}}})});
  k.push_back({"powershell.script_block",
               "PowerShell logged a script block before running it (Event 4104)",
               with_common({{"powershell.file.script_block_text", S, true, {}},
                            {"powershell.file.script_block_id", S, false, {}},
                            {"file.path", S, false, {}},
                            {"process.executable", S, false, {}}})});
  k.push_back({"authentication", "a logon attempt (Security 4624/4625, auditd USER_AUTH/USER_LOGIN)",
               with_common({{"user.name", S, true, {}},
                            {"outcome", S, true, {"success", "failure"}},
                            {"user.domain", S, false, {}},
                            {"source.ip", IP, false, {}},
                            {"logon.type", S, false, {}},
                            {"authentication.method", S, false, {}}})});
  // Windows events that matter and have no ECS kind of their own (docs/telemetry.md).
  k.push_back({"scheduled_task",
               "a scheduled task was created, changed, deleted or run (Security 4698-4702, "
               "TaskScheduler 106/140/141/200)",
               with_common({{"task.name", S, true, {}},
                            {"action", S, true, {"create", "update", "delete", "run"}},
                            {"task.content", S, false, {}}})});
  k.push_back({"service.install", "a service was installed (System 7045, Security 4697)",
               with_common({{"service.name", S, true, {}},
                            {"service.image_path", S, false, {}},
                            {"service.type", S, false, {}},
                            {"service.start_type", S, false, {}}})});
  k.push_back({"log.cleared", "an event log was cleared (Security 1102, System 104)",
               with_common({{"log.name", S, true, {}}})});
  k.push_back({"account.change",
               "a user account or group changed (Security 4720-4740, 4781)",
               with_common({{"action", S, true,
                             {"user-created", "user-enabled", "password-changed", "password-reset",
                              "user-disabled", "user-deleted", "user-changed", "user-locked",
                              "user-renamed", "group-created", "group-member-added",
                              "group-member-removed", "group-deleted", "group-changed"}},
                            {"user.target.name", S, false, {}},
                            {"group.name", S, false, {}}})});
  k.push_back({"wmi", "a WMI event filter, consumer or binding (Sysmon 19/20/21, WMI-Activity 5861)",
               with_common({{"wmi.type", S, true, {"filter", "consumer", "binding"}},
                            {"wmi.operation", S, false, {}},
                            {"wmi.name", S, false, {}},
                            {"wmi.query", S, false, {}},
                            {"wmi.destination", S, false, {}}})});
  k.push_back({"pipe", "a named pipe was created or connected (Sysmon 17/18)",
               with_common({{"action", S, true, {"create", "connect"}},
                            {"pipe.name", S, true, {}},
                            {"process.executable", S, false, {}}})});
  k.push_back({"process.tampering", "a process image was changed in memory (Sysmon 25)",
               with_common({{"process.executable", S, true, {}},
                            {"tampering.type", S, false, {}}})});
  k.push_back({"windows.event",
               "any other Windows event, kept with its channel, id and data (winlog.event_data)",
               with_common({{"winlog.channel", S, true, {}},
                            {"winlog.event_id", N, true, {}},
                            {"winlog.provider_name", S, false, {}},
                            {"winlog.record_id", N, false, {}}})});
  // The generic kinds of the Linux and network sensors: what has no ECS kind is kept
  // whole, so no rule loses its input (docs/telemetry.md).
  k.push_back({"auditd.event",
               "any other Linux audit event, kept with its records (auditd, laurel)",
               with_common({{"auditd.sequence", N, true, {}},
                            {"auditd.types", SA, false, {}}})});
  k.push_back({"falco.alert", "a Falco rule fired on an event that has no other kind",
               with_common({{"falco.rule", S, true, {}},
                            {"falco.priority", S, false, {}},
                            {"falco.output", S, false, {}}})});
  k.push_back({"zeek.event", "a Zeek conn or dns record that lacks what its kind requires",
               with_common({{"zeek.log", S, true, {}}})});
  // The seed's three kinds, accepted as the seed wrote them.
  k.push_back({"dns.response", "seed kind: a DNS answer seen for a domain",
               {{"domain", S, true, {}},
                {"answer_count", N, true, {}},
                {"record_type", S, false, {}}}});
  k.push_back({"process.inject", "seed kind: a process wrote into another process",
               {{"source_process", S, true, {}}, {"target_process", S, true, {}}}});
  k.push_back({"exec.powershell", "seed kind: a PowerShell command ran",
               {{"command", S, true, {}}}});
  return k;
}

const char* type_name(FieldType t) {
  switch (t) {
    case FieldType::kString: return "a non-empty string";
    case FieldType::kInt: return "an integer";
    case FieldType::kCount: return "an integer >= 0";
    case FieldType::kBool: return "a boolean";
    case FieldType::kStringArray: return "an array of strings";
    case FieldType::kArray: return "an array";
    case FieldType::kIp: return "an IPv4 or IPv6 address";
    case FieldType::kPort: return "a port number 0..65535";
    case FieldType::kAccessMask: return "an access mask (integer >= 0 or hex text like \"0x1410\")";
  }
  return "?";
}

// `where` names the field; the message says what is wrong with it.
Error field_error(std::string path, std::string message) {
  return core::make_error(code::kInvalidArgument, std::move(message), std::move(path));
}

// Expands dotted member names into nested objects, recursively:
// {"process.command_line": x} -> {"process": {"command_line": x}}.
Result<Value> expand_dotted(const Value& v, const std::string& where) {
  if (!v.is_object()) return v;
  // No dotted name here: the members stay as they are (an object's names are distinct),
  // which keeps large objects (an execve's thousands of arguments) linear.
  bool dotted = false;
  for (const auto& [key, member] : v.as_object()) dotted = dotted || key.find('.') != std::string::npos;
  if (!dotted) {
    Value out = Value::object();
    auto& members = out.as_object();
    members.reserve(v.as_object().size());
    for (const auto& [key, member] : v.as_object()) {
      if (key.empty()) return field_error(where + ".", "empty segment in field name");
      auto expanded = expand_dotted(member, where + "." + key);
      if (!expanded.ok()) return expanded.error();
      members.emplace_back(key, std::move(*expanded));
    }
    return out;
  }
  Value out = Value::object();
  for (const auto& [key, member] : v.as_object()) {
    std::string here = where + "." + key;
    auto expanded = expand_dotted(member, here);
    if (!expanded.ok()) return expanded.error();
    if (key.empty() || key.front() == '.' || key.back() == '.' ||
        key.find("..") != std::string::npos) {
      return field_error(here, "empty segment in field name");
    }
    Value* node = &out;
    std::size_t start = 0;
    while (true) {
      std::size_t dot = key.find('.', start);
      std::string seg = key.substr(start, dot == std::string::npos ? dot : dot - start);
      Value* next = node->find(seg);
      if (dot == std::string::npos) {
        if (next == nullptr) {
          node->set(seg, std::move(*expanded));
        } else if (next->is_object() && expanded->is_object()) {
          for (auto& [k2, v2] : expanded->as_object()) {
            if (next->find(k2) != nullptr) {
              return field_error(here + "." + k2, "given twice (nested and dotted)");
            }
            next->set(k2, std::move(v2));
          }
        } else {
          return field_error(here, "given twice (nested and dotted)");
        }
        break;
      }
      if (next == nullptr) {
        next = &node->set(seg, Value::object());
      } else if (!next->is_object()) {
        return field_error(where + "." + key.substr(0, dot),
                           "is not an object but " + key + " needs it to be one");
      }
      node = next;
      start = dot + 1;
    }
  }
  return out;
}

Value* lookup(Value& root, std::string_view path) {
  Value* node = &root;
  while (node != nullptr) {
    std::size_t dot = path.find('.');
    if (!node->is_object()) return nullptr;
    node = node->find(path.substr(0, dot));
    if (dot == std::string_view::npos) return node;
    path.remove_prefix(dot + 1);
  }
  return nullptr;
}

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::optional<int64_t> parse_hex_mask(const std::string& s) {
  if (s.size() < 3 || s.size() > 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
    return std::nullopt;
  }
  int64_t v = 0;
  for (std::size_t i = 2; i < s.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v * 16 + d;
  }
  return v;
}

// Checks (and for access masks, normalizes) one field in place.
core::Status check_field(Value& v, const FieldSpec& spec, const std::string& path) {
  auto bad = [&] {
    bool scalar = !v.is_array() && !v.is_object();
    return field_error(path, std::string("must be ") + type_name(spec.type) + ", got " +
                                 (scalar ? core::to_json(v) : std::string(v.kind_name())));
  };
  switch (spec.type) {
    case FieldType::kString:
      if (!v.is_string() || v.as_string().empty()) return bad();
      if (!spec.one_of.empty()) {
        for (auto allowed : spec.one_of) {
          if (v.as_string() == allowed) return {};
        }
        std::string list;
        for (auto allowed : spec.one_of) list += (list.empty() ? "" : ", ") + std::string(allowed);
        return field_error(path, "must be one of " + list + ", got \"" + v.as_string() + "\"");
      }
      return {};
    case FieldType::kInt:
      return v.is_int() ? core::Status{} : bad();
    case FieldType::kCount:
      return v.is_int() && v.as_int() >= 0 ? core::Status{} : bad();
    case FieldType::kBool:
      return v.is_bool() ? core::Status{} : bad();
    case FieldType::kArray:
      return v.is_array() ? core::Status{} : bad();
    case FieldType::kStringArray:
      if (!v.is_array()) return bad();
      for (std::size_t i = 0; i < v.as_array().size(); ++i) {
        if (!v.as_array()[i].is_string()) {
          const Value& item = v.as_array()[i];
          return field_error(path + "[" + std::to_string(i) + "]",
                             "must be a string, got " + (item.is_array() || item.is_object()
                                                             ? std::string(item.kind_name())
                                                             : core::to_json(item)));
        }
      }
      return {};
    case FieldType::kIp:
      return v.is_string() && is_ip(v.as_string()) ? core::Status{} : bad();
    case FieldType::kPort:
      return v.is_int() && v.as_int() >= 0 && v.as_int() <= 65535 ? core::Status{} : bad();
    case FieldType::kAccessMask:
      if (v.is_int() && v.as_int() >= 0 && v.as_int() <= 0xFFFFFFFFll) return {};
      if (v.is_string()) {
        if (auto m = parse_hex_mask(v.as_string())) {
          v = Value(*m);
          return {};
        }
      }
      return bad();
  }
  return {};
}

bool is_rfc3339(const std::string& s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  auto digits = [&](std::size_t at, std::size_t n) {
    if (at + n > s.size()) return false;
    for (std::size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
  };
  if (!digits(0, 4) || s.size() < 20 || s[4] != '-' || !digits(5, 2) || s[7] != '-' ||
      !digits(8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(11, 2) || s[13] != ':' ||
      !digits(14, 2) || s[16] != ':' || !digits(17, 2)) {
    return false;
  }
  int month = std::stoi(s.substr(5, 2)), day = std::stoi(s.substr(8, 2));
  int hour = std::stoi(s.substr(11, 2)), minute = std::stoi(s.substr(14, 2));
  int second = std::stoi(s.substr(17, 2));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i + 1) return false;
    i = j;
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    return i + 6 == s.size() && digits(i + 1, 2) && s[i + 3] == ':' && digits(i + 4, 2);
  }
  return false;
}

}  // namespace

const std::vector<KindSpec>& kinds() {
  static const std::vector<KindSpec> k = make_kinds();
  return k;
}

const KindSpec* find_kind(std::string_view kind) {
  for (const auto& k : kinds()) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

Result<Value> validate_event(const Value& event) {
  if (!event.is_object()) {
    return core::make_error(code::kInvalidArgument,
                            std::string("event must be a JSON object, got ") + event.kind_name());
  }
  for (const auto& [key, member] : event.as_object()) {
    if (key != "agent_id" && key != "ts" && key != "telemetry") {
      return field_error(key, "unknown member (expected agent_id, ts, telemetry)");
    }
  }
  const Value* agent = event.find("agent_id");
  if (agent == nullptr) return field_error("agent_id", "is required");
  if (!agent->is_string() || agent->as_string().empty()) {
    return field_error("agent_id", "must be a non-empty string, got " + core::to_json(*agent));
  }
  const Value* ts = event.find("ts");
  if (ts != nullptr && !(ts->is_string() && is_rfc3339(ts->as_string()))) {
    return field_error("ts", "must be an RFC 3339 timestamp like \"2026-11-26T06:00:00.000Z\"");
  }
  const Value* telemetry = event.find("telemetry");
  if (telemetry == nullptr) return field_error("telemetry", "is required");
  if (!telemetry->is_object()) {
    return field_error("telemetry",
                       std::string("must be an object, got ") + telemetry->kind_name());
  }
  auto expanded = expand_dotted(*telemetry, "telemetry");
  if (!expanded.ok()) return expanded.error();
  Value& t = *expanded;
  const Value* kind = t.find("event");
  if (kind == nullptr) return field_error("telemetry.event", "is required (the telemetry kind)");
  if (!kind->is_string()) {
    return field_error("telemetry.event",
                       std::string("must be a string, got ") + kind->kind_name());
  }
  const KindSpec* spec = find_kind(kind->as_string());
  if (spec == nullptr) {
    std::string list;
    for (const auto& k : kinds()) list += (list.empty() ? "" : ", ") + std::string(k.kind);
    return field_error("telemetry.event",
                       "unknown kind \"" + kind->as_string() + "\" (known: " + list + ")");
  }
  for (const auto& field : spec->fields) {
    std::string path = "telemetry." + std::string(field.path);
    Value* v = lookup(t, field.path);
    if (v == nullptr || v->is_null()) {
      if (field.required) {
        return field_error(path, std::string("is required for ") + std::string(spec->kind) +
                                     " (" + type_name(field.type) + ")");
      }
      continue;
    }
    if (auto st = check_field(*v, field, path); !st.ok()) return st.error();
  }
  Value out = Value::object();
  out.set("agent_id", *agent);
  if (ts != nullptr) out.set("ts", *ts);
  out.set("telemetry", std::move(t));
  return out;
}

Result<Value> decode_event(std::string_view text) {
  auto parsed = core::parse_json(text);
  if (!parsed.ok()) {
    core::Error e = parsed.error();
    return e;
  }
  return validate_event(*parsed);
}

Batch decode_batch(std::string_view body) {
  Batch batch;
  each_document(body, [&](Result<Value> doc, std::size_t line) {
    add_to_batch(batch, doc.ok() ? validate_event(*doc) : Result<Value>(doc.error()), line);
  });
  return batch;
}

void add_to_batch(Batch& batch, Result<Value> event, std::size_t line) {
  if (event.ok()) {
    batch.events.push_back(std::move(*event));
    batch.lines.push_back(line);
  } else {
    batch.errors.push_back({line, event.error()});
  }
}

}  // namespace genesis::detect
