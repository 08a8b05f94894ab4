#include "policy/guard.h"

#include <utility>

namespace genesis::policy {

thread_local EvalGuard* EvalGuard::current_ = nullptr;

EvalGuard::EvalGuard(uint64_t max_bytes, std::chrono::steady_clock::time_point deadline,
                     std::function<bool()> cancelled)
    : previous_(current_),
      max_bytes_(max_bytes),
      deadline_(deadline),
      next_cancel_check_(std::chrono::steady_clock::now()),
      cancelled_(std::move(cancelled)) {
  current_ = this;
}

EvalGuard::~EvalGuard() { current_ = previous_; }

void EvalGuard::check() {
  countdown_ = kPollEvery;
  auto now = std::chrono::steady_clock::now();
  if (now > deadline_) throw LimitExceeded{"evaluation exceeded the time limit"};
  if (cancelled_ && now >= next_cancel_check_) {
    next_cancel_check_ = now + kCancelEvery;
    if (cancelled_()) throw LimitExceeded{"caller cancelled query execution"};
  }
}

void EvalGuard::over_budget() {
  throw LimitExceeded{"evaluation exceeded the memory limit (" + std::to_string(allocated_) + " bytes)"};
}

}  // namespace genesis::policy
