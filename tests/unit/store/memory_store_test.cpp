// MemoryStore-only behaviour: commit cost independent of the store's size.
#include <chrono>
#include <string>

#include "mlchain/common/rng.h"
#include "store_test_util.h"

namespace mlchain::store::testing {
namespace {

std::string key_of(std::uint64_t i) {
  char k[16];
  std::snprintf(k, sizeof k, "k%08llu", static_cast<unsigned long long>(i));
  return k;
}

// Simulations commit tens of thousands of small txns into stores with tens of
// thousands of keys. A design that copies tables per commit does ~10^9 row
// copies here (minutes); versioned rows take well under a second.
TEST(MemoryStore, CommitCostDoesNotGrowWithStoreSize) {
  constexpr std::uint64_t kKeys = 30000;
  constexpr std::uint64_t kCommits = 30000;
  auto store = make_memory_store();
  ASSERT_OK(store->write([&](WriteTxn& txn) {
    for (std::uint64_t i = 0; i < kKeys; ++i) MLCHAIN_TRY(txn.put("state", key_of(i), "0"));
    return Status{};
  }));
  SeededRng rng(7);
  auto pinned = value_or_die(store->begin_read());  // an old reader for the first half: versions pile up
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t n = 1; n <= kCommits; ++n) {
    const std::string key = key_of(rng.uniform(kKeys));
    ASSERT_OK(store->write([&](WriteTxn& txn) {
      MLCHAIN_TRY(txn.get("state", key).status());
      return txn.put("state", key, std::to_string(n));
    }));
    if (n == kCommits / 2) pinned.reset();
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(10));  // generous for sanitizer builds
  EXPECT_EQ(scan(*store, "state").size(), kKeys);
}

TEST(MemoryStore, StoresAreIndependent) {
  auto a = make_memory_store();
  auto b = make_memory_store();
  ASSERT_OK(put_one(*a, "t", "k", "a"));
  EXPECT_EQ(get(*b, "t", "k"), std::nullopt);
  EXPECT_TRUE(value_or_die(b->tables()).empty());
}

}  // namespace
}  // namespace mlchain::store::testing
