// Invitations by cross-layer addressing (issue 17 item 2; seed paper
// §IV.B.1.b: "the other nodes agreed with the application will leave its own
// layer and join the newly created high-level layer").
//
// An admin of a layer (typically a layer just founded with `layer found`)
// invites one member of another high-level layer, found by its address in
// the tree (GET /v1/directory/<path>), to move into its layer. The invitation
// names the inviting layer (path, genesis hash, member URLs to contact), the
// invited key and the layer it leaves, an expiry (at most 7 days ahead), and
// is signed by the admin key:
//   sig over canonical JSON {"purpose": "mlchain-invite/1", "id", "layer",
//     "genesis", "contacts", "invitee", "invitee_layer", "expires_ms", "admin"}
// The invited node keeps it (POST /v1/invitations, table "invitations") until
// its operator accepts or refuses it: nothing joins by itself. Accepting
// resigns from the old layer by its ordered remove-member, then joins the new
// layer with `node join --invitation`: the invitation stands in for the admin
// there, which is why it must be signed by a key of the inviting layer's
// admin_keys:
//   - a member of the inviting layer grants the invitee a learner permit
//     (POST /v1/learners {"invitation": ...}) until the invitation expires,
//     at most kLearnerPermitMaxMs from now;
//   - the add-member op is signed by the invitee's own key and carries the
//     invitation (signed_op.h, authorize_config_op): the layer orders it only
//     for the invited key, with the invitation's genesis, and (at admission)
//     before its expiry.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/store/store.h"

namespace mlchain::node {

inline constexpr std::int64_t kInvitationMaxMs = 7LL * 24 * 3600 * 1000;
inline constexpr std::size_t kMaxInvitationContacts = 16;
inline constexpr std::size_t kMaxPendingInvitations = 16;  // held by one node
inline constexpr std::string_view kInvitationsTable = "invitations";

struct Invitation {
  std::string id;                     // 32 lowercase hex, chosen by the inviter
  std::string layer;                  // the inviting layer's path
  std::string genesis;                // its genesis hash, 64 hex
  std::vector<std::string> contacts;  // https:// URLs of its members
  crypto::PublicKey invitee;          // the invited node's key
  std::string invitee_layer;          // the layer it would leave
  std::int64_t expires_ms = 0;        // unix ms
  crypto::PublicKey admin;            // an admin key of `layer`
  crypto::Signature sig{};

  friend bool operator==(const Invitation&, const Invitation&) = default;
};

Bytes invitation_bytes(const Invitation& inv);  // what `admin` signs
// Fills in admin and sig.
Invitation sign_invitation(const crypto::PrivateKey& admin, Invitation inv);
codec::Json to_json(const Invitation& inv);
// Strict schema (unknown fields, bad hex, a contact that is not https://,
// more than kMaxInvitationContacts): InvalidArgument. No signature check.
Result<Invitation> invitation_from_json(const codec::Json& j);
// The signature verifies against inv.admin, and the invitation has not
// expired at now_ms and runs at most kInvitationMaxMs after it (now_ms < 0:
// no time check, for the ordered path, which has no clock).
// VerificationFailed or InvalidArgument.
Status check_invitation(const Invitation& inv, std::int64_t now_ms, const crypto::Verifier& verifier);
// check_invitation, and it is for the layer of `genesis` and signed by one of
// `admin_keys` (PermissionDenied otherwise).
Status check_invitation_for_layer(const Invitation& inv, const std::string& genesis,
                                  const std::vector<crypto::PublicKey>& admin_keys, std::int64_t now_ms,
                                  const crypto::Verifier& verifier);

// ---- What the invited node keeps (table "invitations": id -> JSON) ----
enum class InvitationState { kPending, kAccepted, kRefused };
std::string_view state_name(InvitationState s);

struct HeldInvitation {
  Invitation invitation;
  InvitationState state = InvitationState::kPending;
  std::int64_t received_ms = 0;
  std::int64_t decided_ms = 0;  // 0 while pending
};
codec::Json to_json(const HeldInvitation& h, std::int64_t now_ms);  // adds "expired"
Result<std::vector<HeldInvitation>> held_invitations(const store::ReadTxn& txn);
Result<std::optional<HeldInvitation>> held_invitation(const store::ReadTxn& txn, std::string_view id);
Status put_held_invitation(store::WriteTxn& txn, const HeldInvitation& h);

}  // namespace mlchain::node
