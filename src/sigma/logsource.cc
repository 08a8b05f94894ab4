#include "sigma/logsource.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace genesis::sigma {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

constexpr const char* kSysmon = "microsoft-windows-sysmon/operational";

// Windows categories (Sysmon and friends) that Genesis has a kind for.
struct CategoryTarget {
  const char* kind;
  std::vector<std::string> actions;
};
const std::map<std::string, CategoryTarget>& categories() {
  static const std::map<std::string, CategoryTarget> m = {
      {"process_creation", {"process.start", {}}},
      {"process_access", {"process.access", {}}},
      {"create_remote_thread", {"process.remote_thread", {}}},
      {"dns_query", {"dns", {}}},
      {"dns", {"dns", {}}},
      {"network_connection", {"network.connection", {}}},
      {"file_event", {"file", {"create"}}},
      {"file_delete", {"file", {"delete"}}},
      {"file_change", {"file", {"modify"}}},
      {"file_rename", {"file", {"rename"}}},
      {"registry_event", {"registry", {}}},
      {"registry_add", {"registry", {"create"}}},
      {"registry_delete", {"registry", {"delete"}}},
      {"registry_set", {"registry", {"set"}}},
      {"registry_rename", {"registry", {"rename"}}},
      {"image_load", {"module.load", {}}},
      {"ps_script", {"powershell.script_block", {}}},
      {"pipe_created", {"pipe", {}}},
      {"wmi_event", {"wmi", {}}},
      {"process_tampering", {"process.tampering", {}}},
  };
  return m;
}

// Windows categories that are channels and event ids (the generic kind keeps them).
struct ChannelTarget {
  std::vector<std::string> channels;
  std::vector<int64_t> ids;
};
const std::map<std::string, ChannelTarget>& channel_categories() {
  static const std::map<std::string, ChannelTarget> m = {
      {"ps_module", {{"microsoft-windows-powershell/operational"}, {4103}}},
      {"ps_classic_start", {{"windows powershell"}, {400}}},
      {"ps_classic_provider_start", {{"windows powershell"}, {600}}},
      {"ps_classic_script", {{"windows powershell"}, {800}}},
      {"driver_load", {{kSysmon}, {6}}},
      {"raw_access_thread", {{kSysmon}, {9}}},
      {"create_stream_hash", {{kSysmon}, {15}}},
      {"sysmon_status", {{kSysmon}, {4, 16}}},
      {"sysmon_error", {{kSysmon}, {255}}},
      {"clipboard_capture", {{kSysmon}, {24}}},
      {"file_block_executable", {{kSysmon}, {27}}},
      {"file_block_shredding", {{kSysmon}, {28}}},
      {"file_executable_detected", {{kSysmon}, {29}}},
  };
  return m;
}

// Windows `service:` -> event log channel(s), as pySigma's Windows pipeline names them.
const std::map<std::string, std::vector<std::string>>& services() {
  static const std::map<std::string, std::vector<std::string>> m = {
      {"security", {"security"}},
      {"system", {"system"}},
      {"application", {"application"}},
      {"sysmon", {kSysmon}},
      {"powershell", {"microsoft-windows-powershell/operational"}},
      {"powershell-classic", {"windows powershell"}},
      {"taskscheduler", {"microsoft-windows-taskscheduler/operational"}},
      {"wmi", {"microsoft-windows-wmi-activity/operational"}},
      {"dns-server", {"dns server"}},
      {"dns-server-analytic", {"microsoft-windows-dns-server/analytical"}},
      {"dns-server-audit", {"microsoft-windows-dns-server/audit"}},
      {"driver-framework", {"microsoft-windows-driverframeworks-usermode/operational"}},
      {"ntlm", {"microsoft-windows-ntlm/operational"}},
      {"dhcp", {"microsoft-windows-dhcp-server/operational"}},
      {"msexchange-management", {"msexchange management"}},
      {"applocker",
       {"microsoft-windows-applocker/msi and script", "microsoft-windows-applocker/exe and dll",
        "microsoft-windows-applocker/packaged app-deployment",
        "microsoft-windows-applocker/packaged app-execution"}},
      {"printservice-admin", {"microsoft-windows-printservice/admin"}},
      {"printservice-operational", {"microsoft-windows-printservice/operational"}},
      {"codeintegrity-operational", {"microsoft-windows-codeintegrity/operational"}},
      {"smbclient-security", {"microsoft-windows-smbclient/security"}},
      {"smbclient-connectivity", {"microsoft-windows-smbclient/connectivity"}},
      {"firewall-as",
       {"microsoft-windows-windows firewall with advanced security/firewall"}},
      {"bits-client", {"microsoft-windows-bits-client/operational"}},
      {"windefend", {"microsoft-windows-windows defender/operational"}},
      {"terminalservices-localsessionmanager",
       {"microsoft-windows-terminalservices-localsessionmanager/operational"}},
      {"microsoft-servicebus-client", {"microsoft-servicebus-client"}},
      {"ldap", {"microsoft-windows-ldap-client/debug"}},
      {"security-mitigations",
       {"microsoft-windows-security-mitigations/kernel mode",
        "microsoft-windows-security-mitigations/user mode"}},
      {"diagnosis-scripted", {"microsoft-windows-diagnosis-scripted/operational"}},
      {"shell-core", {"microsoft-windows-shell-core/operational"}},
      {"openssh", {"openssh/operational"}},
      {"bitlocker", {"microsoft-windows-bitlocker/bitlocker management"}},
      {"vhdmp", {"microsoft-windows-vhdmp/operational"}},
      {"appxdeployment-server", {"microsoft-windows-appxdeploymentserver/operational"}},
      {"lsa-server", {"microsoft-windows-lsa/operational"}},
      {"appxpackaging-om", {"microsoft-windows-appxpackaging/operational"}},
      {"dns-client", {"microsoft-windows-dns client events/operational"}},
      {"appmodel-runtime", {"microsoft-windows-appmodel-runtime/admin"}},
      {"capi2", {"microsoft-windows-capi2/operational"}},
      {"certificateservicesclient-lifecycle-system",
       {"microsoft-windows-certificateservicesclient-lifecycle-system/operational"}},
      {"kernel-shimengine", {"microsoft-windows-kernel-shimengine/operational"}},
      {"kernel-event-tracing", {"microsoft-windows-kernel-eventtracing/admin"}},
      {"hyper-v-worker", {"microsoft-windows-hyper-v-worker"}},
      {"iis-configuration",
       {"microsoft-iis-configuration/operational", "microsoft-iis-configuration/administrative"}},
      {"sysmon-error", {kSysmon}},
      {"userdevicemanager-registration", {"microsoft-windows-user device registration/admin"}},
      {"time-service", {"microsoft-windows-time-service/operational"}},
      {"ntfs", {"microsoft-windows-ntfs/operational"}},
      {"smbserver-connectivity", {"microsoft-windows-smbserver/connectivity"}},
      {"smbserver-security", {"microsoft-windows-smbserver/security"}},
      {"wmi-activity", {"microsoft-windows-wmi-activity/operational"}},
      {"rdp", {"microsoft-windows-terminalservices-remoteconnectionmanager/operational"}},
  };
  return m;
}

// Sigma (Sysmon / Windows) field -> Genesis ECS path, per kind. The same names serve
// Linux and macOS rules of those categories.
using FieldMap = std::map<std::string, FieldPaths, std::less<>>;
const std::map<std::string, FieldMap>& ecs_fields() {
  static const FieldMap process = {
      {"Image", {{"process.executable"}}},
      {"CommandLine", {{"process.command_line"}}},
      {"ParentImage", {{"process.parent.executable"}}},
      {"ParentCommandLine", {{"process.parent.command_line"}}},
      {"ProcessId", {{"process.pid"}}},
      {"ParentProcessId", {{"process.parent.pid"}}},
      {"CurrentDirectory", {{"process.working_directory"}}},
      {"User", {{"user.name"}}},
      {"OriginalFileName", {{"process.pe.original_file_name"}}},
      {"Description", {{"process.pe.description"}}},
      {"Product", {{"process.pe.product"}}},
      {"Company", {{"process.pe.company"}}},
      {"FileVersion", {{"process.pe.file_version"}}},
      {"Hashes", {{"process.hash.sigma"}}},
      {"IntegrityLevel", {{"process.integrity_level"}}},
      {"LogonId", {{"user.logon_id"}}},
      {"ParentUser", {{"process.parent.user.name"}}},
      {"Computer", {{"host.name"}}},
  };
  static const FieldMap access = {
      {"SourceImage", {{"process.executable"}}},
      {"TargetImage", {{"target.executable"}}},
      {"GrantedAccess", {{"process.granted_access"}, true}},
      {"CallTrace", {{"process.call_trace"}}},
      {"SourceProcessId", {{"process.pid"}}},
      {"TargetProcessId", {{"target.pid"}}},
      {"SourceUser", {{"user.name"}}},
      {"TargetUser", {{"target.user.name"}}},
  };
  static const FieldMap thread = {
      {"SourceImage", {{"process.executable"}}},
      {"TargetImage", {{"target.executable"}}},
      {"SourceProcessId", {{"process.pid"}}},
      {"TargetProcessId", {{"target.pid"}}},
      {"StartModule", {{"thread.start_module"}}},
      {"StartFunction", {{"thread.start_function"}}},
      {"StartAddress", {{"thread.start_address"}}},
  };
  static const FieldMap dns = {
      {"Image", {{"process.executable"}}},
      {"QueryName", {{"dns.question.name"}}},
      {"query", {{"dns.question.name"}}},
      {"record_type", {{"dns.question.type"}}},
      {"QueryStatus", {{"dns.response_code"}}},
      {"QueryResults", {{"dns.answers_text"}}},
      {"answer", {{"dns.answers_text"}}},
      {"ProcessId", {{"process.pid"}}},
      {"User", {{"user.name"}}},
  };
  static const FieldMap net = {
      {"Image", {{"process.executable"}}},
      {"DestinationIp", {{"destination.ip"}}},
      {"DestinationPort", {{"destination.port"}}},
      {"DestinationHostname", {{"destination.domain"}}},
      {"SourceIp", {{"source.ip"}}},
      {"SourcePort", {{"source.port"}}},
      {"SourceHostname", {{"source.domain"}}},
      {"Protocol", {{"network.transport"}}},
      {"Initiated", {{"network.initiated"}}},
      {"User", {{"user.name"}}},
      {"ProcessId", {{"process.pid"}}},
      {"Computer", {{"host.name"}}},
  };
  static const FieldMap file = {
      {"Image", {{"process.executable"}}},
      {"TargetFilename", {{"file.path"}}},
      {"SourceFilename", {{"file.source_path"}}},
      {"User", {{"user.name"}}},
      {"ProcessId", {{"process.pid"}}},
  };
  static const FieldMap reg = {
      {"Image", {{"process.executable"}}},
      {"TargetObject", {{"registry.path"}}},
      {"Details", {{"registry.data.strings"}}},
      {"NewName", {{"registry.new_path"}}},
      {"User", {{"user.name"}}},
      {"ProcessId", {{"process.pid"}}},
  };
  static const FieldMap module = {
      {"Image", {{"process.executable"}}},
      {"ImageLoaded", {{"dll.path"}}},
      {"Signed", {{"dll.code_signature.signed"}}},
      {"Signature", {{"dll.code_signature.subject_name"}}},
      {"SignatureStatus", {{"dll.code_signature.status"}}},
      {"Hashes", {{"dll.hash.sigma"}}},
      {"OriginalFileName", {{"dll.pe.original_file_name"}}},
      {"Description", {{"dll.pe.description"}}},
      {"Product", {{"dll.pe.product"}}},
      {"Company", {{"dll.pe.company"}}},
      {"FileVersion", {{"dll.pe.file_version"}}},
      {"User", {{"user.name"}}},
      {"ProcessId", {{"process.pid"}}},
  };
  static const FieldMap ps = {
      {"ScriptBlockText", {{"powershell.file.script_block_text"}}},
      {"ScriptBlockId", {{"powershell.file.script_block_id"}}},
      {"Path", {{"file.path"}}},
  };
  static const FieldMap pipe = {
      {"Image", {{"process.executable"}}},
      {"PipeName", {{"pipe.name"}}},
      {"User", {{"user.name"}}},
      {"ProcessId", {{"process.pid"}}},
  };
  static const FieldMap wmi = {
      {"Destination", {{"wmi.destination"}}},
      {"Query", {{"wmi.query"}}},
      {"Name", {{"wmi.name"}}},
      {"Operation", {{"wmi.operation"}}},
      {"Consumer", {{"wmi.consumer"}}},
      {"Filter", {{"wmi.filter"}}},
      {"User", {{"user.name"}}},
  };
  static const FieldMap tamper = {
      {"Image", {{"process.executable"}}},
      {"Type", {{"tampering.type"}}},
      {"User", {{"user.name"}}},
      {"ProcessId", {{"process.pid"}}},
  };
  static const std::map<std::string, FieldMap> m = {
      {"process.start", process}, {"process.access", access},
      {"process.remote_thread", thread}, {"dns", dns},
      {"network.connection", net}, {"file", file},
      {"registry", reg}, {"module.load", module},
      {"powershell.script_block", ps}, {"pipe", pipe},
      {"wmi", wmi}, {"process.tampering", tamper},
  };
  return m;
}

// Fields every Windows event carries, whatever its kind.
const FieldMap& windows_common() {
  static const FieldMap m = {
      {"EventID", {{"winlog.event_id"}}},
      {"Channel", {{"winlog.channel"}}},
      {"Provider_Name", {{"winlog.provider_name"}}},
      {"Computer", {{"host.name"}}},
  };
  return m;
}

// auditd (the kept form of src/detect/ingest/auditd.h): Sigma's auditd rules test one
// audit record's fields (type: EXECVE, a0: chmod); Genesis groups an event's records,
// so a field is looked up in the record that carries it. `type` is any of the event's
// record types; aN is the EXECVE argument, else the syscall argument (an execve event
// has both, and the rules that name a0 of a SYSCALL are about calls that have no
// EXECVE); PATH fields are columns (any of the event's paths); any other field is the
// main record's (SYSCALL's, or a user-space record's: SERVICE_STOP's unit).
std::optional<FieldPaths> auditd_field(std::string_view field) {
  static const std::set<std::string, std::less<>> path_fields = {
      "item", "name", "inode", "dev", "mode", "ouid", "ogid", "rdev", "nametype", "obj",
      "cap_fp", "cap_fi", "cap_fe", "cap_fver", "cap_frootid", "OUID", "OGID"};
  std::string f(field);
  if (f == "type") return FieldPaths{{"auditd.types"}};
  if (f.size() > 1 && f[0] == 'a' &&
      std::all_of(f.begin() + 1, f.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return FieldPaths{{"auditd.execve." + f, "auditd.record." + f}};
  }
  if (f == "argc") return FieldPaths{{"auditd.execve.argc"}};
  if (f == "SYSCALL" || f == "syscall") return FieldPaths{{"auditd.record.SYSCALL"}};
  if (f == "cwd") return FieldPaths{{"auditd.cwd"}};
  if (f == "proctitle") return FieldPaths{{"auditd.proctitle"}};
  if (f == "saddr") return FieldPaths{{"auditd.sockaddr.saddr"}};
  if (path_fields.count(f)) return FieldPaths{{"auditd.path." + f}};
  if (f.empty() || f.find('.') != std::string::npos) return std::nullopt;
  return FieldPaths{{"auditd.record." + f}};
}

}  // namespace

std::string Target::bucket() const {
  if (!source.empty()) return "source:" + source;
  return kind.empty() ? "channel:" + (channels.empty() ? std::string() : channels.front())
                      : "kind:" + kind;
}

std::optional<Target> resolve_logsource(const Logsource& ls) {
  std::string product = lower(ls.product), category = lower(ls.category),
              service = lower(ls.service);
  Target t;
  if (product == "windows") {
    t.windows = true;
    if (!category.empty()) {
      if (auto it = categories().find(category); it != categories().end()) {
        t.kind = it->second.kind;
        t.actions = it->second.actions;
        return t;
      }
      if (auto it = channel_categories().find(category); it != channel_categories().end()) {
        t.channels = it->second.channels;
        t.event_ids = it->second.ids;
        return t;
      }
      return std::nullopt;
    }
    if (!service.empty()) {
      if (auto it = services().find(service); it != services().end()) {
        t.channels = it->second;
        return t;
      }
    }
    return std::nullopt;
  }
  if (product == "zeek") {
    // Zeek's logs Genesis ingests (format zeek): the record is kept under telemetry.zeek.
    if (service == "conn" || service == "dns") {
      t.source = "zeek:" + service;
      return t;
    }
    return std::nullopt;
  }
  if (product == "linux" || product == "macos" || product.empty()) {
    // The ECS kinds are the same on every OS; of the service-only logsources, auditd's
    // records are kept whole (telemetry.auditd); syslog, sshd... have no Genesis kind yet.
    if (product == "linux" && service == "auditd" && category.empty()) {
      t.source = "auditd";
      return t;
    }
    if (!service.empty() || category.empty()) return std::nullopt;
    static const std::vector<std::string> portable = {
        "process_creation", "network_connection", "file_event", "file_delete",
        "file_change", "file_rename", "dns_query", "dns"};
    if (std::find(portable.begin(), portable.end(), category) == portable.end()) {
      return std::nullopt;
    }
    if (product.empty() && category != "dns") return std::nullopt;
    const auto& c = categories().at(category);
    t.kind = c.kind;
    t.actions = c.actions;
    return t;
  }
  return std::nullopt;
}

std::optional<FieldPaths> resolve_field(const Target& target, std::string_view field) {
  if (target.source == "auditd") return auditd_field(field);
  if (target.source.rfind("zeek:", 0) == 0) {
    // Zeek's field names are the record's (id.orig_h nests as the ingest keeps it).
    std::string f(field);
    if (f.empty() || f.front() == '.' || f.back() == '.' || f.find("..") != std::string::npos) {
      return std::nullopt;
    }
    return FieldPaths{{"zeek." + f}};
  }
  if (target.windows) {
    if (auto it = windows_common().find(field); it != windows_common().end()) {
      return it->second;
    }
  }
  FieldPaths out;
  if (!target.kind.empty()) {
    auto m = ecs_fields().find(target.kind);
    if (m != ecs_fields().end()) {
      if (auto it = m->second.find(field); it != m->second.end()) out = it->second;
    }
  }
  if (target.windows) {
    // Sigma names are the EventData names: the ingest keeps them all there.
    out.paths.push_back("winlog.event_data." + std::string(field));
  }
  if (out.paths.empty()) return std::nullopt;
  return out;
}

}  // namespace genesis::sigma
