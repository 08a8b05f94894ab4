#include "detect/ndjson.h"

namespace genesis::detect {

void each_line(std::string_view body, const std::function<void(std::string_view, std::size_t)>& fn) {
  std::size_t line = 0, pos = 0;
  while (pos <= body.size()) {
    std::size_t nl = body.find('\n', pos);
    std::string_view text = body.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    ++line;
    if (text.find_first_not_of(" \t\r") != std::string_view::npos) fn(text, line);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
}

void each_document(std::string_view body,
                   const std::function<void(core::Result<core::Value>, std::size_t)>& fn) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
  if (auto whole = core::parse_json(body); whole.ok()) {
    fn(std::move(whole), 1);
    return;
  }
  each_line(body, [&](std::string_view text, std::size_t line) { fn(core::parse_json(text), line); });
}

}  // namespace genesis::detect
