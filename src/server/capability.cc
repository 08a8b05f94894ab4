// POST /auth/capability: a signed capability token for a tab or agent.
// With "spawn" (a POST /v1/agents body) the caller's agent is spawned first and
// the token names it: a tab boots with one round trip instead of two.
#include <optional>

#include "server/routes.h"

namespace genesis::server {

using core::make_error;
namespace code = core::code;

namespace {
constexpr int64_t kTokenLifetimeMs = 12 * 3600 * 1000;
}

void add_capability_routes(Router& router, const auth::TokenSigner& signer,
                           registry::Registry& reg) {
  router.add("POST", "/auth/capability", [&signer, &reg](Request& req) {
    auth::Capability cap;
    cap.tenant_id = req.tenant;
    cap.subject = "tab";
    std::optional<registry::NewAgent> spawn;
    if (!req.body.empty()) {
      auto body = req.json();
      if (!body) return error_response(body.error());
      if (!body->is_object()) return error_response(make_error(code::kInvalidArgument, "body must be an object"));
      for (const auto& [k, v] : body->as_object()) {
        if (k == "agent_label") {
          if (!v.is_string()) return error_response(make_error(code::kInvalidArgument, "must be a string", "agent_label"));
          if (auto s = registry::validate_label(v.as_string()); !s) return error_response(s.error());
          cap.subject = v.as_string();
        } else if (k == "spawn") {
          auto n = new_agent_from_json(v);
          if (!n) {
            core::Error e = n.error();
            e.where = "spawn" + (e.where.empty() ? "" : "." + e.where);
            return error_response(e);
          }
          spawn = std::move(*n);
        } else {
          return error_response(make_error(code::kInvalidArgument, "unknown field \"" + k + "\""));
        }
      }
    }
    std::optional<registry::Agent> agent;
    if (spawn) {
      auto a = reg.spawn_one(req.tenant, *spawn);
      if (!a) return error_response(a.error());
      agent = std::move(*a);
      cap.subject = agent->id;  // the token names the agent it was issued with
    }
    cap.issued_at_ms = core::now_ms();
    cap.expires_at_ms = cap.issued_at_ms + kTokenLifetimeMs;
    cap.nonce = core::new_uuid();
    core::Object out{{"token", signer.issue(cap)},
                     {"tenant_id", cap.tenant_id},
                     {"subject", cap.subject},
                     {"expires_at", core::format_time(cap.expires_at_ms)}};
    if (agent) out.emplace_back("agent", registry::agent_to_json(*agent));
    return Response::json(201, core::Value(std::move(out)));
  });
}

void add_mesh_messages(Router& router, registry::Registry& reg) {
  // {"type":"hello","agent_id":...}: the peer announces which agent it is.
  router.add_message("hello", [&reg](const core::Value& msg, Peer& peer) -> core::Result<core::Value> {
    const core::Value* id = msg.find("agent_id");
    if (!id || !id->is_string() || !core::is_uuid(id->as_string()))
      return make_error(code::kInvalidArgument, "hello needs the peer's agent_id", "agent_id");
    auto a = reg.store().get(peer.tenant(), id->as_string());
    if (!a) return a.error();
    peer.set_agent_id(a->id);
    return core::Value(core::Object{{"agent_id", a->id}, {"seq", static_cast<int64_t>(reg.bus().last_seq(peer.tenant()))}});
  });
  router.add_message("ping", [](const core::Value&, Peer&) -> core::Result<core::Value> {
    return core::Value(core::Object{{"ts", core::format_time(core::now_ms())}});
  });
}

}  // namespace genesis::server
