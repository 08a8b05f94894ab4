// The resources genesisd serves, one file each. The daemon's start-up calls
// these in order to fill its Router.
#pragma once

#include "auth/auth.h"
#include "registry/service.h"
#include "server/server.h"

namespace genesis::emotion {
class Engine;
}

namespace genesis::server {

// GET /healthz, GET /metrics
void add_health_routes(Router& router, Metrics& metrics);
// /v1/agents...
void add_agent_routes(Router& router, registry::Registry& registry);
// /v1/agents/{id}/events
void add_event_routes(Router& router, registry::Registry& registry);
// POST /auth/capability (with "spawn": the caller's agent in the same request)
void add_capability_routes(Router& router, const auth::TokenSigner& signer,
                           registry::Registry& registry);
// OPA's REST Data API: /v1/policies/{id}, /v1/data/{path} (policies.cc)
core::Status add_policy_routes(Router& router, registry::Store& store);
// POST /v1/agents/{id}/heartbeat, GET /v1/agents/{id}/emotion (emotion.cc)
void add_emotion_routes(Router& router, registry::Registry& registry, emotion::Engine& engine);
// Mesh message "heartbeat" (emotion.cc)
void add_emotion_messages(Router& router, emotion::Engine& engine);
// Mesh messages from peers: "hello", "ping".
void add_mesh_messages(Router& router, registry::Registry& registry);

// Helpers shared by the resource files.
core::Result<size_t> parse_limit(const Request& req, size_t default_limit, size_t max_limit);
core::Result<bool> parse_bool(const Request& req, const std::string& name);
// A POST /v1/agents body (one agent) -> NewAgent; errors name the field.
core::Result<registry::NewAgent> new_agent_from_json(const core::Value& body);

}  // namespace genesis::server
