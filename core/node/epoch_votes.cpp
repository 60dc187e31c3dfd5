// Certificates of this layer's epoch switches (ledger/epoch_cert.h): every
// member of the epoch before a switch signs the new member set when it
// applies the switch; f+1 matching signatures make the certificate, stored
// in table epoch_certs (node/epochs.h) and served at GET /v1/epochs, from
// where the neighbours follow the layer's membership.
#include "mlchain/node/epochs.h"
#include "node_impl.h"

namespace mlchain::node {

ledger::EpochCertificate Node::Impl::epoch_body(const consensus::EpochConfig& next, std::uint64_t from_height) const {
  ledger::EpochCertificate c;
  c.layer = genesis.blueprint.layer_path;
  c.genesis = genesis.hash_hex;
  c.epoch = next.epoch;
  c.from_height = from_height;
  for (const auto& k : next.members) {
    ledger::EpochMember m{k.key_id(), k, ""};
    bool found = false;
    for (const auto& g : genesis.blueprint.members) {
      if (g.key != k) continue;
      m.name = g.name;
      m.address = g.address;
      found = true;
      break;
    }
    if (!found) {  // added by an ordered add-member: the directory (load_directory)
      if (auto it = known_addresses.find(k); it != known_addresses.end()) m.address = it->second;
      std::lock_guard lock(members_mu);
      if (auto it = known_names.find(k); it != known_names.end()) m.name = it->second;
    }
    c.members.push_back(std::move(m));
  }
  return c;
}

void Node::Impl::store_epoch_certificate(const ledger::EpochCertificate& c) {
  if (Status st = node::store_epoch_certificate(*store, c); !st.ok()) {
    log.warn("cannot store an epoch certificate", {{"epoch", std::to_string(c.epoch)}, {"error", st.message()}});
    return;
  }
  ++epoch_certs_stored;
  log.info("epoch certified", {{"epoch", std::to_string(c.epoch)}, {"n", std::to_string(c.members.size())},
                               {"signers", std::to_string(c.signatures.size())}});
}

void Node::Impl::epoch_switched(const consensus::EpochConfig& next, std::uint64_t from_height) {
  if (next.epoch == 0) return;
  {
    auto txn = store->begin_read();
    if (txn.ok()) {
      auto have = has_epoch_certificate(**txn, next.epoch);
      if (have.ok() && *have) return;
    }
  }
  const auto* before = config_of_epoch(next.epoch - 1);
  if (!before) {
    log.warn("cannot certify the epoch switch: the previous epoch's members are unknown",
             {{"epoch", std::to_string(next.epoch)}});
    return;
  }
  consensus::EpochConfig prev = *before;  // config_of_epoch's cache may move
  ledger::EpochCertificate body = epoch_body(next, from_height);
  if (auto done = epoch_votes.body(body, prev, verifier)) return store_epoch_certificate(*done);
  auto self = prev.index_of(key->public_key());
  if (!self) return;  // not a member before the switch: others vouch for it
  auto mine = consensus::signed_part(ledger::epoch_vote(body, *self), *signer);
  recent_epoch_votes.push_back(mine);
  if (recent_epoch_votes.size() > 8) recent_epoch_votes.pop_front();
  if (peers) {
    // To the members before and after the switch: a member that just left
    // still holds its links (it signs too), a newcomer collects as well.
    queue_send(std::nullopt, consensus::encode(consensus::Message(mine)));
  }
  if (auto done = epoch_votes.vote(mine, key->public_key(), prev, verifier)) store_epoch_certificate(*done);
}

void Node::Impl::on_epoch_vote(const crypto::PublicKey& from, const consensus::Attest& v) {
  const auto* before = config_of_epoch(v.epoch);
  if (!before) return;  // a switch this chain has not reached
  consensus::EpochConfig prev = *before;
  if (auto done = epoch_votes.vote(v, from, prev, verifier)) store_epoch_certificate(*done);
}

}  // namespace mlchain::node
