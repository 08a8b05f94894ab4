// libFuzzer target for core::parse_json: any byte string either parses or
// returns an error; a parsed value serialises and parses back to itself.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/value.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = genesis::core::parse_json(text);
  if (!v.ok()) return 0;
  std::string once = genesis::core::to_json(*v);
  auto again = genesis::core::parse_json(once);
  if (!again.ok() || !(*again == *v) || genesis::core::to_json(*again) != once) abort();
  return 0;
}
