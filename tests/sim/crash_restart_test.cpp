// Crash and restart from the persisted store: the MemoryStore object survives
// a simulated crash (everything else of the replica is dropped), and the
// LmdbStore is closed and reopened from its directory.
#include <filesystem>

#include "scenario.h"

namespace mlchain::sim {
namespace {

using testing::base_options;
using testing::expect_safe_and_live;

struct Case {
  std::uint32_t nodes;
  std::uint64_t seed;
};

std::string name(const ::testing::TestParamInfo<Case>& i) {
  return "n" + std::to_string(i.param.nodes) + "_seed" + std::to_string(i.param.seed);
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (std::uint64_t s = 1; s <= 30; ++s) out.push_back({4, s});
  for (std::uint64_t s = 1; s <= 10; ++s) out.push_back({7, s});
  return out;
}

class CrashRestart : public ::testing::TestWithParam<Case> {};
TEST_P(CrashRestart, SafeAndLive) {
  auto o = base_options(GetParam().nodes, GetParam().seed);
  o.random_crashes = 1 + static_cast<std::uint32_t>(GetParam().seed % 3);
  o.drop = 0.02;
  auto r = expect_safe_and_live(o);
  EXPECT_GE(r.restarts, 1u) << r.summary();
}
INSTANTIATE_TEST_SUITE_P(Sim, CrashRestart, ::testing::ValuesIn(cases()), name);

// A dedup cache of one client (consensus/client_table.h) under crashes,
// drops, duplicates and client retries: every other client's last id comes
// from the ledger through the lookup, restarted replicas included.
class TinyClientCache : public ::testing::TestWithParam<Case> {};
TEST_P(TinyClientCache, SafeAndLive) {
  auto o = base_options(GetParam().nodes, GetParam().seed);
  o.clients = 16;
  o.replica.max_cached_clients = 1;
  o.random_crashes = 1 + static_cast<std::uint32_t>(GetParam().seed % 2);
  o.drop = 0.05;
  o.duplicate = 0.05;
  o.client_retry = Micros(60'000);
  auto r = expect_safe_and_live(o);
  EXPECT_GE(r.restarts, 1u) << r.summary();
}
INSTANTIATE_TEST_SUITE_P(Sim, TinyClientCache,
                         ::testing::Values(Case{4, 1}, Case{4, 2}, Case{4, 3}, Case{4, 4}, Case{4, 5}, Case{4, 6},
                                           Case{7, 1}, Case{7, 2}),
                         name);

// Every replica crashes once in turn, the primary included.
TEST(SimCrash, EveryReplicaInTurn) {
  auto o = base_options(4, 5);
  o.ops = 400;
  o.faults_until = Micros(700'000);
  for (std::uint32_t i = 0; i < 4; ++i)
    o.crashes.push_back(CrashSpec{i, Micros(20'000 + 150'000 * i), Micros(120'000 + 150'000 * i)});
  auto r = expect_safe_and_live(o);
  EXPECT_EQ(r.restarts, 4u);
}

class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    path_ = std::filesystem::temp_directory_path() /
            ("mlchain-sim-" + tag + "-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
             std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A replica killed while batches are in flight, restarted from its LMDB
// directory, rejoins and catches up: it ends at the height of the others.
TEST(SimLmdb, ReplicaKilledMidBatchRestartsFromLmdbAndCatchesUp) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    TempDir dir("lmdb");
    auto o = base_options(4, seed);
    o.store = StoreKind::kLmdb;
    o.lmdb_dir = dir.path();
    o.ops = 300;
    o.faults_until = Micros(400'000);
    // Down for a stretch in which the others commit many blocks (more than the
    // log window, so it must use state transfer, not just the log).
    o.crashes.push_back(CrashSpec{2, Micros(15'000 + 1'000 * static_cast<std::int64_t>(seed)), Micros(400'000)});
    auto r = expect_safe_and_live(o);
    EXPECT_EQ(r.restarts, 1u);
    EXPECT_GT(r.fetches, 0u) << r.summary();
    EXPECT_EQ(r.min_height, r.blocks) << "the restarted replica did not catch up: " << r.summary();
  }
}

TEST(SimLmdb, RandomCrashesWithLmdb) {
  for (std::uint64_t seed = 10; seed <= 13; ++seed) {
    TempDir dir("lmdb-rand");
    auto o = base_options(4, seed);
    o.store = StoreKind::kLmdb;
    o.lmdb_dir = dir.path();
    o.random_crashes = 2;
    o.drop = 0.05;
    expect_safe_and_live(o);
  }
}

}  // namespace
}  // namespace mlchain::sim
