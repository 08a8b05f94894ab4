// /v1/tenants and the tenant of every request.
//
// Until requests carry a verified identity (the zero-trust work), a request
// names its tenant with the `X-Genesis-Tenant` header; a WebSocket upgrade may
// use the `tenant` query parameter instead (browsers cannot set headers on
// one). No header: the "default" tenant. A tenant must exist (POST /v1/tenants)
// before requests may act for it: an unknown one is refused, never created.
#include <set>
#include <shared_mutex>

#include "server/routes.h"

namespace genesis::server {
namespace {

using core::Value;
namespace code = core::code;

class TenantDirectory {
 public:
  explicit TenantDirectory(registry::Store& store) : store_(store) {}

  core::Status load() {
    auto all = store_.list_tenants();
    if (!all) return all.error();
    std::unique_lock lock(mu_);
    for (const auto& t : *all) known_.insert(t.id);
    return {};
  }

  core::Result<std::string> resolve(const Request& req, bool websocket) const {
    std::string id = registry::kDefaultTenant;
    if (const std::string* h = req.header("x-genesis-tenant")) {
      id = *h;
    } else if (websocket) {
      if (const std::string* q = req.query_param("tenant")) id = *q;
    }
    if (auto s = storage::validate_tenant_id(id); !s) {
      core::Error e = s.error();
      e.where = "X-Genesis-Tenant";
      return e;
    }
    std::shared_lock lock(mu_);
    if (!known_.count(id))
      return core::make_error(code::kNotFound,
                              "unknown tenant '" + id + "' (an administrator creates it with POST /v1/tenants)",
                              "X-Genesis-Tenant");
    return id;
  }

  core::Result<storage::Tenant> create(const std::string& id, const std::string& name) {
    auto t = store_.create_tenant(id, name);
    if (!t) return t.error();
    std::unique_lock lock(mu_);
    known_.insert(t->id);
    return t;
  }

  registry::Store& store() { return store_; }

 private:
  registry::Store& store_;
  mutable std::shared_mutex mu_;  // guards known_
  std::set<std::string> known_;
};

}  // namespace

core::Status add_tenant_routes(Router& router, registry::Store& store) {
  auto dir = std::make_shared<TenantDirectory>(store);
  if (auto s = dir->load(); !s) return s;
  router.set_tenant_resolver(
      [dir](const Request& req, bool websocket) { return dir->resolve(req, websocket); });
  router.add("GET", "/v1/tenants", [dir](Request&) {
    auto all = dir->store().list_tenants();
    if (!all) return error_response(all.error());
    Value items = Value::array();
    for (const auto& t : *all) items.push_back(storage::tenant_to_json(t));
    return Response::json(200, core::Object{{"tenants", std::move(items)}});
  });
  router.add("POST", "/v1/tenants", [dir](Request& req) {
    auto body = req.json();
    if (!body) return error_response(body.error());
    const Value* id = body->find("id");
    if (!body->is_object() || id == nullptr || !id->is_string())
      return error_response(core::make_error(code::kInvalidArgument, "id must be a string", "id"));
    std::string name;
    if (const Value* n = body->find("name")) {
      if (!n->is_string())
        return error_response(core::make_error(code::kInvalidArgument, "name must be a string", "name"));
      name = n->as_string();
    }
    for (const auto& [k, _] : body->as_object())
      if (k != "id" && k != "name")
        return error_response(core::make_error(code::kInvalidArgument, "unknown field " + k, k));
    auto t = dir->create(id->as_string(), name);
    if (!t) return error_response(t.error());
    return Response::json(201, storage::tenant_to_json(*t));
  });
  return {};
}

// The ATT&CK mapping and the playbooks are one per daemon, kept in the default
// tenant: another tenant may neither change them nor read their sources.
void add_default_tenant_route(Router& router, std::string method, std::string pattern, Handler h) {
  router.add(std::move(method), std::move(pattern), [h = std::move(h)](Request& req) {
    if (req.tenant != registry::kDefaultTenant)
      return error_response(core::make_error(
          core::code::kForbidden,
          "the ATT&CK mapping and the playbooks are shared by this genesisd and managed in the "
          "default tenant; tenant '" + req.tenant + "' may not change them"));
    return h(req);
  });
}

}  // namespace genesis::server
