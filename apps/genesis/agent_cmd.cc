// genesis agent spawn|ls|tree|show|mv|rm
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>

#include "apps/genesis/api.h"

namespace genesis::cli {

using core::Value;

namespace {

std::string str(const Value& v, const char* key) {
  const Value* x = v.find(key);
  return x && x->is_string() ? x->as_string() : std::string();
}

double num(const Value& v, const char* key) {
  const Value* x = v.find(key);
  return x && x->is_number() ? x->as_double() : 0.0;
}

std::string emotion_text(const Value& agent) {
  const Value* e = agent.find("emotion");
  if (!e) return "";
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s p=%.2f a=%.2f d=%.2f fatigue=%.2f", str(*e, "label").c_str(),
                num(*e, "pleasure"), num(*e, "arousal"), num(*e, "dominance"), num(*e, "fatigue"));
  return buf;
}

void print_agent(const Value& a) {
  std::cout << "id:         " << str(a, "id") << "\n"
            << "label:      " << str(a, "label") << "\n"
            << "path:       " << str(a, "path") << "\n"
            << "parent:     " << (str(a, "parent_id").empty() ? "-" : str(a, "parent_id")) << "\n"
            << "emotion:    " << emotion_text(a) << "\n"
            << "goals:      " << core::to_json(*a.find("goals")) << "\n"
            << "policy:     " << (str(a, "policy").empty() ? "-" : str(a, "policy")) << "\n"
            << "created_at: " << str(a, "created_at") << "\n";
  if (!str(a, "deleted_at").empty()) std::cout << "deleted_at: " << str(a, "deleted_at") << "\n";
  std::cout << "mem_state:  " << core::to_json(*a.find("mem_state"), true) << "\n";
}

core::Result<Value> parse_json_arg(Context& ctx, const std::string& text, const char* what) {
  auto v = core::parse_json(text);
  if (!v) fail(ctx, std::string(what) + " is not valid JSON: " + v.error().message);
  return v;
}

// Every agent of a listing, following cursors.
core::Result<core::Array> list_all(Context& ctx, const std::string& query) {
  core::Array all;
  std::string cursor;
  while (true) {
    std::string target = "/v1/agents?limit=1000" + query;
    add_query(target, "cursor", cursor);
    auto page = call(ctx, "GET", target);
    if (!page) return page.error();
    for (auto& a : page->find("agents")->as_array()) all.push_back(std::move(a));
    const Value* next = page->find("next_cursor");
    if (!next || !next->is_string()) break;
    cursor = next->as_string();
  }
  return all;
}

}  // namespace

void add_agent_commands(CLI::App& app, Context& ctx) {
  auto* agent = app.add_subcommand("agent", "spawn, list, inspect, move and remove agents");
  agent->require_subcommand(1);

  // spawn
  {
    auto* cmd = agent->add_subcommand("spawn", "spawn an agent");
    auto label = std::make_shared<std::string>();
    auto parent = std::make_shared<std::string>();
    auto mem = std::make_shared<std::string>();
    auto goals = std::make_shared<std::string>();
    auto policy = std::make_shared<std::string>();
    cmd->add_option("label", *label, "label (letters, digits, '_' and '-')")->required();
    cmd->add_option("--parent", *parent, "parent agent id");
    cmd->add_option("--mem", *mem, "working memory as a JSON object");
    cmd->add_option("--goals", *goals, "goals as JSON [{id, weight, ttl}]");
    cmd->add_option("--policy", *policy, "policy name");
    cmd->callback([&ctx, label, parent, mem, goals, policy] {
      Value body = core::Object{{"label", *label}};
      if (!parent->empty()) body.set("parent_id", *parent);
      if (!mem->empty()) {
        auto v = parse_json_arg(ctx, *mem, "--mem");
        if (!v) return;
        body.set("mem_state", *v);
      }
      if (!goals->empty()) {
        auto v = parse_json_arg(ctx, *goals, "--goals");
        if (!v) return;
        body.set("goals", *v);
      }
      if (!policy->empty()) body.set("policy", *policy);
      auto a = call(ctx, "POST", "/v1/agents", core::to_json(body));
      if (!a) return;
      if (ctx.json) std::cout << core::to_json(*a) << "\n";
      else std::cout << str(*a, "id") << "  " << str(*a, "path") << "\n";
    });
  }

  // ls
  {
    auto* cmd = agent->add_subcommand("ls", "list agents");
    auto subtree = std::make_shared<std::string>();
    auto path = std::make_shared<std::string>();
    auto label = std::make_shared<std::string>();
    auto all = std::make_shared<bool>(false);
    auto limit = std::make_shared<int>(100);
    auto cursor = std::make_shared<std::string>();
    cmd->add_option("--subtree", *subtree, "only this agent and its descendants");
    cmd->add_option("--path", *path, "only agents at or below this spawn path");
    cmd->add_option("--label", *label, "only agents with this label");
    cmd->add_flag("--all", *all, "include deleted agents");
    cmd->add_option("--limit", *limit, "page size (1..1000)");
    cmd->add_option("--cursor", *cursor, "continue from a previous page");
    cmd->callback([&ctx, subtree, path, label, all, limit, cursor] {
      std::string q = "/v1/agents?limit=" + std::to_string(*limit);
      add_query(q, "subtree", *subtree);
      add_query(q, "path", *path);
      add_query(q, "label", *label);
      if (*all) q += "&include_deleted=true";
      add_query(q, "cursor", *cursor);
      auto page = call(ctx, "GET", q);
      if (!page) return;
      if (ctx.json) {
        std::cout << core::to_json(*page) << "\n";
        return;
      }
      for (const Value& a : page->find("agents")->as_array()) {
        std::cout << str(a, "id") << "  " << str(a, "path") << "  " << emotion_text(a)
                  << (str(a, "deleted_at").empty() ? "" : "  (deleted)") << "\n";
      }
      print_next_cursor(*page);
    });
  }

  // tree
  {
    auto* cmd = agent->add_subcommand("tree", "print the spawn tree with labels and emotion");
    auto root = std::make_shared<std::string>();
    cmd->add_option("root", *root, "print only this agent's subtree");
    cmd->callback([&ctx, root] {
      auto agents = list_all(ctx, root->empty() ? "" : "&subtree=" + client::url_encode(*root));
      if (!agents) return;
      if (ctx.json) {
        std::cout << core::to_json(Value(*agents)) << "\n";
        return;
      }
      std::map<std::string, std::vector<const Value*>> children;
      std::map<std::string, bool> present;
      for (const Value& a : *agents) present[str(a, "id")] = true;
      std::vector<const Value*> roots;
      for (const Value& a : *agents) {
        std::string p = str(a, "parent_id");
        if (p.empty() || !present.count(p) || str(a, "id") == *root) roots.push_back(&a);
        else children[p].push_back(&a);
      }
      std::function<void(const Value*, const std::string&, bool, bool)> print =
          [&](const Value* a, const std::string& prefix, bool last, bool top) {
            std::cout << prefix << (top ? "" : (last ? "└── " : "├── ")) << str(*a, "label") << "  ["
                      << str(*a, "id").substr(0, 8) << "]  " << emotion_text(*a) << "\n";
            const auto& kids = children[str(*a, "id")];
            std::string next = top ? prefix : prefix + (last ? "    " : "│   ");
            for (size_t i = 0; i < kids.size(); ++i) print(kids[i], next, i + 1 == kids.size(), false);
          };
      for (const Value* r : roots) print(r, "", true, true);
      if (agents->empty()) std::cout << "(no agents)\n";
    });
  }

  // show
  {
    auto* cmd = agent->add_subcommand("show", "show one agent in full");
    auto id = std::make_shared<std::string>();
    auto all = std::make_shared<bool>(false);
    cmd->add_option("id", *id, "agent id")->required();
    cmd->add_flag("--all", *all, "show it even when deleted");
    cmd->callback([&ctx, id, all] {
      auto a = call(ctx, "GET", "/v1/agents/" + client::url_encode(*id) + (*all ? "?include_deleted=true" : ""));
      if (!a) return;
      if (ctx.json) std::cout << core::to_json(*a) << "\n";
      else print_agent(*a);
    });
  }

  // mv
  {
    auto* cmd = agent->add_subcommand("mv", "re-parent an agent (its subtree moves with it)");
    auto id = std::make_shared<std::string>();
    auto parent = std::make_shared<std::string>();
    auto root = std::make_shared<bool>(false);
    cmd->add_option("id", *id, "agent to move")->required();
    cmd->add_option("new_parent", *parent, "new parent agent id");
    cmd->add_flag("--root", *root, "make the agent a root");
    cmd->callback([&ctx, id, parent, root] {
      if (parent->empty() == !*root) return fail(ctx, "give either NEW_PARENT or --root");
      Value body = core::Object{{"new_parent", *root ? Value() : Value(*parent)}};
      auto a = call(ctx, "POST", "/v1/agents/" + client::url_encode(*id) + "/move", core::to_json(body));
      if (!a) return;
      if (ctx.json) std::cout << core::to_json(*a) << "\n";
      else std::cout << str(*a, "old_path") << " -> " << str(*a, "path") << "\n";
    });
  }

  // rm
  {
    auto* cmd = agent->add_subcommand("rm", "soft-delete an agent");
    auto id = std::make_shared<std::string>();
    auto subtree = std::make_shared<bool>(false);
    cmd->add_option("id", *id, "agent id")->required();
    cmd->add_flag("--subtree", *subtree, "delete all its descendants too");
    cmd->callback([&ctx, id, subtree] {
      auto r = call(ctx, "DELETE", "/v1/agents/" + client::url_encode(*id) + (*subtree ? "?subtree=true" : ""));
      if (!r) return;
      if (ctx.json) std::cout << core::to_json(*r) << "\n";
      else
        for (const Value& d : r->find("deleted")->as_array()) std::cout << "deleted " << d.as_string() << "\n";
    });
  }
}

}  // namespace genesis::cli
