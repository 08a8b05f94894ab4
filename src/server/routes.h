// The resources genesisd serves, one file each. The daemon's start-up calls
// these in order to fill its Router.
#pragma once

#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "auth/auth.h"
#include "registry/service.h"
#include "server/server.h"

namespace genesis::emotion {
class Engine;
}

namespace genesis::server {

// GET /healthz (the process answers), GET /metrics, GET /readyz (ready for
// traffic: `not_ready` returns why not, or nothing; 503 while it says something).
void add_health_routes(Router& router, Metrics& metrics,
                       std::function<std::optional<std::string>()> not_ready = {});

// GET/POST /v1/tenants, and the resolver that gives every request its tenant
// (X-Genesis-Tenant; an unknown tenant is refused). server/tenants.cc.
core::Status add_tenant_routes(Router& router, registry::Store& store);

// A route only the default tenant may use (the daemon-wide ATT&CK mapping and
// playbooks; 403 for any other tenant). server/tenants.cc.
void add_default_tenant_route(Router& router, std::string method, std::string pattern, Handler h);
// /v1/agents...
void add_agent_routes(Router& router, registry::Registry& registry);
// /v1/agents/{id}/events
void add_event_routes(Router& router, registry::Registry& registry);
// POST /auth/capability (with "spawn": the caller's agent in the same request)
void add_capability_routes(Router& router, const auth::TokenSigner& signer,
                           registry::Registry& registry);
// OPA's policy set (policies.cc), shared: other routes put and delete modules
// through it so they persist, and another evaluator of some of its modules (the
// detector takes package mitre) compiles its share of every change before
// anything is written.
class PolicyModules {
 public:
  virtual ~PolicyModules() = default;
  // Compiles the evaluator's share of `modules` (every module after a change)
  // and returns what installs it; an error refuses the change.
  using Prepare = std::function<core::Result<std::function<void()>>(
      const std::map<std::string, std::string>& modules)>;
  // Attaches `prepare` and runs it on the stored modules now. An error there is
  // returned and nothing installed (the evaluator keeps what it had), but it
  // stays attached: every later change must compile for it, so the user fixes
  // or deletes what no longer compiles.
  virtual core::Status attach(Prepare prepare) = 0;
  // Compile errors go to *errors (OPA's codes) and refuse the change; a store
  // failure is code kUnavailable. Nothing changes unless it returns ok.
  virtual core::Status put(const std::string& id, const std::string& source,
                           std::vector<core::Error>* errors) = 0;
  virtual core::Status remove(const std::string& id, std::vector<core::Error>* errors) = 0;
};

// OPA's REST Data API: /v1/policies/{id}, /v1/data/{path} (policies.cc), one
// policy set per tenant. The returned PolicyModules is the default tenant's set,
// the one the detector attaches to.
// `shipped` modules (the ATT&CK library) are part of every evaluation, listed
// with "shipped": true, never stored and not deletable; a stored module of the
// same id replaces one.
core::Result<std::shared_ptr<PolicyModules>> add_policy_routes(
    Router& router, registry::Store& store, std::map<std::string, std::string> shipped = {});
// POST /v1/agents/{id}/heartbeat, GET /v1/agents/{id}/emotion (emotion.cc)
void add_emotion_routes(Router& router, registry::Registry& registry, emotion::Engine& engine);
// Mesh message "heartbeat" (emotion.cc)
void add_emotion_messages(Router& router, emotion::Engine& engine);
// Mesh messages from peers: "hello", "ping".
void add_mesh_messages(Router& router, registry::Registry& registry);

// POST /v1/admin/backup: a consistent copy of the whole store while it serves
// writes; POST /v1/admin/vacuum: a retention pass under `retention` now, then
// the store's vacuum (admin.cc; default tenant only).
void add_admin_routes(Router& router, registry::Store& store, storage::RetentionPolicy retention);

// Helpers shared by the resource files.
core::Result<size_t> parse_limit(const Request& req, size_t default_limit, size_t max_limit);
core::Result<bool> parse_bool(const Request& req, const std::string& name);
// A POST /v1/agents body (one agent) -> NewAgent; errors name the field.
core::Result<registry::NewAgent> new_agent_from_json(const core::Value& body);

}  // namespace genesis::server
