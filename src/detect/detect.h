// genesis::detect — the public face of the detection component: telemetry
// schema and validation, the ATT&CK catalogue, playbooks. Other components
// include only this header.
//
// Detection path (named stages, in order):
//   decode -> validate -> evaluate policies (data.mitre) -> record -> respond -> broadcast
// decode/validate live in telemetry.h; the catalogue in catalogue.h; playbooks in
// playbook.h; the pipeline in detector.h (built when the Rego engine is present).
#pragma once

#include "detect/catalogue.h"
#include "detect/playbook.h"
#include "detect/telemetry.h"
#if defined(GENESIS_HAVE_DETECTOR)
#include "detect/detector.h"
#include "detect/evaluator.h"
#include "detect/store.h"
#endif
