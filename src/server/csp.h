// The shell's Content-Security-Policy: everything from genesisd's own origin,
// nothing inline except the scripts index.html carries (the preboot), each
// allowed by its SHA-256 hash, so an injected script or style never runs.
#pragma once

#include <string>
#include <string_view>

namespace genesis::server {

// The policy for a shell whose index.html is `html`: its inline <script>
// elements (those without src) are allowed by hash; WebAssembly (the layout
// engine) may compile; no inline style, no plugin, no framing, no <base>.
std::string shell_content_security_policy(std::string_view html);

}  // namespace genesis::server
