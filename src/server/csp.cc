#include "server/csp.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

namespace genesis::server {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// 'sha256-<base64>' of the script text exactly as the browser hashes it (the
// element's text between the tags, byte for byte).
std::string hash_source(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  unsigned char b64[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(b64, digest, SHA256_DIGEST_LENGTH);
  return "'sha256-" + std::string(reinterpret_cast<char*>(b64), static_cast<std::size_t>(n)) + "'";
}

}  // namespace

std::string shell_content_security_policy(std::string_view html) {
  std::string script_src = "'self' 'wasm-unsafe-eval'";
  // HTML tag names are case-insensitive; search a lower-cased copy, hash the original.
  const std::string low = lower(html);
  std::size_t pos = 0;
  while ((pos = low.find("<script", pos)) != std::string::npos) {
    std::size_t open_end = low.find('>', pos);
    if (open_end == std::string::npos) break;
    std::string_view attrs(low.data() + pos + 7, open_end - pos - 7);
    std::size_t close = low.find("</script", open_end);
    if (close == std::string::npos) break;
    bool external = attrs.find(" src=") != std::string_view::npos || attrs.find("\tsrc=") != std::string_view::npos ||
                    attrs.find("\nsrc=") != std::string_view::npos;
    if (!external) script_src += " " + hash_source(html.substr(open_end + 1, close - open_end - 1));
    pos = close + 8;
  }
  return "default-src 'none'; script-src " + script_src +
         "; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self';"
         " worker-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none';"
         " frame-ancestors 'none'; object-src 'none'";
}

}  // namespace genesis::server
