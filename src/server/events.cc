// /v1/agents/{id}/events: cognition events, one JSON object or an NDJSON batch.
#include "server/routes.h"

namespace genesis::server {

using core::make_error;
using core::Result;
using core::Value;
namespace code = core::code;

namespace {

constexpr size_t kMaxPayloadBytes = 64 * 1024;

Result<registry::NewEvent> event_from_json(const Value& v) {
  if (!v.is_object()) return make_error(code::kInvalidArgument, "event must be a JSON object");
  registry::NewEvent e;
  const Value* type = v.find("type");
  if (!type) return make_error(code::kInvalidArgument, "type is required", "type");
  if (!type->is_string()) return make_error(code::kInvalidArgument, "must be a string", "type");
  auto t = registry::parse_cognition_type(type->as_string());
  if (!t)
    return make_error(code::kInvalidArgument,
                      "invalid event type \"" + type->as_string() + "\" (perceive, plan, act or reflect)", "type");
  e.type = *t;
  for (const auto& [k, x] : v.as_object()) {
    if (k == "type") continue;
    if (k == "payload") {
      if (core::to_json(x).size() > kMaxPayloadBytes)
        return make_error(code::kTooLarge, "payload exceeds 64 KB", "payload");
      e.payload = x;
    } else if (k == "ts") {
      std::optional<int64_t> ms;
      if (x.is_int()) ms = x.as_int();
      else if (x.is_string()) ms = core::parse_time(x.as_string());
      if (!ms) return make_error(code::kInvalidArgument, "must be an RFC 3339 time or epoch milliseconds", "ts");
      e.ts_ms = ms;
    } else {
      return make_error(code::kInvalidArgument, "unknown field \"" + k + "\"");
    }
  }
  return e;
}

Result<std::vector<registry::NewEvent>> parse_events(const Request& req) {
  std::vector<registry::NewEvent> out;
  const std::string* ct = req.header("content-type");
  bool ndjson = ct && (ct->find("ndjson") != std::string::npos || ct->find("jsonl") != std::string::npos);
  if (!ndjson) {
    auto v = req.json();
    if (!v) return v.error();
    auto e = event_from_json(*v);
    if (!e) return e.error();
    out.push_back(std::move(*e));
    return out;
  }
  size_t line_no = 0, pos = 0;
  const std::string& b = req.body;
  while (pos < b.size()) {
    size_t nl = b.find('\n', pos);
    if (nl == std::string::npos) nl = b.size();
    std::string_view line(b.data() + pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto v = core::parse_json(line);
    auto e = v ? event_from_json(*v) : Result<registry::NewEvent>(v.error());
    if (!e) {
      core::Error err = e.error();
      err.where = "line " + std::to_string(line_no) + (err.where.empty() ? "" : ": " + err.where);
      return err;
    }
    out.push_back(std::move(*e));
  }
  if (out.empty()) return make_error(code::kInvalidArgument, "no events in the batch");
  return out;
}

Result<std::optional<int64_t>> time_param(const Request& req, const std::string& name) {
  const std::string* s = req.query_param(name);
  if (!s) return std::optional<int64_t>();
  auto ms = core::parse_time(*s);
  if (!ms) return make_error(code::kInvalidArgument, "must be an RFC 3339 time or epoch milliseconds", name);
  return std::optional<int64_t>(ms);
}

}  // namespace

void add_event_routes(Router& router, registry::Registry& reg) {
  router.add("POST", "/v1/agents/{id}/events", [&reg](Request& req) {
    const std::string& id = req.params["id"];
    if (!core::is_uuid(id)) return error_response(make_error(code::kNotFound, "no agent " + id));
    auto events = parse_events(req);
    if (!events) return error_response(events.error());
    auto stored = reg.append_events(req.tenant, id, *events);
    if (!stored) return error_response(stored.error());
    core::Array out;
    for (const auto& e : *stored) out.push_back(registry::event_to_json(e));
    if (out.size() == 1) return Response::json(201, out.front());
    return Response::json(201, core::Object{{"events", std::move(out)}});
  });

  router.add("GET", "/v1/agents/{id}/events", [&reg](Request& req) {
    const std::string& id = req.params["id"];
    if (!core::is_uuid(id)) return error_response(make_error(code::kNotFound, "no agent " + id));
    registry::EventQuery q;
    auto limit = parse_limit(req, 100, 1000);
    if (!limit) return error_response(limit.error());
    q.limit = *limit;
    auto since = time_param(req, "since");
    if (!since) return error_response(since.error());
    auto until = time_param(req, "until");
    if (!until) return error_response(until.error());
    q.since_ms = *since;
    q.until_ms = *until;
    if (auto c = req.query_param("cursor")) q.cursor = *c;
    auto page = reg.store().list_events(req.tenant, id, q);
    if (!page) return error_response(page.error());
    core::Array items;
    for (const auto& e : page->items) items.push_back(registry::event_to_json(e));
    return Response::json(200, core::Object{{"events", std::move(items)},
                                            {"next_cursor", page->next_cursor ? Value(*page->next_cursor) : Value()}});
  });
}

}  // namespace genesis::server
