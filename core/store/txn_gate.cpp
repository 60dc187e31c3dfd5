#include "txn_gate.h"

namespace mlchain::store {

void TxnGate::enter() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !exclusive_; });
  ++open_;
}

void TxnGate::leave() {
  std::lock_guard lock(mu_);
  if (--open_ == 0) cv_.notify_all();
}

bool TxnGate::begin_exclusive(std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, deadline, [&] { return !exclusive_; })) return false;
  exclusive_ = true;  // from here new transactions wait: growth is not starved by a stream of readers
  if (!cv_.wait_until(lock, deadline, [&] { return open_ == 0; })) {
    exclusive_ = false;
    cv_.notify_all();
    return false;
  }
  return true;
}

void TxnGate::end_exclusive() {
  std::lock_guard lock(mu_);
  exclusive_ = false;
  cv_.notify_all();
}

int TxnGate::open_count() const {
  std::lock_guard lock(mu_);
  return open_;
}

}  // namespace mlchain::store
