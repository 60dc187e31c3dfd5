// Issue 13's attacks by f byzantine replicas (n = 3f + 1), each over a lossy
// network with partitions that heal: safe and live, and the checker's new
// invariants (no lock-out, no message over the link limit, bounded
// buffering) hold. The control cases show the checker can fail.
#include "scenario.h"

namespace mlchain::sim {
namespace {

using testing::base_options;
using testing::expect_safe_and_live;
using testing::run_scenario;

using Case = testing::ByzantineCase;

// The link limit at its minimum (1 MiB), so 16 KiB operations make budgets
// matter within a few batches.
SimOptions attack_options(const Case& c) {
  auto o = base_options(c.nodes, c.seed);
  o.ops = 60;
  o.byzantine = (c.nodes - 1) / 3;
  o.byzantine_kind = c.kind;
  o.drop = 0.03;
  o.random_partitions = c.seed % 2 == 0 ? 1 : 0;
  o.replica.batch_size = 16;
  o.replica.max_message_bytes = 1u << 20;
  if (c.kind == Byzantine::kGhostProposals) {
    // Two members join (n grows, f stays): two epoch boundaries to propose past.
    o.joiners = 2;
    o.reconfigurations.push_back(ReconfigSpec{Micros(30'000), consensus::ConfigAction::kAddMember, c.nodes});
    o.reconfigurations.push_back(ReconfigSpec{Micros(150'000), consensus::ConfigAction::kAddMember, c.nodes + 1});
  }
  return o;
}

class Attacks : public ::testing::TestWithParam<Case> {};

TEST_P(Attacks, SafeAndLive) {
  auto o = attack_options(GetParam());
  auto r = expect_safe_and_live(o);
  EXPECT_TRUE(r.violations.empty()) << r.summary();
}

INSTANTIATE_TEST_SUITE_P(Sim, Attacks,
                         ::testing::ValuesIn(testing::byzantine_cases(
                             {Byzantine::kForgedIds, Byzantine::kOversized, Byzantine::kFutureViewFlood,
                              Byzantine::kGhostProposals},
                             40, 7, 3)),
                         testing::case_name);

// The attacks reach the replicas: forged requests are refused before
// ordering, junk for the next view is not buffered.
TEST(SimAttacks, ForgedIdsAreRefusedAndCounted) {
  auto o = attack_options({Byzantine::kForgedIds, 4, 3});
  auto r = expect_safe_and_live(o);
  EXPECT_GT(r.drops["unauthenticated_request"] + r.drops["unauthenticated_in_batch"], 0u) << r.summary();
}

TEST(SimAttacks, OversizedBatchesAreRefused) {
  std::uint64_t refused = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    auto r = expect_safe_and_live(attack_options({Byzantine::kOversized, 4, seed}));
    refused += r.drops["batch_too_large"];
  }
  EXPECT_GT(refused, 0u);
}

TEST(SimAttacks, GhostProposalsAreProposedAndRefused) {
  std::uint64_t proposed = 0, refused = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    auto r = expect_safe_and_live(attack_options({Byzantine::kGhostProposals, 4, seed}));
    proposed += r.ghosts_proposed;
    refused += r.drops["above_proposal_limit"];
  }
  EXPECT_GT(proposed, 0u) << "the byzantine primary never reached a boundary: the scenario tests nothing";
  EXPECT_GT(refused, 0u);
}

// Control: without client authentication (the defect of issue 13 item 1)
// one forged request id locks its client out, and the checker says so.
TEST(SimAttacks, ControlWithoutAuthenticationTheCheckerReportsLockOut) {
  int caught = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    auto o = attack_options({Byzantine::kForgedIds, 4, seed});
    o.authenticate_clients = false;
    auto r = run_scenario(o);
    if (r.safe) continue;
    ++caught;
    ASSERT_FALSE(r.violations.empty());
    EXPECT_NE(r.violations.front().find("lock-out"), std::string::npos) << r.violations.front();
  }
  EXPECT_GT(caught, 0) << "no seed locked a client out: the checker cannot fail";
}

}  // namespace
}  // namespace mlchain::sim
