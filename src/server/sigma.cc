// The Sigma rules the detector runs, and the switches that turn them off and on.
//   GET    /v1/sigma/rules[?enabled=&level=&status=&q=&selector=&limit=&offset=]
//   GET    /v1/sigma/rules/{id}
//   GET    /v1/sigma/switches
//   POST   /v1/sigma/switches {"selector": "level:low", "enabled": false}   (default tenant)
//   DELETE /v1/sigma/switches/{id}                                         (default tenant)
// The rules are the daemon's (like the shipped ATT&CK mapping): every tenant may
// read them, only the default tenant switches them.
#include <algorithm>
#include <cctype>

#include "server/detect_routes.h"
#include "sigma/sigma.h"

namespace genesis::server {

using core::Value;
namespace code = core::code;

namespace {

Value strings(const std::vector<std::string>& v) {
  Value a = Value::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

Value rule_row(const sigma::RuleInfo& r, bool enabled) {
  return core::Object{{"id", r.id},        {"title", r.title},   {"level", r.level},
                      {"status", r.status}, {"author", r.author}, {"tags", strings(r.tags)},
                      {"file", r.file},     {"target", r.target}, {"enabled", enabled}};
}

Value switch_json(const storage::SigmaSwitch& sw) {
  return core::Object{{"id", sw.id},
                      {"selector", sw.selector},
                      {"enabled", sw.enabled},
                      {"created_at", core::format_time(sw.created_ms)}};
}

// What the switches leave running, for the answer to a change.
Value counts(const detect::Detector& detector) {
  auto stage = detector.sigma();
  return core::Object{{"rules_loaded", static_cast<int64_t>(stage ? stage->loaded() : 0)},
                      {"rules_running", static_cast<int64_t>(stage ? stage->rules() : 0)}};
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void add_sigma_routes(Router& router, detect::Detector& detector) {
  router.add("GET", "/v1/sigma/rules", [&detector](Request& req) {
    auto limit = parse_limit(req, 100, 5000);
    if (!limit) return error_response(limit.error());
    size_t offset = 0;
    if (const std::string* o = req.query_param("offset")) {
      char* end = nullptr;
      unsigned long long v = std::strtoull(o->c_str(), &end, 10);
      if (o->empty() || *end != '\0' || (*o)[0] == '-')
        return error_response(400, code::kInvalidArgument, "offset: a non-negative integer");
      offset = static_cast<size_t>(v);
    }
    std::optional<bool> enabled;
    if (req.query_param("enabled")) {
      auto b = parse_bool(req, "enabled");
      if (!b) return error_response(b.error());
      enabled = *b;
    }
    // level/status/selector filter as a switch would select; q is a substring of id or title.
    std::vector<sigma::RuleSelector> selectors;
    for (const char* field : {"level", "status", "selector"}) {
      const std::string* v = req.query_param(field);
      if (!v) continue;
      auto sel = sigma::RuleSelector::parse(std::string(field) == "selector" ? *v : std::string(field) + ":" + *v);
      if (!sel) return error_response(400, code::kInvalidArgument, std::string(field) + ": " + sel.error().message);
      selectors.push_back(std::move(*sel));
    }
    std::string q = req.query_param("q") ? lower(*req.query_param("q")) : "";
    auto stage = detector.sigma();
    Value rows = Value::array();
    size_t total = 0;
    if (stage) {
      for (const auto* r : stage->all_rules()) {
        bool on = stage->enabled(*r);
        if (enabled && *enabled != on) continue;
        if (!std::all_of(selectors.begin(), selectors.end(), [&](const auto& s) { return s.matches(*r); })) continue;
        if (!q.empty() && lower(r->title).find(q) == std::string::npos && lower(r->id).find(q) == std::string::npos)
          continue;
        if (total >= offset && rows.as_array().size() < *limit) rows.push_back(rule_row(*r, on));
        ++total;
      }
    }
    Value out = counts(detector);
    out.set("rules", std::move(rows));
    out.set("total", static_cast<int64_t>(total));
    out.set("offset", static_cast<int64_t>(offset));
    out.set("limit", static_cast<int64_t>(*limit));
    out.set("rules_refused", static_cast<int64_t>(stage ? stage->refused() : 0));
    return Response::json(200, std::move(out));
  });

  router.add("GET", "/v1/sigma/rules/{id}", [&detector](Request& req) {
    auto stage = detector.sigma();
    if (stage) {
      for (const auto* r : stage->all_rules()) {
        if (r->id != req.params["id"]) continue;
        Value out = r->to_json();
        out.set("enabled", stage->enabled(*r));
        return Response::json(200, std::move(out));
      }
    }
    return error_response(404, code::kNotFound, "no loaded Sigma rule " + req.params["id"]);
  });

  router.add("GET", "/v1/sigma/switches", [&detector](Request&) {
    auto list = detector.sigma_switches();
    if (!list) return error_response(list.error());
    Value items = Value::array();
    for (const auto& sw : *list) items.push_back(switch_json(sw));
    Value out = counts(detector);
    out.set("switches", std::move(items));
    return Response::json(200, std::move(out));
  });

  add_default_tenant_route(router, "POST", "/v1/sigma/switches", [&detector](Request& req) {
    auto body = req.json();
    if (!body) return error_response(body.error());
    const Value* sel = body->is_object() ? body->find("selector") : nullptr;
    const Value* on = body->is_object() ? body->find("enabled") : nullptr;
    if (!sel || !sel->is_string())
      return error_response(400, code::kInvalidArgument, "selector: a string such as \"level:low\" is required");
    if (!on || !on->is_bool())
      return error_response(400, code::kInvalidArgument, "enabled: true or false is required");
    for (const auto& [key, v] : body->as_object()) {
      if (key != "selector" && key != "enabled")
        return error_response(400, code::kInvalidArgument, key + ": unknown member (selector, enabled)");
    }
    auto added = detector.add_sigma_switch(sel->as_string(), on->as_bool());
    if (!added) return error_response(added.error());
    Value out = counts(detector);
    out.set("switch", switch_json(*added));
    return Response::json(201, std::move(out));
  });

  add_default_tenant_route(router, "DELETE", "/v1/sigma/switches/{id}", [&detector](Request& req) {
    const std::string& text = req.params["id"];
    char* end = nullptr;
    long long id = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0') return error_response(404, code::kNotFound, "no Sigma switch " + text);
    if (auto s = detector.delete_sigma_switch(id); !s) return error_response(s.error());
    return Response::json(200, counts(detector));
  });
}

}  // namespace genesis::server
