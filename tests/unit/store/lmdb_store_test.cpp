// LmdbStore-only behaviour: files and reopening, map growth and its limits,
// bad paths and options.
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "store_test_util.h"

namespace mlchain::store::testing {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

std::unique_ptr<LmdbStore> open_or_die(const std::filesystem::path& dir, const LmdbOptions& options = {}) {
  return value_or_die(open_lmdb_store(dir, options));
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

// Writes `total` bytes as write() calls of `per_txn` bytes in 64 KiB values.
// Returns the first error and counts the txns that committed.
Status write_bytes(Store& store, std::size_t total, std::size_t per_txn, int* committed) {
  const std::string value(64 * 1024, 'v');
  int key = 0;
  for (std::size_t done = 0; done < total; done += per_txn) {
    const Status s = store.write([&](WriteTxn& txn) {
      for (std::size_t n = 0; n < per_txn; n += value.size()) {
        char k[16];
        std::snprintf(k, sizeof k, "%08d", key + static_cast<int>(n / value.size()));
        MLCHAIN_TRY(txn.put("bulk", k, value));
      }
      return Status{};
    });
    if (!s.ok()) return s;
    key += static_cast<int>(per_txn / value.size());
    ++*committed;
  }
  return {};
}

TEST(LmdbStore, ReopenKeepsCommittedDataAndTables) {
  TempDir dir;
  {
    auto store = open_or_die(dir / "db");
    ASSERT_OK(put_one(*store, "blocks", "h1", "block-1"));
    ASSERT_OK(put_one(*store, "state", "acct", "7"));
    auto txn = value_or_die(store->begin_write());
    ASSERT_OK(txn->put("blocks", "h2", "never committed"));
    ASSERT_OK(txn->put("ghost", "k", "never committed"));
  }  // aborted by the destructor, then the store closes
  auto store = open_or_die(dir / "db");
  EXPECT_EQ(get(*store, "blocks", "h1"), "block-1");
  EXPECT_EQ(get(*store, "blocks", "h2"), std::nullopt);
  EXPECT_EQ(get(*store, "state", "acct"), "7");
  EXPECT_EQ(value_or_die(store->tables()), (std::vector<std::string>{"blocks", "state"}));
  ASSERT_OK(put_one(*store, "blocks", "h2", "block-2"));  // cached handles from open work for writes
  EXPECT_EQ(scan(*store, "blocks"), (Rows{{"h1", "block-1"}, {"h2", "block-2"}}));
}

TEST(LmdbStore, CreatesPrivateDirectoryAndFiles) {
  TempDir dir;
  const auto path = dir / "a" / "b";  // parents too
  auto store = open_or_die(path);
  ASSERT_OK(put_one(*store, "t", "k", "v"));
  EXPECT_EQ(mode_of(path), 0700u);
  EXPECT_EQ(mode_of(path / "data.mdb") & 077, 0u);
  EXPECT_EQ(mode_of(path / "lock.mdb") & 077, 0u);
  EXPECT_EQ(store->path(), path);
  EXPECT_EQ(store->stale_readers_cleared_at_open(), 0);
}

TEST(LmdbStore, RegularFileIsNotAStoreDirectory) {
  TempDir dir;
  const auto file = dir / "plain-file";
  std::ofstream(file) << "not a directory";
  auto store = open_lmdb(file);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find(file.string()), std::string::npos) << store.status().to_string();
  EXPECT_NE(store.status().message().find("not a directory"), std::string::npos) << store.status().to_string();
}

TEST(LmdbStore, ForeignDataFileIsRefusedNamingThePath) {
  TempDir dir;
  std::filesystem::create_directory(dir / "db");
  std::ofstream(dir / "db" / "data.mdb") << std::string(16384, 'x');
  auto store = open_lmdb(dir / "db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kCorruption) << store.status().to_string();
  EXPECT_NE(store.status().message().find((dir / "db").string()), std::string::npos);
}

TEST(LmdbStore, OneOpenPerDirectoryPerProcess) {
  TempDir dir;
  auto first = open_or_die(dir / "db");
  auto second = open_lmdb(dir / "db");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kFailedPrecondition) << second.status().to_string();
  first.reset();
  auto again = open_lmdb(dir / "db");
  EXPECT_TRUE(again.ok()) << again.status().to_string();
}

TEST(LmdbStore, RefusesBadOptions) {
  TempDir dir;
  LmdbOptions options;
  options.initial_map_bytes = 8 * kMiB;
  options.max_map_bytes = 4 * kMiB;
  EXPECT_EQ(open_lmdb(dir / "db", options).status().code(), ErrorCode::kInvalidArgument);
  options = {};
  options.max_tables = 0;
  EXPECT_EQ(open_lmdb(dir / "db", options).status().code(), ErrorCode::kInvalidArgument);
}

TEST(LmdbStore, TooManyTablesIsResourceExhausted) {
  TempDir dir;
  LmdbOptions options;
  options.max_tables = 2;
  auto store = open_or_die(dir / "db", options);
  ASSERT_OK(put_one(*store, "one", "k", "v"));
  ASSERT_OK(put_one(*store, "two", "k", "v"));
  const Status s = put_one(*store, "three", "k", "v");
  EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted) << s.to_string();
  EXPECT_NE(s.message().find("max_tables"), std::string::npos) << s.to_string();
  EXPECT_EQ(get(*store, "two", "k"), "v");
}

TEST(LmdbStore, NonDurableStoreWorks) {
  TempDir dir;
  LmdbOptions options;
  options.durable = false;
  {
    auto store = open_or_die(dir / "db", options);
    ASSERT_OK(put_one(*store, "t", "k", "v"));
  }
  EXPECT_EQ(get(*open_or_die(dir / "db"), "t", "k"), "v");
}

TEST(LmdbStore, WriteGrowsTheMap) {
  TempDir dir;
  LmdbOptions options;
  options.initial_map_bytes = kMiB;
  options.durable = false;  // growth, not fsync, is under test
  auto store = open_or_die(dir / "db", options);
  EXPECT_EQ(store->map_bytes(), kMiB);
  int committed = 0;
  ASSERT_OK(write_bytes(*store, 16 * kMiB, kMiB / 2, &committed));
  ASSERT_OK(write_bytes(*store, 4 * kMiB, 4 * kMiB, &committed));  // one txn larger than the first maps
  EXPECT_GE(store->map_bytes(), 16 * kMiB);
  EXPECT_LE(store->map_bytes(), 64 * kMiB);  // doubled, not jumped
  EXPECT_EQ(scan(*store, "bulk").size(), 256u);

  const std::size_t grown = store->map_bytes();
  store.reset();
  store = open_or_die(dir / "db", options);  // initial 1 MiB, but the file is larger
  EXPECT_GE(store->map_bytes(), std::filesystem::file_size(dir / "db" / "data.mdb"));
  EXPECT_LE(store->map_bytes(), grown);
  EXPECT_EQ(scan(*store, "bulk").size(), 256u);
}

TEST(LmdbStore, GrowthStopsAtMaxWithResourceExhausted) {
  TempDir dir;
  LmdbOptions options;
  options.initial_map_bytes = kMiB;
  options.max_map_bytes = 2 * kMiB;
  options.durable = false;
  int committed = 0;
  {
    auto store = open_or_die(dir / "db", options);
    const Status s = write_bytes(*store, 20 * kMiB, kMiB / 4, &committed);
    EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted) << s.to_string();
    EXPECT_NE(s.message().find("max_map_bytes"), std::string::npos) << s.to_string();
    EXPECT_GT(committed, 0);
    EXPECT_EQ(store->map_bytes(), 2 * kMiB);
    EXPECT_EQ(scan(*store, "bulk").size(), static_cast<std::size_t>(committed) * 4);
    ASSERT_OK(store->write([](WriteTxn& txn) { return txn.del("bulk", "00000000"); }));  // still writable
  }
  auto store = open_or_die(dir / "db", options);
  Rows rows = scan(*store, "bulk");
  EXPECT_EQ(rows.size(), static_cast<std::size_t>(committed) * 4 - 1);
  for (const auto& [k, v] : rows) EXPECT_EQ(v.size(), 64u * 1024) << k;
}

TEST(LmdbStore, BareWriteTxnGetsResourceExhaustedOnFullMap) {
  TempDir dir;
  LmdbOptions options;
  options.initial_map_bytes = kMiB;
  options.max_map_bytes = kMiB;
  auto store = open_or_die(dir / "db", options);
  auto txn = value_or_die(store->begin_write());
  const std::string value(64 * 1024, 'v');
  Status s;
  for (int i = 0; i < 100 && s.ok(); ++i) s = txn->put("t", "k" + std::to_string(i), value);
  ASSERT_EQ(s.code(), ErrorCode::kResourceExhausted) << s.to_string();
  EXPECT_NE(s.message().find("MDB_MAP_FULL"), std::string::npos) << s.to_string();
  EXPECT_EQ(txn->put("t", "small", "v").code(), ErrorCode::kFailedPrecondition);  // only abort is left
  EXPECT_EQ(txn->commit().code(), ErrorCode::kResourceExhausted);  // the first failure, and the txn is gone
  txn.reset();
  ASSERT_OK(put_one(*store, "t", "small", "v"));
  EXPECT_EQ(scan(*store, "t"), (Rows{{"small", "v"}}));
}

TEST(LmdbStore, MapGrowsEarlyWhenNoTxnIsOpen) {
  TempDir dir;
  LmdbOptions options;
  options.initial_map_bytes = kMiB;
  options.durable = false;
  auto store = open_or_die(dir / "db", options);
  int committed = 0;
  {
    auto reader = value_or_die(store->begin_read());  // no quiet moment: no early growth
    ASSERT_OK(write_bytes(*store, 512 * 1024, 64 * 1024, &committed));
    EXPECT_EQ(store->map_bytes(), kMiB);
  }
  ASSERT_OK(write_bytes(*store, 64 * 1024, 64 * 1024, &committed));  // over half used, nothing open
  EXPECT_EQ(store->map_bytes(), 2 * kMiB);
}

TEST(LmdbStore, GrowthGivesUpWhileThisThreadHoldsAReader) {
  TempDir dir;
  LmdbOptions options;
  options.initial_map_bytes = kMiB;
  options.grow_wait = std::chrono::milliseconds(20);
  options.durable = false;
  auto store = open_or_die(dir / "db", options);
  int committed = 0;
  {
    auto reader = value_or_die(store->begin_read());
    const Status s = write_bytes(*store, 2 * kMiB, 2 * kMiB, &committed);
    EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted) << s.to_string();
    EXPECT_NE(s.message().find("stayed open"), std::string::npos) << s.to_string();
  }
  ASSERT_OK(write_bytes(*store, 2 * kMiB, 2 * kMiB, &committed));  // reader gone: grows
  EXPECT_GE(store->map_bytes(), 2 * kMiB);
}

}  // namespace
}  // namespace mlchain::store::testing
