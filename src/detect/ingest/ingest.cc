#include "detect/ingest/ingest.h"

#include <cctype>

#include "detect/ingest/windows.h"
#include "detect/ndjson.h"

namespace genesis::detect::ingest {
namespace {

using core::Result;
using core::Value;
namespace code = core::code;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
  std::string n = lower(name);
  if (n == "genesis" || n.empty()) return Format::kGenesis;
  if (n == "winlogbeat" || n == "ecs" || n == "elastic") return Format::kWinlogbeat;
  if (n == "evtx" || n == "evtx-json") return Format::kEvtx;
  if (n == "nxlog") return Format::kNxlog;
  if (n == "windows") return Format::kWindows;
  return std::nullopt;
}

const char* format_name(Format f) {
  switch (f) {
    case Format::kGenesis: return "genesis";
    case Format::kWinlogbeat: return "winlogbeat";
    case Format::kEvtx: return "evtx";
    case Format::kNxlog: return "nxlog";
    case Format::kWindows: return "windows";
  }
  return "?";
}

std::optional<Format> format_from_content_type(std::string_view ct) {
  std::string c = lower(ct);
  if (auto at = c.find("format="); at != std::string::npos) {
    std::size_t end = c.find_first_of("; ", at + 7);
    return parse_format(c.substr(at + 7, end == std::string::npos ? end : end - at - 7));
  }
  for (const char* name : {"winlogbeat", "evtx", "nxlog"}) {
    if (c.find(std::string("vnd.genesis.") + name) != std::string::npos) return parse_format(name);
  }
  return std::nullopt;
}

Result<Value> normalise(const Value& doc, Format format, const std::string& agent_id) {
  if (format == Format::kGenesis) return validate_event(doc);
  if (!doc.is_object()) {
    return core::make_error(code::kInvalidArgument,
                            std::string("a record must be a JSON object, got ") + doc.kind_name());
  }
  Format f = format;
  if (f == Format::kWindows) {
    std::string shape = detect_shape(doc);
    if (shape.empty()) {
      return core::make_error(code::kInvalidArgument,
                              "not a Windows event in a known shape (winlog.*, Event.System, or "
                              "EventID + Channel)");
    }
    f = *parse_format(shape);
  }
  Result<WinRecord> rec = f == Format::kWinlogbeat ? from_winlogbeat(doc)
                          : f == Format::kEvtx     ? from_evtx(doc)
                                                   : from_nxlog(doc);
  if (!rec.ok()) return rec.error();
  std::string agent = agent_id;
  if (const Value* own = doc.find("agent_id"); own != nullptr && own->is_string()) {
    agent = own->as_string();
  }
  if (agent.empty()) {
    return core::make_error(code::kInvalidArgument,
                            std::string("the agent is required for format ") + format_name(format) +
                                " (the agent_id parameter)",
                            "agent_id");
  }
  Value event = Value::object();
  event.set("agent_id", agent);
  if (!rec->time.empty()) event.set("ts", rec->time);
  event.set("telemetry", to_telemetry(*rec));
  auto ok = validate_event(event);
  if (ok.ok()) return ok;
  // The specific kind lacks something it requires: keep the event as the generic kind.
  Value generic = event;
  Value t = Value::object();
  t.set("event", "windows.event");
  t.set("host", *event.find("telemetry")->find("host"));
  t.set("winlog", *event.find("telemetry")->find("winlog"));
  generic.set("telemetry", std::move(t));
  return validate_event(generic);
}

Batch decode(std::string_view body, Format format, const std::string& agent_id) {
  if (format == Format::kGenesis) return decode_batch(body);
  Batch batch;
  each_document(body, [&](Result<Value> doc, std::size_t line) {
    add_to_batch(batch, doc.ok() ? normalise(*doc, format, agent_id) : Result<Value>(doc.error()),
                 line);
  });
  return batch;
}

}  // namespace genesis::detect::ingest
