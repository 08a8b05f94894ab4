// The Sigma engine: loads Sigma detection rules (YAML, as SigmaHQ publishes them)
// and evaluates them against Genesis telemetry (the ECS-shaped `telemetry` object of
// docs/telemetry.md).
//
// Stages, in order (one place):
//   read     YAML file / directory / text -> documents (multi-document files too)
//   parse    document -> rule: metadata, logsource, detection, condition
//   resolve  logsource -> Genesis kind (or Windows channel), Sigma field names -> ECS
//            paths (logsource.h), placeholders (`|expand`) from LoadOptions
//   compile  values + modifiers -> matchers; condition -> tree; literals -> prefilter
//   index    rules by kind / channel; one RE2::Set of literals per bucket
//   match    event -> bucket -> prefilter -> confirm each candidate rule
//
// Diagnostics are collected, never stopped at the first: each carries the file, the
// line and column of the offending YAML node, the rule id when known, and a kind.
// Only kMalformed and kUnsupportedFeature are errors (`genesis sigma check` exits
// non-zero for them); a rule whose logsource has no Genesis kind, or that names a field
// Genesis does not know for that logsource, is reported and not loaded.
//
// Matching follows the specification (v2.x, ../shared/sigma/specification): strings are
// case-insensitive unless `|cased` (ASCII case folding), `*` and `?` are wildcards with
// `\` escapes, lists are OR (AND with `|all`), maps are AND, `null` means the field is
// absent or null. Values are compared in their text form (numbers as decimal; an access
// mask as Sysmon writes it, "0x1410"). Correlation and filter rules are reported as an
// unsupported feature.
//
// Thread safety: a RuleSet is immutable once built; match() may be called from any
// number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace genesis::sigma {

struct Diagnostic {
  enum class Kind {
    kMalformed,              // not a valid Sigma rule (YAML error, missing member, bad condition)
    kUnsupportedFeature,     // valid Sigma that this engine does not implement
    kUnsupportedLogsource,   // the logsource has no Genesis telemetry kind
    kUnknownField,           // a field Genesis does not map for that logsource
  };
  Kind kind = Kind::kMalformed;
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  std::string rule_id;
  std::string message;

  bool is_error() const { return kind == Kind::kMalformed || kind == Kind::kUnsupportedFeature; }
  // "file:line:col: kind: message"
  std::string to_string() const;
};
const char* kind_name(Diagnostic::Kind kind);

struct Logsource {
  std::string product, category, service;
};

// What a loaded rule says about itself (DRL 1.1: a match shows title, author, references).
struct RuleInfo {
  std::string id;  // the rule's `id` (a UUID in SigmaHQ); the file name when absent
  std::string title;
  std::string status;
  std::string level;  // informational | low | medium | high | critical ("" when absent)
  std::string author;
  std::string description;
  std::string date, modified;
  std::vector<std::string> references;
  std::vector<std::string> tags;  // as written: attack.t1059.001, attack.execution, ...
  std::vector<std::string> falsepositives;
  std::string file;  // path it was read from (relative to the directory loaded)
  int line = 0;      // line of the document in the file
  Logsource logsource;
  std::string target;  // what it runs on: "kind:process.start" or "channel:security"

  // ATT&CK technique ids from tags (attack.t1059.001 -> T1059.001), in tag order.
  std::vector<std::string> techniques() const;
  core::Value to_json() const;
};

// One field of the event that satisfied the rule.
struct MatchedField {
  std::string field;  // the Sigma name (Image, CommandLine); "" for a keyword
  std::string path;   // where it was found in the telemetry (process.executable)
  core::Value value;
};

struct Match {
  const RuleInfo* rule = nullptr;  // owned by the RuleSet
  std::vector<MatchedField> fields;
};

struct LoadOptions {
  // Values for `|expand` placeholders, by name without the %: {"Admins": ["admin", "root"]}.
  // A rule using a placeholder not listed here is reported (kUnsupportedFeature) and
  // not loaded, as the specification requires.
  std::map<std::string, std::vector<std::string>> placeholders;
  // Decides whether a parsed rule is kept (enable/disable by level, status, tag, path);
  // null keeps all.
  std::function<bool(const RuleInfo&)> enabled;
};

class RuleSet;

// Collects rules from files, directories and texts, with their diagnostics, then
// builds an immutable RuleSet. Not thread-safe.
class Loader {
 public:
  explicit Loader(LoadOptions options = {});
  ~Loader();
  Loader(Loader&&) noexcept;
  Loader& operator=(Loader&&) noexcept;

  // One YAML file (every document in it). A file that cannot be read is a diagnostic.
  void add_file(const std::string& path);
  // Every *.yml / *.yaml under `dir`, recursively, in path order; file names in
  // diagnostics and RuleInfo::file are relative to `dir`.
  void add_dir(const std::string& dir);
  // YAML text; `name` stands for the file in diagnostics.
  void add_text(std::string_view yaml, const std::string& name);

  const std::vector<Diagnostic>& diagnostics() const;
  std::size_t rules_loaded() const;
  // Every rule loaded so far (owned by the loader and the sets it built).
  std::vector<const RuleInfo*> rules() const;
  std::size_t rules_disabled() const;  // parsed and valid, left out by LoadOptions::enabled

  // The rule set of everything loaded so far; the loader may go on loading.
  std::shared_ptr<const RuleSet> build() const;
  // The rule set of the loaded rules `keep` accepts (null keeps all): a switch
  // that turns rules on or off re-indexes, it does not parse again.
  std::shared_ptr<const RuleSet> build(const std::function<bool(const RuleInfo&)>& keep) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

class RuleSet {
 public:
  ~RuleSet();
  // The rules that match one telemetry object ({"event": KIND, ...}); for a Windows
  // event, `winlog.channel` / `winlog.event_id` select the channel's rules too.
  std::vector<Match> match(const core::Value& telemetry) const;

  std::size_t size() const;
  const std::vector<const RuleInfo*>& rules() const { return infos_; }
  const RuleInfo* find(std::string_view id) const;

  struct Stats {
    std::size_t rules = 0;
    std::size_t buckets = 0;          // kinds and channels with rules
    std::size_t literals = 0;         // prefilter literals, all buckets
    std::size_t unfiltered_rules = 0; // rules with no literal to prefilter on (always tried)
  };
  Stats stats() const;

  struct Impl;

 private:
  friend class Loader;
  RuleSet() = default;
  std::unique_ptr<Impl> impl_;
  std::vector<const RuleInfo*> infos_;
};

// Which rules an enable/disable switch applies to, written "FIELD:PATTERN":
//   all                  every rule
//   rule:ID              one rule by its id
//   level:LEVEL          informational | low | medium | high | critical
//   status:STATUS        stable | test | experimental | deprecated | unsupported
//   tag:GLOB             a tag, as written (attack.t1059*, attack.execution, cve.*)
//   path:GLOB            the rule's file, relative to the rule directory
//                        (windows/process_creation/*); a trailing / means the folder
//                        and everything below it
// Matching ignores ASCII case; * and ? are wildcards in globs (a * crosses /).
struct RuleSelector {
  enum class Field { kAll, kRule, kLevel, kStatus, kTag, kPath };
  Field field = Field::kAll;
  std::string pattern;

  // An unknown field, an empty pattern or an unknown level/status is an error
  // that says what is accepted.
  static core::Result<RuleSelector> parse(std::string_view text);
  bool matches(const RuleInfo& rule) const;
  std::string to_string() const;
};

// A rule runs unless switched off: of the switches that select it, the last one
// (in the order given) decides. So "disable level:low" then "enable rule:X" runs
// rule X and no other low rule.
struct RuleSwitch {
  RuleSelector selector;
  bool enabled = true;
};
bool rule_enabled(const RuleInfo& rule, const std::vector<RuleSwitch>& switches);

// ATT&CK id from a tag: "attack.t1059.001" -> "T1059.001"; "" when it is not one.
std::string technique_from_tag(std::string_view tag);

}  // namespace genesis::sigma
