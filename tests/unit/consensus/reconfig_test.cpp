#include <gtest/gtest.h>

#include "cluster.h"
#include "mlchain/consensus/reconfig.h"

namespace mlchain::consensus {
namespace {

using testing::Cluster;
using testing::req;

crypto::PublicKey key(std::uint8_t b) {
  crypto::PublicKey k;
  k.bytes[0] = b;
  return k;
}

TEST(Reconfig, ConfigOpsRoundTripAndOthersAreNot) {
  ConfigChange c{ConfigAction::kMarkInvalid, key(7), "n7", "https://h:1"};
  auto back = parse_config_op(make_config_op(c));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->action, ConfigAction::kMarkInvalid);
  EXPECT_EQ(back->key, key(7));
  EXPECT_EQ(back->name, "n7");
  EXPECT_FALSE(parse_config_op(to_bytes("put a b")).has_value());
  EXPECT_FALSE(parse_config_op(to_bytes("mlchain-config:{\"action\":\"explode\",\"key\":\"00\"}")).has_value());
  EXPECT_FALSE(parse_config_op(to_bytes("mlchain-config:not json")).has_value());
}

TEST(Reconfig, NextEpochRules) {
  EpochConfig c{3, {key(1), key(2), key(3), key(4)}};
  auto n = next_epoch(c, {{ConfigAction::kRemoveMember, key(2), "", ""}, {ConfigAction::kAddMember, key(9), "", ""}});
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->epoch, 4u);
  EXPECT_EQ(n->members, (std::vector<crypto::PublicKey>{key(1), key(3), key(4), key(9)}));
  // Unknown removals and duplicate additions change nothing.
  auto same = next_epoch(c, {{ConfigAction::kRemoveMember, key(8), "", ""}, {ConfigAction::kAddMember, key(1), "", ""}});
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->members, c.members);
  // A layer cannot lose its last member.
  EpochConfig one{0, {key(1)}};
  EXPECT_FALSE(next_epoch(one, {{ConfigAction::kRemoveMember, key(1), "", ""}}).has_value());
}

// Five replicas; the last is removed. The change waits for the checkpoint
// boundary (filled with null batches), then four replicas run epoch 1 and
// the removed one is retired.
TEST(Reconfig, RemovedMemberRetiresAtTheBoundaryAndTheRestCarriesOn) {
  Cluster c(5);  // k = 2
  ConfigChange rm{ConfigAction::kRemoveMember, c.config().members[4], "n4", ""};
  c.request_all(Request{"admin", 1, make_config_op(rm)});
  c.request_all(req("a", 1));
  c.pump();  // seq 1 (config op + a): boundary is seq 2, filled by a null batch
  for (ReplicaId i = 0; i < 5; ++i) {
    EXPECT_EQ(c.at(i).last_executed(), 2u) << "replica " << i;
    EXPECT_EQ(c.at(i).config().epoch, 1u);
  }
  ASSERT_TRUE(c.executed(0)[1].next_epoch.has_value());
  EXPECT_EQ(c.executed(0)[1].next_epoch->n(), 4u);
  EXPECT_TRUE(c.at(4).retired());
  EXPECT_EQ(c.at(0).config().n(), 4u);
  c.request_all(req("b", 1));
  c.request_all(req("c", 1));
  c.pump();
  for (ReplicaId i = 0; i < 4; ++i) {
    ASSERT_EQ(c.at(i).last_executed(), 3u) << "replica " << i;
    EXPECT_EQ(c.executed(i).back().epoch, 1u);
    EXPECT_EQ(c.executed(i).back().commits.size(), c.at(i).config().quorum());
  }
  EXPECT_EQ(c.at(4).last_executed(), 2u);  // retired: does nothing any more
  // A message of the old epoch is refused.
  auto before = c.at(1).drops().count("wrong_epoch") ? c.at(1).drops().at("wrong_epoch") : 0;
  PrePrepare old;
  old.epoch = 0;
  old.seq = 4;
  old.time_ms = unix_millis(c.now());
  c.inject(0, 1, signed_part(old, c.signer(0)));
  c.pump();
  EXPECT_EQ(c.at(1).drops().at("wrong_epoch"), before + 1);
}

// A new link makes a replica ask that peer for blocks; the peer serves them.
TEST(Reconfig, LinkUpAsksThatPeerForBlocks) {
  Cluster c(4);
  std::vector<Action> seen;
  c.on_actions = [&](ReplicaId i, const std::vector<Action>& a) {
    if (i == 3) seen.insert(seen.end(), a.begin(), a.end());
  };
  c.step(3, Event{c.now(), LinkUp{2}});
  bool asked = false;
  for (const auto& a : seen)
    if (const auto* s = std::get_if<Send>(&a))
      asked |= s->to == 2u && std::holds_alternative<FetchBlocks>(*s->message);
  EXPECT_TRUE(asked);
  seen.clear();
  c.step(3, Event{c.now(), LinkUp{3}});  // itself: nothing
  EXPECT_TRUE(seen.empty());
}

// A learner (not in the epoch) ignores the normal case and client requests,
// and becomes replica 4 at the boundary of the epoch that adds it.
TEST(Reconfig, LearnerFollowsByStateTransferUntilAdded) {
  auto ring = sim::make_fake_keyring(5, 7);
  Cluster c(4);
  // The cluster's keyring uses the same seed: key 4 is the newcomer's.
  ASSERT_EQ(ring.signers[0]->public_key(), c.config().members[0]);
  RecoveredState r;
  r.learner = true;
  Replica learner(4, c.config(), Cluster::small_options(), *ring.signers[4], ring.verifier, r);
  auto start = learner.step(Event{c.now(), Start{}});
  EXPECT_TRUE(learner.learner());
  bool fetched = false;
  for (const auto& a : start)
    if (const auto* s = std::get_if<Send>(&a)) fetched |= std::holds_alternative<FetchBlocks>(*s->message);
  EXPECT_TRUE(fetched);
  EXPECT_TRUE(learner.step(Event{c.now(), ClientRequest{req("a", 1)}}).empty());
  EXPECT_EQ(learner.drops().at("learner"), 1u);

  ConfigChange add{ConfigAction::kAddMember, ring.signers[4]->public_key(), "n4", "https://127.0.0.1:7105"};
  c.request_all(Request{"admin", 1, make_config_op(add)});
  c.request_all(req("a", 1));
  c.pump();
  ASSERT_EQ(c.at(0).config().epoch, 1u);
  ASSERT_EQ(c.at(0).config().n(), 5u);
  // Serve the learner the committed batches with their certificates, as a
  // peer's ServeBlocks would.
  std::vector<CommittedBatch> batches;
  for (const auto& e : c.executed(0)) batches.push_back(CommittedBatch{e.pre_prepare, e.commits});
  auto bundle = c.at(0).make_block_bundle(batches);
  learner.step(Event{c.now(), PeerMessage{0, bundle}});
  EXPECT_FALSE(learner.learner());
  EXPECT_EQ(learner.id(), 4u);
  EXPECT_EQ(learner.config().epoch, 1u);
  EXPECT_EQ(learner.last_executed(), c.at(0).last_executed());
  EXPECT_EQ(learner.chain_digest(), c.at(0).chain_digest());
}

// A layer founded by one node grows by its first join: the learner knows a
// one-member epoch and must keep asking that member (at Start and on every
// fetch timer without progress) until it has replayed the switch that adds
// it. It used to ask nobody when the epoch it knew had one member, so a join
// whose switch landed before the learner's link-up fetch waited forever.
TEST(Reconfig, ALearnerOfAOneMemberLayerKeepsAskingItsMember) {
  auto ring = sim::make_fake_keyring(2, 7);
  Cluster c(1);
  ASSERT_EQ(ring.signers[0]->public_key(), c.config().members[0]);
  RecoveredState r;
  r.learner = true;
  Replica learner(1, c.config(), Cluster::small_options(), *ring.signers[1], ring.verifier, r);
  auto asks = [](const std::vector<Action>& actions) {
    int n = 0;
    for (const auto& a : actions)
      if (const auto* s = std::get_if<Send>(&a); s && s->to == 0u && std::holds_alternative<FetchBlocks>(*s->message)) ++n;
    return n;
  };
  EXPECT_EQ(asks(learner.step(Event{c.now(), Start{}})), 1);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(asks(learner.step(Event{c.now(), TimerFired{TimerKind::kFetch}})), 1) << "timer " << i;
}

}  // namespace
}  // namespace mlchain::consensus
