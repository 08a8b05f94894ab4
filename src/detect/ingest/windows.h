// Windows event normalisers: Sysmon, Security, System, PowerShell, Task Scheduler and
// WMI events as the usual shippers render them to JSON, into Genesis telemetry (the
// ECS-shaped object of docs/telemetry.md, "Sources").
//
// Three shapes are read, each into one WinRecord:
//   winlogbeat  Winlogbeat / Elastic Agent ECS documents: winlog.{channel, event_id,
//               provider_name, computer_name, record_id, event_data, user_data}
//   evtx        the EVTX XML rendered as JSON: Event.System.{Provider, EventID, Channel,
//               Computer, TimeCreated, EventRecordID}, Event.EventData (a map, or Data
//               items {"@Name"|"Name", "#text"}), Event.UserData (one envelope deep)
//   nxlog       NXLog-style flat records: EventID, Channel, SourceName|ProviderName,
//               Hostname|Computer, EventTime|TimeCreated|@timestamp, and the event's
//               data fields at the top level beside NXLog's own (kNxlogMeta)
// Then to_telemetry() picks the kind from (channel, event id), maps the data fields to
// ECS paths, and keeps every data field as written under winlog.event_data, so nothing
// the sensor sent is lost. An event whose specific kind lacks a required field, or that
// has none, becomes the generic kind `windows.event` (channel and id kept).
//
// Never throws; bad input is an Error naming the member.
#pragma once

#include <string>

#include "core/result.h"
#include "core/value.h"

namespace genesis::detect::ingest {

struct WinRecord {
  std::string channel;       // as written ("Microsoft-Windows-Sysmon/Operational")
  int64_t event_id = -1;
  std::string provider;      // provider name
  std::string computer;      // host name
  std::string time;          // RFC 3339, "" when the record has none
  int64_t record_id = -1;    // -1 when absent
  core::Value data = core::Value::object();  // EventData / UserData members, as written
};

core::Result<WinRecord> from_winlogbeat(const core::Value& doc);
core::Result<WinRecord> from_evtx(const core::Value& doc);
core::Result<WinRecord> from_nxlog(const core::Value& doc);

// Which shape a document has: "winlogbeat", "evtx", "nxlog", or "" when none.
std::string detect_shape(const core::Value& doc);

// The telemetry object ({"event": KIND, ...}) for a record; it still goes through
// validate_event with its envelope.
core::Value to_telemetry(const WinRecord& r);

// Time as shippers write it -> RFC 3339: "2020-09-21 19:18:51" (no zone: UTC),
// "2020-09-21T19:18:51.123Z", "2020-10-21T09:40:38.9263420Z"; "" when unreadable.
std::string to_rfc3339(const std::string& s);

}  // namespace genesis::detect::ingest
