// GET /v1/detections (filters: agent, technique, since, until), one detection with
// its counter-agent actions, and the evidence and egress decisions of an agent.
#include "server/detect_routes.h"

namespace genesis::server {

using core::Value;
namespace code = core::code;

namespace {

core::Result<std::optional<int64_t>> time_param(const Request& req, const std::string& name) {
  const std::string* s = req.query_param(name);
  if (!s) return std::optional<int64_t>();
  auto ms = core::parse_time(*s);
  if (!ms) {
    return core::make_error(code::kInvalidArgument, "must be an RFC 3339 time or epoch milliseconds", name);
  }
  return std::optional<int64_t>(ms);
}

core::Result<std::string> agent_param(const Request& req) {
  const std::string* a = req.query_param("agent");
  if (!a || a->empty()) return core::make_error(code::kInvalidArgument, "agent is required", "agent");
  return *a;
}

}  // namespace

void add_detection_routes(Router& router, detect::Detector& detector) {
  router.add("GET", "/v1/detections", [&detector](Request& req) {
    detect::DetectionQuery q;
    auto limit = parse_limit(req, 100, 1000);
    if (!limit) return error_response(limit.error());
    q.limit = *limit;
    if (auto a = req.query_param("agent")) q.agent_id = *a;
    if (auto t = req.query_param("technique")) q.technique = *t;
    auto since = time_param(req, "since");
    if (!since) return error_response(since.error());
    auto until = time_param(req, "until");
    if (!until) return error_response(until.error());
    q.since_ms = *since;
    q.until_ms = *until;
    if (auto c = req.query_param("cursor")) q.cursor = *c;
    auto page = detector.store().list_detections(req.tenant, q);
    if (!page) return error_response(page.error());
    Value items = Value::array();
    for (const auto& d : page->items) items.push_back(d.to_json());
    return Response::json(200, core::Object{{"detections", std::move(items)},
                                            {"next_cursor", page->next_cursor ? Value(*page->next_cursor) : Value()}});
  });

  router.add("GET", "/v1/detections/{id}", [&detector](Request& req) {
    auto d = detector.store().get_detection(req.tenant, req.params["id"]);
    if (!d) return error_response(d.error());
    Value out = d->to_json();
    auto actions = detector.store().actions(req.tenant, d->id);
    if (!actions) return error_response(actions.error());
    Value list = Value::array();
    for (const auto& a : *actions) list.push_back(a.to_json());
    out.set("actions", std::move(list));
    if (const detect::Technique* t = detector.catalogue().find(d->technique)) {
      out.set("technique_name", t->name);
      out.set("technique_url", t->url);
    }
    return Response::json(200, out);
  });

  router.add("GET", "/v1/evidence", [&detector](Request& req) {
    auto agent = agent_param(req);
    if (!agent) return error_response(agent.error());
    auto ev = detector.store().evidence(req.tenant, *agent);
    if (!ev) return error_response(ev.error());
    Value list = Value::array();
    for (const auto& e : *ev) list.push_back(e.to_json());
    return Response::json(200, core::Object{{"evidence", std::move(list)}});
  });

  router.add("GET", "/v1/decisions", [&detector](Request& req) {
    auto agent = agent_param(req);
    if (!agent) return error_response(agent.error());
    auto ds = detector.store().decisions(req.tenant, *agent);
    if (!ds) return error_response(ds.error());
    Value list = Value::array();
    for (const auto& d : *ds) list.push_back(d.to_json());
    return Response::json(200, core::Object{{"decisions", std::move(list)}});
  });
}

}  // namespace genesis::server
