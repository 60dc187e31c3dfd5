#include "mlchain/common/bytes.h"

#include <gtest/gtest.h>

namespace mlchain {
namespace {

TEST(Hex, RoundTrip) {
  Bytes b{0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "0001abff");
  EXPECT_EQ(*from_hex("0001ABff"), b);
  EXPECT_TRUE(from_hex("").ok());
}

TEST(Hex, RejectsBadInput) {
  EXPECT_EQ(from_hex("abc").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(from_hex("zz").status().code(), ErrorCode::kInvalidArgument);
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : vectors) {
    EXPECT_EQ(to_base64(as_bytes(plain)), enc);
    auto back = from_base64(enc);
    ASSERT_TRUE(back.ok()) << enc;
    EXPECT_EQ(to_string(*back), plain);
  }
}

TEST(Base64, RejectsBadInput) {
  EXPECT_FALSE(from_base64("Zg=").ok());
  EXPECT_FALSE(from_base64("Z=g=").ok());
  EXPECT_FALSE(from_base64("Zm9v!A==").ok());
  EXPECT_FALSE(from_base64("Zg==Zg==").ok());
}

}  // namespace
}  // namespace mlchain
