// The bounds on anonymous GET /v1/directory/<path> lookups (client.cpp):
// random paths must neither turn one caller into a flood of remote
// resolutions up the tree nor grow the relay's memory.
//
//  - LookupBucket: lookups that would ask a neighbour share one token bucket,
//    `rate` a second with a burst of `burst` (the relay: 16/s, burst 32);
//    over it the caller gets 503 and retries.
//  - MissingPaths: paths a neighbour's f+1 members said do not exist,
//    remembered for `ttl` (the relay: 10 s) so the same unknown path is not
//    resolved again; at most `capacity` (the relay: 1,024), cleared when full.
//
// Time is passed in (steady clock), so both are driven by hand in tests.
// Thread safety: none; the relay guards them with its directory mutex.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

namespace mlchain::relay {

class LookupBucket {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  LookupBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}  // starts full
  // Takes one token at `now`: false when none is left.
  bool take(TimePoint now);

 private:
  double rate_;
  double burst_;
  double tokens_;
  TimePoint refill_{};  // last take(); epoch: never
};

class MissingPaths {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  MissingPaths(std::size_t capacity, std::chrono::steady_clock::duration ttl) : capacity_(capacity), ttl_(ttl) {}
  // Why `path` does not exist, while remembered.
  std::optional<std::string> find(const std::string& path, TimePoint now) const;
  void add(const std::string& path, std::string why, TimePoint now);
  std::size_t size() const { return paths_.size(); }

 private:
  std::size_t capacity_;
  std::chrono::steady_clock::duration ttl_;
  std::map<std::string, std::pair<std::string, TimePoint>> paths_;  // path -> (why, until)
};

}  // namespace mlchain::relay
