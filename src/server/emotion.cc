// Emotion: heartbeats in, the agent's emotion and its recent history out.
//   POST /v1/agents/{id}/heartbeat   telemetry JSON -> {agent_id, emotion, ts, offload}
//   GET  /v1/agents/{id}/emotion     -> {agent_id, emotion, should_offload, history}
//   mesh message {"type":"heartbeat","agent_id"?,"telemetry":{...}} (agent_id
//   defaults to the agent the peer announced with "hello")
#include "emotion/engine.h"
#include "server/routes.h"

namespace genesis::server {

using core::make_error;
using core::Value;
namespace code = core::code;

namespace {

core::Result<Value> beat(emotion::Engine& engine, const std::string& tenant,
                         const std::string& agent_id, const Value& telemetry) {
  if (!core::is_uuid(agent_id)) return make_error(code::kNotFound, "no agent " + agent_id);
  auto t = emotion::parse_telemetry(telemetry);
  if (!t) return t.error();
  auto r = engine.heartbeat(tenant, emotion::Heartbeat{agent_id, *t, std::nullopt});
  if (!r) return r.error();
  return emotion::to_value(*r);
}

}  // namespace

void add_emotion_routes(Router& router, registry::Registry& reg, emotion::Engine& engine) {
  router.add("POST", "/v1/agents/{id}/heartbeat", [&engine](Request& req) {
    auto body = req.json();
    if (!body) return error_response(body.error());
    auto r = beat(engine, req.tenant, req.params["id"], *body);
    if (!r) return error_response(r.error());
    return Response::json(200, *r);
  });

  router.add("GET", "/v1/agents/{id}/emotion", [&reg, &engine](Request& req) {
    const std::string& id = req.params["id"];
    if (!core::is_uuid(id))
      return error_response(make_error(code::kNotFound, "no agent " + id));
    auto a = reg.store().get(req.tenant, id);
    if (!a) return error_response(a.error());
    Value emotion = registry::emotion_to_json(a->emotion);
    auto current = emotion::emotion_from_value(emotion);
    core::Array history;
    for (const auto& r : engine.history(req.tenant, id)) {
      Value h = emotion::to_value(r.emotion);
      h.set("ts", core::format_time(r.ts_ms));
      history.push_back(std::move(h));
    }
    return Response::json(
        200, core::Object{{"agent_id", id},
                          {"emotion", std::move(emotion)},
                          {"should_offload", current && emotion::should_offload(*current)},
                          {"goals", registry::goals_to_json(a->goals)},
                          {"history", std::move(history)}});
  });
}

void add_emotion_messages(Router& router, emotion::Engine& engine) {
  router.add_message("heartbeat", [&engine](const Value& msg, Peer& peer) -> core::Result<Value> {
    std::string agent_id;
    if (const Value* id = msg.find("agent_id")) {
      if (!id->is_string())
        return make_error(code::kInvalidArgument, "must be a string", "agent_id");
      agent_id = id->as_string();
    } else if (auto announced = peer.agent_id()) {
      agent_id = *announced;
    } else {
      return make_error(code::kInvalidArgument, "heartbeat needs agent_id (or a hello first)",
                        "agent_id");
    }
    const Value* telemetry = msg.find("telemetry");
    if (!telemetry)
      return make_error(code::kInvalidArgument, "heartbeat needs telemetry", "telemetry");
    return beat(engine, peer.tenant(), agent_id, *telemetry);
  });
}

}  // namespace genesis::server
