// Heartbeats through a real genesisd: HTTP, the mesh message, the CLI.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>

#include "client/client.h"
#include "core/value.h"
#include "support/command.h"
#include "support/daemon.h"

namespace genesis {
namespace {

using core::Value;

class HeartbeatApiTest : public ::testing::Test {
 protected:
  Value ok(const std::string& method, const std::string& target, const std::string& body,
           int want_status) {
    auto r = http_.request(method, target, body);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    if (!r.ok()) return Value();
    EXPECT_EQ(r->status, want_status) << method << " " << target << ": " << r->body;
    auto v = r->json();
    EXPECT_TRUE(v.ok()) << r->body;
    return v ? *v : Value();
  }
  std::string spawn(const std::string& body) {
    return ok("POST", "/v1/agents", body, 201).find("id")->as_string();
  }
  std::pair<int, std::string> cli(const std::string& args) {
    auto r = testing::run_command(std::string(GENESIS_CLI_PATH) + " --server " + daemon_.server() + " " +
                                  args + " 2>&1");
    return {r.exit_code, r.out};
  }

  testing::Daemon daemon_;
  client::HttpClient http_{daemon_.server()};
};

const char* kExhausted =
    R"({"cpu_usage":0.95,"memory_usage":0.95,"error_rate":0.6,"task_count":120,)"
    R"("success_rate":0.1,"uptime_ms":28800000})";
const char* kHealthy =
    R"({"cpu_usage":0.3,"memory_usage":0.3,"error_rate":0,"task_count":3,"success_rate":1})";

TEST_F(HeartbeatApiTest, HeartbeatUpdatesTheAgentAndStreamsAgentEmotion) {
  std::string a = spawn(R"({"label":"worker"})");
  client::WsClient ws;
  ASSERT_TRUE(ws.connect(daemon_.server()).ok());
  ASSERT_TRUE(ws.read().ok());  // welcome

  Value r = ok("POST", "/v1/agents/" + a + "/heartbeat", kHealthy, 200);
  EXPECT_EQ(r.find("agent_id")->as_string(), a);
  const Value* e = r.find("emotion");
  ASSERT_TRUE(e && e->is_object());
  EXPECT_TRUE(r.find("offload")->is_null());
  // The agent itself now carries that emotion.
  Value agent = ok("GET", "/v1/agents/" + a, "", 200);
  EXPECT_EQ(*agent.find("emotion"), *e);

  auto msg = ws.read();
  ASSERT_TRUE(msg.ok()) << msg.error().to_string();
  auto m = core::parse_json(*msg);
  EXPECT_EQ(m->find("type")->as_string(), "agent.emotion");
  EXPECT_EQ(m->find("data")->find("agent_id")->as_string(), a);
  EXPECT_EQ(*m->find("data")->find("emotion"), *e);

  // The mesh message, addressed by the peer's hello.
  ASSERT_TRUE(ws.send(R"({"type":"hello","id":1,"agent_id":")" + a + "\"}").ok());
  EXPECT_EQ(core::parse_json(*ws.read())->find("type")->as_string(), "hello.ok");
  ASSERT_TRUE(
      ws.send(std::string(R"({"type":"heartbeat","id":2,"telemetry":)") + kExhausted + "}").ok());
  bool got_ok = false, got_emotion = false;
  for (int i = 0; i < 2; ++i) {
    auto v = core::parse_json(*ws.read());
    ASSERT_TRUE(v.ok());
    const std::string& type = v->find("type")->as_string();
    if (type == "heartbeat.ok") {
      got_ok = true;
      EXPECT_EQ(v->find("data")->find("emotion")->find("fatigue")->as_double(), 1.0);
    } else if (type == "agent.emotion") {
      got_emotion = true;
    }
  }
  EXPECT_TRUE(got_ok && got_emotion);

  Value shown = ok("GET", "/v1/agents/" + a + "/emotion", "", 200);
  EXPECT_EQ(shown.find("history")->as_array().size(), 2u);
  EXPECT_TRUE(shown.find("should_offload")->as_bool());
  EXPECT_EQ(shown.find("emotion")->find("fatigue")->as_double(), 1.0);
}

TEST_F(HeartbeatApiTest, BadTelemetryIsRefusedNamingTheField) {
  std::string a = spawn(R"({"label":"worker"})");
  struct Case {
    const char* body;
    int status;
    const char* code;
    const char* part;
  } cases[] = {
      {R"({"cpu_usage":1.5})", 400, "invalid_argument", "cpu_usage must be a number in [0, 1]"},
      {R"({"task_count":-2})", 400, "invalid_argument", "task_count must be an integer >= 0"},
      {R"({"uptime_ms":"long"})", 400, "invalid_argument", "uptime_ms must be a number"},
      {R"({"cpu":0.5})", 400, "invalid_argument", "unknown telemetry field \"cpu\""},
      {R"(not json)", 400, "invalid_argument", ""},
  };
  for (const Case& c : cases) {
    auto r = http_.request("POST", "/v1/agents/" + a + "/heartbeat", c.body);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, c.status) << c.body << ": " << r->body;
    auto v = r->json();
    ASSERT_TRUE(v.ok()) << r->body;
    EXPECT_EQ(v->find("error")->find("code")->as_string(), c.code) << r->body;
    EXPECT_NE(v->find("error")->find("message")->as_string().find(c.part), std::string::npos)
        << r->body;
  }
  // Nothing changed.
  Value agent = ok("GET", "/v1/agents/" + a, "", 200);
  EXPECT_EQ(agent.find("emotion")->find("label")->as_string(), "NEUTRAL");
  EXPECT_EQ(agent.find("emotion")->find("fatigue")->as_double(), 0.0);

  auto r =
      http_.request("POST", "/v1/agents/00000000-0000-4000-8000-000000000000/heartbeat", kHealthy);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404) << r->body;
}

TEST_F(HeartbeatApiTest, AnExhaustedAgentOffloadsItsGoalsToAFreshSibling) {
  std::string root = spawn(R"({"label":"fleet"})");
  std::string tired = spawn(R"({"label":"tired","parent_id":")" + root +
                            R"(","goals":[{"id":"scan","weight":0.8,"ttl":60}]})");
  std::string peer = spawn(R"({"label":"peer","parent_id":")" + root +
                           R"(","emotion":{"pleasure":0.7,"arousal":0.5,"dominance":0.5,)"
                           R"("label":"NEUTRAL","fatigue":0.1}})");
  Value r = ok("POST", "/v1/agents/" + tired + "/heartbeat", kExhausted, 200);
  const Value* off = r.find("offload");
  ASSERT_TRUE(off && off->is_object()) << core::to_json(r);
  EXPECT_EQ(off->find("to")->as_string(), peer);
  EXPECT_TRUE(ok("GET", "/v1/agents/" + tired, "", 200).find("goals")->as_array().empty());
  auto goals = ok("GET", "/v1/agents/" + peer, "", 200).find("goals")->as_array();
  ASSERT_EQ(goals.size(), 1u);
  EXPECT_EQ(goals[0].find("id")->as_string(), "scan");
  auto mine = ok("GET", "/v1/agents/" + tired + "/events", "", 200).find("events")->as_array();
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].find("type")->as_string(), "reflect");
  auto theirs = ok("GET", "/v1/agents/" + peer + "/events", "", 200).find("events")->as_array();
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0].find("type")->as_string(), "plan");
}

TEST_F(HeartbeatApiTest, CliSendsHeartbeatsAndShowsEmotionWithHistory) {
  std::string a = spawn(R"({"label":"worker"})");
  auto [rc, out] = cli("agent heartbeat " + a + " '" + kHealthy + "'");
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = cli("agent emotion " + a);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("history (oldest first):"), std::string::npos) << out;
  EXPECT_NE(out.find("fatigue="), std::string::npos) << out;
  std::tie(rc, out) = cli("--json agent emotion " + a);
  ASSERT_EQ(rc, 0) << out;
  auto v = core::parse_json(out);
  ASSERT_TRUE(v.ok()) << out;
  EXPECT_EQ(v->find("history")->as_array().size(), 1u);
  std::tie(rc, out) = cli("agent heartbeat " + a + " '{\"error_rate\":7}'");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("error_rate"), std::string::npos) << out;
}

}  // namespace
}  // namespace genesis
