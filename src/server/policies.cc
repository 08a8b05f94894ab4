// OPA's REST Data API over the native Rego engine (src/policy), so OPA clients
// work against genesisd:
//   GET /v1/policies, GET|PUT|DELETE /v1/policies/{id}   (PUT body: raw Rego)
//   GET|POST /v1/data[/{path}]   evaluate data.<path> (POST body {"input": ...})
//   PUT|PATCH|DELETE /v1/data/{path}   base documents (PATCH: JSON Patch list)
// Responses follow OPA's shapes ({"result": ...}; errors {"code","message","errors"}).
// A module that does not compile is refused and the running set is untouched.
//
// Durability: every change is compiled/validated first, then written through
// the Store (durable when it returns), then swapped in; modules and data are
// loaded from the store at start, so they survive restarts.
//
// Tenants: each tenant has its own policy set (modules and base data, stored under
// its tenant id), loaded on its first request. The shipped ATT&CK library is in
// every set. The detector evaluates the default tenant's package mitre: that
// mapping is the daemon's, so other tenants may not write modules of the shipped
// packages (403) and manage it through the default tenant (/v1/attack/policies).
//
// Threads: the compiled engine and the base data are immutable snapshots
// swapped under a mutex; evaluations run on a snapshot without the lock. The
// sets' map has its own mutex, never held while a set's is.
#include <cstdio>
#include <mutex>
#include <set>

#include "policy/policy.h"
#include "server/routes.h"

namespace genesis::server {

const char* code_conflict();

namespace {

using PValue = policy::Value;

// Builds and compiles an engine over `modules`; errors in *errors.
core::Result<std::shared_ptr<const policy::Engine>> build(const std::map<std::string, std::string>& modules,
                                                          std::vector<core::Error>* errors);

struct PolicyState : PolicyModules {
  registry::Store* store = nullptr;
  std::string tenant = registry::kDefaultTenant;
  std::map<std::string, std::string> shipped;     // in every evaluation, never stored
  std::set<std::string> shipped_packages;         // other tenants may not write these
  mutable std::mutex mu;  // guards all below; held across a change's store write
  std::map<std::string, std::string> modules;     // the stored ones
  // Stored modules that did not compile with the rest when the set was loaded
  // (an upgrade changed the shipped library or the checks), with the reason:
  // kept in the store, left out of evaluation until replaced or deleted.
  std::map<std::string, std::string> left_out;
  std::shared_ptr<const policy::Engine> engine = std::make_shared<const policy::Engine>();
  PValue data = PValue::empty_object();
  std::vector<Prepare> evaluators;  // others that compile their share of each change

  std::pair<std::shared_ptr<const policy::Engine>, PValue> snapshot() {
    std::lock_guard<std::mutex> lock(mu);
    return {engine, data};
  }

  // The shipped modules with the stored ones on top.
  std::map<std::string, std::string> with_shipped(const std::map<std::string, std::string>& stored) const {
    std::map<std::string, std::string> all = shipped;
    for (const auto& [id, source] : stored) all[id] = source;
    return all;
  }

  // The stored modules that are evaluated: all but those left out.
  std::map<std::string, std::string> active(const std::map<std::string, std::string>& stored) const {
    std::map<std::string, std::string> out;
    for (const auto& [id, source] : stored)
      if (!left_out.count(id)) out[id] = source;
    return out;
  }

  // Compile (OPA's engine, then every attached evaluator), write, install: a
  // change that does not compile anywhere, or is not durable, changes nothing.
  // `changed` is the module written or deleted: it is no longer left out.
  core::Status change(std::map<std::string, std::string> next, const std::string& changed,
                      const std::function<core::Status()>& write, std::vector<core::Error>* errors) {
    auto still_left_out = left_out;
    still_left_out.erase(changed);
    std::map<std::string, std::string> evaluated;
    for (const auto& [id, source] : next)
      if (!still_left_out.count(id)) evaluated[id] = source;
    auto compiled = build(with_shipped(evaluated), errors);
    if (!compiled) return compiled.error();
    std::vector<std::function<void()>> installs;
    for (const auto& prepare : evaluators) {
      auto install = prepare(evaluated);
      if (!install) {
        errors->push_back(install.error());
        return install.error();
      }
      installs.push_back(std::move(*install));
    }
    if (auto s = write(); !s) return core::make_error(core::code::kUnavailable, s.error().message);
    modules = std::move(next);
    left_out = std::move(still_left_out);
    engine = *compiled;
    for (auto& install : installs) install();
    return {};
  }

  core::Status attach(Prepare prepare) override {
    std::lock_guard<std::mutex> lock(mu);
    evaluators.push_back(prepare);
    auto install = prepare(active(modules));
    if (!install) return install.error();
    (*install)();
    return {};
  }

  // Whether `source` is a module of a shipped package (or below one).
  bool in_shipped_package(const std::string& source) const {
    auto p = policy::module_package(source);
    if (!p) return false;
    for (const auto& pkg : shipped_packages)
      if (*p == pkg || p->rfind(pkg + ".", 0) == 0) return true;
    return false;
  }

  core::Status put(const std::string& id, const std::string& source, std::vector<core::Error>* errors) override {
    if (tenant != registry::kDefaultTenant && in_shipped_package(source))
      return core::make_error(core::code::kForbidden,
                              "the shipped packages (the ATT&CK mapping) are this genesisd's, managed in the "
                              "default tenant; tenant '" + tenant + "' may not write modules of them");
    std::lock_guard<std::mutex> lock(mu);
    auto next = modules;
    next[id] = source;
    return change(std::move(next), id, [&] { return store->put_policy(tenant, {id, source}); }, errors);
  }

  core::Status remove(const std::string& id, std::vector<core::Error>* errors) override {
    std::lock_guard<std::mutex> lock(mu);
    auto next = modules;
    if (!next.erase(id)) {
      if (shipped.count(id)) {
        return core::make_error(core::code::kConflict,
                                id + " is a shipped module: replace it (a module of the same id "
                                     "with only its package line turns it off)");
      }
      return core::make_error(core::code::kNotFound, "no policy module " + id);
    }
    return change(std::move(next), id, [&] { return store->delete_policy(tenant, id); }, errors);
  }
};

Response opa_error(int status, const std::string& code, const std::string& message,
                   const std::vector<core::Error>& errors = {}) {
  core::Object body{{"code", code}, {"message", message}};
  if (!errors.empty()) {
    core::Array list;
    for (const auto& e : errors) {
      core::Object item{{"code", e.code}, {"message", e.message}};
      // where: file:row[:col]
      std::string w = e.where;
      size_t c2 = w.rfind(':');
      size_t c1 = c2 == std::string::npos || c2 == 0 ? std::string::npos : w.rfind(':', c2 - 1);
      auto num = [](const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; };
      if (c1 != std::string::npos && num(w.substr(c1 + 1, c2 - c1 - 1)) && num(w.substr(c2 + 1))) {
        item.emplace_back("location", core::Object{{"file", w.substr(0, c1)},
                                                   {"row", static_cast<int64_t>(std::stoll(w.substr(c1 + 1, c2 - c1 - 1)))},
                                                   {"col", static_cast<int64_t>(std::stoll(w.substr(c2 + 1)))}});
      } else if (c2 != std::string::npos && num(w.substr(c2 + 1))) {
        item.emplace_back("location", core::Object{{"file", w.substr(0, c2)}, {"row", static_cast<int64_t>(std::stoll(w.substr(c2 + 1)))}});
      }
      list.push_back(std::move(item));
    }
    body.emplace_back("errors", std::move(list));
  }
  return Response::json(status, core::Value(std::move(body)));
}

// Builds and compiles an engine over `modules`; errors in *errors.
core::Result<std::shared_ptr<const policy::Engine>> build(const std::map<std::string, std::string>& modules,
                                                          std::vector<core::Error>* errors) {
  auto engine = std::make_shared<policy::Engine>();
  for (const auto& [id, src] : modules) {
    auto st = engine->add_module(id, src, policy::RegoVersion::kAuto);
    if (!st) {
      errors->push_back(st.error());
      return st.error();
    }
  }
  auto st = engine->compile(errors);
  if (!st) {
    if (errors->empty()) errors->push_back(st.error());
    return st.error();
  }
  return std::shared_ptr<const policy::Engine>(engine);
}

std::vector<std::string> data_path(const Request& req) {
  std::vector<std::string> out;
  auto it = req.params.find("path");
  if (it == req.params.end()) return out;
  const std::string& p = it->second;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    if (j > i) out.push_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string data_query(const std::vector<std::string>& path) {
  std::string q = "data";
  for (const auto& s : path) q += "[" + policy::to_json(PValue::string(s)) + "]";
  return q;
}

Response evaluate(PolicyState& st, const Request& req, const PValue& input) {
  auto [engine, data] = st.snapshot();
  policy::EvalOptions opts;
  opts.input = input;
  opts.data = data;
  opts.limits.timeout = std::chrono::milliseconds(5000);
  opts.cancelled = req.client_gone;  // a client that has gone gets no answer: stop
  auto rows = engine->query(data_query(data_path(req)), opts);
  if (!rows) return opa_error(500, "internal_error", rows.error().to_string(), {rows.error()});
  if (rows->empty()) return Response::json(200, core::Object{});
  return Response::json(200, core::Object{{"result", policy::to_core(rows->front().expressions.front())}});
}

// Sets (or with `remove`, deletes) the base document at path.
core::Result<PValue> set_at(const PValue& base, const std::vector<std::string>& path, size_t i, const PValue* v) {
  if (i == path.size()) return v ? *v : PValue();
  policy::ObjectItems items = base.is_object() ? base.obj() : policy::ObjectItems{};
  if (!base.is_object() && base.defined()) return core::make_error(code_conflict(), "path conflicts with a non-object document");
  PValue child;
  for (const auto& kv : items)
    if (kv.first.is_string() && kv.first.str() == path[i]) child = kv.second;
  if (!v && !child.defined()) return core::make_error(core::code::kNotFound, "document not found");
  auto nc = set_at(child, path, i + 1, v);
  if (!nc) return nc.error();
  policy::ObjectItems out;
  bool placed = false;
  for (auto& kv : items) {
    if (kv.first.is_string() && kv.first.str() == path[i]) {
      placed = true;
      if (nc->defined()) out.emplace_back(kv.first, *nc);
    } else {
      out.push_back(kv);
    }
  }
  if (!placed && nc->defined()) out.emplace_back(PValue::string(path[i]), *nc);
  return PValue::object(std::move(out));
}

}  // namespace

const char* code_conflict() { return core::code::kConflict; }

namespace {

// Builds the largest set that compiles, adding the stored modules one at a time
// to the shipped ones (those outside the shipped packages first: overrides of
// the shipped library are what an upgrade breaks) until none more can be added,
// so a module that needs another is added once that one is in. Fills left_out.
core::Result<std::shared_ptr<const policy::Engine>> load_what_compiles(PolicyState& st) {
  std::vector<std::string> order;
  for (const auto& [id, source] : st.modules)
    if (!st.in_shipped_package(source)) order.push_back(id);
  for (const auto& [id, source] : st.modules)
    if (st.in_shipped_package(source)) order.push_back(id);
  std::map<std::string, std::string> in;
  std::vector<core::Error> errors;
  auto engine = build(st.with_shipped(in), &errors);
  if (!engine) {
    core::Error e = engine.error();
    e.message = "the shipped policy library does not compile: " + e.message;
    return e;
  }
  std::map<std::string, std::string> reasons;
  for (bool added = true; added;) {
    added = false;
    for (const auto& id : order) {
      if (in.count(id)) continue;
      auto next = in;
      next[id] = st.modules[id];
      errors.clear();
      auto e = build(st.with_shipped(next), &errors);
      if (!e) {
        reasons[id] = errors.empty() ? e.error().message : errors.front().message;
        continue;
      }
      in = std::move(next);
      engine = std::move(e);
      reasons.erase(id);
      added = true;
    }
  }
  st.left_out = std::move(reasons);
  for (const auto& [id, why] : st.left_out)
    std::fprintf(stderr,
                 "genesisd: warning: tenant '%s': stored policy module %s does not compile with the rest and is "
                 "left out until it is replaced or deleted (/v1/policies): %s\n",
                 st.tenant.c_str(), id.c_str(), why.c_str());
  return engine;
}

// Loads a tenant's stored modules and data. A stored set that no longer
// compiles (an upgrade changed the shipped library or the language checks)
// must not keep genesisd or the tenant down: the largest part that compiles is
// evaluated, and each module left out is reported (GET /v1/policies, stderr)
// until it is replaced or deleted.
core::Result<std::shared_ptr<PolicyState>> load_policy_state(registry::Store& store, const std::string& tenant,
                                                             const std::map<std::string, std::string>& shipped) {
  auto st = std::make_shared<PolicyState>();
  st->store = &store;
  st->tenant = tenant;
  st->shipped = shipped;
  for (const auto& [id, source] : st->shipped)
    if (auto p = policy::module_package(source)) st->shipped_packages.insert(*p);
  auto stored = store.list_policies(st->tenant);
  if (!stored) return stored.error();
  for (auto& m : *stored) st->modules[m.id] = std::move(m.source);
  if (!st->modules.empty() || !st->shipped.empty()) {
    std::vector<core::Error> errors;
    auto engine = build(st->with_shipped(st->modules), &errors);
    if (!engine) engine = load_what_compiles(*st);
    if (!engine) return engine.error();  // the shipped library alone does not compile: a build defect
    st->engine = *engine;
  }
  auto data = store.get_policy_data(st->tenant);
  if (!data) return data.error();
  if (*data) {
    auto doc = policy::parse_json(**data);
    if (!doc || !doc->is_object())
      return core::make_error(core::code::kUnavailable, "stored policy data is not a JSON object");
    st->data = std::move(*doc);
  }
  return st;
}

// A module as the Policy API lists it; one left out at load says why.
core::Object module_json(const PolicyState& st, const std::string& id, const std::string& source) {
  core::Object m{{"id", id}, {"raw", source}, {"shipped", st.modules.count(id) == 0}};
  if (auto it = st.left_out.find(id); it != st.left_out.end()) {
    m.emplace_back("active", false);
    m.emplace_back("error", it->second);
  }
  return m;
}

// Every tenant's policy set, loaded on first use.
class PolicySets {
 public:
  PolicySets(registry::Store& store, std::map<std::string, std::string> shipped)
      : store_(store), shipped_(std::move(shipped)) {}

  core::Result<std::shared_ptr<PolicyState>> get(const std::string& tenant) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = sets_.find(tenant); it != sets_.end()) return it->second;
    auto st = load_policy_state(store_, tenant, shipped_);
    if (!st) return st.error();
    sets_.emplace(tenant, *st);
    return *st;
  }

 private:
  registry::Store& store_;
  const std::map<std::string, std::string> shipped_;
  std::mutex mu_;  // guards sets_ (loading included, so a set is loaded once)
  std::map<std::string, std::shared_ptr<PolicyState>> sets_;
};

// A handler on the request's tenant's policy set.
Handler on_tenant_set(std::shared_ptr<PolicySets> sets,
                      std::function<Response(const std::shared_ptr<PolicyState>&, Request&)> h) {
  return [sets = std::move(sets), h = std::move(h)](Request& req) {
    auto st = sets->get(req.tenant);
    if (!st) return opa_error(500, "internal_error", "loading the policy set of tenant '" + req.tenant + "': " +
                                                         st.error().message);
    return h(*st, req);
  };
}

}  // namespace

core::Result<std::shared_ptr<PolicyModules>> add_policy_routes(
    Router& router, registry::Store& store, std::map<std::string, std::string> shipped) {
  auto sets = std::make_shared<PolicySets>(store, std::move(shipped));
  // The default tenant's set is loaded now (a stored set that cannot load stops the
  // daemon at start, not at its first request); the detector attaches to it.
  auto default_set = sets->get(registry::kDefaultTenant);
  if (!default_set) return default_set.error();

  using State = std::shared_ptr<PolicyState>;
  router.add("GET", "/v1/policies", on_tenant_set(sets, [](const State& st, Request&) {
    std::lock_guard<std::mutex> lock(st->mu);
    core::Array list;
    for (const auto& [id, src] : st->with_shipped(st->modules)) list.push_back(module_json(*st, id, src));
    return Response::json(200, core::Object{{"result", std::move(list)}});
  }));
  router.add("GET", "/v1/policies/{id*}", on_tenant_set(sets, [](const State& st, Request& req) {
    std::lock_guard<std::mutex> lock(st->mu);
    auto all = st->with_shipped(st->modules);
    auto it = all.find(req.params["id"]);
    if (it == all.end())
      return opa_error(404, "resource_not_found", "storage_not_found_error: policy id \"" + req.params["id"] + "\"");
    return Response::json(200, core::Object{{"result", module_json(*st, it->first, it->second)}});
  }));
  router.add("PUT", "/v1/policies/{id*}", on_tenant_set(sets, [](const State& st, Request& req) {
    std::vector<core::Error> errors;
    if (auto s = st->put(req.params["id"], req.body, &errors); !s) {
      if (s.error().code == core::code::kUnavailable) return opa_error(500, "internal_error", s.error().message);
      if (s.error().code == core::code::kForbidden) return opa_error(403, "forbidden", s.error().message);
      return opa_error(400, "invalid_parameter", "error(s) occurred while compiling module(s)", errors);
    }
    return Response::json(200, core::Object{});
  }));
  router.add("DELETE", "/v1/policies/{id*}", on_tenant_set(sets, [](const State& st, Request& req) {
    std::vector<core::Error> errors;
    if (auto s = st->remove(req.params["id"], &errors); !s) {
      if (s.error().code == core::code::kNotFound)
        return opa_error(404, "resource_not_found", "storage_not_found_error: policy id \"" + req.params["id"] + "\"");
      if (s.error().code == core::code::kConflict) return opa_error(409, "invalid_parameter", s.error().message);
      if (s.error().code == core::code::kUnavailable) return opa_error(500, "internal_error", s.error().message);
      return opa_error(400, "invalid_parameter", "error(s) occurred while compiling module(s)", errors);
    }
    return Response::json(200, core::Object{});
  }));

  auto get = on_tenant_set(sets, [](const State& st, Request& req) {
    PValue input;
    if (const std::string* in = req.query_param("input")) {
      auto v = policy::parse_json(*in);
      if (!v) return opa_error(400, "invalid_parameter", "input is not valid JSON: " + v.error().message);
      input = *v;
    }
    return evaluate(*st, req, input);
  });
  auto post = on_tenant_set(sets, [](const State& st, Request& req) {
    PValue input;
    if (!req.body.empty()) {
      auto v = policy::parse_json(req.body);
      if (!v) return opa_error(400, "invalid_parameter", "body is not valid JSON: " + v.error().message);
      if (!v->is_object()) return opa_error(400, "invalid_parameter", "body must be a JSON object {\"input\": ...}");
      if (const PValue* in = v->get("input")) input = *in;
    }
    return evaluate(*st, req, input);
  });
  router.add("GET", "/v1/data", get);
  router.add("GET", "/v1/data/{path*}", get);
  router.add("POST", "/v1/data", post);
  router.add("POST", "/v1/data/{path*}", post);

  // The document after setting (v) or deleting (nullptr) the one at `path`.
  auto apply = [](const PValue& base, const std::vector<std::string>& path, const PValue* v) -> core::Result<PValue> {
    if (path.empty() && v && !v->is_object())
      return core::make_error(core::code::kInvalidArgument, "the root document must be an object");
    auto nd = path.empty() ? core::Result<PValue>(v ? *v : PValue::empty_object()) : set_at(base, path, 0, v);
    if (!nd) return nd;
    return nd->defined() ? *nd : PValue::empty_object();
  };
  auto refused = [](const core::Error& e) {
    if (e.code == core::code::kNotFound) return opa_error(404, "resource_not_found", e.message);
    if (e.code == core::code::kInvalidArgument) return opa_error(400, "invalid_parameter", e.message);
    return opa_error(409, "resource_conflict", e.message);
  };
  // Makes `doc` the tenant's base data: durable in the store first, then visible.
  // Called with st->mu held.
  auto commit = [](PolicyState& st, PValue doc) -> Response {
    if (auto s = st.store->put_policy_data(st.tenant, policy::to_json(doc)); !s)
      return opa_error(500, "internal_error", s.error().message);
    st.data = std::move(doc);
    return Response::no_content();
  };
  auto write = [apply, refused, commit](PolicyState& st, const Request& req, const PValue* v) -> Response {
    std::lock_guard<std::mutex> lock(st.mu);
    auto nd = apply(st.data, data_path(req), v);
    if (!nd) return refused(nd.error());
    return commit(st, std::move(*nd));
  };
  auto put = on_tenant_set(sets, [write](const State& st, Request& req) {
    auto v = policy::parse_json(req.body);
    if (!v) return opa_error(400, "invalid_parameter", "body is not valid JSON: " + v.error().message);
    return write(*st, req, &*v);
  });
  router.add("PUT", "/v1/data/{path*}", put);
  router.add("PUT", "/v1/data", put);
  router.add("DELETE", "/v1/data/{path*}",
             on_tenant_set(sets, [write](const State& st, Request& req) { return write(*st, req, nullptr); }));
  router.add("PATCH", "/v1/data/{path*}", on_tenant_set(sets, [apply, refused, commit](const State& st, Request& req) {
    // JSON Patch (add / remove / replace) relative to the document at path,
    // applied all or nothing.
    auto ops = policy::parse_json(req.body);
    if (!ops || !ops->is_array()) return opa_error(400, "invalid_parameter", "body must be a JSON Patch array");
    std::lock_guard<std::mutex> lock(st->mu);
    PValue doc = st->data;
    for (const auto& op : ops->arr()) {
      const PValue* o = op.get("op");
      const PValue* p = op.get("path");
      if (!o || !o->is_string() || !p || !p->is_string())
        return opa_error(400, "invalid_parameter", "each patch needs string op and path");
      Request sub = req;
      std::string full = req.params["path"];
      if (p->str() != "/" && !p->str().empty()) full += p->str();
      sub.params["path"] = full;
      const PValue* v = nullptr;
      if (o->str() == "add" || o->str() == "replace") {
        v = op.get("value");
        if (!v) return opa_error(400, "invalid_parameter", "add/replace needs a value");
      } else if (o->str() != "remove") {
        return opa_error(400, "invalid_parameter", "unsupported patch op " + o->str());
      }
      auto nd = apply(doc, data_path(sub), v);
      if (!nd) return refused(nd.error());
      doc = std::move(*nd);
    }
    return commit(*st, std::move(doc));
  }));
  return std::shared_ptr<PolicyModules>(*default_set);
}

}  // namespace genesis::server
