#include "mlchain/node/invitation.h"

#include <algorithm>

#include "mlchain/codec/fields.h"

namespace mlchain::node {
namespace {

using codec::Json;

bool is_hex(const std::string& s, std::size_t len) {
  return s.size() == len && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Json unsigned_json(const Invitation& inv) {
  return {{"id", inv.id},
          {"layer", inv.layer},
          {"genesis", inv.genesis},
          {"contacts", inv.contacts},
          {"invitee", inv.invitee.hex()},
          {"invitee_layer", inv.invitee_layer},
          {"expires_ms", inv.expires_ms},
          {"admin", inv.admin.hex()}};
}

}  // namespace

Bytes invitation_bytes(const Invitation& inv) {
  Json j = unsigned_json(inv);
  j["purpose"] = "mlchain-invite/1";
  auto b = codec::canonical_bytes(j);
  return b.ok() ? std::move(b).value() : Bytes{};
}

Invitation sign_invitation(const crypto::PrivateKey& admin, Invitation inv) {
  inv.admin = admin.public_key();
  inv.sig = admin.sign(invitation_bytes(inv));
  return inv;
}

codec::Json to_json(const Invitation& inv) {
  Json j = unsigned_json(inv);
  j["sig"] = crypto::signature_hex(inv.sig);
  return j;
}

Result<Invitation> invitation_from_json(const codec::Json& j) {
  if (!j.is_object()) return invalid_argument("an invitation must be a JSON object");
  MLCHAIN_TRY(codec::only_fields(
      j, {"id", "layer", "genesis", "contacts", "invitee", "invitee_layer", "expires_ms", "admin", "sig"}, "invitation"));
  Invitation inv;
  MLCHAIN_ASSIGN_OR_RETURN(inv.id, codec::get_string(j, "id", 32));
  if (!is_hex(inv.id, 32)) return invalid_argument("an invitation id is 32 lowercase hex characters");
  MLCHAIN_ASSIGN_OR_RETURN(inv.layer, codec::get_string(j, "layer", 256));
  MLCHAIN_ASSIGN_OR_RETURN(inv.genesis, codec::get_string(j, "genesis", 64));
  if (!is_hex(inv.genesis, 64)) return invalid_argument("an invitation's genesis is a hash (64 lowercase hex)");
  MLCHAIN_ASSIGN_OR_RETURN(Json contacts, codec::get_array(j, "contacts", kMaxInvitationContacts));
  if (contacts.empty()) return invalid_argument("an invitation names at least one member to contact");
  for (const auto& c : contacts) {
    if (!c.is_string() || c.get<std::string>().size() > 512 || c.get<std::string>().rfind("https://", 0) != 0)
      return invalid_argument("an invitation's contacts are https:// URLs (at most 512 bytes)");
    inv.contacts.push_back(c.get<std::string>());
  }
  MLCHAIN_ASSIGN_OR_RETURN(std::string invitee, codec::get_string(j, "invitee", 64));
  MLCHAIN_ASSIGN_OR_RETURN(inv.invitee_layer, codec::get_string(j, "invitee_layer", 256));
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t expires, codec::get_uint(j, "expires_ms"));
  if (expires > static_cast<std::uint64_t>(INT64_MAX)) return invalid_argument("invitation expiry out of range");
  inv.expires_ms = static_cast<std::int64_t>(expires);
  MLCHAIN_ASSIGN_OR_RETURN(std::string admin, codec::get_string(j, "admin", 64));
  MLCHAIN_ASSIGN_OR_RETURN(std::string sig, codec::get_string(j, "sig", 128));
  auto k = crypto::PublicKey::from_hex(invitee);
  auto a = crypto::PublicKey::from_hex(admin);
  auto s = crypto::signature_from_hex(sig);
  if (!k.ok() || !a.ok() || !s.ok()) return invalid_argument("an invitation has a malformed key or signature");
  inv.invitee = *k;
  inv.admin = *a;
  inv.sig = *s;
  if (inv.layer.empty() || inv.invitee_layer.empty()) return invalid_argument("an invitation names both layers");
  if (inv.layer == inv.invitee_layer) return invalid_argument("an invitation into the layer the node is already in");
  return inv;
}

Status check_invitation(const Invitation& inv, std::int64_t now_ms, const crypto::Verifier& verifier) {
  if (now_ms >= 0) {
    if (inv.expires_ms <= now_ms) return invalid_argument("the invitation " + inv.id + " has expired");
    if (inv.expires_ms - now_ms > kInvitationMaxMs)
      return invalid_argument("an invitation may run at most " + std::to_string(kInvitationMaxMs / 3'600'000) + " h");
  }
  if (!verifier.verify(inv.admin, invitation_bytes(inv), inv.sig))
    return verification_failed("the invitation's signature does not verify against its admin key " + inv.admin.key_id());
  return {};
}

Status check_invitation_for_layer(const Invitation& inv, const std::string& genesis,
                                  const std::vector<crypto::PublicKey>& admin_keys, std::int64_t now_ms,
                                  const crypto::Verifier& verifier) {
  if (inv.genesis != genesis)
    return invalid_argument("the invitation is into the layer of genesis " + inv.genesis + ", not " + genesis);
  if (std::find(admin_keys.begin(), admin_keys.end(), inv.admin) == admin_keys.end())
    return permission_denied("the invitation is signed by " + inv.admin.key_id() +
                             ", which is not an admin key of " + inv.layer + " (its blueprint's admin_keys)");
  return check_invitation(inv, now_ms, verifier);
}

std::string_view state_name(InvitationState s) {
  switch (s) {
    case InvitationState::kPending: return "pending";
    case InvitationState::kAccepted: return "accepted";
    case InvitationState::kRefused: return "refused";
  }
  return "?";
}

codec::Json to_json(const HeldInvitation& h, std::int64_t now_ms) {
  Json j = {{"invitation", to_json(h.invitation)},
            {"state", state_name(h.state)},
            {"received_ms", h.received_ms},
            {"expired", h.invitation.expires_ms <= now_ms}};
  if (h.decided_ms != 0) j["decided_ms"] = h.decided_ms;
  return j;
}

namespace {

Result<HeldInvitation> held_from_row(std::string_view value) {
  auto j = codec::parse(value);
  if (!j.ok() || !j->is_object()) return corruption("an invitations row is not a JSON object");
  HeldInvitation h;
  auto inv = j->contains("invitation") ? invitation_from_json((*j)["invitation"]) : invalid_argument("no invitation");
  if (!inv.ok()) return corruption("an invitations row: " + inv.status().message());
  h.invitation = std::move(inv).value();
  std::string state = j->value("state", "");
  if (state == "pending") h.state = InvitationState::kPending;
  else if (state == "accepted") h.state = InvitationState::kAccepted;
  else if (state == "refused") h.state = InvitationState::kRefused;
  else return corruption("an invitations row has state " + state);
  h.received_ms = j->value("received_ms", std::int64_t{0});
  h.decided_ms = j->value("decided_ms", std::int64_t{0});
  return h;
}

}  // namespace

Result<std::vector<HeldInvitation>> held_invitations(const store::ReadTxn& txn) {
  std::vector<HeldInvitation> out;
  MLCHAIN_ASSIGN_OR_RETURN(auto cur, txn.cursor(kInvitationsTable));
  MLCHAIN_TRY(cur->first());
  while (cur->valid()) {
    MLCHAIN_ASSIGN_OR_RETURN(auto h, held_from_row(cur->value()));
    out.push_back(std::move(h));
    MLCHAIN_TRY(cur->next());
  }
  return out;
}

Result<std::optional<HeldInvitation>> held_invitation(const store::ReadTxn& txn, std::string_view id) {
  MLCHAIN_ASSIGN_OR_RETURN(auto row, txn.get(kInvitationsTable, id));
  if (!row) return std::optional<HeldInvitation>();
  MLCHAIN_ASSIGN_OR_RETURN(auto h, held_from_row(*row));
  return std::optional<HeldInvitation>(std::move(h));
}

Status put_held_invitation(store::WriteTxn& txn, const HeldInvitation& h) {
  Json j = {{"invitation", to_json(h.invitation)},
            {"state", state_name(h.state)},
            {"received_ms", h.received_ms},
            {"decided_ms", h.decided_ms}};
  return txn.put(kInvitationsTable, h.invitation.id, j.dump());
}

}  // namespace mlchain::node
