// The body splitter every telemetry decoder shares: a body is one JSON document
// (possibly pretty-printed over many lines) or NDJSON, one document per line, blank
// lines ignored. Each document comes out with the 1-based line it started on, or the
// parse error of its line, so one bad line never hides the others.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "core/result.h"
#include "core/value.h"

namespace genesis::detect {

// Calls fn(text, line) for every line of `body` that is not blank; `text` has no
// trailing newline (a trailing '\r' is kept: JSON parsing ignores it).
void each_line(std::string_view body, const std::function<void(std::string_view, std::size_t)>& fn);

// Calls fn(document-or-error, line) for each JSON document of `body`: the whole body
// when it parses as one JSON value (line 1), else each non-blank line.
void each_document(std::string_view body,
                   const std::function<void(core::Result<core::Value>, std::size_t)>& fn);

}  // namespace genesis::detect
