// genesis tenant ls|create
#include <iostream>

#include "apps/genesis/api.h"

namespace genesis::cli {

using core::Value;

void add_tenant_commands(CLI::App& app, Context& ctx) {
  auto* tenant = app.add_subcommand("tenant", "list and create tenants (each sees only its own agents and events)");
  tenant->require_subcommand(1);

  {
    auto* cmd = tenant->add_subcommand("ls", "list every tenant");
    cmd->callback([&ctx] {
      auto r = call(ctx, "GET", "/v1/tenants");
      if (!r) return;
      if (ctx.json) {
        std::cout << core::to_json(*r) << "\n";
        return;
      }
      for (const Value& t : r->find("tenants")->as_array())
        std::cout << t.find("id")->as_string() << "  " << t.find("name")->as_string() << "  "
                  << t.find("created_at")->as_string() << "\n";
    });
  }

  {
    auto* cmd = tenant->add_subcommand("create", "create a tenant; act for it with --tenant ID");
    auto id = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    cmd->add_option("id", *id, "tenant id: 1-64 of A-Z a-z 0-9 _ -")->required();
    cmd->add_option("--name", *name, "display name (default: the id)");
    cmd->callback([&ctx, id, name] {
      Value body = core::Object{{"id", *id}};
      if (!name->empty()) body.set("name", *name);
      auto r = call(ctx, "POST", "/v1/tenants", core::to_json(body));
      if (!r) return;
      if (ctx.json) {
        std::cout << core::to_json(*r) << "\n";
        return;
      }
      std::cout << "created tenant " << r->find("id")->as_string() << "\n";
    });
  }
}

}  // namespace genesis::cli
