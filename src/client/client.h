// A small blocking client for genesisd's HTTP and WebSocket API, used by the
// genesis CLI, the API tests and the benchmarks. Beast stays inside client.cc.
//
// Not thread-safe: one client per thread. HttpClient keeps its connection
// alive between requests and reconnects when the server closed it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "core/value.h"

namespace genesis::client {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names

  // The body as JSON (error when it is not).
  core::Result<core::Value> json() const { return core::parse_json(body); }
};

class HttpClient {
 public:
  // server: "host:port" (also "http://host:port").
  explicit HttpClient(std::string server,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();

  // Errors: unavailable (cannot connect, connection lost, timeout).
  core::Result<HttpResponse> request(const std::string& method, const std::string& target,
                                     const std::string& body = {},
                                     const std::string& content_type = "application/json");
  core::Result<HttpResponse> get(const std::string& target) { return request("GET", target); }
  // A header sent with every later request (e.g. X-Genesis-Tenant); replaces
  // an earlier value of the same name.
  void set_header(std::string name, std::string value);
  core::Result<HttpResponse> post(const std::string& target, const core::Value& body) {
    return request("POST", target, core::to_json(body));
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class WsClient {
 public:
  WsClient();
  ~WsClient();
  core::Status connect(const std::string& server, const std::string& target = "/v1/mesh");
  core::Status send(const std::string& text);
  // Next text message; unavailable on timeout or closed connection.
  core::Result<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes a query-string value.
std::string url_encode(const std::string& s);

}  // namespace genesis::client
