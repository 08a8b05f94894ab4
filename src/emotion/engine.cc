// The emotion engine: heartbeat batches through the Store, group commit, and
// the offloader.
#include "emotion/engine.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace genesis::emotion {

using core::Result;
using core::Value;
namespace code = core::code;

namespace {

// Distinguishes "this receiver is no longer eligible, try the next" from
// "the giver no longer needs to offload, stop" inside a transfer plan.
constexpr const char* kReceiverIneligible = "offload_receiver_ineligible";
constexpr const char* kNothingToOffload = "offload_not_needed";

Emotion from_registry(const registry::Emotion& e) {
  Emotion out;
  out.pleasure = e.pleasure;
  out.arousal = e.arousal;
  out.dominance = e.dominance;
  out.label = parse_label(e.label).value_or(Label::kNeutral);
  out.fatigue = e.fatigue;
  return out;
}

registry::Emotion to_registry(const Emotion& e) {
  return registry::Emotion{e.pleasure, e.arousal, e.dominance, label_name(e.label), e.fatigue};
}

std::string fmt2(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", d);
  return buf;
}

}  // namespace

Value to_value(const Offload& o) {
  Value v = Value::object();
  v.set("from", o.from);
  v.set("to", o.to);
  v.set("goals", registry::goals_to_json(o.goals));
  v.set("sibling", o.sibling);
  return v;
}

Value to_value(const HeartbeatResult& r) {
  Value v = Value::object();
  v.set("agent_id", r.agent_id);
  v.set("emotion", to_value(r.emotion));
  v.set("ts", core::format_time(r.ts_ms));
  v.set("offload", r.offload ? to_value(*r.offload) : Value());
  return v;
}

struct Engine::Pending {
  const std::string* tenant;
  Heartbeat hb;
  std::optional<Result<HeartbeatResult>> result;
};

Engine::Engine(registry::Registry& registry, const Model& model, EngineOptions options)
    : registry_(registry),
      store_(registry.store()),
      bus_(registry.bus()),
      model_(model),
      options_(std::move(options)) {
  if (options_.max_batch == 0) options_.max_batch = 1;
}

bool Engine::is_quarantined(const registry::Agent& a) const {
  if (a.policy == "quarantine") return true;
  return options_.quarantined && options_.quarantined(a);
}

Result<HeartbeatResult> Engine::heartbeat(const std::string& tenant, Heartbeat hb) {
  Pending me{&tenant, std::move(hb), std::nullopt};
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&me);
  while (!me.result) {
    if (committing_) {
      queue_cv_.wait(lock);
      continue;
    }
    // Lead a group commit: take what is queued (this heartbeat included, or
    // an earlier batch that still holds it back) and store it in one go.
    committing_ = true;
    std::vector<Pending*> batch;
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    // One transaction per tenant in the batch.
    std::map<std::string, std::vector<Pending*>> by_tenant;
    for (Pending* p : batch) by_tenant[*p->tenant].push_back(p);
    std::vector<std::pair<Pending*, Result<HeartbeatResult>>> done;
    for (auto& [t, items] : by_tenant) {
      std::vector<Heartbeat> hbs;
      hbs.reserve(items.size());
      for (Pending* p : items) hbs.push_back(std::move(p->hb));
      auto results = heartbeats(t, hbs);
      for (size_t i = 0; i < items.size(); ++i) done.emplace_back(items[i], std::move(results[i]));
    }
    lock.lock();
    for (auto& [p, r] : done) p->result = std::move(r);
    committing_ = false;
    queue_cv_.notify_all();
  }
  return std::move(*me.result);
}

std::vector<Result<HeartbeatResult>> Engine::heartbeats(const std::string& tenant,
                                                        std::span<const Heartbeat> batch) {
  std::vector<Result<HeartbeatResult>> out;
  out.reserve(batch.size());
  if (batch.empty()) return out;

  // 1. Appraise.
  const int64_t now = core::now_ms();
  std::vector<registry::EmotionUpdate> updates(batch.size());
  std::vector<HeartbeatResult> results(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    results[i].agent_id = batch[i].agent_id;
    results[i].emotion = appraise(model_, batch[i].telemetry);
    results[i].ts_ms = batch[i].ts_ms.value_or(now);
    updates[i].agent_id = batch[i].agent_id;
    updates[i].emotion = to_registry(results[i].emotion);
  }

  // 2. Store, one transaction, and 3. publish what committed, in commit order
  // (the hook runs once the batch is durable).
  auto publish = [&](const registry::EmotionWrite& stored) {
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!stored.results[i].updated) continue;
      Value data = Value::object();
      data.set("agent_id", results[i].agent_id);
      data.set("emotion", to_value(results[i].emotion));
      data.set("telemetry", to_value(batch[i].telemetry));
      data.set("ts", core::format_time(results[i].ts_ms));
      bus_.publish("agent.emotion", tenant, std::move(data));
    }
  };
  auto written = registry_.set_emotions(tenant, updates, registry::Actor::emotion(), publish);
  if (!written) {
    for (size_t i = 0; i < batch.size(); ++i) out.emplace_back(written.error());
    return out;
  }
  const std::vector<std::optional<core::Error>>& refused = written->refused;
  Result<std::vector<registry::EmotionUpdateResult>> stored = std::move(written->results);
  if (!stored) {
    for (size_t i = 0; i < batch.size(); ++i) out.emplace_back(stored.error());
    return out;
  }

  // 4. Remember.
  std::vector<size_t> to_offload;
  uint64_t n_stored = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!(*stored)[i].updated) continue;
    ++n_stored;
    remember(tenant, results[i].agent_id, Reading{results[i].ts_ms, results[i].emotion});
    if (should_offload(results[i].emotion) && (*stored)[i].goal_count > 0) to_offload.push_back(i);
  }
  {
    std::lock_guard lock(history_mu_);
    stats_.heartbeats += n_stored;
    stats_.batches += 1;
  }

  // 5. Offload check. A failed offload does not fail the heartbeat, which is
  // already durable; the next heartbeat tries again.
  for (size_t i : to_offload) {
    auto o = offload(tenant, results[i].agent_id);
    if (o && *o) results[i].offload = std::move(**o);
  }

  for (size_t i = 0; i < batch.size(); ++i) {
    if ((*stored)[i].updated)
      out.emplace_back(std::move(results[i]));
    else if (refused[i])
      out.emplace_back(*refused[i]);
    else
      out.emplace_back(core::make_error(code::kNotFound, "no agent " + batch[i].agent_id));
  }
  return out;
}

void Engine::remember(const std::string& tenant, const std::string& agent_id, const Reading& r) {
  if (options_.history == 0) return;
  std::lock_guard lock(history_mu_);
  auto& ring = history_[tenant + "/" + agent_id];
  ring.push_back(r);
  while (ring.size() > options_.history) ring.pop_front();
}

std::vector<Reading> Engine::history(const std::string& tenant, const std::string& agent_id) const {
  std::lock_guard lock(history_mu_);
  auto it = history_.find(tenant + "/" + agent_id);
  if (it == history_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

Engine::Stats Engine::stats() const {
  std::lock_guard lock(history_mu_);
  return stats_;
}

Result<std::vector<registry::Agent>> Engine::candidates(const std::string& tenant,
                                                        const registry::Agent& giver,
                                                        size_t& sibling_count) {
  // The root of the giver's tree (parents may be soft-deleted; the tree stays).
  std::string root = giver.id;
  std::optional<std::string> up = giver.parent_id;
  for (int depth = 0; up && depth < 1024; ++depth) {
    auto parent = store_.get(tenant, *up, /*include_deleted=*/true);
    if (!parent) return parent.error();
    root = parent->id;
    up = parent->parent_id;
  }

  auto scan = [&](registry::AgentQuery q,
                  const std::function<void(registry::Agent &&)>& take) -> core::Status {
    q.limit = 1000;
    size_t seen = 0;
    while (seen < options_.max_candidates) {
      auto page = store_.list(tenant, q);
      if (!page) return page.error();
      for (auto& a : page->items) take(std::move(a));
      seen += page->items.size();
      if (!page->next_cursor) break;
      q.cursor = page->next_cursor;
    }
    return {};
  };

  std::vector<registry::Agent> siblings, rest;
  auto eligible = [&](const registry::Agent& a) {
    return a.id != giver.id && !a.deleted_at_ms && !is_quarantined(a) &&
           can_receive_offload(from_registry(a.emotion));
  };
  auto sibling_of_giver = [&](const registry::Agent& a) { return a.parent_id == giver.parent_id; };

  if (!giver.parent_id) {
    // A root's siblings are the tenant's other roots.
    if (auto s = scan(registry::AgentQuery{},
                      [&](registry::Agent&& a) {
                        if (!a.parent_id && eligible(a)) siblings.push_back(std::move(a));
                      });
        !s)
      return s.error();
  }
  registry::AgentQuery tree;
  tree.subtree_of = root;
  if (auto s = scan(tree,
                    [&](registry::Agent&& a) {
                      if (!eligible(a)) return;
                      if (giver.parent_id && sibling_of_giver(a))
                        siblings.push_back(std::move(a));
                      else if (giver.parent_id || a.parent_id)
                        rest.push_back(std::move(a));
                    });
      !s)
    return s.error();

  // Freshest first: least fatigue, then most pleasure; the id breaks ties so
  // the choice is deterministic.
  auto fresher = [](const registry::Agent& a, const registry::Agent& b) {
    if (a.emotion.fatigue != b.emotion.fatigue) return a.emotion.fatigue < b.emotion.fatigue;
    if (a.emotion.pleasure != b.emotion.pleasure) return a.emotion.pleasure > b.emotion.pleasure;
    return a.id < b.id;
  };
  std::sort(siblings.begin(), siblings.end(), fresher);
  std::sort(rest.begin(), rest.end(), fresher);
  sibling_count = siblings.size();
  siblings.insert(siblings.end(), std::make_move_iterator(rest.begin()),
                  std::make_move_iterator(rest.end()));
  return siblings;
}

Result<std::optional<Offload>> Engine::offload(const std::string& tenant,
                                               const std::string& agent_id) {
  auto giver = store_.get(tenant, agent_id);
  if (!giver) return giver.error();
  Emotion mood = from_registry(giver->emotion);
  if (!should_offload(mood) || giver->goals.empty() || is_quarantined(*giver))
    return std::optional<Offload>();

  size_t sibling_count = 0;
  auto peers = candidates(tenant, *giver, sibling_count);
  if (!peers) return peers.error();

  // Re-checked inside each transfer's transaction: the store may have moved on
  // since the candidates were read (other offloads, heartbeats, deletions).
  registry::TransferPlan plan = [this](const registry::Agent& from, const registry::Agent& to,
                                       const std::vector<registry::Goal>& moved)
      -> Result<std::pair<registry::NewEvent, registry::NewEvent>> {
    Emotion from_mood = from_registry(from.emotion);
    if (moved.empty() || !should_offload(from_mood) || is_quarantined(from))
      return core::make_error(kNothingToOffload, "agent " + from.id + " no longer offloads");
    if (is_quarantined(to) || !can_receive_offload(from_registry(to.emotion)))
      return core::make_error(kReceiverIneligible, "agent " + to.id + " cannot take goals now");
    core::Array ids;
    for (const auto& g : moved) ids.push_back(g.id);
    std::string reason = "fatigue " + fmt2(from_mood.fatigue) + " > 0.7 and pleasure " +
                         fmt2(from_mood.pleasure) + " < 0.2";
    registry::NewEvent reflect;
    reflect.type = registry::CognitionType::kReflect;
    reflect.payload = core::Object{{"kind", "offload"},
                                   {"to", to.id},
                                   {"goals", ids},
                                   {"reason", reason},
                                   {"emotion", registry::emotion_to_json(from.emotion)}};
    registry::NewEvent take;
    take.type = registry::CognitionType::kPlan;
    take.payload = core::Object{{"kind", "offload"},
                                {"from", from.id},
                                {"goals", registry::goals_to_json(moved)},
                                {"reason", "took over the goals of a fatigued agent: " + reason}};
    return std::pair{std::move(reflect), std::move(take)};
  };

  for (size_t i = 0; i < peers->size(); ++i) {
    const registry::Agent& peer = (*peers)[i];
    const bool sibling = i < sibling_count;
    auto publish = [&](const registry::GoalTransfer& t) {
      bus_.publish("agent.offload", tenant,
                   to_value(Offload{t.from.id, t.to.id, t.moved, sibling}));
    };
    auto t = registry_.transfer_goals(tenant, agent_id, peer.id, plan, registry::Actor::emotion(), publish);
    if (!t) {
      const std::string& c = t.error().code;
      if (c == kNothingToOffload) return std::optional<Offload>();
      // A guard refused: the giver may not give (stop), or this receiver may not take (next).
      if (c == code::kForbidden && t.error().where.rfind("from", 0) == 0) return std::optional<Offload>();
      if (c == code::kForbidden) continue;
      // The giver went away: stop. The receiver changed or went away: try the next.
      if (c == code::kNotFound && t.error().where.rfind("from", 0) == 0) return t.error();
      if (c == kReceiverIneligible || c == code::kNotFound) continue;
      return t.error();
    }
    {
      std::lock_guard lock(history_mu_);
      stats_.offloads += 1;
    }
    return std::optional<Offload>(Offload{agent_id, peer.id, t->moved, sibling});
  }
  return std::optional<Offload>();
}

}  // namespace genesis::emotion
