// /healthz and /metrics (Prometheus text format 0.0.4).
#include "server/routes.h"

namespace genesis::server {

void add_health_routes(Router& router, Metrics& metrics) {
  router.add("GET", "/healthz", [](Request&) {
    return Response::json(200, core::Object{{"status", "ok"}});
  });
  router.add("GET", "/metrics", [&metrics](Request&) {
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics.render();
    return r;
  });
}

}  // namespace genesis::server
