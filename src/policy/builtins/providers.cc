// providers.aws.sign_req: AWS Signature Version 4 request signing.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

std::string sha256_hex(const std::string& s) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), buf, &n, EVP_sha256(), nullptr);
  return hex_encode(std::string(reinterpret_cast<char*>(buf), n));
}

std::string hmac256(const std::string& key, const std::string& msg) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), buf, &n);
  return std::string(reinterpret_cast<char*>(buf), n);
}

[[noreturn]] void type_fail(const std::string& m) { throw BuiltinError{"eval_type_error", m}; }

std::string key_list(const std::vector<std::string>& keys) {
  std::string s = "{";
  for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", \"" : "\"") + keys[i] + "\"";
  return s + "}";
}

Value sign_req(BuiltinContext&, const Value* a, size_t) {
  const Value& req = arg_kind(a, 0, Kind::kObject, "object");
  const Value& cfg = arg_kind(a, 1, Kind::kObject, "object");
  const Value& tv = arg_number(a, 2);
  std::vector<std::string> missing, bad;
  for (const char* k : {"method", "url"}) {
    const Value* v = req.get(k);
    if (!v) missing.push_back(k);
    else if (!v->is_string()) bad.push_back(k);
  }
  if (!missing.empty()) type_fail("operand 1 missing required request parameters(s): " + key_list(missing));
  if (!bad.empty()) type_fail("operand 1 invalid values for required request parameters(s): " + key_list(bad));
  for (const char* k : {"aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"}) {
    const Value* v = cfg.get(k);
    if (!v) missing.push_back(k);
    else if (!v->is_string()) bad.push_back(k);
  }
  if (!missing.empty()) type_fail("operand 2 missing required AWS config parameters(s): " + key_list(missing));
  if (!bad.empty()) type_fail("operand 2 invalid values for required AWS config parameters(s): " + key_list(bad));
  bool unsigned_payload = false;
  if (const Value* d = cfg.get("disable_payload_signing")) {
    if (!d->is_bool()) type_fail("operand 2 invalid value for 'disable_payload_signing' in AWS config");
    unsigned_payload = d->as_bool();
  }
  double tns = tv.as_double();
  if (tns < 0 || !tv.is_integral()) type_fail("operand 3 could not convert time_ns value into a unix timestamp");
  int64_t secs = static_cast<int64_t>(tns / 1e9);
  // Date and time in UTC.
  int64_t days = secs / 86400, rem = secs % 86400;
  int64_t z = days + 719468, era = z / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char date[16], amz[32];
  snprintf(date, sizeof date, "%04lld%02u%02u", static_cast<long long>(y), m, d);
  snprintf(amz, sizeof amz, "%sT%02d%02d%02dZ", date, static_cast<int>(rem / 3600), static_cast<int>(rem % 3600 / 60), static_cast<int>(rem % 60));

  const std::string& method = req.get("method")->str();
  const std::string& url = req.get("url")->str();
  size_t scheme = url.find("://");
  size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t path_start = url.find_first_of("/?#", host_start);
  std::string host = url.substr(host_start, path_start == std::string::npos ? std::string::npos : path_start - host_start);
  std::string path, query;
  if (path_start != std::string::npos) {
    std::string rest = url.substr(path_start);
    size_t hash = rest.find('#');
    if (hash != std::string::npos) rest = rest.substr(0, hash);
    size_t q = rest.find('?');
    path = rest.substr(0, q);
    if (q != std::string::npos) query = rest.substr(q + 1);
  }
  std::string body;
  if (const Value* rb = req.get("raw_body"); rb && rb->is_string()) body = rb->str();
  else if (const Value* b = req.get("body")) body = to_json(*b);
  std::string content = unsigned_payload ? "UNSIGNED-PAYLOAD" : sha256_hex(body);

  std::map<std::string, std::string> signed_headers;
  ObjectItems out_headers;
  if (const Value* hs = req.get("headers"); hs && hs->is_object()) {
    for (const auto& [k, v] : hs->obj()) {
      if (!k.is_string()) continue;
      std::string lk;
      for (char c : k.str()) lk.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      std::string val = v.is_string() ? v.str() : to_json(v);
      signed_headers[lk] = val;
      out_headers.emplace_back(k, v);
    }
  }
  signed_headers["host"] = host;
  signed_headers.emplace("x-amz-content-sha256", content);  // an existing value is what gets signed
  signed_headers["x-amz-date"] = amz;
  const Value* token = cfg.get("aws_session_token");
  if (token && token->is_string()) signed_headers["x-amz-security-token"] = token->str();

  std::string creq = method + "\n" + path + "\n" + query + "\n";
  std::string names;
  for (const auto& [k, v] : signed_headers) {
    creq += k + ":" + v + "\n";
    names += (names.empty() ? "" : ";") + k;
  }
  creq += "\n" + names + "\n" + content;
  const std::string& region = cfg.get("aws_region")->str();
  const std::string& service = cfg.get("aws_service")->str();
  std::string scope = std::string(date) + "/" + region + "/" + service + "/aws4_request";
  std::string sts = "AWS4-HMAC-SHA256\n" + std::string(amz) + "\n" + scope + "\n" + sha256_hex(creq);
  std::string k = hmac256("AWS4" + cfg.get("aws_secret_access_key")->str(), date);
  k = hmac256(k, region);
  k = hmac256(k, service);
  k = hmac256(k, "aws4_request");
  std::string sig = hex_encode(hmac256(k, sts));
  std::string auth = "AWS4-HMAC-SHA256 Credential=" + cfg.get("aws_access_key")->str() + "/" + scope +
                     ",SignedHeaders=" + names + ",Signature=" + sig;

  auto set = [&](const std::string& name, const std::string& v) {
    for (auto& kv : out_headers)
      if (kv.first.is_string() && kv.first.str() == name) {
        kv.second = Value::string(v);
        return;
      }
    out_headers.emplace_back(Value::string(name), Value::string(v));
  };
  set("Authorization", auth);
  set("host", host);
  set("x-amz-content-sha256", content);
  set("x-amz-date", amz);
  if (token && token->is_string()) set("x-amz-security-token", token->str());
  ObjectItems out = req.obj();
  bool replaced = false;
  for (auto& kv : out)
    if (kv.first.is_string() && kv.first.str() == "headers") {
      kv.second = Value::object(out_headers);
      replaced = true;
    }
  if (!replaced) out.emplace_back(Value::string("headers"), Value::object(std::move(out_headers)));
  return Value::object(std::move(out));
}

}  // namespace

void register_providers() { register_builtin("providers.aws.sign_req", 3, sign_req); }

}  // namespace genesis::policy
