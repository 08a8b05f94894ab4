// Internal: one detection item (`Field|mod1|mod2: value(s)`) compiled into a
// FieldMatcher — the value modifiers of the Sigma modifiers appendix (v2.1):
//
//   generic    all, startswith, endswith, contains, exists, cased, neq
//   string     windash, re (with sub-modifiers i, m, s), base64, base64offset,
//              utf16, utf16le, utf16be, wide
//   numeric    lt, lte, gt, gte
//   time       minute, hour, day, week, month, year (then a numeric comparison or a value)
//   ip         cidr
//   specific   expand (placeholders from LoadOptions), fieldref
//
// Error codes: "malformed" (not valid Sigma), "unsupported" (valid, not implemented or a
// placeholder without a value), "unknown_field" (no Genesis path for the field).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sigma/rule.h"

namespace genesis::sigma {

struct RawValue {
  enum Type { kString, kNumber, kBool, kNull } type = kString;
  std::string text;  // as written (numbers and booleans too)
};

core::Result<FieldMatcher> compile_item(std::string_view key, const std::vector<RawValue>& values,
                                        const Target& target, const LoadOptions& options);

// Keywords (a list of plain values): each matches any string of the event (contains).
core::Result<FieldMatcher> compile_keywords(std::string_view key,
                                            const std::vector<RawValue>& values,
                                            const LoadOptions& options);

}  // namespace genesis::sigma
