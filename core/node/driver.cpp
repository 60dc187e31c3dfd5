#include "driver.h"

namespace mlchain::node::detail {

void Driver::start(std::function<void(consensus::TimerKind)> on_timer, Task on_tick, std::chrono::milliseconds tick,
                   Task after_batch) {
  on_timer_ = std::move(on_timer);
  after_batch_ = std::move(after_batch);
  on_tick_ = std::move(on_tick);
  tick_ = tick;
  thread_ = std::thread([this] { run(); });
}

void Driver::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopping_ = true;
    stopped_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  tasks_.clear();
}

bool Driver::post(Task task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

std::size_t Driver::queued() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

void Driver::set_timer(consensus::TimerKind kind, Micros after) {
  timers_[static_cast<std::size_t>(kind)] = Clock::now() + after;
}

void Driver::cancel_timer(consensus::TimerKind kind) { timers_[static_cast<std::size_t>(kind)].reset(); }

void Driver::run() {
  auto next_tick = Clock::now() + tick_;
  std::deque<Task> batch;
  for (;;) {
    auto wake = next_tick;
    for (const auto& t : timers_)
      if (t && *t < wake) wake = *t;
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, wake, [&] { return stopping_ || !tasks_.empty(); });
      batch.swap(tasks_);
    }
    for (auto& task : batch) task();
    batch.clear();
    auto now = Clock::now();
    for (std::size_t k = 0; k < timers_.size(); ++k) {
      if (timers_[k] && *timers_[k] <= now) {
        timers_[k].reset();
        on_timer_(static_cast<consensus::TimerKind>(k));
      }
    }
    if (now >= next_tick) {
      next_tick = now + tick_;
      on_tick_();
    }
    after_batch_();
    {
      std::lock_guard lock(mu_);
      if (stopping_ && tasks_.empty()) return;  // tasks posted before stop() have run
    }
  }
}

}  // namespace mlchain::node::detail
