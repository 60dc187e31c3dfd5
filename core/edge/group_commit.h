// GroupCommit (internal to core/edge): runs the store mutations of concurrent
// callers in one write transaction, so N requests share one fsync.
//
// Leader/follower, no thread of its own: a caller queues its Apply and waits;
// when no batch is running, one waiting caller becomes the leader, takes up
// to kMaxBatch queued Applies, runs them in queue order inside one
// Store::write (on its own thread, as LMDB requires) and wakes everyone.
//
// An Apply must either write nothing and set a refusal in its Decision, or
// perform its writes and set an accepted Decision; it returns non-ok only when
// the store failed, which fails the whole batch (every member gets kInternal,
// nothing is applied). A batch where every member was refused is aborted, not
// committed. Later Applies of a batch see the writes of earlier ones (one
// transaction), so two requests of one object in a batch are ordered exactly
// as if they ran one after the other.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

#include "mlchain/edge/request.h"
#include "mlchain/store/store.h"

namespace mlchain::edge::detail {

class GroupCommit {
 public:
  using Apply = std::function<Status(store::WriteTxn&, Decision&)>;
  static constexpr std::size_t kMaxBatch = 128;

  explicit GroupCommit(store::Store& store) : store_(store) {}
  // Blocks until the Apply ran in a committed (or failed) batch.
  Decision run(const Apply& apply);

 private:
  struct Pending {
    const Apply* apply = nullptr;
    Decision decision;
    bool done = false;
  };
  void lead(std::unique_lock<std::mutex>& lock);

  store::Store& store_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;
  bool leading_ = false;
};

}  // namespace mlchain::edge::detail
