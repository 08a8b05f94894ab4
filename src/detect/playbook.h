// Playbooks: which counter-agent answers an ATT&CK technique. They are data
// (playbooks/<technique>.json), loaded and checked at start and replaceable at
// run time. A PlaybookSet is not synchronized; the detector guards its own.
//
// File format (every member required unless marked):
//   {"technique": "T1071.004",            // must exist in the catalogue
//    "image": "network-isolator",         // counter-agent image: [a-z0-9-]+
//    "goals": [{"id": "block-dns", "weight": 1.0, "ttl": 3600}, ...],
//    "policy": "deny:egress",             // one of kPolicies
//    "urgency": 0.9,                      // 0..1
//    "description": "..."}                // optional
// Goal ids are the mitigations the response stage can carry out (kGoalActions);
// weight is in [0, 1], ttl in seconds (> 0).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "detect/catalogue.h"

namespace genesis::detect {

// block-dns / block-egress: deny the affected agent's egress; quarantine: no
// spawning, no state changes; kill-process: soft-delete the agent;
// forensic-dump: evidence record of mem_state and recent cognition; alert-soc:
// webhook + alert stream.
inline const std::vector<std::string_view> kGoalActions = {
    "block-dns", "block-egress", "quarantine", "kill-process", "forensic-dump", "alert-soc"};
inline const std::vector<std::string_view> kPolicies = {"deny:egress", "quarantine", "monitor"};

struct Goal {
  std::string id;
  double weight = 0;
  int64_t ttl = 0;
};

struct Playbook {
  std::string technique;
  std::string image;
  std::vector<Goal> goals;
  std::string policy;
  double urgency = 0;
  std::string description;

  core::Value to_json() const;
};

// Checks one playbook document. `catalogue` may be null (then technique ids are
// only checked for shape). Errors carry the member path in `where`.
core::Result<Playbook> parse_playbook(const core::Value& doc, const Catalogue* catalogue);

class PlaybookSet {
 public:
  // Loads every *.json in `dir`; a file must be named after its technique
  // (T1071.004.json). Every bad file is reported (one error per file, joined),
  // not just the first; nothing is loaded if any file is bad.
  static core::Result<PlaybookSet> load_dir(const std::string& dir, const Catalogue* catalogue);

  // The playbook for a technique, falling back to its parent technique
  // (T1055.012 -> T1055) when the catalogue says it has one; nullptr if none.
  const Playbook* find(std::string_view technique, const Catalogue* catalogue = nullptr) const;
  void put(Playbook p);
  bool erase(std::string_view technique);
  const std::map<std::string, Playbook, std::less<>>& all() const { return by_technique_; }
  std::size_t size() const { return by_technique_.size(); }

 private:
  std::map<std::string, Playbook, std::less<>> by_technique_;
};

// $GENESIS_SHARE_DIR/../playbooks when set, else the source tree's playbooks/.
std::string default_playbook_dir();

}  // namespace genesis::detect
