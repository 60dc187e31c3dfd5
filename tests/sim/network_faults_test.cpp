// Drop, duplicate, delay (which reorders), and partitions that heal: never a
// safety violation, and every operation commits once the network heals.
#include "scenario.h"

namespace mlchain::sim {
namespace {

using testing::base_options;
using testing::expect_safe_and_live;

struct Case {
  std::uint32_t nodes;
  std::uint64_t seed;
};

std::vector<Case> cases(std::initializer_list<std::uint32_t> sizes, std::uint64_t seeds) {
  std::vector<Case> out;
  for (auto n : sizes)
    for (std::uint64_t s = 1; s <= seeds; ++s) out.push_back({n, s});
  return out;
}

std::string name(const ::testing::TestParamInfo<Case>& i) {
  return "n" + std::to_string(i.param.nodes) + "_seed" + std::to_string(i.param.seed);
}

class Drops : public ::testing::TestWithParam<Case> {};
TEST_P(Drops, SafeAndLive) {
  auto o = base_options(GetParam().nodes, GetParam().seed);
  o.drop = 0.05 + 0.05 * static_cast<double>(GetParam().seed % 4);  // 5..20 %
  expect_safe_and_live(o);
}
INSTANTIATE_TEST_SUITE_P(Sim, Drops, ::testing::ValuesIn(cases({4, 7}, 25)), name);

class DuplicatesAndDelays : public ::testing::TestWithParam<Case> {};
TEST_P(DuplicatesAndDelays, SafeAndLive) {
  auto o = base_options(GetParam().nodes, GetParam().seed);
  o.duplicate = 0.2;
  o.delay_probability = 0.3;
  o.delay_spike = Micros(80'000);  // reorders far beyond the normal latency
  expect_safe_and_live(o);
}
INSTANTIATE_TEST_SUITE_P(Sim, DuplicatesAndDelays, ::testing::ValuesIn(cases({4, 7}, 12)), name);

class Partitions : public ::testing::TestWithParam<Case> {};
TEST_P(Partitions, SafeAndLiveAfterHeal) {
  auto o = base_options(GetParam().nodes, GetParam().seed);
  o.random_partitions = 1 + static_cast<std::uint32_t>(GetParam().seed % 3);
  o.drop = 0.02;
  expect_safe_and_live(o);
}
INSTANTIATE_TEST_SUITE_P(Sim, Partitions, ::testing::ValuesIn(cases({4, 7}, 16)), name);

class Everything : public ::testing::TestWithParam<Case> {};
TEST_P(Everything, SafeAndLive) {
  auto o = base_options(GetParam().nodes, GetParam().seed);
  o.drop = 0.15;
  o.duplicate = 0.1;
  o.delay_probability = 0.2;
  o.random_partitions = 2;
  o.random_crashes = 1;
  expect_safe_and_live(o);
}
INSTANTIATE_TEST_SUITE_P(Sim, Everything, ::testing::ValuesIn(cases({4, 5, 7, 10}, 10)), name);

// Sizes other than 3f+1, including the degenerate ones.
class OddSizes : public ::testing::TestWithParam<Case> {};
TEST_P(OddSizes, SafeAndLive) {
  auto o = base_options(GetParam().nodes, GetParam().seed);
  o.drop = 0.05;
  o.random_partitions = GetParam().nodes > 1 ? 1 : 0;
  expect_safe_and_live(o);
}
INSTANTIATE_TEST_SUITE_P(Sim, OddSizes, ::testing::ValuesIn(cases({1, 2, 3, 5, 6, 8}, 6)), name);

// A partition leaving a minority out must not stop the majority side when it
// holds a quorum: ops commit during the partition.
TEST(SimPartition, QuorumSideKeepsCommitting) {
  auto o = base_options(4, 99);
  o.partitions.push_back(PartitionSpec{Micros(0), Micros(100'000'000), {3}});
  o.faults_until = Micros(100'000'000);
  auto r = expect_safe_and_live(o);
  EXPECT_LT(r.virtual_seconds, 10.0) << r.summary();
}

}  // namespace
}  // namespace mlchain::sim
