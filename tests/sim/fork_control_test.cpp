// The control: with f + 1 colluding equivocators (more than PBFT tolerates)
// the layer can fork, and the invariant checker must say so. If these tests
// ever stop finding forks, the checker (not the protocol) is broken.
#include "scenario.h"

namespace mlchain::sim {
namespace {

using testing::base_options;
using testing::run_scenario;

TEST(SimForkControl, FPlusOneEquivocatorsForkAndAreDetected) {
  int forks = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto o = base_options(4, seed);
    o.byzantine = 2;  // f = 1
    o.byzantine_kind = Byzantine::kEquivocate;
    o.drop = seed % 3 == 0 ? 0.05 : 0.0;
    auto r = run_scenario(o);
    if (r.safe) continue;
    ++forks;
    ASSERT_TRUE(r.fork.has_value()) << r.summary();
    EXPECT_NE(r.fork->hash_a, r.fork->hash_b);
    EXPECT_NE(r.fork->node_a, r.fork->node_b);
    EXPECT_GE(r.fork->node_a, 2u);  // only correct replicas are judged
    EXPECT_GE(r.fork->node_b, 2u);
  }
  EXPECT_GT(forks, 0) << "no seed forked: the checker cannot fail";
}

TEST(SimForkControl, SevenNodesThreeEquivocators) {
  int forks = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    auto o = base_options(7, seed);
    o.byzantine = 3;  // f = 2
    o.byzantine_kind = Byzantine::kEquivocate;
    auto r = run_scenario(o);
    if (!r.safe) {
      ++forks;
      EXPECT_TRUE(r.fork.has_value()) << r.summary();
    }
  }
  EXPECT_GT(forks, 0);
}

// The same number of equivocators that PBFT does tolerate never forks.
TEST(SimForkControl, FEquivocatorsNeverFork) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    auto o = base_options(7, seed);
    o.byzantine = 2;
    o.byzantine_kind = Byzantine::kEquivocate;
    auto r = run_scenario(o);
    EXPECT_TRUE(r.safe) << r.summary();
    EXPECT_FALSE(r.fork.has_value());
  }
}

TEST(SimForkControl, ReportCarriesTheFork) {
  auto o = base_options(4, 1);
  o.byzantine = 2;
  o.byzantine_kind = Byzantine::kEquivocate;
  auto r = run_scenario(o);
  ASSERT_FALSE(r.safe);
  auto j = r.to_json();
  EXPECT_EQ(j["invariants"], "violated");
  EXPECT_TRUE(j["fork"].is_object());
  EXPECT_EQ(j["seed"], 1u);
}

}  // namespace
}  // namespace mlchain::sim
