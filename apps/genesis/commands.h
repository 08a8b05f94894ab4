// The genesis CLI is built from command families, each in its own file, each
// adding its subcommands to the CLI11 app. main.cc calls every add_* below.
//
// A command's callback sets `exit_code` (0 ok, 1 failure, 2 usage) and prints
// either human text or, with --json, JSON on stdout; errors are one line on stderr.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace genesis::cli {

struct Context {
  std::string server = "localhost:8000";  // --server host:port of genesisd
  std::string tenant;                     // --tenant: sent as X-Genesis-Tenant when set
  bool json = false;                      // --json output
  int exit_code = 0;
};

void add_agent_commands(CLI::App& app, Context& ctx);      // agent spawn|ls|tree|show|mv|rm
void add_events_commands(CLI::App& app, Context& ctx);     // events add|ls
void add_policy_commands(CLI::App& app, Context& ctx);     // policy eval|test|check
void add_emotion_commands(CLI::App& app, Context& ctx);    // emotion train|infer|check
void add_detect_commands(CLI::App& app, Context& ctx);     // telemetry send, detections ls, playbook ls|show
void add_admin_commands(CLI::App& app, Context& ctx);      // admin backup|restore|vacuum|verify-bundle
void add_tenant_commands(CLI::App& app, Context& ctx);     // tenant ls|create
void add_sigma_commands(CLI::App& app, Context& ctx);      // sigma check|ls|show|test|enable|disable|switches

}  // namespace genesis::cli
