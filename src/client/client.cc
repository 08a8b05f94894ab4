#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <optional>

#include "client/client.h"

namespace genesis::client {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using core::make_error;
namespace code = core::code;

namespace {

void split_server(std::string server, std::string& host, std::string& port) {
  if (server.rfind("http://", 0) == 0) server = server.substr(7);
  if (server.rfind("ws://", 0) == 0) server = server.substr(5);
  while (!server.empty() && server.back() == '/') server.pop_back();
  auto colon = server.rfind(':');
  host = colon == std::string::npos ? server : server.substr(0, colon);
  port = colon == std::string::npos ? "8000" : server.substr(colon + 1);
  if (host == "localhost") host = "127.0.0.1";
}

}  // namespace

std::string url_encode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

struct HttpClient::Impl {
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every request
  std::string host, port;
  std::chrono::milliseconds timeout;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  core::Status connect() {
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto results = resolver.resolve(host, port, ec);
    if (ec) return make_error(code::kUnavailable, "cannot resolve " + host + ": " + ec.message());
    stream.emplace(ioc);
    stream->expires_after(timeout);
    stream->connect(results, ec);
    if (ec) {
      stream.reset();
      return make_error(code::kUnavailable, "cannot connect to genesisd at " + host + ":" + port + ": " + ec.message());
    }
    stream->socket().set_option(tcp::no_delay(true), ec);
    return {};
  }

  core::Result<HttpResponse> once(const http::request<http::string_body>& req) {
    beast::error_code ec;
    stream->expires_after(timeout);
    http::write(*stream, req, ec);
    if (ec) return make_error(code::kUnavailable, "write: " + ec.message());
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    http::read(*stream, buffer, parser, ec);
    if (ec) return make_error(code::kUnavailable, "read: " + ec.message());
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) stream.reset();
    return out;
  }
};

HttpClient::HttpClient(std::string server, std::chrono::milliseconds timeout) : impl_(std::make_unique<Impl>()) {
  split_server(std::move(server), impl_->host, impl_->port);
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;

void HttpClient::set_header(std::string name, std::string value) {
  for (auto& [n, v] : impl_->headers)
    if (n == name) {
      v = std::move(value);
      return;
    }
  impl_->headers.emplace_back(std::move(name), std::move(value));
}

core::Result<HttpResponse> HttpClient::request(const std::string& method, const std::string& target,
                                               const std::string& body, const std::string& content_type) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, impl_->host);
  req.set(http::field::user_agent, "genesis-client");
  for (const auto& [name, value] : impl_->headers) req.set(name, value);
  req.keep_alive(true);
  if (!body.empty()) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();
  // A kept-alive connection the server has since closed fails on first use:
  // retry once on a fresh connection.
  bool reused = impl_->stream.has_value();
  if (!impl_->stream)
    if (auto s = impl_->connect(); !s) return s.error();
  auto r = impl_->once(req);
  if (!r && reused) {
    impl_->stream.reset();
    impl_->buffer.clear();
    if (auto s = impl_->connect(); !s) return s.error();
    r = impl_->once(req);
  }
  if (!r) impl_->stream.reset();
  return r;
}

struct WsClient::Impl {
  net::io_context ioc;
  std::optional<websocket::stream<tcp::socket>> ws;
  beast::flat_buffer buffer;
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() { close(); }

core::Status WsClient::connect(const std::string& server, const std::string& target) {
  std::string host, port;
  split_server(server, host, port);
  beast::error_code ec;
  tcp::resolver resolver(impl_->ioc);
  auto results = resolver.resolve(host, port, ec);
  if (ec) return make_error(code::kUnavailable, "cannot resolve " + host + ": " + ec.message());
  impl_->ws.emplace(impl_->ioc);
  net::connect(impl_->ws->next_layer(), results, ec);
  if (ec) return make_error(code::kUnavailable, "cannot connect: " + ec.message());
  impl_->ws->handshake(host + ":" + port, target, ec);
  if (ec) return make_error(code::kUnavailable, "WebSocket handshake: " + ec.message());
  return {};
}

core::Status WsClient::send(const std::string& text) {
  if (!impl_->ws) return make_error(code::kUnavailable, "not connected");
  beast::error_code ec;
  impl_->ws->text(true);
  impl_->ws->write(net::buffer(text), ec);
  if (ec) return make_error(code::kUnavailable, "send: " + ec.message());
  return {};
}

core::Result<std::string> WsClient::read(std::chrono::milliseconds timeout) {
  if (!impl_->ws) return make_error(code::kUnavailable, "not connected");
  beast::error_code result = net::error::would_block;
  bool done = false;
  impl_->ws->async_read(impl_->buffer, [&](beast::error_code ec, size_t) { result = ec; done = true; });
  impl_->ioc.restart();
  impl_->ioc.run_for(timeout);
  if (!done) {
    // Cancel the pending read and let its handler run before returning.
    beast::error_code ignored;
    impl_->ws->next_layer().cancel(ignored);
    impl_->ioc.restart();
    impl_->ioc.run();
    impl_->ws.reset();
    return make_error(code::kUnavailable, "timed out waiting for a message");
  }
  if (result) return make_error(code::kUnavailable, "read: " + result.message());
  std::string text = beast::buffers_to_string(impl_->buffer.data());
  impl_->buffer.consume(impl_->buffer.size());
  return text;
}

void WsClient::close() {
  if (!impl_->ws) return;
  beast::error_code ec;
  impl_->ws->next_layer().shutdown(tcp::socket::shutdown_both, ec);
  impl_->ws->next_layer().close(ec);
  impl_->ws.reset();
}

}  // namespace genesis::client
