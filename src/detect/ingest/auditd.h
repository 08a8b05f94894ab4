// Linux audit normalisers: auditd's own log lines and laurel's JSON, into Genesis
// telemetry (docs/telemetry.md, "auditd and laurel").
//
// auditd writes one event as several records (lines) that share `msg=audit(TS:SERIAL)`:
//   type=SYSCALL msg=audit(1626611363.720:348501): arch=c000003e syscall=59 ... exe="/usr/bin/perl"
//   type=EXECVE msg=audit(1626611363.720:348501): argc=3 a0="perl" a1="-e" a2=75736520...
//   type=CWD / PATH (one per name) / PROCTITLE / SOCKADDR ... / EOE
// parse_audit_log groups the records of a body by serial (they may interleave with other
// events' records, as several CPUs write them; `ausearch -r` separates events with
// "----"), decodes what auditd hex-encodes (arguments, paths, proctitle, comm, exe, key),
// joins split arguments (a1[0]= a1[1]= ...), and reads auditd's ENRICHED form (the
// interpreted UID=, SYSCALL=, ... after a 0x1d separator). laurel (an auditd plug-in)
// writes the same grouping as one JSON object per line; from_laurel reads it into the
// same AuditEvent, so both normalise alike.
//
// The kept form, `telemetry.auditd` (what ECS does not name, nothing dropped):
//   sequence   the event's serial number        types     its record types, in order
//   record     the main record: SYSCALL, or the first record of an event without one
//   execve     {argc, a0, a1, ...} decoded      cwd       the working directory
//   path       the PATH records as columns: {name: [...], nametype: [...], ...}, one
//              entry per record (null where a record lacks the field)
//   proctitle  decoded, arguments joined by spaces
//   sockaddr   {saddr, family, addr?, port?, path?}
//   parent_info  laurel's parent process   <type>  any other record (an array if repeated)
// All audit values are kept as auditd writes them, as text (laurel's numbers and its
// "0x" / "0o" forms are written back that way).
//
// Never throws; bad input is an Error naming the line or member.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "detect/telemetry.h"

namespace genesis::detect::ingest {

struct AuditEvent {
  std::string time;  // RFC 3339 (UTC), from the event's audit timestamp
  std::string node;  // node= of the records ("" when absent)
  core::Value auditd = core::Value::object();  // the kept form above
};

struct AuditLog {
  std::vector<std::pair<std::size_t, AuditEvent>> events;  // (first line, event), in order
  std::vector<LineError> errors;                            // lines that are not audit records
};

// Raw audit.log / `ausearch -r` text -> events. A line that starts with '{' is not
// audit text: it is left to the caller (reported in `json_lines`).
AuditLog parse_audit_log(std::string_view body, std::vector<std::size_t>* json_lines = nullptr);

// One laurel JSON object -> an event.
core::Result<AuditEvent> from_laurel(const core::Value& doc);

// The telemetry object ({"event": KIND, ECS fields, "auditd": kept}) for an event; it
// still goes through validate_event with its envelope. `generic` asks for the generic
// kind (auditd.event) with no ECS guesses.
core::Value audit_telemetry(const AuditEvent& e, bool generic = false);

// The syscall's name for an audit arch (hex as auditd writes it: "c000003e") and
// number; "" when unknown.
std::string syscall_name(std::string_view arch, std::string_view number);

}  // namespace genesis::detect::ingest
