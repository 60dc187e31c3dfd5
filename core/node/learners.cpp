// Learner permits (signed_op.h): a node that is not a member yet may fetch
// committed blocks from the members while an admin's permit for its key
// holds, so it replays the chain before the add-member makes it count in
// the quorum. Nothing else is sent to it: its link takes no broadcast
// (net/peer.h may_link), and of what it sends only FetchBlocks is read.
#include <algorithm>

#include "mlchain/common/clock.h"
#include "mlchain/node/invitation.h"
#include "node_impl.h"

namespace mlchain::node {

bool Node::Impl::learner_permitted(const crypto::PublicKey& k) const {
  std::lock_guard lock(members_mu);
  if (member_keys.count(k) != 0) return false;  // a member links as a member
  auto it = learner_permits.find(k);
  return it != learner_permits.end() && it->second > unix_millis(SystemClock().now());
}

net::Response Node::Impl::receive_learner_permit(const std::string& body) {
  auto fail = [this](int status, const std::string& code, const std::string& message) {
    count_rejected_op(code == "not_authorized" ? "not_authorized" : "bad_request");
    return error(status, code, message);
  };
  auto j = codec::parse(body, codec::ParseLimits{16 * 1024, 3, 1024, 16});
  if (!j.ok()) return fail(400, "bad_request", "a learner permit is a JSON object: " + j.status().message());
  std::int64_t now = unix_millis(SystemClock().now());
  Result<LearnerPermit> permit = invalid_argument("no permit");
  Status st;
  if (j->is_object() && j->contains("invitation")) {
    // An admin's invitation into this layer stands in for a permit, for the
    // invited key, until it expires (at most kLearnerPermitMaxMs from now).
    if (j->size() != 1) return fail(400, "bad_request", "the body is {\"invitation\": {...}} and nothing else");
    auto inv = invitation_from_json((*j)["invitation"]);
    if (!inv.ok()) return fail(400, "bad_request", inv.status().message());
    st = check_invitation_for_layer(*inv, genesis.hash_hex, genesis.blueprint.admin_keys, now, verifier);
    permit = LearnerPermit{inv->invitee, std::min(inv->expires_ms, now + kLearnerPermitMaxMs), inv->admin, inv->sig};
  } else {
    permit = learner_permit_from_json(*j);
    if (!permit.ok()) return fail(400, "bad_request", permit.status().message());
    st = check_learner_permit(*permit, genesis.hash_hex, genesis.blueprint.admin_keys, now, verifier);
  }
  if (!st.ok()) {
    switch (st.code()) {
      case ErrorCode::kPermissionDenied: return fail(403, "not_authorized", st.message());
      case ErrorCode::kVerificationFailed: return fail(401, "bad_signature", st.message());
      default: return fail(400, "bad_request", st.message());
    }
  }
  if (permit->key == key->public_key()) return fail(400, "bad_request", "a learner permit for this node's own key");
  {
    std::lock_guard lock(members_mu);
    if (member_keys.count(permit->key) != 0)
      return fail(409, "already_member", "the key is a member of the current epoch; it needs no permit");
    for (auto it = learner_permits.begin(); it != learner_permits.end();) {
      if (it->second <= now) it = learner_permits.erase(it);
      else ++it;
    }
    if (learner_permits.count(permit->key) == 0 && learner_permits.size() >= kMaxLearnerPermits) {
      auto soonest = std::min_element(learner_permits.begin(), learner_permits.end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; });
      learner_permits.erase(soonest);
    }
    auto& until = learner_permits[permit->key];
    until = std::max(until, permit->expires_ms);
  }
  log.info("learner permit accepted", {{"learner", permit->key.key_id()}, {"admin", member_name(permit->admin)},
                                       {"expires_ms", std::to_string(permit->expires_ms)}});
  codec::Json out = {{"permitted", permit->key.hex()}, {"expires_ms", permit->expires_ms}};
  return net::Response::json(200, out.dump());
}

void Node::Impl::serve_learner(const crypto::PublicKey& learner, const consensus::FetchBlocks& fetch) {
  if (!replica || !learner_permitted(learner)) return;
  if (learner_served.size() > 4 * kMaxLearnerPermits) learner_served.clear();
  auto now = std::chrono::steady_clock::now();
  auto& [since, count] = learner_served[learner];
  if (now - since >= options.fetch_timeout) {
    since = now;
    count = 0;
  }
  if (++count > options.max_serves) return;  // it asks again after its fetch timeout
  auto budget = consensus::byte_budget(options, replica->config().n());
  auto batches = ledger->committed_batches(fetch.from_seq, options.max_fetch_blocks, budget.bundle);
  if (!batches.ok()) {
    log.warn("cannot serve blocks to a learner",
             {{"learner", learner.key_id()}, {"from", std::to_string(fetch.from_seq)}, {"error", batches.status().to_string()}});
    return;
  }
  if (batches->empty()) return;
  outbox.emplace_back(learner, consensus::encode(*replica->make_block_bundle(std::move(batches).value(), false)));
  flush();
}

}  // namespace mlchain::node
