#include "detect/ingest/ingest.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "detect/ingest/auditd.h"
#include "detect/ingest/sensors.h"
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
  if (n == "auditd" || n == "audit") return Format::kAuditd;
  if (n == "laurel") return Format::kLaurel;
  if (n == "falco") return Format::kFalco;
  if (n == "zeek") return Format::kZeek;
  return std::nullopt;
}

const char* format_name(Format f) {
  switch (f) {
    case Format::kGenesis: return "genesis";
    case Format::kWinlogbeat: return "winlogbeat";
    case Format::kEvtx: return "evtx";
    case Format::kNxlog: return "nxlog";
    case Format::kWindows: return "windows";
    case Format::kAuditd: return "auditd";
    case Format::kLaurel: return "laurel";
    case Format::kFalco: return "falco";
    case Format::kZeek: return "zeek";
  }
  return "?";
}

const char* format_names() {
  return "genesis, winlogbeat, evtx, nxlog, windows, auditd, laurel, falco or zeek";
}

std::optional<Format> format_from_content_type(std::string_view ct) {
  std::string c = lower(ct);
  if (auto at = c.find("format="); at != std::string::npos) {
    std::size_t end = c.find_first_of("; ", at + 7);
    return parse_format(c.substr(at + 7, end == std::string::npos ? end : end - at - 7));
  }
  for (const char* name : {"winlogbeat", "evtx", "nxlog", "windows", "auditd", "laurel", "falco", "zeek"}) {
    if (c.find(std::string("vnd.genesis.") + name) != std::string::npos) return parse_format(name);
  }
  return std::nullopt;
}

namespace {

// {agent_id, ts?, telemetry} validated; when the specific kind lacks something it
// requires, the event is kept as `generic` (the source's generic kind) instead.
Result<Value> envelope(const Value& doc, Format format, const std::string& agent_id,
                       const std::string& time, Value telemetry, const Value* generic) {
  std::string agent = agent_id;
  if (const Value* own = doc.is_object() ? doc.find("agent_id") : nullptr;
      own != nullptr && own->is_string()) {
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
  if (!time.empty()) event.set("ts", time);
  event.set("telemetry", std::move(telemetry));
  auto ok = validate_event(event);
  if (ok.ok() || generic == nullptr) return ok;
  event.set("telemetry", *generic);
  return validate_event(event);
}

Result<Value> normalise_audit(const Value& doc, Format format, const std::string& agent_id) {
  auto e = from_laurel(doc);
  if (!e.ok()) return e.error();
  Value generic = audit_telemetry(*e, true);
  return envelope(doc, format, agent_id, e->time, audit_telemetry(*e), &generic);
}

}  // namespace

Result<Value> normalise(const Value& doc, Format format, const std::string& agent_id) {
  if (format == Format::kGenesis) return validate_event(doc);
  if (!doc.is_object()) {
    return core::make_error(code::kInvalidArgument,
                            std::string("a record must be a JSON object, got ") + doc.kind_name());
  }
  if (format == Format::kAuditd || format == Format::kLaurel) {
    return normalise_audit(doc, format, agent_id);
  }
  if (format == Format::kFalco || format == Format::kZeek) {
    auto n = format == Format::kFalco ? from_falco(doc) : from_zeek(doc);
    if (!n.ok()) return n.error();
    return envelope(doc, format, agent_id, n->time, std::move(n->telemetry), &n->generic);
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
  Value t = to_telemetry(*rec);
  // The generic kind keeps the channel, id and data with no ECS guesses.
  Value generic = Value::object();
  generic.set("event", "windows.event");
  generic.set("host", *t.find("host"));
  generic.set("winlog", *t.find("winlog"));
  return envelope(doc, format, agent_id, rec->time, std::move(t), &generic);
}

Batch decode(std::string_view body, Format format, const std::string& agent_id) {
  if (format == Format::kGenesis) return decode_batch(body);
  Batch batch;
  if (format == Format::kAuditd) {
    // Audit text is grouped across lines; laurel lines among it are read one by one.
    std::vector<std::size_t> json_lines;
    AuditLog log = parse_audit_log(body, &json_lines);
    std::vector<std::pair<std::size_t, Result<Value>>> out;
    for (auto& [line, e] : log.events) {
      Value generic = audit_telemetry(e, true);
      out.push_back({line, envelope(Value::object(), format, agent_id, e.time, audit_telemetry(e),
                                    &generic)});
    }
    for (auto& err : log.errors) out.push_back({err.line, err.error});
    if (!json_lines.empty()) {
      each_line(body, [&](std::string_view text, std::size_t line) {
        if (!std::binary_search(json_lines.begin(), json_lines.end(), line)) return;
        auto doc = core::parse_json(text);
        out.push_back({line, doc.ok() ? normalise(*doc, format, agent_id) : Result<Value>(doc.error())});
      });
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [line, ev] : out) add_to_batch(batch, std::move(ev), line);
    return batch;
  }
  each_document(body, [&](Result<Value> doc, std::size_t line) {
    add_to_batch(batch, doc.ok() ? normalise(*doc, format, agent_id) : Result<Value>(doc.error()),
                 line);
  });
  return batch;
}

}  // namespace genesis::detect::ingest
