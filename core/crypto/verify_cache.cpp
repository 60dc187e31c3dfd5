#include "mlchain/crypto/verify_cache.h"

#include <cstring>

namespace mlchain::crypto {

std::size_t CachingVerifier::DigestHash::operator()(const Digest& d) const noexcept {
  std::size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);  // a SHA-256 output is uniform already
  return h;
}

bool CachingVerifier::verify(const PublicKey& key, ByteView message, const Signature& signature) const {
  Sha256 h;
  h.update(ByteView(key.bytes.data(), key.bytes.size()));
  h.update(ByteView(signature.data(), signature.size()));
  h.update(message);
  Digest id = h.finish();
  {
    std::lock_guard lock(mu_);
    if (known_.count(id)) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  if (!inner_.verify(key, message, signature)) return false;
  std::lock_guard lock(mu_);
  if (known_.insert(id).second) {
    order_.push_back(id);
    if (order_.size() > capacity_) {
      known_.erase(order_.front());
      order_.pop_front();
    }
  }
  return true;
}

}  // namespace mlchain::crypto
