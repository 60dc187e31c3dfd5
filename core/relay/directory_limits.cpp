// Bounds on anonymous directory lookups (directory_limits.h).
#include "mlchain/relay/directory_limits.h"

#include <algorithm>

namespace mlchain::relay {

bool LookupBucket::take(TimePoint now) {
  if (refill_ != TimePoint{} && now > refill_) {
    double add = std::chrono::duration<double>(now - refill_).count() * rate_;
    tokens_ = std::min(burst_, tokens_ + add);
  }
  refill_ = std::max(refill_, now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

std::optional<std::string> MissingPaths::find(const std::string& path, TimePoint now) const {
  auto it = paths_.find(path);
  if (it == paths_.end() || it->second.second <= now) return std::nullopt;
  return it->second.first;
}

void MissingPaths::add(const std::string& path, std::string why, TimePoint now) {
  // Full: start over (the entries only spare neighbours a repeated question;
  // keeping the oldest would let a flood pin them).
  if (paths_.size() >= capacity_ && !paths_.count(path)) paths_.clear();
  paths_[path] = {std::move(why), now + ttl_};
}

}  // namespace mlchain::relay
