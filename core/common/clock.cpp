#include "mlchain/common/clock.h"

namespace mlchain {

TimePoint SystemClock::now() const {
  return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
}

}  // namespace mlchain
