// OPA's REST Data API on a real genesisd: policies, data documents, decisions.
#include <gtest/gtest.h>

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
