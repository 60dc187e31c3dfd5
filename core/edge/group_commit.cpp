#include "group_commit.h"

#include <vector>

namespace mlchain::edge::detail {

Decision GroupCommit::run(const Apply& apply) {
  Pending me;
  me.apply = &apply;
  std::unique_lock lock(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (!leading_) {
      lead(lock);
    } else {
      cv_.wait(lock, [&] { return me.done || !leading_; });
    }
  }
  return std::move(me.decision);
}

void GroupCommit::lead(std::unique_lock<std::mutex>& lock) {
  leading_ = true;
  std::vector<Pending*> batch;
  while (!queue_.empty() && batch.size() < kMaxBatch) {
    batch.push_back(queue_.front());
    queue_.pop_front();
  }
  lock.unlock();
  bool all_refused = false;
  Status st = store_.write([&](store::WriteTxn& txn) -> Status {
    all_refused = false;
    bool any_accepted = false;
    for (Pending* p : batch) {
      p->decision = {};
      MLCHAIN_TRY((*p->apply)(txn, p->decision));
      any_accepted |= p->decision.accepted();
    }
    // Nothing to keep: abort rather than commit an empty transaction.
    all_refused = !any_accepted;
    return any_accepted ? Status{} : failed_precondition("batch of refusals");
  });
  if (!st.ok() && !all_refused) {
    for (Pending* p : batch)
      p->decision = Decision::refuse(Reason::kInternal, "the registry store failed: " + st.to_string());
  }
  lock.lock();
  for (Pending* p : batch) p->done = true;
  leading_ = false;
  cv_.notify_all();
}

}  // namespace mlchain::edge::detail
