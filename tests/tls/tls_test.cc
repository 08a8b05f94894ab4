// HTTPS and WSS: genesisd with a throw-away self-signed certificate made by the
// test (openssl CLI), checked by a client that verifies it (Asio + OpenSSL):
// TLS 1.3 by default, 1.2 accepted, 1.1 refused, HSTS on every response,
// WebSocket over TLS, and SIGHUP swapping the certificate for new connections
// while open ones go on.
#include <gtest/gtest.h>

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "support/command.h"
#include "support/daemon.h"

namespace genesis {
namespace {

namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// A self-signed certificate for 127.0.0.1 named `cn`: DIR/cn.crt, DIR/cn.key.
void make_cert(const fs::path& dir, const std::string& cn) {
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                    "-subj /CN=" + cn + " -addext subjectAltName=IP:127.0.0.1 -keyout " +
                    (dir / (cn + ".key")).string() + " -out " + (dir / (cn + ".crt")).string() + " 2>&1";
  auto r = testing::run_command(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.out;
}

struct TlsClientOptions {
  int max_version = 0;  // 0: the library's highest
  int min_version = 0;
};

// One verified TLS connection to genesisd (trusting only `ca`).
class TlsConnection {
  static ssl::context make_context(const fs::path& ca, TlsClientOptions o) {
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(ca.string());
    ctx.set_verify_mode(ssl::verify_peer);
    SSL_CTX* native = ctx.native_handle();
    if (o.min_version || o.max_version) SSL_CTX_set_security_level(native, 0);  // let old versions be offered
    if (o.min_version) SSL_CTX_set_min_proto_version(native, o.min_version);
    if (o.max_version) SSL_CTX_set_max_proto_version(native, o.max_version);
    return ctx;
  }

 public:
  TlsConnection(int port, const fs::path& ca, TlsClientOptions o = {})
      : ctx_(make_context(ca, o)), stream_(ioc_, ctx_) {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(stream_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    stream_.handshake(ssl::stream_base::client, handshake_error_);
  }
  bool ok() const { return !handshake_error_; }
  std::string error() const { return handshake_error_.message(); }
  std::string protocol() { return SSL_get_version(stream_.native_handle()); }
  // The common name of the certificate the server presented.
  std::string peer_cn() {
    X509* cert = SSL_get1_peer_certificate(stream_.native_handle());
    if (!cert) return "";
    char buf[256] = {0};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
    X509_free(cert);
    return buf;
  }
  http::response<http::string_body> get(const std::string& target) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    return res;
  }
  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }

 private:
  net::io_context ioc_;
  ssl::context ctx_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  beast::error_code handshake_error_;
};

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("genesis-tls");
    make_cert(dir_, "genesis-a");
    make_cert(dir_, "genesis-b");
    fs::copy_file(dir_ / "genesis-a.crt", dir_ / "server.crt");
    fs::copy_file(dir_ / "genesis-a.key", dir_ / "server.key");
    daemon_ = std::make_unique<testing::Daemon>(
        dir_, std::vector<std::string>{"--tls-cert", (dir_ / "server.crt").string(), "--tls-key",
                                       (dir_ / "server.key").string()});
  }
  void TearDown() override {
    daemon_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Puts certificate `cn` in place of the served one and sends SIGHUP.
  void swap_to(const std::string& cn) {
    fs::copy_file(dir_ / (cn + ".crt"), dir_ / "server.crt", fs::copy_options::overwrite_existing);
    fs::copy_file(dir_ / (cn + ".key"), dir_ / "server.key", fs::copy_options::overwrite_existing);
    daemon_->signal(SIGHUP);
  }
  // Waits until new connections verify against `cn`'s certificate.
  bool serves(const std::string& cn) {
    for (int i = 0; i < 200; ++i) {
      TlsConnection c(daemon_->port(), dir_ / (cn + ".crt"));
      if (c.ok() && c.peer_cn() == cn) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

  fs::path dir_;
  std::unique_ptr<testing::Daemon> daemon_;
};

TEST_F(Tls, ServesHttpsWithTls13AndHsts) {
  TlsConnection c(daemon_->port(), dir_ / "genesis-a.crt");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c.protocol(), "TLSv1.3");
  EXPECT_EQ(c.peer_cn(), "genesis-a");
  auto res = c.get("/healthz");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), R"({"status":"ok"})");
  EXPECT_EQ(res[http::field::strict_transport_security], "max-age=31536000");
  // Errors carry it too, on the same kept-alive connection.
  auto missing = c.get("/v1/agents/00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_EQ(missing[http::field::strict_transport_security], "max-age=31536000");
}

TEST_F(Tls, AcceptsTls12AndRefusesTls11) {
  TlsConnection v12(daemon_->port(), dir_ / "genesis-a.crt", {.max_version = TLS1_2_VERSION});
  ASSERT_TRUE(v12.ok()) << v12.error();
  EXPECT_EQ(v12.protocol(), "TLSv1.2");
  EXPECT_EQ(v12.get("/healthz").result_int(), 200);
  TlsConnection v11(daemon_->port(), dir_ / "genesis-a.crt",
                    {.max_version = TLS1_1_VERSION, .min_version = TLS1_VERSION});
  EXPECT_FALSE(v11.ok()) << "a TLS 1.1 handshake succeeded";
}

TEST_F(Tls, RefusesPlainHttp) {
  auto r = testing::run_command("curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://" +
                                daemon_->server() + "/healthz");
  EXPECT_NE(r.out, "200");
}

TEST_F(Tls, WebSocketOverTls) {
  TlsConnection c(daemon_->port(), dir_ / "genesis-a.crt");
  ASSERT_TRUE(c.ok()) << c.error();
  websocket::stream<beast::ssl_stream<beast::tcp_stream>&> ws(c.stream());
  beast::get_lowest_layer(c.stream()).expires_never();
  ws.handshake("127.0.0.1", "/v1/mesh");
  beast::flat_buffer buf;
  ws.read(buf);
  std::string welcome = beast::buffers_to_string(buf.data());
  EXPECT_NE(welcome.find(R"("type":"welcome")"), std::string::npos) << welcome;
}

TEST_F(Tls, SighupReloadsTheCertificateWithoutDroppingConnections) {
  // Open before the reload: an HTTPS keep-alive connection and a WSS peer.
  TlsConnection https(daemon_->port(), dir_ / "genesis-a.crt");
  ASSERT_TRUE(https.ok()) << https.error();
  ASSERT_EQ(https.get("/healthz").result_int(), 200);
  TlsConnection wss_conn(daemon_->port(), dir_ / "genesis-a.crt");
  ASSERT_TRUE(wss_conn.ok());
  websocket::stream<beast::ssl_stream<beast::tcp_stream>&> ws(wss_conn.stream());
  beast::get_lowest_layer(wss_conn.stream()).expires_never();
  ws.handshake("127.0.0.1", "/v1/mesh");
  beast::flat_buffer buf;
  ws.read(buf);
  buf.consume(buf.size());

  swap_to("genesis-b");
  ASSERT_TRUE(serves("genesis-b")) << "new connections do not get the reloaded certificate";
  // A client that trusts only the old certificate is refused now.
  TlsConnection old_trust(daemon_->port(), dir_ / "genesis-a.crt");
  EXPECT_FALSE(old_trust.ok());

  // Both connections opened before the reload still work.
  EXPECT_EQ(https.get("/healthz").result_int(), 200);
  ws.write(net::buffer(std::string(R"({"type":"ping","id":7})")));
  ws.read(buf);
  std::string pong = beast::buffers_to_string(buf.data());
  EXPECT_NE(pong.find(R"("type":"ping.ok")"), std::string::npos) << pong;
}

TEST_F(Tls, AFailedReloadKeepsTheCurrentCertificate) {
  std::ofstream(dir_ / "server.crt") << "not a certificate\n";
  daemon_->signal(SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  TlsConnection c(daemon_->port(), dir_ / "genesis-a.crt");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c.peer_cn(), "genesis-a");
  EXPECT_EQ(c.get("/healthz").result_int(), 200);
  // And a good reload after it works.
  swap_to("genesis-b");
  EXPECT_TRUE(serves("genesis-b"));
}

TEST(TlsStart, ABadCertificateStopsGenesisdWithOneLine) {
  auto dir = testing::make_temp_dir("genesis-tls-bad");
  std::ofstream(dir / "bad.crt") << "not a certificate\n";
  std::ofstream(dir / "bad.key") << "not a key\n";
  auto r = testing::run_command(std::string(GENESISD_PATH) + " --listen 127.0.0.1:0 --store sqlite:" +
                                (dir / "g.db").string() + " --tls-cert " + (dir / "bad.crt").string() +
                                " --tls-key " + (dir / "bad.key").string() + " 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("genesisd: listen: " + (dir / "bad.crt").string() +
                       ": invalid_argument: cannot load the certificate"),
            std::string::npos)
      << r.out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace genesis
