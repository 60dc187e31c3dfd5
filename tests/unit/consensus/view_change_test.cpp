#include <gtest/gtest.h>

#include "cluster.h"

namespace mlchain::consensus {
namespace {

using testing::Cluster;
using testing::InFlight;
using testing::req;
using testing::time_out_all_but;

TEST(ViewChange, SilentPrimaryIsReplacedAndTheRequestCommits) {
  Cluster c(4);
  c.set_down(0, true);
  c.request_all(req("a", 1));
  c.request_all(req("b", 1));
  c.pump();
  EXPECT_TRUE(c.executed(1).empty());
  ASSERT_TRUE(c.timer_set(1, TimerKind::kRequest));
  time_out_all_but(c, 0);
  c.pump();
  for (ReplicaId i = 1; i < 4; ++i) {
    EXPECT_EQ(c.at(i).view(), 1u);
    EXPECT_TRUE(c.at(i).active());
  }
  // The new primary proposes the pending requests in view 1.
  if (c.timer_set(1, TimerKind::kBatch)) c.fire(1, TimerKind::kBatch);
  c.pump();
  for (ReplicaId i = 1; i < 4; ++i) {
    ASSERT_FALSE(c.executed(i).empty()) << "replica " << i;
    EXPECT_EQ(c.executed(i).back().pre_prepare.view, 1u);
  }
}

// A batch that prepared (but whose commits were lost) must come back in the
// new view with the same digest at the same sequence number.
TEST(ViewChange, PreparedBatchSurvivesTheViewChange) {
  Cluster c(4);
  c.request_all(req("a", 1));
  c.request_all(req("b", 1));
  c.pump([](const InFlight& f) { return !std::holds_alternative<Commit>(*f.message); });
  for (ReplicaId i = 0; i < 4; ++i) EXPECT_TRUE(c.executed(i).empty());
  time_out_all_but(c, 99);
  c.pump();
  Digest d{};
  for (ReplicaId i = 0; i < 4; ++i) {
    ASSERT_EQ(c.executed(i).size(), 1u) << "replica " << i;
    EXPECT_EQ(c.executed(i)[0].seq, 1u);
    EXPECT_EQ(c.executed(i)[0].pre_prepare.view, 1u);
    EXPECT_EQ(c.executed(i)[0].pre_prepare.requests.size(), 2u);
    if (i == 0) d = c.executed(i)[0].pre_prepare.digest();
    EXPECT_EQ(c.executed(i)[0].pre_prepare.digest(), d);
  }
}

// The same after the backups restart from their records alone (the old
// primary stays down): the prepared proofs come back from the slot records,
// which hold the batch once (the proof's prepares point at the slot's own
// pre-prepare, "best_of_pp"), and the new view keeps the batch at seq 1.
TEST(ViewChange, PreparedBatchSurvivesARestartOfTheBackups) {
  Cluster c(4);
  c.request_all(req("a", 1));
  c.request_all(req("b", 1));
  Digest d{};
  c.pump([&d](const InFlight& f) {
    if (const auto* pp = std::get_if<PrePrepare>(&*f.message)) d = pp->digest();
    return !std::holds_alternative<Commit>(*f.message);
  });
  for (ReplicaId i = 1; i < 4; ++i) {
    auto rec = c.records(i).find("slot/00000000000000000001");
    ASSERT_NE(rec, c.records(i).end());
    EXPECT_NE(rec->second.find("\"best_of_pp\":true"), std::string::npos) << rec->second;
    EXPECT_EQ(rec->second.find("pre_prepare"), std::string::npos) << "the batch is written twice: " << rec->second;
  }
  c.set_down(0, true);
  for (ReplicaId i = 1; i < 4; ++i) c.restart(i);
  c.queue().clear();
  for (ReplicaId i = 1; i < 4; ++i) {  // the clients retry
    c.request(i, req("a", 1));
    c.request(i, req("b", 1));
  }
  time_out_all_but(c, 0);
  c.pump();
  for (ReplicaId i = 1; i < 4; ++i) {
    ASSERT_FALSE(c.executed(i).empty()) << "replica " << i;
    EXPECT_EQ(c.executed(i)[0].seq, 1u);
    EXPECT_EQ(c.executed(i)[0].pre_prepare.view, 1u);
    EXPECT_EQ(c.executed(i)[0].pre_prepare.requests.size(), 2u);
    EXPECT_EQ(c.executed(i)[0].pre_prepare.digest(), d) << "replica " << i;
  }
}

// A new primary that rewrites a prepared batch is refused by the backups.
TEST(ViewChange, NewViewThatRewritesAPreparedBatchIsRejected) {
  Cluster c(4);
  c.request_all(req("a", 1));
  c.request_all(req("b", 1));
  c.pump([](const InFlight& f) { return !std::holds_alternative<Commit>(*f.message); });
  // Replicas 0, 2, 3 move to view 1; capture the honest new view of replica 1
  // and forge a variant with another batch at seq 1.
  std::optional<NewView> honest;
  time_out_all_but(c, 99);
  c.pump([&](const InFlight& f) {
    if (const auto* nv = std::get_if<NewView>(f.message.get())) {
      honest = *nv;
      return false;
    }
    return f.to == 1;  // only the new primary hears the view changes
  });
  ASSERT_TRUE(honest.has_value());
  NewView forged = *honest;
  ASSERT_FALSE(forged.pre_prepares.empty());
  forged.pre_prepares[0].requests = {req("evil", 1)};
  forged.pre_prepares[0] = signed_part(forged.pre_prepares[0], c.signer(1));
  forged = signed_part(forged, c.signer(1));
  c.queue().clear();
  c.inject(1, 2, forged);
  c.pump();
  EXPECT_EQ(c.at(2).drops().at("bad_new_view"), 1u);
  EXPECT_FALSE(c.at(2).active());
}

TEST(ViewChange, OverdueRequestIsFirstRelayedToThePrimary) {
  Cluster c(4);
  c.request(2, req("only-told-2", 1));  // the client talked to replica 2 alone
  c.pump();
  c.advance(Micros(250'000));
  c.fire(2, TimerKind::kRequest);
  c.pump();
  ASSERT_TRUE(c.timer_set(0, TimerKind::kBatch));
  c.fire(0, TimerKind::kBatch);
  c.pump();
  EXPECT_EQ(c.at(2).view(), 0u);
  for (ReplicaId i = 0; i < 4; ++i) EXPECT_EQ(c.executed(i).size(), 1u) << "replica " << i;
}

TEST(ViewChange, FViewChangesDoNotMoveAReplicaButFPlusOneDo) {
  Cluster c(4);
  auto vc_from = [&](ReplicaId r, View v) {
    ViewChange vc;
    vc.new_view = v;
    vc.replica = r;
    return signed_part(vc, c.signer(r));
  };
  c.inject(3, 1, vc_from(3, 5));
  c.pump();
  EXPECT_EQ(c.at(1).view(), 0u);
  EXPECT_TRUE(c.at(1).active());
  c.inject(2, 1, vc_from(2, 7));
  c.pump([](const InFlight& f) { return f.to == 1; });
  // f + 1 = 2 replicas want views 5 and 7: follow the lower, which a correct
  // replica must hold.
  EXPECT_EQ(c.at(1).view(), 5u);
  EXPECT_FALSE(c.at(1).active());
}

// A primary that suspects itself (its own request overdue, e.g. starved of
// CPU under a backlog) leaves its view; it alone is not f + 1, but nobody
// proposes in that view any more, so the backups go to the next view at
// once instead of after their own (backed-off) timeouts.
TEST(ViewChange, APrimaryLeavingItsViewTakesTheBackupsToTheNextViewAtOnce) {
  Cluster c(4);
  c.request(0, req("a", 1));  // only the primary has it: no backup timer runs
  c.advance(Micros(5'000'000));
  ASSERT_TRUE(c.timer_set(0, TimerKind::kRequest));
  c.fire(0, TimerKind::kRequest);
  ASSERT_EQ(c.at(0).view(), 1u);
  c.pump();
  for (ReplicaId i = 0; i < 4; ++i) {
    EXPECT_EQ(c.at(i).view(), 1u) << "replica " << i;
    EXPECT_TRUE(c.at(i).active()) << "replica " << i;
  }
  for (ReplicaId i = 1; i < 4; ++i) EXPECT_EQ(c.at(i).stats().primary_resignations, 1u);
  // The request, sent again to the new primary, commits in view 1.
  c.request_all(req("a", 1));
  if (c.timer_set(1, TimerKind::kBatch)) c.fire(1, TimerKind::kBatch);
  c.pump();
  for (ReplicaId i = 0; i < 4; ++i) {
    ASSERT_FALSE(c.executed(i).empty()) << "replica " << i;
    EXPECT_EQ(c.executed(i).back().pre_prepare.view, 1u);
  }
}

// Only the primary of our view can end it: a backup's view change (or a
// former primary's, once we are in a later view) moves nobody alone.
TEST(ViewChange, ABackupLeavingMovesNobody) {
  Cluster c(4);
  c.request(2, req("a", 1));
  c.advance(Micros(5'000'000));
  c.fire(2, TimerKind::kRequest);  // relays to the primary: not yet a suspicion
  c.queue().clear();
  c.advance(Micros(5'000'000));
  c.fire(2, TimerKind::kRequest);
  ASSERT_EQ(c.at(2).view(), 1u);
  c.pump([](const InFlight& f) { return std::holds_alternative<ViewChange>(*f.message); });
  for (ReplicaId i : {0, 1, 3}) {
    EXPECT_EQ(c.at(i).view(), 0u) << "replica " << i;
    EXPECT_TRUE(c.at(i).active()) << "replica " << i;
    EXPECT_EQ(c.at(i).stats().primary_resignations, 0u);
  }
}

TEST(ViewChange, ViewsNeverGoBackAndOldViewMessagesAreDropped) {
  Cluster c(4);
  c.set_down(0, true);
  c.request_all(req("a", 1));
  c.pump();
  time_out_all_but(c, 0);
  c.pump();
  ASSERT_EQ(c.at(2).view(), 1u);
  c.set_down(0, false);
  PrePrepare old;
  old.seq = 1;
  old.time_ms = unix_millis(c.now());
  old.requests = {req("z", 1)};
  c.inject(0, 2, signed_part(old, c.signer(0)));
  c.pump();
  EXPECT_EQ(c.at(2).view(), 1u);
  EXPECT_GE(c.at(2).drops().at("old_view"), 1u);
}

TEST(ViewChange, InvalidPreparedProofIsRejected) {
  Cluster c(4);
  PrePrepare pp;
  pp.seq = 1;
  pp.requests = {req("a", 1)};
  pp = signed_part(pp, c.signer(0));
  ViewChange vc;
  vc.new_view = 1;
  vc.replica = 3;
  vc.prepared.push_back(PreparedProof{pp, {}});  // no prepares at all
  c.inject(3, 1, signed_part(vc, c.signer(3)));
  c.pump();
  EXPECT_EQ(c.at(1).drops().at("bad_prepared_proof"), 1u);
}

}  // namespace
}  // namespace mlchain::consensus
