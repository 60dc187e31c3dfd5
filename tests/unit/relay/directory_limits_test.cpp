// The bounds on anonymous /v1/directory lookups (directory_limits.h), with
// time driven by hand: 16 lookups a second with a burst of 32, and at most
// 1,024 unknown paths remembered.
#include <gtest/gtest.h>

#include "mlchain/relay/directory_limits.h"

namespace mlchain::relay {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
const auto kT0 = std::chrono::steady_clock::time_point{} + seconds(1'000);

TEST(LookupBucket, ABurstOfTwiceTheRateThenSixteenASecond) {
  LookupBucket b(16, 32);
  int admitted = 0;
  for (int i = 0; i < 1000; ++i) admitted += b.take(kT0) ? 1 : 0;
  EXPECT_EQ(admitted, 32);
  // One second later: 16 more, not 1000.
  admitted = 0;
  for (int i = 0; i < 1000; ++i) admitted += b.take(kT0 + seconds(1)) ? 1 : 0;
  EXPECT_EQ(admitted, 16);
  // A steady caller at 100/s for 10 s gets 16/s.
  admitted = 0;
  for (int i = 1; i <= 1000; ++i) admitted += b.take(kT0 + seconds(1) + milliseconds(10 * i)) ? 1 : 0;
  EXPECT_EQ(admitted, 160);
}

TEST(LookupBucket, IdleTimeRefillsOnlyUpToTheBurst) {
  LookupBucket b(16, 32);
  EXPECT_TRUE(b.take(kT0));
  int admitted = 0;
  for (int i = 0; i < 1000; ++i) admitted += b.take(kT0 + seconds(3600)) ? 1 : 0;
  EXPECT_EQ(admitted, 32);
}

TEST(MissingPaths, RemembersAPathForItsTtl) {
  MissingPaths m(1024, seconds(10));
  m.add("L1/x", "no such layer", kT0);
  EXPECT_EQ(m.find("L1/x", kT0 + seconds(9)).value_or(""), "no such layer");
  EXPECT_FALSE(m.find("L1/x", kT0 + seconds(10)).has_value());
  EXPECT_FALSE(m.find("L1/y", kT0).has_value());
}

// A flood of random unknown paths: memory stays at 1,024 entries at most.
TEST(MissingPaths, HoldsAtMostItsCapacity) {
  MissingPaths m(1024, seconds(10));
  for (int i = 0; i < 10'000; ++i) {
    m.add("L1/random-" + std::to_string(i), "no such layer", kT0);
    ASSERT_LE(m.size(), 1024u) << "after " << i + 1 << " paths";
  }
  EXPECT_TRUE(m.find("L1/random-9999", kT0).has_value());
}

}  // namespace
}  // namespace mlchain::relay
