// f byzantine replicas of each kind (n = 3f + 1), over a lossy network with a
// partition that heals: no safety violation, and every operation commits.
#include "scenario.h"

namespace mlchain::sim {
namespace {

using testing::base_options;
using testing::expect_safe_and_live;

using Case = testing::ByzantineCase;

class ByzantineReplicas : public ::testing::TestWithParam<Case> {};

TEST_P(ByzantineReplicas, SafeAndLiveAfterHeal) {
  const Case& c = GetParam();
  auto o = base_options(c.nodes, c.seed);
  o.byzantine = (c.nodes - 1) / 3;
  o.byzantine_kind = c.kind;
  o.drop = 0.03;
  o.random_partitions = c.seed % 2 == 0 ? 1 : 0;
  auto r = expect_safe_and_live(o);
  // The primary of view 0 is byzantine: silent, equivocating and stalling
  // primaries must be replaced or survived.
  if (c.kind == Byzantine::kSilent) {
    EXPECT_GE(r.view_changes, 1u) << r.summary();
  }
}

INSTANTIATE_TEST_SUITE_P(Sim, ByzantineReplicas,
                         ::testing::ValuesIn(testing::byzantine_cases({Byzantine::kSilent, Byzantine::kEquivocate,
                                                                        Byzantine::kForge, Byzantine::kReplay,
                                                                        Byzantine::kViewChangeSpam, Byzantine::kStall},
                                                                       36, 6, 2)),
                         testing::case_name);

// Rejected inputs are counted by reason, not crashed on.
TEST(SimByzantine, ForgeriesAreCountedAndDropped) {
  auto o = base_options(4, 7);
  o.byzantine = 1;
  o.byzantine_kind = Byzantine::kForge;
  auto r = expect_safe_and_live(o);
  EXPECT_GT(r.drops["bad_signature"] + r.drops["sender_mismatch"] + r.drops["bad_certificate"], 0u) << r.summary();
}

TEST(SimByzantine, ViewChangeSpamDoesNotMoveCorrectReplicas) {
  auto o = base_options(4, 3);
  o.byzantine = 1;
  o.byzantine_kind = Byzantine::kViewChangeSpam;
  o.replica.checkpoint_interval = 8;
  o.replica.log_window = 32;
  // Only replica 0 spams; it is also the primary of view 0 and otherwise
  // honest. A valid view change from the primary of their view makes the
  // correct replicas leave that view (it will not propose in it any more),
  // so the spammer can end view 0 early; in view 1 it is a backup, and its
  // spam moves nobody: at most one view change.
  auto r = expect_safe_and_live(o);
  EXPECT_LE(r.view_changes, 1u) << r.summary();
  EXPECT_GT(r.drops["bad_prepared_proof"], 0u) << r.summary();
}

// A client that shows different operations under one request id to
// different replicas: at most one of them executes, and the layer stays live.
class ByzantineClients : public ::testing::TestWithParam<std::uint64_t> {};
TEST_P(ByzantineClients, SafeAndLive) {
  auto o = base_options(4, GetParam());
  o.byzantine_clients = 3;
  o.drop = 0.03;
  expect_safe_and_live(o);
}
INSTANTIATE_TEST_SUITE_P(Sim, ByzantineClients, ::testing::Range<std::uint64_t>(1, 21));

}  // namespace
}  // namespace mlchain::sim
