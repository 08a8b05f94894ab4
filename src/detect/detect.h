// genesis::detect — the public face of the detection component: telemetry
// schema and validation, the ATT&CK catalogue, playbooks. Other components
// include only this header.
//
// Detection path (named stages, in order):
//   decode -> validate -> evaluate policies (data.mitre) -> record -> respond -> broadcast
// decode/validate live in telemetry.h; the catalogue in catalogue.h; playbooks in
// playbook.h.
#pragma once

#include "detect/catalogue.h"
#include "detect/playbook.h"
#include "detect/telemetry.h"
