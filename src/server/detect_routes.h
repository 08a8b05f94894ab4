// The detection resources genesisd serves when it is built with the detector
// (src/detect + the Rego engine): telemetry in, detections, the ATT&CK
// catalogue, playbooks and mapping policies out.
#pragma once

#include "detect/detect.h"
#include "server/routes.h"

namespace genesis::server {

// POST /v1/telemetry; mesh message "telemetry"; the egress gate on "hello"/"ping".
// Call after add_mesh_messages.
void add_telemetry_routes(Router& router, detect::Detector& detector);
// GET /v1/detections, /v1/detections/{id}, /v1/evidence?agent=, /v1/decisions?agent=
void add_detection_routes(Router& router, detect::Detector& detector);
// GET /v1/attack/techniques[/{id}]; GET|PUT /v1/playbooks[/{technique}];
// GET /v1/attack/policies, PUT|DELETE /v1/attack/policies/{name}: the mapping
// modules, stored through `policies` (OPA's set, which the detector is attached to)
void add_attack_routes(Router& router, detect::Detector& detector, PolicyModules& policies);
// GET /v1/sigma/rules[/{id}], GET|POST /v1/sigma/switches, DELETE /v1/sigma/switches/{id}
void add_sigma_routes(Router& router, detect::Detector& detector);

}  // namespace genesis::server
