// CachingVerifier: "verify each signature once per node and cache the
// verdict" (DESIGN §10). Wraps a Verifier; a signature that verified once is
// remembered by SHA-256(key || signature || message), so the same check later
// (the driver re-checking what an I/O thread already checked, a block
// re-checking a client envelope the API checked) costs a hash and a lookup.
// Only successes are cached (a failure may be retried with the same bytes
// and must cost the real check; nothing an attacker sends can evict-then-
// forge: a hit requires the exact bytes that verified). Bounded: the oldest
// entries go first once `capacity` is reached.
//
// Thread safety: verify() may be called from any number of threads; the
// wrapped Verifier must be thread-safe too (Ed25519Verifier is).
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <mutex>
#include <unordered_set>

#include "mlchain/crypto/ed25519.h"
#include "mlchain/crypto/hash.h"

namespace mlchain::crypto {

class CachingVerifier final : public Verifier {
 public:
  explicit CachingVerifier(const Verifier& inner, std::size_t capacity = 1u << 16) : inner_(inner), capacity_(capacity) {}
  bool verify(const PublicKey& key, ByteView message, const Signature& signature) const override;

  std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct DigestHash {
    std::size_t operator()(const Digest& d) const noexcept;
  };
  const Verifier& inner_;
  std::size_t capacity_;
  mutable std::mutex mu_;
  mutable std::unordered_set<Digest, DigestHash> known_;
  mutable std::deque<Digest> order_;
  mutable std::atomic<std::uint64_t> hits_{0};
  mutable std::atomic<std::uint64_t> misses_{0};
};

}  // namespace mlchain::crypto
