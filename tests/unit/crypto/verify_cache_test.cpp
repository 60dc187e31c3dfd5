#include <gtest/gtest.h>

#include "mlchain/crypto/verify_cache.h"

namespace mlchain::crypto {
namespace {

PrivateKey key_for(int i) {
  auto seed = sha256("verify cache test " + std::to_string(i));
  return PrivateKey::from_seed(ByteView(seed.data(), seed.size())).value();
}

TEST(CachingVerifier, CachesOnlyWhatVerified) {
  Ed25519Verifier ed;
  CachingVerifier v(ed, 4);
  auto k = key_for(1);
  Bytes msg = to_bytes("hello");
  auto sig = k.sign(msg);
  EXPECT_TRUE(v.verify(k.public_key(), msg, sig));
  EXPECT_EQ(v.misses(), 1u);
  EXPECT_TRUE(v.verify(k.public_key(), msg, sig));
  EXPECT_EQ(v.hits(), 1u);
  // Anything else than the exact bytes that verified is checked for real.
  Bytes other = to_bytes("hellp");
  EXPECT_FALSE(v.verify(k.public_key(), other, sig));
  EXPECT_FALSE(v.verify(key_for(2).public_key(), msg, sig));
  auto bad = sig;
  bad[0] ^= 1;
  EXPECT_FALSE(v.verify(k.public_key(), msg, bad));
  EXPECT_FALSE(v.verify(k.public_key(), msg, bad));  // failures are not cached as successes either
  EXPECT_EQ(v.hits(), 1u);
  EXPECT_EQ(v.misses(), 5u);
}

TEST(CachingVerifier, BoundedOldestFirst) {
  Ed25519Verifier ed;
  CachingVerifier v(ed, 2);
  auto k = key_for(3);
  std::vector<Bytes> msgs;
  for (int i = 0; i < 3; ++i) msgs.push_back(to_bytes("m" + std::to_string(i)));
  for (const auto& m : msgs) EXPECT_TRUE(v.verify(k.public_key(), m, k.sign(m)));
  EXPECT_EQ(v.misses(), 3u);
  EXPECT_TRUE(v.verify(k.public_key(), msgs[2], k.sign(msgs[2])));  // kept
  EXPECT_TRUE(v.verify(k.public_key(), msgs[0], k.sign(msgs[0])));  // evicted: verified again
  EXPECT_EQ(v.hits(), 1u);
  EXPECT_EQ(v.misses(), 4u);
}

}  // namespace
}  // namespace mlchain::crypto
