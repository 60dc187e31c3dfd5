// Driver: the one thread that owns a Replica and its Ledger (internal to
// core/node). Tasks posted from any thread run in order on it; timers (one
// per consensus::TimerKind) and a periodic tick run on it too, so replica
// state needs no lock.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "mlchain/common/clock.h"
#include "mlchain/consensus/events.h"

namespace mlchain::node::detail {

class Driver {
 public:
  using Task = std::function<void()>;
  using Clock = std::chrono::steady_clock;

  Driver() = default;
  ~Driver() { stop(); }
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // on_timer(kind) when a timer is due; on_tick every `tick`; after_batch
  // after each round of queued tasks and due timers (group commit point).
  void start(std::function<void(consensus::TimerKind)> on_timer, Task on_tick, std::chrono::milliseconds tick,
             Task after_batch);
  // Runs the tasks already queued, then joins the thread. Idempotent; not
  // from the driver thread.
  void stop();
  // Thread-safe. False (task dropped) after stop(). Tasks posted before
  // start() run after it.
  bool post(Task task);
  std::size_t queued() const;

  // Driver thread only.
  void set_timer(consensus::TimerKind kind, Micros after);
  void cancel_timer(consensus::TimerKind kind);

 private:
  void run();

  std::function<void(consensus::TimerKind)> on_timer_;
  Task on_tick_;
  Task after_batch_;
  std::chrono::milliseconds tick_{100};
  std::array<std::optional<Clock::time_point>, consensus::kTimerKinds> timers_{};  // driver thread only
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace mlchain::node::detail
