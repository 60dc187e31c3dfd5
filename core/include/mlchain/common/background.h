// BackgroundThreads: threads for work whose caller may stop waiting for it —
// a request to a peer that stopped answering finishes (or times out) on its
// own thread while the caller moves on. Every thread is joined, never
// detached: a detached one can outlive its owner and race with the
// process's exit (OpenSSL's cleanup against the thread's own; found by TSan
// in the relay, issue 15 item 5).
//
// At most `cap` run at once; spawn() refuses past it (the caller then runs
// the work inline). Finished threads are joined by the next spawn(), the
// rest by join_all() or the destructor, which wait for them: each piece of
// work must be bounded (a request with a timeout). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace mlchain {

class BackgroundThreads {
 public:
  explicit BackgroundThreads(std::size_t cap) : cap_(cap) {}
  BackgroundThreads(const BackgroundThreads&) = delete;
  BackgroundThreads& operator=(const BackgroundThreads&) = delete;
  ~BackgroundThreads() { join_all(); }

  // Runs `fn` on a new thread; false (fn not run) at the cap or when no
  // thread can be had.
  bool spawn(std::function<void()> fn);
  // Waits until every spawned thread has returned, and joins them.
  void join_all();
  std::size_t running() const;

 private:
  const std::size_t cap_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t next_id_ = 0;                     // mu_
  std::map<std::uint64_t, std::thread> running_;  // mu_
  std::vector<std::thread> finished_;             // mu_: returned, not yet joined
};

}  // namespace mlchain
