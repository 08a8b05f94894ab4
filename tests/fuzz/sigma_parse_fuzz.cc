// libFuzzer target for the Sigma rule loader: any byte string, read as a YAML rule
// file, either loads rules or gives diagnostics naming the file; the rule set built
// from it then matches a few telemetry events. Nothing may crash, hang or leak —
// YAML errors, bad conditions, modifiers and regular expressions included.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/value.h"
#include "sigma/sigma.h"

namespace {

const genesis::core::Value& events(std::size_t i) {
  static const genesis::core::Value all[] = {
      *genesis::core::parse_json(
          R"({"event":"process.start","process":{"executable":"C:\\Windows\\System32\\cmd.exe","command_line":"cmd.exe /c whoami","pid":4242,"parent":{"executable":"C:\\Windows\\explorer.exe"}},"user":{"name":"bob"}})"),
      *genesis::core::parse_json(
          R"({"event":"windows.event","winlog":{"channel":"Security","event_id":4688,"event_data":{"NewProcessName":"C:\\x.exe","SubjectUserName":"wardog"}}})"),
      *genesis::core::parse_json(
          R"({"event":"dns","dns":{"question":{"name":"a.example.org","type":"TXT"}},"source":{"ip":"10.0.0.5"}})"),
  };
  return all[i % 3];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace genesis::sigma;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  LoadOptions options;
  options.placeholders["Admins"] = {"admin", "root"};
  Loader loader(options);
  loader.add_text(text, "fuzz.yml");
  for (const Diagnostic& d : loader.diagnostics()) {
    if (d.file != "fuzz.yml" || d.message.empty()) abort();
    (void)d.to_string();
  }
  auto set = loader.build();
  if (set == nullptr) abort();
  for (std::size_t i = 0; i < 3; ++i) {
    for (const Match& m : set->match(events(i))) {
      if (m.rule == nullptr) abort();
    }
  }
  return 0;
}
