// crypto.x509.* (certificates, chains, CSRs, key pairs, RSA keys) and
// crypto.parse_private_keys, over OpenSSL. Certificates are returned with Go's
// x509.Certificate field names for the fields policies use.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

// PEM text, base64 of PEM, or base64 of DER -> (is_pem, bytes).
std::pair<bool, std::string> cert_input(const std::string& s) {
  if (s.find("-----BEGIN") != std::string::npos) return {true, s};
  std::string raw;
  if (!base64_decode(s, false, &raw)) {
    static const std::string alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    size_t pos = 0;
    while (pos < s.size() && alpha.find(s[pos]) != std::string::npos) ++pos;
    if (pos == s.size()) pos = s.size() - s.size() % 4;
    builtin_error("illegal base64 data at input byte " + std::to_string(pos));
  }
  return {raw.find("-----BEGIN") != std::string::npos, raw};
}

Value strings_of(X509_NAME* name, int nid) {
  ValueVec out;
  int idx = -1;
  while ((idx = X509_NAME_get_index_by_NID(name, nid, idx)) >= 0) {
    X509_NAME_ENTRY* e = X509_NAME_get_entry(name, idx);
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (n >= 0) out.push_back(Value::string(std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(n))));
    OPENSSL_free(utf8);
  }
  return out.empty() ? Value::null() : Value::array(std::move(out));
}

Value name_json(X509_NAME* name) {
  Value cn = strings_of(name, NID_commonName);
  Value sn = strings_of(name, NID_serialNumber);
  return Value::object({
      {Value::string("CommonName"), Value::string(cn.is_array() ? cn.arr().back().str() : "")},
      {Value::string("Country"), strings_of(name, NID_countryName)},
      {Value::string("Organization"), strings_of(name, NID_organizationName)},
      {Value::string("OrganizationalUnit"), strings_of(name, NID_organizationalUnitName)},
      {Value::string("Locality"), strings_of(name, NID_localityName)},
      {Value::string("Province"), strings_of(name, NID_stateOrProvinceName)},
      {Value::string("StreetAddress"), strings_of(name, NID_streetAddress)},
      {Value::string("PostalCode"), strings_of(name, NID_postalCode)},
      {Value::string("SerialNumber"), Value::string(sn.is_array() ? sn.arr().back().str() : "")},
  });
}

void san_json(GENERAL_NAMES* names, ObjectItems& out) {
  ValueVec dns, uris, emails, ips;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    auto str = [](ASN1_STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<size_t>(ASN1_STRING_length(s)));
    };
    if (g->type == GEN_DNS) dns.push_back(Value::string(str(g->d.dNSName)));
    else if (g->type == GEN_URI) uris.push_back(Value::string(str(g->d.uniformResourceIdentifier)));
    else if (g->type == GEN_EMAIL) emails.push_back(Value::string(str(g->d.rfc822Name)));
    else if (g->type == GEN_IPADD) {
      std::string b = str(g->d.iPAddress);
      char buf[64];
      if (b.size() == 4) snprintf(buf, sizeof buf, "%u.%u.%u.%u", static_cast<unsigned char>(b[0]), static_cast<unsigned char>(b[1]), static_cast<unsigned char>(b[2]), static_cast<unsigned char>(b[3]));
      else snprintf(buf, sizeof buf, "%s", hex_encode(b).c_str());
      ips.push_back(Value::string(buf));
    }
  }
  auto arr = [](ValueVec v) { return v.empty() ? Value::null() : Value::array(std::move(v)); };
  out.emplace_back(Value::string("DNSNames"), arr(dns));
  out.emplace_back(Value::string("URIStrings"), arr(uris));
  out.emplace_back(Value::string("EmailAddresses"), arr(emails));
  out.emplace_back(Value::string("IPAddresses"), arr(ips));
}

std::string asn1_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return "";
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Value cert_json(X509* c) {
  ObjectItems o;
  o.emplace_back(Value::string("Subject"), name_json(X509_get_subject_name(c)));
  o.emplace_back(Value::string("Issuer"), name_json(X509_get_issuer_name(c)));
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(c, NID_subject_alt_name, nullptr, nullptr));
  san_json(sans, o);
  GENERAL_NAMES_free(sans);
  o.emplace_back(Value::string("NotBefore"), Value::string(asn1_time(X509_get0_notBefore(c))));
  o.emplace_back(Value::string("NotAfter"), Value::string(asn1_time(X509_get0_notAfter(c))));
  o.emplace_back(Value::string("Version"), Value::integer(X509_get_version(c) + 1));
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), nullptr);
  char* dec = BN_bn2dec(bn);
  o.emplace_back(Value::string("SerialNumber"), Value::number_text(dec));
  OPENSSL_free(dec);
  BN_free(bn);
  o.emplace_back(Value::string("IsCA"), Value::boolean(X509_check_ca(c) > 0));
  unsigned char* der = nullptr;
  int n = i2d_X509(c, &der);
  o.emplace_back(Value::string("Raw"), Value::string(base64_encode(std::string(reinterpret_cast<char*>(der), static_cast<size_t>(n)), false, true)));
  OPENSSL_free(der);
  return Value::object(std::move(o));
}

using CertList = std::vector<std::shared_ptr<X509>>;

CertList parse_certs(const std::string& input) {
  auto [pem, bytes] = cert_input(input);
  CertList out;
  if (pem) {
    BIO* bio = BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()));
    while (X509* c = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.emplace_back(c, X509_free);
    BIO_free(bio);
  } else {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const unsigned char* end = p + bytes.size();
    while (p < end) {
      X509* c = d2i_X509(nullptr, &p, end - p);
      if (!c) builtin_error("x509: malformed certificate");
      out.emplace_back(c, X509_free);
    }
  }
  if (out.empty()) builtin_error("x509: malformed certificate");
  return out;
}

std::string b64url_bn(const BIGNUM* b) {
  std::string s(static_cast<size_t>(BN_num_bytes(b)), '\0');
  BN_bn2bin(b, reinterpret_cast<unsigned char*>(s.data()));
  return base64_encode(s, true, false);
}

Value rsa_jwk(EVP_PKEY* k) {
  ObjectItems o = {{Value::string("kty"), Value::string("RSA")}};
  const std::pair<const char*, const char*> params[] = {
      {OSSL_PKEY_PARAM_RSA_N, "n"},         {OSSL_PKEY_PARAM_RSA_E, "e"},         {OSSL_PKEY_PARAM_RSA_D, "d"},
      {OSSL_PKEY_PARAM_RSA_FACTOR1, "p"},   {OSSL_PKEY_PARAM_RSA_FACTOR2, "q"},   {OSSL_PKEY_PARAM_RSA_EXPONENT1, "dp"},
      {OSSL_PKEY_PARAM_RSA_EXPONENT2, "dq"}, {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, "qi"}};
  for (const auto& [param, name] : params) {
    BIGNUM* b = nullptr;
    if (EVP_PKEY_get_bn_param(k, param, &b) == 1) {
      o.emplace_back(Value::string(name), Value::string(b64url_bn(b)));
      BN_free(b);
    }
  }
  return Value::object(std::move(o));
}

}  // namespace

void register_x509() {
  register_builtin("crypto.x509.parse_certificates", 1, [](BuiltinContext&, const Value* a, size_t) {
    ValueVec out;
    for (const auto& c : parse_certs(arg_string(a, 0))) out.push_back(cert_json(c.get()));
    return Value::array(std::move(out));
  });
  register_builtin("crypto.x509.parse_and_verify_certificates", 1, [](BuiltinContext&, const Value* a, size_t) {
    Value invalid = Value::array({Value::boolean(false), Value::empty_array()});
    CertList certs;
    try {
      certs = parse_certs(arg_string(a, 0));
    } catch (const BuiltinError&) {
      return invalid;
    }
    if (certs.size() < 2) return invalid;
    // OPA's order: the first certificate is the root, the last the leaf.
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, certs.front().get());
    STACK_OF(X509)* inter = sk_X509_new_null();
    for (size_t i = 1; i + 1 < certs.size(); ++i) sk_X509_push(inter, certs[i].get());
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, certs.back().get(), inter);
    bool ok = X509_verify_cert(ctx) == 1;
    ValueVec out;
    if (ok) {
      STACK_OF(X509)* chain = X509_STORE_CTX_get1_chain(ctx);
      for (int i = 0; i < sk_X509_num(chain); ++i) out.push_back(cert_json(sk_X509_value(chain, i)));
      sk_X509_pop_free(chain, X509_free);
    }
    X509_STORE_CTX_free(ctx);
    sk_X509_free(inter);
    X509_STORE_free(store);
    if (!ok) return invalid;
    return Value::array({Value::boolean(true), Value::array(std::move(out))});
  });
  register_builtin("crypto.x509.parse_certificate_request", 1, [](BuiltinContext&, const Value* a, size_t) {
    auto [pem, bytes] = cert_input(arg_string(a, 0));
    X509_REQ* req = nullptr;
    if (pem) {
      BIO* bio = BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()));
      req = PEM_read_bio_X509_REQ(bio, nullptr, nullptr, nullptr);
      BIO_free(bio);
    } else {
      const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
      req = d2i_X509_REQ(nullptr, &p, static_cast<long>(bytes.size()));
    }
    if (!req) builtin_error("asn1: structure error: invalid certificate request");
    ObjectItems o;
    o.emplace_back(Value::string("Subject"), name_json(X509_REQ_get_subject_name(req)));
    STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req);
    auto* sans = exts ? static_cast<GENERAL_NAMES*>(X509V3_get_d2i(exts, NID_subject_alt_name, nullptr, nullptr)) : nullptr;
    san_json(sans, o);
    GENERAL_NAMES_free(sans);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    o.emplace_back(Value::string("Version"), Value::integer(X509_REQ_get_version(req)));
    X509_REQ_free(req);
    return Value::object(std::move(o));
  });
  register_builtin("crypto.x509.parse_keypair", 2, [](BuiltinContext&, const Value* a, size_t) {
    CertList certs = parse_certs(arg_string(a, 0));
    auto [pem, key] = cert_input(arg_string(a, 1));
    BIO* bio = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
    EVP_PKEY* k = pem ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : d2i_PrivateKey_bio(bio, nullptr);
    BIO_free(bio);
    if (!k) builtin_error("tls: failed to find any PEM data in key input");
    bool match = X509_check_private_key(certs[0].get(), k) == 1;
    EVP_PKEY_free(k);
    if (!match) builtin_error("tls: private key does not match public key");
    ValueVec ders;
    for (const auto& c : certs) {
      unsigned char* der = nullptr;
      int n = i2d_X509(c.get(), &der);
      ders.push_back(Value::string(base64_encode(std::string(reinterpret_cast<char*>(der), static_cast<size_t>(n)), false, true)));
      OPENSSL_free(der);
    }
    return Value::object({{Value::string("Certificate"), Value::array(std::move(ders))}});
  });
  register_builtin("crypto.x509.parse_rsa_private_key", 1, [](BuiltinContext&, const Value* a, size_t) {
    auto [pem, key] = cert_input(arg_string(a, 0));
    BIO* bio = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
    EVP_PKEY* k = pem ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : d2i_PrivateKey_bio(bio, nullptr);
    BIO_free(bio);
    if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
      EVP_PKEY_free(k);
      builtin_error("x509: failed to parse RSA private key");
    }
    Value v = rsa_jwk(k);
    EVP_PKEY_free(k);
    return v;
  });
  register_builtin("crypto.parse_private_keys", 1, [](BuiltinContext&, const Value* a, size_t) -> Value {
    const std::string& s = arg_string(a, 0);
    if (s.empty()) return Value::null();
    std::string text = s;
    if (s.find("-----BEGIN") == std::string::npos) {
      std::string raw;
      if (!base64_decode(s, false, &raw) || raw.find("-----BEGIN") == std::string::npos) return Value::empty_array();
      text = raw;
    }
    ValueVec out;
    BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
    while (EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr)) {
      if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) out.push_back(rsa_jwk(k));
      else out.push_back(Value::object({{Value::string("kty"), Value::string(EVP_PKEY_get0_type_name(k))}}));
      EVP_PKEY_free(k);
    }
    BIO_free(bio);
    return Value::array(std::move(out));
  });
}

}  // namespace genesis::policy
