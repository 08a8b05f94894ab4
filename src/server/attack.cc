// The ATT&CK catalogue, playbooks and mapping policies.
#include <algorithm>

#include "policy/policy.h"
#include "server/detect_routes.h"

namespace genesis::server {

using core::Value;
namespace code = core::code;

void add_attack_routes(Router& router, detect::Detector& detector, PolicyModules& policies) {
  router.add("GET", "/v1/attack/techniques/{id}", [&detector](Request& req) {
    const detect::Technique* t = detector.catalogue().find(req.params["id"]);
    if (!t) {
      return error_response(404, code::kNotFound,
                            "no technique " + req.params["id"] + " in ATT&CK " + detector.catalogue().version());
    }
    return Response::json(200, detector.catalogue().to_json(*t));
  });

  // ?tactic=<shortname> filters; compact rows {id, name, tactics, parent}.
  router.add("GET", "/v1/attack/techniques", [&detector](Request& req) {
    const std::string* tactic = req.query_param("tactic");
    Value list = Value::array();
    for (const auto& t : detector.catalogue().techniques()) {
      if (tactic && std::find(t.tactics.begin(), t.tactics.end(), *tactic) == t.tactics.end()) continue;
      Value tactics = Value::array();
      for (const auto& s : t.tactics) tactics.push_back(s);
      list.push_back(core::Object{{"id", t.id},
                                  {"name", t.name},
                                  {"tactics", std::move(tactics)},
                                  {"parent", t.parent.empty() ? Value() : Value(t.parent)}});
    }
    return Response::json(200, core::Object{{"attack_version", detector.catalogue().version()},
                                            {"techniques", std::move(list)}});
  });

  router.add("GET", "/v1/playbooks", [&detector](Request&) {
    Value list = Value::array();
    for (const auto& p : detector.playbooks()) list.push_back(p.to_json());
    return Response::json(200, core::Object{{"playbooks", std::move(list)}});
  });

  router.add("GET", "/v1/playbooks/{technique}", [&detector](Request& req) {
    auto p = detector.playbook(req.params["technique"]);
    if (!p) return error_response(404, code::kNotFound, "no playbook for " + req.params["technique"]);
    return Response::json(200, p->to_json());
  });

  add_default_tenant_route(router, "PUT", "/v1/playbooks/{technique}", [&detector](Request& req) {
    auto doc = req.json();
    if (!doc) return error_response(doc.error());
    if (doc->is_object() && doc->find("technique") == nullptr) doc->set("technique", req.params["technique"]);
    const Value* t = doc->is_object() ? doc->find("technique") : nullptr;
    if (t && t->is_string() && t->as_string() != req.params["technique"]) {
      return error_response(400, code::kInvalidArgument,
                            "technique: the body names " + t->as_string() + " but the path " +
                                req.params["technique"]);
    }
    auto p = detector.put_playbook(*doc);
    if (!p) return error_response(p.error());
    return Response::json(200, p->to_json());
  });

  router.add("GET", "/v1/attack/policies", [&detector](Request&) {
    Value list = Value::array();
    for (const auto& [name, source] : detector.policies()) {
      list.push_back(core::Object{{"id", name},
                                  {"bytes", static_cast<int64_t>(source.size())},
                                  {"shipped", detector.is_shipped_policy(name)}});
    }
    return Response::json(200, core::Object{{"policies", std::move(list)}});
  });

  // Body: Rego source of package mitre (or mitre.*). Stored with OPA's modules
  // (also visible at /v1/policies), so it survives restarts. A module that does
  // not compile is refused with OPA's error code and the running set stays.
  add_default_tenant_route(router, "PUT", "/v1/attack/policies/{name*}", [&policies](Request& req) {
    auto package = policy::module_package(req.body, req.params["name"]);
    if (!package) return error_response(package.error());
    if (!detect::is_mapping_package(*package)) {
      return error_response(core::make_error(
          core::code::kInvalidArgument,
          "an ATT&CK mapping module is in package mitre or mitre.*, not " + *package, "package"));
    }
    std::vector<core::Error> errors;
    if (auto st = policies.put(req.params["name"], req.body, &errors); !st) {
      return error_response(errors.empty() ? st.error() : errors.front());
    }
    return Response::json(200, core::Object{{"id", req.params["name"]}});
  });

  add_default_tenant_route(router, "DELETE", "/v1/attack/policies/{name*}", [&policies](Request& req) {
    std::vector<core::Error> errors;
    if (auto st = policies.remove(req.params["name"], &errors); !st) {
      return error_response(errors.empty() ? st.error() : errors.front());
    }
    return Response::no_content();
  });
}

}  // namespace genesis::server
