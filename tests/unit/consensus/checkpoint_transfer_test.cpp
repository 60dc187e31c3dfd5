#include <gtest/gtest.h>

#include "cluster.h"

namespace mlchain::consensus {
namespace {

using testing::Cluster;
using testing::InFlight;
using testing::req;

// Drives `batches` full batches of two requests through the cluster.
void commit_batches(Cluster& c, int batches, int first_client = 0, const std::function<bool(const InFlight&)>& keep = {}) {
  for (int b = 0; b < batches; ++b) {
    for (int k = 0; k < 2; ++k) {
      auto r = req("c" + std::to_string(first_client + 2 * b + k), 1);
      c.request_all(r);
    }
    c.pump(keep);
  }
}

TEST(Checkpoints, BecomeStableAndCollectTheLog) {
  Cluster c(4);  // k = 2, L = 4
  commit_batches(c, 6);
  for (ReplicaId i = 0; i < 4; ++i) {
    EXPECT_EQ(c.at(i).last_executed(), 6u);
    EXPECT_EQ(c.at(i).stable_seq(), 6u);
  }
  // The slot records at or below the stable checkpoint are gone.
  for (const auto& [k, v] : c.records(1)) EXPECT_TRUE(k.rfind("slot/", 0) != 0) << k;
  EXPECT_TRUE(c.records(1).count("stable"));
}

TEST(Checkpoints, PrimaryStopsAtTheHighWatermark) {
  Cluster c(4);
  // Without checkpoint messages nothing becomes stable, so at most L = 4
  // batches can be in flight.
  commit_batches(c, 6, 0, [](const InFlight& f) { return !std::holds_alternative<Checkpoint>(*f.message); });
  EXPECT_EQ(c.at(1).last_executed(), 4u);
  EXPECT_EQ(c.at(0).stable_seq(), 0u);
}

TEST(StateTransfer, LaggingReplicaFetchesCertifiedBatches) {
  Cluster c(4);
  c.set_down(3, true);
  commit_batches(c, 8);
  EXPECT_EQ(c.at(0).last_executed(), 8u);
  EXPECT_EQ(c.at(3).last_executed(), 0u);
  c.set_down(3, false);
  // Checkpoint evidence from the others tells replica 3 it is behind.
  commit_batches(c, 2, 100);
  for (int round = 0; round < 5 && c.at(3).last_executed() < 10; ++round) {
    if (c.timer_set(3, TimerKind::kFetch)) c.fire(3, TimerKind::kFetch);
    c.pump();
  }
  EXPECT_EQ(c.at(3).last_executed(), 10u);
  EXPECT_GT(c.at(3).stats().batches_fetched, 0u);
  EXPECT_EQ(c.at(3).chain_digest(), c.at(0).chain_digest());
}

TEST(StateTransfer, ForgedCertificateIsRefused) {
  Cluster c(4);
  PrePrepare pp;
  pp.seq = 1;
  pp.requests = {req("evil", 1)};
  CommittedBatch cb{pp, {}};
  for (ReplicaId r = 0; r < 4; ++r)  // every commit signed by replica 2 alone
    cb.commits.push_back(signed_part(Commit{0, 0, 1, pp.digest(), r, {}}, c.signer(2)));
  BlockBundle b{0, {cb}, std::nullopt, 2, {}};
  c.inject(2, 1, signed_part(b, c.signer(2)));
  c.pump();
  EXPECT_EQ(c.at(1).last_executed(), 0u);
  EXPECT_EQ(c.at(1).drops().at("bad_signature"), 1u);
  EXPECT_EQ(c.at(1).drops().at("bad_certificate"), 1u);
}

TEST(Restart, ResumesViewAndLogFromItsRecords) {
  Cluster c(4);
  c.set_down(0, true);
  c.request_all(req("a", 1));
  c.pump();
  for (int round = 0; round < 2; ++round) {
    c.advance(Micros(250'000));
    for (ReplicaId i = 1; i < 4; ++i) c.fire(i, TimerKind::kRequest);
  }
  c.pump();
  ASSERT_EQ(c.at(2).view(), 1u);
  c.request_all(req("b", 1));
  if (c.timer_set(1, TimerKind::kBatch)) c.fire(1, TimerKind::kBatch);
  c.pump();
  auto executed = c.at(2).last_executed();
  ASSERT_GT(executed, 0u);
  c.restart(2);
  EXPECT_EQ(c.at(2).view(), 1u);
  EXPECT_TRUE(c.at(2).active());
  EXPECT_EQ(c.at(2).last_executed(), executed);
  // And it keeps committing with the others.
  c.request_all(req("c", 1));
  c.request_all(req("d", 1));
  c.pump();
  EXPECT_EQ(c.at(2).last_executed(), c.at(1).last_executed());
}

TEST(Restart, NeverAcceptsAConflictingPrePrepareForASlotItVotedOn) {
  Cluster c(4);
  c.request_all(req("a", 1));
  c.request_all(req("b", 1));
  // Replica 1 accepts the pre-prepare for seq 1 but nothing else arrives.
  c.pump([](const InFlight& f) { return f.to == 1 && std::holds_alternative<PrePrepare>(*f.message); });
  c.restart(1);
  PrePrepare other;
  other.seq = 1;
  other.time_ms = unix_millis(c.now());
  other.requests = {req("z", 1)};
  c.inject(0, 1, signed_part(other, c.signer(0)));
  c.pump([](const InFlight& f) { return f.to == 1; });
  EXPECT_EQ(c.at(1).drops().at("conflicting_pre_prepare"), 1u);
}

}  // namespace
}  // namespace mlchain::consensus
