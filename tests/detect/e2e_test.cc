// Defensive playbooks end to end: a real genesisd (HTTP + WebSocket), a real
// webhook receiver, the shipped policies, playbooks and catalogue, the CLI.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <mutex>
#include <thread>

#include "client/client.h"
#include "mesh/mesh.h"
#include "server/server.h"
#include "support/command.h"
#include "support/daemon.h"

namespace genesis {
namespace {

using client::HttpClient;
using core::Value;

// A SOC webhook: a real HTTP server that keeps every body POSTed to /alerts.
class Webhook {
 public:
  Webhook() {
    router_.add("POST", "/alerts", [this](server::Request& req) {
      std::lock_guard lock(mu_);
      bodies_.push_back(req.body);
      return server::Response::json(202, Value::object());
    });
    server::ServerOptions opts;
    opts.listen = "127.0.0.1:0";
    opts.threads = 1;
    srv_ = std::make_unique<server::Server>(opts, router_, metrics_, bus_);
    port_ = srv_->start().value();
    thread_ = std::thread([this] { srv_->run(false); });
  }
  ~Webhook() {
    srv_->stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/alerts"; }
  // Waits (up to 5 s) until at least n alerts arrived.
  std::vector<std::string> wait_for(size_t n) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mu_);
        if (bodies_.size() >= n) return bodies_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  server::Router router_;
  server::Metrics metrics_;
  mesh::EventBus bus_;
  std::unique_ptr<server::Server> srv_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

class PlaybookE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    webhook_ = new Webhook();
    // The Rego mapping and playbooks alone; SigmaE2E below runs Sigma rules beside them.
    daemon_ = new testing::Daemon({}, {"--alert-webhook", webhook_->url(), "--sigma-rules", "none"});
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete webhook_;
  }

  HttpClient http_{daemon_->server()};

  Value call(const std::string& method, const std::string& target, const std::string& body, int want,
             const std::string& content_type = "application/json") {
    auto r = http_.request(method, target, body, content_type);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    if (!r.ok()) return Value();
    EXPECT_EQ(r->status, want) << method << " " << target << ": " << r->body;
    auto v = r->json();
    return v.ok() ? *v : Value();
  }

  std::string spawn(const std::string& label) {
    return call("POST", "/v1/agents", R"({"label":")" + label + R"(","mem_state":{"role":"ingest"}})", 201)
        .find("id")
        ->as_string();
  }

  static std::string event(const std::string& agent, const std::string& telemetry) {
    return R"({"agent_id":")" + agent + R"(","telemetry":)" + telemetry + "}";
  }

  // The agents under `id` (not itself), deleted ones included.
  std::vector<Value> children(const std::string& id) {
    Value page = call("GET", "/v1/agents?subtree=" + id + "&include_deleted=true", "", 200);
    std::vector<Value> out;
    for (const Value& a : page.find("agents")->as_array()) {
      if (a.find("id")->as_string() != id) out.push_back(a);
    }
    return out;
  }

  std::vector<std::string> acts(const std::string& agent) {
    std::vector<std::string> out;
    Value page = call("GET", "/v1/agents/" + agent + "/events", "", 200);
    for (const Value& e : page.find("events")->as_array()) {
      if (e.find("type")->as_string() == "act") out.push_back(e.find("payload")->find("action")->as_string());
    }
    return out;
  }

  static Webhook* webhook_;
  static testing::Daemon* daemon_;
};

Webhook* PlaybookE2E::webhook_ = nullptr;
testing::Daemon* PlaybookE2E::daemon_ = nullptr;

TEST_F(PlaybookE2E, DnsExfiltrationIsolatesTheAgent) {
  std::string a = spawn("exfil_victim");
  client::WsClient ws;
  ASSERT_TRUE(ws.connect(daemon_->server()).ok());
  ASSERT_TRUE(ws.read().ok());  // welcome

  Value r = call("POST", "/v1/telemetry",
                 event(a, R"({"event":"dns","dns":{"question":{"name":"4a7f0102c3e5b9aa0d11f23e6c7b8d9e0f1a2b3c4d5e6f70819a.t.exfil-c2.example","type":"TXT"}}})"),
                 200);
  ASSERT_EQ(r.find("detections")->as_array().size(), 1u) << core::to_json(r);
  const Value& d = r.find("detections")->as_array()[0];
  EXPECT_EQ(d.find("technique")->as_string(), "T1071.004");
  EXPECT_EQ(d.find("tactic")->as_string(), "command-and-control");
  ASSERT_EQ(r.find("counter_agents")->as_array().size(), 1u);
  std::string ca = r.find("counter_agents")->as_array()[0].find("id")->as_string();

  // The network-isolator is A's child, urgent, with the seed's goals.
  auto kids = children(a);
  ASSERT_EQ(kids.size(), 1u);
  EXPECT_EQ(kids[0].find("id")->as_string(), ca);
  EXPECT_EQ(kids[0].find("label")->as_string(), "network-isolator-T1071_004");
  EXPECT_EQ(kids[0].find("policy")->as_string(), "deny:egress");
  EXPECT_EQ(kids[0].find("emotion")->find("label")->as_string(), "URGENT");
  EXPECT_EQ(core::to_json(*kids[0].find("goals")),
            R"([{"id":"block-dns","weight":1,"ttl":3600},{"id":"alert-soc","weight":0.8,"ttl":7200}])");
  // Its goals ran.
  EXPECT_EQ(acts(ca), (std::vector<std::string>{"alert-soc", "block-dns"}));  // newest first
  auto alerts = webhook_->wait_for(1);
  ASSERT_GE(alerts.size(), 1u);
  EXPECT_NE(alerts.back().find("T1071.004"), std::string::npos);

  // The mesh saw the detection and the counter-agent.
  bool saw_detection = false, saw_spawn = false;
  for (int i = 0; i < 20 && !(saw_detection && saw_spawn); ++i) {
    auto msg = ws.read(std::chrono::seconds(2));
    ASSERT_TRUE(msg.ok()) << msg.error().to_string();
    auto type = core::parse_json(*msg)->find("type")->as_string();
    saw_detection = saw_detection || type == "detection";
    saw_spawn = saw_spawn || type == "counter_agent.spawn";
  }
  EXPECT_TRUE(saw_detection);
  EXPECT_TRUE(saw_spawn);

  // A's next egress is denied: telemetry and mesh messages, visible as decisions.
  Value denied = call("POST", "/v1/telemetry",
                      event(a, R"({"event":"network.connection","destination":{"ip":"93.184.216.34","port":443}})"),
                      403);
  EXPECT_EQ(denied.find("error")->find("code")->as_string(), "forbidden");
  ASSERT_TRUE(ws.send(R"({"type":"hello","id":7,"agent_id":")" + a + "\"}").ok());
  for (int i = 0; i < 20; ++i) {
    auto v = core::parse_json(*ws.read(std::chrono::seconds(2)));
    if (v->find("type")->as_string() == "error") {
      EXPECT_EQ(v->find("error")->find("code")->as_string(), "forbidden");
      break;
    }
    ASSERT_NE(v->find("type")->as_string(), "hello.ok");
  }
  Value decisions = call("GET", "/v1/decisions?agent=" + a, "", 200);
  ASSERT_EQ(decisions.find("decisions")->as_array().size(), 2u);
  EXPECT_EQ(decisions.find("decisions")->as_array()[0].find("decision")->as_string(), "deny");

  Value listed = call("GET", "/v1/detections?agent=" + a + "&technique=T1071", "", 200);
  EXPECT_EQ(listed.find("detections")->as_array().size(), 1u);
  Value one = call("GET", "/v1/detections/" + d.find("id")->as_string(), "", 200);
  EXPECT_EQ(one.find("technique_name")->as_string(), "DNS");
  EXPECT_EQ(one.find("actions")->as_array().size(), 2u);
}

TEST_F(PlaybookE2E, ProcessInjectionEndsTheAgentAndKeepsEvidence) {
  std::string a = spawn("injected");
  Value r = call("POST", "/v1/telemetry",
                 event(a, R"({"event":"process.access","process":{"executable":"C:\\Users\\bob\\AppData\\Local\\Temp\\upd.exe","granted_access":"0x143A"},"target":{"executable":"C:\\Windows\\explorer.exe"}})"),
                 200);
  ASSERT_EQ(r.find("detections")->as_array().size(), 1u) << core::to_json(r);
  EXPECT_EQ(r.find("detections")->as_array()[0].find("technique")->as_string(), "T1055");
  ASSERT_EQ(r.find("counter_agents")->as_array().size(), 1u);
  std::string ca = r.find("counter_agents")->as_array()[0].find("id")->as_string();
  EXPECT_EQ(r.find("counter_agents")->as_array()[0].find("image")->as_string(), "process-monitor");
  // kill-process: A is soft-deleted; the counter-agent (its child) lives on.
  call("GET", "/v1/agents/" + a, "", 404);
  call("GET", "/v1/agents/" + ca, "", 200);
  // forensic-dump: evidence with A's memory.
  Value ev = call("GET", "/v1/evidence?agent=" + a, "", 200);
  ASSERT_EQ(ev.find("evidence")->as_array().size(), 1u);
  EXPECT_EQ(ev.find("evidence")->as_array()[0].find("snapshot")->find("mem_state")->find("role")->as_string(),
            "ingest");
  auto done = acts(ca);
  EXPECT_EQ(done.front(), "kill-process");
  EXPECT_EQ(done.back(), "policy:quarantine");

  // A's later telemetry is evidence: accepted, evaluated and recorded, answered by the
  // counter-agent already made — nothing is spawned or carried out again.
  Value again = call("POST", "/v1/telemetry",
                     event(a, R"({"event":"process.access","process":{"executable":"C:\\Users\\bob\\AppData\\Local\\Temp\\upd.exe","granted_access":"0x143A"},"target":{"executable":"C:\\Windows\\explorer.exe"}})"),
                     200);
  EXPECT_EQ(again.find("accepted")->as_int(), 1) << core::to_json(again);
  ASSERT_EQ(again.find("detections")->as_array().size(), 1u) << core::to_json(again);
  const Value& later = again.find("detections")->as_array()[0];
  EXPECT_EQ(later.find("technique")->as_string(), "T1055");
  EXPECT_EQ(later.find("agent_id")->as_string(), a);
  EXPECT_EQ(later.find("counter_agent_id")->as_string(), ca);
  EXPECT_TRUE(again.find("counter_agents")->as_array().empty()) << core::to_json(again);
  EXPECT_EQ(acts(ca), done);
  call("GET", "/v1/agents/" + a, "", 404);  // still ended
  Value listed = call("GET", "/v1/detections?agent=" + a, "", 200);
  EXPECT_EQ(listed.find("detections")->as_array().size(), 2u);
  Value stored = call("GET", "/v1/detections/" + later.find("id")->as_string(), "", 200);
  EXPECT_EQ(stored.find("counter_agent_id")->as_string(), ca);
  // A clean event of the ended agent is recorded as accepted and finds nothing.
  Value quiet = call("POST", "/v1/telemetry",
                     event(a, R"({"event":"process.start","process":{"executable":"C:\\Windows\\System32\\notepad.exe","command_line":"notepad.exe"}})"),
                     200);
  ASSERT_NE(quiet.find("accepted"), nullptr);
  EXPECT_EQ(quiet.find("accepted")->as_int(), 1);
  EXPECT_TRUE(quiet.find("detections")->as_array().empty());

  // An agent its user deleted is no evidence subject: its telemetry is still refused.
  std::string gone = spawn("retired");
  call("DELETE", "/v1/agents/" + gone, "", 200);
  auto refused = http_.request("POST", "/v1/telemetry",
                               event(gone, R"({"event":"process.start","process":{"executable":"C:\\x.exe","command_line":"x.exe"}})"),
                               "application/json");
  ASSERT_TRUE(refused.ok());
  EXPECT_GE(refused->status, 400) << refused->body;
  EXPECT_NE(refused->body.find("no live agent"), std::string::npos) << refused->body;
}

TEST_F(PlaybookE2E, EncodedPowerShellQuarantinesTheAgent) {
  std::string a = spawn("scripted");
  Value r = call(
      "POST", "/v1/telemetry",
      event(a, R"({"event":"process.start","process":{"executable":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","command_line":"powershell.exe -NoP -W Hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA","parent":{"executable":"C:\\Windows\\System32\\cmd.exe"}}})"),
      200);
  std::set<std::string> techniques;
  for (const Value& d : r.find("detections")->as_array()) techniques.insert(d.find("technique")->as_string());
  EXPECT_EQ(techniques, (std::set<std::string>{"T1027", "T1059.001"}));
  // quarantine: A can no longer spawn children or change state.
  Value refused = call("POST", "/v1/agents", R"({"label":"helper","parent_id":")" + a + "\"}", 403);
  EXPECT_EQ(refused.find("error")->find("code")->as_string(), "forbidden");
  call("PATCH", "/v1/agents/" + a, R"({"mem_state":{"x":1}})", 403);
  // Nor feel, nor speak on the mesh (heartbeat included), nor trade goals.
  const std::string beat =
      R"({"cpu_usage":0.9,"memory_usage":0.9,"error_rate":0.6,"task_count":40,"uptime_ms":90000000,"success_rate":0.4})";
  Value before = call("GET", "/v1/agents/" + a, "", 200);
  call("POST", "/v1/agents/" + a + "/heartbeat", beat, 403);
  client::WsClient ws;
  ASSERT_TRUE(ws.connect(daemon_->server()).ok());
  ASSERT_TRUE(ws.read().ok());  // welcome
  ASSERT_TRUE(ws.send(R"({"type":"heartbeat","id":3,"agent_id":")" + a + "\",\"telemetry\":" + beat + "}").ok());
  bool refused_on_mesh = false;
  for (int i = 0; i < 20 && !refused_on_mesh; ++i) {
    auto msg = ws.read(std::chrono::seconds(2));
    ASSERT_TRUE(msg.ok()) << msg.error().to_string();
    auto v = core::parse_json(*msg);
    ASSERT_NE(v->find("type")->as_string(), "heartbeat.ok") << *msg;
    if (v->find("type")->as_string() == "error") {
      EXPECT_EQ(v->find("error")->find("code")->as_string(), "forbidden") << *msg;
      refused_on_mesh = true;
    }
  }
  EXPECT_TRUE(refused_on_mesh);
  Value after = call("GET", "/v1/agents/" + a, "", 200);
  EXPECT_EQ(core::to_json(*after.find("emotion")), core::to_json(*before.find("emotion")));
  // Its telemetry still flows (PowerShell abuse does not cut egress).
  call("POST", "/v1/telemetry",
       event(a, R"({"event":"network.connection","destination":{"ip":"140.82.112.3","port":443}})"), 200);

  // The quarantined agent's telemetry is evaluated and recorded; the response is not
  // repeated: the new detections go to the counter-agents already live.
  std::map<std::string, std::string> first;  // technique -> counter-agent
  for (const Value& d : r.find("detections")->as_array())
    if (const Value* c = d.find("counter_agent_id"); c != nullptr && c->is_string())
      first[d.find("technique")->as_string()] = c->as_string();
  ASSERT_FALSE(first.empty()) << core::to_json(r);
  const size_t kids_before = children(a).size();
  Value again = call(
      "POST", "/v1/telemetry",
      event(a, R"({"event":"process.start","process":{"executable":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","command_line":"powershell.exe -NoP -W Hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA","parent":{"executable":"C:\\Windows\\System32\\cmd.exe"}}})"),
      200);
  EXPECT_TRUE(again.find("counter_agents")->as_array().empty()) << core::to_json(again);
  std::set<std::string> again_techniques;
  for (const Value& d : again.find("detections")->as_array()) {
    std::string t = d.find("technique")->as_string();
    again_techniques.insert(t);
    if (first.count(t)) {
      EXPECT_EQ(d.find("counter_agent_id")->as_string(), first[t]) << t;
    }
  }
  EXPECT_EQ(again_techniques, techniques);
  EXPECT_EQ(children(a).size(), kids_before);
}

TEST_F(PlaybookE2E, BenignTelemetryYieldsNothing) {
  std::string a = spawn("quiet");
  std::string body;
  for (const char* t :
       {R"({"event":"dns","dns":{"question":{"name":"www.example.com","type":"A"},"answers_count":1}})",
        R"({"event":"process.start","process":{"executable":"C:\\Windows\\System32\\schtasks.exe","command_line":"schtasks /query /fo LIST /v"}})",
        R"({"event":"process.start","process":{"executable":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","command_line":"powershell.exe -ExecutionPolicy Bypass -File C:\\ops\\backup.ps1"}})",
        R"({"event":"process.access","process":{"executable":"C:\\Program Files\\SysinternalsSuite\\procexp64.exe","granted_access":"0x1000"},"target":{"executable":"C:\\Windows\\System32\\lsass.exe"}})",
        R"({"event":"exec.powershell","command":"Get-Service | Where Status -eq Running"})"}) {
    body += event(a, t) + "\n";
  }
  Value r = call("POST", "/v1/telemetry", body, 200, "application/x-ndjson");
  EXPECT_EQ(r.find("accepted")->as_int(), 5);
  EXPECT_TRUE(r.find("detections")->as_array().empty()) << core::to_json(r);
  EXPECT_TRUE(children(a).empty());
  EXPECT_TRUE(call("GET", "/v1/detections?agent=" + a, "", 200).find("detections")->as_array().empty());
}

TEST_F(PlaybookE2E, BadTelemetryIsRefusedByField) {
  std::string a = spawn("sloppy");
  Value r = call("POST", "/v1/telemetry", event(a, R"({"event":"dns","dns":{"question":{}}})"), 400);
  EXPECT_EQ(r.find("error")->find("message")->as_string(),
            "telemetry.dns.question.name: is required for dns (a non-empty string)");
  std::string batch = event(a, R"({"event":"exec.powershell","command":"Get-Date"})") + "\n{oops\n";
  Value b = call("POST", "/v1/telemetry", batch, 200, "application/x-ndjson");
  EXPECT_EQ(b.find("accepted")->as_int(), 1);
  ASSERT_EQ(b.find("rejected")->as_array().size(), 1u);
  EXPECT_EQ(b.find("rejected")->as_array()[0].find("line")->as_int(), 2);
}

TEST_F(PlaybookE2E, CatalogueAndPlaybooksAreServed) {
  Value t = call("GET", "/v1/attack/techniques/T1071.004", "", 200);
  EXPECT_EQ(t.find("name")->as_string(), "DNS");
  EXPECT_EQ(t.find("parent")->as_string(), "T1071");
  EXPECT_EQ(t.find("tactics")->as_array()[0].find("id")->as_string(), "TA0011");
  EXPECT_EQ(t.find("attack_version")->as_string(), "18.1");
  call("GET", "/v1/attack/techniques/T9999", "", 404);
  Value p = call("GET", "/v1/playbooks/T1055", "", 200);
  EXPECT_EQ(p.find("image")->as_string(), "process-monitor");
  EXPECT_GE(call("GET", "/v1/playbooks", "", 200).find("playbooks")->as_array().size(), 28u);
  Value bad = call("PUT", "/v1/playbooks/T1490", R"({"image":"x","goals":[],"policy":"monitor","urgency":1})", 400);
  EXPECT_NE(bad.find("error")->find("message")->as_string().find("goals"), std::string::npos);
}

TEST_F(PlaybookE2E, BrokenPolicyIsRefusedAndTheRunningSetStays) {
  Value bad = call("PUT", "/v1/attack/policies/extra.rego", "package mitre\ndetections contains x if {", 400);
  EXPECT_EQ(bad.find("error")->find("code")->as_string(), "rego_parse_error");
  std::string a = spawn("after_bad_policy");
  Value r = call("POST", "/v1/telemetry",
                 event(a, R"({"event":"process.start","process":{"executable":"C:\\Windows\\System32\\vssadmin.exe","command_line":"vssadmin delete shadows /all /quiet"}})"),
                 200);
  ASSERT_EQ(r.find("detections")->as_array().size(), 1u);
  EXPECT_EQ(r.find("detections")->as_array()[0].find("technique")->as_string(), "T1490");
}

// The user's mapping modules: put through OPA's API or the ATT&CK one, they
// join the detector's set on top of the shipped library, survive a crash, and
// a broken or foreign one is refused with the running set unchanged.
TEST(MappingPolicies, UserModulesDetectPersistAndCanBeRemoved) {
  testing::Daemon d(std::filesystem::path{}, {"--sigma-rules", "none"});  // the Rego mapping alone
  auto http = std::make_unique<HttpClient>(d.server());
  auto call = [&](const std::string& method, const std::string& target, const std::string& body,
                  int want) {
    auto r = http->request(method, target, body, "application/json");
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    if (!r.ok()) return Value();
    EXPECT_EQ(r->status, want) << method << " " << target << ": " << r->body;
    auto v = r->json();
    return v.ok() ? *v : Value();
  };
  std::string agent =
      call("POST", "/v1/agents", R"({"label":"scanner-host"})", 201).find("id")->as_string();
  const std::string sweep =
      R"({"agent_id":")" + agent +
      R"(","telemetry":{"event":"process.start","process":{"executable":"/opt/tools/sweeper","command_line":"sweeper --sweep 10.0.0.0/8 --ports 1-1024"}}})";
  auto techniques = [&] {
    std::set<std::string> out;
    Value r = call("POST", "/v1/telemetry", sweep, 200);
    for (const Value& det : r.find("detections")->as_array()) out.insert(det.find("technique")->as_string());
    return out;
  };
  ASSERT_TRUE(techniques().empty()) << "the shipped library must not know this tool";

  const std::string module = R"(package mitre
detections contains {"technique": "T1046", "tactic": "discovery", "rule": "sweeper_port_scan"} if {
	input.telemetry.event == "process.start"
	contains(input.telemetry.process.command_line, "--sweep")
}
)";
  // Through OPA's API: stored, compiled by the detector too, in force at once.
  call("PUT", "/v1/policies/site/sweeper.rego", module, 200);
  EXPECT_EQ(techniques(), std::set<std::string>{"T1046"});
  bool listed = false;
  Value listing = call("GET", "/v1/attack/policies", "", 200);
  for (const Value& p : listing.find("policies")->as_array()) {
    if (p.find("id")->as_string() == "site/sweeper.rego") listed = !p.find("shipped")->as_bool();
  }
  EXPECT_TRUE(listed);
  // data.mitre is one document: OPA's Data API evaluates the shipped library
  // and the user's module together, as the detector does.
  Value data = call("POST", "/v1/data/mitre/detections",
                    R"({"input":{"telemetry":{"event":"process.start","process":{"executable":"/opt/tools/sweeper","command_line":"sweeper --sweep 10.0.0.0/8 --ports 1-1024"}}}})",
                    200);
  ASSERT_NE(data.find("result"), nullptr) << core::to_json(data);
  EXPECT_NE(core::to_json(*data.find("result")).find("sweeper_port_scan"), std::string::npos);
  Value shadows = call("POST", "/v1/data/mitre/detections",
                     R"({"input":{"telemetry":{"event":"process.start","process":{"executable":"C:\\Windows\\System32\\vssadmin.exe","command_line":"vssadmin delete shadows /all /quiet"}}}})",
                     200);
  EXPECT_NE(core::to_json(shadows).find("T1490"), std::string::npos) << core::to_json(shadows);

  // Refused, each with the set unchanged: modules that compile alone but not in
  // the detector's set (`detections` made a complete rule), or that compile there
  // but fail when evaluated (a second, conflicting value of a library helper) ...
  call("PUT", "/v1/policies/site/broken.rego", "package mitre\ndetections := set()\n", 400);
  call("PUT", "/v1/policies/site/broken.rego", "package mitre\n_image := 7\n", 400);
  // ... a parse error through the ATT&CK API, and a module of another package there.
  Value bad = call("PUT", "/v1/attack/policies/site/typo.rego", "package mitre\ndetections contains x if {", 400);
  ASSERT_NE(bad.find("error"), nullptr);
  EXPECT_EQ(bad.find("error")->find("code")->as_string(), "rego_parse_error");
  call("PUT", "/v1/attack/policies/site/authz.rego", "package genesis.authz\nallow := true\n", 400);
  call("DELETE", "/v1/attack/policies/discovery.rego", "", 409);  // shipped: replace it instead
  EXPECT_EQ(techniques(), std::set<std::string>{"T1046"});
  Value missing = call("GET", "/v1/policies/site/broken.rego", "", 404);
  ASSERT_NE(missing.find("code"), nullptr);
  EXPECT_EQ(missing.find("code")->as_string(), "resource_not_found");

  // A crash: the module is loaded from the store at start.
  d.stop(SIGKILL);
  d.start();
  http = std::make_unique<HttpClient>(d.server());
  EXPECT_EQ(techniques(), std::set<std::string>{"T1046"});

  // Removed through the ATT&CK API: gone from both, and from detection.
  auto r = http->request("DELETE", "/v1/attack/policies/site/sweeper.rego", "", "application/json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 204) << r->body;
  EXPECT_TRUE(techniques().empty());
  call("GET", "/v1/policies/site/sweeper.rego", "", 404);
}

// An upgrade whose library no longer has what a stored user module relies on
// must not keep genesisd down: it starts with the library alone, and the user
// fixes or deletes the module through the policy API.
TEST(MappingPolicies, AChangedLibraryDoesNotKeepTheDaemonDown) {
  auto dir = testing::make_temp_dir("mapping-upgrade");
  {
    testing::Daemon d(dir);
    HttpClient http(d.server());
    auto r = http.request("PUT", "/v1/policies/site/uses_helper.rego",
                          "package mitre\n"
                          "detections contains {\"technique\": \"T1046\", \"rule\": \"site_sweep\"} if {\n"
                          "\tinput.telemetry.event == \"process.start\"\n"
                          "\t_contains_any(input.telemetry.process.command_line, [\"--sweep\"])\n"
                          "}\n",
                          "text/plain");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << r->body;
  }
  // The new library: one module, without the helper the stored module calls.
  auto lib = dir / "library";
  std::filesystem::create_directories(lib);
  {
    std::FILE* f = std::fopen((lib / "impact.rego").string().c_str(), "w");
    std::fputs("package mitre\n"
               "detections contains {\"technique\": \"T1490\", \"rule\": \"shadow_delete\"} if {\n"
               "\tinput.telemetry.event == \"process.start\"\n"
               "\tcontains(input.telemetry.process.command_line, \"delete shadows\")\n"
               "}\n",
               f);
    std::fclose(f);
  }
  testing::Daemon d(dir, {"--mitre-policies", lib.string()});
  HttpClient http(d.server());
  auto policies = http.request("GET", "/v1/attack/policies", "", "application/json");
  ASSERT_TRUE(policies.ok());
  Value listed = policies->json().value();
  ASSERT_EQ(listed.find("policies")->as_array().size(), 1u) << policies->body;
  EXPECT_EQ(listed.find("policies")->as_array()[0].find("id")->as_string(), "impact.rego");
  // The module is kept, left out and reported until it is fixed or deleted;
  // other changes go on meanwhile.
  auto kept = http.request("GET", "/v1/policies/site/uses_helper.rego", "", "application/json");
  ASSERT_TRUE(kept.ok());
  Value kept_json = kept->json().value();
  EXPECT_FALSE(kept_json.find("result")->find("active")->as_bool()) << kept->body;
  EXPECT_NE(kept_json.find("result")->find("error")->as_string().find("_contains_any"), std::string::npos)
      << kept->body;
  auto other = http.request("PUT", "/v1/policies/authz.rego", "package genesis.authz\nallow := true\n", "text/plain");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->status, 200) << other->body;
  auto del = http.request("DELETE", "/v1/policies/site/uses_helper.rego", "", "text/plain");
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->status, 200) << del->body;
  d.stop(SIGTERM);
  std::filesystem::remove_all(dir);
}

TEST_F(PlaybookE2E, CliListsDetectionsAndPlaybooks) {
  std::string a = spawn("cli_target");
  std::string file = (daemon_->dir() / "events.ndjson").string();
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::string line = event(a, R"({"event":"process.start","process":{"executable":"C:\\Windows\\System32\\schtasks.exe","command_line":"schtasks /create /tn x /tr C:\\Users\\Public\\x.exe /sc onlogon"}})") + "\n";
    std::fputs(line.c_str(), f);
    std::fclose(f);
  }
  auto run = [&](const std::string& args) {
    auto r = testing::run_command(std::string(GENESIS_CLI_PATH) + " --server " + daemon_->server() + " " +
                                  args + " 2>&1");
    return std::make_pair(r.exit_code, r.out);
  };
  auto [rc1, sent] = run("telemetry send " + file);
  EXPECT_EQ(rc1, 0) << sent;
  EXPECT_NE(sent.find("T1053.005"), std::string::npos) << sent;
  auto [rc2, listed] = run("detections ls --agent " + a);
  EXPECT_EQ(rc2, 0) << listed;
  EXPECT_NE(listed.find("T1053.005  persistence"), std::string::npos) << listed;
  auto [rc3, shown] = run("playbook show T1071.004");
  EXPECT_EQ(rc3, 0);
  EXPECT_NE(shown.find("network-isolator"), std::string::npos) << shown;
  EXPECT_NE(shown.find("goal block-dns  weight 1  ttl 3600s"), std::string::npos) << shown;
  auto [rc4, books] = run("playbook ls");
  EXPECT_EQ(rc4, 0);
  EXPECT_NE(books.find("T1055  process-monitor  quarantine  kill-process,forensic-dump"), std::string::npos) << books;

  // The user's own mapping rules: stored, listed, used, refused when broken, removed.
  std::string rule = (daemon_->dir() / "cli_rule.rego").string();
  {
    std::FILE* f = std::fopen(rule.c_str(), "w");
    std::fputs("package mitre\n"
               "detections contains {\"technique\": \"T1046\", \"rule\": \"cli_sweeper\"} if {\n"
               "\tinput.telemetry.event == \"process.start\"\n"
               "\t_contains_any(_cmd, [\"--cli-sweep\"])\n"
               "}\n",
               f);
    std::fclose(f);
  }
  auto [rc5, stored] = run("mapping put site/cli_rule.rego " + rule);
  EXPECT_EQ(rc5, 0) << stored;
  auto [rc6, mappings] = run("mapping ls");
  EXPECT_EQ(rc6, 0);
  EXPECT_NE(mappings.find("site/cli_rule.rego  user"), std::string::npos) << mappings;
  EXPECT_NE(mappings.find("discovery.rego  shipped"), std::string::npos) << mappings;
  Value hit = call("POST", "/v1/telemetry",
                   event(a, R"({"event":"process.start","process":{"executable":"/usr/bin/sweeper","command_line":"sweeper --cli-sweep 10.0.0.0/24"}})"),
                   200);
  ASSERT_EQ(hit.find("detections")->as_array().size(), 1u) << core::to_json(hit);
  EXPECT_EQ(hit.find("detections")->as_array()[0].find("technique")->as_string(), "T1046");
  std::string broken = (daemon_->dir() / "broken.rego").string();
  {
    std::FILE* f = std::fopen(broken.c_str(), "w");
    std::fputs("package mitre\ndetections contains x if {", f);
    std::fclose(f);
  }
  auto [rc7, refused] = run("mapping put site/broken.rego " + broken);
  EXPECT_EQ(rc7, 1);
  EXPECT_NE(refused.find("site/broken.rego:2"), std::string::npos) << refused;
  auto [rc8, removed] = run("mapping rm site/cli_rule.rego");
  EXPECT_EQ(rc8, 0) << removed;
  auto [rc9, gone] = run("mapping rm site/cli_rule.rego");
  EXPECT_EQ(rc9, 1) << gone;
}

// Sigma rules beside the Rego mapping, fed in sensors' own formats.
class SigmaE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    daemon_ = new testing::Daemon(std::filesystem::path{}, {"--sigma-rules", std::string(GENESIS_TEST_DATA) + "/sigma_rules"});
  }
  static void TearDownTestSuite() { delete daemon_; }

  HttpClient http_{daemon_->server()};

  Value call(const std::string& method, const std::string& target, const std::string& body, int want,
             const std::string& content_type = "application/json") {
    auto r = http_.request(method, target, body, content_type);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    if (!r.ok()) return Value();
    EXPECT_EQ(r->status, want) << method << " " << target << ": " << r->body;
    auto v = r->json();
    return v.ok() ? *v : Value();
  }
  std::string spawn(const std::string& label) {
    return call("POST", "/v1/agents", R"({"label":")" + label + R"("})", 201).find("id")->as_string();
  }
  static testing::Daemon* daemon_;
};
testing::Daemon* SigmaE2E::daemon_ = nullptr;

TEST_F(SigmaE2E, NxlogSysmonRecordFindsTheTechniqueWithAttribution) {
  std::string a = spawn("sigma_nxlog");
  // A Sysmon 1 record as NXLog ships it (data fields at the top level).
  std::string record =
      R"({"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","SourceName":"Microsoft-Windows-Sysmon",)"
      R"("Hostname":"WS5","EventTime":"2020-09-21 19:18:51","Severity":"INFO",)"
      R"("Image":"C:\\Windows\\System32\\vssadmin.exe","CommandLine":"vssadmin.exe delete shadows /all /quiet",)"
      R"("ParentImage":"C:\\Windows\\System32\\cmd.exe","User":"WS5\\bob","ProcessId":"4242"})";
  Value r = call("POST", "/v1/telemetry?format=nxlog&agent_id=" + a, record + "\n", 200,
                 "application/x-ndjson");
  ASSERT_EQ(r.find("accepted")->as_int(), 1) << core::to_json(r);
  ASSERT_EQ(r.find("detections")->as_array().size(), 1u) << core::to_json(r);
  const Value& d = r.find("detections")->as_array()[0];
  EXPECT_EQ(d.find("technique")->as_string(), "T1490");
  std::string rules = core::to_json(*d.find("rules"));
  EXPECT_NE(rules.find("sigma:5f0c1b6e-0000-4000-8000-000000000001"), std::string::npos) << rules;
  EXPECT_NE(rules.find("vssadmin"), std::string::npos) << "the Rego rule finds it too: " << rules;
  const Value* sigma = d.find("sigma");
  ASSERT_TRUE(sigma != nullptr && sigma->is_array() && sigma->as_array().size() == 1u) << core::to_json(d);
  const Value& info = sigma->as_array()[0];
  EXPECT_EQ(info.find("title")->as_string(), "Shadow Copies Deleted (test rule)");
  EXPECT_EQ(info.find("author")->as_string(), "Genesis tests");
  EXPECT_EQ(info.find("level")->as_string(), "high");
  EXPECT_EQ(core::to_json(*info.find("references")), R"(["https://example.org/vss"])");
  EXPECT_EQ(info.find("fields")->find("process.executable")->as_string(),
            "C:\\Windows\\System32\\vssadmin.exe");
  EXPECT_EQ(d.find("event")->find("telemetry")->find("winlog")->find("event_id")->as_int(), 1);
  EXPECT_EQ(d.find("event")->find("ts")->as_string(), "2020-09-21T19:18:51Z");
  EXPECT_EQ(r.find("counter_agents")->as_array().size(), 1u) << "high level raises a counter-agent";
}

TEST_F(SigmaE2E, LowLevelIsRecordedWithoutResponse) {
  std::string a = spawn("sigma_low");
  Value r = call("POST", "/v1/telemetry",
                 R"({"agent_id":")" + a +
                     R"(","telemetry":{"event":"process.start","process":{"executable":"C:\\tools\\m.exe","command_line":"m.exe genesis-sigma-low-marker"}}})",
                 200);
  ASSERT_EQ(r.find("detections")->as_array().size(), 1u) << core::to_json(r);
  EXPECT_EQ(r.find("detections")->as_array()[0].find("technique")->as_string(), "T1082");
  EXPECT_EQ(r.find("counter_agents")->as_array().size(), 0u);
  Value listed = call("GET", "/v1/detections?agent=" + a, "", 200);
  EXPECT_EQ(listed.find("detections")->as_array().size(), 1u);
}

TEST_F(SigmaE2E, UnknownTechniqueIsKeptAndMarked) {
  std::string a = spawn("sigma_v19");
  std::string doc =
      R"({"@timestamp":"2020-10-21T09:40:38.926Z","winlog":{"channel":"Security","event_id":"1102",)"
      R"("provider_name":"Microsoft-Windows-Eventlog","event_data":{"SubjectUserName":"wardog"}}})";
  Value r = call("POST", "/v1/telemetry?format=winlogbeat&agent_id=" + a, doc, 200);
  ASSERT_EQ(r.find("detections")->as_array().size(), 1u) << core::to_json(r);
  const Value& d = r.find("detections")->as_array()[0];
  EXPECT_EQ(d.find("technique")->as_string(), "T1070.999");
  EXPECT_EQ(d.find("tactic")->as_string(), "defense-evasion");
  EXPECT_EQ(d.find("event")->find("telemetry")->find("event")->as_string(), "log.cleared");
  EXPECT_FALSE(d.find("sigma")->as_array()[0].find("technique_known")->as_bool());
}

TEST_F(SigmaE2E, RevokedTechniqueMapsToItsSuccessorDeprecatedIsKept) {
  std::string a = spawn("sigma_retired");
  Value r = call("POST", "/v1/telemetry",
                 R"({"agent_id":")" + a +
                     R"(","telemetry":{"event":"process.start","process":{"executable":"C:\\tools\\m.exe","command_line":"m.exe genesis-sigma-retired-marker"}}})",
                 200);
  std::map<std::string, Value> by_technique;
  for (const Value& d : r.find("detections")->as_array()) by_technique[d.find("technique")->as_string()] = d;
  ASSERT_EQ(by_technique.size(), 2u) << core::to_json(r);
  // T1086 (revoked in v18.1) is recorded as T1059.001, the tag kept beside it.
  ASSERT_TRUE(by_technique.count("T1059.001")) << core::to_json(r);
  const Value& revoked = by_technique["T1059.001"];
  EXPECT_EQ(revoked.find("tactic")->as_string(), "execution");
  const Value& ri = revoked.find("sigma")->as_array()[0];
  EXPECT_TRUE(ri.find("technique_known")->as_bool());
  EXPECT_EQ(ri.find("technique_tagged")->as_string(), "T1086");
  EXPECT_EQ(ri.find("technique_tag_status")->as_string(), "revoked");
  // T1043 (deprecated, no successor) is kept as tagged and marked unknown.
  ASSERT_TRUE(by_technique.count("T1043")) << core::to_json(r);
  const Value& di = by_technique["T1043"].find("sigma")->as_array()[0];
  EXPECT_FALSE(di.find("technique_known")->as_bool());
  EXPECT_EQ(di.find("technique_tag_status")->as_string(), "deprecated");
  EXPECT_EQ(r.find("counter_agents")->as_array().size(), 0u) << "low level: recorded only";
  Value listed = call("GET", "/v1/detections?agent=" + a + "&technique=T1059", "", 200);
  EXPECT_EQ(listed.find("detections")->as_array().size(), 1u);
}

// Switching rules off and on: it takes effect at once, is the default tenant's to
// do, refuses a bad selector with nothing written, and survives a restart.
TEST(SigmaSwitchesE2E, OffAtOnceKeptAcrossRestartOnAgain) {
  auto dir = testing::make_temp_dir("sigma-switches");
  const std::vector<std::string> args = {"--sigma-rules", std::string(GENESIS_TEST_DATA) + "/sigma_rules"};
  const std::string low_rule = "5f0c1b6e-0000-4000-8000-000000000002";
  auto post_marker = [](HttpClient& http, const std::string& agent) {
    auto r = http.request("POST", "/v1/telemetry",
                          R"({"agent_id":")" + agent +
                              R"(","telemetry":{"event":"process.start","process":{"executable":"C:\\tools\\m.exe","command_line":"m.exe genesis-sigma-low-marker"}}})");
    EXPECT_EQ(r->status, 200) << r->body;
    auto j = r->json();
    if (!j || !j->find("detections")) return size_t{99};
    return j->find("detections")->as_array().size();
  };
  std::string agent;
  {
    testing::Daemon d(dir, args);
    HttpClient http(d.server());
    agent = http.request("POST", "/v1/agents", R"({"label":"switched"})")->json()->find("id")->as_string();
    EXPECT_EQ(post_marker(http, agent), 1u);
    auto before = *http.get("/v1/sigma/rules")->json();
    int64_t loaded = before.find("rules_loaded")->as_int();
    EXPECT_EQ(before.find("rules_running")->as_int(), loaded);

    auto off = http.request("POST", "/v1/sigma/switches", R"({"selector":"level:low","enabled":false})");
    ASSERT_EQ(off->status, 201) << off->body;
    auto off_json = *off->json();
    EXPECT_LT(off_json.find("rules_running")->as_int(), loaded);
    EXPECT_EQ(off_json.find("switch")->find("selector")->as_string(), "level:low");
    EXPECT_EQ(post_marker(http, agent), 0u) << "a low rule switched off no longer detects";
    auto off_list = *http.get("/v1/sigma/rules?enabled=false")->json();
    std::string off_ids = core::to_json(*off_list.find("rules"));
    EXPECT_NE(off_ids.find(low_rule), std::string::npos) << off_ids;
    EXPECT_EQ(off_list.find("total")->as_int(), loaded - off_json.find("rules_running")->as_int());

    // Refused with nothing written: a bad selector, a body without enabled, another tenant.
    for (const char* body : {R"({"selector":"level:lowest","enabled":false})", R"({"selector":"level:low"})",
                             R"({"selector":"level:low","enabled":false,"why":"x"})"}) {
      auto bad = http.request("POST", "/v1/sigma/switches", body);
      EXPECT_EQ(bad->status, 400) << body << " -> " << bad->body;
    }
    ASSERT_EQ(http.request("POST", "/v1/tenants", R"({"id":"blue"})")->status, 201);
    HttpClient blue(d.server());
    blue.set_header("X-Genesis-Tenant", "blue");
    EXPECT_EQ(blue.request("POST", "/v1/sigma/switches", R"({"selector":"all","enabled":false})")->status, 403);
    EXPECT_EQ(http.get("/v1/sigma/switches")->json()->find("switches")->as_array().size(), 1u);
    d.stop(SIGTERM);
  }
  testing::Daemon d(dir, args);
  HttpClient http(d.server());
  EXPECT_EQ(post_marker(http, agent), 0u) << "the switch survives a restart";
  auto rule = *http.get("/v1/sigma/rules/" + low_rule)->json();
  EXPECT_FALSE(rule.find("enabled")->as_bool());
  EXPECT_EQ(rule.find("author")->as_string(), "Genesis tests");
  // The last switch that selects a rule decides: this one rule runs again.
  auto on = http.request("POST", "/v1/sigma/switches", R"({"selector":"rule:)" + low_rule + R"(","enabled":true})");
  ASSERT_EQ(on->status, 201) << on->body;
  EXPECT_EQ(post_marker(http, agent), 1u);
  auto switches = *http.get("/v1/sigma/switches")->json();
  ASSERT_EQ(switches.find("switches")->as_array().size(), 2u);
  for (const Value& sw : switches.find("switches")->as_array()) {
    auto id = std::to_string(sw.find("id")->as_int());
    EXPECT_EQ(http.request("DELETE", "/v1/sigma/switches/" + id)->status, 200);
    EXPECT_EQ(http.request("DELETE", "/v1/sigma/switches/" + id)->status, 404);
  }
  auto after = *http.get("/v1/sigma/rules?limit=1")->json();
  EXPECT_EQ(after.find("rules_running")->as_int(), after.find("rules_loaded")->as_int());
  EXPECT_EQ(http.get("/v1/sigma/rules/no-such-rule")->status, 404);
  EXPECT_EQ(http.get("/v1/sigma/rules?level=severe")->status, 400);
  d.stop(SIGTERM);
  std::filesystem::remove_all(dir);
}

// genesis sigma ls|show|enable|disable|switches against genesisd.
TEST(SigmaSwitchesE2E, TheCliSwitchesAndListsGenesisdsRules) {
  testing::Daemon d(std::filesystem::path{}, {"--sigma-rules", std::string(GENESIS_TEST_DATA) + "/sigma_rules"});
  auto run = [&](const std::string& args) {
    auto r = testing::run_command(std::string(GENESIS_CLI_PATH) + " --server " + d.server() + " " + args + " 2>&1");
    return std::make_pair(r.exit_code, r.out);
  };
  const std::string low_rule = "5f0c1b6e-0000-4000-8000-000000000002";
  auto [rc1, off] = run("sigma disable level:low");
  EXPECT_EQ(rc1, 0) << off;
  EXPECT_NE(off.find("switch 1: disable level:low"), std::string::npos) << off;
  auto [rc2, listed] = run("sigma ls --disabled");
  EXPECT_EQ(rc2, 0) << listed;
  EXPECT_NE(listed.find("off  " + low_rule), std::string::npos) << listed;
  EXPECT_EQ(listed.find("on   "), std::string::npos) << "only rules switched off: " << listed;
  auto [rc3, shown] = run("sigma show " + low_rule);
  EXPECT_EQ(rc3, 0) << shown;
  EXPECT_NE(shown.find(R"("enabled": false)"), std::string::npos) << shown;
  auto [rc4, bad] = run("sigma disable level:lowest");
  EXPECT_EQ(rc4, 1) << bad;
  EXPECT_NE(bad.find("unknown level"), std::string::npos) << bad;
  auto [rc5, on] = run("sigma enable rule:" + low_rule);
  EXPECT_EQ(rc5, 0) << on;
  auto [rc6, switches] = run("sigma switches");
  EXPECT_EQ(rc6, 0) << switches;
  EXPECT_NE(switches.find("1  disable level:low"), std::string::npos) << switches;
  EXPECT_NE(switches.find("2  enable rule:" + low_rule), std::string::npos) << switches;
  auto [rc7, removed] = run("sigma switches rm 1");
  EXPECT_EQ(rc7, 0) << removed;
  auto [rc8, again] = run("sigma switches rm 1");
  EXPECT_EQ(rc8, 1) << again;
  auto [rc9, all_on] = run("sigma ls --disabled");
  EXPECT_EQ(rc9, 0) << all_on;
  EXPECT_NE(all_on.find("0 rules listed"), std::string::npos) << all_on;
}

TEST_F(SigmaE2E, FormatErrors) {
  std::string a = spawn("sigma_errors");
  Value bad = call("POST", "/v1/telemetry?format=syslog&agent_id=" + a, "{}", 400);
  EXPECT_EQ(bad.find("error")->find("code")->as_string(), "invalid_argument");
  Value noagent = call("POST", "/v1/telemetry", R"({"EventID":1102,"Channel":"Security"})", 400,
                       "application/x-ndjson; format=nxlog");
  EXPECT_NE(core::to_json(noagent).find("agent_id parameter"), std::string::npos) << core::to_json(noagent);
}


// The shipped SigmaHQ corpus (share/sigma) on Linux audit captures sent as auditd writes
// them: the Linux rules (service: auditd, category: process_creation) find the attack.
class LinuxSigmaE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { daemon_ = new testing::Daemon(std::filesystem::path{}, {}); }
  static void TearDownTestSuite() { delete daemon_; }

  HttpClient http_{daemon_->server()};

  Value call(const std::string& method, const std::string& target, const std::string& body, int want,
             const std::string& content_type = "application/json") {
    auto r = http_.request(method, target, body, content_type);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    if (!r.ok()) return Value();
    EXPECT_EQ(r->status, want) << method << " " << target << ": " << r->body;
    auto v = r->json();
    return v.ok() ? *v : Value();
  }
  std::string spawn(const std::string& label) {
    return call("POST", "/v1/agents", R"({"label":")" + label + R"("})", 201).find("id")->as_string();
  }
  // The audit text of a capture in tests/detect/ingest (its "input" lines).
  static std::string capture(const std::string& name) {
    std::ifstream in(std::string(GENESIS_TEST_DATA) + "/ingest/" + name + ".json");
    std::stringstream ss;
    ss << in.rdbuf();
    auto doc = core::parse_json(ss.str());
    EXPECT_TRUE(doc.ok());
    std::string body;
    if (doc.ok()) {
      for (const Value& line : doc->find("input")->as_array()) body += line.as_string() + "\n";
    }
    return body;
  }
  // rule id -> the Sigma info of the detections that name it.
  static std::map<std::string, Value> sigma_rules(const Value& r) {
    std::map<std::string, Value> out;
    for (const Value& d : r.find("detections")->as_array()) {
      if (const Value* s = d.find("sigma"); s != nullptr && s->is_array()) {
        for (const Value& info : s->as_array()) out[info.find("id")->as_string()] = info;
      }
    }
    return out;
  }
  static testing::Daemon* daemon_;
};
testing::Daemon* LinuxSigmaE2E::daemon_ = nullptr;

TEST_F(LinuxSigmaE2E, AuditdPayloadInTmpIsFoundBySigmaHQRules) {
  std::string a = spawn("web01");
  // curl -o /tmp/.x/payload; chmod +x /tmp/.x/payload; /tmp/.x/payload (calls home).
  Value r = call("POST", "/v1/telemetry?agent_id=" + a, capture("auditd_tmp_payload"), 200,
                 "text/plain; format=auditd");
  EXPECT_EQ(r.find("accepted")->as_int(), 7) << core::to_json(r);
  EXPECT_TRUE(r.find("rejected")->as_array().empty()) << core::to_json(r);
  auto rules = sigma_rules(r);
  // service: auditd — "Program Executions in Suspicious Folders" (SYSCALL exe in /tmp/).
  ASSERT_TRUE(rules.count("a39d7fa7-3fbd-4dc2-97e1-d87f546b1bbc")) << core::to_json(r);
  const Value& exe = rules["a39d7fa7-3fbd-4dc2-97e1-d87f546b1bbc"];
  EXPECT_EQ(exe.find("title")->as_string(), "Program Executions in Suspicious Folders");
  EXPECT_FALSE(exe.find("author")->as_string().empty()) << "DRL attribution";
  EXPECT_EQ(exe.find("fields")->find("auditd.record.exe")->as_string(), "/tmp/.x/payload")
      << core::to_json(exe);
  // service: auditd — "File or Folder Permissions Change" (EXECVE a0 chmod), low.
  EXPECT_TRUE(rules.count("74c01ace-0152-4094-8ae2-6fd776dd43e5")) << core::to_json(r);
  // category: process_creation — "Chmod Targeting Sensitive Directories" on the ECS fields.
  EXPECT_TRUE(rules.count("6419afd1-3742-47a5-a7e6-b50386cd15f8")) << core::to_json(r);
  // The detections are recorded for the agent.
  Value listed = call("GET", "/v1/detections?agent=" + a, "", 200);
  EXPECT_FALSE(listed.find("detections")->as_array().empty());
}

TEST_F(LinuxSigmaE2E, AusearchReverseShellsRaiseResponses) {
  std::string a = spawn("web02");
  Value r = call("POST", "/v1/telemetry?format=auditd&agent_id=" + a,
                 capture("auditd_ausearch_reverse_shells"), 200, "text/plain");
  EXPECT_EQ(r.find("accepted")->as_int(), 2) << core::to_json(r);
  auto rules = sigma_rules(r);
  // A shell run by www-data (euid 33): "Webshell Remote Command Execution", critical.
  ASSERT_TRUE(rules.count("c0d3734d-330f-4a03-aae2-65dacc6a8222")) << core::to_json(r);
  EXPECT_EQ(rules["c0d3734d-330f-4a03-aae2-65dacc6a8222"].find("level")->as_string(), "critical");
  // The perl one-liner auditd split over a2[0], a2[1]: "Potential Perl Reverse Shell Execution".
  EXPECT_TRUE(rules.count("259df6bc-003f-4306-9f54-4ff1a08fa38e")) << core::to_json(r);
  EXPECT_FALSE(r.find("counter_agents")->as_array().empty()) << "critical raises a counter-agent";
}

TEST_F(LinuxSigmaE2E, ZeekDnsOfAMiningPoolIsFoundBySigmaHQRule) {
  std::string a = spawn("zeek-sensor");
  Value r = call("POST", "/v1/telemetry?agent_id=" + a, capture("zeek"), 200,
                 "application/x-ndjson; format=zeek");
  EXPECT_EQ(r.find("accepted")->as_int(), 4) << core::to_json(r);
  EXPECT_EQ(r.find("rejected")->as_array().size(), 2u) << core::to_json(r);
  auto rules = sigma_rules(r);
  // product: zeek, service: dns — "DNS Events Related To Mining Pools" (query, answers).
  ASSERT_TRUE(rules.count("bf74135c-18e8-4a72-a926-0e4f47888c19")) << core::to_json(r);
  EXPECT_EQ(rules["bf74135c-18e8-4a72-a926-0e4f47888c19"].find("fields")->find("zeek.query")->as_string(),
            "pool.supportxmr.com");
}

TEST_F(LinuxSigmaE2E, MalformedAuditLinesAreReportedAndTheRestKept) {
  std::string a = spawn("web03");
  Value r = call("POST", "/v1/telemetry?format=auditd&agent_id=" + a, capture("auditd_errors"), 200,
                 "text/plain");
  EXPECT_EQ(r.find("accepted")->as_int(), 1) << core::to_json(r);
  EXPECT_EQ(r.find("rejected")->as_array().size(), 6u) << core::to_json(r);
  Value none = call("POST", "/v1/telemetry?format=auditd&agent_id=" + a, "Nov 14 sshd[1]: hello\n", 400,
                    "text/plain");
  EXPECT_EQ(none.find("error")->find("code")->as_string(), "invalid_argument") << core::to_json(none);
}

}  // namespace
}  // namespace genesis
