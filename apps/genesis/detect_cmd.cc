// genesis telemetry send | detections ls | playbook ls|show | mapping ls|put|rm
#include <iostream>

#include "apps/genesis/api.h"

namespace genesis::cli {

using core::Value;

namespace {

std::string str(const Value& v, const char* key) {
  const Value* m = v.find(key);
  return m && m->is_string() ? m->as_string() : "-";
}

void print_goals(const Value& playbook) {
  for (const Value& g : playbook.find("goals")->as_array()) {
    std::cout << "  goal " << str(g, "id") << "  weight " << g.find("weight")->as_double() << "  ttl "
              << g.find("ttl")->as_int() << "s\n";
  }
}

}  // namespace

void add_detect_commands(CLI::App& app, Context& ctx) {
  {
    auto* telemetry = app.add_subcommand("telemetry", "send endpoint telemetry to the detector");
    telemetry->require_subcommand(1);
    auto* cmd = telemetry->add_subcommand("send", "send one JSON event or an NDJSON batch (FILE or - for stdin)");
    auto file = std::make_shared<std::string>();
    cmd->add_option("file", *file, "file of events ('-' for standard input)")->required();
    cmd->callback([&ctx, file] {
      auto body = read_input(*file);
      if (!body) return fail(ctx, body.error().message);
      client::HttpClient http(ctx.server);
      if (!ctx.tenant.empty()) http.set_header("X-Genesis-Tenant", ctx.tenant);
      auto r = http.request("POST", "/v1/telemetry", *body, "application/x-ndjson");
      if (!r) return fail(ctx, r.error().message);
      auto json = r->json();
      if (!json) return fail(ctx, "genesisd sent a body that is not JSON");
      if (ctx.json) std::cout << core::to_json(*json) << "\n";
      const Value* rejected = json->find("rejected");
      if (!ctx.json) {
        if (const Value* n = json->find("accepted")) std::cout << "accepted " << n->as_int() << "\n";
        if (const Value* ds = json->find("detections")) {
          for (const Value& d : ds->as_array()) {
            std::cout << "detection " << str(d, "id") << "  " << str(d, "technique") << "  "
                      << str(d, "tactic") << "  agent " << str(d, "agent_id") << "\n";
          }
        }
        if (const Value* cs = json->find("counter_agents")) {
          for (const Value& c : cs->as_array()) {
            std::cout << "counter-agent " << str(c, "id") << "  " << str(c, "image") << "  for "
                      << str(c, "technique") << "\n";
          }
        }
        if (const Value* denied = json->find("denied")) {
          for (const Value& d : denied->as_array()) {
            std::cerr << "line " << d.find("line")->as_int() << ": denied: " << str(d, "reason") << "\n";
          }
        }
        if (rejected) {
          for (const Value& e : rejected->as_array()) {
            std::cerr << "line " << e.find("line")->as_int() << ": " << str(*e.find("error"), "message") << "\n";
          }
        }
      }
      if (r->status >= 400) {
        if (!rejected) {
          const Value* err = json->find("error");
          fail(ctx, err ? str(*err, "message") : "HTTP " + std::to_string(r->status));
        } else {
          ctx.exit_code = 1;
        }
      } else if (rejected && !rejected->as_array().empty()) {
        ctx.exit_code = 1;
      }
    });
  }

  {
    auto* detections = app.add_subcommand("detections", "ATT&CK detections");
    detections->require_subcommand(1);
    auto* cmd = detections->add_subcommand("ls", "list detections, newest first");
    auto agent = std::make_shared<std::string>();
    auto technique = std::make_shared<std::string>();
    auto since = std::make_shared<std::string>();
    auto until = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(100);
    auto cursor = std::make_shared<std::string>();
    cmd->add_option("--agent", *agent, "only this agent's");
    cmd->add_option("--technique", *technique, "only this technique (a parent matches its sub-techniques)");
    cmd->add_option("--since", *since, "from this time (RFC 3339), inclusive");
    cmd->add_option("--until", *until, "to this time (RFC 3339), exclusive");
    cmd->add_option("--limit", *limit, "page size (1..1000)");
    cmd->add_option("--cursor", *cursor, "continue from a previous page");
    cmd->callback([&ctx, agent, technique, since, until, limit, cursor] {
      std::string q = "/v1/detections?limit=" + std::to_string(*limit);
      add_query(q, "agent", *agent);
      add_query(q, "technique", *technique);
      add_query(q, "since", *since);
      add_query(q, "until", *until);
      add_query(q, "cursor", *cursor);
      auto page = call(ctx, "GET", q);
      if (!page) return;
      if (ctx.json) {
        std::cout << core::to_json(*page) << "\n";
        return;
      }
      for (const Value& d : page->find("detections")->as_array()) {
        std::string rules;
        for (const Value& r : d.find("rules")->as_array()) rules += (rules.empty() ? "" : ",") + r.as_string();
        std::cout << str(d, "ts") << "  " << str(d, "technique") << "  " << str(d, "tactic") << "  agent "
                  << str(d, "agent_id") << "  counter-agent " << str(d, "counter_agent_id") << "  " << rules
                  << "\n";
      }
      print_next_cursor(*page);
    });
  }

  {
    auto* playbook = app.add_subcommand("playbook", "counter-agent playbooks");
    playbook->require_subcommand(1);
    auto* ls = playbook->add_subcommand("ls", "list playbooks");
    ls->callback([&ctx] {
      auto r = call(ctx, "GET", "/v1/playbooks");
      if (!r) return;
      if (ctx.json) {
        std::cout << core::to_json(*r) << "\n";
        return;
      }
      for (const Value& p : r->find("playbooks")->as_array()) {
        std::string goals;
        for (const Value& g : p.find("goals")->as_array()) goals += (goals.empty() ? "" : ",") + str(g, "id");
        std::cout << str(p, "technique") << "  " << str(p, "image") << "  " << str(p, "policy") << "  "
                  << goals << "\n";
      }
    });
    auto* show = playbook->add_subcommand("show", "show one technique's playbook");
    auto technique = std::make_shared<std::string>();
    show->add_option("technique", *technique, "ATT&CK technique id, e.g. T1071.004")->required();
    show->callback([&ctx, technique] {
      auto r = call(ctx, "GET", "/v1/playbooks/" + client::url_encode(*technique));
      if (!r) return;
      if (ctx.json) {
        std::cout << core::to_json(*r) << "\n";
        return;
      }
      std::cout << str(*r, "technique") << "  image " << str(*r, "image") << "  policy " << str(*r, "policy")
                << "  urgency " << r->find("urgency")->as_double() << "\n";
      print_goals(*r);
      if (const Value* d = r->find("description")) std::cout << "  " << d->as_string() << "\n";
    });
  }

  {
    // The ATT&CK mapping set: the shipped library plus the user's modules
    // (package mitre or mitre.*), stored by genesisd and used by the detector.
    auto* mapping = app.add_subcommand("mapping", "ATT&CK mapping rules (Rego, package mitre)");
    mapping->require_subcommand(1);
    auto* ls = mapping->add_subcommand("ls", "list the modules of the mapping set");
    ls->callback([&ctx] {
      auto r = call(ctx, "GET", "/v1/attack/policies");
      if (!r) return;
      if (ctx.json) {
        std::cout << core::to_json(*r) << "\n";
        return;
      }
      for (const Value& p : r->find("policies")->as_array()) {
        const Value* shipped = p.find("shipped");
        std::cout << str(p, "id") << "  " << (shipped && shipped->is_bool() && shipped->as_bool() ? "shipped" : "user")
                  << "  " << p.find("bytes")->as_int() << " bytes\n";
      }
    });
    auto* put = mapping->add_subcommand("put", "add or replace a module (refused with its error if it does not compile)");
    auto name = std::make_shared<std::string>();
    auto file = std::make_shared<std::string>();
    put->add_option("name", *name, "module id, e.g. site/scanners.rego")->required();
    put->add_option("file", *file, "Rego source file, or - for standard input")->required();
    put->callback([&ctx, name, file] {
      auto source = read_input(*file);
      if (!source) return fail(ctx, source.error().message);
      auto r = call(ctx, "PUT", "/v1/attack/policies/" + client::url_encode(*name), *source, "text/plain");
      if (!r) return;
      if (ctx.json) std::cout << core::to_json(*r) << "\n";
      else std::cout << "stored " << *name << "\n";
    });
    auto* rm = mapping->add_subcommand("rm", "delete a user module");
    auto rm_name = std::make_shared<std::string>();
    rm->add_option("name", *rm_name, "module id")->required();
    rm->callback([&ctx, rm_name] {
      if (!call(ctx, "DELETE", "/v1/attack/policies/" + client::url_encode(*rm_name))) return;
      if (!ctx.json) std::cout << "deleted " << *rm_name << "\n";
    });
  }
}

}  // namespace genesis::cli
