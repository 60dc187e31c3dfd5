// Invitations this node holds (node/invitation.h): kept in table
// "invitations" until its operator accepts or refuses them. Anyone may
// deliver one (it must be for this node's key and correctly signed; at most
// kMaxPendingInvitations wait at once); only the node's own key or an admin
// key of its layer may list or decide them (signed requests); the state of
// one invitation is public to whoever knows its 128-bit id (the inviter).
#include <algorithm>

#include "mlchain/common/clock.h"
#include "mlchain/node/invitation.h"
#include "node_impl.h"

namespace mlchain::node {
namespace {

std::string dump(const codec::Json& j) { return j.dump(-1, ' ', false, codec::Json::error_handler_t::replace); }

bool is_id(const std::string& id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

net::Response Node::Impl::receive_invitation(const std::string& body) {
  auto j = codec::parse(body, codec::ParseLimits{16 * 1024, 3, 1024, 16});
  if (!j.ok()) return error(400, "bad_request", "an invitation is a JSON object: " + j.status().message());
  auto inv = invitation_from_json(*j);
  if (!inv.ok()) return error(400, "bad_request", inv.status().message());
  if (inv->invitee != key->public_key())
    return error(404, "not_invited", "the invitation is for " + inv->invitee.key_id() + "; this node is " +
                                         key->public_key().key_id());
  if (inv->genesis == genesis.hash_hex)
    return error(400, "bad_request", "the invitation is into the layer this node is already in");
  if (inv->invitee_layer != genesis.blueprint.layer_path)
    return error(400, "bad_request", "the invitation says the node leaves " + inv->invitee_layer + "; it is a member of " +
                                         genesis.blueprint.layer_path);
  std::int64_t now = unix_millis(SystemClock().now());
  if (Status st = check_invitation(*inv, now, verifier); !st.ok())
    return error(st.code() == ErrorCode::kVerificationFailed ? 401 : 400,
                 st.code() == ErrorCode::kVerificationFailed ? "bad_signature" : "bad_request", st.message());
  int status = 201;
  std::string problem;
  Status st = store->write([&](store::WriteTxn& txn) -> Status {
    MLCHAIN_ASSIGN_OR_RETURN(auto held, held_invitations(txn));
    std::size_t pending = 0;
    for (const auto& h : held) {
      if (h.invitation.id == inv->id) {
        if (h.invitation == *inv) {
          status = 200;  // delivered again: nothing changes
          return {};
        }
        status = 409;
        problem = "another invitation with id " + inv->id + " is held";
        return {};
      }
      if (h.invitation.expires_ms <= now) {
        MLCHAIN_TRY(txn.del(kInvitationsTable, h.invitation.id));  // expired: forgotten
      } else if (h.state == InvitationState::kPending) {
        ++pending;
      }
    }
    if (pending >= kMaxPendingInvitations) {
      status = 429;
      problem = std::to_string(pending) + " invitations already wait for this node's operator";
      return {};
    }
    return put_held_invitation(txn, HeldInvitation{*inv, InvitationState::kPending, now, 0});
  });
  if (!st.ok()) return error(500, "internal", st.to_string());
  if (status == 409) return error(409, "conflict", problem);
  if (status == 429) return error(429, "too_many_invitations", problem);
  if (status == 201)
    log.info("invitation received", {{"id", inv->id}, {"into", inv->layer}, {"admin", inv->admin.key_id()}});
  return net::Response::json(status, dump({{"id", inv->id}, {"state", "pending"}, {"layer", inv->layer}}));
}

net::Response Node::Impl::list_invitations(const net::Request& req) {
  std::int64_t now = unix_millis(SystemClock().now());
  auto asker = check_signed_query(req.headers, genesis.hash_hex, "/v1/invitations", now, verifier);
  if (!asker.ok()) return error(401, "bad_signature", asker.status().message());
  const auto& admins = genesis.blueprint.admin_keys;
  if (*asker != key->public_key() && std::find(admins.begin(), admins.end(), *asker) == admins.end())
    return error(403, "not_authorized", "only this node's own key or an admin key of " + genesis.blueprint.layer_path +
                                            " may list its invitations");
  auto txn = store->begin_read();
  if (!txn.ok()) return error(500, "internal", txn.status().to_string());
  auto held = held_invitations(**txn);
  if (!held.ok()) return error(500, "internal", held.status().to_string());
  codec::Json list = codec::Json::array();
  for (const auto& h : *held) list.push_back(to_json(h, now));
  return net::Response::json(200, dump({{"node", key->public_key().hex()},
                                        {"layer", genesis.blueprint.layer_path},
                                        {"invitations", std::move(list)}}));
}

net::Response Node::Impl::invitation_status(const std::string& id) {
  if (!is_id(id)) return error(400, "bad_request", "an invitation id is 32 lowercase hex characters");
  auto txn = store->begin_read();
  if (!txn.ok()) return error(500, "internal", txn.status().to_string());
  auto h = held_invitation(**txn, id);
  if (!h.ok()) return error(500, "internal", h.status().to_string());
  if (!*h) return error(404, "not_found", "this node holds no invitation " + id);
  std::int64_t now = unix_millis(SystemClock().now());
  return net::Response::json(200, dump({{"id", id},
                                        {"state", state_name((*h)->state)},
                                        {"expired", (*h)->invitation.expires_ms <= now}}));
}

net::Response Node::Impl::decide_invitation(const net::Request& req, const std::string& id, bool accept) {
  if (!is_id(id)) return error(400, "bad_request", "an invitation id is 32 lowercase hex characters");
  std::int64_t now = unix_millis(SystemClock().now());
  std::string path = "/v1/invitations/" + id + (accept ? "/accept" : "/refuse");
  auto asker = check_signed_query(req.headers, genesis.hash_hex, path, now, verifier);
  if (!asker.ok()) return error(401, "bad_signature", asker.status().message());
  const auto& admins = genesis.blueprint.admin_keys;
  if (*asker != key->public_key() && std::find(admins.begin(), admins.end(), *asker) == admins.end())
    return error(403, "not_authorized", "only this node's own key or an admin key of " + genesis.blueprint.layer_path +
                                            " may decide its invitations");
  InvitationState want = accept ? InvitationState::kAccepted : InvitationState::kRefused;
  int status = 200;
  std::string problem;
  HeldInvitation out;
  Status st = store->write([&](store::WriteTxn& txn) -> Status {
    MLCHAIN_ASSIGN_OR_RETURN(auto h, held_invitation(txn, id));
    if (!h) {
      status = 404;
      problem = "this node holds no invitation " + id;
      return {};
    }
    out = *h;
    if (h->state == want) return {};  // decided so already
    if (h->state != InvitationState::kPending) {
      status = 409;
      problem = "invitation " + id + " was already " + std::string(state_name(h->state));
      return {};
    }
    if (h->invitation.expires_ms <= now) {
      status = 410;
      problem = "invitation " + id + " has expired";
      return {};
    }
    out.state = want;
    out.decided_ms = now;
    return put_held_invitation(txn, out);
  });
  if (!st.ok()) return error(500, "internal", st.to_string());
  if (status == 404) return error(404, "not_found", problem);
  if (status == 409) return error(409, "conflict", problem);
  if (status == 410) return error(410, "expired", problem);
  log.info(accept ? "invitation accepted" : "invitation refused", {{"id", id}, {"into", out.invitation.layer}});
  return net::Response::json(200, dump(to_json(out, now)));
}

net::Response Node::Impl::genesis_document() const {
  return net::Response::json(200, dump({{"blueprint", ledger::to_json(genesis.blueprint)},
                                        {"genesis", ledger::to_json(genesis.genesis)},
                                        {"genesis_hash", genesis.hash_hex}}));
}

}  // namespace mlchain::node
