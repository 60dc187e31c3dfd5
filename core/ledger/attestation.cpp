#include "mlchain/ledger/attestation.h"

#include <algorithm>
#include <set>

#include "mlchain/codec/fields.h"

namespace mlchain::ledger {

using codec::Json;

Json to_json(const BlockAttestation& a) {
  return {{"epoch", a.epoch}, {"height", a.height}, {"block", crypto::digest_hex(a.block_hash)},
          {"signatures", signatures_to_json(a.signatures)}};
}

Result<BlockAttestation> attestation_from_json(const Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "attestation"));
  MLCHAIN_TRY(codec::only_fields(j, {"epoch", "height", "block", "signatures"}, "attestation"));
  BlockAttestation a;
  MLCHAIN_ASSIGN_OR_RETURN(a.epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(a.height, codec::get_uint(j, "height"));
  MLCHAIN_ASSIGN_OR_RETURN(Bytes h, codec::get_hex(j, "block", 32));
  std::copy(h.begin(), h.end(), a.block_hash.begin());
  MLCHAIN_ASSIGN_OR_RETURN(a.signatures, signatures_from_json(j, "signatures", "attestation signature"));
  return a;
}

consensus::Attest attest_message(const BlockAttestation& a, std::size_t i) {
  return consensus::Attest{a.epoch, a.height, a.block_hash, a.signatures.at(i).first, a.signatures.at(i).second};
}

Status verify_attestation(const Block& block, const BlockAttestation& a, const consensus::EpochConfig& config,
                          const crypto::Verifier& verifier) {
  std::string what = "attestation of block " + std::to_string(block.height);
  if (a.height != block.height) return verification_failed(what + " is for height " + std::to_string(a.height));
  if (a.epoch != config.epoch || a.epoch != block.certificate.epoch)
    return verification_failed(what + " is for epoch " + std::to_string(a.epoch) + "; the block is certified in epoch " +
                               std::to_string(block.certificate.epoch) + ", checked against epoch " +
                               std::to_string(config.epoch));
  if (a.block_hash != block.hash())
    return verification_failed(what + " names hash " + crypto::digest_hex(a.block_hash) +
                               ", but the block as given hashes to " + crypto::digest_hex(block.hash()) +
                               " (its header was changed)");
  std::set<consensus::ReplicaId> signers;
  for (std::size_t i = 0; i < a.signatures.size(); ++i) {
    auto m = attest_message(a, i);
    if (m.replica >= config.n())
      return verification_failed(what + " names replica " + std::to_string(m.replica) + ", not a member");
    if (!signers.insert(m.replica).second)
      return verification_failed(what + " counts replica " + std::to_string(m.replica) + " twice");
    if (!consensus::verify_part(m, config.members[m.replica], verifier))
      return verification_failed(what + ": bad signature of replica " + std::to_string(m.replica));
  }
  std::size_t need = config.f() + 1;
  if (signers.size() < need)
    return verification_failed(what + " has " + std::to_string(signers.size()) + " signatures; " +
                               std::to_string(need) + " (f+1) members must vouch for it");
  return {};
}

std::optional<BlockAttestation> AttestationCollector::own(const consensus::Attest& mine,
                                                          const consensus::EpochConfig& config,
                                                          const crypto::Verifier& verifier) {
  applied_ = std::max(applied_, mine.seq);
  forget_old();
  Height& h = heights_[mine.seq];
  if (h.done) return std::nullopt;
  h.epoch = mine.epoch;
  h.own = mine.block_hash;
  h.matching[mine.replica] = mine.sig;
  return take(mine.seq, h, config, verifier);
}

std::optional<BlockAttestation> AttestationCollector::peer(const consensus::Attest& a, const crypto::PublicKey& from,
                                                           const consensus::EpochConfig& config,
                                                           const crypto::Verifier& verifier) {
  if (a.epoch != config.epoch || a.replica >= config.n() || config.members[a.replica] != from) {
    ++drops_["attest_sender"];
    return std::nullopt;
  }
  if (a.seq == 0 || a.seq > applied_ + window_ || a.seq + window_ < applied_) {
    ++drops_["attest_window"];
    return std::nullopt;
  }
  auto it = heights_.find(a.seq);
  if (it != heights_.end() && it->second.done) return std::nullopt;  // complete: nothing more to check
  Height& h = heights_[a.seq];
  if (!h.own) {
    h.waiting[a.replica] = a;
    return std::nullopt;
  }
  if (a.epoch != h.epoch || a.block_hash != *h.own) {
    ++drops_["attest_mismatch"];
    return std::nullopt;
  }
  h.waiting[a.replica] = a;
  return take(a.seq, h, config, verifier);
}

std::optional<BlockAttestation> AttestationCollector::take(consensus::Seq seq, Height& h,
                                                           const consensus::EpochConfig& config,
                                                           const crypto::Verifier& verifier) {
  std::size_t need = config.f() + 1;
  for (auto& [r, a] : h.waiting) {
    if (h.matching.size() >= need) break;
    if (h.matching.count(r)) continue;
    if (a.epoch != h.epoch || a.block_hash != *h.own) {
      ++drops_["attest_mismatch"];
      continue;
    }
    if (!consensus::verify_part(a, config.members[r], verifier)) {
      ++drops_["attest_bad_signature"];
      continue;
    }
    h.matching[r] = a.sig;
  }
  h.waiting.clear();
  if (h.matching.size() < need) return std::nullopt;
  BlockAttestation out{h.epoch, seq, *h.own, {}};
  for (const auto& [r, s] : h.matching) out.signatures.emplace_back(r, s);
  h.done = true;
  h.matching.clear();
  ++completed_;
  return out;
}

void AttestationCollector::forget_old() {
  while (!heights_.empty() && heights_.begin()->first + window_ < applied_) heights_.erase(heights_.begin());
}

}  // namespace mlchain::ledger
