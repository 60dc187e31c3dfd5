#include <gtest/gtest.h>

#include "fixtures.h"
#include "mlchain/contract/key_lookup.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::contract {
namespace {

TEST(AddressBookLookup, BlueprintThenChainEntries) {
  ledger::Blueprint bp;
  bp.layer_path = "L2/L1a";
  auto sup = testing::key_from(20, 0);
  auto invalid = testing::key_from(20, 1);
  bp.superior = ledger::AddressBook{"L2", {{"s0", sup.public_key(), "https://s0:1", true},
                                          {"s1", invalid.public_key(), "https://s1:1", false}}};
  auto e1 = testing::key_from(21, 0);
  bp.subordinates.push_back(ledger::AddressBook{"L2/L1a/E1", {{"e1", e1.public_key(), "https://e1:1", true}}});
  auto lookup = address_book_lookup(bp);
  auto store = store::make_memory_store();
  {
    auto r = store->begin_read().value();
    auto s = lookup(*r, "L2", 0);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->members, (std::vector<crypto::PublicKey>{sup.public_key()}));  // the invalid member is left out
    auto e = lookup(*r, "L2/L1a/E1", 0);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->members.at(0), e1.public_key());
    EXPECT_EQ(lookup(*r, "L2/L1b", 0).status().code(), ErrorCode::kNotFound);
    EXPECT_EQ(lookup(*r, "", 0).status().code(), ErrorCode::kNotFound);
  }
  // A rotated key, recorded on chain, wins over the blueprint.
  auto rotated = testing::key_from(21, 1);
  codec::Json row = {{"path", "L2/L1a/E1"},
                     {"members", codec::Json::array({{{"name", "e1"}, {"public_key", rotated.public_key().hex()},
                                                      {"address", "https://e1:2"}}})},
                     {"height", 9}};
  ASSERT_TRUE(store->write([&](store::WriteTxn& w) {
                return w.put(node::kSubordinatesTable, "L2/L1a/E1", codec::canonical(row).value());
              }).ok());
  auto r = store->begin_read().value();
  auto e = lookup(*r, "L2/L1a/E1", 0);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->members, (std::vector<crypto::PublicKey>{rotated.public_key()}));
  // An entry with a lifetime: valid up to and at its end, NotFound after.
  row["expires_at"] = 5'000;
  ASSERT_TRUE(store->write([&](store::WriteTxn& w) {
                return w.put(node::kSubordinatesTable, "L2/L1a/E1", codec::canonical(row).value());
              }).ok());
  {
    auto rl = store->begin_read().value();
    EXPECT_TRUE(lookup(*rl, "L2/L1a/E1", 5'000).ok());
    auto lapsed = lookup(*rl, "L2/L1a/E1", 5'001);
    EXPECT_EQ(lapsed.status().code(), ErrorCode::kNotFound);
    EXPECT_NE(lapsed.status().message().find("expired"), std::string::npos);
  }
  ASSERT_TRUE(store->write([&](store::WriteTxn& w) { return w.put(node::kSubordinatesTable, "L2/L1a/E1", "{"); }).ok());
  auto r2 = store->begin_read().value();
  EXPECT_EQ(lookup(*r2, "L2/L1a/E1", 0).status().code(), ErrorCode::kCorruption);
}

}  // namespace
}  // namespace mlchain::contract
