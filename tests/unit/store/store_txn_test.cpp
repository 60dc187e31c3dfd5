// The shared suite, part 2: transactions — abort, snapshots, Store::write,
// the one-writer rule and concurrent readers — run against both stores.
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "mlchain/common/rng.h"
#include "store_test_util.h"

namespace mlchain::store::testing {
namespace {

class StoreTxns : public StoreFixture {};
INSTANTIATE_TEST_SUITE_P(Backends, StoreTxns, ::testing::ValuesIn(backends()), backend_name);

TEST_P(StoreTxns, AbortDiscards) {
  ASSERT_OK(put_one(store(), "t", "kept", "1"));
  auto txn = value_or_die(store().begin_write());
  ASSERT_OK(txn->put("t", "k", "v"));
  ASSERT_OK(txn->del("t", "kept"));
  ASSERT_OK(txn->put("fresh", "k", "v"));
  txn->abort();
  txn->abort();  // idempotent
  EXPECT_EQ(txn->put("t", "k", "v").code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(txn->commit().code(), ErrorCode::kFailedPrecondition);
  txn.reset();
  EXPECT_EQ(get(store(), "t", "k"), std::nullopt);
  EXPECT_EQ(get(store(), "t", "kept"), "1");
  EXPECT_EQ(value_or_die(store().tables()), (std::vector<std::string>{"t"}));  // "fresh" was never created
}

TEST_P(StoreTxns, DestroyWithoutCommitDiscards) {
  {
    auto txn = value_or_die(store().begin_write());
    ASSERT_OK(txn->put("fresh", "k", "v"));
  }
  EXPECT_EQ(get(store(), "fresh", "k"), std::nullopt);
  EXPECT_TRUE(value_or_die(store().tables()).empty());
  // The table can still be created later, and is then seen by new readers.
  ASSERT_OK(put_one(store(), "fresh", "k", "v2"));
  EXPECT_EQ(get(store(), "fresh", "k"), "v2");
  EXPECT_EQ(value_or_die(store().tables()), (std::vector<std::string>{"fresh"}));
}

TEST_P(StoreTxns, CommitEndsTheTxn) {
  auto txn = value_or_die(store().begin_write());
  ASSERT_OK(txn->put("t", "k", "v"));
  ASSERT_OK(txn->commit());
  EXPECT_EQ(txn->commit().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(txn->put("t", "k2", "v").code(), ErrorCode::kFailedPrecondition);
  txn->abort();  // no-op after commit
  txn.reset();
  EXPECT_EQ(get(store(), "t", "k"), "v");
  EXPECT_EQ(get(store(), "t", "k2"), std::nullopt);
}

TEST_P(StoreTxns, ReadersSeeTheSnapshotOfTheirStart) {
  ASSERT_OK(store().write([](WriteTxn& txn) {
    MLCHAIN_TRY(txn.put("t", "a", "1"));
    return txn.put("t", "b", "1");
  }));
  auto before = value_or_die(store().begin_read());
  ASSERT_OK(store().write([](WriteTxn& txn) {
    MLCHAIN_TRY(txn.put("t", "a", "2"));
    MLCHAIN_TRY(txn.del("t", "b"));
    MLCHAIN_TRY(txn.put("t", "c", "2"));
    return txn.put("created-later", "k", "2");
  }));
  auto after = value_or_die(store().begin_read());

  EXPECT_EQ(get(*before, "t", "a"), "1");
  EXPECT_EQ(get(*before, "t", "b"), "1");
  EXPECT_EQ(get(*before, "t", "c"), std::nullopt);
  EXPECT_EQ(scan(*before, "t"), (Rows{{"a", "1"}, {"b", "1"}}));
  EXPECT_EQ(get(*before, "created-later", "k"), std::nullopt);  // the table is newer than the snapshot
  EXPECT_TRUE(scan(*before, "created-later").empty());

  EXPECT_EQ(scan(*after, "t"), (Rows{{"a", "2"}, {"c", "2"}}));
  EXPECT_EQ(get(*after, "created-later", "k"), "2");

  ASSERT_OK(store().write([](WriteTxn& txn) { return txn.clear("t"); }));
  EXPECT_EQ(scan(*before, "t"), (Rows{{"a", "1"}, {"b", "1"}}));
  EXPECT_EQ(scan(*after, "t"), (Rows{{"a", "2"}, {"c", "2"}}));
  EXPECT_TRUE(scan(store(), "t").empty());
}

TEST_P(StoreTxns, OldSnapshotSurvivesManyCommits) {
  ASSERT_OK(store().write([](WriteTxn& txn) {
    for (int i = 0; i < 10; ++i) MLCHAIN_TRY(txn.put("t", "k" + std::to_string(i), "0"));
    return Status{};
  }));
  std::map<std::string, std::string> expected;  // the model of the latest state
  for (int i = 0; i < 10; ++i) expected["k" + std::to_string(i)] = "0";
  auto old = value_or_die(store().begin_read());
  auto cursor = value_or_die(old->cursor("t"));
  ASSERT_OK(cursor->first());
  for (int round = 1; round <= 60; ++round) {
    const std::string key = "k" + std::to_string(round % 10);
    ASSERT_OK(store().write([&](WriteTxn& txn) {
      MLCHAIN_TRY(txn.put("t", key, std::to_string(round)));
      if (round % 7 == 0) MLCHAIN_TRY(txn.del("t", key));
      return Status{};
    }));
    expected[key] = std::to_string(round);
    if (round % 7 == 0) expected.erase(key);
    auto fresh = value_or_die(store().begin_read());  // short-lived readers come and go
    (void)get(*fresh, "t", "k0");
  }
  Rows rows;
  while (cursor->valid()) {  // the cursor opened before all those commits walks the old rows
    rows.emplace_back(cursor->key(), cursor->value());
    ASSERT_OK(cursor->next());
  }
  ASSERT_EQ(rows.size(), 10u);
  for (const auto& [k, v] : rows) EXPECT_EQ(v, "0") << k;
  cursor.reset();
  old.reset();
  ASSERT_OK(put_one(store(), "t", "k0", "last"));
  expected["k0"] = "last";
  EXPECT_EQ(scan(store(), "t"), Rows(expected.begin(), expected.end()));
}

TEST_P(StoreTxns, WriteCommitsOnSuccess) {
  ASSERT_OK(store().write([](WriteTxn& txn) {
    MLCHAIN_TRY(txn.put("t", "a", "1"));
    return txn.put("t", "b", "2");
  }));
  EXPECT_EQ(scan(store(), "t"), (Rows{{"a", "1"}, {"b", "2"}}));
}

TEST_P(StoreTxns, WriteAbortsEverythingWhenFnFails) {
  ASSERT_OK(put_one(store(), "t", "a", "1"));
  const Status s = store().write([](WriteTxn& txn) {
    MLCHAIN_TRY(txn.put("t", "a", "changed"));
    MLCHAIN_TRY(txn.put("t", "b", "2"));
    MLCHAIN_TRY(txn.put("other", "c", "3"));
    return invalid_argument("the block does not verify");
  });
  EXPECT_EQ(s, invalid_argument("the block does not verify"));  // returned as is
  EXPECT_EQ(scan(store(), "t"), (Rows{{"a", "1"}}));
  EXPECT_EQ(get(store(), "other", "c"), std::nullopt);
  EXPECT_EQ(value_or_die(store().tables()), (std::vector<std::string>{"t"}));
}

TEST_P(StoreTxns, SecondWriterOnOneThreadIsRefused) {
  auto txn = value_or_die(store().begin_write());
  auto second = store().begin_write();
  EXPECT_EQ(second.status().code(), ErrorCode::kFailedPrecondition) << second.status().to_string();
  EXPECT_EQ(store().write([](WriteTxn&) { return Status{}; }).code(), ErrorCode::kFailedPrecondition);
  // Reading alongside one's own write txn is fine.
  auto reader = value_or_die(store().begin_read());
  EXPECT_EQ(get(*reader, "t", "k"), std::nullopt);
  ASSERT_OK(txn->put("t", "k", "v"));
  ASSERT_OK(txn->commit());
  ASSERT_OK(store().write([](WriteTxn& w) { return w.put("t", "k2", "v"); }));  // the thread may write again
}

// Lost updates would show if two writers ever overlapped.
TEST_P(StoreTxns, WritersAreSerialised) {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        const Status s = store().write([](WriteTxn& txn) {
          MLCHAIN_ASSIGN_OR_RETURN(std::optional<Value> v, txn.get("t", "counter"));
          const int n = v ? std::stoi(*v) : 0;
          return txn.put("t", "counter", std::to_string(n + 1));
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(get(store(), "t", "counter"), std::to_string(kThreads * kIncrements));
}

TEST_P(StoreTxns, ReadTxnMayMoveBetweenThreads) {
  ASSERT_OK(put_one(store(), "t", "k", "v1"));
  auto txn = value_or_die(store().begin_read());
  ASSERT_OK(put_one(store(), "t", "k", "v2"));
  std::optional<std::string> seen;
  std::thread([&] {
    seen = get(*txn, "t", "k");
    txn.reset();  // ends on another thread than it began
  }).join();
  EXPECT_EQ(seen, "v1");
  EXPECT_EQ(get(store(), "t", "k"), "v2");
}

// A writer moves amounts between accounts, keeping the total constant; readers
// scanning at the same time must always see the same total and account count.
TEST_P(StoreTxns, ConcurrentReadersSeeConsistentSnapshots) {
  constexpr int kAccounts = 16;
  constexpr int kTotal = kAccounts * 1000;
  constexpr int kTransfers = 150;
  ASSERT_OK(store().write([](WriteTxn& txn) {
    for (int i = 0; i < kAccounts; ++i) MLCHAIN_TRY(txn.put("acct", "a" + std::to_string(100 + i), "1000"));
    return Status{};
  }));
  auto pinned = value_or_die(store().begin_read());  // held across the whole run

  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<int> scans{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      // At least a few scans each, even if the writer finishes first.
      for (int n = 0; !done.load() || n < 5; ++n) {
        auto txn = store().begin_read();
        if (!txn.ok()) {
          ++bad;
          return;
        }
        long sum = 0;
        int count = 0;
        for (const auto& [k, v] : scan(**txn, "acct")) {
          sum += std::stol(v);
          ++count;
          if (get(**txn, "acct", k) != v) ++bad;  // point reads agree with the scan
        }
        if (sum != kTotal || count != kAccounts) ++bad;
        ++scans;
      }
    });
  }
  SeededRng rng(42);
  for (int i = 0; i < kTransfers; ++i) {
    const std::string from = "a" + std::to_string(100 + rng.uniform(kAccounts));
    const std::string to = "a" + std::to_string(100 + rng.uniform(kAccounts));
    const long amount = static_cast<long>(rng.uniform(50));
    ASSERT_OK(store().write([&](WriteTxn& txn) {
      MLCHAIN_ASSIGN_OR_RETURN(std::optional<Value> a, txn.get("acct", from));
      MLCHAIN_TRY(txn.put("acct", from, std::to_string(std::stol(*a) - amount)));
      MLCHAIN_ASSIGN_OR_RETURN(std::optional<Value> b, txn.get("acct", to));
      return txn.put("acct", to, std::to_string(std::stol(*b) + amount));
    }));
  }
  done = true;
  for (auto& th : readers) th.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GE(scans.load(), 15);
  long sum = 0;
  for (const auto& [k, v] : scan(*pinned, "acct")) {
    EXPECT_EQ(v, "1000");
    sum += std::stol(v);
  }
  EXPECT_EQ(sum, kTotal);
}

}  // namespace
}  // namespace mlchain::store::testing
