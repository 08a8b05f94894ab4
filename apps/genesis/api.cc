#include "apps/genesis/api.h"

#include <fstream>
#include <iostream>
#include <iterator>

namespace genesis::cli {

void fail(Context& ctx, const std::string& message) {
  std::cerr << "genesis: " << message << "\n";
  ctx.exit_code = 1;
}

core::Result<core::Value> call(Context& ctx, const std::string& method, const std::string& target,
                               const std::string& body, const std::string& content_type) {
  client::HttpClient http(ctx.server);
  if (!ctx.tenant.empty()) http.set_header("X-Genesis-Tenant", ctx.tenant);
  auto r = http.request(method, target, body, content_type);
  if (!r) {
    fail(ctx, r.error().message);
    return r.error();
  }
  auto json = r->body.empty() ? core::Result<core::Value>(core::Value()) : r->json();
  if (r->status >= 400) {
    std::string message = "HTTP " + std::to_string(r->status);
    if (json && json->find("error")) {
      const core::Value* m = json->find("error")->find("message");
      if (m && m->is_string()) message = m->as_string();
    }
    fail(ctx, message);
    return core::make_error("http_" + std::to_string(r->status), message);
  }
  if (!json) {
    fail(ctx, "genesisd sent a body that is not JSON");
    return json.error();
  }
  return json;
}

void add_query(std::string& target, const char* name, const std::string& value) {
  if (!value.empty()) target += std::string("&") + name + "=" + client::url_encode(value);
}

void print_next_cursor(const core::Value& page) {
  const core::Value* next = page.find("next_cursor");
  if (next && next->is_string()) std::cout << "more: --cursor " << next->as_string() << "\n";
}

core::Result<std::string> read_input(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream f(path, std::ios::binary);
  if (!f) return core::make_error(core::code::kNotFound, "cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace genesis::cli
