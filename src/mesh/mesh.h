// The event bus: the spine every change of the fleet travels on.
//
// Publishers (registry service, detector, emotion) publish typed events; each
// gets the next sequence number of its tenant on this node, so a subscriber of
// one tenant that sees seq jump knows it missed events (another tenant's events
// never show up as a gap). Subscribers are called synchronously on the
// publisher's thread, in sequence order, and must not block: they copy what
// they need (e.g. onto a WebSocket write queue) and return.
//
// Thread safety: publish, subscribe and unsubscribe may be called from any
// thread. A subscriber must not publish from inside its callback, and must not
// call the registry or its store: the registry publishes from the store's
// commit hook, with the store locked. Hand such work to another thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/value.h"

namespace genesis::mesh {

struct Event {
  uint64_t seq = 0;
  std::string type;  // "agent.spawn", "agent.move", "agent.update", "agent.delete", "cognition", ...
  std::string tenant_id;
  core::Value data;
  std::string json;  // event_to_json(*this), filled once at publication
};

// {"seq":N,"type":"...","data":{...}}
std::string event_to_json(const Event& e);

class EventBus {
 public:
  using Callback = std::function<void(const Event&)>;

  // Unsubscribes when destroyed.
  class Subscription {
   public:
    Subscription(EventBus* bus, uint64_t id) : bus_(bus), id_(id) {}
    ~Subscription() { bus_->unsubscribe(id_); }
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

   private:
    EventBus* bus_;
    uint64_t id_;
  };

  // Returns the event's sequence number (its tenant's).
  uint64_t publish(std::string type, std::string tenant_id, core::Value data);
  [[nodiscard]] std::unique_ptr<Subscription> subscribe(Callback cb);
  // The last sequence number of the tenant (0: none yet).
  uint64_t last_seq(const std::string& tenant_id) const;
  // Events published, all tenants.
  uint64_t published() const;

 private:
  void unsubscribe(uint64_t id);

  mutable std::mutex mu_;  // guards everything below; held while calling subscribers
  std::map<std::string, uint64_t> seq_;  // per tenant
  uint64_t total_ = 0;
  uint64_t next_id_ = 1;
  std::vector<std::pair<uint64_t, Callback>> subscribers_;
};

}  // namespace genesis::mesh
