#include <gtest/gtest.h>

#include "mlchain/node/signed_op.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::node {
namespace {

crypto::PrivateKey key_for(int i) {
  auto seed = crypto::sha256("node test key " + std::to_string(i));
  return crypto::PrivateKey::from_seed(ByteView(seed.data(), seed.size())).value();
}

TEST(SignedOp, RoundTripsAndVerifies) {
  auto k = key_for(1);
  SignedOp op = sign_op(k, "abcd", 7, "put a 1");
  crypto::Ed25519Verifier v;
  EXPECT_TRUE(verify_op(op, v).ok());
  auto back = signed_op_from_json(to_json(op));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->client, k.public_key());
  EXPECT_EQ(back->id, 7u);
  EXPECT_EQ(back->op, "put a 1");
  EXPECT_TRUE(verify_op(*back, v).ok());

  SignedOp tampered = op;
  tampered.op = "put a 2";
  EXPECT_EQ(verify_op(tampered, v).code(), ErrorCode::kVerificationFailed);
  SignedOp other_id = op;
  other_id.id = 8;
  EXPECT_FALSE(verify_op(other_id, v).ok());
}

TEST(SignedOp, StrictSchema) {
  auto k = key_for(1);
  codec::Json j = to_json(sign_op(k, "abcd", 1, "put a 1"));
  auto extra = j;
  extra["admin"] = true;
  EXPECT_FALSE(signed_op_from_json(extra).ok());
  auto zero = j;
  zero["id"] = 0;
  EXPECT_FALSE(signed_op_from_json(zero).ok());
  auto neg = j;
  neg["id"] = -3;
  EXPECT_FALSE(signed_op_from_json(neg).ok());
  auto badkey = j;
  badkey["client"] = "zz";
  EXPECT_FALSE(signed_op_from_json(badkey).ok());
  auto big = j;
  big["op"] = std::string(kMaxOpTextBytes + 1, 'x');
  EXPECT_FALSE(signed_op_from_json(big).ok());
  EXPECT_FALSE(signed_op_from_json(codec::Json::array()).ok());
}

TEST(SignedOp, StateMachineChecksTheEnvelope) {
  auto store = store::make_memory_store();
  ledger::KvStateMachine kv;
  crypto::Ed25519Verifier v;
  SignedOpStateMachine sm(kv, "abcd", {}, v);
  auto k = key_for(2);
  auto apply = [&](const consensus::Request& r) {
    Bytes out;
    Status st = store->write([&](store::WriteTxn& txn) -> Status {
      auto res = sm.apply(txn, r, ledger::OpContext{1, 0});
      if (!res.ok()) return res.status();
      out = *res;
      return {};
    });
    EXPECT_TRUE(st.ok()) << st.to_string();
    return to_string(out);
  };
  EXPECT_EQ(apply(to_request(sign_op(k, "abcd", 1, "put a 1"))), "ok");
  EXPECT_EQ(apply(to_request(sign_op(k, "ffff", 2, "put a 1"))).rfind("error:", 0), 0u);  // other layer
  auto forged = to_request(sign_op(k, "abcd", 3, "put a 1"));
  forged.client = key_for(3).public_key().hex();  // a primary inventing ops for another client
  EXPECT_EQ(apply(forged).rfind("error:", 0), 0u);
  consensus::Request garbage{k.public_key().hex(), 4, to_bytes("put a 1")};
  EXPECT_EQ(apply(garbage).rfind("error:", 0), 0u);
}

// ---- membership changes ----

consensus::ConfigChange add_change(const crypto::PrivateKey& applicant, std::string name = "n5") {
  return consensus::ConfigChange{consensus::ConfigAction::kAddMember, applicant.public_key(), std::move(name),
                                 "https://127.0.0.1:7105"};
}

std::string join_text(const crypto::PrivateKey& applicant, const std::string& genesis) {
  auto c = add_change(applicant);
  return config_op_text(c, applicant.sign(join_proof_bytes(genesis, c)));
}

TEST(ConfigOps, AdminSignedAddWithProofIsAuthorised) {
  crypto::Ed25519Verifier v;
  auto admin = key_for(10), applicant = key_for(11);
  auto op = sign_op(admin, "abcd", 1, join_text(applicant, "abcd"));
  auto change = authorize_config_op(op, {admin.public_key()}, v);
  ASSERT_TRUE(change.ok()) << change.status().to_string();
  EXPECT_EQ(change->key, applicant.public_key());
  EXPECT_EQ(change->name, "n5");
  auto filter = make_config_filter("abcd", {admin.public_key()}, v);
  ASSERT_TRUE(filter(to_request(op), consensus::EpochConfig{}).has_value());
}

TEST(ConfigOps, RefusesNonAdminsForgedProofsAndOtherLayers) {
  crypto::Ed25519Verifier v;
  auto admin = key_for(10), applicant = key_for(11), stranger = key_for(12);
  auto filter = make_config_filter("abcd", {admin.public_key()}, v);

  auto by_stranger = sign_op(stranger, "abcd", 1, join_text(applicant, "abcd"));
  EXPECT_EQ(authorize_config_op(by_stranger, {admin.public_key()}, v).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_FALSE(filter(to_request(by_stranger), consensus::EpochConfig{}).has_value());

  // The application was signed for another layer: the proof does not verify here.
  auto other_layer = sign_op(admin, "abcd", 2, join_text(applicant, "ffff"));
  EXPECT_EQ(authorize_config_op(other_layer, {admin.public_key()}, v).status().code(), ErrorCode::kVerificationFailed);
  EXPECT_FALSE(filter(to_request(other_layer), consensus::EpochConfig{}).has_value());

  // No proof: an admin cannot enrol a key nobody holds.
  auto c = add_change(applicant);
  auto no_proof = sign_op(admin, "abcd", 3, config_op_text(c, std::nullopt));
  EXPECT_EQ(authorize_config_op(no_proof, {admin.public_key()}, v).status().code(), ErrorCode::kInvalidArgument);

  // A proof by the wrong key.
  auto wrong = sign_op(admin, "abcd", 4, config_op_text(c, stranger.sign(join_proof_bytes("abcd", c))));
  EXPECT_EQ(authorize_config_op(wrong, {admin.public_key()}, v).status().code(), ErrorCode::kVerificationFailed);

  // The envelope signed for another genesis never counts on this layer.
  auto env_other = sign_op(admin, "ffff", 5, join_text(applicant, "ffff"));
  EXPECT_FALSE(filter(to_request(env_other), consensus::EpochConfig{}).has_value());

  // A byzantine primary re-labelling an admin op with a tampered text.
  auto ok = sign_op(admin, "abcd", 6, join_text(applicant, "abcd"));
  auto req = to_request(ok);
  auto tampered = ok;
  tampered.op = join_text(stranger, "abcd");
  auto treq = to_request(tampered);  // keeps the admin's signature over the other text
  EXPECT_FALSE(filter(treq, consensus::EpochConfig{}).has_value());
  EXPECT_TRUE(filter(req, consensus::EpochConfig{}).has_value());
}

TEST(ConfigOps, AMemberMayResignButNotRemoveOthers) {
  crypto::Ed25519Verifier v;
  auto admin = key_for(10), member = key_for(13), other = key_for(14);
  consensus::ConfigChange self{consensus::ConfigAction::kRemoveMember, member.public_key(), "n3", ""};
  auto resign = sign_op(member, "abcd", 1, config_op_text(self, std::nullopt));
  EXPECT_TRUE(authorize_config_op(resign, {admin.public_key()}, v).ok());
  consensus::ConfigChange them{consensus::ConfigAction::kRemoveMember, other.public_key(), "n4", ""};
  auto evict = sign_op(member, "abcd", 2, config_op_text(them, std::nullopt));
  EXPECT_EQ(authorize_config_op(evict, {admin.public_key()}, v).status().code(), ErrorCode::kPermissionDenied);
  consensus::ConfigChange invalid{consensus::ConfigAction::kMarkInvalid, member.public_key(), "", ""};
  auto self_invalid = sign_op(member, "abcd", 3, config_op_text(invalid, std::nullopt));
  EXPECT_EQ(authorize_config_op(self_invalid, {admin.public_key()}, v).status().code(), ErrorCode::kPermissionDenied);
  auto by_admin = sign_op(admin, "abcd", 4, config_op_text(them, std::nullopt));
  EXPECT_TRUE(authorize_config_op(by_admin, {admin.public_key()}, v).ok());
}

TEST(ConfigOps, StateMachineRecordsTheDirectoryOnlyWhenAuthorised) {
  auto store = store::make_memory_store();
  ledger::KvStateMachine kv;
  crypto::Ed25519Verifier v;
  auto admin = key_for(10), applicant = key_for(11), stranger = key_for(12);
  SignedOpStateMachine sm(kv, "abcd", {admin.public_key()}, v);
  auto apply = [&](const SignedOp& op) {
    Bytes out;
    Status st = store->write([&](store::WriteTxn& txn) -> Status {
      MLCHAIN_ASSIGN_OR_RETURN(out, sm.apply(txn, to_request(op), ledger::OpContext{1, 0}));
      return {};
    });
    EXPECT_TRUE(st.ok()) << st.to_string();
    return to_string(out);
  };
  auto directory_entry = [&] {
    auto r = store->begin_read().value();
    return r->get(kMembersTable, applicant.public_key().hex()).value();
  };
  EXPECT_EQ(apply(sign_op(stranger, "abcd", 1, join_text(applicant, "abcd"))).rfind("error: not authorised", 0), 0u);
  EXPECT_FALSE(directory_entry().has_value());
  EXPECT_EQ(apply(sign_op(admin, "abcd", 1, join_text(applicant, "abcd"))).rfind("ok: add-member n5", 0), 0u);
  auto entry = directory_entry();
  ASSERT_TRUE(entry.has_value());
  EXPECT_NE(entry->find("https://127.0.0.1:7105"), std::string::npos);
}

// ---- peer review reports ----

TEST(ReviewReports, TwoFPlusOneOtherMembersInvalidateNoFewer) {
  crypto::Ed25519Verifier v;
  std::vector<crypto::PrivateKey> m;
  for (int i = 0; i < 4; ++i) m.push_back(key_for(30 + i));
  consensus::EpochConfig epoch;
  epoch.epoch = 2;
  for (const auto& k : m) epoch.members.push_back(k.public_key());
  const auto& suspect = m[3].public_key();
  std::vector<MemberReport> reports;
  for (int i = 0; i < 3; ++i) reports.push_back(sign_report(m[i], "abcd", suspect, 2, 100));
  EXPECT_TRUE(check_reports(reports, "abcd", suspect, epoch, v).ok());
  // Two are not enough at n = 4 (2f+1 = 3); a duplicate does not count twice.
  auto two = std::vector<MemberReport>(reports.begin(), reports.begin() + 2);
  EXPECT_FALSE(check_reports(two, "abcd", suspect, epoch, v).ok());
  two.push_back(reports[0]);
  EXPECT_FALSE(check_reports(two, "abcd", suspect, epoch, v).ok());
  // The suspect reporting itself, another epoch, an old window, a stranger, a forged signature: none count.
  for (auto bad : {sign_report(m[3], "abcd", suspect, 2, 100), sign_report(m[2], "abcd", suspect, 1, 100),
                   sign_report(m[2], "abcd", suspect, 2, 90), sign_report(key_for(99), "abcd", suspect, 2, 100)}) {
    auto rs = std::vector<MemberReport>(reports.begin(), reports.begin() + 2);
    rs.push_back(bad);
    EXPECT_FALSE(check_reports(rs, "abcd", suspect, epoch, v).ok());
  }
  auto forged = reports;
  forged[2].sig[5] ^= 1;
  EXPECT_FALSE(check_reports(forged, "abcd", suspect, epoch, v).ok());

  // As an op: a member may order mark-invalid with the reports; the epoch must be known.
  auto op = sign_op(m[0], "abcd", 1, invalidation_op_text(suspect, reports));
  EXPECT_TRUE(authorize_config_op(op, {}, v, &epoch).ok());
  EXPECT_EQ(authorize_config_op(op, {}, v, nullptr).status().code(), ErrorCode::kPermissionDenied);
  auto weak = sign_op(m[0], "abcd", 2, invalidation_op_text(suspect, std::vector<MemberReport>(reports.begin(), reports.begin() + 2)));
  EXPECT_FALSE(authorize_config_op(weak, {}, v, &epoch).ok());
  auto by_stranger = sign_op(key_for(99), "abcd", 3, invalidation_op_text(suspect, reports));
  EXPECT_EQ(authorize_config_op(by_stranger, {}, v, &epoch).status().code(), ErrorCode::kPermissionDenied);
  auto round = report_from_json(to_json(reports[1]));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->reporter, m[1].public_key());
}

// ---- subordinate layers ----

TEST(SubordinateOps, AdminSignedAttachWithTheEdgesProofIsRecorded) {
  auto store = store::make_memory_store();
  ledger::KvStateMachine kv;
  crypto::Ed25519Verifier v;
  auto admin = key_for(20), edge = key_for(21), stranger = key_for(22);
  SignedOpStateMachine sm(kv, "abcd", {admin.public_key()}, v);
  SubordinateEntry e{"L2/L1a/E1", "E1", edge.public_key(), "https://127.0.0.1:7401", {}};
  auto apply = [&](const SignedOp& op) {
    Bytes out;
    Status st = store->write([&](store::WriteTxn& txn) -> Status {
      MLCHAIN_ASSIGN_OR_RETURN(out, sm.apply(txn, to_request(op), ledger::OpContext{7, 0}));
      return {};
    });
    EXPECT_TRUE(st.ok()) << st.to_string();
    return to_string(out);
  };
  auto recorded = [&] { return store->begin_read().value()->get(kSubordinatesTable, "L2/L1a/E1").value(); };

  auto good_proof = edge.sign(attach_proof_bytes("abcd", e));
  // Not an admin: refused, nothing recorded.
  auto by_stranger = sign_op(stranger, "abcd", 1, subordinate_op_text(e, good_proof));
  EXPECT_EQ(authorize_subordinate_op(by_stranger, {admin.public_key()}, v).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(apply(by_stranger).rfind("error: not authorised", 0), 0u);
  EXPECT_FALSE(recorded().has_value());
  // Proof by another key, or for another superior: refused.
  auto forged = sign_op(admin, "abcd", 2, subordinate_op_text(e, stranger.sign(attach_proof_bytes("abcd", e))));
  EXPECT_EQ(authorize_subordinate_op(forged, {admin.public_key()}, v).status().code(), ErrorCode::kVerificationFailed);
  auto elsewhere = sign_op(admin, "abcd", 3, subordinate_op_text(e, edge.sign(attach_proof_bytes("ffff", e))));
  EXPECT_EQ(authorize_subordinate_op(elsewhere, {admin.public_key()}, v).status().code(), ErrorCode::kVerificationFailed);
  EXPECT_FALSE(recorded().has_value());
  // Admin + edge proof: recorded with the ordering height.
  EXPECT_EQ(apply(sign_op(admin, "abcd", 4, subordinate_op_text(e, good_proof))), "ok: add-subordinate L2/L1a/E1 recorded");
  auto entry = recorded();
  ASSERT_TRUE(entry.has_value());
  auto j = codec::parse(*entry).value();
  EXPECT_EQ(j["members"][0]["public_key"], edge.public_key().hex());
  EXPECT_EQ(j["height"], 7);
  // Extra fields are refused.
  auto extra = sign_op(admin, "abcd", 5, subordinate_op_text(e, good_proof).substr(0, 20) + "x");
  EXPECT_EQ(authorize_subordinate_op(extra, {admin.public_key()}, v).status().code(), ErrorCode::kInvalidArgument);
  // Only a direct subordinate of the layer that records it.
  auto good = sign_op(admin, "abcd", 6, subordinate_op_text(e, good_proof));
  EXPECT_TRUE(authorize_subordinate_op(good, {admin.public_key()}, v, "L2/L1a").ok());
  for (std::string superior : {"L2", "L2/L1b", "L2/L1", "L2/L1a/E1"})
    EXPECT_EQ(authorize_subordinate_op(good, {admin.public_key()}, v, superior).status().code(),
              ErrorCode::kInvalidArgument)
        << superior;
}

}  // namespace
}  // namespace mlchain::node

namespace mlchain::node {
namespace {

// Issue 14 item 4: the CLI numbered a member's ops in milliseconds and the
// node its own relay ops in microseconds under the same key, so after
// relaying contracts a member could not leave (409: id not above the last
// executed one). One scheme now, for every sender of a key.
TEST(OpIds, OneSchemeForEverySenderOfAKey) {
  std::uint64_t node_relay_op = next_op_id();  // what the node's host numbers its own ops with
  std::uint64_t cli_leave_op = next_op_id();   // what `node leave` signs with, later
  EXPECT_GT(cli_leave_op, node_relay_op - 1'000'000);  // same unit: within a second, not 1000x apart
  auto micros = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  EXPECT_LE(cli_leave_op, micros);
  EXPECT_GT(cli_leave_op, micros - 60'000'000);  // microseconds, not milliseconds
  // Above what the sender knows was executed, even if the clock is behind.
  EXPECT_EQ(next_op_id(micros + 5'000'000), micros + 5'000'001);
}

// Learner permits: only an admin of this layer's blueprint can let a
// non-member fetch blocks, for a bounded time, for one key, on one layer.
TEST(LearnerPermits, OnlyAnAdminsUnexpiredPermitForThisLayerHolds) {
  crypto::Ed25519Verifier v;
  auto admin = key_for(10), learner = key_for(11), stranger = key_for(12);
  const std::vector<crypto::PublicKey> admins{admin.public_key()};
  const std::int64_t now = 1'700'000'000'000;
  auto good = sign_learner_permit(admin, "abcd", learner.public_key(), now + 60'000);
  EXPECT_TRUE(check_learner_permit(good, "abcd", admins, now, v).ok());

  auto round = learner_permit_from_json(to_json(good));
  ASSERT_TRUE(round.ok()) << round.status().to_string();
  EXPECT_TRUE(check_learner_permit(*round, "abcd", admins, now, v).ok());

  // expired, or longer than the cap
  EXPECT_EQ(check_learner_permit(good, "abcd", admins, now + 60'000, v).code(), ErrorCode::kInvalidArgument);
  auto too_long = sign_learner_permit(admin, "abcd", learner.public_key(), now + kLearnerPermitMaxMs + 1);
  EXPECT_EQ(check_learner_permit(too_long, "abcd", admins, now, v).code(), ErrorCode::kInvalidArgument);
  // signed by a key that is not an admin
  auto by_stranger = sign_learner_permit(stranger, "abcd", learner.public_key(), now + 60'000);
  EXPECT_EQ(check_learner_permit(by_stranger, "abcd", admins, now, v).code(), ErrorCode::kPermissionDenied);
  // an admin's name on a stranger's signature; another key; another layer; a later expiry
  auto forged = by_stranger;
  forged.admin = admin.public_key();
  EXPECT_EQ(check_learner_permit(forged, "abcd", admins, now, v).code(), ErrorCode::kVerificationFailed);
  auto other_key = good;
  other_key.key = stranger.public_key();
  EXPECT_EQ(check_learner_permit(other_key, "abcd", admins, now, v).code(), ErrorCode::kVerificationFailed);
  EXPECT_EQ(check_learner_permit(good, "ef01", admins, now, v).code(), ErrorCode::kVerificationFailed);
  auto extended = good;
  extended.expires_ms += 1;
  EXPECT_EQ(check_learner_permit(extended, "abcd", admins, now, v).code(), ErrorCode::kVerificationFailed);
}

TEST(LearnerPermits, StrictSchema) {
  auto admin = key_for(10), learner = key_for(11);
  auto j = to_json(sign_learner_permit(admin, "abcd", learner.public_key(), 1'700'000'060'000));
  auto extra = j;
  extra["scope"] = "all";
  EXPECT_FALSE(learner_permit_from_json(extra).ok());
  for (const char* field : {"key", "expires_ms", "admin", "sig"}) {
    auto missing = j;
    missing.erase(field);
    EXPECT_FALSE(learner_permit_from_json(missing).ok()) << field;
  }
  auto bad_key = j;
  bad_key["key"] = std::string(64, 'z');
  EXPECT_FALSE(learner_permit_from_json(bad_key).ok());
  auto negative = j;
  negative["expires_ms"] = -1;
  EXPECT_FALSE(learner_permit_from_json(negative).ok());
  EXPECT_FALSE(learner_permit_from_json(codec::Json::array()).ok());
}

}  // namespace
}  // namespace mlchain::node
