// Internal: how a Sigma logsource and its field names meet Genesis telemetry.
//
// A logsource resolves to a Target: a Genesis telemetry kind (process.start,
// registry, ...) with optional `action` values, a Windows event log channel with
// optional event ids (service: security, category: ps_module, ...), or a sensor's own
// records (product: linux, service: auditd -> telemetry.auditd; product: zeek ->
// the kept Zeek record). A field name resolves to the telemetry paths tried in order:
// the ECS path Genesis normalises it to, then `winlog.event_data.<Name>` for Windows
// sources (where the ingest keeps every EventData member as the sensor wrote it);
// auditd fields name audit record fields (type, a0, SYSCALL, exe, name, ...) and Zeek
// fields the record's (query, id.orig_h, ...) as the normalisers keep them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigma/sigma.h"

namespace genesis::sigma {

struct Target {
  std::string kind;                  // Genesis kind, or "" for a channel target
  std::vector<std::string> actions;  // accepted `action` values of the kind; empty = any
  std::vector<std::string> channels; // lower-cased channel names (channel target)
  std::vector<int64_t> event_ids;    // required winlog.event_id (channel target); empty = any
  bool windows = false;              // fields fall back to winlog.event_data.<Name>
  // A sensor whose events carry its records whole, whatever their kind: "auditd"
  // (telemetry.auditd), "zeek:conn" / "zeek:dns" (telemetry.zeek with zeek.log that log).
  // Its rules see every event of the sensor.
  std::string source;

  std::string bucket() const;        // "kind:<kind>", "source:<source>" or "channel:<first>"
};

// nullopt: no Genesis kind or channel for it.
std::optional<Target> resolve_logsource(const Logsource& ls);

struct FieldPaths {
  std::vector<std::string> paths;  // dotted telemetry paths, tried in order
  bool hex = false;                // integers render as "0x..." (access masks)
};

// nullopt: the field is unknown for this target.
std::optional<FieldPaths> resolve_field(const Target& target, std::string_view field);

}  // namespace genesis::sigma
