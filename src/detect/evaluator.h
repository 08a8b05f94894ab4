// The "evaluate policies" stage: a compiled set of ATT&CK mapping modules
// (policies/mitre/*.rego, plus what users add at run time) and the prepared
// query data.mitre.detections. Immutable once built; evaluate() is safe from
// many threads. Replacing a module builds a new PolicySet, so a broken module
// never disturbs the running one.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace genesis::detect {

// One element of data.mitre.detections: {"technique", "tactic", "rule", ...}.
struct Hit {
  std::string technique;
  std::string tactic;
  std::string rule;
};

inline constexpr const char* kDetectionsQuery = "data.mitre.detections";

class PolicySet {
 public:
  ~PolicySet();
  // Compiles `modules` (file name -> Rego source). Every compile error is
  // reported, joined, with its file:row:col; code is OPA's (rego_parse_error, ...).
  static core::Result<std::shared_ptr<const PolicySet>> build(
      std::map<std::string, std::string> modules);

  // The detections one event produces; an element that is not an object with a
  // technique id string is skipped (a user policy's mistake must not stop the pipeline).
  core::Result<std::vector<Hit>> evaluate(const core::Value& event) const;

  const std::map<std::string, std::string>& modules() const { return modules_; }

 private:
  PolicySet() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::map<std::string, std::string> modules_;
};

// Reads every *.rego under `dir` (recursively) except *_test.rego, keyed by
// the path relative to `dir`.
core::Result<std::map<std::string, std::string>> read_policy_dir(const std::string& dir);

// $GENESIS_SHARE_DIR/../policies/mitre when set, else the source tree's policies/mitre.
std::string default_policy_dir();

}  // namespace genesis::detect
