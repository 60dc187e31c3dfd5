// A request to a peer whose process may have stopped (SIGSTOP, a frozen VM):
// its kernel still accepts the TCP connection and buffers the request, but
// nothing answers until the process runs again — so a plain request waits
// out its whole timeout. A route's answer can take long for good reasons
// too (the next layers order and forward), so silence alone proves nothing.
//
// watched_call runs the request on a background thread; when it has not
// answered after `probe_after`, a fresh TLS handshake with the peer (the
// probe) tells the two apart: a stopped process completes no handshake. No
// handshake within `probe_timeout`: the call gives up on this peer and
// returns Unavailable "stopped answering: ..." (net::may_have_arrived is
// true for it: the peer holds the request and may act on it when it
// resumes); the request itself finishes or times out on its own thread.
// A handshake: the peer is alive and working; probe again every
// 2·probe_after until the answer or `timeout`.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mlchain/common/background.h"
#include "mlchain/common/status.h"
#include "mlchain/crypto/ed25519.h"

namespace mlchain::net {

struct StallWatch {
  std::chrono::milliseconds probe_after{1'000};
  std::chrono::milliseconds probe_timeout{1'000};
};

// OK when `address` ("https://host:port") completes a TLS 1.3 handshake with
// the pinned `key` and answers GET /healthz within `timeout`.
Status handshake_probe(const std::string& address, const crypto::PublicKey& key, std::chrono::milliseconds timeout);

// `call` runs on a thread of `bg` (inline, unwatched, when `bg` is at its
// cap) and must be bounded by about `timeout` itself; `probe` is
// handshake_probe or a test's stand-in. The result is call's, or
// Unavailable after `timeout` / when the probe fails.
template <class T>
Result<T> watched_call(BackgroundThreads& bg, std::function<Result<T>()> call, std::function<Status()> probe,
                       const StallWatch& watch, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<T>> result;
  };
  auto shared = std::make_shared<Shared>();
  bool spawned = bg.spawn([shared, call] {
    auto r = call();
    {
      std::lock_guard lock(shared->mu);
      shared->result = std::move(r);
    }
    shared->cv.notify_all();
  });
  if (!spawned) return call();
  auto deadline = Clock::now() + timeout;
  auto probe_at = Clock::now() + watch.probe_after;
  std::unique_lock lock(shared->mu);
  while (!shared->result) {
    if (shared->cv.wait_until(lock, std::min(deadline, probe_at), [&] { return shared->result.has_value(); })) break;
    if (Clock::now() >= deadline) return unavailable("no answer within " + std::to_string(timeout.count()) + " ms");
    lock.unlock();
    Status alive = probe();
    lock.lock();
    if (shared->result) break;
    if (!alive.ok()) {
      return unavailable("stopped answering: no answer after " + std::to_string(watch.probe_after.count()) +
                         " ms and no TLS handshake within " + std::to_string(watch.probe_timeout.count()) + " ms (" +
                         alive.message().substr(0, 160) + ")");
    }
    probe_at = Clock::now() + 2 * watch.probe_after;
  }
  return std::move(*shared->result);
}

// Peers that failed at the transport lately (stopped, dead, unreachable),
// by key: put last in the order peers are asked until `hold` has passed,
// so one such peer costs one watched call, not one per request. At most
// `cap` entries (all forgotten past it). Thread-safe. TimePoint is the
// caller's clock (an injected one in the edge, steady_clock in the relay).
template <class TimePoint>
class RecentFailures {
 public:
  RecentFailures(typename TimePoint::duration hold, std::size_t cap) : hold_(hold), cap_(cap) {}

  void mark(const crypto::PublicKey& key, TimePoint now) {
    std::lock_guard lock(mu_);
    if (until_.size() >= cap_) until_.clear();
    until_[key] = now + hold_;
  }

  // Stable: the order among the peers that did not fail (and among those
  // that did) is kept. Member has a `key`.
  template <class Member>
  void put_last(std::vector<Member>& members, TimePoint now) const {
    std::lock_guard lock(mu_);
    std::stable_partition(members.begin(), members.end(), [&](const Member& m) {
      auto it = until_.find(m.key);
      return it == until_.end() || it->second <= now;
    });
  }

 private:
  const typename TimePoint::duration hold_;
  const std::size_t cap_;
  mutable std::mutex mu_;
  std::map<crypto::PublicKey, TimePoint> until_;
};

}  // namespace mlchain::net
