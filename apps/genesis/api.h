// Helpers the CLI command families share: calling genesisd and reporting.
#pragma once

#include <string>

#include "apps/genesis/commands.h"
#include "client/client.h"
#include "core/value.h"

namespace genesis::cli {

// Calls genesisd; on success returns the JSON body. On an HTTP error prints the
// server's error message as one line to stderr, sets ctx.exit_code = 1 and
// returns an error.
core::Result<core::Value> call(Context& ctx, const std::string& method, const std::string& target,
                               const std::string& body = {},
                               const std::string& content_type = "application/json");

// Prints one error line and sets the exit code.
void fail(Context& ctx, const std::string& message);

// Appends "&name=<value>" (encoded) to a query string when value is not empty.
void add_query(std::string& target, const char* name, const std::string& value);

// Prints the hint for the next page of a listing, when the page has one.
void print_next_cursor(const core::Value& page);

// Reads a file ("-" for standard input).
core::Result<std::string> read_input(const std::string& path);

}  // namespace genesis::cli
