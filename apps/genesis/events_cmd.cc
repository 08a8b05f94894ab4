// genesis events add|ls
#include <iostream>

#include "apps/genesis/api.h"

namespace genesis::cli {

using core::Value;

void add_events_commands(CLI::App& app, Context& ctx) {
  auto* events = app.add_subcommand("events", "record and read an agent's cognition events");
  events->require_subcommand(1);

  {
    auto* cmd = events->add_subcommand("add", "record a cognition event (or an NDJSON batch with --file)");
    auto id = std::make_shared<std::string>();
    auto type = std::make_shared<std::string>();
    auto payload = std::make_shared<std::string>();
    auto file = std::make_shared<std::string>();
    cmd->add_option("id", *id, "agent id")->required();
    cmd->add_option("type", *type, "perceive | plan | act | reflect");
    cmd->add_option("payload", *payload, "payload as JSON");
    cmd->add_option("--file", *file, "NDJSON file of events ('-' for standard input)");
    cmd->callback([&ctx, id, type, payload, file] {
      std::string target = "/v1/agents/" + client::url_encode(*id) + "/events";
      core::Result<Value> r = Value();
      if (!file->empty()) {
        auto body = read_input(*file);
        if (!body) return fail(ctx, body.error().message);
        r = call(ctx, "POST", target, *body, "application/x-ndjson");
      } else {
        if (type->empty()) return fail(ctx, "give TYPE (and PAYLOAD), or --file");
        Value body = core::Object{{"type", *type}};
        if (!payload->empty()) {
          auto p = core::parse_json(*payload);
          if (!p) return fail(ctx, "payload is not valid JSON: " + p.error().message);
          body.set("payload", *p);
        }
        r = call(ctx, "POST", target, core::to_json(body));
      }
      if (!r) return;
      if (ctx.json) {
        std::cout << core::to_json(*r) << "\n";
        return;
      }
      const Value* list = r->find("events");
      size_t n = list ? list->as_array().size() : 1;
      std::cout << "recorded " << n << " event" << (n == 1 ? "" : "s") << "\n";
    });
  }

  {
    auto* cmd = events->add_subcommand("ls", "list cognition events, newest first");
    auto id = std::make_shared<std::string>();
    auto since = std::make_shared<std::string>();
    auto until = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(100);
    auto cursor = std::make_shared<std::string>();
    cmd->add_option("id", *id, "agent id")->required();
    cmd->add_option("--since", *since, "from this time (RFC 3339), inclusive");
    cmd->add_option("--until", *until, "to this time (RFC 3339), exclusive");
    cmd->add_option("--limit", *limit, "page size (1..1000)");
    cmd->add_option("--cursor", *cursor, "continue from a previous page");
    cmd->callback([&ctx, id, since, until, limit, cursor] {
      std::string q = "/v1/agents/" + client::url_encode(*id) + "/events?limit=" + std::to_string(*limit);
      add_query(q, "since", *since);
      add_query(q, "until", *until);
      add_query(q, "cursor", *cursor);
      auto page = call(ctx, "GET", q);
      if (!page) return;
      if (ctx.json) {
        std::cout << core::to_json(*page) << "\n";
        return;
      }
      for (const Value& e : page->find("events")->as_array())
        std::cout << e.find("ts")->as_string() << "  " << e.find("type")->as_string() << "  "
                  << core::to_json(*e.find("payload")) << "\n";
      print_next_cursor(*page);
    });
  }
}

}  // namespace genesis::cli
