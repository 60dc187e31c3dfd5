// Block attestations: what certifies a block's header.
//
// A commit certificate signs (epoch, view, seq, batch digest): the ops and
// the proposed time, not what executing them gave. So after a member applies
// block h it signs consensus::Attest{epoch, h, Block::hash()}: the hash
// covers the whole header — prev_hash, time, ops and the results digest. An
// attestation is f+1 such signatures from distinct members of the block's
// epoch: at least one is honest, an honest member signs only a block it
// applied, and applying a committed batch is deterministic, so the header is
// the one every honest member holds. A batch that was certified but never
// applied (a "ghost" above an epoch boundary, discarded at the switch) is
// never attested.
//
// AttestationCollector gathers them on a node (pure: no clock, no I/O).
// Peers' attestations for a height are kept, unverified, until this node
// applied that height itself; then only those naming the same hash are
// verified, and only until f+1 match (an attestation for another hash is
// dropped and counted: a byzantine member, or this node diverged). Memory:
// at most n entries per height, for heights within `window` of the applied
// height.
//
// Thread safety: none (the node's driver thread owns the collector).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/consensus/messages.h"
#include "mlchain/ledger/block.h"

namespace mlchain::ledger {

struct BlockAttestation {
  consensus::Epoch epoch = 0;
  std::uint64_t height = 0;
  Digest block_hash{};
  Signatures signatures;
};

// {"epoch", "height", "block", "signatures": [{"replica", "sig"}]}
codec::Json to_json(const BlockAttestation& a);
Result<BlockAttestation> attestation_from_json(const codec::Json& j);

// The signed message behind signature `i`.
consensus::Attest attest_message(const BlockAttestation& a, std::size_t i);

// Ok iff a.block_hash == block.hash(), a.height == block.height, a.epoch ==
// config.epoch == the block certificate's epoch, and at least f+1 distinct
// members of `config` signed it. VerificationFailed names what failed.
Status verify_attestation(const Block& block, const BlockAttestation& a, const consensus::EpochConfig& config,
                          const crypto::Verifier& verifier);

class AttestationCollector {
 public:
  explicit AttestationCollector(std::uint64_t window = 256) : window_(window) {}

  // This node applied block `mine.seq` of epoch `config` (config.epoch ==
  // mine.epoch) and signed it. Returns the attestation if it is now complete.
  std::optional<BlockAttestation> own(const consensus::Attest& mine, const consensus::EpochConfig& config,
                                      const crypto::Verifier& verifier);
  // A peer's, from the member the transport authenticated as `from`;
  // `config` is the members of epoch a.epoch (the caller looks it up; an
  // unknown epoch is the caller's drop). Returns the attestation if this
  // completes it.
  std::optional<BlockAttestation> peer(const consensus::Attest& a, const crypto::PublicKey& from,
                                       const consensus::EpochConfig& config, const crypto::Verifier& verifier);

  // Drops by reason ("attest_sender", "attest_window", "attest_mismatch",
  // "attest_bad_signature").
  const std::map<std::string, std::uint64_t>& drops() const { return drops_; }
  std::size_t heights_tracked() const { return heights_.size(); }
  std::uint64_t completed() const { return completed_; }

 private:
  struct Height {
    consensus::Epoch epoch = 0;
    std::optional<Digest> own;
    bool done = false;
    std::map<consensus::ReplicaId, consensus::Attest> waiting;  // before own: unverified
    std::map<consensus::ReplicaId, crypto::Signature> matching;  // verified, naming own
  };
  std::optional<BlockAttestation> take(consensus::Seq seq, Height& h, const consensus::EpochConfig& config,
                                       const crypto::Verifier& verifier);
  void forget_old();

  std::uint64_t window_;
  consensus::Seq applied_ = 0;  // the highest height this node attested
  std::map<consensus::Seq, Height> heights_;
  std::map<std::string, std::uint64_t> drops_;
  std::uint64_t completed_ = 0;
};

}  // namespace mlchain::ledger
