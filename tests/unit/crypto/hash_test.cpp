// Known answers: NIST FIPS 180-2 examples for SHA-256, RFC 4231 for
// HMAC-SHA256.
#include "mlchain/crypto/hash.h"

#include <gtest/gtest.h>

#include "unit/crypto/test_util.h"

namespace mlchain::crypto {
namespace {

using testing::hex;

TEST(Sha256, NistVectors) {
  EXPECT_EQ(digest_hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(digest_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digest_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, OneMillionAIncrementalEqualsOneShot) {
  const std::string million(1'000'000, 'a');
  const std::string expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  EXPECT_EQ(digest_hex(sha256(million)), expected);

  // Uneven chunk sizes cross the 64-byte block boundary in every way.
  for (std::size_t chunk : {1u, 7u, 63u, 64u, 65u, 1000u, 4096u}) {
    Sha256 h;
    std::string_view rest = million;
    while (!rest.empty()) {
      std::size_t n = std::min(chunk, rest.size());
      h.update(rest.substr(0, n));
      rest.remove_prefix(n);
    }
    EXPECT_EQ(digest_hex(h.finish()), expected) << "chunk " << chunk;
  }
}

TEST(Sha256, IncrementalEmptyAndByteView) {
  Sha256 empty;
  EXPECT_EQ(empty.finish(), sha256(""));
  Sha256 h;
  h.update(ByteView{}).update(as_bytes("ab")).update("c");
  EXPECT_EQ(h.finish(), sha256("abc"));
}

TEST(HmacSha256, Rfc4231) {
  struct Case {
    Bytes key;
    Bytes data;
    std::string mac;
  };
  const Case cases[] = {
      // 1
      {Bytes(20, 0x0b), to_bytes("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      // 2
      {to_bytes("Jefe"), to_bytes("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      // 3
      {Bytes(20, 0xaa), Bytes(50, 0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      // 4
      {hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), Bytes(50, 0xcd),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      // 6
      {Bytes(131, 0xaa), to_bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      // 7
      {Bytes(131, 0xaa),
       to_bytes("This is a test using a larger than block-size key and a larger than block-size data. The key needs "
                "to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& c : cases) EXPECT_EQ(digest_hex(hmac_sha256(c.key, c.data)), c.mac);

  // Case 5: the output is truncated to 128 bits.
  Digest mac5 = hmac_sha256(Bytes(20, 0x0c), as_bytes("Test With Truncation"));
  EXPECT_EQ(to_hex(ByteView(mac5).first(16)), "a3b6167473100ee06e0c796c2955552b");
}

TEST(HmacSha256, EmptyKeyAndMessage) {
  // An empty key is a valid HMAC key (openssl mac -macopt hexkey: ...).
  EXPECT_EQ(digest_hex(hmac_sha256({}, {})), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  Bytes a = to_bytes("secret mac value");
  Bytes b = a;
  EXPECT_TRUE(constant_time_equal(a, b));
  EXPECT_TRUE(constant_time_equal({}, {}));
  for (std::size_t i = 0; i < b.size(); ++i) {
    Bytes c = a;
    c[i] ^= 0x01;
    EXPECT_FALSE(constant_time_equal(a, c)) << i;
  }
  EXPECT_FALSE(constant_time_equal(a, ByteView(a).first(a.size() - 1)));
  EXPECT_FALSE(constant_time_equal({}, a));
}

TEST(DigestHex, RoundTripAndRejects) {
  Digest d = sha256("abc");
  auto back = digest_from_hex(digest_hex(d));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, d);
  EXPECT_EQ(digest_from_hex("abcd").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(digest_from_hex(std::string(64, 'g')).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mlchain::crypto
