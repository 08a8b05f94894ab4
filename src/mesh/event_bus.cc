#include "mesh/mesh.h"

#include <algorithm>

namespace genesis::mesh {

std::string event_to_json(const Event& e) {
  std::string out = "{\"seq\":" + std::to_string(e.seq) + ",\"type\":";
  core::append_json_string(out, e.type);
  out += ",\"data\":";
  core::append_json(out, e.data);
  out += '}';
  return out;
}

uint64_t EventBus::publish(std::string type, std::string tenant_id, core::Value data) {
  std::lock_guard lock(mu_);
  // The lock is held while delivering so every subscriber sees events in seq order.
  ++total_;
  uint64_t seq = ++seq_[tenant_id];
  Event e{seq, std::move(type), std::move(tenant_id), std::move(data), {}};
  if (!subscribers_.empty()) e.json = event_to_json(e);
  for (auto& [id, cb] : subscribers_) cb(e);
  return e.seq;
}

std::unique_ptr<EventBus::Subscription> EventBus::subscribe(Callback cb) {
  std::lock_guard lock(mu_);
  uint64_t id = next_id_++;
  subscribers_.emplace_back(id, std::move(cb));
  return std::make_unique<Subscription>(this, id);
}

void EventBus::unsubscribe(uint64_t id) {
  std::lock_guard lock(mu_);
  std::erase_if(subscribers_, [id](const auto& s) { return s.first == id; });
}

uint64_t EventBus::last_seq(const std::string& tenant_id) const {
  std::lock_guard lock(mu_);
  auto it = seq_.find(tenant_id);
  return it == seq_.end() ? 0 : it->second;
}

uint64_t EventBus::published() const {
  std::lock_guard lock(mu_);
  return total_;
}

}  // namespace genesis::mesh
