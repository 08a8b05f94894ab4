// /healthz and /metrics (Prometheus text format 0.0.4).
#include "server/routes.h"

namespace genesis::server {

void add_health_routes(Router& router, Metrics& metrics, std::function<std::optional<std::string>()> not_ready) {
  router.add("GET", "/healthz", [](Request&) {
    return Response::json(200, core::Object{{"status", "ok"}});
  });
  // A load balancer or orchestrator sends traffic only when this says ready;
  // /healthz stays a liveness check (restarting a node that is still loading
  // its content would not help it).
  router.add("GET", "/readyz", [not_ready](Request&) {
    std::optional<std::string> why = not_ready ? not_ready() : std::nullopt;
    if (why) return Response::json(503, core::Object{{"status", "not ready"}, {"reason", *why}});
    return Response::json(200, core::Object{{"status", "ready"}});
  });
  router.add("GET", "/metrics", [&metrics](Request&) {
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics.render();
    return r;
  });
}

}  // namespace genesis::server
