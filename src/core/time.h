// Time in Genesis: milliseconds since the Unix epoch (UTC), written as RFC 3339.
//
// parse_time is strict: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" with
// every field in range for its month (2026-02-30 is refused, not rolled over
// to March), or a non-negative integer of milliseconds. A leap second (":60")
// is accepted at 23:59 only and read as the next second.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace genesis::core {

// "2026-11-26T06:00:00.000Z".
std::string format_time(int64_t ms);
// nullopt when `s` is not a valid RFC 3339 date-time (or integer milliseconds).
std::optional<int64_t> parse_time(std::string_view s);
// The wall clock, in milliseconds since the epoch.
int64_t now_ms();

}  // namespace genesis::core
