// The shared suite, part 1: data operations and cursors, run against both
// MemoryStore and LmdbStore.
#include <string>

#include "store_test_util.h"

namespace mlchain::store::testing {
namespace {

using namespace std::string_literals;

class StoreBasics : public StoreFixture {};
INSTANTIATE_TEST_SUITE_P(Backends, StoreBasics, ::testing::ValuesIn(backends()), backend_name);

TEST_P(StoreBasics, PutGetDelete) {
  ASSERT_OK(put_one(store(), "t", "k1", "v1"));
  ASSERT_OK(put_one(store(), "t", "k2", "v2"));
  EXPECT_EQ(get(store(), "t", "k1"), "v1");
  EXPECT_EQ(get(store(), "t", "k2"), "v2");
  EXPECT_EQ(get(store(), "t", "k3"), std::nullopt);

  ASSERT_OK(put_one(store(), "t", "k1", "v1b"));  // overwrite
  EXPECT_EQ(get(store(), "t", "k1"), "v1b");

  ASSERT_OK(store().write([](WriteTxn& txn) { return txn.del("t", "k1"); }));
  EXPECT_EQ(get(store(), "t", "k1"), std::nullopt);
  ASSERT_OK(store().write([](WriteTxn& txn) { return txn.del("t", "never-there"); }));  // ok when absent
  EXPECT_EQ(get(store(), "t", "k2"), "v2");
}

TEST_P(StoreBasics, ClearEmptiesOneTableAndKeepsIt) {
  ASSERT_OK(store().write([](WriteTxn& txn) {
    for (int i = 0; i < 100; ++i) MLCHAIN_TRY(txn.put("a", "k" + std::to_string(i), "v"));
    return txn.put("b", "k", "v");
  }));
  ASSERT_OK(store().write([](WriteTxn& txn) { return txn.clear("a"); }));
  EXPECT_TRUE(scan(store(), "a").empty());
  EXPECT_EQ(get(store(), "b", "k"), "v");
  auto tables = value_or_die(store().tables());
  EXPECT_EQ(tables, (std::vector<std::string>{"a", "b"}));
  ASSERT_OK(put_one(store(), "a", "k1", "again"));
  EXPECT_EQ(scan(store(), "a"), (Rows{{"k1", "again"}}));
  ASSERT_OK(store().write([](WriteTxn& txn) { return txn.clear("no-such-table"); }));
}

TEST_P(StoreBasics, ClearThenPutInOneTxn) {
  ASSERT_OK(store().write([](WriteTxn& txn) {
    MLCHAIN_TRY(txn.put("t", "a", "1"));
    return txn.put("t", "b", "2");
  }));
  ASSERT_OK(store().write([](WriteTxn& txn) {
    MLCHAIN_TRY(txn.clear("t"));
    MLCHAIN_TRY(txn.put("t", "b", "3"));
    auto a = txn.get("t", "a");
    if (!a.ok() || a->has_value()) return internal_error("cleared row visible in the txn");
    return Status{};
  }));
  EXPECT_EQ(scan(store(), "t"), (Rows{{"b", "3"}}));
}

TEST_P(StoreBasics, TablesAreIsolated) {
  ASSERT_OK(store().write([](WriteTxn& txn) {
    MLCHAIN_TRY(txn.put("blocks", "k", "from-blocks"));
    return txn.put("state", "k", "from-state");
  }));
  EXPECT_EQ(get(store(), "blocks", "k"), "from-blocks");
  EXPECT_EQ(get(store(), "state", "k"), "from-state");
  ASSERT_OK(store().write([](WriteTxn& txn) { return txn.del("blocks", "k"); }));
  EXPECT_EQ(get(store(), "blocks", "k"), std::nullopt);
  EXPECT_EQ(get(store(), "state", "k"), "from-state");
  EXPECT_EQ(scan(store(), "state"), (Rows{{"k", "from-state"}}));
}

TEST_P(StoreBasics, UnknownTableReadsAsEmpty) {
  EXPECT_EQ(get(store(), "nope", "k"), std::nullopt);
  EXPECT_TRUE(scan(store(), "nope").empty());
  auto txn = value_or_die(store().begin_read());
  auto cursor = value_or_die(txn->cursor("nope"));
  ASSERT_OK(cursor->seek("k"));
  EXPECT_FALSE(cursor->valid());
  ASSERT_OK(cursor->last());
  EXPECT_FALSE(cursor->valid());
  EXPECT_TRUE(value_or_die(store().tables()).empty());

  auto w = value_or_die(store().begin_write());
  EXPECT_EQ(get(*w, "nope", "k"), std::nullopt);
  EXPECT_TRUE(scan(*w, "nope").empty());
  ASSERT_OK(w->del("nope", "k"));
  ASSERT_OK(w->commit());
  EXPECT_TRUE(value_or_die(store().tables()).empty());  // reads and deletes create nothing
}

TEST_P(StoreBasics, BinaryKeysAndValues) {
  const std::string k_zero = "a\0b"s;
  const std::string k_ff = "\xff\xff"s;
  const std::string k_one_zero = "\0"s;
  const std::string v_bin = "\0\x01\xff\0"s;
  ASSERT_OK(store().write([&](WriteTxn& txn) {
    MLCHAIN_TRY(txn.put("t", k_zero, v_bin));
    MLCHAIN_TRY(txn.put("t", k_ff, ""));  // empty value
    MLCHAIN_TRY(txn.put("t", k_one_zero, "zero"));
    return txn.put("t", "a", "plain-a");
  }));
  EXPECT_EQ(get(store(), "t", k_zero), v_bin);
  EXPECT_EQ(get(store(), "t", k_zero)->size(), 4u);
  EXPECT_EQ(get(store(), "t", k_ff), "");  // present and empty, not absent
  EXPECT_EQ(get(store(), "t", k_one_zero), "zero");
  EXPECT_EQ(get(store(), "t", "a"), "plain-a");  // not confused with "a\0b"
  EXPECT_EQ(scan(store(), "t"), (Rows{{k_one_zero, "zero"}, {"a", "plain-a"}, {k_zero, v_bin}, {k_ff, ""}}));
}

TEST_P(StoreBasics, RefusesBadKeysAndTableNames) {
  auto txn = value_or_die(store().begin_write());
  EXPECT_EQ(txn->put("t", "", "v").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(txn->put("t", std::string(kMaxKeyBytes + 1, 'k'), "v").code(), ErrorCode::kInvalidArgument);
  EXPECT_OK(txn->put("t", std::string(kMaxKeyBytes, 'k'), "v"));
  EXPECT_EQ(txn->put("", "k", "v").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(txn->put("a\0b"s, "k", "v").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(txn->put(std::string(kMaxTableNameBytes + 1, 't'), "k", "v").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(txn->get("t", "").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(txn->del("t", "").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(txn->cursor("").status().code(), ErrorCode::kInvalidArgument);
  // Refused input changes nothing and leaves the txn usable.
  ASSERT_OK(txn->put("t", "ok", "v"));
  ASSERT_OK(txn->commit());
  EXPECT_EQ(get(store(), "t", "ok"), "v");
  EXPECT_EQ(get(store(), "t", std::string(kMaxKeyBytes, 'k')), "v");
}

TEST_P(StoreBasics, CursorOrderIsMemcmp) {
  const std::vector<std::string> sorted = {"\0"s, "\x01"s, "A",     "a",         "a\0"s,  "a\0\0"s,  "a\x01"s,   "aa",
                                           "b",   "\x7f"s, "\x80"s, "\xfe\xff"s, "\xff"s, "\xff\0"s, "\xff\xff"s};
  ASSERT_OK(store().write([&](WriteTxn& txn) {
    for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) MLCHAIN_TRY(txn.put("t", *it, "v" + *it));
    return Status{};
  }));
  Rows forward = scan(store(), "t");
  ASSERT_EQ(forward.size(), sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(forward[i].first, sorted[i]) << i;
  Rows backward = scan(store(), "t", true);
  ASSERT_EQ(backward.size(), sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(backward[i].first, sorted[sorted.size() - 1 - i]) << i;
}

TEST_P(StoreBasics, SeekLandsOnFirstKeyNotBelow) {
  ASSERT_OK(store().write([](WriteTxn& txn) {
    for (const char* k : {"b", "d", "f"}) MLCHAIN_TRY(txn.put("t", k, std::string("v") + k));
    return Status{};
  }));
  auto txn = value_or_die(store().begin_read());
  auto c = value_or_die(txn->cursor("t"));
  ASSERT_OK(c->seek("c"));  // between keys
  ASSERT_TRUE(c->valid());
  EXPECT_EQ(c->key(), "d");
  EXPECT_EQ(c->value(), "vd");
  ASSERT_OK(c->seek("d"));  // exact
  EXPECT_EQ(c->key(), "d");
  ASSERT_OK(c->seek("d\0"s));  // just above
  EXPECT_EQ(c->key(), "f");
  ASSERT_OK(c->seek("a"));  // before all
  EXPECT_EQ(c->key(), "b");
  ASSERT_OK(c->seek(""));  // "" is the lowest key
  EXPECT_EQ(c->key(), "b");
  ASSERT_OK(c->seek("f\0"s));  // past the end
  EXPECT_FALSE(c->valid());
  ASSERT_OK(c->seek(std::string(kMaxKeyBytes + 100, 'c')));  // over-long search keys work too
  ASSERT_TRUE(c->valid());
  EXPECT_EQ(c->key(), "d");
}

TEST_P(StoreBasics, SeekWithOverLongKeySkipsItsPrefix) {
  const std::string prefix(kMaxKeyBytes, 'p');
  ASSERT_OK(store().write([&](WriteTxn& txn) {
    MLCHAIN_TRY(txn.put("t", prefix, "prefix"));
    return txn.put("t", "q", "after");
  }));
  auto txn = value_or_die(store().begin_read());
  auto c = value_or_die(txn->cursor("t"));
  ASSERT_OK(c->seek(prefix + "x"));  // > prefix, so the prefix row is below it
  ASSERT_TRUE(c->valid());
  EXPECT_EQ(c->key(), "q");
}

TEST_P(StoreBasics, LastPrevAndEnds) {
  ASSERT_OK(store().write([](WriteTxn& txn) {
    for (const char* k : {"a", "b", "c"}) MLCHAIN_TRY(txn.put("t", k, k));
    return Status{};
  }));
  auto txn = value_or_die(store().begin_read());
  auto c = value_or_die(txn->cursor("t"));
  ASSERT_OK(c->last());
  ASSERT_TRUE(c->valid());
  EXPECT_EQ(c->key(), "c");
  ASSERT_OK(c->prev());
  EXPECT_EQ(c->key(), "b");
  ASSERT_OK(c->next());
  EXPECT_EQ(c->key(), "c");
  ASSERT_OK(c->next());  // off the end: ok, not valid
  EXPECT_FALSE(c->valid());
  EXPECT_EQ(c->next().code(), ErrorCode::kFailedPrecondition);  // not positioned
  EXPECT_EQ(c->prev().code(), ErrorCode::kFailedPrecondition);
  ASSERT_OK(c->first());
  EXPECT_EQ(c->key(), "a");
  ASSERT_OK(c->prev());  // off the front
  EXPECT_FALSE(c->valid());
  ASSERT_OK(c->seek("b"));  // usable again after re-positioning
  ASSERT_OK(c->prev());
  EXPECT_EQ(c->key(), "a");
}

TEST_P(StoreBasics, WriteTxnSeesItsOwnChanges) {
  ASSERT_OK(store().write([](WriteTxn& txn) {
    for (const char* k : {"a", "c", "e"}) MLCHAIN_TRY(txn.put("t", k, "old"));
    return Status{};
  }));
  auto txn = value_or_die(store().begin_write());
  ASSERT_OK(txn->put("t", "b", "new"));
  ASSERT_OK(txn->put("t", "c", "changed"));
  ASSERT_OK(txn->del("t", "e"));
  ASSERT_OK(txn->put("u", "x", "new-table"));
  EXPECT_EQ(get(*txn, "t", "c"), "changed");
  EXPECT_EQ(get(*txn, "t", "e"), std::nullopt);
  EXPECT_EQ(get(*txn, "u", "x"), "new-table");
  EXPECT_EQ(scan(*txn, "t"), (Rows{{"a", "old"}, {"b", "new"}, {"c", "changed"}}));
  EXPECT_EQ(scan(*txn, "t", true), (Rows{{"c", "changed"}, {"b", "new"}, {"a", "old"}}));
  EXPECT_EQ(scan(*txn, "u"), (Rows{{"x", "new-table"}}));
  ASSERT_OK(txn->commit());
  EXPECT_EQ(scan(store(), "t"), (Rows{{"a", "old"}, {"b", "new"}, {"c", "changed"}}));
  EXPECT_EQ(value_or_die(store().tables()), (std::vector<std::string>{"t", "u"}));
}

TEST_P(StoreBasics, CursorStopsWithItsTxn) {
  ASSERT_OK(put_one(store(), "t", "a", "1"));
  auto txn = value_or_die(store().begin_read());
  auto c = value_or_die(txn->cursor("t"));
  ASSERT_OK(c->first());
  ASSERT_TRUE(c->valid());
  txn.reset();
  EXPECT_FALSE(c->valid());
  EXPECT_EQ(c->first().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(c->next().code(), ErrorCode::kFailedPrecondition);

  auto w = value_or_die(store().begin_write());
  auto wc = value_or_die(w->cursor("t"));
  ASSERT_OK(wc->first());
  ASSERT_OK(w->commit());
  EXPECT_EQ(wc->seek("a").code(), ErrorCode::kFailedPrecondition);
  wc.reset();  // destroying it after the txn is fine
  c.reset();
}

// Larger than LMDB's initial map in this suite: Store::write grows it mid-txn.
TEST_P(StoreBasics, LargeValuesAndManyKeys) {
  const std::string big(6 * 1024 * 1024, 'x');
  ASSERT_OK(store().write([&](WriteTxn& txn) {
    MLCHAIN_TRY(txn.put("big", "k", big));
    for (int i = 0; i < 5000; ++i) {
      char key[16];
      std::snprintf(key, sizeof key, "%08d", i);
      MLCHAIN_TRY(txn.put("many", key, std::to_string(i)));
    }
    return Status{};
  }));
  EXPECT_EQ(get(store(), "big", "k"), big);
  Rows rows = scan(store(), "many");
  ASSERT_EQ(rows.size(), 5000u);
  EXPECT_EQ(rows.front().second, "0");
  EXPECT_EQ(rows.back().second, "4999");
}

}  // namespace
}  // namespace mlchain::store::testing
