// The resource guard of one evaluation: a memory budget, a deadline and a
// cancellation check, installed on the evaluating thread for the length of
// the evaluation. Internal to src/policy.
//
// Memory: every Rego value the engine builds (strings, arrays, objects,
// sets) and every large buffer a built-in is about to fill is charged to the
// guard, in bytes, before or as it is built. The budget counts what the
// evaluation allocates, not what it still holds, so it bounds both its peak
// memory and its allocation work. Values built with no guard installed
// (module compilation, base data parsing) are not counted.
//
// Time: the evaluator and long built-in loops call poll(); every kPollEvery
// calls it reads the clock and, at most every kCancelEvery, asks the
// cancellation callback (whose cost may be a system call). A step of the
// evaluator and one iteration of a built-in's loop are both short, so the
// deadline holds within a few milliseconds.
//
// On a limit, the guard throws LimitExceeded; the evaluator turns it into
// OPA's eval_cancel_error. Thread-safety: a guard belongs to one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace genesis::policy {

struct LimitExceeded {
  std::string message;  // "evaluation exceeded the memory limit (... bytes)", ...
};

class EvalGuard {
 public:
  static constexpr uint32_t kPollEvery = 256;
  static constexpr std::chrono::milliseconds kCancelEvery{20};

  // Installs this guard on the calling thread (the previous one is restored
  // by the destructor). max_bytes 0: no memory budget. cancelled: asked now
  // and then; true ends the evaluation. It must be callable from this thread.
  EvalGuard(uint64_t max_bytes, std::chrono::steady_clock::time_point deadline,
            std::function<bool()> cancelled);
  ~EvalGuard();
  EvalGuard(const EvalGuard&) = delete;
  EvalGuard& operator=(const EvalGuard&) = delete;

  // Charges `bytes` to the current thread's guard (none installed: nothing).
  static void charge(uint64_t bytes) {
    if (EvalGuard* g = current_) g->add(bytes);
  }
  // Cheap; every kPollEvery calls checks the deadline and cancellation.
  static void poll() {
    if (EvalGuard* g = current_; g && --g->countdown_ == 0) g->check();
  }
  // Checks the deadline and cancellation now.
  void check();

  uint64_t allocated() const { return allocated_; }
  static EvalGuard* current() { return current_; }

 private:
  void add(uint64_t bytes) {
    allocated_ += bytes;
    if (max_bytes_ && allocated_ > max_bytes_) over_budget();
  }
  [[noreturn]] void over_budget();

  static thread_local EvalGuard* current_;
  EvalGuard* previous_;
  uint64_t max_bytes_;
  uint64_t allocated_ = 0;
  uint32_t countdown_ = kPollEvery;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point next_cancel_check_;
  std::function<bool()> cancelled_;
};

}  // namespace genesis::policy
