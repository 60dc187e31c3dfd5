#include "mlchain/common/background.h"

#include <system_error>

namespace mlchain {

bool BackgroundThreads::spawn(std::function<void()> fn) {
  std::vector<std::thread> finished;
  bool started = false;
  {
    std::lock_guard lock(mu_);
    finished.swap(finished_);
    if (running_.size() < cap_) {
      std::uint64_t id = next_id_++;
      try {
        // The thread cannot reach its own entry before this lock is released.
        std::thread t([this, id, fn = std::move(fn)] {
          fn();
          std::lock_guard done(mu_);
          auto it = running_.find(id);
          finished_.push_back(std::move(it->second));
          running_.erase(it);
          if (running_.empty()) cv_.notify_all();
        });
        running_.emplace(id, std::move(t));
        started = true;
      } catch (const std::system_error&) {  // no thread to be had
      }
    }
  }
  for (auto& t : finished) t.join();  // each has returned from fn; join is its exit
  return started;
}

void BackgroundThreads::join_all() {
  std::vector<std::thread> finished;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return running_.empty(); });
    finished.swap(finished_);
  }
  for (auto& t : finished) t.join();
}

std::size_t BackgroundThreads::running() const {
  std::lock_guard lock(mu_);
  return running_.size();
}

}  // namespace mlchain
