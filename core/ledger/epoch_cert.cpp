#include "mlchain/ledger/epoch_cert.h"

#include <set>

#include "mlchain/codec/fields.h"
#include "mlchain/crypto/hash.h"

namespace mlchain::ledger {
namespace {

using codec::Json;

constexpr std::string_view kEpochDomain = "mlchain-epoch-cert/1";

Json members_json(const std::vector<EpochMember>& members) {
  Json out = Json::array();
  for (const auto& m : members) out.push_back({{"name", m.name}, {"public_key", m.key.hex()}, {"address", m.address}});
  return out;
}

Json body_json(const EpochCertificate& c) {
  return {{"layer", c.layer},           {"genesis", c.genesis},           {"epoch", c.epoch},
          {"from_height", c.from_height}, {"members", members_json(c.members)}};
}

}  // namespace

Digest epoch_body_digest(const EpochCertificate& c) {
  Bytes out(kEpochDomain.begin(), kEpochDomain.end());
  out.push_back(0);
  auto body = codec::canonical_bytes(body_json(c));
  if (body.ok()) out.insert(out.end(), body->begin(), body->end());
  return crypto::sha256(out);
}

consensus::Attest epoch_vote(const EpochCertificate& c, consensus::ReplicaId signer) {
  return consensus::Attest{c.epoch - 1, 0, epoch_body_digest(c), signer, {}};
}

Json to_json(const EpochCertificate& c) {
  Json j = body_json(c);
  j["signatures"] = signatures_to_json(c.signatures);
  return j;
}

Result<EpochCertificate> epoch_certificate_from_json(const Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "epoch certificate"));
  MLCHAIN_TRY(codec::only_fields(j, {"layer", "genesis", "epoch", "from_height", "members", "signatures"},
                                 "epoch certificate"));
  EpochCertificate c;
  MLCHAIN_ASSIGN_OR_RETURN(c.layer, codec::get_string(j, "layer", 256));
  MLCHAIN_ASSIGN_OR_RETURN(Bytes g, codec::get_hex(j, "genesis", 32));
  c.genesis = to_hex(g);
  MLCHAIN_ASSIGN_OR_RETURN(c.epoch, codec::get_uint(j, "epoch"));
  if (c.epoch == 0) return invalid_argument("epoch certificate: epoch 0 is the genesis; it has no certificate");
  MLCHAIN_ASSIGN_OR_RETURN(c.from_height, codec::get_uint(j, "from_height"));
  MLCHAIN_ASSIGN_OR_RETURN(Json members, codec::get_array(j, "members", consensus::kMaxMembers));
  if (members.empty()) return invalid_argument("epoch certificate: an epoch has at least one member");
  std::set<crypto::PublicKey> seen;
  for (const auto& m : members) {
    MLCHAIN_TRY(codec::require_object(m, "epoch certificate member"));
    MLCHAIN_TRY(codec::only_fields(m, {"name", "public_key", "address"}, "epoch certificate member"));
    EpochMember em;
    MLCHAIN_ASSIGN_OR_RETURN(em.name, codec::get_string(m, "name", 64));
    MLCHAIN_ASSIGN_OR_RETURN(std::string key, codec::get_string(m, "public_key", 64));
    MLCHAIN_ASSIGN_OR_RETURN(em.key, crypto::PublicKey::from_hex(key));
    MLCHAIN_ASSIGN_OR_RETURN(em.address, codec::get_string(m, "address", 512));
    if (!em.address.empty() && em.address.rfind("https://", 0) != 0)
      return invalid_argument("epoch certificate: member address '" + em.address + "' is not https://host:port");
    if (!seen.insert(em.key).second)
      return invalid_argument("epoch certificate: member " + em.key.key_id() + " is listed twice");
    c.members.push_back(std::move(em));
  }
  MLCHAIN_ASSIGN_OR_RETURN(c.signatures, signatures_from_json(j, "signatures", "epoch certificate signature"));
  return c;
}

Result<EpochsAnswer> read_epochs_answer(const Json& answer, consensus::Epoch trusted) {
  MLCHAIN_TRY(codec::require_object(answer, "epochs answer"));
  MLCHAIN_ASSIGN_OR_RETURN(Json list, codec::get_array(answer, "certificates", kMaxEpochChain));
  EpochsAnswer out;
  if (list.empty()) {
    auto epoch = codec::get_uint(answer, "epoch");
    out.nothing_newer = epoch.ok() && *epoch <= trusted;
    return out;
  }
  for (const auto& c : list) {
    MLCHAIN_ASSIGN_OR_RETURN(auto cert, epoch_certificate_from_json(c));
    out.chain.push_back(std::move(cert));
  }
  return out;
}

consensus::EpochConfig config_of(const TrustedMembers& t) {
  consensus::EpochConfig c;
  c.epoch = t.epoch;
  for (const auto& m : t.members) c.members.push_back(m.key);
  return c;
}

Result<TrustedMembers> follow_epochs(const TrustedMembers& from, const std::vector<EpochCertificate>& chain,
                                     const crypto::Verifier& verifier) {
  TrustedMembers at = from;
  for (const auto& c : chain) {
    if (c.epoch <= at.epoch) continue;  // trusted already, or older: never a step back
    std::string what = "epoch certificate " + std::to_string(c.epoch) + " of " + c.layer;
    if (c.layer != at.layer) return verification_failed(what + ": it is not for layer " + at.layer);
    if (!at.genesis.empty() && c.genesis != at.genesis)
      return verification_failed(what + ": it is for genesis " + c.genesis + ", not " + at.genesis);
    if (c.epoch != at.epoch + 1)
      return verification_failed(what + ": the chain jumps from epoch " + std::to_string(at.epoch) +
                                 "; every certificate in between is needed");
    if (c.members.empty() || c.members.size() > consensus::kMaxMembers)
      return verification_failed(what + ": " + std::to_string(c.members.size()) + " members");
    consensus::EpochConfig before = config_of(at);
    consensus::Attest vote = epoch_vote(c, 0);
    std::set<consensus::ReplicaId> signers;
    for (const auto& [r, sig] : c.signatures) {
      if (r >= before.n())
        return verification_failed(what + ": replica " + std::to_string(r) + " is not a member of epoch " +
                                   std::to_string(at.epoch) + " (" + std::to_string(before.n()) + " members)");
      if (!signers.insert(r).second)
        return verification_failed(what + ": replica " + std::to_string(r) + " signed twice");
      vote.replica = r;
      vote.sig = sig;
      if (!consensus::verify_part(vote, before.members[r], verifier))
        return verification_failed(what + ": the signature of " + before.members[r].key_id() + " (replica " +
                                   std::to_string(r) + " of epoch " + std::to_string(at.epoch) + ") does not verify");
    }
    std::size_t need = before.f() + 1;
    if (signers.size() < need)
      return verification_failed(what + ": " + std::to_string(signers.size()) + " signatures of epoch " +
                                 std::to_string(at.epoch) + "'s members, " + std::to_string(need) + " (f+1 of " +
                                 std::to_string(before.n()) + ") needed");
    at.genesis = c.genesis;
    at.epoch = c.epoch;
    at.members = c.members;
  }
  return at;
}

// ---- collector ----

std::optional<EpochCertificate> EpochVoteCollector::check(Pending& p, const consensus::Attest& v,
                                                          const consensus::EpochConfig& before,
                                                          const crypto::Verifier& verifier) {
  if (p.done || p.valid.count(v.replica)) return std::nullopt;
  if (v.block_hash != p.digest) {
    drop("epoch_vote_mismatch");
    return std::nullopt;
  }
  if (!consensus::verify_part(v, before.members[v.replica], verifier)) {
    drop("epoch_vote_bad_signature");
    return std::nullopt;
  }
  p.valid.emplace(v.replica, v.sig);
  if (p.valid.size() < before.f() + 1) return std::nullopt;
  p.done = true;
  ++completed_;
  EpochCertificate c = *p.body;
  c.signatures.assign(p.valid.begin(), p.valid.end());
  p.waiting.clear();
  return c;
}

std::optional<EpochCertificate> EpochVoteCollector::body(EpochCertificate body, const consensus::EpochConfig& before,
                                                         const crypto::Verifier& verifier) {
  consensus::Epoch e = body.epoch;
  if (e == 0 || before.epoch + 1 != e) return std::nullopt;
  newest_ = std::max(newest_, e);
  // Forget epochs far below: their certificates were stored or never will be.
  while (!pending_.empty() && pending_.begin()->first + kWindow < newest_) pending_.erase(pending_.begin());
  auto& p = pending_[e];
  if (p.body) return std::nullopt;
  p.digest = epoch_body_digest(body);
  p.body = std::move(body);
  auto waiting = std::move(p.waiting);
  p.waiting.clear();
  for (const auto& [r, v] : waiting) {
    if (auto done = check(p, v, before, verifier)) return done;
  }
  return std::nullopt;
}

std::optional<EpochCertificate> EpochVoteCollector::vote(const consensus::Attest& v, const crypto::PublicKey& from,
                                                         const consensus::EpochConfig& before,
                                                         const crypto::Verifier& verifier) {
  if (before.epoch != v.epoch || v.replica >= before.n() || before.members[v.replica] != from) {
    drop("epoch_vote_sender");
    return std::nullopt;
  }
  consensus::Epoch e = v.epoch + 1;
  if (e + kWindow < newest_ || e > newest_ + kWindow) {
    drop("epoch_vote_window");
    return std::nullopt;
  }
  auto& p = pending_[e];
  if (!p.body) {
    if (p.waiting.size() < before.n()) p.waiting[v.replica] = v;
    return std::nullopt;
  }
  return check(p, v, before, verifier);
}

}  // namespace mlchain::ledger
