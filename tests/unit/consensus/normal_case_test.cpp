#include <gtest/gtest.h>

#include "cluster.h"

namespace mlchain::consensus {
namespace {

using testing::Cluster;
using testing::req;

TEST(NormalCase, FullBatchCommitsEverywhereWithAQuorumCertificate) {
  Cluster c(4);
  c.request_all(req("a", 1));
  c.request_all(req("b", 1));  // batch_size 2: the primary proposes at once
  c.pump();
  for (ReplicaId i = 0; i < 4; ++i) {
    ASSERT_EQ(c.executed(i).size(), 1u) << "replica " << i;
    const auto& e = c.executed(i)[0];
    EXPECT_EQ(e.seq, 1u);
    EXPECT_EQ(e.pre_prepare.requests.size(), 2u);
    EXPECT_EQ(e.commits.size(), c.config().quorum());
    for (const auto& cm : e.commits) {
      EXPECT_EQ(cm.digest, e.pre_prepare.digest());
      EXPECT_TRUE(verify_part(cm, c.config().members[cm.replica], c.verifier()));
    }
    EXPECT_EQ(e.chain_digest, c.executed(0)[0].chain_digest);
  }
}

TEST(NormalCase, PartialBatchWaitsForTheBatchTimer) {
  Cluster c(4);
  c.request_all(req("a", 1));
  c.pump();
  EXPECT_TRUE(c.executed(0).empty());
  EXPECT_TRUE(c.timer_set(0, TimerKind::kBatch));
  c.fire(0, TimerKind::kBatch);
  c.pump();
  for (ReplicaId i = 0; i < 4; ++i) EXPECT_EQ(c.executed(i).size(), 1u);
}

TEST(NormalCase, ExecutesInSequenceOrderEvenWhenCommitsArriveOutOfOrder) {
  Cluster c(4);
  c.request_all(req("a", 1));
  c.request_all(req("b", 1));
  c.request_all(req("c", 1));
  c.request_all(req("d", 1));
  // Deliver newest first.
  std::vector<testing::InFlight> all(c.queue().begin(), c.queue().end());
  c.queue().clear();
  for (auto it = all.rbegin(); it != all.rend(); ++it) c.queue().push_back(*it);
  c.pump();
  for (ReplicaId i = 0; i < 4; ++i) {
    ASSERT_EQ(c.executed(i).size(), 2u);
    EXPECT_EQ(c.executed(i)[0].seq, 1u);
    EXPECT_EQ(c.executed(i)[1].seq, 2u);
  }
}

TEST(NormalCase, DuplicateRequestIsExecutedOnceAndItsReplyResent) {
  Cluster c(4);
  c.request_all(req("a", 1));
  c.request_all(req("b", 1));
  c.pump();
  c.request_all(req("a", 1));  // retransmission after execution
  c.pump();
  EXPECT_EQ(c.executed(1).size(), 1u);
  bool resent = false;
  for (const auto& actions : c.log(1))
    for (const auto& a : actions)
      if (const auto* r = std::get_if<ResendReply>(&a); r && r->client == "a" && r->request_id == 1) resent = true;
  EXPECT_TRUE(resent);
  EXPECT_EQ(c.at(1).pending_requests(), 0u);
}

TEST(NormalCase, SingleReplicaLayerCommitsAlone) {
  Cluster c(1);
  c.request(0, req("a", 1));
  c.request(0, req("b", 1));
  c.pump();
  ASSERT_EQ(c.executed(0).size(), 1u);
  EXPECT_EQ(c.executed(0)[0].commits.size(), 1u);
}

// Persist-before-send: the pre-prepare a backup accepted is durable before
// its prepare leaves, so a restart cannot make it vote twice.
TEST(NormalCase, PersistComesBeforeTheSendItProtects) {
  Cluster c(4);
  bool checked = false;
  c.on_actions = [&](ReplicaId, const std::vector<Action>& actions) {
    bool persisted = false;
    for (const auto& a : actions) {
      if (const auto* p = std::get_if<Persist>(&a); p && p->key.rfind("slot/", 0) == 0) persisted = true;
      if (const auto* s = std::get_if<Send>(&a)) {
        if (std::holds_alternative<Prepare>(*s->message) || std::holds_alternative<PrePrepare>(*s->message)) {
          EXPECT_TRUE(persisted) << "sent " << type_name(*s->message) << " before persisting its slot";
          checked = true;
        }
      }
    }
  };
  c.request_all(req("a", 1));
  c.request_all(req("b", 1));
  c.pump();
  EXPECT_TRUE(checked);
}

TEST(NormalCase, BadRequestsAreCountedNotExecuted) {
  Cluster c(4);
  c.request(0, Request{"", 1, {}});
  c.request(0, Request{"a", 0, {}});
  c.request(0, Request{std::string(300, 'x'), 1, {}});
  EXPECT_EQ(c.at(0).drops().at("bad_request"), 3u);
  EXPECT_EQ(c.at(0).pending_requests(), 0u);
}

// Adaptive batching: an idle primary proposes a partial batch at once; while
// a batch is in flight, the next partial one waits for batch_delay.
TEST(NormalCase, IdlePrimaryProposesAtOnceBusyOneWaits) {
  auto o = Cluster::small_options();
  o.propose_when_idle = true;
  o.batch_size = 8;
  Cluster c(4, o);
  std::size_t proposed = 0;
  c.on_actions = [&](ReplicaId i, const std::vector<Action>& actions) {
    if (i != 0) return;
    for (const auto& a : actions)
      if (const auto* s = std::get_if<Send>(&a)) proposed += std::holds_alternative<PrePrepare>(*s->message);
  };
  c.request(0, req("a", 1));
  EXPECT_EQ(proposed, 1u);  // idle: no wait for more requests
  c.request(0, req("b", 1));
  EXPECT_EQ(proposed, 1u);  // the first batch is still in flight: b waits
  EXPECT_TRUE(c.timer_set(0, TimerKind::kBatch));
  c.pump();  // a commits
  c.fire(0, TimerKind::kBatch);
  EXPECT_EQ(proposed, 2u);
  c.pump();
  EXPECT_EQ(c.at(0).last_executed(), 2u);
}

}  // namespace
}  // namespace mlchain::consensus
