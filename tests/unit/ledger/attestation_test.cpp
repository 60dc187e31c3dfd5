// The attestation collector (ledger/attestation.h): f+1 matching signatures
// of the block's epoch, this node's included; nothing else completes.
#include <gtest/gtest.h>

#include "mlchain/ledger/attestation.h"
#include "mlchain/sim/fake_crypto.h"

namespace mlchain::ledger {
namespace {

using consensus::Attest;

struct Fixture {
  sim::FakeKeyring ring = sim::make_fake_keyring(4, 7);
  consensus::EpochConfig config;
  Digest hash = crypto::sha256("block 5");

  Fixture() {
    for (const auto& s : ring.signers) config.members.push_back(s->public_key());
  }
  Attest attest(consensus::ReplicaId r, std::uint64_t seq = 5, Digest h = crypto::sha256("block 5"),
                consensus::Epoch e = 0) const {
    return consensus::signed_part(Attest{e, seq, h, r, {}}, *ring.signers[r]);
  }
  const crypto::PublicKey& key(consensus::ReplicaId r) const { return config.members[r]; }
};

TEST(Attestation, OwnPlusOneMatchingPeerCompletesAtFPlusOne) {
  Fixture f;
  AttestationCollector c;
  EXPECT_FALSE(c.own(f.attest(0), f.config, f.ring.verifier));
  auto done = c.peer(f.attest(2), f.key(2), f.config, f.ring.verifier);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->height, 5u);
  EXPECT_EQ(done->block_hash, f.hash);
  EXPECT_EQ(done->signatures.size(), 2u);  // f = 1: two vouch
  // Later ones are not checked again.
  EXPECT_FALSE(c.peer(f.attest(3), f.key(3), f.config, f.ring.verifier));
  EXPECT_EQ(c.completed(), 1u);
}

TEST(Attestation, PeersBeforeOwnWaitAndOnlyMatchingOnesCount) {
  Fixture f;
  AttestationCollector c;
  // r1 vouches for another header (byzantine, or we diverged); r2 forged r3's.
  EXPECT_FALSE(c.peer(f.attest(1, 5, crypto::sha256("other")), f.key(1), f.config, f.ring.verifier));
  Attest forged = f.attest(3);
  forged.sig[0] ^= 1;
  EXPECT_FALSE(c.peer(forged, f.key(3), f.config, f.ring.verifier));
  EXPECT_FALSE(c.own(f.attest(0), f.config, f.ring.verifier));
  EXPECT_EQ(c.drops().at("attest_mismatch"), 1u);
  EXPECT_EQ(c.drops().at("attest_bad_signature"), 1u);
  auto done = c.peer(f.attest(2), f.key(2), f.config, f.ring.verifier);
  ASSERT_TRUE(done);
  for (const auto& [r, s] : done->signatures) EXPECT_TRUE(r == 0 || r == 2);
}

TEST(Attestation, SenderMustBeTheMemberItNames) {
  Fixture f;
  AttestationCollector c;
  c.own(f.attest(0), f.config, f.ring.verifier);
  // r1 relays r2's attestation as its own, or claims a replica index it is not.
  EXPECT_FALSE(c.peer(f.attest(2), f.key(1), f.config, f.ring.verifier));
  Attest wrong_epoch = f.attest(2, 5, f.hash, 3);
  EXPECT_FALSE(c.peer(wrong_epoch, f.key(2), f.config, f.ring.verifier));
  EXPECT_EQ(c.drops().at("attest_sender"), 2u);
  EXPECT_EQ(c.completed(), 0u);
}

TEST(Attestation, MemoryIsBoundedByTheWindow) {
  Fixture f;
  AttestationCollector c(16);
  c.own(f.attest(0, 1), f.config, f.ring.verifier);
  for (std::uint64_t h = 2; h < 1000; ++h) c.peer(f.attest(1, h), f.key(1), f.config, f.ring.verifier);
  EXPECT_LE(c.heights_tracked(), 17u);
  EXPECT_GT(c.drops().at("attest_window"), 900u);
  for (std::uint64_t h = 2; h < 200; ++h) c.own(f.attest(0, h), f.config, f.ring.verifier);
  EXPECT_LE(c.heights_tracked(), 17u + 1);
}

TEST(Attestation, VerifyChecksHashEpochAndFPlusOne) {
  Fixture f;
  Block b;
  b.height = 5;
  b.time_ms = 10;
  b.certificate.epoch = 0;
  BlockAttestation a{0, 5, b.hash(), {}};
  for (consensus::ReplicaId r : {0u, 3u}) a.signatures.emplace_back(r, f.attest(r, 5, b.hash()).sig);
  EXPECT_TRUE(verify_attestation(b, a, f.config, f.ring.verifier).ok());
  auto round = attestation_from_json(to_json(a));
  ASSERT_TRUE(round.ok());
  EXPECT_TRUE(verify_attestation(b, *round, f.config, f.ring.verifier).ok());
  Block changed = b;
  changed.time_ms = 11;
  EXPECT_EQ(verify_attestation(changed, a, f.config, f.ring.verifier).code(), ErrorCode::kVerificationFailed);
  BlockAttestation one = a;
  one.signatures.pop_back();
  EXPECT_EQ(verify_attestation(b, one, f.config, f.ring.verifier).code(), ErrorCode::kVerificationFailed);
  consensus::EpochConfig later = f.config;
  later.epoch = 1;
  EXPECT_EQ(verify_attestation(b, a, later, f.ring.verifier).code(), ErrorCode::kVerificationFailed);
}

}  // namespace
}  // namespace mlchain::ledger
