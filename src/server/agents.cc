// /v1/agents: spawn, list, get, patch, move, delete.
#include "server/routes.h"

namespace genesis::server {

using core::make_error;
using core::Result;
using core::Value;
namespace code = core::code;

Result<size_t> parse_limit(const Request& req, size_t default_limit, size_t max_limit) {
  const std::string* s = req.query_param("limit");
  if (!s) return default_limit;
  try {
    size_t used = 0;
    long long n = std::stoll(*s, &used);
    if (used == s->size() && n >= 1 && static_cast<size_t>(n) <= max_limit) return static_cast<size_t>(n);
  } catch (const std::exception&) {
  }
  return make_error(code::kInvalidArgument, "limit must be a whole number from 1 to " + std::to_string(max_limit),
                    "limit");
}

Result<bool> parse_bool(const Request& req, const std::string& name) {
  const std::string* s = req.query_param(name);
  if (!s) return false;
  if (*s == "true" || *s == "1" || s->empty()) return true;
  if (*s == "false" || *s == "0") return false;
  return make_error(code::kInvalidArgument, "must be true or false", name);
}

Result<registry::NewAgent> new_agent_from_json(const Value& body) {
  if (!body.is_object()) return make_error(code::kInvalidArgument, "agent must be a JSON object");
  registry::NewAgent n;
  for (const auto& [k, v] : body.as_object()) {
    if (k == "label") {
      if (!v.is_string()) return make_error(code::kInvalidArgument, "must be a string", "label");
      n.label = v.as_string();
    } else if (k == "parent_id") {
      if (v.is_null()) continue;
      if (!v.is_string() || !core::is_uuid(v.as_string()))
        return make_error(code::kInvalidArgument, "must be an agent id (UUID) or null", "parent_id");
      n.parent_id = v.as_string();
    } else if (k == "id") {
      if (!v.is_string() || !core::is_uuid(v.as_string()))
        return make_error(code::kInvalidArgument, "must be a UUID", "id");
      n.id = v.as_string();
    } else if (k == "mem_state") {
      if (auto s = registry::validate_mem_state(v); !s) return s.error();
      n.mem_state = v;
    } else if (k == "goals") {
      auto g = registry::goals_from_json(v);
      if (!g) return g.error();
      n.goals = std::move(*g);
    } else if (k == "emotion") {
      auto e = registry::emotion_from_json(v);
      if (!e) return e.error();
      n.emotion = std::move(*e);
    } else if (k == "policy") {
      if (!v.is_string()) return make_error(code::kInvalidArgument, "must be a string", "policy");
      n.policy = v.as_string();
    } else {
      return make_error(code::kInvalidArgument, "unknown field \"" + k + "\"");
    }
  }
  if (!body.find("label")) return make_error(code::kInvalidArgument, "label is required", "label");
  if (auto s = registry::validate_label(n.label); !s) return s.error();
  return n;
}

namespace {

Result<registry::AgentPatch> patch_from_json(const Value& body) {
  if (!body.is_object()) return make_error(code::kInvalidArgument, "patch must be a JSON object");
  registry::AgentPatch p;
  for (const auto& [k, v] : body.as_object()) {
    if (k == "mem_state") {
      if (auto s = registry::validate_mem_state(v); !s) return s.error();
      p.mem_state = v;
    } else if (k == "goals") {
      auto g = registry::goals_from_json(v);
      if (!g) return g.error();
      p.goals = std::move(*g);
    } else if (k == "emotion") {
      auto e = registry::emotion_from_json(v);
      if (!e) return e.error();
      p.emotion = std::move(*e);
    } else {
      return make_error(code::kInvalidArgument,
                        "unknown or read-only field \"" + k + "\" (mem_state, goals, emotion may be patched)");
    }
  }
  return p;
}

Response bad_id(const std::string& id) {
  return error_response(make_error(code::kNotFound, "no agent " + id));
}

}  // namespace

void add_agent_routes(Router& router, registry::Registry& reg) {
  router.add("POST", "/v1/agents", [&reg](Request& req) {
    auto body = req.json();
    if (!body) return error_response(body.error());
    // An array spawns a batch in one transaction.
    if (body->is_array()) {
      std::vector<registry::NewAgent> batch;
      for (size_t i = 0; i < body->as_array().size(); ++i) {
        auto n = new_agent_from_json(body->as_array()[i]);
        if (!n) {
          core::Error e = n.error();
          e.where = "[" + std::to_string(i) + "]" + (e.where.empty() ? "" : "." + e.where);
          return error_response(e);
        }
        batch.push_back(std::move(*n));
      }
      auto spawned = reg.spawn(req.tenant, batch);
      if (!spawned) return error_response(spawned.error());
      core::Array out;
      for (const auto& a : *spawned) out.push_back(registry::agent_to_json(a));
      return Response::json(201, core::Object{{"agents", std::move(out)}});
    }
    auto n = new_agent_from_json(*body);
    if (!n) return error_response(n.error());
    auto a = reg.spawn_one(req.tenant, *n);
    if (!a) return error_response(a.error());
    Response r = Response::json(201, registry::agent_to_json(*a));
    r.headers.emplace_back("Location", "/v1/agents/" + a->id);
    return r;
  });

  router.add("GET", "/v1/agents", [&reg](Request& req) {
    registry::AgentQuery q;
    auto limit = parse_limit(req, 100, 1000);
    if (!limit) return error_response(limit.error());
    q.limit = *limit;
    auto del = parse_bool(req, "include_deleted");
    if (!del) return error_response(del.error());
    q.include_deleted = *del;
    if (auto s = req.query_param("subtree")) {
      if (!core::is_uuid(*s)) return bad_id(*s);
      q.subtree_of = *s;
    }
    if (auto s = req.query_param("path")) q.path = *s;
    if (auto s = req.query_param("label")) q.label = *s;
    if (auto s = req.query_param("cursor")) q.cursor = *s;
    for (const auto& [k, v] : req.query) {
      if (k != "limit" && k != "include_deleted" && k != "subtree" && k != "path" && k != "label" && k != "cursor")
        return error_response(make_error(code::kInvalidArgument, "unknown query parameter \"" + k + "\""));
    }
    auto page = reg.store().list(req.tenant, q);
    if (!page) return error_response(page.error());
    core::Array items;
    items.reserve(page->items.size());
    for (const auto& a : page->items) items.push_back(registry::agent_to_json(a));
    return Response::json(200, core::Object{{"agents", std::move(items)},
                                            {"next_cursor", page->next_cursor ? Value(*page->next_cursor) : Value()}});
  });

  router.add("GET", "/v1/agents/{id}", [&reg](Request& req) {
    const std::string& id = req.params["id"];
    if (!core::is_uuid(id)) return bad_id(id);
    auto del = parse_bool(req, "include_deleted");
    if (!del) return error_response(del.error());
    auto a = reg.store().get(req.tenant, id, *del);
    if (!a) return error_response(a.error());
    return Response::json(200, registry::agent_to_json(*a));
  });

  router.add("PATCH", "/v1/agents/{id}", [&reg](Request& req) {
    const std::string& id = req.params["id"];
    if (!core::is_uuid(id)) return bad_id(id);
    auto body = req.json();
    if (!body) return error_response(body.error());
    auto p = patch_from_json(*body);
    if (!p) return error_response(p.error());
    auto a = reg.update(req.tenant, id, *p);
    if (!a) return error_response(a.error());
    return Response::json(200, registry::agent_to_json(*a));
  });

  router.add("POST", "/v1/agents/{id}/move", [&reg](Request& req) {
    const std::string& id = req.params["id"];
    if (!core::is_uuid(id)) return bad_id(id);
    auto body = req.json();
    if (!body) return error_response(body.error());
    if (!body->is_object()) return error_response(make_error(code::kInvalidArgument, "body must be an object"));
    std::optional<std::string> new_parent;
    const Value* np = body->find("new_parent");
    if (!np) return error_response(make_error(code::kInvalidArgument, "new_parent is required (an id, or null for a root)", "new_parent"));
    for (const auto& [k, v] : body->as_object())
      if (k != "new_parent") return error_response(make_error(code::kInvalidArgument, "unknown field \"" + k + "\""));
    if (!np->is_null()) {
      if (!np->is_string() || !core::is_uuid(np->as_string()))
        return error_response(make_error(code::kInvalidArgument, "must be an agent id or null", "new_parent"));
      new_parent = np->as_string();
    }
    auto r = reg.move(req.tenant, id, new_parent);
    if (!r) return error_response(r.error());
    Value out = registry::agent_to_json(r->agent);
    out.set("old_path", r->old_path);
    out.set("subtree_size", r->subtree_size);
    return Response::json(200, out);
  });

  router.add("DELETE", "/v1/agents/{id}", [&reg](Request& req) {
    const std::string& id = req.params["id"];
    if (!core::is_uuid(id)) return bad_id(id);
    auto subtree = parse_bool(req, "subtree");
    if (!subtree) return error_response(subtree.error());
    auto r = reg.remove(req.tenant, id, *subtree);
    if (!r) return error_response(r.error());
    core::Array ids;
    for (const auto& a : *r) ids.push_back(a.id);
    return Response::json(200, core::Object{{"deleted", std::move(ids)}});
  });
}

}  // namespace genesis::server
