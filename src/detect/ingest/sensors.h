// Normalisers for JSON sensors that write one self-contained record per line, into
// Genesis telemetry (docs/telemetry.md, "Falco" and "Zeek"):
//
//   falco  Falco's JSON output: {time, rule, priority, output, source, tags, hostname,
//          output_fields: {"proc.cmdline": ..., "fd.name": ..., ...}}. The event's kind
//          comes from evt.type (execve -> process.start, connect -> network.connection,
//          file calls -> file), else the generic falco.alert. Everything but time and
//          hostname is kept under telemetry.falco (output_fields nested at their dots:
//          "proc.cmdline" -> proc.cmdline; where Falco has both a field and fields under
//          it, "container.image" and "container.image.repository", the former is kept
//          as container.image._value).
//   zeek   Zeek's JSON logs (LogAscii::use_json): conn -> network.connection, dns -> dns,
//          told apart by `_path` when the shipper writes it, else by their fields. The
//          record is kept under telemetry.zeek (id.orig_h -> zeek.id.orig_h), with
//          zeek.log naming the log; a record whose kind lacks a required field becomes
//          the generic zeek.event.
//
// Never throws; bad input is an Error naming the member.
#pragma once

#include <string>

#include "core/result.h"
#include "core/value.h"

namespace genesis::detect::ingest {

// The telemetry object and the event time ("" when the record has none readable).
struct Normalised {
  core::Value telemetry;
  std::string time;
  core::Value generic;  // the generic kind's telemetry, for when `telemetry` does not validate
};

core::Result<Normalised> from_falco(const core::Value& doc);
core::Result<Normalised> from_zeek(const core::Value& doc);

}  // namespace genesis::detect::ingest
