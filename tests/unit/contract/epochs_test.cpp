// Epoch certificates (ledger/epoch_cert.h) and how a layer follows a
// neighbour's membership with them (node/epochs.h): a chain verifies from
// the members a verifier trusts, any change to a certificate breaks it, no
// step back and no gap; the ordered op moves the neighbour's keys only on
// a chain that verifies, and the contract key lookup then accepts exactly
// the current members (issue 14 item 3).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "epoch_fixtures.h"
#include "mlchain/contract/key_lookup.h"
#include "mlchain/node/epochs.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::node {
namespace {

using ledger::EpochCertificate;
using ledger::EpochMember;
using ledger::TrustedMembers;

// Members 0..3 at epoch 0; epoch 1 adds 4; epoch 2 removes 0; epoch 3 removes 1 and 2.
const testing::EpochScript kScript{
    "epochs test key ", "m", 7000, "L2/L1a", std::string(64, 'a'),
    {{0, 1, 2, 3}, {0, 1, 2, 3, 4}, {1, 2, 3, 4}, {3, 4, 5, 6}}};
const std::string& kGenesis = kScript.genesis;
const std::vector<std::vector<int>>& kEpochs = kScript.epochs;

crypto::PrivateKey key_for(int i) { return kScript.key(i); }
EpochMember member(int i) { return kScript.member(i); }

TrustedMembers genesis_set() {
  TrustedMembers t{"L2/L1a", "", 0, {}};
  for (int i : kEpochs[0]) t.members.push_back(member(i));
  return t;
}

EpochCertificate cert(consensus::Epoch e, std::size_t signers = 99) { return kScript.cert(e, signers); }

TEST(EpochCertificates, AChainLeadsFromGenesisToTheCurrentMembers) {
  crypto::Ed25519Verifier v;
  auto t = ledger::follow_epochs(genesis_set(), {cert(1, 2), cert(2, 2), cert(3, 2)}, v);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->epoch, 3u);
  EXPECT_EQ(t->genesis, kGenesis);
  ASSERT_EQ(t->members.size(), 4u);
  EXPECT_EQ(t->members[0].key, key_for(3).public_key());
  // Round trip through JSON changes nothing.
  auto back = ledger::epoch_certificate_from_json(ledger::to_json(cert(2)));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_TRUE(ledger::follow_epochs(*ledger::follow_epochs(genesis_set(), {cert(1)}, v), {*back}, v).ok());
}

TEST(EpochCertificates, EveryFieldIsCovered) {
  crypto::Ed25519Verifier v;
  auto base = cert(1, 2);
  std::vector<std::pair<std::string, std::function<void(EpochCertificate&)>>> tamper = {
      {"members", [](EpochCertificate& c) { c.members.push_back(member(9)); }},
      {"member key", [](EpochCertificate& c) { c.members[4].key = key_for(9).public_key(); }},
      {"member address", [](EpochCertificate& c) { c.members[4].address = "https://127.0.0.1:1"; }},
      {"member name", [](EpochCertificate& c) { c.members[4].name = "evil"; }},
      {"member order", [](EpochCertificate& c) { std::swap(c.members[0], c.members[4]); }},
      {"from_height", [](EpochCertificate& c) { c.from_height += 1; }},
      {"genesis", [](EpochCertificate& c) { c.genesis = std::string(64, 'b'); }},
      {"signature", [](EpochCertificate& c) { c.signatures[1].second[3] ^= 1; }},
      {"signer index", [](EpochCertificate& c) { c.signatures[1].first = 2; }},
  };
  for (auto& [what, change] : tamper) {
    auto c = base;
    change(c);
    TrustedMembers from = genesis_set();
    from.genesis = kGenesis;  // a verifier that knows the genesis (the second field test needs it)
    EXPECT_FALSE(ledger::follow_epochs(from, {c}, v).ok()) << what;
  }
  auto other_layer = base;
  other_layer.layer = "L2/L1b";
  EXPECT_FALSE(ledger::follow_epochs(genesis_set(), {other_layer}, v).ok());
}

TEST(EpochCertificates, FPlusOneOfThePreviousEpochAndNoGap) {
  crypto::Ed25519Verifier v;
  // f = 1 of 4: one signature is not enough.
  auto one = ledger::follow_epochs(genesis_set(), {cert(1, 1)}, v);
  ASSERT_FALSE(one.ok());
  EXPECT_NE(one.status().message().find("f+1"), std::string::npos) << one.status().message();
  // A gap: epoch 2 without epoch 1.
  EXPECT_FALSE(ledger::follow_epochs(genesis_set(), {cert(2)}, v).ok());
  // Signed by the NEW members rather than the old (newcomers vouching for
  // themselves): replica 4 of epoch 1 is not a member of epoch 0.
  auto self_made = cert(1, 0);
  crypto::Ed25519Signer s4(key_for(4));
  self_made.signatures.emplace_back(4, consensus::signed_part(ledger::epoch_vote(self_made, 4), s4).sig);
  crypto::Ed25519Signer s0(key_for(0));
  self_made.signatures.emplace_back(0, consensus::signed_part(ledger::epoch_vote(self_made, 0), s0).sig);
  EXPECT_FALSE(ledger::follow_epochs(genesis_set(), {self_made}, v).ok());
  // Duplicate signer.
  auto dup = cert(1, 1);
  dup.signatures.push_back(dup.signatures[0]);
  EXPECT_FALSE(ledger::follow_epochs(genesis_set(), {dup}, v).ok());
}

TEST(EpochCertificates, NeverAStepBack) {
  crypto::Ed25519Verifier v;
  auto at3 = ledger::follow_epochs(genesis_set(), {cert(1), cert(2), cert(3)}, v).value();
  // Old certificates (a replay) are skipped: the set stays at epoch 3.
  auto again = ledger::follow_epochs(at3, {cert(1), cert(2)}, v);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->epoch, 3u);
  EXPECT_EQ(again->members, at3.members);
}

TEST(EpochVoteCollector, FPlusOneMatchingVotesOfThePreviousEpochComplete) {
  crypto::Ed25519Verifier v;
  consensus::EpochConfig before{0, {}};
  for (int i : kEpochs[0]) before.members.push_back(key_for(i).public_key());
  auto body = cert(1, 0);
  auto vote = [&](consensus::ReplicaId r, const EpochCertificate& c) {
    crypto::Ed25519Signer s(key_for(kEpochs[0][r]));
    return consensus::signed_part(ledger::epoch_vote(c, r), s);
  };
  ledger::EpochVoteCollector col;
  // Before this node computed the body: kept; a vote for another body and
  // one sent by someone else than the member it names are dropped later / now.
  auto other = body;
  other.members.pop_back();
  EXPECT_FALSE(col.vote(vote(1, other), before.members[1], before, v));
  EXPECT_FALSE(col.vote(vote(2, body), before.members[3], before, v));
  EXPECT_EQ(col.drops().at("epoch_vote_sender"), 1u);
  EXPECT_FALSE(col.body(body, before, v));
  EXPECT_EQ(col.drops().at("epoch_vote_mismatch"), 1u);
  EXPECT_FALSE(col.vote(vote(0, body), before.members[0], before, v));
  auto done = col.vote(vote(3, body), before.members[3], before, v);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->signatures.size(), 2u);
  EXPECT_TRUE(ledger::follow_epochs(genesis_set(), {*done}, v).ok());
}

class NeighbourOpTest : public testing::SuperiorFixture {
 protected:
  NeighbourOpTest() : SuperiorFixture(kScript, "abcd", 50) {
    ledger::AddressBook sub;
    sub.path = "L2/L1a";
    for (int i : kEpochs[0]) sub.members.push_back({member(i).name, member(i).key, member(i).address, true});
    bp_.subordinates.push_back(sub);
    install();
  }
  TrustedMembers trusted() { return trusted_neighbour(*store_->begin_read().value(), bp_, "L2/L1a").value(); }
};

TEST_F(NeighbourOpTest, OrderedCertificatesMoveTheNeighboursKeysAndCertificatesFollow) {
  EXPECT_EQ(trusted().epoch, 0u);
  std::string r = apply(20, neighbour_op_text("L2/L1a", {cert(1), cert(2), cert(3)}));
  EXPECT_EQ(r.rfind("ok: L2/L1a now epoch 3", 0), 0u) << r;
  auto t = trusted();
  EXPECT_EQ(t.epoch, 3u);
  ASSERT_EQ(t.members.size(), 4u);
  // The key lookup the contract state machine uses gives the current members.
  auto lookup = contract::address_book_lookup(bp_);
  auto keys = lookup(*store_->begin_read().value(), "L2/L1a", 0).value();
  ASSERT_EQ(keys.members.size(), 4u);
  EXPECT_EQ(keys.members[0], key_for(3).public_key());
  for (int removed : {0, 1, 2})
    EXPECT_EQ(std::count(keys.members.begin(), keys.members.end(), key_for(removed).public_key()), 0) << removed;
  // Replayed older certificates change nothing.
  r = apply(21, neighbour_op_text("L2/L1a", {cert(1), cert(2)}));
  EXPECT_EQ(r, "ok: L2/L1a already at epoch 3");
}

TEST_F(NeighbourOpTest, AChainThatDoesNotVerifyChangesNothing) {
  auto forged = cert(1, 2);
  forged.members.push_back(member(9));  // a byzantine member adds itself after signing
  std::string r = apply(20, neighbour_op_text("L2/L1a", {forged}));
  EXPECT_EQ(r.rfind("error:", 0), 0u) << r;
  EXPECT_EQ(trusted().epoch, 0u);
  // Only members of this layer order them.
  r = apply(50, neighbour_op_text("L2/L1a", {cert(1)}));
  EXPECT_EQ(r.rfind("error: not authorised", 0), 0u) << r;
  // A layer that is not a neighbour.
  r = apply(20, neighbour_op_text("L9", {cert(1)}));
  EXPECT_EQ(r.rfind("error:", 0), 0u) << r;
  EXPECT_EQ(trusted().epoch, 0u);
}

TEST(OwnEpochCertificates, StoredOnceAndServedWithoutGaps) {
  auto store = store::make_memory_store();
  ASSERT_TRUE(store_epoch_certificate(*store, cert(1)).ok());
  ASSERT_TRUE(store_epoch_certificate(*store, cert(3)).ok());
  auto first = cert(1, 3);
  ASSERT_TRUE(store_epoch_certificate(*store, first).ok());  // epoch 1 has one: the first stays
  auto txn = store->begin_read().value();
  auto got = epoch_certificates(*txn, 0, 32).value();
  ASSERT_EQ(got.size(), 1u);  // stops at the gap (epoch 2 missing)
  EXPECT_EQ(got[0].signatures.size(), 4u);
  EXPECT_EQ(epoch_certificates(*txn, 2, 32).value().size(), 1u);
}

}  // namespace
}  // namespace mlchain::node
