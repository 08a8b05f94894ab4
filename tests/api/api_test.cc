// The HTTP and WebSocket API, driven against a real genesisd.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "client/client.h"
#include "support/daemon.h"

namespace genesis {
namespace {

using client::HttpClient;
using core::Value;

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { daemon_ = new testing::Daemon(); }
  static void TearDownTestSuite() { delete daemon_; }

  HttpClient http_{daemon_->server()};

  Value ok(const std::string& method, const std::string& target, const std::string& body, int want_status) {
    auto r = http_.request(method, target, body);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->status, want_status) << method << " " << target << ": " << r->body;
    auto v = r->json();
    EXPECT_TRUE(v.ok()) << r->body;
    return v ? *v : Value();
  }

  std::string spawn(const std::string& label, const std::string& parent = "") {
    std::string body = R"({"label":")" + label + "\"" + (parent.empty() ? "" : R"(,"parent_id":")" + parent + "\"") + "}";
    return ok("POST", "/v1/agents", body, 201).find("id")->as_string();
  }

  // Error status and code for a request that must be refused.
  void refused(const std::string& method, const std::string& target, const std::string& body, int status,
               const std::string& code, const std::string& message_part = "") {
    auto r = http_.request(method, target, body);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, status) << method << " " << target << " " << body << ": " << r->body;
    auto v = r->json();
    ASSERT_TRUE(v.ok()) << r->body;
    const Value* err = v->find("error");
    ASSERT_TRUE(err) << r->body;
    EXPECT_EQ(err->find("code")->as_string(), code) << r->body;
    if (!message_part.empty()) {
      EXPECT_NE(err->find("message")->as_string().find(message_part), std::string::npos) << r->body;
    }
  }

  static testing::Daemon* daemon_;
};

testing::Daemon* ApiTest::daemon_ = nullptr;

TEST_F(ApiTest, HealthAndMetrics) {
  EXPECT_EQ(ok("GET", "/healthz", "", 200).find("status")->as_string(), "ok");
  spawn("metered");
  auto m = http_.get("/metrics");
  ASSERT_TRUE(m.ok());
  EXPECT_NE(m->body.find("genesis_http_requests_total{route=\"/v1/agents\",status=\"201\"}"), std::string::npos);
  EXPECT_NE(m->body.find("genesis_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(m->body.find("genesis_agents "), std::string::npos);
  // Readiness: 503 with a reason while the detection content loads, then 200.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = http_.get("/readyz");
    ASSERT_TRUE(r.ok());
    status = r->status;
    if (status == 200) {
      EXPECT_EQ(r->json()->find("status")->as_string(), "ready");
      break;
    }
    ASSERT_EQ(status, 503) << r->body;
    EXPECT_FALSE(r->json()->find("reason")->as_string().empty()) << r->body;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 200);
}

TEST_F(ApiTest, SpawnGetPatchMoveDelete) {
  std::string root = spawn("api_root");
  std::string child = spawn("child", root);
  Value a = ok("GET", "/v1/agents/" + child, "", 200);
  EXPECT_EQ(a.find("path")->as_string(), "api_root.child");
  EXPECT_EQ(a.find("emotion")->find("pleasure")->as_double(), 0.5);
  Value p = ok("PATCH", "/v1/agents/" + child,
               R"({"mem_state":{"task":"index"},"goals":[{"id":"g1","weight":0.7,"ttl":30}]})", 200);
  EXPECT_EQ(p.find("mem_state")->find("task")->as_string(), "index");
  std::string other = spawn("api_other");
  Value m = ok("POST", "/v1/agents/" + child + "/move", R"({"new_parent":")" + other + "\"}", 200);
  EXPECT_EQ(m.find("path")->as_string(), "api_other.child");
  Value list = ok("GET", "/v1/agents?subtree=" + other, "", 200);
  EXPECT_EQ(list.find("agents")->as_array().size(), 2u);
  ok("DELETE", "/v1/agents/" + other + "?subtree=true", "", 200);
  refused("GET", "/v1/agents/" + child, "", 404, "not_found");
  Value deleted = ok("GET", "/v1/agents/" + child + "?include_deleted=true", "", 200);
  EXPECT_FALSE(deleted.find("deleted_at")->is_null());
}

TEST_F(ApiTest, BadInputGetsTheRightStatusAndChangesNothing) {
  std::string a = spawn("bad_input");
  std::string before = core::to_json(ok("GET", "/v1/agents/" + a, "", 200));
  refused("POST", "/v1/agents", "{\"label\":", 400, "invalid_argument", "malformed JSON");
  refused("POST", "/v1/agents", R"({"label":5})", 400, "invalid_argument", "label");
  refused("POST", "/v1/agents", R"({"label":"x","colour":"red"})", 400, "invalid_argument", "unknown field");
  refused("POST", "/v1/agents", R"({"label":"x","parent_id":"6a1c1f3e-6c55-4a8e-9d7e-000000000000"})", 404,
          "not_found");
  refused("PATCH", "/v1/agents/" + a, R"({"mem_state":{"k":")" + std::string(130 * 1024, 'x') + "\"}}", 413,
          "too_large");
  refused("PATCH", "/v1/agents/" + a, R"({"label":"renamed"})", 400, "invalid_argument", "label");
  refused("PATCH", "/v1/agents/" + a, R"({"emotion":{"pleasure":"high"}})", 400, "invalid_argument",
          "emotion.pleasure");
  refused("POST", "/v1/agents/" + a + "/move", R"({"new_parent":")" + a + "\"}", 409, "conflict", "itself");
  refused("POST", "/v1/agents/" + a + "/events", R"({"type":"dream"})", 400, "invalid_argument", "dream");
  refused("GET", "/v1/agents?limit=0", "", 400, "invalid_argument", "limit");
  refused("GET", "/v1/agents?colour=red", "", 400, "invalid_argument", "colour");
  refused("PUT", "/v1/agents", "{}", 405, "method_not_allowed");
  refused("GET", "/v1/nothing", "", 404, "not_found");
  EXPECT_EQ(core::to_json(ok("GET", "/v1/agents/" + a, "", 200)), before);
}

// A body over the limit is refused from its Content-Length, before it is read.
TEST_F(ApiTest, OversizeBodyIsRefused) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(daemon_->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string req = "POST /v1/agents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 17000000\r\n\r\n{";
  ASSERT_EQ(write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) resp.append(buf, n);
  close(fd);
  EXPECT_EQ(resp.rfind("HTTP/1.1 413", 0), 0u) << resp;
  EXPECT_NE(resp.find("too_large"), std::string::npos) << resp;
}

TEST_F(ApiTest, BatchSpawnIsAtomic) {
  refused("POST", "/v1/agents", R"([{"label":"b1"},{"label":"b 2"}])", 400, "invalid_argument", "[1].label");
  Value none = ok("GET", "/v1/agents?label=b1", "", 200);
  EXPECT_TRUE(none.find("agents")->as_array().empty());
  Value two = ok("POST", "/v1/agents", R"([{"label":"b1"},{"label":"b2"}])", 201);
  EXPECT_EQ(two.find("agents")->as_array().size(), 2u);
}

TEST_F(ApiTest, CognitionEventsOneOrNdjson) {
  std::string a = spawn("thinker");
  ok("POST", "/v1/agents/" + a + "/events", R"({"type":"perceive","payload":{"saw":"log"},"ts":"2026-01-01T00:00:00Z"})", 201);
  auto r = http_.request("POST", "/v1/agents/" + a + "/events",
                         "{\"type\":\"plan\",\"payload\":{\"n\":1},\"ts\":1767225601000}\n"
                         "{\"type\":\"act\",\"payload\":{\"n\":2},\"ts\":1767225602000}\n",
                         "application/x-ndjson");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201) << r->body;
  // A bad line refuses the whole batch, naming the line.
  refused("POST", "/v1/agents/" + a + "/events", "", 400, "invalid_argument");
  auto bad = http_.request("POST", "/v1/agents/" + a + "/events",
                           "{\"type\":\"plan\"}\n{\"type\":\"nap\"}\n", "application/x-ndjson");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("line 2"), std::string::npos) << bad->body;
  Value list = ok("GET", "/v1/agents/" + a + "/events?since=2026-01-01T00:00:01Z", "", 200);
  const auto& events = list.find("events")->as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].find("type")->as_string(), "act");
  EXPECT_EQ(events[1].find("type")->as_string(), "plan");
}

TEST_F(ApiTest, MeshStreamsEveryChangeWithSequenceNumbers) {
  client::WsClient ws;
  ASSERT_TRUE(ws.connect(daemon_->server()).ok());
  auto welcome = ws.read();
  ASSERT_TRUE(welcome.ok()) << welcome.error().to_string();
  auto w = core::parse_json(*welcome);
  EXPECT_EQ(w->find("type")->as_string(), "welcome");
  int64_t seq = w->find("seq")->as_int();

  std::string a = spawn("streamed");
  std::string b = spawn("streamed_child", a);
  ok("PATCH", "/v1/agents/" + b, R"({"mem_state":{"x":1}})", 200);
  std::string c = spawn("streamed_other");
  ok("POST", "/v1/agents/" + b + "/move", R"({"new_parent":")" + c + "\"}", 200);
  ok("POST", "/v1/agents/" + b + "/events", R"({"type":"reflect"})", 201);
  ok("DELETE", "/v1/agents/" + b, "", 200);

  std::vector<std::string> types;
  for (int i = 0; i < 7; ++i) {
    auto msg = ws.read();
    ASSERT_TRUE(msg.ok()) << msg.error().to_string();
    auto v = core::parse_json(*msg);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->find("seq")->as_int(), ++seq) << "a gap in the stream";
    types.push_back(v->find("type")->as_string());
    if (types.back() == "agent.move") {
      EXPECT_EQ(v->find("data")->find("path")->as_string(), "streamed_other.streamed_child");
    }
  }
  EXPECT_EQ(types, (std::vector<std::string>{"agent.spawn", "agent.spawn", "agent.update", "agent.spawn", "agent.move",
                                             "cognition", "agent.delete"}));

  // A peer can announce itself, and bad messages get an error, not a disconnect.
  ASSERT_TRUE(ws.send(R"({"type":"hello","id":1,"agent_id":")" + a + "\"}").ok());
  auto hello = core::parse_json(*ws.read());
  EXPECT_EQ(hello->find("type")->as_string(), "hello.ok");
  ASSERT_TRUE(ws.send("not json").ok());
  auto err = core::parse_json(*ws.read());
  EXPECT_EQ(err->find("type")->as_string(), "error");
  ASSERT_TRUE(ws.send(R"({"type":"ping"})").ok());
  EXPECT_EQ(core::parse_json(*ws.read())->find("type")->as_string(), "ping.ok");
}

TEST_F(ApiTest, CapabilityTokensAreSigned) {
  Value t = ok("POST", "/auth/capability", R"({"agent_label":"tab-1"})", 201);
  std::string token = t.find("token")->as_string();
  EXPECT_NE(token.find('.'), std::string::npos);
  EXPECT_EQ(t.find("tenant_id")->as_string(), "default");
  refused("POST", "/auth/capability", R"({"agent_label":"no spaces"})", 400, "invalid_argument");
}

// A tab boots with one request: its agent is spawned and the token names it.
TEST_F(ApiTest, CapabilityWithSpawnCreatesTheAgentTheTokenNames) {
  Value t = ok("POST", "/auth/capability",
               R"({"agent_label":"tab","spawn":{"label":"tab","mem_state":{"kind":"tab"},"goals":[]}})", 201);
  const Value* agent = t.find("agent");
  ASSERT_NE(agent, nullptr);
  std::string id = agent->find("id")->as_string();
  EXPECT_EQ(t.find("subject")->as_string(), id);
  EXPECT_EQ(agent->find("label")->as_string(), "tab");
  Value stored = ok("GET", "/v1/agents/" + id, "", 200);
  EXPECT_EQ(core::to_json(*stored.find("mem_state")), R"({"kind":"tab"})");
  // A bad agent is refused by field and nothing is spawned.
  Value before = ok("GET", "/v1/agents?limit=1000", "", 200);
  refused("POST", "/auth/capability", R"({"spawn":{"label":"tab bad"}})", 400, "invalid_argument");
  auto r = http_.request("POST", "/auth/capability", R"({"spawn":{"label":"ok","goals":[{"id":1}]}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("spawn.goals"), std::string::npos) << r->body;
  refused("POST", "/auth/capability", R"({"spawn":[]})", 400, "invalid_argument");
  refused("POST", "/auth/capability", R"({"spawn":{"label":"x","parent_id":"00000000-0000-4000-8000-000000000000"}})",
          404, "not_found");
  Value after = ok("GET", "/v1/agents?limit=1000", "", 200);
  EXPECT_EQ(core::to_json(after), core::to_json(before));
}

// The tree invariant holds after every call: a parent with live children is
// not deleted alone.
TEST_F(ApiTest, DeletingAParentWithLiveChildrenIsRefused) {
  std::string root = spawn("del_root");
  std::string child = spawn("kid", root);
  refused("DELETE", "/v1/agents/" + root, "", 409, "conflict", "subtree=true");
  ok("GET", "/v1/agents/" + root, "", 200);
  ok("GET", "/v1/agents/" + child, "", 200);
  ok("DELETE", "/v1/agents/" + child, "", 200);
  ok("DELETE", "/v1/agents/" + root, "", 200);
}

// Time fields are RFC 3339, strictly: February 30th is refused, not March 2nd.
TEST_F(ApiTest, EventTimesAreValidatedStrictly) {
  std::string a = spawn("clock");
  refused("POST", "/v1/agents/" + a + "/events", R"({"type":"plan","payload":{},"ts":"2026-02-30T00:00:00Z"})", 400,
          "invalid_argument");
  refused("POST", "/v1/agents/" + a + "/events", R"({"type":"plan","payload":{},"ts":"2026-01-01T25:00:00Z"})", 400,
          "invalid_argument");
  refused("GET", "/v1/agents/" + a + "/events?since=2026-04-31T00:00:00Z", "", 400, "invalid_argument");
  refused("GET", "/v1/detections?until=2026-13-01T00:00:00Z", "", 400, "invalid_argument");
  Value e = ok("POST", "/v1/agents/" + a + "/events", R"({"type":"plan","payload":{},"ts":"2024-02-29T12:00:00+02:00"})",
               201);
  EXPECT_EQ(core::to_json(e).find("2024-02-29T10:00:00.000Z") != std::string::npos, true) << core::to_json(e);
}

// Two tenants on one genesisd never see each other's agents, events,
// detections, policies, emotions or mesh messages.
TEST_F(ApiTest, TenantsNeverSeeEachOther) {
  refused("POST", "/v1/tenants", R"({"id":"no spaces"})", 400, "invalid_argument");
  Value t = ok("POST", "/v1/tenants", R"({"id":"tenant_b","name":"Team B"})", 201);
  EXPECT_EQ(t.find("name")->as_string(), "Team B");
  refused("POST", "/v1/tenants", R"({"id":"tenant_b"})", 409, "conflict");
  HttpClient b(daemon_->server());
  b.set_header("X-Genesis-Tenant", "tenant_b");
  HttpClient stranger(daemon_->server());
  stranger.set_header("X-Genesis-Tenant", "nobody");
  auto r = stranger.get("/v1/agents");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(r->body.find("unknown tenant"), std::string::npos) << r->body;

  // Tenant B listens on the mesh (a browser names its tenant in the query).
  client::WsClient ws_b;
  ASSERT_TRUE(ws_b.connect(daemon_->server(), "/v1/mesh?tenant=tenant_b").ok());
  auto welcome = core::parse_json(*ws_b.read());
  EXPECT_EQ(welcome->find("seq")->as_int(), 0);
  client::WsClient ws_none;
  EXPECT_FALSE(ws_none.connect(daemon_->server(), "/v1/mesh?tenant=nobody").ok());

  std::string mine = spawn("a_agent");
  auto rb = b.request("POST", "/v1/agents", R"({"label":"b_agent"})");
  ASSERT_EQ(rb->status, 201) << rb->body;
  std::string theirs = rb->json()->find("id")->as_string();
  // Agents: neither sees nor touches the other's.
  refused("GET", "/v1/agents/" + theirs, "", 404, "not_found");
  EXPECT_EQ(b.get("/v1/agents/" + mine)->status, 404);
  Value listed = ok("GET", "/v1/agents?limit=1000", "", 200);
  EXPECT_EQ(core::to_json(listed).find(theirs), std::string::npos);
  auto b_list = b.get("/v1/agents?limit=1000")->json();
  ASSERT_EQ(b_list->find("agents")->as_array().size(), 1u);
  refused("POST", "/v1/agents/" + mine + "/move", R"({"new_parent":")" + theirs + "\"}", 404, "not_found");
  refused("DELETE", "/v1/agents/" + theirs + "?subtree=true", "", 404, "not_found");
  // Events and emotion.
  EXPECT_EQ(b.request("POST", "/v1/agents/" + theirs + "/events", R"({"type":"plan","payload":{"x":1}})")->status, 201);
  refused("GET", "/v1/agents/" + theirs + "/events", "", 404, "not_found");
  refused("POST", "/v1/agents/" + theirs + "/heartbeat",
          R"({"cpu_usage":0.1,"memory_usage":0.1,"error_rate":0,"task_count":1,"uptime_ms":1000,"success_rate":1})", 404,
          "not_found");
  refused("GET", "/v1/agents/" + theirs + "/emotion", "", 404, "not_found");
  // Detections.
  std::string attack = R"({"agent_id":")" + theirs +
                       R"(","telemetry":{"event":"process.start","process":{"executable":"C:\\Windows\\System32\\vssadmin.exe","command_line":"vssadmin delete shadows /all /quiet"}}})";
  auto det = b.request("POST", "/v1/telemetry", attack);
  ASSERT_EQ(det->status, 200) << det->body;
  EXPECT_GE(det->json()->find("detections")->as_array().size(), 1u) << det->body;
  Value my_dets = ok("GET", "/v1/detections?agent=" + theirs, "", 200);
  EXPECT_TRUE(my_dets.find("detections")->as_array().empty());
  EXPECT_GE(b.get("/v1/detections?agent=" + theirs)->json()->find("detections")->as_array().size(), 1u);
  refused("POST", "/v1/telemetry", attack, 404, "not_found");  // B's agent is unknown to A
  // Policies: each tenant has its own set (modules and data); the ATT&CK mapping
  // (the shipped package mitre) is the daemon's and only the default tenant changes it.
  auto put = b.request("PUT", "/v1/policies/tenant_b_only.rego",
                       "package b\nallow if input.user == data.users.admin\n", "text/plain");
  EXPECT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(b.request("PUT", "/v1/data/users", R"({"admin":"bo"})")->status, 204);
  auto b_decision = b.request("POST", "/v1/data/b/allow", R"({"input":{"user":"bo"}})");
  EXPECT_EQ(b_decision->body, R"({"result":true})");
  EXPECT_NE(b.get("/v1/policies")->body.find("tenant_b_only"), std::string::npos);
  Value my_policies = ok("GET", "/v1/policies", "", 200);
  EXPECT_EQ(core::to_json(my_policies).find("tenant_b_only"), std::string::npos);
  EXPECT_EQ(ok("POST", "/v1/data/b/allow", R"({"input":{"user":"bo"}})", 200), Value(core::Object{}));
  EXPECT_EQ(ok("GET", "/v1/data/users", "", 200), Value(core::Object{}));
  EXPECT_EQ(http_.request("DELETE", "/v1/policies/tenant_b_only.rego", "")->status, 404);
  auto mitre = b.request("PUT", "/v1/policies/mine.rego", "package mitre.extra\nx := 1\n", "text/plain");
  EXPECT_EQ(mitre->status, 403) << mitre->body;

  // B's mesh saw B's changes only, numbered from 1 without a gap.
  int64_t expect_seq = 1;
  bool saw_spawn = false;
  while (true) {
    auto msg = ws_b.read(std::chrono::milliseconds(500));
    if (!msg) break;
    auto v = core::parse_json(*msg);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->find("seq")->as_int(), expect_seq++) << *msg;
    EXPECT_EQ(msg->find(mine), std::string::npos) << *msg;
    if (v->find("type")->as_string() == "agent.spawn" && msg->find(theirs) != std::string::npos) saw_spawn = true;
  }
  EXPECT_TRUE(saw_spawn);
  EXPECT_GT(expect_seq, 3);
}

TEST(StaticShell, ServesFilesAndFallsBackToTheShell) {
  auto web = testing::make_temp_dir("web");
  std::ofstream(web / "index.html") << "<!doctype html><title>Genesis</title>";
  std::filesystem::create_directories(web / "assets");
  std::ofstream(web / "assets" / "app.js") << "console.log(1)";
  testing::Daemon d({}, {"--web", web.string()});
  HttpClient http(d.server());
  auto index = http.get("/");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->status, 200);
  EXPECT_NE(index->body.find("Genesis"), std::string::npos);
  auto js = http.get("/assets/app.js");
  EXPECT_EQ(js->headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_NE(js->headers["cache-control"].find("immutable"), std::string::npos);
  auto inspect = http.get("/inspect/6a1c1f3e-6c55-4a8e-9d7e-000000000000");
  EXPECT_EQ(inspect->status, 200);
  EXPECT_NE(inspect->body.find("Genesis"), std::string::npos);
  EXPECT_EQ(http.get("/missing.js")->status, 404);
  EXPECT_EQ(http.get("/../etc/passwd")->status, 400);
  std::filesystem::remove_all(web);
}

}  // namespace
}  // namespace genesis
