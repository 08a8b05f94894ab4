// crypto.md5/sha1/sha256/sha512, crypto.hmac.*, crypto.hmac.equal (OpenSSL).
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "policy/builtins/builtins.h"

namespace genesis::policy {

std::string hex_encode(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  }
  return out;
}

namespace {

std::string digest(const EVP_MD* md, const std::string& s) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), buf, &n, md, nullptr);
  return std::string(reinterpret_cast<char*>(buf), n);
}

std::string hmac(const EVP_MD* md, const std::string& key, const std::string& msg) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), buf, &n);
  return std::string(reinterpret_cast<char*>(buf), n);
}

}  // namespace

void register_crypto() {
  register_builtin("crypto.md5", 1, [](BuiltinContext&, const Value* a, size_t) { return Value::string(hex_encode(digest(EVP_md5(), arg_string(a, 0)))); });
  register_builtin("crypto.sha1", 1, [](BuiltinContext&, const Value* a, size_t) { return Value::string(hex_encode(digest(EVP_sha1(), arg_string(a, 0)))); });
  register_builtin("crypto.sha256", 1, [](BuiltinContext&, const Value* a, size_t) { return Value::string(hex_encode(digest(EVP_sha256(), arg_string(a, 0)))); });
  register_builtin("crypto.sha512", 1, [](BuiltinContext&, const Value* a, size_t) { return Value::string(hex_encode(digest(EVP_sha512(), arg_string(a, 0)))); });
  register_builtin("crypto.hmac.md5", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::string(hex_encode(hmac(EVP_md5(), arg_string(a, 1), arg_string(a, 0)))); });
  register_builtin("crypto.hmac.sha1", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::string(hex_encode(hmac(EVP_sha1(), arg_string(a, 1), arg_string(a, 0)))); });
  register_builtin("crypto.hmac.sha256", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::string(hex_encode(hmac(EVP_sha256(), arg_string(a, 1), arg_string(a, 0)))); });
  register_builtin("crypto.hmac.sha512", 2, [](BuiltinContext&, const Value* a, size_t) { return Value::string(hex_encode(hmac(EVP_sha512(), arg_string(a, 1), arg_string(a, 0)))); });
  register_builtin("crypto.hmac.equal", 2, [](BuiltinContext&, const Value* a, size_t) {
    const std::string& x = arg_string(a, 0);
    const std::string& y = arg_string(a, 1);
    return Value::boolean(x.size() == y.size() && CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0);
  });
}

}  // namespace genesis::policy
