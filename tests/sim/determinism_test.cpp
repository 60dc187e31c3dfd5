// Same options, same run: the seed is all a replay needs.
#include "scenario.h"

namespace mlchain::sim {
namespace {

using testing::base_options;
using testing::run_scenario;

TEST(SimDeterminism, SameSeedSameReport) {
  auto o = base_options(4, 42);
  o.drop = 0.1;
  o.duplicate = 0.1;
  o.random_partitions = 1;
  o.random_crashes = 1;
  o.byzantine = 1;
  o.byzantine_kind = Byzantine::kForge;
  o.count_bytes = true;
  auto a = run_scenario(o).to_json();
  auto b = run_scenario(o).to_json();
  EXPECT_EQ(codec::pretty(a), codec::pretty(b));
  o.seed = 43;
  auto c = run_scenario(o).to_json();
  EXPECT_NE(codec::pretty(a), codec::pretty(c));
}

TEST(SimDeterminism, TraceIsReproducible) {
  auto o = base_options(4, 8);
  o.drop = 0.1;
  o.byzantine = 1;
  o.byzantine_kind = Byzantine::kSilent;
  std::string first, second;
  o.trace = [&](const std::string& l) { first += l + "\n"; };
  run_scenario(o);
  o.trace = [&](const std::string& l) { second += l + "\n"; };
  run_scenario(o);
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, second);
}

TEST(SimOptionsCheck, BadOptionsAreRefused) {
  SimOptions o;
  o.nodes = 0;
  EXPECT_FALSE(run(o).ok());
  o.nodes = 65;
  EXPECT_FALSE(run(o).ok());
  o = SimOptions{};
  o.drop = 1.0;
  EXPECT_FALSE(run(o).ok());
  o = SimOptions{};
  o.store = StoreKind::kLmdb;
  EXPECT_FALSE(run(o).ok());
  o = SimOptions{};
  o.byzantine = 5;
  EXPECT_FALSE(run(o).ok());
}

TEST(SimReportJson, HasTheFieldsTheCliPrints) {
  SimOptions o;
  o.ops = 20;
  auto r = run_scenario(o);
  auto j = r.to_json();
  for (const char* k : {"seed", "nodes", "f", "byzantine", "ops_committed", "blocks", "view_changes",
                        "messages_per_op_milli", "bytes_per_op", "latency_p50_us", "latency_p99_us", "invariants", "fork",
                        "live", "epoch"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["invariants"], "ok");
  EXPECT_GT(j["bytes_per_op"].get<std::int64_t>(), 0);
  // mlchain's own parser refuses floats: the report must have none.
  auto text = codec::canonical(j);
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  EXPECT_TRUE(codec::parse(*text).ok());
}

// Real Ed25519 signatures instead of the fast fake: same protocol, same result.
class Ed25519Runs : public ::testing::TestWithParam<std::uint64_t> {};
TEST_P(Ed25519Runs, SafeAndLive) {
  auto o = base_options(4, GetParam());
  o.crypto = CryptoKind::kEd25519;
  o.ops = 40;
  o.drop = 0.05;
  if (GetParam() % 2 == 0) {
    o.byzantine = 1;
    o.byzantine_kind = GetParam() % 4 == 0 ? Byzantine::kForge : Byzantine::kEquivocate;
  }
  testing::expect_safe_and_live(o);
}
INSTANTIATE_TEST_SUITE_P(Sim, Ed25519Runs, ::testing::Range<std::uint64_t>(1, 7));

}  // namespace
}  // namespace mlchain::sim
