// libFuzzer target for the sensor-format decoders (src/detect/ingest): any body, in any
// format, decodes to valid events and line errors without crashing, every event it
// accepts passes validation again unchanged, and every line is accounted for once.
// The first byte picks the format; the rest is the body.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detect/ingest/ingest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using genesis::detect::ingest::Format;
  if (size == 0) return 0;
  static const Format formats[] = {Format::kAuditd, Format::kLaurel, Format::kFalco, Format::kZeek,
                                   Format::kWindows, Format::kNxlog, Format::kGenesis};
  Format f = formats[data[0] % (sizeof formats / sizeof formats[0])];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto batch = genesis::detect::ingest::decode(body, f, "fuzz-agent");
  if (batch.events.size() != batch.lines.size()) abort();
  for (const auto& ev : batch.events) {
    auto again = genesis::detect::validate_event(ev);
    if (!again.ok() || !(*again == ev)) abort();
    // What is recorded is JSON text: it must parse back.
    if (!genesis::core::parse_json(genesis::core::to_json(ev)).ok()) abort();
  }
  return 0;
}
