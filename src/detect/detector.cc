#include "detect/detector.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "client/client.h"
#include "policy/policy.h"

namespace genesis::detect {
namespace {

using core::Result;
using core::Status;
using core::Value;
namespace code = core::code;

constexpr int64_t kSandboxMemoryBytes = 64 * 1024 * 1024;

bool is_egress(const Value& telemetry) {
  const Value* kind = telemetry.find("event");
  if (kind == nullptr || !kind->is_string()) return false;
  const std::string& k = kind->as_string();
  if (k == "dns" || k == "dns.response") return true;
  if (k != "network.connection") return false;
  const Value* net = telemetry.find("network");
  const Value* dir = net != nullptr ? net->find("direction") : nullptr;
  return dir == nullptr || !dir->is_string() || dir->as_string() != "ingress";
}

Value sandbox_json() {
  Value s = Value::object();
  s.set("network", false);
  s.set("filesystem", false);
  s.set("max_memory_bytes", static_cast<int64_t>(kSandboxMemoryBytes));
  return s;
}

std::string counter_label(const Playbook& pb) {
  std::string label = pb.image + "-" + pb.technique;
  std::replace(label.begin(), label.end(), '.', '_');
  return label.substr(0, registry::kMaxLabelLength);
}

Value error_json(const core::Error& e) {
  Value v = Value::object();
  v.set("code", e.code);
  v.set("message", e.message);
  if (!e.where.empty()) v.set("where", e.where);
  return v;
}

Value target_parent_json(const std::optional<std::string>& parent) {
  return parent ? Value(*parent) : Value();
}

// Goals in the order they must run: evidence first, ending the agent last.
std::vector<Goal> ordered_goals(const Playbook& pb) {
  std::vector<Goal> goals = pb.goals;
  auto rank = [](const Goal& g) { return g.id == "forensic-dump" ? 0 : g.id == "kill-process" ? 2 : 1; };
  std::stable_sort(goals.begin(), goals.end(),
                   [&](const Goal& a, const Goal& b) { return rank(a) < rank(b); });
  return goals;
}

}  // namespace

// ---- WebhookSink ----

WebhookSink::WebhookSink(std::string url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  auto slash = rest.find('/');
  server_ = rest.substr(0, slash);
  target_ = slash == std::string::npos ? "/" : rest.substr(slash);
  worker_ = std::thread([this] { run(); });
}

WebhookSink::~WebhookSink() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void WebhookSink::send(const Value& alert) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= 10000) {  // the SOC is not listening: drop rather than grow forever
      failed_.fetch_add(1);
      return;
    }
    queue_.push_back(core::to_json(alert));
  }
  cv_.notify_one();
}

void WebhookSink::run() {
  client::HttpClient http(server_, std::chrono::seconds(5));
  while (true) {
    std::vector<std::string> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty() && stop_) return;
      batch.swap(queue_);
    }
    for (const auto& body : batch) {
      auto r = http.request("POST", target_, body);
      if (r.ok() && r->status >= 200 && r->status < 300) {
        delivered_.fetch_add(1);
      } else {
        failed_.fetch_add(1);
      }
    }
  }
}

// ---- IngestResult ----

Value IngestResult::to_json() const {
  Value v = Value::object();
  v.set("accepted", static_cast<int64_t>(accepted));
  Value rej = Value::array();
  for (const auto& r : rejected) {
    Value o = Value::object();
    o.set("line", static_cast<int64_t>(r.line));
    o.set("error", error_json(r.error));
    rej.push_back(std::move(o));
  }
  v.set("rejected", std::move(rej));
  Value den = Value::array();
  for (const auto& d : denied) {
    Value o = d.decision.to_json();
    o.set("line", static_cast<int64_t>(d.line));
    den.push_back(std::move(o));
  }
  v.set("denied", std::move(den));
  Value dets = Value::array();
  for (const auto& d : detections) dets.push_back(d.to_json());
  v.set("detections", std::move(dets));
  Value cas = Value::array();
  for (const auto& c : counter_agents) cas.push_back(c.to_json());
  v.set("counter_agents", std::move(cas));
  Value errs = Value::array();
  for (const auto& e : response_errors) errs.push_back(error_json(e));
  v.set("errors", std::move(errs));
  return v;
}

// ---- Detector ----

// (tenant, agent) -> (until_ms, reason), per kind of containment.
struct Detector::ContainmentTable {
  using Key = std::pair<std::string, std::string>;
  std::function<int64_t()> clock;
  mutable std::shared_mutex mu;  // guards the maps
  std::map<Key, std::pair<int64_t, std::string>> egress, quarantine;

  void add(const std::string& kind, const Key& key, int64_t until, std::string why) {
    std::unique_lock lock(mu);
    auto& slot = (kind == "quarantine" ? quarantine : egress)[key];
    if (until > slot.first) slot = {until, std::move(why)};
  }
  std::optional<std::string> find(const std::string& kind, const Key& key) const {
    std::shared_lock lock(mu);
    const auto& map = kind == "quarantine" ? quarantine : egress;
    auto it = map.find(key);
    if (it == map.end() || it->second.first <= clock()) return std::nullopt;
    return it->second.second;
  }
};

Detector::Detector(registry::Registry& registry, std::unique_ptr<AlertSink> alerts,
                   DetectorOptions options)
    : registry_(registry),
      alerts_(std::move(alerts)),
      options_(std::move(options)),
      containments_(std::make_shared<ContainmentTable>()) {
  containments_->clock = options_.now_ms ? options_.now_ms : std::function<int64_t()>(core::now_ms);
}

Result<std::unique_ptr<Detector>> Detector::create(registry::Registry& registry,
                                                   std::unique_ptr<AlertSink> alerts,
                                                   DetectorOptions options) {
  if (options.catalogue_path.empty()) options.catalogue_path = default_catalogue_path();
  if (options.playbook_dir.empty()) options.playbook_dir = default_playbook_dir();
  if (options.policy_dir.empty()) options.policy_dir = default_policy_dir();
  std::unique_ptr<Detector> d(
      new Detector(registry, std::move(alerts), std::move(options)));
  auto cat = Catalogue::load(d->options_.catalogue_path);
  if (!cat.ok()) return cat.error();
  d->catalogue_ = std::move(*cat);
  auto books = PlaybookSet::load_dir(d->options_.playbook_dir, &d->catalogue_);
  if (!books.ok()) return books.error();
  d->playbooks_ = std::move(*books);
  auto modules = read_policy_dir(d->options_.policy_dir);
  if (!modules.ok()) return modules.error();
  d->shipped_policies_ = std::move(*modules);
  auto set = PolicySet::build(d->shipped_policies_);
  if (!set.ok()) return set.error();
  d->policies_ = std::move(*set);
  if (!d->options_.sigma_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(d->options_.sigma_dir, ec)) {
      return core::make_error(code::kNotFound, "no Sigma rule directory at " + d->options_.sigma_dir);
    }
    // Parsing thousands of YAML rules takes a second or more: the daemon starts
    // meanwhile, and evaluation waits for them (sigma()).
    d->sigma_loading_ = true;
    Detector* self = d.get();
    d->sigma_loader_ = std::jthread([self] {
      // At the lowest priority: the corpus is a second or two of CPU that must not
      // take the daemon's cores from requests while it starts (Linux nices threads
      // one by one; failure only means the load competes as before).
      (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
      auto [rows, switches] = self->stored_sigma_switches();
      auto loaded = SigmaStage::load(self->options_.sigma_dir, self->options_.sigma_respond_levels,
                                     std::move(switches));
      std::lock_guard lock(self->sigma_mu_);
      if (loaded.ok()) {
        self->sigma_ = std::move(*loaded);
        self->sigma_switches_applied_ = std::move(rows);
      }
      self->sigma_loading_ = false;
      self->sigma_cv_.notify_all();
    });
  }
  auto active = registry.store().active_containments(d->now());
  if (!active.ok()) return active.error();
  for (const auto& c : *active) {
    d->containments_->add(c.kind, {c.tenant_id, c.agent_id}, c.until_ms,
                          c.kind + " by counter-agent " + c.counter_agent_id + " (" + c.technique + ")");
  }
  // The quarantine, in the one place every write of agent state passes: a
  // quarantined agent spawns, changes, moves, records, feels and trades goals no
  // more. Ending it stays possible, and the detector's own response acts on it.
  std::shared_ptr<ContainmentTable> table = d->containments_;
  registry.add_write_guard([table](const std::string& tenant, const std::string& op,
                                   const std::string& agent_id,
                                   const registry::Actor& actor) -> Status {
    if (actor.kind == registry::Actor::Kind::kDetector || op == "delete") return {};
    if (auto why = table->find("quarantine", {tenant, agent_id})) {
      return core::make_error(code::kForbidden,
                              "agent " + agent_id + " is quarantined (" + *why + "): " + op +
                                  " refused");
    }
    return {};
  });
  return d;
}

int64_t Detector::now() const { return options_.now_ms ? options_.now_ms() : core::now_ms(); }

bool Detector::content_loaded() const {
  std::lock_guard lock(sigma_mu_);
  return !sigma_loading_;
}

std::pair<std::vector<storage::SigmaSwitch>, std::vector<sigma::RuleSwitch>> Detector::stored_sigma_switches() {
  std::pair<std::vector<storage::SigmaSwitch>, std::vector<sigma::RuleSwitch>> out;
  auto stored = store().list_sigma_switches(registry::kDefaultTenant);
  if (!stored) {
    // Failing open: every rule runs rather than detection going blind.
    std::fprintf(stderr, "genesisd: warning: reading the Sigma switches failed, every rule runs: %s\n",
                 stored.error().message.c_str());
    return out;
  }
  for (auto& sw : *stored) {
    auto sel = sigma::RuleSelector::parse(sw.selector);
    if (!sel) {
      std::fprintf(stderr, "genesisd: warning: Sigma switch %lld ignored: %s\n", static_cast<long long>(sw.id),
                   sel.error().message.c_str());
      continue;
    }
    out.second.push_back({std::move(*sel), sw.enabled});
    out.first.push_back(std::move(sw));
  }
  return out;
}

core::Result<std::vector<storage::SigmaSwitch>> Detector::sigma_switches() {
  if (!sigma()) return store().list_sigma_switches(registry::kDefaultTenant);  // Sigma is off
  std::lock_guard lock(sigma_mu_);
  return sigma_switches_applied_;
}

core::Result<storage::SigmaSwitch> Detector::add_sigma_switch(const std::string& selector, bool enabled) {
  auto sel = sigma::RuleSelector::parse(selector);
  if (!sel) return sel.error();
  std::lock_guard lock(sigma_switch_mu_);
  auto added = store().add_sigma_switch(registry::kDefaultTenant, sel->to_string(), enabled);
  if (!added) return added.error();
  apply_sigma_switches();
  return added;
}

core::Status Detector::delete_sigma_switch(int64_t id) {
  std::lock_guard lock(sigma_switch_mu_);
  if (auto s = store().delete_sigma_switch(registry::kDefaultTenant, id); !s) return s;
  apply_sigma_switches();
  return {};
}

void Detector::apply_sigma_switches() {
  auto current = sigma();  // waits while the corpus loads
  if (!current) return;    // Sigma is off: the switches wait in the store
  auto [rows, switches] = stored_sigma_switches();
  auto next = current->with_switches(std::move(switches));
  std::lock_guard lock(sigma_mu_);
  sigma_ = std::move(next);
  sigma_switches_applied_ = std::move(rows);
}

std::shared_ptr<const SigmaStage> Detector::sigma() const {
  std::unique_lock lock(sigma_mu_);
  sigma_cv_.wait(lock, [this] { return !sigma_loading_; });
  return sigma_;
}

std::shared_ptr<const PolicySet> Detector::policy_set() const {
  std::lock_guard lock(policy_mu_);
  return policies_;
}

Result<std::vector<Hit>> Detector::evaluate(const Value& event) const {
  return policy_set()->evaluate(event);
}

std::optional<std::string> Detector::egress_denied(const std::string& tenant,
                                                   const std::string& agent_id) const {
  return containments_->find("deny:egress", {tenant, agent_id});
}

std::optional<std::string> Detector::quarantined(const std::string& tenant,
                                                 const std::string& agent_id) const {
  return containments_->find("quarantine", {tenant, agent_id});
}

Status Detector::check_mesh_message(const std::string& tenant, const std::string& agent_id,
                                    const std::string& type) {
  std::optional<std::string> why = quarantined(tenant, agent_id);
  if (!why) why = egress_denied(tenant, agent_id);
  if (!why) return {};
  Decision d{tenant, agent_id, "mesh:" + type, "deny", *why, now()};
  (void)record_decision(tenant, d);
  return core::make_error(code::kForbidden, "messages of agent " + agent_id + " are denied (" + *why + ")");
}

Status Detector::record_decision(const std::string& tenant, const Decision& d) {
  return registry_.transact(tenant, registry::Actor::detector(), [&](registry::Registry::Unit& u) -> Status {
    if (auto st = u.tables().add_decision(d); !st) return st;
    u.publish("decision", d.to_json());
    return {};
  });
}

IngestResult Detector::ingest(const std::string& tenant, std::string_view body) {
  IngestResult out;
  Batch batch = decode_batch(body);  // decode + validate (schema)
  out.rejected = std::move(batch.errors);
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    run_event(tenant, batch.lines[i], batch.events[i], out);
  }
  std::sort(out.rejected.begin(), out.rejected.end(),
            [](const LineError& a, const LineError& b) { return a.line < b.line; });
  return out;
}

IngestResult Detector::ingest(const std::string& tenant, std::string_view body,
                             ingest::Format format, const std::string& agent_id) {
  IngestResult out;
  Batch batch = ingest::decode(body, format, agent_id);  // decode + normalise + validate
  out.rejected = std::move(batch.errors);
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    run_event(tenant, batch.lines[i], batch.events[i], out);
  }
  return out;
}

IngestResult Detector::ingest_value(const std::string& tenant, const Value& event) {
  IngestResult out;
  auto ev = validate_event(event);
  if (!ev.ok()) {
    out.rejected.push_back({1, ev.error()});
    return out;
  }
  run_event(tenant, 1, *ev, out);
  return out;
}

// Holds the respond stage for the (tenant, agent, technique) keys of one event:
// responses to the same key run one after another (the one-live-counter-agent
// rule), all others in parallel, so their commits group together. Keys are
// taken all at once, so two events never hold one each of the other's.
class Detector::RespondingKeys {
 public:
  RespondingKeys(Detector& d, std::set<std::string> keys) : d_(d), keys_(std::move(keys)) {
    if (keys_.empty()) return;
    std::unique_lock lock(d_.responding_mu_);
    d_.responding_cv_.wait(lock, [&] {
      for (const auto& k : keys_)
        if (d_.responding_.count(k)) return false;
      return true;
    });
    d_.responding_.insert(keys_.begin(), keys_.end());
  }
  ~RespondingKeys() {
    if (keys_.empty()) return;
    {
      std::lock_guard lock(d_.responding_mu_);
      for (const auto& k : keys_) d_.responding_.erase(k);
    }
    d_.responding_cv_.notify_all();
  }

 private:
  Detector& d_;
  std::set<std::string> keys_;
};

void Detector::run_event(const std::string& tenant, std::size_t line, const Value& event,
                         IngestResult& out) {
  // validate: the agent must exist and be live — or have been ended by a response.
  // An EDR keeps recording a contained host: the telemetry of an agent that
  // kill-process ended is evidence, evaluated and recorded like any other, and
  // answered by the counter-agents already made for it (the response is not
  // repeated on an agent that is gone).
  const std::string& agent_id = event.find("agent_id")->as_string();
  auto agent = registry_.store().get(tenant, agent_id);
  std::optional<std::vector<CounterAgentRecord>> ended;  // set: the agent a response ended
  if (!agent.ok()) {
    ended = ended_by_response(tenant, agent_id);
    if (!ended) {
      out.rejected.push_back(
          {line, core::make_error(code::kNotFound, "agent_id: no live agent " + agent_id, "agent_id")});
      return;
    }
  }
  // gate: egress of a contained agent is denied, visibly.
  const Value& telemetry = *event.find("telemetry");
  if (is_egress(telemetry)) {
    if (auto why = egress_denied(tenant, agent_id)) {
      Decision d{tenant, agent_id, "telemetry", "deny", *why, now()};
      if (auto st = record_decision(tenant, d); !st.ok()) out.response_errors.push_back(st.error());
      out.denied.push_back({line, std::move(d)});
      return;
    }
  }
  ++out.accepted;
  // evaluate
  auto hits = policy_set()->evaluate(event);
  if (!hits.ok()) {
    core::Error e = hits.error();
    e.where = "line " + std::to_string(line) + (e.where.empty() ? "" : ": " + e.where);
    out.response_errors.push_back(std::move(e));
    return;
  }
  std::vector<SigmaFinding> sigma_hits;
  if (auto sigma_set = sigma()) sigma_hits = sigma_set->evaluate(telemetry, catalogue_);
  if (hits->empty() && sigma_hits.empty()) return;
  // record: one detection per technique, its rules together. Rego's techniques always
  // respond; Sigma's only when a matching rule's level says so.
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> by_technique;
  std::set<std::string> responding;
  std::map<std::string, Value> sigma_info;
  for (const Hit& h : *hits) {
    auto& slot = by_technique[h.technique];
    if (slot.first.empty()) slot.first = h.tactic;
    if (!h.rule.empty()) slot.second.push_back(h.rule);
    responding.insert(h.technique);
  }
  for (SigmaFinding& f : sigma_hits) {
    auto& slot = by_technique[f.technique];
    if (slot.first.empty()) slot.first = f.tactic;
    if (std::find(slot.second.begin(), slot.second.end(), f.rule) == slot.second.end()) {
      slot.second.push_back(f.rule);
    }
    if (f.respond) responding.insert(f.technique);
    auto& info = sigma_info.try_emplace(f.technique, Value::array()).first->second;
    info.push_back(std::move(f.info));
  }
  std::vector<Detection> detections;
  std::set<std::string> keys;  // (tenant, agent, technique) of the playbooks that answer
  int64_t ts = now();
  for (auto& [technique, tr] : by_technique) {
    Detection d;
    d.id = core::new_uuid();
    d.tenant_id = tenant;
    d.agent_id = agent_id;
    d.technique = technique;
    d.tactic = tr.first;
    if (d.tactic.empty()) {
      if (const Technique* t = catalogue_.find(technique); t != nullptr && !t->tactics.empty()) {
        d.tactic = t->tactics.front();
      }
    }
    std::sort(tr.second.begin(), tr.second.end());
    d.rules = std::move(tr.second);
    d.event = event;
    d.ts_ms = ts;
    if (auto it = sigma_info.find(technique); it != sigma_info.end()) d.sigma = std::move(it->second);
    if (responding.count(technique) && !ended)
      if (auto pb = playbook(technique)) keys.insert(tenant + '\x1f' + agent_id + '\x1f' + pb->technique);
    detections.push_back(std::move(d));
  }
  // record -> respond -> broadcast as one transaction: the detections, every
  // counter-agent, its containments, evidence, actions and cognition events
  // commit together (one fsync) and are published in commit order, or none is.
  RespondingKeys hold(*this, std::move(keys));
  std::vector<Response> responses;
  IngestResult attempt;
  Status committed = registry_.transact(
      tenant, registry::Actor::detector(), [&](registry::Registry::Unit& u) -> Status {
        responses.clear();
        attempt = IngestResult{};
        std::vector<Detection> ds = detections;
        if (auto st = u.tables().add_detections(ds); !st) return st;
        for (Detection& d : ds) {
          if (ended) {
            // Linked to the counter-agent that answered this technique, if one did.
            if (auto st = link_ended(u, d, *ended); !st) return st;
            u.publish("detection", d.to_json());  // broadcast
            attempt.detections.push_back(std::move(d));
            continue;
          }
          u.publish("detection", d.to_json());  // broadcast
          if (responding.count(d.technique)) respond(u, d, responses, attempt);
          attempt.detections.push_back(std::move(d));
        }
        return {};
      });
  if (!committed.ok()) {
    core::Error e = committed.error();
    e.message = "detections on line " + std::to_string(line) + " were not recorded: " + e.message;
    out.response_errors.push_back(std::move(e));
    return;
  }
  // Durable: the containments are in force from now on (before the client
  // hears of them), and alerts leave for the webhook.
  for (const Response& r : responses) {
    for (const Containment& c : r.containments) {
      containments_->add(c.kind, {tenant, c.agent_id}, c.until_ms,
                         c.kind + " by counter-agent " + c.counter_agent_id + " (" + c.technique + ")");
    }
    if (alerts_)
      for (const Value& a : r.alerts) alerts_->send(a);
  }
  for (auto& d : attempt.detections) out.detections.push_back(std::move(d));
  for (auto& c : attempt.counter_agents) out.counter_agents.push_back(std::move(c));
  for (auto& e : attempt.response_errors) out.response_errors.push_back(std::move(e));
}

std::optional<std::vector<CounterAgentRecord>> Detector::ended_by_response(const std::string& tenant,
                                                                          const std::string& agent_id) {
  auto agent = registry_.store().get(tenant, agent_id, /*include_deleted=*/true);
  if (!agent.ok() || !agent->deleted_at_ms) return std::nullopt;
  auto records = registry_.store().counter_agents(tenant, agent_id);
  if (!records.ok()) return std::nullopt;
  for (const CounterAgentRecord& rec : *records) {
    auto acts = registry_.store().actions(tenant, rec.detection_id);
    if (!acts.ok()) continue;
    for (const ActionRecord& a : *acts) {
      if (a.action == "kill-process" && a.status == "done" && a.agent_id == agent_id) return *records;
    }
  }
  return std::nullopt;  // deleted by someone else: its telemetry is refused as before
}

Status Detector::link_ended(registry::Registry::Unit& u, Detection& d,
                            const std::vector<CounterAgentRecord>& records) {
  auto pb = playbook(d.technique);
  if (!pb) return {};
  const CounterAgentRecord* newest = nullptr;
  for (const CounterAgentRecord& rec : records) {
    if (rec.technique == pb->technique && (newest == nullptr || rec.created_at_ms > newest->created_at_ms)) {
      newest = &rec;
    }
  }
  if (newest == nullptr) return {};
  if (auto st = u.tables().set_counter_agent(d.id, newest->id); !st) return st;
  d.counter_agent_id = newest->id;
  return {};
}

void Detector::respond(registry::Registry::Unit& u, Detection& d, std::vector<Response>& responses,
                       IngestResult& out) {
  auto pb = playbook(d.technique);
  if (!pb) return;  // a detection without a playbook is recorded and broadcast only
  const std::string& tenant = u.tenant();
  // At most one live counter-agent per (agent, technique). The registry is the
  // truth: the child at <agent path>.<label> made for this technique.
  auto target = u.get(d.agent_id);
  if (!target.ok()) {
    out.response_errors.push_back(target.error());
    return;
  }
  const std::string label = counter_label(*pb);
  registry::AgentQuery q;
  q.path = target->path + "." + label;
  q.label = label;
  auto live = u.list(q);
  if (!live.ok()) {
    out.response_errors.push_back(live.error());
    return;
  }
  for (const registry::Agent& a : live->items) {
    const Value* ca = a.mem_state.find("counter_agent");
    const Value* technique = ca != nullptr ? ca->find("technique") : nullptr;
    if (a.parent_id != d.agent_id || technique == nullptr || !technique->is_string() ||
        technique->as_string() != pb->technique) {
      continue;
    }
    if (auto st = u.tables().set_counter_agent(d.id, a.id); !st) {
      out.response_errors.push_back(st.error());
      return;
    }
    d.counter_agent_id = a.id;
    return;
  }
  registry::NewAgent na;
  na.label = label;
  na.parent_id = d.agent_id;
  for (const Goal& g : pb->goals) na.goals.push_back({g.id, g.weight, g.ttl});
  na.emotion = registry::Emotion{0.1, 0.9, 0.8, "URGENT", 0.0};
  na.policy = pb->policy;
  Value mem = Value::object();
  Value ca = Value::object();
  ca.set("technique", pb->technique);
  ca.set("detection_id", d.id);
  ca.set("target_agent_id", d.agent_id);
  ca.set("image", pb->image);
  ca.set("urgency", pb->urgency);
  ca.set("sandbox", sandbox_json());
  mem.set("counter_agent", std::move(ca));
  na.mem_state = std::move(mem);
  Result<registry::Agent> spawned = u.spawn_one(na);
  if (!spawned.ok()) {
    core::Error e = spawned.error();
    e.message = "counter-agent for " + d.technique + " on " + d.agent_id + ": " + e.message;
    out.response_errors.push_back(std::move(e));
    return;
  }
  CounterAgentRecord rec{spawned->id, tenant,        d.agent_id,    pb->technique, d.id,
                         pb->image,   pb->policy,    sandbox_json(), spawned->created_at_ms};
  d.counter_agent_id = rec.id;
  Value msg = Value::object();
  msg.set("counter_agent", registry::agent_to_json(*spawned));
  msg.set("technique", pb->technique);
  msg.set("detection_id", d.id);
  msg.set("agent_id", d.agent_id);
  msg.set("image", pb->image);
  msg.set("urgency", pb->urgency);
  msg.set("sandbox", sandbox_json());
  u.publish("counter_agent.spawn", std::move(msg));
  out.counter_agents.push_back(rec);
  carry_out(u, *pb, *spawned, d, std::move(rec), responses, out);
}

void Detector::carry_out(registry::Registry::Unit& u, const Playbook& pb, const registry::Agent& counter,
                         const Detection& d, CounterAgentRecord record, std::vector<Response>& responses,
                         IngestResult& out) {
  const std::string& tenant = u.tenant();
  int64_t t = now();
  ResponseRecord response{std::move(record), {}, {}, {}};
  Response effects;
  auto contain = [&](const std::string& kind, int64_t ttl_s) -> Value {
    Containment c{tenant, d.agent_id, kind, counter.id, pb.technique, t, t + ttl_s * 1000};
    response.containments.push_back(c);
    effects.containments.push_back(c);  // in force once committed
    Value detail = Value::object();
    detail.set("containment", kind);
    detail.set("until", core::format_time(c.until_ms));
    return detail;
  };
  int64_t max_ttl = 0;
  bool egress_goal = false, quarantine_goal = false;
  for (const Goal& g : pb.goals) {
    max_ttl = std::max(max_ttl, g.ttl);
    egress_goal = egress_goal || g.id == "block-dns" || g.id == "block-egress";
    quarantine_goal = quarantine_goal || g.id == "quarantine";
  }
  auto act = [&](const std::string& action, std::string status, Value detail) {
    response.actions.push_back(
        {tenant, counter.id, d.agent_id, d.id, action, std::move(status), std::move(detail), now()});
  };
  // The playbook's policy is enforced even when no goal names it.
  if (pb.policy == "deny:egress" && !egress_goal) act("policy:deny:egress", "done", contain("deny:egress", max_ttl));
  if (pb.policy == "quarantine" && !quarantine_goal) act("policy:quarantine", "done", contain("quarantine", max_ttl));
  std::vector<Value> bus_alerts;
  for (const Goal& g : ordered_goals(pb)) {
    if (g.id == "forensic-dump") {
      Evidence e;
      e.id = core::new_uuid();
      e.tenant_id = tenant;
      e.agent_id = d.agent_id;
      e.detection_id = d.id;
      e.counter_agent_id = counter.id;
      e.ts_ms = now();
      Value snap = Value::object();
      auto agent = u.get(d.agent_id, /*include_deleted=*/true);
      if (agent.ok()) {
        snap.set("agent", registry::agent_to_json(*agent));
        snap.set("mem_state", agent->mem_state);
      }
      registry::EventQuery q;
      q.limit = options_.evidence_events;
      Value evs = Value::array();
      if (auto page = u.list_events(d.agent_id, q); page.ok()) {
        for (const auto& ev : page->items) evs.push_back(registry::event_to_json(ev));
      }
      int64_t n = static_cast<int64_t>(evs.as_array().size());
      snap.set("events", std::move(evs));
      snap.set("detection", d.to_json());
      e.snapshot = std::move(snap);
      Value detail = Value::object();
      detail.set("evidence_id", e.id);
      detail.set("events", n);
      response.evidence.push_back(std::move(e));
      act(g.id, "done", std::move(detail));
    } else if (g.id == "block-dns" || g.id == "block-egress") {
      act(g.id, "done", contain("deny:egress", g.ttl));
    } else if (g.id == "quarantine") {
      act(g.id, "done", contain("quarantine", g.ttl));
    } else if (g.id == "alert-soc") {
      Value alert = Value::object();
      alert.set("detection", d.to_json());
      if (const Technique* tech = catalogue_.find(d.technique)) {
        alert.set("technique_name", tech->name);
        alert.set("technique_url", tech->url);
      }
      alert.set("counter_agent_id", counter.id);
      alert.set("image", pb.image);
      alert.set("urgency", pb.urgency);
      bus_alerts.push_back(alert);
      effects.alerts.push_back(std::move(alert));
      Value detail = Value::object();
      detail.set("stream", "alert");
      detail.set("webhook", alerts_ != nullptr);
      act(g.id, "done", std::move(detail));
    } else if (g.id == "kill-process") {
      Value detail = Value::object();
      detail.set("deleted_agent_id", d.agent_id);
      auto ended = end_agent(u, d.agent_id);
      if (!ended.ok()) {
        detail.set("error", error_json(ended.error()));
        act(g.id, "failed", std::move(detail));
      } else {
        detail.set("children_moved_to", target_parent_json(*ended));
        act(g.id, "done", std::move(detail));
      }
    }
  }
  // The counter-agent's record, containments, evidence and actions, in the
  // same transaction as the detection and the spawn.
  if (auto st = u.tables().record_response(response); !st.ok()) {
    core::Error e = st.error();
    e.message = "records of the response to " + d.technique + " on " + d.agent_id + ": " + e.message;
    out.response_errors.push_back(e);
  }
  std::vector<registry::NewEvent> events;
  Value perceive = Value::object();
  perceive.set("detection", d.to_json());
  events.push_back({registry::CognitionType::kPerceive, std::move(perceive), std::nullopt});
  Value plan = Value::object();
  plan.set("goals", registry::goals_to_json(counter.goals));
  plan.set("policy", pb.policy);
  events.push_back({registry::CognitionType::kPlan, std::move(plan), std::nullopt});
  for (const ActionRecord& a : response.actions) {
    Value p = Value::object();
    p.set("action", a.action);
    p.set("target_agent_id", d.agent_id);
    p.set("technique", pb.technique);
    p.set("detection_id", d.id);
    p.set("status", a.status);
    p.set("detail", a.detail);
    events.push_back({registry::CognitionType::kAct, std::move(p), std::nullopt});
  }
  if (auto st = u.append_events(counter.id, events); !st.ok()) {
    out.response_errors.push_back(st.error());
  }
  for (Value& a : bus_alerts) u.publish("alert", std::move(a));
  responses.push_back(std::move(effects));
}

// kill-process: the agent is soft-deleted. Its live children — the counter-agent
// among them — move up to its parent (roots when it had none), as orphaned
// processes do, so no live agent is left under a deleted one.
Result<std::optional<std::string>> Detector::end_agent(registry::Registry::Unit& u,
                                                       const std::string& agent_id) {
  auto agent = u.get(agent_id);
  if (!agent.ok()) return agent.error();
  registry::AgentQuery q;
  q.subtree_of = agent_id;
  q.limit = 1000;
  std::vector<std::string> children;
  while (true) {
    auto page = u.list(q);
    if (!page.ok()) return page.error();
    for (const auto& a : page->items)
      if (a.parent_id == agent_id) children.push_back(a.id);
    if (!page->next_cursor) break;
    q.cursor = page->next_cursor;
  }
  for (const auto& child : children)
    if (auto m = u.move(child, agent->parent_id); !m.ok()) return m.error();
  if (auto r = u.remove(agent_id, /*subtree=*/false); !r.ok()) return r.error();
  return agent->parent_id;
}

std::vector<Playbook> Detector::playbooks() const {
  std::lock_guard lock(playbook_mu_);
  std::vector<Playbook> out;
  for (const auto& [_, p] : playbooks_.all()) out.push_back(p);
  return out;
}

std::optional<Playbook> Detector::playbook(const std::string& technique) const {
  std::lock_guard lock(playbook_mu_);
  const Playbook* p = playbooks_.find(technique, &catalogue_);
  if (p == nullptr) return std::nullopt;
  return *p;
}

Result<Playbook> Detector::put_playbook(const Value& doc) {
  auto p = parse_playbook(doc, &catalogue_);
  if (!p.ok()) return p.error();
  std::lock_guard lock(playbook_mu_);
  playbooks_.put(*p);
  return *p;
}

bool is_mapping_package(const std::string& package) {
  return package == "mitre" || package.rfind("mitre.", 0) == 0;
}

Result<std::shared_ptr<const PolicySet>> Detector::build_with(
    const std::map<std::string, std::string>& user) const {
  std::map<std::string, std::string> modules = shipped_policies_;
  for (const auto& [name, source] : user) modules[name] = source;
  return PolicySet::build(std::move(modules));
}

void Detector::install(std::shared_ptr<const PolicySet> set, std::map<std::string, std::string> user) {
  std::lock_guard lock(policy_mu_);
  policies_ = std::move(set);
  user_policies_ = std::move(user);
}

std::map<std::string, std::string> Detector::user_policies() const {
  std::lock_guard lock(policy_mu_);
  return user_policies_;
}

Result<std::function<void()>> Detector::prepare_policies(
    const std::map<std::string, std::string>& stored) {
  std::map<std::string, std::string> user;
  for (const auto& [name, source] : stored) {
    auto package = policy::module_package(source);
    if (package.ok() && is_mapping_package(*package)) user[name] = source;
  }
  auto set = build_with(user);
  if (!set.ok()) return set.error();
  return std::function<void()>([this, set = std::move(*set), user = std::move(user)]() mutable {
    install(std::move(set), std::move(user));
  });
}

Status Detector::put_policy(const std::string& name, const std::string& source) {
  std::map<std::string, std::string> user = user_policies();
  user[name] = source;
  auto set = build_with(user);
  if (!set.ok()) return set.error();
  install(std::move(*set), std::move(user));
  return {};
}

Status Detector::delete_policy(const std::string& name) {
  std::map<std::string, std::string> user = user_policies();
  if (user.erase(name) == 0) {
    if (shipped_policies_.count(name)) {
      return core::make_error(code::kConflict,
                              name + " is a shipped module: replace it (an empty `package mitre` "
                                     "module of the same name turns it off)");
    }
    return core::make_error(code::kNotFound, "no policy " + name);
  }
  auto set = build_with(user);
  if (!set.ok()) return set.error();
  install(std::move(*set), std::move(user));
  return {};
}

std::map<std::string, std::string> Detector::policies() const { return policy_set()->modules(); }

}  // namespace genesis::detect
