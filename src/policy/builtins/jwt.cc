// io.jwt.*: decode, verify_{hs,rs,ps,es}{256,384,512}, verify_eddsa,
// decode_verify, encode_sign, encode_sign_raw (OpenSSL 3).
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

using PKey = std::shared_ptr<EVP_PKEY>;
PKey wrap(EVP_PKEY* k) { return PKey(k, EVP_PKEY_free); }

struct Token {
  std::string header_b64, payload_b64, sig_b64;
  std::string header_raw, payload_raw, sig;
  Value header, payload;
};

// base64url without padding; errors name the first bad byte like Go's decoder.
std::string b64url_dec(const std::string& s, const char* what) {
  std::string out;
  if (base64_decode(s, true, &out)) return out;
  static const std::string alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t pos = s.size();
  for (size_t i = 0; i < s.size(); ++i)
    if (alpha.find(s[i]) == std::string::npos && s[i] != '=') {
      pos = i;
      break;
    }
  builtin_error(std::string("JWT ") + what + " had invalid encoding: illegal base64 data at input byte " + std::to_string(pos));
}

Token parse_token(const std::string& jwt, bool need_json_payload = true) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t d = jwt.find('.', start);
    parts.push_back(jwt.substr(start, d == std::string::npos ? std::string::npos : d - start));
    if (d == std::string::npos) break;
    start = d + 1;
  }
  if (parts.size() == 1) builtin_error("encoded JWT had no period separators");
  if (parts.size() != 3) builtin_error("encoded JWT must have 3 sections, found " + std::to_string(parts.size()));
  Token t;
  t.header_b64 = parts[0];
  t.payload_b64 = parts[1];
  t.sig_b64 = parts[2];
  t.header_raw = b64url_dec(parts[0], "header");
  t.payload_raw = b64url_dec(parts[1], "payload");
  t.sig = b64url_dec(parts[2], "signature");
  auto h = parse_json(t.header_raw, DuplicateKeys::kLastWins);
  if (!h.ok() || !h->is_object()) builtin_error("JWT header had invalid encoding: " + (h.ok() ? std::string("not an object") : h.error().message));
  t.header = *h;
  if (t.header.get("enc")) builtin_error("JWT is a JWE object, which is not supported");
  if (const Value* cty = t.header.get("cty"); cty && cty->is_string() && cty->str() == "JWT" && need_json_payload) {
    // Nested token: the payload is the inner JWT as a JSON string.
    auto inner = parse_json(t.payload_raw, DuplicateKeys::kLastWins);
    std::string s = inner.ok() && inner->is_string() ? inner->str() : t.payload_raw;
    return parse_token(s, true);
  }
  if (need_json_payload) {
    auto p = parse_json(t.payload_raw, DuplicateKeys::kLastWins);
    if (!p.ok() || !p->is_object()) {
      const Value* typ = t.header.get("typ");
      const Value* cty = t.header.get("cty");
      if ((typ && typ->is_string() && typ->str() == "JWT") || (cty && cty->is_string() && cty->str() == "JWT"))
        builtin_error("type is JWT but payload is not JSON");
      builtin_error("JWT payload had invalid encoding");
    }
    t.payload = *p;
  }
  return t;
}

BIGNUM* bn_from_b64(const Value& jwk, const char* name) {
  const Value* v = jwk.get(name);
  if (!v || !v->is_string()) return nullptr;
  std::string raw;
  if (!base64_decode(v->str(), true, &raw)) return nullptr;
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()), nullptr);
}

PKey key_from_jwk(const Value& jwk, bool want_private) {
  const Value* kty = jwk.get("kty");
  if (!kty || !kty->is_string()) return nullptr;
  const std::string& t = kty->str();
  if (t == "RSA") {
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    std::vector<BIGNUM*> bns;
    auto push = [&](const char* param, const char* name) {
      BIGNUM* b = bn_from_b64(jwk, name);
      if (!b) return false;
      bns.push_back(b);
      OSSL_PARAM_BLD_push_BN(bld, param, b);
      return true;
    };
    bool ok = push(OSSL_PKEY_PARAM_RSA_N, "n") && push(OSSL_PKEY_PARAM_RSA_E, "e");
    bool priv = want_private && jwk.get("d");
    if (ok && priv) {
      push(OSSL_PKEY_PARAM_RSA_D, "d");
      push(OSSL_PKEY_PARAM_RSA_FACTOR1, "p");
      push(OSSL_PKEY_PARAM_RSA_FACTOR2, "q");
      push(OSSL_PKEY_PARAM_RSA_EXPONENT1, "dp");
      push(OSSL_PKEY_PARAM_RSA_EXPONENT2, "dq");
      push(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, "qi");
    }
    EVP_PKEY* pk = nullptr;
    if (ok) {
      OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
      EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
      EVP_PKEY_fromdata_init(ctx);
      EVP_PKEY_fromdata(ctx, &pk, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);
      EVP_PKEY_CTX_free(ctx);
      OSSL_PARAM_free(params);
    }
    for (auto* b : bns) BN_free(b);
    OSSL_PARAM_BLD_free(bld);
    return pk ? wrap(pk) : nullptr;
  }
  if (t == "EC") {
    const Value* crv = jwk.get("crv");
    if (!crv || !crv->is_string()) return nullptr;
    const char* group = crv->str() == "P-256" ? "prime256v1" : crv->str() == "P-384" ? "secp384r1" : crv->str() == "P-521" ? "secp521r1" : nullptr;
    if (!group) return nullptr;
    std::string x, y;
    const Value* xv = jwk.get("x");
    const Value* yv = jwk.get("y");
    if (!xv || !yv || !xv->is_string() || !yv->is_string() || !base64_decode(xv->str(), true, &x) || !base64_decode(yv->str(), true, &y)) return nullptr;
    size_t n = crv->str() == "P-256" ? 32 : crv->str() == "P-384" ? 48 : 66;
    while (x.size() < n) x.insert(x.begin(), '\0');
    while (y.size() < n) y.insert(y.begin(), '\0');
    std::string pub = std::string(1, '\x04') + x + y;
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size());
    BIGNUM* d = nullptr;
    bool priv = want_private && jwk.get("d");
    if (priv) {
      d = bn_from_b64(jwk, "d");
      if (d) OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
    }
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* pk = nullptr;
    EVP_PKEY_fromdata_init(ctx);
    EVP_PKEY_fromdata(ctx, &pk, priv && d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(d);
    return pk ? wrap(pk) : nullptr;
  }
  if (t == "OKP") {
    std::string x, d;
    const Value* xv = jwk.get("x");
    const Value* dv = jwk.get("d");
    if (want_private && dv && dv->is_string() && base64_decode(dv->str(), true, &d)) {
      EVP_PKEY* pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(d.data()), d.size());
      return pk ? wrap(pk) : nullptr;
    }
    if (!xv || !xv->is_string() || !base64_decode(xv->str(), true, &x)) return nullptr;
    EVP_PKEY* pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size());
    return pk ? wrap(pk) : nullptr;
  }
  return nullptr;
}

// Public keys from a PEM certificate / public key, or a JWK / JWK set.
std::vector<PKey> public_keys(const std::string& s) {
  std::vector<PKey> out;
  if (s.find("-----BEGIN") != std::string::npos) {
    BIO* bio = BIO_new_mem_buf(s.data(), static_cast<int>(s.size()));
    if (s.find("BEGIN CERTIFICATE") != std::string::npos) {
      // As Go: a PEM block that decodes but is not a certificate is a parse
      // error; one that does not decode has no key to extract.
      char* name = nullptr;
      char* header = nullptr;
      unsigned char* der = nullptr;
      long len = 0;
      bool decoded = PEM_read_bio(bio, &name, &header, &der, &len) == 1;
      X509* cert = nullptr;
      if (decoded) {
        const unsigned char* p = der;
        cert = d2i_X509(nullptr, &p, len);
      }
      OPENSSL_free(name);
      OPENSSL_free(header);
      OPENSSL_free(der);
      if (decoded && !cert) {
        BIO_free(bio);
        builtin_error("failed to parse a PEM certificate: x509: malformed certificate");
      }
      if (cert) {
        EVP_PKEY* k = X509_get_pubkey(cert);
        if (k) out.push_back(wrap(k));
        X509_free(cert);
      }
    } else if (s.find("BEGIN RSA PUBLIC KEY") != std::string::npos) {
      EVP_PKEY* k = nullptr;
      RSA* rsa = PEM_read_bio_RSAPublicKey(bio, nullptr, nullptr, nullptr);
      if (rsa) {
        k = EVP_PKEY_new();
        EVP_PKEY_assign_RSA(k, rsa);
        out.push_back(wrap(k));
      }
    } else {
      EVP_PKEY* k = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
      if (k) out.push_back(wrap(k));
    }
    BIO_free(bio);
    if (out.empty()) builtin_error("failed to extract a Key from the PEM certificate");
    size_t end = s.rfind("-----END");
    if (end != std::string::npos) {
      size_t close = s.find("-----", end + 8);
      std::string rest = close == std::string::npos ? "" : s.substr(close + 5);
      if (rest.find_first_not_of(" \t\r\n") != std::string::npos) builtin_error("extra data after a PEM certificate block");
    }
    return out;
  }
  auto j = parse_json(s, DuplicateKeys::kLastWins);
  if (!j.ok() || !j->is_object()) builtin_error("failed to parse a JWK key (set)");
  if (const Value* keys = j->get("keys")) {
    if (keys->is_array())
      for (const auto& k : keys->arr())
        if (auto pk = key_from_jwk(k, false)) out.push_back(pk);
  } else if (auto pk = key_from_jwk(*j, false)) {
    out.push_back(pk);
  }
  if (out.empty()) builtin_error("failed to parse a JWK key (set)");
  return out;
}

const EVP_MD* md_for(const std::string& alg) {
  if (alg.size() < 5) return nullptr;
  std::string bits = alg.substr(2);
  if (bits == "256") return EVP_sha256();
  if (bits == "384") return EVP_sha384();
  if (bits == "512") return EVP_sha512();
  return nullptr;
}

std::string hmac_sign(const EVP_MD* md, const std::string& key, const std::string& msg) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), buf, &n);
  return std::string(reinterpret_cast<char*>(buf), n);
}

size_t ec_size(EVP_PKEY* k) { return static_cast<size_t>((EVP_PKEY_get_bits(k) + 7) / 8); }

bool verify_with(const std::string& alg, EVP_PKEY* key, const std::string& input, const std::string& sig) {
  const EVP_MD* md = alg == "EdDSA" ? nullptr : md_for(alg);
  if (alg != "EdDSA" && !md) return false;
  std::string der = sig;
  if (alg.rfind("ES", 0) == 0) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
    size_t n = ec_size(key);
    if (sig.size() != 2 * n) return false;
    ECDSA_SIG* es = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), static_cast<int>(n), nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data() + n), static_cast<int>(n), nullptr);
    ECDSA_SIG_set0(es, r, s);
    unsigned char* buf = nullptr;
    int len = i2d_ECDSA_SIG(es, &buf);
    der.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
    OPENSSL_free(buf);
    ECDSA_SIG_free(es);
  } else if (alg.rfind("RS", 0) == 0 || alg.rfind("PS", 0) == 0) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return false;
  } else if (alg == "EdDSA") {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) return false;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit(ctx, &pctx, md, nullptr, key) == 1;
  if (ok && alg.rfind("PS", 0) == 0) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO);
  }
  ok = ok && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                              reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::string sign_with(const std::string& alg, EVP_PKEY* key, const std::string& input) {
  const EVP_MD* md = alg == "EdDSA" ? nullptr : md_for(alg);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  std::string out;
  if (EVP_DigestSignInit(ctx, &pctx, md, nullptr, key) == 1) {
    if (alg.rfind("PS", 0) == 0) {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    out.resize(len);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(out.data()), &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1) {
      out.resize(len);
    } else {
      out.clear();
    }
  }
  EVP_MD_CTX_free(ctx);
  if (out.empty()) builtin_error("failed to sign token");
  if (alg.rfind("ES", 0) == 0) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(out.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(out.size()));
    size_t n = ec_size(key);
    std::string raw(2 * n, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(n));
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data() + n), static_cast<int>(n));
    ECDSA_SIG_free(es);
    return raw;
  }
  return out;
}

bool verify_token(const Token& t, const std::string& alg, const std::string& key_material) {
  std::string input = t.header_b64 + "." + t.payload_b64;
  if (alg.rfind("HS", 0) == 0) {
    const EVP_MD* md = md_for(alg);
    if (!md) return false;
    std::string mac = hmac_sign(md, key_material, input);
    return mac.size() == t.sig.size() && CRYPTO_memcmp(mac.data(), t.sig.data(), mac.size()) == 0;
  }
  for (const auto& k : public_keys(key_material))
    if (verify_with(alg, k.get(), input, t.sig)) return true;
  return false;
}

template <int N>
Value verify_alg(BuiltinContext&, const Value* a, size_t);

Value verify_named(const Value* a, const char* alg) {
  const std::string& jwt = arg_string(a, 0);
  const std::string& key = arg_string(a, 1);
  Token t = parse_token(jwt, false);
  return Value::boolean(verify_token(t, alg, key));
}

Value decode_verify(BuiltinContext& ctx, const Value* a, size_t) {
  const std::string& jwt = arg_string(a, 0);
  const Value& c = arg_kind(a, 1, Kind::kObject, "object");
  Value invalid = Value::array({Value::boolean(false), Value::empty_object(), Value::empty_object()});
  std::string cert, secret, alg, iss;
  const Value* aud = nullptr;
  bool have_cert = false, have_secret = false;
  double time_ns = static_cast<double>(ctx.now_ns);
  for (const auto& [k, v] : c.obj()) {
    std::string key = k.is_string() ? k.str() : "";
    if (key == "cert") {
      if (!v.is_string()) builtin_error("cert constraint: must be a string");
      cert = v.str();
      have_cert = true;
    } else if (key == "secret") {
      if (!v.is_string()) builtin_error("secret constraint: must be a string");
      secret = v.str();
      have_secret = true;
    } else if (key == "alg") {
      if (!v.is_string()) builtin_error("alg constraint: must be a string");
      alg = v.str();
    } else if (key == "iss") {
      if (!v.is_string()) builtin_error("iss constraint: must be a string");
      iss = v.str();
    } else if (key == "aud") {
      if (!v.is_string()) builtin_error("aud constraint: must be a string");
      aud = &v;
    } else if (key == "time") {
      if (!v.is_number()) builtin_error("time constraint: must be a number");
      time_ns = v.as_double();
    } else {
      builtin_error("unknown token validation constraint: " + key);
    }
  }
  if (have_cert == have_secret) builtin_error("exactly one of cert or secret must be supplied");
  Token t;
  try {
    t = parse_token(jwt);
  } catch (const BuiltinError&) {
    return invalid;
  }
  // The token's claims must be well-typed (an error, not just invalid).
  if (const Value* exp = t.payload.get("exp"); exp && !exp->is_number()) builtin_error("exp value must be a number");
  if (const Value* nbf = t.payload.get("nbf"); nbf && !nbf->is_number()) builtin_error("nbf value must be a number");
  const Value* halg = t.header.get("alg");
  if (!halg || !halg->is_string()) return invalid;
  if (!alg.empty() && halg->str() != alg) return invalid;
  // RFC 7515 4.1.11: a header extension marked critical must be understood;
  // we understand none, so such a token is not valid.
  if (t.header.get("crit")) return invalid;
  bool ok;
  try {
    if (have_secret) ok = halg->str().rfind("HS", 0) == 0 && verify_token(t, halg->str(), secret);
    else ok = halg->str().rfind("HS", 0) != 0 && verify_token(t, halg->str(), cert);
  } catch (const BuiltinError&) {
    return invalid;
  }
  if (!ok) return invalid;
  const Value& p = t.payload;
  if (const Value* exp = p.get("exp")) {
    if (!exp->is_number()) builtin_error("exp value must be a number");
    if (time_ns / 1e9 >= exp->as_double()) return invalid;
  }
  if (const Value* nbf = p.get("nbf")) {
    if (!nbf->is_number()) builtin_error("nbf value must be a number");
    if (time_ns / 1e9 < nbf->as_double()) return invalid;
  }
  if (!iss.empty()) {
    const Value* piss = p.get("iss");
    if (!piss || !piss->is_string() || piss->str() != iss) return invalid;
  }
  const Value* paud = p.get("aud");
  if (paud) {
    if (!aud) return invalid;
    bool found = false;
    if (paud->is_string()) found = paud->str() == aud->str();
    else if (paud->is_array())
      for (const auto& x : paud->arr())
        if (x.is_string() && x.str() == aud->str()) found = true;
    if (!found) return invalid;
  } else if (aud) {
    return invalid;
  }
  return Value::array({Value::boolean(true), t.header, t.payload});
}

std::string encode_sign(const std::string& header_json, const Value& header, const std::string& payload_json, const Value& jwk) {
  const Value* alg = header.get("alg");
  if (!alg || !alg->is_string()) builtin_error("missing or invalid 'alg' header: jwsbb: header \"alg\" not found");
  std::string input = base64_encode(header_json, true, false) + "." + base64_encode(payload_json, true, false);
  std::string sig;
  const std::string& a = alg->str();
  if (a.rfind("HS", 0) == 0) {
    const Value* k = jwk.get("k");
    std::string key;
    if (!k || !k->is_string() || !base64_decode(k->str(), true, &key)) builtin_error("invalid oct JWK");
    const EVP_MD* md = md_for(a);
    if (!md) builtin_error("unknown JWS algorithm: " + a);
    sig = hmac_sign(md, key, input);
  } else if (a.rfind("RS", 0) == 0 || a.rfind("PS", 0) == 0 || a.rfind("ES", 0) == 0 || a == "EdDSA") {
    if (a != "EdDSA" && !md_for(a)) builtin_error("unknown JWS algorithm: " + a);
    PKey k = key_from_jwk(jwk, true);
    if (!k) builtin_error("failed to parse JWK private key");
    sig = sign_with(a, k.get(), input);
  } else if (a == "none") {
    sig = "";
  } else {
    builtin_error("unknown JWS algorithm: " + a);
  }
  return input + "." + base64_encode(sig, true, false);
}

}  // namespace

void register_jwt() {
  register_builtin("io.jwt.decode", 1, [](BuiltinContext&, const Value* a, size_t) {
    Token t = parse_token(arg_string(a, 0));
    return Value::array({t.header, t.payload, Value::string(hex_encode(t.sig))});
  });
#define GENESIS_JWT_VERIFY(name, alg) \
  register_builtin(name, 2, [](BuiltinContext&, const Value* a, size_t) { return verify_named(a, alg); });
  GENESIS_JWT_VERIFY("io.jwt.verify_hs256", "HS256")
  GENESIS_JWT_VERIFY("io.jwt.verify_hs384", "HS384")
  GENESIS_JWT_VERIFY("io.jwt.verify_hs512", "HS512")
  GENESIS_JWT_VERIFY("io.jwt.verify_rs256", "RS256")
  GENESIS_JWT_VERIFY("io.jwt.verify_rs384", "RS384")
  GENESIS_JWT_VERIFY("io.jwt.verify_rs512", "RS512")
  GENESIS_JWT_VERIFY("io.jwt.verify_ps256", "PS256")
  GENESIS_JWT_VERIFY("io.jwt.verify_ps384", "PS384")
  GENESIS_JWT_VERIFY("io.jwt.verify_ps512", "PS512")
  GENESIS_JWT_VERIFY("io.jwt.verify_es256", "ES256")
  GENESIS_JWT_VERIFY("io.jwt.verify_es384", "ES384")
  GENESIS_JWT_VERIFY("io.jwt.verify_es512", "ES512")
  GENESIS_JWT_VERIFY("io.jwt.verify_eddsa", "EdDSA")
#undef GENESIS_JWT_VERIFY
  register_builtin("io.jwt.decode_verify", 2, decode_verify);
  register_builtin("io.jwt.encode_sign", 3, [](BuiltinContext&, const Value* a, size_t) {
    const Value& h = arg_kind(a, 0, Kind::kObject, "object");
    const Value& p = arg_kind(a, 1, Kind::kObject, "object");
    const Value& k = arg_kind(a, 2, Kind::kObject, "object");
    return Value::string(encode_sign(to_json(h), h, to_json(p), k));
  });
  register_builtin("io.jwt.encode_sign_raw", 3, [](BuiltinContext&, const Value* a, size_t) {
    const std::string& hs = arg_string(a, 0);
    const std::string& ps = arg_string(a, 1);
    const std::string& ks = arg_string(a, 2);
    if (hs.empty()) builtin_error("missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string");
    auto h = parse_json(hs, DuplicateKeys::kLastWins);
    if (!h.ok() || !h->is_object()) {
      if (hs.find('{') != std::string::npos) builtin_error("missing or invalid 'alg' header: cannot parse JSON");
      builtin_error("missing or invalid 'alg' header: jwsbb: header \"alg\" not found");
    }
    if (const Value* typ = h->get("typ"); typ && typ->is_string() && typ->str() == "JWT") {
      auto pj = parse_json(ps, DuplicateKeys::kLastWins);
      if (!pj.ok()) builtin_error("type is JWT but payload is not JSON");
    }
    auto k = parse_json(ks, DuplicateKeys::kLastWins);
    if (!k.ok() || !k->is_object()) builtin_error("invalid JWK JSON");
    return Value::string(encode_sign(hs, *h, ps, *k));
  });
}

}  // namespace genesis::policy
