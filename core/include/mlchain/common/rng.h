// Rng: the one seam for randomness that is not key material.
//
// SeededRng is deterministic for a given seed on every platform (xoshiro256**
// seeded by splitmix64; no std::*_distribution, whose output differs between
// standard libraries), so a failing simulation replays from its seed.
// SystemRng reads the kernel's CSPRNG (getrandom). Keys and nonces for crypto
// come from OpenSSL inside core/crypto, not from here.
//
// Thread safety: none; one Rng per thread or strand.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace mlchain {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual std::uint64_t next_u64() = 0;

  // Uniform in [0, bound); bound must be > 0. Unbiased (rejection sampling).
  std::uint64_t uniform(std::uint64_t bound);
  // Uniform in [lo, hi] inclusive; requires lo <= hi.
  std::int64_t range(std::int64_t lo, std::int64_t hi);
  // True with probability numerator/denominator.
  bool chance(std::uint64_t numerator, std::uint64_t denominator);
  void fill(std::span<std::uint8_t> out);
};

class SeededRng final : public Rng {
 public:
  explicit SeededRng(std::uint64_t seed);
  std::uint64_t next_u64() override;

 private:
  std::array<std::uint64_t, 4> s_{};
};

class SystemRng final : public Rng {
 public:
  std::uint64_t next_u64() override;
};

}  // namespace mlchain
