// The one strict JSON reader behind every parse of JSON in Genesis: core's
// parse_json (value.h) and the policy engine's, which builds its own value
// type from the same events.
//
// It refuses, with "malformed JSON: ..." (code invalid_argument, where
// "offset N"): invalid UTF-8 (overlong forms, UTF-16 surrogates, beyond
// U+10FFFF), unpaired \u surrogate escapes, duplicate object keys, numbers
// outside double's range (1e999), control characters in strings, nesting
// deeper than max_depth and anything after the value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"

namespace genesis::core {

// Receives a JSON value as events, in order. Numbers come as their literal
// text (already validated), so a handler may keep them exact.
class JsonHandler {
 public:
  virtual ~JsonHandler() = default;
  virtual void null() = 0;
  virtual void boolean(bool b) = 0;
  virtual void number(std::string_view text, bool integral) = 0;  // integral: no '.', 'e' or 'E'
  virtual void string(std::string s) = 0;
  virtual void begin_array() = 0;
  virtual void end_array() = 0;
  virtual void begin_object() = 0;
  virtual void key(std::string k) = 0;  // then the member's value
  virtual void end_object() = 0;
};

struct JsonReadOptions : JsonOptions {
  // Go's encoding/json (what OPA's json.unmarshal and JWT decoding follow):
  // a later duplicate key replaces the earlier one instead of being refused.
  bool duplicate_keys_last_wins = false;
};

Status read_json(std::string_view text, JsonHandler& handler, const JsonReadOptions& options = {});
// parse_json (value.h) with the reader's options.
Result<Value> parse_json(std::string_view text, const JsonReadOptions& options);

// Length of the valid UTF-8 sequence at s[i] (RFC 3629: shortest form, no
// surrogates, at most U+10FFFF); 0 when the bytes there are not one.
size_t utf8_sequence_length(std::string_view s, size_t i);

}  // namespace genesis::core
