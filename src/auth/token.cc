#include <openssl/crypto.h>

#include <cstring>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "auth/auth.h"
#include "core/value.h"

namespace genesis::auth {

using core::make_error;
namespace code = core::code;

namespace {
const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string hmac(const std::string& key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}
}  // namespace

std::string base64url_encode(std::string_view data) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : data) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buf >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(buf << (6 - bits)) & 0x3F];
  return out;
}

core::Result<std::string> base64url_decode(std::string_view text) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : text) {
    const char* p = c ? strchr(kAlphabet, c) : nullptr;
    if (!p) return make_error(code::kInvalidArgument, "invalid base64url");
    buf = (buf << 6) | static_cast<uint32_t>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return out;
}

TokenSigner::TokenSigner() {
  key_.resize(32);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), 32) != 1) {
    // Without a CSPRNG no token could be trusted; refuse to run.
    fprintf(stderr, "genesis: OpenSSL RAND_bytes failed\n");
    abort();
  }
}

std::string TokenSigner::issue(const Capability& cap) const {
  core::Value payload = core::Object{{"ten", cap.tenant_id}, {"sub", cap.subject},
                                     {"iat", cap.issued_at_ms}, {"exp", cap.expires_at_ms},
                                     {"nonce", cap.nonce}};
  std::string body = base64url_encode(core::to_json(payload));
  return body + "." + base64url_encode(hmac(key_, body));
}

core::Result<Capability> TokenSigner::verify(const std::string& token, int64_t now_ms) const {
  auto dot = token.find('.');
  if (dot == std::string::npos) return make_error(code::kUnauthorized, "malformed capability token");
  std::string body = token.substr(0, dot);
  auto sig = base64url_decode(std::string_view(token).substr(dot + 1));
  std::string want = hmac(key_, body);
  if (!sig || sig->size() != want.size() || CRYPTO_memcmp(sig->data(), want.data(), want.size()) != 0)
    return make_error(code::kUnauthorized, "capability token signature does not verify");
  auto json = base64url_decode(body);
  if (!json) return make_error(code::kUnauthorized, "malformed capability token");
  auto v = core::parse_json(*json);
  if (!v || !v->is_object()) return make_error(code::kUnauthorized, "malformed capability token");
  Capability cap;
  auto str = [&](const char* k) { const core::Value* x = v->find(k); return x && x->is_string() ? x->as_string() : std::string(); };
  auto num = [&](const char* k) { const core::Value* x = v->find(k); return x && x->is_int() ? x->as_int() : int64_t{0}; };
  cap.tenant_id = str("ten");
  cap.subject = str("sub");
  cap.nonce = str("nonce");
  cap.issued_at_ms = num("iat");
  cap.expires_at_ms = num("exp");
  if (cap.expires_at_ms <= now_ms) return make_error(code::kUnauthorized, "capability token expired");
  return cap;
}

}  // namespace genesis::auth
