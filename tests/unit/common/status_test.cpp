#include "mlchain/common/status.h"

#include <gtest/gtest.h>

namespace mlchain {
namespace {

Result<int> half(int x) {
  if (x % 2 != 0) return invalid_argument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> quarter(int x) {
  MLCHAIN_ASSIGN_OR_RETURN(int h, half(x));
  return half(h);
}

Status check_even(int x) {
  MLCHAIN_TRY(half(x).status());
  return {};
}

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = verification_failed("bad signature");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kVerificationFailed);
  EXPECT_EQ(s.to_string(), "verification_failed: bad signature");
  EXPECT_EQ(s.with_context("block 7").message(), "block 7: bad signature");
}

TEST(Result, ValueAndError) {
  Result<int> r = half(8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 4);
  Result<int> e = half(3);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.value_or(-1), -1);
}

TEST(Result, MacrosPropagate) {
  EXPECT_EQ(*quarter(8), 2);
  EXPECT_EQ(quarter(6).status().message(), "odd: 3");
  EXPECT_TRUE(check_even(2).ok());
  EXPECT_FALSE(check_even(3).ok());
}

TEST(Result, OkStatusBecomesInternalError) {
  Result<int> r{Status{}};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> e = half(1);
  EXPECT_DEATH((void)e.value(), "value\\(\\) of a failed Result");
}

}  // namespace
}  // namespace mlchain
