#include <gtest/gtest.h>

#include "fixtures.h"
#include "mlchain/contract/certificate.h"

namespace mlchain::contract {
namespace {

using testing::World;

// A packet that has passed L1a and is now received by L2.
struct AtL2 {
  World w;
  Packet p;
  AtL2() {
    p = w.first_packet();
    EXPECT_TRUE(advance(p, "L2/L1a", "L2/L1a#1").ok());
  }
  LayerCertificate cert(std::size_t count) const { return w.certify(p, "L2/L1a", count); }
  CertVerdict check(const LayerCertificate& c) const {
    return check_certificate(c, p, "L2/L1a", w.layers.at("L2/L1a").keys(), w.verifier);
  }
};

TEST(LayerCertificate, FPlusOneMembersSuffice) {
  AtL2 t;
  auto v = t.check(t.cert(2));  // n = 4, f = 1: f + 1 = 2
  EXPECT_TRUE(v.status.ok()) << v.status.to_string();
  EXPECT_TRUE(t.check(t.cert(4)).status.ok());
  // And it survives the wire.
  auto back = certificate_from_json(to_json(t.cert(2)));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(t.check(*back).status.ok());
}

TEST(LayerCertificate, TooFew) {
  AtL2 t;
  auto v = t.check(t.cert(1));
  EXPECT_EQ(v.failure, CertFailure::kTooFew);
  EXPECT_EQ(v.status.code(), ErrorCode::kVerificationFailed);
  EXPECT_NE(v.status.message().find("too few"), std::string::npos);
  EXPECT_EQ(t.check(t.cert(0)).failure, CertFailure::kTooFew);
}

TEST(LayerCertificate, ForgedSignature) {
  AtL2 t;
  auto c = t.cert(2);
  c.signatures[1].second[5] ^= 1;
  EXPECT_EQ(t.check(c).failure, CertFailure::kForged);
}

TEST(LayerCertificate, DuplicateSigner) {
  AtL2 t;
  auto c = t.cert(1);
  c.signatures.push_back(c.signatures[0]);
  EXPECT_EQ(t.check(c).failure, CertFailure::kDuplicateSigner);
}

TEST(LayerCertificate, SignerNotAMember) {
  AtL2 t;
  auto c = t.cert(1);
  add_signature(c, t.w.layers.at("L2").signers[0]);  // a member of another layer
  EXPECT_EQ(t.check(c).failure, CertFailure::kNotMember);
}

TEST(LayerCertificate, WrongLayer) {
  AtL2 t;
  // Claims to come from L2/L1a, but L1b's members signed as L1b.
  LayerCertificate c = t.w.certify(t.p, "L2/L1b", 2);
  EXPECT_EQ(t.check(c).failure, CertFailure::kWrongLayer);
  // L1b signs while calling itself L1a: its keys are not L1a's.
  LayerCertificate d = begin_certificate(t.p, "L2/L1a");
  for (std::size_t i = 0; i < 2; ++i) add_signature(d, t.w.layers.at("L2/L1b").signers[i]);
  EXPECT_EQ(t.check(d).failure, CertFailure::kNotMember);
  // The receiver asked about a layer the packet does not come from.
  auto v = check_certificate(t.cert(2), t.p, "L2/L1b", t.w.layers.at("L2/L1b").keys(), t.w.verifier);
  EXPECT_EQ(v.failure, CertFailure::kWrongLayer);
  // Keys of another layer passed for the claimed one.
  v = check_certificate(t.cert(2), t.p, "L2/L1a", t.w.layers.at("L2").keys(), t.w.verifier);
  EXPECT_EQ(v.failure, CertFailure::kWrongLayer);
}

TEST(LayerCertificate, WrongPacket) {
  AtL2 t;
  auto c = t.cert(2);
  Packet other = t.w.first_packet(1'700'000'000'999);
  ASSERT_TRUE(advance(other, "L2/L1a", "L2/L1a#2").ok());
  EXPECT_EQ(check_certificate(c, other, "L2/L1a", t.w.layers.at("L2/L1a").keys(), t.w.verifier).failure,
            CertFailure::kWrongPacket);
  // Same packet, id changed on the way: the digest covers the ids.
  Packet changed = t.p;
  changed.block_ids[0] = "L2/L1a#9";
  EXPECT_EQ(check_certificate(c, changed, "L2/L1a", t.w.layers.at("L2/L1a").keys(), t.w.verifier).failure,
            CertFailure::kWrongPacket);
  // Re-pointing the certificate at the right digest breaks the signatures.
  c.packet = packet_digest(changed);
  EXPECT_EQ(check_certificate(c, changed, "L2/L1a", t.w.layers.at("L2/L1a").keys(), t.w.verifier).failure,
            CertFailure::kForged);
  // Towards another next hop.
  auto d = t.cert(0);
  d.next_hop = "L2/L1b";
  EXPECT_EQ(t.check(d).failure, CertFailure::kWrongPacket);
}

TEST(LayerCertificate, EdgeHopNeedsTheRecordedEdgeKeyAndOrigin) {
  World w;
  Packet p = w.first_packet();
  auto keys = w.layers.at("L2/L1a/E1").keys();
  LayerCertificate c = w.certify(p, "L2/L1a/E1", 1);
  EXPECT_TRUE(verify_certificate(c, p, "L2/L1a/E1", keys, w.verifier).ok());
  // Another edge key signs the same bytes: not the recorded E1 key.
  crypto::Ed25519Signer rogue(testing::key_from(99, 0));
  LayerCertificate r = begin_certificate(p, "L2/L1a/E1");
  add_signature(r, rogue);
  EXPECT_EQ(check_certificate(r, p, "L2/L1a/E1", keys, w.verifier).failure, CertFailure::kNotMember);
  // A packet built by a rogue edge claiming to be E1, certified by its own key
  // listed in a (wrong) address book entry: origin key mismatch.
  Packet q = p;
  q.header.edge_key = rogue.public_key();
  LayerKeys rogue_keys{"L2/L1a/E1", true, {rogue.public_key()}};
  LayerCertificate rq = begin_certificate(q, "L2/L1a/E1");
  add_signature(rq, rogue);
  EXPECT_EQ(check_certificate(rq, q, "L2/L1a/E1", rogue_keys, w.verifier).failure, CertFailure::kBadOrigin);
}

TEST(LayerCertificate, StrictJson) {
  AtL2 t;
  auto j = to_json(t.cert(2));
  j["x"] = 1;
  EXPECT_FALSE(certificate_from_json(j).ok());
  j = to_json(t.cert(2));
  j["layer"] = "L2//x";
  EXPECT_FALSE(certificate_from_json(j).ok());
  j = to_json(t.cert(2));
  j["signatures"][0]["sig"] = "00";
  EXPECT_FALSE(certificate_from_json(j).ok());
}

TEST(LayerCertificate, SigningBytesAreDomainSeparated) {
  crypto::Digest d{};
  Bytes a = certificate_signing_bytes("L2/L1a", "L2", d);
  std::string s = to_string(a);
  EXPECT_EQ(s.rfind(std::string("mlchain-layer-cert/1\0", 21), 0), 0u);
  EXPECT_NE(a, certificate_signing_bytes("L2/L1a", "L2/L1b", d));
  EXPECT_NE(a, certificate_signing_bytes("L2/L1b", "L2", d));
}

}  // namespace
}  // namespace mlchain::contract
