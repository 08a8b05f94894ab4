// The Sigma half of the evaluate stage: the rule set (the shipped SigmaHQ rules in
// share/sigma/rules, or a user's directory) run on every event beside the Rego mapping.
//
// A match becomes one finding per ATT&CK technique its tags name (attack.t1059.001 ->
// T1059.001); a rule without a technique tag gives one finding with technique "".
// Tags are resolved through the catalogue (Catalogue::resolve): a revoked id becomes its
// successor (`technique_tagged` keeps the tag); deprecated ids and ids the catalogue does
// not know (ATT&CK v19 ids against the v18.1 catalogue) are kept and marked
// `technique_known: false`, never dropped. Whether a finding raises
// a counter-agent is the rule's level: `respond_levels` (default high, critical);
// lower levels are recorded only.
//
// Immutable once loaded; evaluate() is safe from many threads.
#pragma once

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "detect/catalogue.h"

#include "sigma/sigma.h"

namespace genesis::detect {

struct SigmaFinding {
  std::string technique;  // "" when the rule names none
  std::string tactic;     // the catalogue's first tactic, else the rule's first tactic tag
  std::string rule;       // "sigma:<rule id>", the detection's rule name
  bool respond = false;   // the rule's level raises a counter-agent
  // {id, title, level, status, author, references, file, technique_known, fields: {path: value}}
  // and, for a revoked or deprecated tag, technique_tagged and technique_tag_status
  core::Value info;
};

class SigmaStage {
 public:
  ~SigmaStage();
  // Loads every rule under `dir`; those `switches` turn off do not run. Rules that
  // do not load are counted, not fatal (`genesis sigma check` names them); a
  // directory that does not exist is an error.
  static core::Result<std::unique_ptr<SigmaStage>> load(const std::string& dir,
                                                        std::vector<std::string> respond_levels,
                                                        std::vector<sigma::RuleSwitch> switches = {});
  // The same rules under other switches: re-indexed, not parsed again.
  std::shared_ptr<const SigmaStage> with_switches(std::vector<sigma::RuleSwitch> switches) const;

  std::vector<SigmaFinding> evaluate(const core::Value& telemetry, const Catalogue& catalogue) const;

  std::size_t rules() const;                        // rules that run
  std::size_t loaded() const { return all_.size(); }  // rules that loaded, running or not
  std::size_t refused() const { return refused_; }  // rules that did not load, any reason
  // Every loaded rule, in load order, and whether the switches let it run.
  const std::vector<const sigma::RuleInfo*>& all_rules() const { return all_; }
  bool enabled(const sigma::RuleInfo& rule) const { return running_.count(&rule) != 0; }

 private:
  SigmaStage() = default;
  void apply(std::vector<sigma::RuleSwitch> switches);
  std::shared_ptr<const sigma::Loader> loader_;
  std::vector<const sigma::RuleInfo*> all_;
  std::unordered_set<const sigma::RuleInfo*> running_;
  std::shared_ptr<const sigma::RuleSet> set_;
  std::vector<std::string> respond_levels_;
  std::size_t refused_ = 0;
};

// $GENESIS_SHARE_DIR/sigma/rules when set, else the source tree's share/sigma/rules.
std::string default_sigma_dir();

}  // namespace genesis::detect
