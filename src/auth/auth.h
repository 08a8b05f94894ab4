// Capability tokens: a signed statement "this bearer is agent X of tenant T
// until E". HMAC-SHA256 over the payload with a key held by genesisd.
// Token text: base64url(payload JSON) "." base64url(signature).
// Binding tokens to a DPoP key comes with the zero-trust work.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace genesis::auth {

struct Capability {
  std::string tenant_id;
  std::string subject;  // agent label or id the token was issued for
  int64_t issued_at_ms = 0;
  int64_t expires_at_ms = 0;
  std::string nonce;
};

class TokenSigner {
 public:
  // A random 256-bit key.
  TokenSigner();
  explicit TokenSigner(std::string key) : key_(std::move(key)) {}

  std::string issue(const Capability& cap) const;
  // Errors: unauthorized (malformed, bad signature, expired at now_ms).
  core::Result<Capability> verify(const std::string& token, int64_t now_ms) const;

 private:
  std::string key_;
};

std::string base64url_encode(std::string_view data);
core::Result<std::string> base64url_decode(std::string_view text);

}  // namespace genesis::auth
