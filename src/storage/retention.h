// Background retention: deletes rows past their kind's maximum age once per
// interval (Store::apply_retention, in bounded batches). The policy comes from
// the configuration's retention.* keys (docs/configuration.md).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "storage/storage.h"

namespace genesis::storage {

class RetentionWorker {
 public:
  // Starts the thread unless the policy deletes nothing or interval_ms <= 0.
  // The first pass runs one interval after construction. Failures (PostgreSQL:
  // not implemented) are logged to stderr, and the next interval tries again.
  RetentionWorker(Store& store, RetentionPolicy policy, int64_t interval_ms);
  ~RetentionWorker();  // stops and joins; an ongoing pass finishes first
  RetentionWorker(const RetentionWorker&) = delete;
  RetentionWorker& operator=(const RetentionWorker&) = delete;

 private:
  void run();
  Store& store_;
  RetentionPolicy policy_;
  int64_t interval_ms_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace genesis::storage
