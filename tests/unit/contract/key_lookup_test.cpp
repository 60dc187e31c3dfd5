#include <gtest/gtest.h>

#include "fixtures.h"
#include "mlchain/contract/key_lookup.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/node/superior_change.h"
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

// After an ordered change-superior the superior's certificates are the
// alternate's: the original's keys no longer count, and back again.
TEST(AddressBookLookup, TheSuperiorIsTheCandidateOnChain) {
  ledger::Blueprint bp;
  bp.layer_path = "L2/L1a";
  auto original = testing::key_from(30, 0), standby = testing::key_from(31, 0), admin = testing::key_from(32, 0);
  bp.superior = ledger::AddressBook{"L2", {{"l2", original.public_key(), "https://l2:1", true}}};
  bp.alternate_superiors = {ledger::AddressBook{"L2", {{"l2s", standby.public_key(), "https://l2s:1", true}}}};
  bp.admin_keys = {admin.public_key()};
  auto lookup = address_book_lookup(bp);
  auto store = store::make_memory_store();
  ledger::KvStateMachine kv;
  crypto::Ed25519Verifier v;
  node::SignedOpStateMachine sm(kv, "abcd", bp.admin_keys, v);
  sm.set_blueprint(bp);
  std::uint64_t id = 0;
  auto decide = [&](std::uint64_t generation, std::size_t index) {
    std::string out;
    EXPECT_TRUE(store->write([&](store::WriteTxn& w) -> Status {
                  MLCHAIN_ASSIGN_OR_RETURN(Bytes r, sm.apply(w, node::to_request(node::sign_op(
                                                                    admin, "abcd", ++id, node::superior_set_op_text(generation, index))),
                                                             ledger::OpContext{id, 0}));
                  out = to_string(r);
                  return {};
                }).ok());
    return out;
  };
  auto superior_keys = [&] { return lookup(*store->begin_read().value(), "L2", 0).value().members; };
  EXPECT_EQ(superior_keys(), (std::vector<crypto::PublicKey>{original.public_key()}));
  EXPECT_EQ(decide(0, 1).rfind("ok: superior changed", 0), 0u);
  EXPECT_EQ(superior_keys(), (std::vector<crypto::PublicKey>{standby.public_key()}));
  EXPECT_EQ(decide(1, 0).rfind("ok: superior changed", 0), 0u);
  EXPECT_EQ(superior_keys(), (std::vector<crypto::PublicKey>{original.public_key()}));
  // A state row naming a candidate the blueprint lacks is corruption, not a silent fallback.
  ASSERT_TRUE(store->write([&](store::WriteTxn& w) {
                return w.put(node::kSuperiorTable, "current", R"({"generation":3,"height":1,"index":5,"time_ms":0})");
              }).ok());
  EXPECT_EQ(lookup(*store->begin_read().value(), "L2", 0).status().code(), ErrorCode::kCorruption);
}

}  // namespace
}  // namespace mlchain::contract
