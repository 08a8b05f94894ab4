// genesisd: the Genesis daemon. Its life is the ordered list of steps in
// main(): each start-up step either succeeds or stops the daemon with one clear
// line; teardown runs in reverse through destructors.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "auth/auth.h"
#include "config/config.h"
#include "emotion/engine.h"
#include "mesh/mesh.h"
#include "registry/registry.h"
#include "registry/service.h"
#include "server/routes.h"
#include "server/server.h"
#include "storage/retention.h"
#include "storage/storage.h"
#if defined(GENESIS_HAVE_DETECTOR)
#include "server/detect_routes.h"
#endif

namespace {

int fail(const std::string& step, const genesis::core::Error& e) {
  std::fprintf(stderr, "genesisd: %s: %s\n", step.c_str(), e.to_string().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace genesis;
  // 1. Load configuration: flags > GENESIS_* environment > --config file >
  // defaults (src/config, docs/configuration.md); every error names its key.
  config::Inputs inputs;
  bool check_only = false;
  CLI::App app{"genesisd - the Genesis control plane daemon"};
  config::add_flags(app, inputs);
  app.add_flag("--check-config", check_only, "validate the configuration, print it and exit (0: valid)");
  bool print_api = false;
  app.add_flag("--print-api", print_api,
               "print the HTTP routes and mesh message types this build serves as JSON, then exit");
  CLI11_PARSE(app, argc, argv);
  inputs.env = config::process_environment();
  std::vector<core::Error> config_errors;
  auto loaded = config::load(inputs, &config_errors);
  if (!loaded) {
    for (const auto& e : config_errors)
      std::fprintf(stderr, "genesisd: configuration: %s\n", e.to_string().c_str());
    return 1;
  }
  if (check_only) {
    std::printf("%sgenesisd: configuration ok\n", config::describe(*loaded).c_str());
    return 0;
  }
  config::DaemonConfig cfg = loaded->config;

  // 2. Open the store (creating its directory) and migrate its schema.
  if (cfg.store.rfind("sqlite:", 0) == 0) {
    std::filesystem::path p(cfg.store.substr(7));
    std::error_code ec;
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  }
  auto store = storage::open_store(cfg.store);
  if (!store) return fail("open store", store.error());

  // 3. The event bus and the registry that publishes on it.
  mesh::EventBus bus;
  registry::Registry reg(**store, bus);
  auth::TokenSigner signer;

  // 3b. The emotion engine: heartbeats -> PAD -> store -> bus -> offloading.
  std::optional<emotion::Model> loaded_model;
  if (!cfg.emotion_model.empty()) {
    auto m = emotion::Model::load(cfg.emotion_model);
    if (!m) return fail("load emotion model", m.error());
    loaded_model = std::move(*m);
  }
  emotion::Engine emotion_engine(reg, loaded_model ? *loaded_model : emotion::Model::shipped());

  // 4. Routes and metrics.
  server::Router router;
  server::Metrics metrics;
  // Ready: the store answers a read and the detection content is loaded (the
  // detector, made below, loads its Sigma rules in the background).
  std::function<bool()> detection_content_loaded = [] { return true; };
  server::add_health_routes(router, metrics, [&]() -> std::optional<std::string> {
    storage::AgentQuery one;
    one.limit = 1;
    if (auto page = reg.store().list(std::string(storage::kDefaultTenant), one); !page)
      return "store: " + page.error().message;
    if (!detection_content_loaded()) return std::string("the Sigma rules are loading");
    return std::nullopt;
  });
  if (auto s = server::add_tenant_routes(router, reg.store()); !s) return fail("load tenants", s.error());
  // Retention: the configured ages, enforced in the background and by
  // POST /v1/admin/vacuum (genesis admin vacuum).
  storage::RetentionPolicy retention;
  retention.max_age_ms = {{"events", cfg.retention_events_ms},
                          {"evidence", cfg.retention_evidence_ms},
                          {"detections", cfg.retention_detections_ms},
                          {"decisions", cfg.retention_decisions_ms}};
  retention.tenant_max_age_ms = cfg.retention_tenants;
  server::add_admin_routes(router, reg.store(), retention);
  server::add_agent_routes(router, reg);
  server::add_event_routes(router, reg);
  server::add_capability_routes(router, signer, reg);
  // The shipped ATT&CK library is part of OPA's set too (read-only), so data.mitre
  // is the same document at /v1/data and in the detector, and a user's mapping
  // module can use the library's helpers.
  std::map<std::string, std::string> shipped_mitre;
#if defined(GENESIS_HAVE_DETECTOR)
  if (cfg.mitre_policies.empty()) cfg.mitre_policies = detect::default_policy_dir();
  auto library = detect::read_policy_dir(cfg.mitre_policies);
  if (!library) return fail("read the ATT&CK mapping library", library.error());
  shipped_mitre = std::move(*library);
#endif
  auto policy_modules = server::add_policy_routes(router, reg.store(), std::move(shipped_mitre));
  if (!policy_modules) return fail("load policies", policy_modules.error());
  server::add_mesh_messages(router, reg);
  server::add_emotion_routes(router, reg, emotion_engine);
  server::add_emotion_messages(router, emotion_engine);

#if defined(GENESIS_HAVE_DETECTOR)
  // 4b. The detector: its records in the same store, catalogue, playbooks,
  // mapping policies; then its routes (after the mesh messages it gates).
  std::unique_ptr<detect::Detector> detector;
  detect::DetectorOptions dopts;
  dopts.catalogue_path = cfg.attack_catalogue;
  dopts.playbook_dir = cfg.playbooks;
  dopts.policy_dir = cfg.mitre_policies;
  if (cfg.sigma_rules != "none") {
    dopts.sigma_dir = cfg.sigma_rules.empty() ? detect::default_sigma_dir() : cfg.sigma_rules;
  }
  dopts.sigma_respond_levels = cfg.sigma_respond;
  std::unique_ptr<detect::AlertSink> alerts;
  if (!cfg.alert_webhook.empty()) alerts = std::make_unique<detect::WebhookSink>(cfg.alert_webhook);
  auto created = detect::Detector::create(reg, std::move(alerts), dopts);
  if (!created) return fail("start detector", created.error());
  detector = std::move(*created);
  detection_content_loaded = [det = detector.get()] { return det->content_loaded(); };
  server::add_telemetry_routes(router, *detector);
  server::add_detection_routes(router, *detector);
  // The detector evaluates the stored modules of package mitre on top of its
  // shipped library; every policy change is compiled by it before it is written.
  // Stored modules that no longer compile with this library (an upgrade changed
  // it) must not keep the daemon down: it runs the library alone and says so.
  detect::Detector* det = detector.get();
  if (auto s = (*policy_modules)->attach([det](const std::map<std::string, std::string>& modules) {
        return det->prepare_policies(modules);
      });
      !s) {
    std::fprintf(stderr,
                 "genesisd: warning: the stored ATT&CK mapping modules do not compile with the "
                 "shipped library, which runs alone until they are fixed or deleted "
                 "(/v1/policies): %s\n",
                 s.error().message.c_str());
  }
  server::add_attack_routes(router, *detector, **policy_modules);
  server::add_sigma_routes(router, *detector);
#endif

  if (print_api) {
    // What api/openapi.yaml must describe, for the contract test.
    core::Value routes = core::Value::array();
    for (const auto& [method, pattern] : router.routes())
      routes.push_back(core::Object{{"method", method}, {"path", pattern}});
    core::Value messages = core::Value::array();
    for (const std::string& type : router.message_types()) messages.push_back(type);
    std::printf("%s\n", core::to_json(core::Object{{"routes", routes}, {"messages", messages}}).c_str());
    return 0;
  }

  std::atomic<uint64_t> events_ingested{0};
  auto counter_sub = bus.subscribe([&events_ingested](const mesh::Event& e) {
    if (e.type == "cognition") events_ingested.fetch_add(1, std::memory_order_relaxed);
  });
  metrics.add_counter("genesis_cognition_events_ingested_total", "Cognition events stored since start.",
                      [&events_ingested] { return static_cast<double>(events_ingested.load()); });
  metrics.add_gauge("genesis_agents", "Live agents in the default tenant.", [&reg] {
    auto n = reg.store().count_agents(registry::kDefaultTenant);
    return n ? static_cast<double>(*n) : -1.0;
  });
  metrics.add_counter("genesis_heartbeats_total", "Heartbeats stored since start.",
                      [&emotion_engine] { return static_cast<double>(emotion_engine.stats().heartbeats); });
  metrics.add_counter("genesis_offloads_total", "Goal offloads committed since start.",
                      [&emotion_engine] { return static_cast<double>(emotion_engine.stats().offloads); });
  metrics.add_counter("genesis_mesh_events_total", "Events published on the bus since start, all tenants.",
                      [&bus] { return static_cast<double>(bus.published()); });

  // 5. Start HTTP + WebSocket, say where, and serve until SIGINT/SIGTERM.
  server::ServerOptions opts;
  opts.listen = cfg.listen;
  opts.web_dir = cfg.web;
  opts.threads = cfg.threads;
  opts.tls_cert = cfg.tls_cert;  // both or neither (config checked); SIGHUP reloads them
  opts.tls_key = cfg.tls_key;
  // SIGHUP reloads TLS once srv.run() handles signals; one that comes earlier
  // (a reload right after start) must not kill the daemon: ignore it till then.
  std::signal(SIGHUP, SIG_IGN);
  storage::RetentionWorker retention_worker(reg.store(), retention, cfg.retention_interval_ms);
  server::Server srv(opts, router, metrics, bus);
  auto port = srv.start();
  if (!port) return fail("listen", port.error());
  std::string host = cfg.listen.substr(0, cfg.listen.rfind(':'));
  std::printf("listening on %s:%u\n", host.c_str(), *port);
  std::fflush(stdout);
  srv.run(/*handle_signals=*/true);
  std::printf("genesisd: stopped\n");
  return 0;
}
