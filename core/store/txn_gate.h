// TxnGate: counts the open transactions of one LMDB environment in this
// process so the map can be resized when none is open. mdb_env_set_mapsize
// munmaps and remaps data.mdb: any txn or cursor of this process holds
// pointers into the old mapping, so resizing needs exclusive use.
//
// enter()/leave() bracket every transaction. begin_exclusive() first keeps
// new transactions out (they wait in enter()), then waits for the open ones to
// leave. Both waits are bounded: a thread that holds a transaction while it
// needs the map resized would otherwise wait for itself. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace mlchain::store {

class TxnGate {
 public:
  void enter();
  void leave();
  // True: no transaction is open and none can begin until end_exclusive().
  // False: `wait` passed first; nothing changed.
  bool begin_exclusive(std::chrono::milliseconds wait);
  void end_exclusive();
  int open_count() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int open_ = 0;
  bool exclusive_ = false;
};

// Holds the gate exclusively for its lifetime (after a successful begin).
class ExclusiveGate {
 public:
  ExclusiveGate(TxnGate& gate, std::chrono::milliseconds wait) : gate_(gate), held_(gate.begin_exclusive(wait)) {}
  ~ExclusiveGate() {
    if (held_) gate_.end_exclusive();
  }
  ExclusiveGate(const ExclusiveGate&) = delete;
  ExclusiveGate& operator=(const ExclusiveGate&) = delete;
  bool held() const { return held_; }

 private:
  TxnGate& gate_;
  bool held_;
};

}  // namespace mlchain::store
