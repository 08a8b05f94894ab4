// Rule selectors and enable/disable switches (sigma.h): which of the loaded rules
// run. Kept apart from loading so a switch re-indexes without parsing again.
#include <fnmatch.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "sigma/sigma.h"

namespace genesis::sigma {
namespace {

using Field = RuleSelector::Field;

constexpr std::array<std::pair<std::string_view, Field>, 6> kFields = {{
    {"all", Field::kAll},
    {"rule", Field::kRule},
    {"level", Field::kLevel},
    {"status", Field::kStatus},
    {"tag", Field::kTag},
    {"path", Field::kPath},
}};
constexpr std::array<std::string_view, 5> kLevels = {"informational", "low", "medium", "high", "critical"};
constexpr std::array<std::string_view, 5> kStatuses = {"stable", "test", "experimental", "deprecated",
                                                       "unsupported"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <std::size_t N>
std::string one_of(const std::array<std::string_view, N>& names) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

bool glob(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), FNM_CASEFOLD) == 0;
}

}  // namespace

core::Result<RuleSelector> RuleSelector::parse(std::string_view text) {
  auto fail = [&](const std::string& why) {
    return core::make_error(core::code::kInvalidArgument,
                            "rule selector '" + std::string(text) + "': " + why +
                                " (all, rule:ID, level:LEVEL, status:STATUS, tag:GLOB, path:GLOB)");
  };
  RuleSelector sel;
  auto colon = text.find(':');
  std::string field = lower(text.substr(0, colon));
  auto f = std::find_if(kFields.begin(), kFields.end(), [&](const auto& kv) { return kv.first == field; });
  if (f == kFields.end()) return fail("unknown field '" + field + "'");
  sel.field = f->second;
  if (sel.field == Field::kAll) {
    if (colon != std::string_view::npos) return fail("all takes no pattern");
    return sel;
  }
  if (colon == std::string_view::npos || colon + 1 == text.size()) return fail("no pattern after " + field + ":");
  sel.pattern = std::string(text.substr(colon + 1));
  if (sel.field == Field::kLevel || sel.field == Field::kStatus) {
    sel.pattern = lower(sel.pattern);
    const auto& names = sel.field == Field::kLevel ? kLevels : kStatuses;
    if (std::find(names.begin(), names.end(), sel.pattern) == names.end())
      return fail("unknown " + field + " '" + sel.pattern + "', one of " + one_of(names));
  }
  return sel;
}

bool RuleSelector::matches(const RuleInfo& rule) const {
  switch (field) {
    case Field::kAll:
      return true;
    case Field::kRule:
      return lower(rule.id) == lower(pattern);
    case Field::kLevel:
      return lower(rule.level) == pattern;
    case Field::kStatus:
      return lower(rule.status) == pattern;
    case Field::kTag:
      return std::any_of(rule.tags.begin(), rule.tags.end(), [&](const std::string& t) { return glob(pattern, t); });
    case Field::kPath:
      if (pattern.back() == '/') return lower(rule.file).rfind(lower(pattern), 0) == 0;
      return glob(pattern, rule.file);
  }
  return false;
}

std::string RuleSelector::to_string() const {
  for (const auto& [name, f] : kFields)
    if (f == field) return field == Field::kAll ? std::string(name) : std::string(name) + ":" + pattern;
  return {};
}

bool rule_enabled(const RuleInfo& rule, const std::vector<RuleSwitch>& switches) {
  for (auto it = switches.rbegin(); it != switches.rend(); ++it)
    if (it->selector.matches(rule)) return it->enabled;
  return true;
}

}  // namespace genesis::sigma
