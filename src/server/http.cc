// The Beast/Asio side of the server: listener, HTTP sessions with keep-alive,
// WebSocket mesh peers, static files, graceful shutdown, and TLS.
//
// TLS (OpenSSL through Asio): with a certificate and key configured, every
// connection is HTTPS / WSS; sessions are templates over the stream (plain
// beast::tcp_stream or beast::ssl_stream over it), the rest is shared. The
// current ssl::context sits behind a shared_ptr: SIGHUP loads the files into a
// new context and swaps it in for connections accepted afterwards, while
// open connections keep the context they were accepted with, so a reload
// drops nothing. A reload that fails keeps the old context and says why.
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/ssl.h>

#include <sys/socket.h>

#include <cerrno>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>
#include <type_traits>

#include "mesh/mesh.h"
#include "server/csp.h"
#include "server/server.h"

namespace genesis::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using core::Value;

namespace {

constexpr size_t kMaxPeerQueue = 65536;  // messages; a peer this far behind is dropped
constexpr auto kIdleTimeout = std::chrono::seconds(120);
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);
// One year; sent on every HTTPS response (RFC 6797). Not includeSubDomains:
// that is the operator's decision for their domain, not genesisd's.
constexpr const char* kHsts = "max-age=31536000";

template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

// A server context from PEM files: TLS 1.2 at least, 1.3 preferred (OpenSSL
// picks the highest version both sides have), forward-secret AEAD suites only
// for 1.2, no compression or renegotiation.
core::Result<std::shared_ptr<ssl::context>> load_tls_context(const std::string& cert, const std::string& key) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use |
                   ssl::context::no_compression);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20");
  beast::error_code ec;
  ctx->use_certificate_chain_file(cert, ec);
  if (ec)
    return core::make_error(core::code::kInvalidArgument, "cannot load the certificate: " + ec.message(), cert);
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) return core::make_error(core::code::kInvalidArgument, "cannot load the private key: " + ec.message(), key);
  if (SSL_CTX_check_private_key(native) != 1)
    return core::make_error(core::code::kInvalidArgument, "the private key does not match the certificate", key);
  return ctx;
}

std::string url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

const char* mime_type(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".wasm") return "application/wasm";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".webmanifest") return "application/manifest+json";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

bool read_file(const std::filesystem::path& p, std::string& out) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return false;
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace

class Closable {
 public:
  virtual ~Closable() = default;
  virtual void close() = 0;
};

struct Server::Impl {
  Impl(ServerOptions o, Router& r, Metrics& m, mesh::EventBus& b)
      : options(std::move(o)), router(r), metrics(m), bus(b), acceptor(net::make_strand(ioc)) {}

  std::mutex tls_mu;
  std::shared_ptr<ssl::context> tls;  // guarded by tls_mu; null: plain HTTP
  std::shared_ptr<ssl::context> current_tls() {
    std::lock_guard lock(tls_mu);
    return tls;
  }

  ServerOptions options;
  Router& router;
  Metrics& metrics;
  mesh::EventBus& bus;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};
  std::mutex sessions_mu;
  std::vector<std::weak_ptr<Closable>> sessions;  // guarded by sessions_mu

  void track(const std::shared_ptr<Closable>& s) {
    std::lock_guard lock(sessions_mu);
    std::erase_if(sessions, [](const auto& w) { return w.expired(); });
    sessions.push_back(s);
  }

  void do_accept();
  Response serve_static(const Request& req);
  // The shell's Content-Security-Policy, from index.html's inline scripts; computed
  // again when index.html changes (a new build of the shell in place).
  std::string shell_csp(const std::filesystem::path& index);
  std::mutex csp_mu;
  std::string csp;
  std::filesystem::file_time_type csp_mtime{};

  void stop_when_drained(std::shared_ptr<net::steady_timer> timer,
                         std::chrono::steady_clock::time_point deadline) {
    bool any_live = false;
    {
      std::lock_guard lock(sessions_mu);
      for (auto& w : sessions) any_live = any_live || !w.expired();
    }
    if (!any_live || std::chrono::steady_clock::now() >= deadline) {
      ioc.stop();
      return;
    }
    timer->expires_after(std::chrono::milliseconds(20));
    timer->async_wait([this, timer, deadline](beast::error_code) { stop_when_drained(timer, deadline); });
  }
};

// ---------------------------------------------------------------------------
// WebSocket peer on /v1/mesh.

template <class Stream>
class WsSession : public Peer, public Closable, public std::enable_shared_from_this<WsSession<Stream>> {
  using std::enable_shared_from_this<WsSession<Stream>>::shared_from_this;

 public:
  // `tls` keeps the context this connection was accepted with alive.
  WsSession(Stream&& stream, Server::Impl& srv, std::shared_ptr<ssl::context> tls)
      : ws_(std::move(stream)), srv_(srv), tls_(std::move(tls)) {}

  void run(http::request<http::string_body> req, std::string tenant) {
    tenant_ = std::move(tenant);
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(1 << 20);
    ws_.async_accept(req, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
  }

  void send(std::string text) override {
    net::post(ws_.get_executor(), [self = shared_from_this(), text = std::move(text)]() mutable {
      self->enqueue(std::move(text));
    });
  }
  const std::string& tenant() const override { return tenant_; }
  std::optional<std::string> agent_id() const override {
    std::lock_guard lock(agent_mu_);
    return agent_id_;
  }
  void set_agent_id(std::string id) override {
    std::lock_guard lock(agent_mu_);
    agent_id_ = std::move(id);
  }

  void close() override {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->sub_.reset();
      if (self->ws_.is_open())
        self->ws_.async_close(websocket::close_code::going_away, [self](beast::error_code) {});
    });
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    auto exec = ws_.get_executor();
    std::weak_ptr<WsSession> weak = shared_from_this();
    std::string tenant = tenant_;
    // Subscribed before the welcome is queued: the welcome names the last seq
    // the peer will not receive, so it can tell a gap from a fresh start.
    sub_ = srv_.bus.subscribe([exec, weak, tenant](const mesh::Event& e) {
      if (e.tenant_id != tenant) return;
      net::post(exec, [weak, text = e.json]() mutable {
        if (auto self = weak.lock()) self->enqueue(std::move(text));
      });
    });
    Value welcome = core::Object{{"type", "welcome"}, {"seq", static_cast<int64_t>(srv_.bus.last_seq(tenant_))}};
    enqueue(core::to_json(welcome));
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec) {
      sub_.reset();
      return;
    }
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handle_message(text);
    do_read();
  }

  void reply_error(const Value* ref, const core::Error& e) {
    std::string message = e.where.empty() ? e.message : e.where + ": " + e.message;
    Value out = core::Object{{"type", "error"},
                             {"ref", ref ? *ref : Value()},
                             {"error", core::Object{{"code", e.code}, {"message", message}}}};
    enqueue(core::to_json(out));
  }

  void handle_message(const std::string& text) {
    auto msg = core::parse_json(text);
    if (!msg) return reply_error(nullptr, msg.error());
    const Value* ref = msg->find("id");
    const Value* type = msg->find("type");
    if (!msg->is_object() || !type || !type->is_string())
      return reply_error(ref, core::make_error(core::code::kInvalidArgument,
                                               "a mesh message is an object with a string \"type\""));
    const MessageHandler* h = srv_.router.message_handler(type->as_string());
    if (!h)
      return reply_error(ref, core::make_error(core::code::kInvalidArgument,
                                               "unknown message type \"" + type->as_string() + "\""));
    auto result = (*h)(*msg, *this);
    if (!result) return reply_error(ref, result.error());
    Value out = core::Object{{"type", type->as_string() + ".ok"}, {"ref", ref ? *ref : Value()},
                             {"data", std::move(*result)}};
    enqueue(core::to_json(out));
  }

  void enqueue(std::string text) {
    if (queue_.size() >= kMaxPeerQueue) {
      // Too far behind: drop the peer; it reconnects and resyncs from the API.
      sub_.reset();
      queue_.clear();
      beast::error_code ec;
      beast::get_lowest_layer(ws_).socket().close(ec);
      return;
    }
    queue_.push_back(std::move(text));
    if (!writing_) do_write();
  }

  void do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()),
                    beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t) {
    writing_ = false;
    if (ec) {
      sub_.reset();
      queue_.clear();
      return;
    }
    queue_.pop_front();
    if (!queue_.empty()) do_write();
  }

  websocket::stream<Stream> ws_;
  Server::Impl& srv_;
  std::shared_ptr<ssl::context> tls_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;  // touched only on the session's strand
  bool writing_ = false;
  std::unique_ptr<mesh::EventBus::Subscription> sub_;
  std::string tenant_;
  mutable std::mutex agent_mu_;
  std::optional<std::string> agent_id_;
};

// ---------------------------------------------------------------------------
// HTTP/1.1 session with keep-alive.

template <class Stream>
class HttpSession : public Closable, public std::enable_shared_from_this<HttpSession<Stream>> {
  using std::enable_shared_from_this<HttpSession<Stream>>::shared_from_this;

 public:
  HttpSession(tcp::socket&& socket, Server::Impl& srv) requires(!kIsTls<Stream>)
      : stream_(std::move(socket)), srv_(srv) {}
  // `tls` is the context current when the connection was accepted; the session
  // (and its WebSocket, after an upgrade) keeps it across reloads.
  HttpSession(tcp::socket&& socket, Server::Impl& srv, std::shared_ptr<ssl::context> tls) requires(kIsTls<Stream>)
      : stream_(std::move(socket), *tls), srv_(srv), tls_(std::move(tls)) {}

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if constexpr (kIsTls<Stream>) {
        self->lowest().expires_after(kHandshakeTimeout);
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (!ec) self->do_read();
        });
      } else {
        self->do_read();
      }
    });
  }

  void close() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (!self->busy_) {
        beast::error_code ec;
        self->lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
        self->lowest().socket().close(ec);
      }
    });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void do_read() {
    if (closing_) return;
    parser_.emplace();
    parser_->body_limit(srv_.options.max_body_bytes);
    parser_->header_limit(64 * 1024);
    lowest().expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream) return shutdown();
    if (ec == http::error::body_limit) {
      Response r = error_response(413, core::code::kTooLarge,
                                  "request body exceeds " + std::to_string(srv_.options.max_body_bytes) +
                                      " bytes");
      return write(make_response(r, 11, false, false), false);
    }
    if (ec == http::error::header_limit || ec == http::error::bad_target ||
        ec == http::error::bad_method || ec == http::error::bad_version) {
      Response r = error_response(400, core::code::kInvalidArgument, "malformed HTTP request: " + ec.message());
      return write(make_response(r, 11, false, false), false);
    }
    if (ec) return;
    auto req = parser_->release();
    if (websocket::is_upgrade(req)) {
      std::string target(req.target());
      if (target.substr(0, target.find('?')) == "/v1/mesh") {
        Request head = to_request(req, /*with_body=*/false);
        auto tenant = srv_.router.resolve_tenant(head, /*websocket=*/true);
        if (!tenant) {
          Response r = error_response(tenant.error());
          return write(make_response(r, req.version(), false, false), false);
        }
        lowest().expires_never();
        auto ws = std::make_shared<WsSession<Stream>>(std::move(stream_), srv_, tls_);
        srv_.track(ws);
        ws->run(std::move(req), std::move(*tenant));
        return;
      }
    }
    busy_ = true;
    auto start = std::chrono::steady_clock::now();
    Request r = to_request(req, /*with_body=*/true);
    // The handler runs on this connection's strand, so nothing reads the
    // socket meanwhile: a peek that sees end-of-stream means the client left.
    r.client_gone = [fd = lowest().socket().native_handle()] {
      char c;
      ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
      return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
    };
    std::string route;
    Response resp;
    try {
      if (auto tenant = srv_.router.resolve_tenant(r, /*websocket=*/false); !tenant) {
        resp = error_response(tenant.error());
        route = "tenant";
      } else {
        r.tenant = std::move(*tenant);
        resp = srv_.router.dispatch(r, route);
        if (resp.status == 404 && route == "not_found" && (r.method == "GET" || r.method == "HEAD"))
          resp = srv_.serve_static(r), route = "static";
      }
    } catch (const std::exception& e) {
      // A handler's bug must not take the daemon down with it.
      resp = error_response(500, core::code::kInternal, std::string("internal error: ") + e.what());
    }
    srv_.metrics.record(route, resp.status, std::chrono::steady_clock::now() - start);
    bool keep_alive = req.keep_alive() && !closing_;
    write(make_response(resp, req.version(), keep_alive, r.method == "HEAD"), keep_alive);
  }

  static Request to_request(http::request<http::string_body>& req, bool with_body) {
    Request r;
    r.method = std::string(req.method_string());
    std::string target(req.target());
    auto q = target.find('?');
    r.path = url_decode(target.substr(0, q), false);
    if (q != std::string::npos) {
      std::string_view qs(target);
      qs.remove_prefix(q + 1);
      while (!qs.empty()) {
        auto amp = qs.find('&');
        std::string_view kv = qs.substr(0, amp);
        auto eq = kv.find('=');
        std::string k = url_decode(kv.substr(0, eq), true);
        std::string v = eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1), true);
        if (!k.empty()) r.query[k] = v;
        if (amp == std::string_view::npos) break;
        qs.remove_prefix(amp + 1);
      }
    }
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
    }
    if (with_body) r.body = std::move(req.body());
    return r;
  }

  static http::response<http::string_body> make_response(Response& r, unsigned version, bool keep_alive,
                                                          bool head) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "genesisd");
    if constexpr (kIsTls<Stream>) res.set(http::field::strict_transport_security, kHsts);
    if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    if (head) {
      res.content_length(r.body.size());
    } else {
      res.body() = std::move(r.body);
      res.prepare_payload();
    }
    return res;
  }

  void write(http::response<http::string_body> res, bool keep_alive) {
    auto sp = std::make_shared<http::response<http::string_body>>(std::move(res));
    http::async_write(stream_, *sp, [self = shared_from_this(), sp, keep_alive](beast::error_code ec, size_t) {
      self->busy_ = false;
      if (ec) return;
      if (!keep_alive || self->closing_) return self->shutdown();
      self->do_read();
    });
  }

  void shutdown() {
    if constexpr (kIsTls<Stream>) {
      // close_notify, then the socket; bounded so a silent peer cannot hold it.
      lowest().expires_after(kHandshakeTimeout);
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
        beast::error_code ec;
        self->lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  Server::Impl& srv_;
  std::shared_ptr<ssl::context> tls_;  // TLS only: the context accepted with
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool busy_ = false;
  bool closing_ = false;
};

// ---------------------------------------------------------------------------

void Server::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      if (auto tls_now = current_tls()) {
        auto s = std::make_shared<HttpSession<TlsStream>>(std::move(socket), *this, std::move(tls_now));
        track(s);
        s->run();
      } else {
        auto s = std::make_shared<HttpSession<beast::tcp_stream>>(std::move(socket), *this);
        track(s);
        s->run();
      }
    }
    do_accept();
  });
}

Response Server::Impl::serve_static(const Request& req) {
  namespace fs = std::filesystem;
  if (options.web_dir.empty() || req.path.rfind("/v1/", 0) == 0)
    return error_response(404, core::code::kNotFound, "no route for " + req.method + " " + req.path);
  std::string rel = req.path;
  if (rel.find("..") != std::string::npos || rel.find('\0') != std::string::npos)
    return error_response(400, core::code::kInvalidArgument, "bad path");
  fs::path root(options.web_dir);
  fs::path file = root / rel.substr(1);
  std::error_code ec;
  if (rel == "/" || fs::is_directory(file, ec)) file = root / "index.html";
  Response r;
  if (!fs::is_regular_file(file, ec)) {
    // Client-side routes (/inspect/{id}) are served the shell; missing assets are 404.
    if (fs::path(rel).has_extension())
      return error_response(404, core::code::kNotFound, "no file " + req.path);
    file = root / "index.html";
  }
  if (!read_file(file, r.body))
    return error_response(404, core::code::kNotFound, "no file " + req.path);
  r.content_type = mime_type(file.string());
  // On every file of the shell: a worker's policy is the one its script came with.
  r.headers.emplace_back("Content-Security-Policy", shell_csp(root / "index.html"));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  std::string name = file.filename().string();
  if (name == "index.html" || name == "genesis-sw.js") {
    r.headers.emplace_back("Cache-Control", "no-cache");
    if (name == "genesis-sw.js") r.headers.emplace_back("Service-Worker-Allowed", "/");
  } else if (file.parent_path().filename() == "assets") {
    r.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  }
  return r;
}

std::string Server::Impl::shell_csp(const std::filesystem::path& index) {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(index, ec);
  std::lock_guard lock(csp_mu);
  if (csp.empty() || ec || mtime != csp_mtime) {
    std::string html;
    read_file(index, html);  // no index.html: a policy that allows no inline script
    csp = shell_content_security_policy(html);
    csp_mtime = ec ? std::filesystem::file_time_type{} : mtime;
  }
  return csp;
}

Server::Server(ServerOptions options, Router& router, Metrics& metrics, mesh::EventBus& bus)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics, bus)) {}

Server::~Server() = default;

core::Status Server::reload_tls() {
  const auto& o = impl_->options;
  if (o.tls_cert.empty()) return {};
  auto ctx = load_tls_context(o.tls_cert, o.tls_key);
  if (!ctx) return ctx.error();
  std::lock_guard lock(impl_->tls_mu);
  impl_->tls = std::move(*ctx);
  return {};
}

core::Result<uint16_t> Server::start() {
  const std::string& listen = impl_->options.listen;
  if (impl_->options.tls_cert.empty() != impl_->options.tls_key.empty())
    return core::make_error(core::code::kInvalidArgument, "TLS needs both a certificate and a key", "tls");
  if (auto s = reload_tls(); !s) return s.error();
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return core::make_error(core::code::kInvalidArgument, "listen address must be host:port", "--listen");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  beast::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec) return core::make_error(core::code::kInvalidArgument, "bad listen host '" + host + "'", "--listen");
  int port;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535)
    return core::make_error(core::code::kInvalidArgument, "bad listen port", "--listen");
  tcp::endpoint ep(addr, static_cast<uint16_t>(port));
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return core::make_error(core::code::kUnavailable, "cannot listen on " + listen + ": " + ec.message());
  impl_->do_accept();
  return acc.local_endpoint().port();
}

void Server::run(bool handle_signals) {
  std::optional<net::signal_set> signals;
  std::function<void(beast::error_code, int)> on_signal;
  if (handle_signals) {
    signals.emplace(impl_->ioc, SIGINT, SIGTERM, SIGHUP);
    // SIGHUP reloads the certificate and key (connections already open keep
    // theirs); SIGINT and SIGTERM stop.
    on_signal = [this, &signals, &on_signal](beast::error_code ec, int sig) {
      if (ec) return;
      if (sig != SIGHUP) return stop();
      if (impl_->options.tls_cert.empty()) {
        std::fprintf(stderr, "genesisd: SIGHUP: TLS is off, nothing to reload\n");
      } else if (auto s = reload_tls(); !s) {
        std::fprintf(stderr, "genesisd: SIGHUP: keeping the current certificate: %s\n",
                     s.error().to_string().c_str());
      } else {
        std::fprintf(stderr, "genesisd: SIGHUP: reloaded the TLS certificate and key\n");
      }
      signals->async_wait(on_signal);
    };
    signals->async_wait(on_signal);
  }
  // Handlers block while their write's group commit reaches the disk, so the
  // default pool is larger than the core count: more writers waiting together
  // share one fsync.
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int n = impl_->options.threads > 0 ? impl_->options.threads : std::max(8, 4 * cores);
  std::vector<std::thread> workers;
  for (int i = 1; i < n; ++i) workers.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : workers) t.join();
}

void Server::stop() {
  net::post(impl_->ioc, [this] {
    if (impl_->stopping.exchange(true)) return;
    beast::error_code ec;
    impl_->acceptor.close(ec);
    std::vector<std::shared_ptr<Closable>> live;
    {
      std::lock_guard lock(impl_->sessions_mu);
      for (auto& w : impl_->sessions)
        if (auto s = w.lock()) live.push_back(std::move(s));
    }
    for (auto& s : live) s->close();
    // Stop once every connection has closed, or cut off what has not finished
    // within the grace period.
    impl_->stop_when_drained(std::make_shared<net::steady_timer>(impl_->ioc),
                             std::chrono::steady_clock::now() + std::chrono::seconds(5));
  });
}

}  // namespace genesis::server
