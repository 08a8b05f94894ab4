// Telemetry: the events endpoint sensors report for an agent, their schema and
// their validation (the decode and validate stages of the detection pipeline).
//
// An event is {"agent_id": "<id>", "ts": "<RFC 3339>"?, "telemetry": {"event": KIND, ...}}.
// Field names follow the Elastic Common Schema (ECS) as nested objects
// ({"process": {"command_line": ...}}); dotted keys ({"process.command_line": ...})
// are accepted too and expanded, so flattened sensor output maps in unchanged.
// The schema of every kind is in docs/telemetry.md and in kinds() below.
//
// Validation never throws and never asserts on input: each problem is an Error
// whose `where` is the field's path ("telemetry.dns.question.name") and whose
// message says what was expected.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace genesis::detect {

enum class FieldType {
  kString,       // non-empty string
  kInt,          // integer
  kCount,        // integer >= 0
  kBool,         // true / false
  kStringArray,  // array of strings
  kArray,        // any array
  kIp,           // IPv4 or IPv6 address as text
  kPort,         // integer 0..65535
  kAccessMask,   // Windows access mask: integer >= 0 or hex text "0x1410" (normalized to int)
};

struct FieldSpec {
  std::string_view path;      // dotted path under "telemetry", e.g. "process.command_line"
  FieldType type;
  bool required;
  std::vector<std::string_view> one_of;  // allowed values of a string field; empty = any
};

struct KindSpec {
  std::string_view kind;         // the value of telemetry.event, e.g. "process.start"
  std::string_view description;  // what a sensor observed
  std::vector<FieldSpec> fields;
};

// Every accepted telemetry kind, in documentation order (ECS kinds, then the
// seed's three legacy kinds). Stable for the life of the process.
const std::vector<KindSpec>& kinds();
const KindSpec* find_kind(std::string_view kind);

// Decodes nothing: validates one already-parsed event and returns its
// normalized form ({agent_id, ts?, telemetry} with dotted keys expanded and
// access masks as integers). Unknown top-level members are refused (they are
// typos); unknown telemetry fields are kept (sensors report more than we read).
core::Result<core::Value> validate_event(const core::Value& event);

// Parses and validates one JSON text holding a single event.
core::Result<core::Value> decode_event(std::string_view text);

struct LineError {
  std::size_t line = 0;  // 1-based line of the NDJSON body
  core::Error error;
};

struct Batch {
  std::vector<core::Value> events;  // the good events, normalized, in input order
  std::vector<std::size_t> lines;   // lines[i] is the line events[i] came from
  std::vector<LineError> errors;    // one per bad line, in input order
};

// Decodes a body that is one JSON event (possibly pretty-printed over many
// lines) or NDJSON: one event per line, blank lines ignored. Good events are
// kept; bad lines are reported by line number and do not stop the rest.
Batch decode_batch(std::string_view body);

// Appends one decoded event, or its error, for `line` (the decoders' common step).
void add_to_batch(Batch& batch, core::Result<core::Value> event, std::size_t line);

}  // namespace genesis::detect
