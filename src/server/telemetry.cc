// POST /v1/telemetry and the mesh `telemetry` message: the detector's front door.
// Also puts the egress gate in front of the other mesh messages, so an agent
// whose egress a counter-agent denied cannot talk on the mesh either.
#include "server/detect_routes.h"

namespace genesis::server {

using core::Value;
namespace code = core::code;

namespace {

// One event that was refused becomes the request's error; a batch gets a report.
Response ingest_response(const detect::IngestResult& r, bool single) {
  if (single && r.accepted == 0) {
    if (!r.rejected.empty()) return error_response(r.rejected.front().error);
    if (!r.denied.empty()) {
      return error_response(403, code::kForbidden,
                            "egress of agent " + r.denied.front().decision.agent_id + " is denied (" +
                                r.denied.front().decision.reason + ")");
    }
  }
  if (r.accepted == 0 && r.denied.empty() && !r.rejected.empty()) {
    Value body = r.to_json();
    Value err = core::Object{{"code", code::kInvalidArgument},
                             {"message", "no event in the batch was valid (see rejected)"}};
    body.set("error", std::move(err));
    return Response::json(400, body);
  }
  return Response::json(200, r.to_json());
}

bool is_ndjson(const Request& req) {
  const std::string* ct = req.header("content-type");
  return ct && (ct->find("ndjson") != std::string::npos || ct->find("jsonl") != std::string::npos);
}

}  // namespace

void add_telemetry_routes(Router& router, detect::Detector& detector) {
  router.add("POST", "/v1/telemetry", [&detector](Request& req) {
    if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
      return error_response(400, code::kInvalidArgument, "request body must hold telemetry events");
    }
    // The format: Content-Type (`format=` or a vnd.genesis.<format> type), else the
    // `format` parameter, else Genesis's own events.
    auto format = std::optional<detect::ingest::Format>(detect::ingest::Format::kGenesis);
    const std::string* ct = req.header("content-type");
    if (auto from_ct = ct ? detect::ingest::format_from_content_type(*ct) : std::nullopt) {
      format = from_ct;
    } else if (const std::string* f = req.query_param("format")) {
      format = detect::ingest::parse_format(*f);
      if (!format) {
        return error_response(400, code::kInvalidArgument,
                              std::string("format: must be ") + detect::ingest::format_names() +
                                  ", got \"" + *f + "\"");
      }
    }
    const std::string* agent = req.query_param("agent_id");
    detect::IngestResult r = *format == detect::ingest::Format::kGenesis
                                 ? detector.ingest(req.tenant, req.body)
                                 : detector.ingest(req.tenant, req.body, *format, agent ? *agent : "");
    bool single = !is_ndjson(req) && r.accepted + r.rejected.size() + r.denied.size() == 1;
    return ingest_response(r, single);
  });

  // {"type":"telemetry","id":N,"event":{agent_id?, ts?, telemetry}} or the event's
  // members inline; agent_id defaults to the peer's ("hello").
  router.add_message("telemetry", [&detector](const Value& msg, Peer& peer) -> core::Result<Value> {
    Value event = Value::object();
    if (const Value* inner = msg.find("event")) {
      event = *inner;
    } else {
      for (const auto& [k, v] : msg.as_object()) {
        if (k != "type" && k != "id") event.set(k, v);
      }
    }
    if (event.is_object() && event.find("agent_id") == nullptr && peer.agent_id()) {
      event.set("agent_id", *peer.agent_id());
    }
    detect::IngestResult r = detector.ingest_value(peer.tenant(), event);
    if (!r.rejected.empty()) return r.rejected.front().error;
    if (!r.denied.empty()) {
      return core::make_error(code::kForbidden, "egress of agent " + r.denied.front().decision.agent_id +
                                                    " is denied (" + r.denied.front().decision.reason + ")");
    }
    return r.to_json();
  });

  // The containment gate on every mesh message registered before us (telemetry
  // has its own gate above): an egress-denied or quarantined agent sends none.
  for (const std::string& t : router.message_types()) {
    if (t == "telemetry") continue;
    MessageHandler inner = *router.message_handler(t);
    router.add_message(t, [&detector, inner, t](const Value& msg, Peer& peer) -> core::Result<Value> {
      std::optional<std::string> agent = peer.agent_id();
      if (!agent) {
        if (const Value* id = msg.find("agent_id"); id != nullptr && id->is_string()) agent = id->as_string();
      }
      if (agent) {
        if (auto st = detector.check_mesh_message(peer.tenant(), *agent, t); !st.ok()) return st.error();
      }
      return inner(msg, peer);
    });
  }
}

}  // namespace genesis::server
