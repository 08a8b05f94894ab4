// genesis: the command-line client of genesisd.
#include <CLI/CLI.hpp>

#include "apps/genesis/commands.h"

int main(int argc, char** argv) {
  using namespace genesis::cli;
  Context ctx;
  CLI::App app{"genesis - drive a Genesis control plane"};
  app.require_subcommand(1);
  app.add_option("--server", ctx.server, "genesisd address host:port")->envname("GENESIS_SERVER");
  app.add_option("--tenant", ctx.tenant, "the tenant to act for (default: genesisd's default tenant)")
      ->envname("GENESIS_TENANT");
  app.add_flag("--json", ctx.json, "print JSON instead of text");
  add_agent_commands(app, ctx);
  add_events_commands(app, ctx);
  add_emotion_commands(app, ctx);
  add_policy_commands(app, ctx);
  add_detect_commands(app, ctx);
  add_admin_commands(app, ctx);
  add_tenant_commands(app, ctx);
  add_sigma_commands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return ctx.exit_code;
}
