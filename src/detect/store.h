// What the detection pipeline keeps — detections, counter-agents, containments
// (egress denial, quarantine), response actions, evidence and egress decisions —
// is stored by the storage layer beside the agents (storage/storage.h), so a
// detection and its whole response commit in one transaction
// (Store::transact). This header names those records for src/detect.
#pragma once

#include "storage/storage.h"

namespace genesis::detect {

using storage::ActionRecord;
using storage::Containment;
using storage::CounterAgentRecord;
using storage::Decision;
using storage::Detection;
using storage::DetectionQuery;
using storage::Evidence;
using storage::ResponseRecord;

}  // namespace genesis::detect
