// Ingest: the decode stage for every telemetry format POST /v1/telemetry accepts.
//
//   genesis     Genesis events {agent_id, ts?, telemetry} (telemetry.h); the default
//   winlogbeat  Winlogbeat / Elastic Agent ECS documents          (windows.h)
//   evtx        EVTX XML rendered as JSON (Event.System / Event.EventData)
//   nxlog       NXLog-style flat Windows records (EventID, Channel, data at top level)
//   windows     any of the three Windows shapes, told apart per record
//   auditd      auditd's log lines (audit.log, `ausearch -r`), records grouped into
//               events by serial; laurel's JSON lines are read too      (auditd.h)
//   laurel      laurel's JSON, one audit event per line
//   falco       Falco's JSON output                                      (sensors.h)
//   zeek        Zeek's conn and dns logs as JSON
//
// A body is one JSON document (possibly pretty-printed) or NDJSON, one per line; each
// line is decoded, normalised and validated on its own, so one bad line never drops the
// others (auditd text: each event, reported at its first record's line). The whole
// body is decoded before anything is recorded. Foreign formats carry no Genesis agent:
// the caller names it (`agent_id`), unless a JSON record has its own top-level
// "agent_id" member.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "detect/telemetry.h"

namespace genesis::detect::ingest {

enum class Format { kGenesis, kWinlogbeat, kEvtx, kNxlog, kWindows, kAuditd, kLaurel, kFalco, kZeek };

// "genesis", "winlogbeat" (also "ecs", "elastic"), "evtx", "nxlog", "windows", "auditd",
// "laurel", "falco", "zeek"; nullopt for anything else.
std::optional<Format> parse_format(std::string_view name);
const char* format_name(Format f);
// "genesis, winlogbeat, evtx, nxlog, windows, auditd, laurel, falco or zeek" (errors).
const char* format_names();

// The format a Content-Type names with a `format=` parameter or a vendor type
// ("application/x-ndjson; format=nxlog", "application/vnd.genesis.winlogbeat+json");
// nullopt when it names none (then the `format` query parameter or genesis applies).
std::optional<Format> format_from_content_type(std::string_view content_type);

// Decodes, normalises and validates a body. Good events come out as Genesis events
// ({agent_id, ts?, telemetry}); bad lines are reported with their line number.
Batch decode(std::string_view body, Format format, const std::string& agent_id);

// One already-parsed document of `format` -> a validated Genesis event.
core::Result<core::Value> normalise(const core::Value& doc, Format format,
                                    const std::string& agent_id);

}  // namespace genesis::detect::ingest
