// OPA's REST Data API on a real genesisd: policies, data documents, decisions.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "client/client.h"
#include "core/value.h"
#include "support/daemon.h"

namespace genesis {
namespace {

using client::HttpClient;

class PolicyRestTest : public ::testing::Test {
 protected:
  testing::Daemon daemon_;
  HttpClient http_{daemon_.server()};

  std::pair<int, std::string> call(const std::string& method, const std::string& target, const std::string& body = {},
                                   const std::string& type = "application/json") {
    auto r = http_.request(method, target, body, type);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    if (!r.ok()) return {0, ""};
    return {r->status, r->body};
  }
};

TEST_F(PolicyRestTest, PoliciesDataAndDecisions) {
  const std::string authz = "package authz\n\ndefault allow := false\n\nallow if input.user in data.admins\n";
  EXPECT_EQ(call("PUT", "/v1/policies/authz", authz, "text/plain").first, 200);
  EXPECT_EQ(call("PUT", "/v1/data/admins", R"(["ann"])").first, 204);

  auto r = call("POST", "/v1/data/authz/allow", R"({"input": {"user": "ann"}})");
  EXPECT_EQ(r.first, 200);
  EXPECT_EQ(r.second, R"({"result":true})");
  r = call("POST", "/v1/data/authz/allow", R"({"input": {"user": "bob"}})");
  EXPECT_EQ(r.second, R"({"result":false})");
  r = call("GET", "/v1/data/authz/missing");
  EXPECT_EQ(r.first, 200);
  EXPECT_EQ(r.second, "{}");

  // A broken module is refused with OPA-shaped errors; the running set is untouched.
  r = call("PUT", "/v1/policies/authz", "package authz\n\nallow if {\n", "text/plain");
  EXPECT_EQ(r.first, 400);
  auto v = core::parse_json(r.second);
  ASSERT_TRUE(v.ok()) << r.second;
  EXPECT_EQ(v->find("code")->as_string(), "invalid_parameter");
  EXPECT_EQ(v->find("errors")->as_array()[0].find("code")->as_string(), "rego_parse_error");
  r = call("POST", "/v1/data/authz/allow", R"({"input": {"user": "ann"}})");
  EXPECT_EQ(r.second, R"({"result":true})");

  // Data documents: patch, read back, delete.
  EXPECT_EQ(call("PATCH", "/v1/data/admins2", R"([{"op": "add", "path": "/", "value": ["bob"]}])").first, 204);
  EXPECT_EQ(call("GET", "/v1/data/admins2").second, R"({"result":["bob"]})");
  EXPECT_EQ(call("DELETE", "/v1/data/admins2").first, 204);
  EXPECT_EQ(call("GET", "/v1/data/admins2").second, "{}");

  r = call("GET", "/v1/policies/authz");
  EXPECT_EQ(r.first, 200);
  EXPECT_NE(r.second.find("\"raw\""), std::string::npos);
  EXPECT_EQ(call("DELETE", "/v1/policies/authz").first, 200);
  EXPECT_EQ(call("GET", "/v1/policies/authz").first, 404);
  EXPECT_EQ(call("GET", "/v1/data/authz/allow").second, "{}");
}

}  // namespace
}  // namespace genesis

namespace genesis {
namespace {

// Policies and data are durable: a restarted genesisd serves the same decisions,
// and a PATCH that fails part-way changes nothing.
TEST(PolicyRestPersistence, PoliciesAndDataSurviveRestart) {
  auto dir = testing::make_temp_dir("gpolicy");
  {
    testing::Daemon d(dir);
    client::HttpClient http(d.server());
    auto put = http.request("PUT", "/v1/policies/authz",
                            "package authz\n\nallow if input.user in data.admins\n", "text/plain");
    ASSERT_EQ(put->status, 200) << put->body;
    ASSERT_EQ(http.request("PUT", "/v1/data/admins", R"(["ann"])")->status, 204);
    // The second op reaches into the array the first op wrote: the whole patch is refused.
    auto patch = http.request("PATCH", "/v1/data/admins",
                              R"([{"op":"replace","path":"/","value":["eve"]},{"op":"remove","path":"/nope/x"}])");
    EXPECT_EQ(patch->status, 409) << patch->body;
    EXPECT_EQ(http.request("GET", "/v1/data/admins")->body, R"({"result":["ann"]})");
    d.stop(SIGKILL);
  }
  testing::Daemon restarted(dir);
  client::HttpClient http(restarted.server());
  auto r = http.request("POST", "/v1/data/authz/allow", R"({"input":{"user":"ann"}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, R"({"result":true})");
  EXPECT_EQ(http.request("GET", "/v1/policies/authz")->status, 200);
  EXPECT_EQ(http.request("DELETE", "/v1/policies/authz")->status, 200);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace genesis

namespace genesis {
namespace {

// Hostile policies through the policy API (issue 15): each evaluation ends
// with OPA's eval_cancel_error, and genesisd stays up and answers /healthz
// promptly throughout.
std::string doubling_rules(int times) {
  std::string m = "s0 := \"ab\"\n";
  for (int i = 1; i <= times; ++i)
    m += "s" + std::to_string(i) + " := concat(\"\", [s" + std::to_string(i - 1) + ", s" + std::to_string(i - 1) + "])\n";
  return m;
}

class HealthWatch {  // asks /healthz every 50 ms on its own connection
 public:
  explicit HealthWatch(const std::string& server)
      : thread_([this, server] {
          client::HttpClient http(server, std::chrono::seconds(10));
          while (!stop_) {
            auto t0 = std::chrono::steady_clock::now();
            auto r = http.get("/healthz");
            auto took = std::chrono::steady_clock::now() - t0;
            std::lock_guard<std::mutex> lock(mu_);
            ++asked_;
            if (!r.ok() || r->status != 200) ++failed_;
            worst_ = std::max(worst_, took);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
        }) {}
  ~HealthWatch() { finish(); }
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int asked() { std::lock_guard<std::mutex> lock(mu_); return asked_; }
  int failed() { std::lock_guard<std::mutex> lock(mu_); return failed_; }
  std::chrono::steady_clock::duration worst() { std::lock_guard<std::mutex> lock(mu_); return worst_; }

 private:
  std::mutex mu_;
  std::atomic<bool> stop_{false};
  int asked_ = 0;
  int failed_ = 0;
  std::chrono::steady_clock::duration worst_{};
  std::thread thread_;
};

TEST(PolicyRestHostile, DaemonStaysUpAndHealthy) {
  testing::Daemon d;
  client::HttpClient http(d.server(), std::chrono::seconds(30));
  const std::string module = "package hostile\n" + doubling_rules(32) +
                             "big_concat := concat(\"\", [x | some i in numbers.range(1, 500); x := s20])\n"
                             "fmt := concat(\"\", [\"%s\" | some i in numbers.range(1, 500)])\n"
                             "big_sprintf := sprintf(fmt, [x | some i in numbers.range(1, 500); x := s20])\n"
                             "pairs := count({[i, j] | some i in numbers.range(1, 10000); some j in numbers.range(1, 10000)})\n";
  auto put = http.request("PUT", "/v1/policies/hostile", module, "text/plain");
  ASSERT_TRUE(put.ok());
  ASSERT_EQ(put->status, 200) << put->body;

  HealthWatch watch(d.server());
  for (const char* path : {"s32", "big_concat", "big_sprintf", "pairs"}) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = http.request("POST", std::string("/v1/data/hostile/") + path, "{}");
    auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_TRUE(r.ok()) << path << ": " << r.error().to_string();
    EXPECT_EQ(r->status, 500) << path;
    auto v = core::parse_json(r->body);
    ASSERT_TRUE(v.ok()) << r->body;
    ASSERT_TRUE(v->find("errors")) << r->body;
    EXPECT_EQ(v->find("errors")->as_array()[0].find("code")->as_string(), "eval_cancel_error") << r->body;
    // The daemon's limit is 5 s; it holds within a small fraction of itself.
    EXPECT_LT(took, std::chrono::milliseconds(6500)) << path;
  }
  watch.finish();
  EXPECT_GT(watch.asked(), 3);
  EXPECT_EQ(watch.failed(), 0);
  EXPECT_LT(watch.worst(), std::chrono::milliseconds(1000));
  // Still up, still deciding.
  auto ok = http.request("POST", "/v1/data/hostile/s3", "{}");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->body, R"({"result":"abababababababab"})");
}

// An evaluation whose client has gone is cancelled: the daemon does not work
// on for the rest of its 5 s limit. Seen in /metrics: the request's latency.
TEST(PolicyRestHostile, ClientGoneCancelsEvaluation) {
  testing::Daemon d;
  client::HttpClient http(d.server());
  auto put = http.request("PUT", "/v1/policies/slow",
                          // 100,000 sums of 100,000 numbers: far beyond the 5 s limit, allocating little.
                          "package slow\nr := numbers.range(1, 100000)\np if { some i in r; sum(r) < 0 }\n",
                          "text/plain");
  ASSERT_EQ(put->status, 200) << put->body;
  {
    // An impatient client: sends the request, waits 300 ms, hangs up.
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(d.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    std::string req = "POST /v1/data/slow/p HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    ASSERT_EQ(send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    close(fd);
  }
  // The request is recorded when its handler returns.
  std::string count_line = "genesis_http_request_duration_seconds_count{route=\"/v1/data/{path*}\"} 1";
  std::string metrics;
  for (int i = 0; i < 100 && metrics.find(count_line) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    metrics = http.get("/metrics")->body;
  }
  ASSERT_NE(metrics.find(count_line), std::string::npos) << metrics;
  std::string sum_key = "genesis_http_request_duration_seconds_sum{route=\"/v1/data/{path*}\"} ";
  auto at = metrics.find(sum_key);
  ASSERT_NE(at, std::string::npos);
  double seconds = std::stod(metrics.substr(at + sum_key.size()));
  EXPECT_LT(seconds, 2.0) << "evaluation ran on after its client left";
  // And the same evaluation, with a client that waits, runs to the limit.
  auto t0 = std::chrono::steady_clock::now();
  auto r = http.request("POST", "/v1/data/slow/p", "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->body.find("eval_cancel_error"), std::string::npos) << r->body;
  EXPECT_GT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

// PUT /v1/data takes JSON only, and what genesisd serves is always JSON.
TEST(PolicyRestJson, StrictInStrictOut) {
  testing::Daemon d;
  client::HttpClient http(d.server());
  for (const std::string bad : {std::string("\"\xff\""), std::string(R"("\ud800")"), std::string(R"({"a":1,"a":2})"),
                                std::string("1e999"), std::string("{\"x\": [1e999]}")}) {
    auto r = http.request("PUT", "/v1/data/doc", bad);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400) << bad;
    auto v = core::parse_json(r->body);
    ASSERT_TRUE(v.ok()) << r->body;
    EXPECT_EQ(v->find("code")->as_string(), "invalid_parameter");
    EXPECT_NE(v->find("message")->as_string().find("malformed JSON"), std::string::npos) << r->body;
    r = http.request("POST", "/v1/data/doc", "{\"input\": " + bad + "}");
    EXPECT_EQ(r->status, 400) << bad;
  }
  EXPECT_EQ(http.get("/v1/data/doc")->body, "{}");
  // Values a policy builds that JSON cannot carry as they are.
  auto put = http.request("PUT", "/v1/policies/odd",
                          "package odd\nraw := base64.decode(\"/w==\")\nhuge := 1e308 * 10\n", "text/plain");
  ASSERT_EQ(put->status, 200) << put->body;
  for (const char* path : {"/v1/data/odd/raw", "/v1/data/odd/huge", "/v1/data/odd"}) {
    auto r = http.get(path);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(core::parse_json(r->body).ok()) << path << ": " << r->body;
  }
  EXPECT_EQ(http.get("/v1/data/odd/raw")->body, R"({"result":"\ufffd"})");
}

}  // namespace
}  // namespace genesis
