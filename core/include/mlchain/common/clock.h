// Clock: the one seam for time. Consensus, expiry and timeouts read time only
// through a Clock, so simulations drive it by hand (ManualClock) and stay
// deterministic.
//
// Units: TimePoint is microseconds since the Unix epoch (wall clock). Signed
// objects carry times as integer milliseconds (unix_millis).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace mlchain {

using Micros = std::chrono::microseconds;
using Millis = std::chrono::milliseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Micros>;

inline std::int64_t unix_millis(TimePoint t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}
inline TimePoint from_unix_millis(std::int64_t ms) { return TimePoint(Millis(ms)); }

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time. May jump (NTP); use it for timestamps, not for measuring.
  virtual TimePoint now() const = 0;
};

// The system's real-time clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

// A clock that moves only when told to. Thread-safe (atomic), but meant for
// single-threaded simulations.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = from_unix_millis(1'700'000'000'000)) : now_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(Micros(now_.load())); }
  void set(TimePoint t) { now_.store(t.time_since_epoch().count()); }
  void advance(Micros d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace mlchain
