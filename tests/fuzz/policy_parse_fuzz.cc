// libFuzzer target for the Rego lexer and parser: any byte string either
// parses (as a v1 module, a v0 module, a query, a term) or returns a
// rego_parse_error with a location; nothing may crash, hang or leak.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace genesis::policy;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool v0 : {false, true}) {
    ParseOptions o;
    o.v0 = v0;
    auto m = parse_module("fuzz.rego", text, o);
    if (!m.ok() && (m.error().code != "rego_parse_error" || m.error().where.empty())) abort();
  }
  static const std::string file = "query";
  auto q = parse_query(text, &file);
  if (!q.ok() && q.error().code != "rego_parse_error") abort();
  auto t = parse_term(text);
  if (!t.ok() && t.error().code != "rego_parse_error") abort();
  return 0;
}
