#include "detect/ingest/windows.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <set>

namespace genesis::detect::ingest {
namespace {

using core::Result;
using core::Value;
namespace code = core::code;

core::Error bad(const std::string& where, const std::string& msg) {
  return core::make_error(code::kInvalidArgument, msg, where);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A scalar member as text ("" when absent or not a scalar).
std::string text_of(const Value* v) {
  if (v == nullptr) return {};
  if (v->is_string()) return v->as_string();
  if (v->is_int()) return std::to_string(v->as_int());
  if (v->is_bool()) return v->as_bool() ? "true" : "false";
  return {};
}

std::optional<int64_t> int_of(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int()) return v->as_int();
  if (!v->is_string() || v->as_string().empty()) return std::nullopt;
  const std::string& s = v->as_string();
  char* end = nullptr;
  long long n = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
                    ? std::strtoll(s.c_str() + 2, &end, 16)
                    : std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() + s.size() || n < 0) return std::nullopt;
  return n;
}

// A value that may be wrapped as XML-in-JSON: {"#text": x} or {"Value": x}.
const Value* unwrap(const Value* v) {
  if (v != nullptr && v->is_object()) {
    if (const Value* t = v->find("#text")) return t;
    if (const Value* t = v->find("Value")) return t;
  }
  return v;
}

// An XML attribute in its JSON renderings: {"#attributes": {name}}, {"@name"}, {name}.
const Value* attribute(const Value* v, const std::string& name) {
  if (v == nullptr || !v->is_object()) return nullptr;
  if (const Value* a = v->find("#attributes"); a != nullptr && a->is_object()) {
    if (const Value* x = a->find(name)) return x;
  }
  if (const Value* x = v->find("@" + name)) return x;
  return v->find(name);
}

// The members NXLog (im_msvistalog), Logstash and the Mordor exports add around the
// event's own data.
const std::set<std::string>& nxlog_meta() {
  static const std::set<std::string> m = {
      "EventID", "Channel", "SourceName", "ProviderName", "ProviderGuid", "Hostname", "Computer",
      "EventTime", "EventReceivedTime", "TimeCreated", "@timestamp", "@version", "Message",
      "Severity", "SeverityValue", "Keywords", "EventType", "EventTypeOrignal", "Category",
      "Opcode", "OpcodeValue", "RecordNumber", "EventRecordID", "ExecutionProcessID",
      "ThreadID", "AccountName", "AccountType", "Domain", "UserID", "SourceModuleName",
      "SourceModuleType", "Task", "Version", "Level", "host", "port", "tags", "ActivityID",
      "RelatedActivityID", "type", "agent_id"};
  return m;
}

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// Builds the ECS part: set(path, value) only when the source had the field.
struct Builder {
  const Value& data;
  Value t = Value::object();

  const Value* get(const char* name) const {
    const Value* v = data.find(name);
    if (v == nullptr || v->is_null()) return nullptr;
    if (v->is_string() && (v->as_string().empty() || v->as_string() == "-")) return nullptr;
    return v;
  }
  void put(std::string_view path, Value v) {
    Value* node = &t;
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
  void str(std::string_view path, const char* name) {
    if (const Value* v = get(name)) {
      std::string s = text_of(v);
      if (!s.empty()) put(path, s);
    }
  }
  void num(std::string_view path, const char* name) {
    if (auto n = int_of(get(name))) put(path, *n);
  }
  void ip(std::string_view path, const char* name) {
    std::string s = text_of(get(name));
    if (is_ip(s)) put(path, s);
  }
  bool has(std::string_view path) const {
    const Value* node = &t;
    while (node != nullptr) {
      std::size_t dot = path.find('.');
      if (!node->is_object()) return false;
      node = node->find(path.substr(0, dot));
      if (dot == std::string_view::npos) return node != nullptr;
      path.remove_prefix(dot + 1);
    }
    return false;
  }
};

void process_pe(Builder& b, const char* prefix) {
  std::string p = prefix;
  b.str(p + ".pe.original_file_name", "OriginalFileName");
  b.str(p + ".pe.description", "Description");
  b.str(p + ".pe.product", "Product");
  b.str(p + ".pe.company", "Company");
  b.str(p + ".pe.file_version", "FileVersion");
}

void hashes(Builder& b, const char* prefix) {
  // "SHA1=...,MD5=...,SHA256=...,IMPHASH=..." -> <prefix>.hash.sha256 etc.
  std::string s = text_of(b.get("Hashes"));
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t comma = s.find(',', start);
    std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto eq = item.find('=');
    if (eq != std::string::npos) {
      std::string algo = lower(item.substr(0, eq));
      if (algo == "sha256" || algo == "sha1" || algo == "md5") {
        b.put(std::string(prefix) + ".hash." + algo, lower(item.substr(eq + 1)));
      }
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

// Kind and ECS fields per (channel, event id); returns the kind, "" for the generic one.
std::string map_sysmon(int64_t id, Builder& b) {
  switch (id) {
    case 1:
      b.str("process.executable", "Image");
      b.str("process.command_line", "CommandLine");
      b.str("process.parent.executable", "ParentImage");
      b.str("process.parent.command_line", "ParentCommandLine");
      b.num("process.pid", "ProcessId");
      b.num("process.parent.pid", "ParentProcessId");
      b.str("process.working_directory", "CurrentDirectory");
      b.str("user.name", "User");
      process_pe(b, "process");
      hashes(b, "process");
      return "process.start";
    case 3: {
      b.str("process.executable", "Image");
      b.num("process.pid", "ProcessId");
      b.str("user.name", "User");
      b.ip("source.ip", "SourceIp");
      b.num("source.port", "SourcePort");
      b.str("source.domain", "SourceHostname");
      b.ip("destination.ip", "DestinationIp");
      b.num("destination.port", "DestinationPort");
      b.str("destination.domain", "DestinationHostname");
      std::string proto = lower(text_of(b.get("Protocol")));
      if (proto == "tcp" || proto == "udp" || proto == "icmp" || proto == "sctp") {
        b.put("network.transport", proto);
      }
      std::string init = lower(text_of(b.get("Initiated")));
      if (init == "true" || init == "false") {
        b.put("network.initiated", init == "true");
        b.put("network.direction", init == "true" ? "egress" : "ingress");
      }
      return "network.connection";
    }
    case 7:
      b.str("process.executable", "Image");
      b.num("process.pid", "ProcessId");
      b.str("dll.path", "ImageLoaded");
      if (const Value* s = b.get("Signed")) {
        std::string v = lower(text_of(s));
        if (v == "true" || v == "false") b.put("dll.code_signature.signed", v == "true");
      }
      b.str("dll.code_signature.subject_name", "Signature");
      b.str("dll.code_signature.status", "SignatureStatus");
      process_pe(b, "dll");
      hashes(b, "dll");
      b.str("user.name", "User");
      return "module.load";
    case 8:
      b.str("process.executable", "SourceImage");
      b.num("process.pid", "SourceProcessId");
      b.str("target.executable", "TargetImage");
      b.num("target.pid", "TargetProcessId");
      b.str("thread.start_module", "StartModule");
      b.str("thread.start_function", "StartFunction");
      b.str("thread.start_address", "StartAddress");
      return "process.remote_thread";
    case 10:
      b.str("process.executable", "SourceImage");
      b.num("process.pid", "SourceProcessId");
      b.str("target.executable", "TargetImage");
      b.num("target.pid", "TargetProcessId");
      b.str("process.granted_access", "GrantedAccess");
      b.str("process.call_trace", "CallTrace");
      b.str("user.name", "SourceUser");
      b.str("target.user.name", "TargetUser");
      return "process.access";
    case 2:
    case 11:
    case 23:
    case 26:
    case 15:
      b.str("process.executable", "Image");
      b.num("process.pid", "ProcessId");
      b.str("file.path", "TargetFilename");
      b.str("user.name", "User");
      if (id == 15) return "";  // stream hash: the generic kind keeps it
      b.put("action", id == 2 ? "modify" : id == 11 ? "create" : "delete");
      return "file";
    case 12:
    case 13:
    case 14: {
      b.str("process.executable", "Image");
      b.num("process.pid", "ProcessId");
      b.str("registry.path", "TargetObject");
      b.str("user.name", "User");
      if (const Value* d = b.get("Details")) {
        Value a = Value::array();
        a.push_back(text_of(d));
        b.put("registry.data.strings", std::move(a));
      }
      b.str("registry.new_path", "NewName");
      std::string et = lower(text_of(b.get("EventType")));
      std::string action = id == 13 ? "set" : id == 14 ? "rename"
                           : et.find("delete") != std::string::npos ? "delete"
                                                                    : "create";
      b.put("action", action);
      return "registry";
    }
    case 17:
    case 18:
      b.str("process.executable", "Image");
      b.num("process.pid", "ProcessId");
      b.str("pipe.name", "PipeName");
      b.str("user.name", "User");
      b.put("action", id == 17 ? "create" : "connect");
      return "pipe";
    case 19:
    case 20:
    case 21:
      b.put("wmi.type", id == 19 ? "filter" : id == 20 ? "consumer" : "binding");
      b.str("wmi.operation", "Operation");
      b.str("wmi.name", "Name");
      b.str("wmi.query", "Query");
      b.str("wmi.destination", "Destination");
      b.str("wmi.consumer", "Consumer");
      b.str("wmi.filter", "Filter");
      b.str("user.name", "User");
      return "wmi";
    case 22:
      b.str("process.executable", "Image");
      b.num("process.pid", "ProcessId");
      b.str("dns.question.name", "QueryName");
      b.str("dns.response_code", "QueryStatus");
      b.str("dns.answers_text", "QueryResults");
      b.str("user.name", "User");
      return "dns";
    case 25:
      b.str("process.executable", "Image");
      b.num("process.pid", "ProcessId");
      b.str("tampering.type", "Type");
      b.str("user.name", "User");
      return "process.tampering";
    default:
      return "";
  }
}

std::string account_action(int64_t id) {
  switch (id) {
    case 4720: return "user-created";
    case 4722: return "user-enabled";
    case 4723: return "password-changed";
    case 4724: return "password-reset";
    case 4725: return "user-disabled";
    case 4726: return "user-deleted";
    case 4738: return "user-changed";
    case 4740: return "user-locked";
    case 4781: return "user-renamed";
    case 4727: case 4731: case 4754: return "group-created";
    case 4728: case 4732: case 4756: return "group-member-added";
    case 4729: case 4733: case 4757: return "group-member-removed";
    case 4730: case 4734: case 4758: return "group-deleted";
    case 4735: case 4737: case 4755: return "group-changed";
    default: return "";
  }
}

std::string map_security(int64_t id, Builder& b) {
  switch (id) {
    case 4688:
      b.str("process.executable", "NewProcessName");
      b.str("process.command_line", "CommandLine");
      b.str("process.parent.executable", "ParentProcessName");
      b.num("process.pid", "NewProcessId");
      b.num("process.parent.pid", "ProcessId");
      b.str("user.name", "SubjectUserName");
      b.str("user.domain", "SubjectDomainName");
      return "process.start";
    case 4624:
    case 4625:
      b.str("user.name", "TargetUserName");
      b.str("user.domain", "TargetDomainName");
      b.ip("source.ip", "IpAddress");
      b.str("logon.type", "LogonType");
      b.str("authentication.method", "AuthenticationPackageName");
      b.put("outcome", id == 4624 ? "success" : "failure");
      return "authentication";
    case 1102:
      b.put("log.name", "Security");
      b.str("user.name", "SubjectUserName");
      return "log.cleared";
    case 4697:
      b.str("service.name", "ServiceName");
      b.str("service.image_path", "ServiceFileName");
      b.str("service.type", "ServiceType");
      b.str("service.start_type", "ServiceStartType");
      b.str("user.name", "SubjectUserName");
      return "service.install";
    case 4698:
    case 4699:
    case 4700:
    case 4701:
    case 4702:
      b.str("task.name", "TaskName");
      b.str("task.content", "TaskContent");
      b.str("user.name", "SubjectUserName");
      b.put("action", id == 4698 ? "create" : id == 4699 ? "delete" : "update");
      return "scheduled_task";
    default: {
      std::string action = account_action(id);
      if (action.empty()) return "";
      b.put("action", action);
      b.str("user.name", "SubjectUserName");
      b.str("user.domain", "SubjectDomainName");
      if (action.rfind("group", 0) == 0) {
        b.str("group.name", "TargetUserName");
        b.str("group.domain", "TargetDomainName");
        b.str("user.target.name", "MemberName");
        b.str("user.target.id", "MemberSid");
      } else {
        b.str("user.target.name", "TargetUserName");
        b.str("user.target.domain", "TargetDomainName");
      }
      return "account.change";
    }
  }
}

}  // namespace

std::string to_rfc3339(const std::string& s) {
  if (s.size() < 19) return {};
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return {};
  }
  if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
      s[16] != ':') {
    return {};
  }
  std::string out = s.substr(0, 10) + "T" + s.substr(11, 8);
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i + 1) out += s.substr(i, std::min<std::size_t>(j - i, 10));
    i = j;
  }
  std::string zone = s.substr(i);
  while (!zone.empty() && zone.front() == ' ') zone.erase(0, 1);
  if (zone.empty() || zone == "Z" || zone == "z" || zone == "UTC") return out + "Z";
  if ((zone[0] == '+' || zone[0] == '-') && zone.size() == 6 && zone[3] == ':') return out + zone;
  if ((zone[0] == '+' || zone[0] == '-') && zone.size() == 5) {
    return out + zone.substr(0, 3) + ":" + zone.substr(3);
  }
  return {};
}

std::string detect_shape(const Value& doc) {
  if (!doc.is_object()) return {};
  if (const Value* w = doc.find("winlog"); w != nullptr && w->is_object()) return "winlogbeat";
  if (const Value* e = doc.find("Event"); e != nullptr && e->is_object() && e->find("System")) {
    return "evtx";
  }
  if (doc.find("EventID") != nullptr && (doc.find("Channel") != nullptr || doc.find("channel"))) {
    return "nxlog";
  }
  return {};
}

Result<WinRecord> from_winlogbeat(const Value& doc) {
  if (!doc.is_object()) return bad("", "a Winlogbeat document must be a JSON object");
  const Value* w = doc.find("winlog");
  if (w == nullptr || !w->is_object()) return bad("winlog", "is required (an object)");
  WinRecord r;
  r.channel = text_of(w->find("channel"));
  if (r.channel.empty()) return bad("winlog.channel", "is required");
  auto id = int_of(w->find("event_id"));
  if (!id) return bad("winlog.event_id", "is required (an event id)");
  r.event_id = *id;
  r.provider = text_of(w->find("provider_name"));
  r.computer = text_of(w->find("computer_name"));
  if (r.computer.empty()) {
    if (const Value* h = doc.find("host"); h != nullptr && h->is_object()) {
      r.computer = text_of(h->find("name"));
    }
  }
  r.record_id = int_of(w->find("record_id")).value_or(-1);
  r.time = to_rfc3339(text_of(doc.find("@timestamp")));
  for (const char* part : {"event_data", "user_data"}) {
    if (const Value* d = w->find(part); d != nullptr && d->is_object()) {
      for (const auto& [k, v] : d->as_object()) r.data.set(k, v);
    }
  }
  return r;
}

Result<WinRecord> from_evtx(const Value& doc) {
  const Value* e = doc.is_object() ? doc.find("Event") : nullptr;
  if (e == nullptr || !e->is_object()) return bad("Event", "is required (an object)");
  const Value* sys = e->find("System");
  if (sys == nullptr || !sys->is_object()) return bad("Event.System", "is required (an object)");
  WinRecord r;
  r.channel = text_of(unwrap(sys->find("Channel")));
  if (r.channel.empty()) return bad("Event.System.Channel", "is required");
  auto id = int_of(unwrap(sys->find("EventID")));
  if (!id) return bad("Event.System.EventID", "is required (an event id)");
  r.event_id = *id;
  r.provider = text_of(attribute(sys->find("Provider"), "Name"));
  r.computer = text_of(unwrap(sys->find("Computer")));
  r.record_id = int_of(unwrap(sys->find("EventRecordID"))).value_or(-1);
  r.time = to_rfc3339(text_of(attribute(sys->find("TimeCreated"), "SystemTime")));
  if (const Value* d = e->find("EventData"); d != nullptr && d->is_object()) {
    const Value* items = d->find("Data");
    if (items != nullptr && (items->is_array() || items->is_object())) {
      core::Array one;
      const core::Array* list = items->is_array() ? &items->as_array() : nullptr;
      if (list == nullptr) {
        one.push_back(*items);
        list = &one;
      }
      int unnamed = 0;
      for (const auto& item : *list) {
        std::string name = text_of(attribute(&item, "Name"));
        const Value* val = item.is_object() ? unwrap(&item) : &item;
        if (val == &item && item.is_object()) val = nullptr;  // {"@Name": x} with no text
        if (name.empty()) name = "Data" + (unnamed++ ? std::to_string(unnamed) : "");
        r.data.set(name, val != nullptr ? *val : Value(""));
      }
    } else {
      for (const auto& [k, v] : d->as_object()) {
        if (k == "#attributes" || (!k.empty() && k[0] == '@')) continue;
        r.data.set(k, *unwrap(&v));
      }
    }
  }
  if (const Value* u = e->find("UserData"); u != nullptr && u->is_object()) {
    for (const auto& [envelope, inner] : u->as_object()) {
      if (!inner.is_object()) continue;
      for (const auto& [k, v] : inner.as_object()) {
        if (k == "#attributes" || (!k.empty() && k[0] == '@')) continue;
        r.data.set(k, *unwrap(&v));
      }
    }
  }
  return r;
}

Result<WinRecord> from_nxlog(const Value& doc) {
  if (!doc.is_object()) return bad("", "an NXLog record must be a JSON object");
  WinRecord r;
  r.channel = text_of(doc.find("Channel"));
  if (r.channel.empty()) r.channel = text_of(doc.find("channel"));
  if (r.channel.empty()) return bad("Channel", "is required");
  auto id = int_of(doc.find("EventID"));
  if (!id) return bad("EventID", "is required (an event id)");
  r.event_id = *id;
  r.provider = text_of(doc.find("SourceName"));
  if (r.provider.empty()) r.provider = text_of(doc.find("ProviderName"));
  r.computer = text_of(doc.find("Hostname"));
  if (r.computer.empty()) r.computer = text_of(doc.find("Computer"));
  r.record_id = int_of(doc.find("RecordNumber")).value_or(int_of(doc.find("EventRecordID")).value_or(-1));
  // Older NXLog writes EventTime in local time without a zone; exports add an ISO
  // @timestamp (UTC) or TimeCreated: prefer the ones with a zone.
  for (const char* key : {"TimeCreated", "@timestamp", "EventTime"}) {
    r.time = to_rfc3339(text_of(doc.find(key)));
    if (!r.time.empty()) break;
  }
  for (const auto& [k, v] : doc.as_object()) {
    if (!nxlog_meta().count(k)) r.data.set(k, v);
  }
  return r;
}

Value to_telemetry(const WinRecord& r) {
  Builder b{r.data};
  std::string ch = lower(r.channel);
  std::string kind;
  if (ch == "microsoft-windows-sysmon/operational") {
    kind = map_sysmon(r.event_id, b);
  } else if (ch == "security") {
    kind = map_security(r.event_id, b);
  } else if (ch == "system") {
    if (r.event_id == 7045) {
      b.str("service.name", "ServiceName");
      b.str("service.image_path", "ImagePath");
      b.str("service.type", "ServiceType");
      b.str("service.start_type", "StartType");
      b.str("user.name", "AccountName");
      kind = "service.install";
    } else if (r.event_id == 104) {
      b.str("log.name", "Channel");
      b.str("user.name", "SubjectUserName");
      kind = "log.cleared";
    }
  } else if (ch == "microsoft-windows-powershell/operational" && r.event_id == 4104) {
    b.str("powershell.file.script_block_text", "ScriptBlockText");
    b.str("powershell.file.script_block_id", "ScriptBlockId");
    b.str("file.path", "Path");
    kind = "powershell.script_block";
  } else if (ch == "microsoft-windows-taskscheduler/operational" &&
             (r.event_id == 106 || r.event_id == 140 || r.event_id == 141 || r.event_id == 200)) {
    b.str("task.name", "TaskName");
    b.str("user.name", "UserContext");
    b.put("action", r.event_id == 106   ? "create"
                    : r.event_id == 140 ? "update"
                    : r.event_id == 141 ? "delete"
                                        : "run");
    kind = "scheduled_task";
  } else if (ch == "microsoft-windows-wmi-activity/operational" && r.event_id == 5861) {
    b.put("wmi.type", "binding");
    b.str("wmi.namespace", "Namespace");
    b.str("wmi.consumer", "CONSUMER");
    b.str("wmi.query", "PossibleCause");
    kind = "wmi";
  }
  if (kind.empty()) {
    b.t = Value::object();  // the generic kind carries no ECS guesses
    kind = "windows.event";
  }
  b.put("event", kind);
  if (!r.computer.empty()) b.put("host.name", r.computer);
  b.put("host.os.type", "windows");
  Value w = Value::object();
  w.set("channel", r.channel);
  w.set("event_id", r.event_id);
  if (!r.provider.empty()) w.set("provider_name", r.provider);
  if (!r.computer.empty()) w.set("computer_name", r.computer);
  if (r.record_id >= 0) w.set("record_id", r.record_id);
  w.set("event_data", r.data);
  b.t.set("winlog", std::move(w));
  return std::move(b.t);
}

}  // namespace genesis::detect::ingest
