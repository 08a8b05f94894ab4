// genesisd's HTTP + WebSocket front door (Boost.Beast). Beast and Asio types
// stay inside src/server; resources register plain handlers on a Router.
//
// Threads: `threads` workers run one io_context; handlers run on them and may
// block on the store until their write is durable. Handlers must be thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace genesis::mesh { class EventBus; }

namespace genesis::server {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // from "{name}" route segments
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string tenant = "default";
  // True once the client has closed its connection (a long handler may stop
  // early). Set by the HTTP layer; empty when there is no connection to ask.
  std::function<bool()> client_gone;

  const std::string* header(const std::string& lower_name) const;
  const std::string* query_param(const std::string& name) const;
  // Parses the body as one JSON value (400 with a clear message otherwise).
  core::Result<core::Value> json() const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response json(int status, const core::Value& v);
  static Response no_content();
};

// Errors become HTTP status + {"error":{"code","message"}} here and nowhere else.
int http_status_for(const std::string& error_code);
Response error_response(const core::Error& e);
Response error_response(int status, const std::string& code, const std::string& message);

using Handler = std::function<Response(Request&)>;

// A WebSocket peer as message handlers see it.
class Peer {
 public:
  virtual ~Peer() = default;
  virtual void send(std::string text) = 0;
  virtual const std::string& tenant() const = 0;
  // The agent this peer announced itself as ("hello"), if any.
  virtual std::optional<std::string> agent_id() const = 0;
  virtual void set_agent_id(std::string id) = 0;
};

// Handles one typed message from a mesh peer; the returned value (if any) is
// sent back as {"type":"<type>.ok","ref":<id>,"data":...}; an error as
// {"type":"error","ref":<id>,"error":{...}}.
using MessageHandler = std::function<core::Result<core::Value>(const core::Value& msg, Peer& peer)>;

// Decides which tenant a request (or a WebSocket upgrade) acts for; an error
// refuses it before any handler runs.
using TenantResolver = std::function<core::Result<std::string>(const Request& req, bool websocket)>;

class Router {
 public:
  // pattern: "/v1/agents/{id}/events"; "{name}" matches one segment, a final
  // "{name*}" matches the rest of the path.
  void add(std::string method, std::string pattern, Handler handler);
  void add_message(std::string type, MessageHandler handler);

  // Routes a request. Sets `route` to the matched pattern (for metrics).
  Response dispatch(Request& req, std::string& route) const;
  const MessageHandler* message_handler(const std::string& type) const;
  // The message types registered so far, sorted.
  std::vector<std::string> message_types() const;
  // The routes registered so far, as (method, pattern), in registration order:
  // what api/openapi.yaml must describe (tests/api/openapi_test.cc checks it).
  std::vector<std::pair<std::string, std::string>> routes() const;

  // Without a resolver every request acts for the "default" tenant.
  void set_tenant_resolver(TenantResolver resolver) { tenant_resolver_ = std::move(resolver); }
  core::Result<std::string> resolve_tenant(const Request& req, bool websocket) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    std::string pattern;
    Handler handler;
  };
  std::vector<Route> routes_;
  std::map<std::string, MessageHandler> messages_;
  TenantResolver tenant_resolver_;
};

// Prometheus text metrics: requests by route and status, latency histogram,
// plus gauges/counters other components register.
class Metrics {
 public:
  void record(const std::string& route, int status, std::chrono::nanoseconds latency);
  void add_counter(std::string name, std::string help, std::function<double()> read);
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, std::vector<uint64_t>> latency_buckets_;  // per route, cumulative at render
  std::map<std::string, double> latency_sum_;
  struct Extra {
    std::string name, help, type;
    std::function<double()> read;
  };
  std::vector<Extra> extras_;
};

struct ServerOptions {
  std::string listen = "127.0.0.1:8000";  // host:port; port 0 picks a free one
  std::string web_dir;                    // static shell; empty serves none
  int threads = 0;                        // 0: 4 per core, at least 8
  size_t max_body_bytes = 16 * 1024 * 1024;
  // TLS: with both set, every connection is HTTPS / WSS (TLS 1.2 at least, 1.3
  // preferred) and responses carry Strict-Transport-Security; plain HTTP is
  // not served. PEM files: the certificate chain and its private key.
  std::string tls_cert;
  std::string tls_key;
};

class Server {
 public:
  Server(ServerOptions options, Router& router, Metrics& metrics, mesh::EventBus& bus);
  ~Server();

  // Loads the TLS certificate and key (when configured), binds and listens;
  // returns the bound port. Errors: invalid_argument (a file that does not
  // load, a key that does not match), unavailable (cannot listen).
  core::Result<uint16_t> start();
  // Runs the workers until stop() (or SIGINT/SIGTERM when handle_signals;
  // SIGHUP then calls reload_tls and says on stderr what happened).
  void run(bool handle_signals);
  // Reads the certificate and key files again; connections accepted from now
  // on use them, open ones keep theirs. On error nothing changes. Thread-safe.
  core::Status reload_tls();
  // Stops accepting, closes connections after their current request, returns from run().
  void stop();

  struct Impl;  // Beast/Asio state, private to http.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace genesis::server
