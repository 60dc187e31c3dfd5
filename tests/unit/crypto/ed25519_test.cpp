// RFC 8032 section 7.1 known answers and the Ed25519 API around them.
#include "mlchain/crypto/ed25519.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "unit/crypto/test_util.h"

namespace mlchain::crypto {
namespace {

using testing::hex;

struct Rfc8032Vector {
  const char* name;
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};

const Rfc8032Vector kVectors[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe2"
     "4655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302ae"
     "eb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28"
     "dc027beceea1ec40a"},
    {"TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e"
     "2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17"
     "ad9bef1177331a704"},
};

TEST(Ed25519, Rfc8032KnownAnswers) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.name);
    auto key = PrivateKey::from_seed(hex(v.secret));
    ASSERT_TRUE(key.ok()) << key.status().to_string();
    EXPECT_EQ(key->public_key().hex(), v.public_key);
    EXPECT_EQ(to_hex(key->seed()), v.secret);

    const Bytes message = hex(v.message);
    const Signature sig = key->sign(message);
    EXPECT_EQ(signature_hex(sig), v.signature);
    EXPECT_TRUE(verify(key->public_key(), message, sig));

    // The published values verify on their own, without our key object.
    auto pub = PublicKey::from_hex(v.public_key);
    auto published = signature_from_hex(v.signature);
    ASSERT_TRUE(pub.ok() && published.ok());
    EXPECT_TRUE(verify(*pub, message, *published));
  }
}

TEST(Ed25519, Rfc8032FlippedBitsFail) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.name);
    const PublicKey pub = *PublicKey::from_hex(v.public_key);
    const Signature sig = *signature_from_hex(v.signature);
    const Bytes message = hex(v.message);

    if (message.empty()) {
      EXPECT_FALSE(verify(pub, as_bytes(std::string_view("\0", 1)), sig));
    }
    for (std::size_t i = 0; i < message.size(); ++i) {
      for (int bit : {0, 7}) {
        Bytes m = message;
        m[i] ^= static_cast<std::uint8_t>(1 << bit);
        EXPECT_FALSE(verify(pub, m, sig)) << "message byte " << i << " bit " << bit;
      }
    }
    for (std::size_t i = 0; i < sig.size(); ++i) {
      Signature s = sig;
      s[i] ^= 0x01;
      EXPECT_FALSE(verify(pub, message, s)) << "signature byte " << i;
    }
    for (std::size_t i = 0; i < pub.bytes.size(); ++i) {
      PublicKey k = pub;
      k.bytes[i] ^= 0x01;
      EXPECT_FALSE(verify(k, message, sig)) << "key byte " << i;
    }
  }
}

// A signature is not malleable: S + L (the group order) verifies the same
// equation but is not canonical and must be refused, or one signed message
// would have two valid signatures (two ids for one op, a replay that looks
// new). And a public key of small order (here the identity point) verifies
// "signatures" for every message without any secret: refused as well.
TEST(Ed25519, NonCanonicalSignaturesAndSmallOrderKeysFail) {
  const auto& v = kVectors[0];
  const PublicKey pub = *PublicKey::from_hex(v.public_key);
  Signature sig = *signature_from_hex(v.signature);
  ASSERT_TRUE(verify(pub, {}, sig));
  // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
  const Bytes order = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned sum = sig[32 + i] + order[i] + carry;
    sig[32 + i] = static_cast<std::uint8_t>(sum & 0xff);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0u);  // S + L still fits in 32 bytes for this vector
  EXPECT_FALSE(verify(pub, {}, sig));

  // Identity point as the key, identity as R, S = 0: R + 0*B == R + h*A for any h.
  const PublicKey identity = *PublicKey::from_hex("0100000000000000000000000000000000000000000000000000000000000000");
  const Signature trivial = *signature_from_hex(
      "0100000000000000000000000000000000000000000000000000000000000000"
      "0000000000000000000000000000000000000000000000000000000000000000");
  EXPECT_FALSE(verify(identity, to_bytes("pay mallory"), trivial));
  EXPECT_FALSE(verify(identity, to_bytes("anything else"), trivial));
}

TEST(Ed25519, GenerateSignVerify) {
  auto a = PrivateKey::generate();
  auto b = PrivateKey::generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->public_key(), b->public_key());
  const Bytes msg = to_bytes("block 42");
  Signature sig = a->sign(msg);
  EXPECT_TRUE(verify(a->public_key(), msg, sig));
  EXPECT_FALSE(verify(b->public_key(), msg, sig));
  // Ed25519 is deterministic.
  EXPECT_EQ(a->sign(msg), sig);
  EXPECT_EQ(a->seed().size(), 32u);
}

TEST(Ed25519, FromSeedRejectsWrongLength) {
  EXPECT_EQ(PrivateKey::from_seed(Bytes(31, 1)).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(PrivateKey::from_seed(Bytes(33, 1)).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(PrivateKey::from_seed({}).status().code(), ErrorCode::kInvalidArgument);
}

TEST(Ed25519, KeyIdIsPrefixOfSha256OfPublicKey) {
  auto key = *PrivateKey::from_seed(hex(kVectors[0].secret));
  const std::string id = key.public_key().key_id();
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id, digest_hex(sha256(ByteView(key.public_key().bytes))).substr(0, 16));
}

TEST(Ed25519, HexForms) {
  auto pub = PublicKey::from_hex("D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A");
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->hex(), kVectors[0].public_key);
  EXPECT_EQ(PublicKey::from_hex("d75a").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(PublicKey::from_hex(std::string(64, 'x')).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(signature_from_hex("00").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(signature_hex(*signature_from_hex(kVectors[1].signature)), kVectors[1].signature);
}

TEST(Ed25519, CopiesAndMovesKeepTheKey) {
  auto original = *PrivateKey::from_seed(hex(kVectors[2].secret));
  PrivateKey copy = original;
  EXPECT_EQ(copy.public_key(), original.public_key());
  EXPECT_EQ(copy.sign(as_bytes("x")), original.sign(as_bytes("x")));
  PrivateKey moved = std::move(copy);
  EXPECT_EQ(signature_hex(moved.sign(hex("af82"))), kVectors[2].signature);
  PrivateKey assigned = *PrivateKey::generate();
  assigned = original;
  EXPECT_EQ(assigned.public_key(), original.public_key());
  EXPECT_NE(original.native_handle(), nullptr);
}

TEST(Ed25519, SignerAndVerifierSeams) {
  Ed25519Signer signer(*PrivateKey::from_seed(hex(kVectors[1].secret)));
  Ed25519Verifier verifier;
  const Signer& s = signer;
  const Verifier& v = verifier;
  Signature sig = s.sign(hex("72"));
  EXPECT_EQ(signature_hex(sig), kVectors[1].signature);
  EXPECT_TRUE(v.verify(s.public_key(), hex("72"), sig));
  EXPECT_FALSE(v.verify(s.public_key(), hex("73"), sig));
}

// One key, used concurrently (run under -DMLCHAIN_SANITIZE=thread).
TEST(Ed25519, ConcurrentSignAndVerifyWithOneKey) {
  const PrivateKey key = *PrivateKey::generate();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string msg = "thread " + std::to_string(t) + " message " + std::to_string(i);
        if (!verify(key.public_key(), as_bytes(msg), key.sign(as_bytes(msg)))) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace mlchain::crypto
