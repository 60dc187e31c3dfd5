// Text output prints times as ISO 8601 UTC (issue 20: "trusted until:
// 1828132775377 ms since the epoch" was not for people); JSON keeps ms.
#include <gtest/gtest.h>

#include "cli.h"

namespace mlchain::cli {
namespace {

TEST(IsoTime, UnixMillisecondsAsUtc) {
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso_time(1'828'132'775'377), "2027-12-06T22:39:35.377Z");
  EXPECT_EQ(iso_time(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace mlchain::cli
