// The background retention pass: one thread, one pass per interval, each pass
// the store's batched apply_retention (writers interleave between batches).
#include "storage/retention.h"

#include <cstdio>

namespace genesis::storage {

RetentionWorker::RetentionWorker(Store& store, RetentionPolicy policy, int64_t interval_ms)
    : store_(store), policy_(std::move(policy)), interval_ms_(interval_ms) {
  if (policy_.empty() || interval_ms_ <= 0) return;
  thread_ = std::thread([this] { run(); });
}

RetentionWorker::~RetentionWorker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RetentionWorker::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    // The first pass comes one interval after start, not at start: a restart
    // loop must not turn into a deletion loop, and start-up stays quick.
    if (wake_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stop_; })) return;
    lock.unlock();
    auto r = store_.apply_retention(policy_, core::now_ms());
    if (!r) {
      std::fprintf(stderr, "genesisd: retention pass failed: %s\n", r.error().message.c_str());
    } else {
      int64_t total = 0;
      for (const auto& [kind, n] : r->deleted) total += n;
      if (total > 0) {
        std::fprintf(stderr, "genesisd: retention deleted");
        for (const auto& [kind, n] : r->deleted) std::fprintf(stderr, " %s=%lld", kind.c_str(), (long long)n);
        std::fprintf(stderr, "\n");
      }
    }
    lock.lock();
  }
}

}  // namespace genesis::storage
