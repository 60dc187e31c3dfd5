// A high-level layer attached at runtime (node/layer_application.h, issue 17
// item 3): the superior records it only on an admin's op carrying f+1 of the
// applicant's member signatures over an application for THIS superior; a
// path that exists (blueprint, edge, another genesis) or an older epoch is
// refused with nothing changed; once recorded, the layer's keys are its
// members at the epoch the chain follows it to, and they lapse with the
// entry's lifetime.
#include "mlchain/node/layer_application.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "epoch_fixtures.h"
#include "mlchain/config/blueprint_toml.h"
#include "mlchain/contract/key_lookup.h"
#include "mlchain/node/epochs.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::node {
namespace {

using ledger::EpochCertificate;
using ledger::EpochMember;

const std::string kSuperiorGenesis(64, 'b');
const std::string kApplicantGenesis(64, 'c');
constexpr int kAdmin = 50;

// The applicant L2/L1c: epoch 0 = {0}; 1 = {0,1,2,3,4}; 2 = {1,2,3,4}; 3 = {3,4,5,6}.
const testing::EpochScript kScript{"layer application test key ", "c", 7500, "L2/L1c", kApplicantGenesis,
                                   {{0}, {0, 1, 2, 3, 4}, {1, 2, 3, 4}, {3, 4, 5, 6}}};
const std::vector<std::vector<int>>& kEpochs = kScript.epochs;

crypto::PrivateKey key_for(int i) { return kScript.key(i); }
EpochMember member(int i) { return kScript.member(i); }

LayerApplication application(consensus::Epoch e, const std::string& path = "L2/L1c",
                             const std::string& genesis = kApplicantGenesis,
                             const std::string& superior = kSuperiorGenesis) {
  LayerApplication a{path, genesis, e, {}, superior};
  for (int i : kEpochs[e]) a.members.push_back(member(i));
  return a;
}

std::vector<ApplicationSignature> sign(const LayerApplication& a, const std::vector<int>& signers) {
  std::vector<ApplicationSignature> out;
  for (int i : signers) out.push_back({key_for(i).public_key(), key_for(i).sign(application_bytes(a))});
  return out;
}

EpochCertificate cert(consensus::Epoch e) { return kScript.cert(e); }

SignedOp op_by(int signer, const std::string& text, std::uint64_t id = 1) {
  return sign_op(key_for(signer), kSuperiorGenesis, id, text);
}

Status authorize(const SignedOp& op) {
  crypto::Ed25519Verifier v;
  return authorize_add_layer_op(op, "L2", kSuperiorGenesis, {key_for(kAdmin).public_key()}, v).status();
}

TEST(AddLayer, AnAdminWithFPlusOneMemberSignaturesIsAuthorised) {
  auto a = application(1);  // 5 members: f = 1, two signatures needed
  crypto::Ed25519Verifier v;
  auto ok = authorize_add_layer_op(op_by(kAdmin, add_layer_op_text(a, sign(a, {0, 3}), 0)), "L2", kSuperiorGenesis,
                                   {key_for(kAdmin).public_key()}, v);
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(ok->signers, 2u);
  EXPECT_EQ(ok->application, a);
  // The application round-trips through JSON unchanged.
  auto back = application_from_json(to_json(a));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, a);
}

TEST(AddLayer, RefusesWhatTheSuperiorsAdminsDidNotOrderOrFewerThanFPlusOneMembersSigned) {
  auto a = application(1);
  // The applicant's founder (or any member) cannot attach its own layer.
  EXPECT_EQ(authorize(op_by(0, add_layer_op_text(a, sign(a, {0, 1}), 0))).code(), ErrorCode::kPermissionDenied);
  // One signature of five members.
  EXPECT_EQ(authorize(op_by(kAdmin, add_layer_op_text(a, sign(a, {2}), 0))).code(), ErrorCode::kVerificationFailed);
  // The same member twice counts once.
  EXPECT_EQ(authorize(op_by(kAdmin, add_layer_op_text(a, sign(a, {2, 2}), 0))).code(), ErrorCode::kVerificationFailed);
  // A stranger's signature counts for nothing.
  EXPECT_EQ(authorize(op_by(kAdmin, add_layer_op_text(a, sign(a, {2, 9}), 0))).code(), ErrorCode::kVerificationFailed);
  // A member set changed after signing (a byzantine member adds a key): the signatures break.
  auto grown = a;
  grown.members.push_back(member(9));
  EXPECT_EQ(authorize(op_by(kAdmin, add_layer_op_text(grown, sign(a, {0, 1}), 0))).code(),
            ErrorCode::kVerificationFailed);
  // An application for another superior, replayed here.
  auto elsewhere = application(1, "L2/L1c", kApplicantGenesis, std::string(64, 'e'));
  EXPECT_EQ(authorize(op_by(kAdmin, add_layer_op_text(elsewhere, sign(elsewhere, {0, 1}), 0))).code(),
            ErrorCode::kInvalidArgument);
  // Paths that are not a direct child of L2.
  for (std::string path : {"L3/L1c", "L2/L1c/X", "L2", "L2/", "L2/a b"}) {
    auto p = application(1, path);
    EXPECT_EQ(authorize(op_by(kAdmin, add_layer_op_text(p, sign(p, {0, 1}), 0))).code(), ErrorCode::kInvalidArgument)
        << path;
  }
  // Unknown fields, a bad action, an empty member set.
  std::string text = add_layer_op_text(a, sign(a, {0, 1}), 0);
  EXPECT_EQ(authorize(op_by(kAdmin, text.substr(0, text.size() - 1) + ",\"extra\":1}")).code(),
            ErrorCode::kInvalidArgument);
  auto empty = a;
  empty.members.clear();
  EXPECT_EQ(authorize(op_by(kAdmin, add_layer_op_text(empty, {}, 0))).code(), ErrorCode::kInvalidArgument);
}

class AddLayerApplyTest : public testing::SuperiorFixture {
 protected:
  AddLayerApplyTest() : SuperiorFixture(kScript, kSuperiorGenesis, kAdmin) {
    ledger::AddressBook sub;
    sub.path = "L2/L1b";
    sub.members.push_back({"b1", key_for(30).public_key(), "https://127.0.0.1:7601", true});
    bp_.subordinates.push_back(sub);
    install();
  }
  std::string add(const LayerApplication& a, std::int64_t expires_at = 0) {
    const auto& m = kEpochs[a.epoch];  // its first two members sign (f+1 for up to 6 members)
    return apply(kAdmin, add_layer_op_text(a, sign(a, {m[0], m.size() > 1 ? m[1] : m[0]}), expires_at));
  }
  Result<ledger::TrustedMembers> trusted(const std::string& path = "L2/L1c") {
    return trusted_neighbour(*store_->begin_read().value(), bp_, path);
  }
  Result<contract::LayerKeys> keys(std::int64_t time_ms = 0, const std::string& path = "L2/L1c") {
    return contract::address_book_lookup(bp_)(*store_->begin_read().value(), path, time_ms);
  }
  std::optional<std::string> row(const std::string& path = "L2/L1c") {
    auto v = store_->begin_read().value()->get(kSubordinatesTable, path).value();
    if (!v) return std::nullopt;
    return std::string(*v);
  }
};

TEST_F(AddLayerApplyTest, RecordedLayerIsFollowedFromItsEpochAndItsKeysAreItsMembers) {
  EXPECT_EQ(trusted().status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(keys().status().code(), ErrorCode::kNotFound);
  std::string r = add(application(1));
  EXPECT_EQ(r.rfind("ok: add-layer L2/L1c recorded (epoch 1, 5 members, 2 signed)", 0), 0u) << r;
  auto t = trusted();
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->epoch, 1u);
  EXPECT_EQ(t->genesis, kApplicantGenesis);
  EXPECT_EQ(t->members.size(), 5u);
  auto k = keys();
  ASSERT_TRUE(k.ok()) << k.status().to_string();
  EXPECT_EQ(k->members.size(), 5u);
  auto entry = attached_layer(*store_->begin_read().value(), "L2/L1c").value();
  ASSERT_TRUE(entry.has_value());
  EXPECT_GT(entry->height, 0u);  // the ordering block's height
  EXPECT_EQ(attached_layer_paths(*store_->begin_read().value()).value(), std::vector<std::string>{"L2/L1c"});

  // A member of L2 orders the applicant's later epoch certificates: keys move on.
  r = apply(20, neighbour_op_text("L2/L1c", {cert(2), cert(3)}));
  EXPECT_EQ(r.rfind("ok: L2/L1c now epoch 3", 0), 0u) << r;
  k = keys();
  ASSERT_TRUE(k.ok());
  ASSERT_EQ(k->members.size(), 4u);
  EXPECT_EQ(k->members[0], key_for(3).public_key());
  EXPECT_EQ(std::count(k->members.begin(), k->members.end(), key_for(0).public_key()), 0);
  // Certificates from epoch 0 (before the attachment) are older: nothing changes.
  r = apply(20, neighbour_op_text("L2/L1c", {cert(1)}));
  EXPECT_EQ(r, "ok: L2/L1c already at epoch 3");
}

TEST_F(AddLayerApplyTest, APathThatExistsOrAnOlderEpochIsRefusedAndNothingChanges) {
  // The blueprint's subordinate.
  auto b = application(1, "L2/L1b");
  std::string r = add(b);
  EXPECT_EQ(r.rfind("error: the path already exists: L2/L1b is a subordinate in L2's blueprint", 0), 0u) << r;
  // An edge attached by add-subordinate.
  auto edge = key_for(40);
  SubordinateEntry e{"L2/E9", "E9", edge.public_key(), "https://127.0.0.1:7409", {}};
  r = apply(kAdmin, subordinate_op_text(e, edge.sign(attach_proof_bytes(kSuperiorGenesis, e))));
  ASSERT_EQ(r, "ok: add-subordinate L2/E9 recorded");
  auto before_edge = row("L2/E9");
  r = add(application(1, "L2/E9"));
  EXPECT_EQ(r.rfind("error: the path already exists: L2/E9 is attached as an edge layer", 0), 0u) << r;
  EXPECT_EQ(row("L2/E9"), before_edge);
  EXPECT_FALSE(attached_layer(*store_->begin_read().value(), "L2/E9").value().has_value());

  ASSERT_EQ(add(application(2)).rfind("ok:", 0), 0u);
  auto recorded = row();
  // Another layer with the same path (another genesis).
  r = add(application(2, "L2/L1c", std::string(64, 'd')));
  EXPECT_EQ(r.rfind("error: the path already exists: L2/L1c is attached with genesis", 0), 0u) << r;
  // An older epoch of the same layer.
  r = add(application(1));
  EXPECT_EQ(r.rfind("error: L2/L1c is recorded at epoch 2", 0), 0u) << r;
  // Not an admin (a member of L2 is not enough).
  auto a3 = application(3);
  r = apply(20, add_layer_op_text(a3, sign(a3, {3, 4}), 0));
  EXPECT_EQ(r.rfind("error: not authorised", 0), 0u) << r;
  EXPECT_EQ(row(), recorded);
  // The same layer at a newer epoch replaces the entry (renewal).
  r = apply(kAdmin, add_layer_op_text(a3, sign(a3, {3, 4}), 0));
  EXPECT_EQ(r.rfind("ok: add-layer L2/L1c recorded (epoch 3", 0), 0u) << r;
  EXPECT_EQ(trusted()->epoch, 3u);
}

TEST_F(AddLayerApplyTest, KeysLapseWithTheEntrysLifetime) {
  ASSERT_EQ(add(application(1), 5'000).rfind("ok:", 0), 0u);
  EXPECT_TRUE(keys(4'000).ok());
  auto lapsed = keys(6'000);
  EXPECT_EQ(lapsed.status().code(), ErrorCode::kNotFound) << lapsed.status().to_string();
}

TEST(AddressBookEpoch, RecordedOnlyWhenSetAndReadFromToml) {
  ledger::Blueprint bp;
  bp.layer_path = "L2/L1c";
  bp.members.push_back({"c0", key_for(0).public_key(), "https://127.0.0.1:7500", true});
  ledger::AddressBook sup;
  sup.path = "L2";
  sup.members.push_back({"l2-n1", key_for(30).public_key(), "https://127.0.0.1:7400", true});
  bp.superior = sup;
  // Unset: the book's JSON is what it was before the fields existed (same genesis hashes).
  auto j = ledger::to_json(bp);
  EXPECT_FALSE(j["superior"].contains("epoch"));
  EXPECT_FALSE(j["superior"].contains("genesis"));
  bp.superior->epoch = 7;
  bp.superior->genesis = kSuperiorGenesis;
  auto back = ledger::blueprint_from_json(ledger::to_json(bp));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->superior->epoch, 7u);
  EXPECT_EQ(back->superior->genesis, kSuperiorGenesis);
  // The layer follows its superior from there.
  auto store = store::make_memory_store();
  auto t = trusted_neighbour(*store->begin_read().value(), *back, "L2");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->epoch, 7u);
  EXPECT_EQ(t->genesis, kSuperiorGenesis);
  auto bad = ledger::to_json(bp);
  bad["superior"]["genesis"] = "xyz";
  EXPECT_FALSE(ledger::blueprint_from_json(bad).ok());

  std::string toml =
      "layer = \"L2/L1c\"\ngenesis_time = 1796682106000\n"
      "[[members]]\nname = \"c0\"\npublic_key = \"" +
      key_for(0).public_key().hex() +
      "\"\naddress = \"https://127.0.0.1:7500\"\n"
      "[superior]\npath = \"L2\"\nepoch = 7\ngenesis = \"" +
      kSuperiorGenesis +
      "\"\n"
      "[[superior.members]]\nname = \"l2-n1\"\npublic_key = \"" +
      key_for(30).public_key().hex() + "\"\naddress = \"https://127.0.0.1:7400\"\n";
  auto parsed = config::parse_blueprint_toml(toml, "l1c.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->superior->epoch, 7u);
  EXPECT_EQ(parsed->superior->genesis, kSuperiorGenesis);
  std::string wrong = toml;
  wrong.replace(wrong.find("epoch = 7"), 9, "epoch = -1");
  EXPECT_FALSE(config::parse_blueprint_toml(wrong, "l1c.toml").ok());
}

}  // namespace
}  // namespace mlchain::node
