#include "mlchain/ledger/verify.h"

#include <algorithm>
#include <set>

namespace mlchain::ledger {

Status verify_certificate(const Block& block, const consensus::EpochConfig& config, const crypto::Verifier& verifier) {
  if (block.height == 0) return verification_failed("block 0 is the genesis block; it has no commit certificate");
  if (block.certificate.epoch != config.epoch)
    return verification_failed("certificate of block " + std::to_string(block.height) + " is for epoch " +
                               std::to_string(block.certificate.epoch) + ", checked against epoch " +
                               std::to_string(config.epoch));
  std::set<consensus::ReplicaId> signers;
  for (const auto& c : certificate_commits(block)) {
    if (c.replica >= config.n())
      return verification_failed("certificate of block " + std::to_string(block.height) + " names replica " +
                                 std::to_string(c.replica) + ", not a member");
    if (!signers.insert(c.replica).second)
      return verification_failed("certificate of block " + std::to_string(block.height) + " counts replica " +
                                 std::to_string(c.replica) + " twice");
    if (!consensus::verify_part(c, config.members[c.replica], verifier))
      return verification_failed("certificate of block " + std::to_string(block.height) +
                                 ": bad commit signature of replica " + std::to_string(c.replica));
  }
  if (signers.size() < config.quorum())
    return verification_failed("certificate of block " + std::to_string(block.height) + " has " +
                               std::to_string(signers.size()) + " signatures; a quorum of " +
                               std::to_string(config.quorum()) + " is needed");
  return {};
}

Status verify_link(const Block& prev, const Block& next) {
  if (next.height != prev.height + 1)
    return verification_failed("block " + std::to_string(next.height) + " does not follow block " +
                               std::to_string(prev.height));
  if (next.prev_hash != prev.hash())
    return verification_failed("block " + std::to_string(next.height) + ": prev_hash does not match block " +
                               std::to_string(prev.height));
  if (next.time_ms != std::max(next.certificate.proposed_time_ms, prev.time_ms))
    return verification_failed("block " + std::to_string(next.height) + ": time is not max(proposed, previous)");
  return {};
}

}  // namespace mlchain::ledger
