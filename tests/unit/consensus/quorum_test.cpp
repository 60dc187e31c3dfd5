#include <gtest/gtest.h>

#include "mlchain/consensus/types.h"

namespace mlchain::consensus {
namespace {

EpochConfig config_of(std::size_t n) {
  EpochConfig c;
  for (std::size_t i = 0; i < n; ++i) {
    crypto::PublicKey k;
    k.bytes[0] = static_cast<std::uint8_t>(i);
    k.bytes[1] = 1;
    c.members.push_back(k);
  }
  return c;
}

TEST(Quorum, ClassicSizes) {
  EXPECT_EQ(config_of(1).f(), 0u);
  EXPECT_EQ(config_of(1).quorum(), 1u);
  EXPECT_EQ(config_of(4).f(), 1u);
  EXPECT_EQ(config_of(4).quorum(), 3u);
  EXPECT_EQ(config_of(7).quorum(), 5u);
  EXPECT_EQ(config_of(64).f(), 21u);
  EXPECT_EQ(config_of(64).quorum(), 43u);
}

// Any two quorums must share f+1 replicas (one correct), and a quorum must be
// reachable with f replicas silent, for every n the design allows.
TEST(Quorum, IntersectionAndAvailabilityForEveryN) {
  for (std::size_t n = 1; n <= 64; ++n) {
    auto c = config_of(n);
    std::size_t q = c.quorum(), f = c.f();
    EXPECT_GE(2 * q, n + f + 1) << "n=" << n;
    EXPECT_LE(q, n - f) << "n=" << n;
  }
}

TEST(Quorum, PrimaryRotates) {
  auto c = config_of(4);
  EXPECT_EQ(c.primary(0), 0u);
  EXPECT_EQ(c.primary(5), 1u);
  EXPECT_EQ(c.index_of(c.members[2]), 2u);
  crypto::PublicKey stranger;
  EXPECT_FALSE(c.index_of(stranger).has_value());
}

TEST(Quorum, ValidateRejectsBadOptions) {
  ReplicaOptions o;
  EXPECT_TRUE(validate(o, config_of(4)).ok());
  EXPECT_FALSE(validate(o, config_of(0)).ok());
  EXPECT_FALSE(validate(o, config_of(65)).ok());
  auto dup = config_of(4);
  dup.members[3] = dup.members[0];
  EXPECT_FALSE(validate(o, dup).ok());
  o.log_window = o.checkpoint_interval;
  EXPECT_FALSE(validate(o, config_of(4)).ok());
}

}  // namespace
}  // namespace mlchain::consensus
