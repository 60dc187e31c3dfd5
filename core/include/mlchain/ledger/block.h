// Blocks: each committed PBFT batch becomes one block.
//
//   {height, prev_hash, time, ops, results_digest, certificate}  (+ config at genesis)
//
// height == the PBFT sequence number. time is the primary's timestamp, made
// monotonic: time = max(certificate.proposed_time, previous block's time);
// replicas accepted proposed_time only within their clock-skew bound.
// The block hash is SHA-256 over the canonical JSON of the header — every
// field except the certificate, because different replicas hold different
// (equally valid) quorums of commit signatures for the same block.
//
// The certificate is a quorum of commit signatures over
// (epoch, view, seq, batch digest), batch digest =
// consensus::batch_digest(proposed_time, ops); verify.h checks it.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/consensus/messages.h"

namespace mlchain::ledger {

using consensus::Digest;

// Signatures by replica id (a commit certificate's, an attestation's).
using Signatures = std::vector<std::pair<consensus::ReplicaId, crypto::Signature>>;
// [{"replica", "sig"}]; reading is strict: at most kMaxMembers entries, ids
// below kMaxMembers, 64-byte signatures. `what` names the list in errors.
codec::Json signatures_to_json(const Signatures& sigs);
Result<Signatures> signatures_from_json(const codec::Json& owner, std::string_view field, std::string_view what);

struct CommitCertificate {
  consensus::Epoch epoch = 0;
  consensus::View view = 0;
  std::int64_t proposed_time_ms = 0;
  Signatures signatures;
};

struct Block {
  std::uint64_t height = 0;
  Digest prev_hash{};
  std::int64_t time_ms = 0;
  std::vector<consensus::Request> ops;
  Digest results_digest{};
  std::optional<codec::Json> config;  // genesis only: the blueprint
  CommitCertificate certificate;      // empty at genesis

  Digest hash() const;
};

codec::Json header_json(const Block& b);
codec::Json to_json(const Block& b);

// What the ledger writes for a block: its hash and the canonical JSON of
// to_json(b), from one header_json() (hash() and to_json() each build it).
struct EncodedBlock {
  Digest hash{};
  std::string text;
};
Result<EncodedBlock> encode_block(const Block& b);
Result<Block> block_from_json(const codec::Json& j);

// SHA-256 over canonical JSON of the list of results (hex strings).
Digest results_digest(const std::vector<Bytes>& results);

// The commit messages a certificate stands for (for verification and for
// state transfer).
std::vector<consensus::Commit> certificate_commits(const Block& b);
// The batch as it was proposed (signature not kept; not needed, the commits
// certify it).
consensus::PrePrepare proposed_batch(const Block& b, const consensus::EpochConfig& config);

}  // namespace mlchain::ledger
