// Identifiers: random (version 4) UUIDs, lower-case hex with dashes.
#pragma once

#include <string>
#include <string_view>

namespace genesis::core {

// A new random UUID from a per-thread generator seeded by the kernel's CSPRNG
// (getrandom): unique and hard to guess, without a system call per id.
std::string new_uuid();
// Whether `s` has the 8-4-4-4-12 hex shape of a UUID (either case).
bool is_uuid(std::string_view s);

}  // namespace genesis::core
