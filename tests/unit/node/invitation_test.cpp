// Invitations by cross-layer addressing (node/invitation.h) and the add-member
// they authorise (node/signed_op.h, authorize_config_op).
#include "mlchain/node/invitation.h"

#include <gtest/gtest.h>

#include "mlchain/crypto/hash.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::node {
namespace {

const std::string kGenesis(64, 'a');
const std::string kOtherGenesis(64, 'b');
constexpr std::int64_t kNow = 1'800'000'000'000;

crypto::PrivateKey key_for(int i) {
  auto seed = crypto::sha256("invitation test key " + std::to_string(i));
  return crypto::PrivateKey::from_seed(ByteView(seed.data(), seed.size())).value();
}

Invitation invitation(const crypto::PrivateKey& admin, const crypto::PrivateKey& invitee,
                      const std::string& genesis = kGenesis, std::int64_t expires = kNow + 3'600'000) {
  Invitation inv;
  inv.id = std::string(32, 'c');
  inv.layer = "L2/L1c";
  inv.genesis = genesis;
  inv.contacts = {"https://127.0.0.1:7301", "https://127.0.0.1:7302"};
  inv.invitee = invitee.public_key();
  inv.invitee_layer = "L2/L1a";
  inv.expires_ms = expires;
  return sign_invitation(admin, std::move(inv));
}

TEST(Invitation, RoundTripsAndAnyChangedFieldBreaksTheSignature) {
  crypto::Ed25519Verifier v;
  auto admin = key_for(1), invitee = key_for(2), other = key_for(3);
  Invitation inv = invitation(admin, invitee);
  EXPECT_TRUE(check_invitation(inv, kNow, v).ok());
  auto back = invitation_from_json(to_json(inv));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, inv);

  std::vector<Invitation> tampered(7, inv);
  tampered[0].layer = "L2/L1d";
  tampered[1].genesis = kOtherGenesis;
  tampered[2].contacts.push_back("https://10.0.0.1:1");
  tampered[3].invitee = other.public_key();
  tampered[4].invitee_layer = "L2/L1b";
  tampered[5].expires_ms += 1;
  tampered[6].admin = other.public_key();  // claimed by another admin
  for (std::size_t i = 0; i < tampered.size(); ++i)
    EXPECT_EQ(check_invitation(tampered[i], kNow, v).code(), ErrorCode::kVerificationFailed) << i;
}

TEST(Invitation, StrictSchema) {
  auto admin = key_for(1), invitee = key_for(2);
  codec::Json j = to_json(invitation(admin, invitee));
  auto with = [&j](const std::string& field, codec::Json value) {
    codec::Json c = j;
    c[field] = std::move(value);
    return invitation_from_json(c).status().code();
  };
  EXPECT_EQ(with("extra", true), ErrorCode::kInvalidArgument);
  EXPECT_EQ(with("id", "short"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(with("id", std::string(32, 'G')), ErrorCode::kInvalidArgument);
  EXPECT_EQ(with("genesis", "abcd"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(with("contacts", codec::Json::array()), ErrorCode::kInvalidArgument);
  EXPECT_EQ(with("contacts", codec::Json::array({"http://127.0.0.1:1"})), ErrorCode::kInvalidArgument);
  codec::Json many = codec::Json::array();
  for (int i = 0; i < 17; ++i) many.push_back("https://127.0.0.1:" + std::to_string(7000 + i));
  EXPECT_EQ(with("contacts", many), ErrorCode::kInvalidArgument);
  EXPECT_EQ(with("invitee_layer", "L2/L1c"), ErrorCode::kInvalidArgument);  // into its own layer
  EXPECT_EQ(with("expires_ms", -1), ErrorCode::kInvalidArgument);
  EXPECT_EQ(with("sig", "00"), ErrorCode::kInvalidArgument);
}

TEST(Invitation, ExpiryIsCheckedWithAClockAndBounded) {
  crypto::Ed25519Verifier v;
  auto admin = key_for(1), invitee = key_for(2);
  EXPECT_EQ(check_invitation(invitation(admin, invitee, kGenesis, kNow), kNow, v).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(check_invitation(invitation(admin, invitee, kGenesis, kNow + kInvitationMaxMs + 1), kNow, v).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(check_invitation(invitation(admin, invitee, kGenesis, kNow + kInvitationMaxMs), kNow, v).ok());
  // The ordered path has no clock: only the signature counts there.
  EXPECT_TRUE(check_invitation(invitation(admin, invitee, kGenesis, kNow - 1), -1, v).ok());
}

TEST(Invitation, ForALayerTheSignerMustBeOneOfItsAdmins) {
  crypto::Ed25519Verifier v;
  auto admin = key_for(1), invitee = key_for(2), stranger = key_for(3);
  Invitation inv = invitation(admin, invitee);
  EXPECT_TRUE(check_invitation_for_layer(inv, kGenesis, {admin.public_key()}, kNow, v).ok());
  EXPECT_EQ(check_invitation_for_layer(inv, kOtherGenesis, {admin.public_key()}, kNow, v).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(check_invitation_for_layer(invitation(stranger, invitee), kGenesis, {admin.public_key()}, kNow, v).code(),
            ErrorCode::kPermissionDenied);
}

consensus::ConfigChange add_change(const crypto::PrivateKey& applicant) {
  return consensus::ConfigChange{consensus::ConfigAction::kAddMember, applicant.public_key(), "c2",
                                 "https://127.0.0.1:7302"};
}

SignedOp self_add(const crypto::PrivateKey& applicant, const std::optional<Invitation>& inv,
                  const std::string& genesis = kGenesis) {
  auto c = add_change(applicant);
  auto proof = applicant.sign(join_proof_bytes(genesis, c));
  return sign_op(applicant, genesis, 1,
                 config_op_text(c, proof, inv ? std::optional<codec::Json>(to_json(*inv)) : std::nullopt));
}

TEST(InvitationConfigOps, TheInviteeMayOrderItsOwnAddMember) {
  crypto::Ed25519Verifier v;
  auto admin = key_for(1), invitee = key_for(2);
  auto op = self_add(invitee, invitation(admin, invitee));
  auto change = authorize_config_op(op, {admin.public_key()}, v, nullptr, kNow);
  ASSERT_TRUE(change.ok()) << change.status().to_string();
  EXPECT_EQ(change->key, invitee.public_key());
  EXPECT_EQ(change->action, consensus::ConfigAction::kAddMember);
  // Every replica applies the same rule to the ordered request.
  auto filter = make_config_filter(kGenesis, {admin.public_key()}, v);
  EXPECT_TRUE(filter(to_request(op), consensus::EpochConfig{}).has_value());
}

TEST(InvitationConfigOps, WithoutAValidInvitationTheApplicantIsRefused) {
  crypto::Ed25519Verifier v;
  auto admin = key_for(1), invitee = key_for(2), stranger = key_for(3);
  std::vector<crypto::PublicKey> admins{admin.public_key()};
  auto filter = make_config_filter(kGenesis, admins, v);
  auto refused = [&](const SignedOp& op, ErrorCode want, const char* what) {
    EXPECT_EQ(authorize_config_op(op, admins, v, nullptr, kNow).status().code(), want) << what;
    EXPECT_FALSE(filter(to_request(op), consensus::EpochConfig{}).has_value()) << what;
  };
  refused(self_add(invitee, std::nullopt), ErrorCode::kPermissionDenied, "no invitation");
  refused(self_add(invitee, invitation(stranger, invitee)), ErrorCode::kPermissionDenied, "signed by a non-admin");
  refused(self_add(stranger, invitation(admin, invitee)), ErrorCode::kPermissionDenied, "invitation for another key");
  refused(self_add(invitee, invitation(admin, invitee, kOtherGenesis)), ErrorCode::kInvalidArgument,
          "invitation into another layer");
  Invitation forged = invitation(admin, invitee);
  forged.expires_ms += 86'400'000;  // stretched after signing
  refused(self_add(invitee, forged), ErrorCode::kVerificationFailed, "tampered invitation");

  // An invitation admits the invitee; it does not let it remove anyone.
  consensus::ConfigChange evict{consensus::ConfigAction::kRemoveMember, stranger.public_key(), "", ""};
  auto evict_op = sign_op(invitee, kGenesis, 2,
                          config_op_text(evict, std::nullopt, to_json(invitation(admin, invitee))));
  refused(evict_op, ErrorCode::kPermissionDenied, "remove-member with an invitation");

  // Expired: refused at admission (the node's clock), so never ordered by an
  // honest primary.
  auto late = self_add(invitee, invitation(admin, invitee, kGenesis, kNow - 1));
  EXPECT_EQ(authorize_config_op(late, admins, v, nullptr, kNow).status().code(), ErrorCode::kInvalidArgument);
}

TEST(HeldInvitations, KeptByIdWithTheirState) {
  auto store = store::make_memory_store();
  auto admin = key_for(1), invitee = key_for(2);
  Invitation a = invitation(admin, invitee);
  Invitation b = a;
  b.id = std::string(32, 'd');
  b = sign_invitation(admin, b);
  ASSERT_TRUE(store
                  ->write([&](store::WriteTxn& txn) -> Status {
                    MLCHAIN_TRY(put_held_invitation(txn, HeldInvitation{a, InvitationState::kPending, kNow, 0}));
                    return put_held_invitation(txn, HeldInvitation{b, InvitationState::kRefused, kNow, kNow + 5});
                  })
                  .ok());
  auto txn = store->begin_read();
  ASSERT_TRUE(txn.ok());
  auto all = held_invitations(**txn);
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].invitation, a);
  EXPECT_EQ((*all)[0].state, InvitationState::kPending);
  EXPECT_EQ((*all)[1].state, InvitationState::kRefused);
  EXPECT_EQ((*all)[1].decided_ms, kNow + 5);
  auto one = held_invitation(**txn, b.id);
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->invitation, b);
  auto none = held_invitation(**txn, std::string(32, 'e'));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(to_json(**one, kNow + 3'600'001)["expired"], true);
}

}  // namespace
}  // namespace mlchain::node
