// Routing, the error -> HTTP mapping, request helpers and metrics.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <sstream>

#include "server/server.h"

namespace genesis::server {

using core::Value;

const std::string* Request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? nullptr : &it->second;
}

const std::string* Request::query_param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

core::Result<Value> Request::json() const {
  if (body.empty())
    return core::make_error(core::code::kInvalidArgument, "request body must be a JSON document");
  return core::parse_json(body);
}

Response Response::json(int status, const Value& v) {
  Response r;
  r.status = status;
  r.body = core::to_json(v);
  return r;
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

int http_status_for(const std::string& c) {
  namespace code = core::code;
  if (c == code::kInvalidArgument) return 400;
  if (c == code::kUnauthorized) return 401;
  if (c == code::kForbidden) return 403;
  if (c == code::kNotFound) return 404;
  if (c == code::kConflict) return 409;
  if (c == code::kTooLarge) return 413;
  if (c == code::kUnavailable) return 503;
  if (c == "method_not_allowed") return 405;
  if (c == "unsupported_media_type") return 415;
  // OPA's codes: authoring errors are the caller's, evaluation errors too.
  if (c.rfind("rego_", 0) == 0 || c.rfind("eval_", 0) == 0) return 400;
  return 500;
}

Response error_response(int status, const std::string& code, const std::string& message) {
  Value err = core::Object{{"code", code}, {"message", message}};
  return Response::json(status, core::Object{{"error", std::move(err)}});
}

Response error_response(const core::Error& e) {
  std::string message = e.where.empty() ? e.message : e.where + ": " + e.message;
  return error_response(http_status_for(e.code), e.code, message);
}

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') { ++i; continue; }
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back({std::move(method), split_path(pattern), pattern, std::move(handler)});
}

void Router::add_message(std::string type, MessageHandler handler) {
  messages_[std::move(type)] = std::move(handler);
}

std::vector<std::string> Router::message_types() const {
  std::vector<std::string> out;
  for (const auto& [type, _] : messages_) out.push_back(type);
  return out;
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(routes_.size());
  for (const Route& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

const MessageHandler* Router::message_handler(const std::string& type) const {
  auto it = messages_.find(type);
  return it == messages_.end() ? nullptr : &it->second;
}

core::Result<std::string> Router::resolve_tenant(const Request& req, bool websocket) const {
  if (!tenant_resolver_) return std::string("default");
  return tenant_resolver_(req, websocket);
}

Response Router::dispatch(Request& req, std::string& route) const {
  auto segs = split_path(req.path);
  bool path_matched = false;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    bool ok = true;
    size_t i = 0;
    for (; i < r.segments.size(); ++i) {
      const std::string& p = r.segments[i];
      bool is_param = p.size() > 2 && p.front() == '{' && p.back() == '}';
      if (is_param && p[p.size() - 2] == '*') {
        std::string rest;
        for (size_t k = i; k < segs.size(); ++k) rest += (k > i ? "/" : "") + segs[k];
        params[p.substr(1, p.size() - 3)] = rest;
        i = segs.size();
        break;
      }
      if (i >= segs.size()) { ok = false; break; }
      if (is_param) params[p.substr(1, p.size() - 2)] = segs[i];
      else if (p != segs[i]) { ok = false; break; }
    }
    if (!ok || i != segs.size()) continue;
    path_matched = true;
    if (r.method != req.method) continue;
    route = r.pattern;
    req.params = std::move(params);
    return r.handler(req);
  }
  route = path_matched ? "method_not_allowed" : "not_found";
  if (path_matched)
    return error_response(405, "method_not_allowed", req.method + " is not allowed on " + req.path);
  return error_response(404, core::code::kNotFound, "no route for " + req.method + " " + req.path);
}

// ---- metrics ----

namespace {
// Latency bucket upper bounds in seconds.
constexpr double kBuckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                               0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};
constexpr size_t kBucketCount = std::size(kBuckets);

std::string escape_label(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (c == '\n') { o += "\\n"; continue; }
    o += c;
  }
  return o;
}
}  // namespace

void Metrics::record(const std::string& route, int status, std::chrono::nanoseconds latency) {
  double secs = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
  auto& b = latency_buckets_[route];
  if (b.empty()) b.assign(kBucketCount + 1, 0);
  size_t i = 0;
  while (i < kBucketCount && secs > kBuckets[i]) ++i;
  ++b[i];
  latency_sum_[route] += secs;
}

void Metrics::add_counter(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  extras_.push_back({std::move(name), std::move(help), "counter", std::move(read)});
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  extras_.push_back({std::move(name), std::move(help), "gauge", std::move(read)});
}

std::string Metrics::render() const {
  std::ostringstream o;
  std::lock_guard lock(mu_);
  o << "# HELP genesis_http_requests_total HTTP requests by route and status.\n"
    << "# TYPE genesis_http_requests_total counter\n";
  for (const auto& [k, n] : requests_)
    o << "genesis_http_requests_total{route=\"" << escape_label(k.first) << "\",status=\"" << k.second
      << "\"} " << n << "\n";
  o << "# HELP genesis_http_request_duration_seconds HTTP request latency by route.\n"
    << "# TYPE genesis_http_request_duration_seconds histogram\n";
  for (const auto& [route, b] : latency_buckets_) {
    uint64_t cum = 0;
    std::string r = escape_label(route);
    for (size_t i = 0; i < kBucketCount; ++i) {
      cum += b[i];
      o << "genesis_http_request_duration_seconds_bucket{route=\"" << r << "\",le=\"" << kBuckets[i]
        << "\"} " << cum << "\n";
    }
    cum += b[kBucketCount];
    o << "genesis_http_request_duration_seconds_bucket{route=\"" << r << "\",le=\"+Inf\"} " << cum << "\n"
      << "genesis_http_request_duration_seconds_sum{route=\"" << r << "\"} " << latency_sum_.at(route) << "\n"
      << "genesis_http_request_duration_seconds_count{route=\"" << r << "\"} " << cum << "\n";
  }
  for (const auto& e : extras_) {
    o << "# HELP " << e.name << " " << e.help << "\n# TYPE " << e.name << " " << e.type << "\n"
      << e.name << " " << e.read() << "\n";
  }
  return o.str();
}

}  // namespace genesis::server
