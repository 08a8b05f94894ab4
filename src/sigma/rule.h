// Internal: a compiled Sigma rule — selections of field matchers, the condition tree,
// and the literals the prefilter looks for. Built by loader.cc, evaluated by ruleset.cc.
#pragma once

#include <re2/re2.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sigma/logsource.h"
#include "sigma/sigma.h"

namespace genesis::sigma {

// A value with wildcards: literal runs, `*` and `?`.
struct Token {
  enum Type { kLit, kStar, kOne } type = kLit;
  std::string text;  // kLit only
};
using Tokens = std::vector<Token>;

enum class Op {
  kEquals, kPrefix, kSuffix, kContains, kGlob,  // string forms (wildcards classified)
  kRegex, kCidr, kLt, kLte, kGt, kGte, kExists, kNull, kFieldRef,
};

// Date parts the time modifiers extract (0 = none).
enum TimePart { kNoTime = 0, kMinute, kHour, kDay, kWeek, kMonth, kYear };

struct Pattern {
  Op op = Op::kEquals;
  bool cased = false;   // compare as written; otherwise both sides ASCII-lowered
  std::string text;     // kEquals..kContains: the literal (lowered unless cased)
  Tokens glob;          // kGlob (lowered unless cased)
  std::shared_ptr<const RE2> re;
  std::array<unsigned char, 16> net{};  // kCidr
  int prefix = 0;
  bool v6 = false;
  double number = 0;    // numeric comparisons
  bool exists = true;   // kExists
  FieldPaths ref;       // kFieldRef: the other field
};

struct FieldMatcher {
  std::string field;   // Sigma name; "" for a keyword (any string in the event)
  FieldPaths paths;
  std::vector<Pattern> patterns;
  bool all = false;    // |all: every pattern must match
  bool neq = false;    // |neq: the field matches none of the patterns
  TimePart time = kNoTime;
};

// A search identifier: OR of maps, each map an AND of field matchers.
struct Selection {
  std::string name;
  std::vector<std::vector<FieldMatcher>> any_of;
};

struct Cond {
  enum Type { kAnd, kOr, kNot, kSel, kTrue, kFalse } type = kTrue;
  std::vector<Cond> kids;
  int sel = -1;
};

struct CompiledRule {
  RuleInfo info;
  Target target;
  std::vector<Selection> selections;
  Cond condition;
  // The prefilter's view: at least one of these (lowered) strings occurs in any event
  // the rule matches; nullopt when no such set was found (the rule is always tried).
  std::optional<std::vector<std::string>> literals;
};

// Parses a Sigma condition over the named selections (grammar in condition.cc).
core::Result<Cond> parse_condition(std::string_view text, const std::vector<Selection>& sels);

// Tokens of a Sigma string value: `*`, `?` and `\` escapes.
Tokens parse_wildcards(std::string_view value);

// A necessary literal set for the rule (see CompiledRule::literals).
std::optional<std::vector<std::string>> required_literals(const CompiledRule& rule);

}  // namespace genesis::sigma
