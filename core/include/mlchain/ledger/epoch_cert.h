// Epoch certificates: how a layer's neighbours follow its membership
// (DESIGN §3, issue 14 item 3).
//
// A layer's identity is its member set, and that set changes over its life
// (node join, node leave, mark-invalid: a new epoch at a checkpoint
// boundary). Its superior, its subordinates (edge layers included) and
// offline verifiers trust it by keys, so each switch is certified: when a
// member of epoch e-1 applies the switch to epoch e, it signs the new
// member set (names, keys, addresses, in replica order) together with the
// layer's path, its genesis hash and the first height of epoch e. f+1 such
// signatures of epoch e-1's members (at least one honest member saw the
// switch happen on its chain) make the certificate of epoch e.
//
// A neighbour that trusts epoch e-1 (from the blueprint: epoch 0) verifies
// the certificate of epoch e against the keys it holds and moves on; a chain
// of certificates e, e+1, ... leads from the genesis members to the current
// ones. Epochs never go back: a certificate of an epoch not above the one
// trusted changes nothing.
//
// On the wire a member's signature is a consensus::Attest with seq 0 (no
// block has height 0: block attestations start at 1), epoch e-1, replica =
// its index in epoch e-1 and block_hash = epoch_body_digest(): the peer link
// and the collector already carry those.
//
// Thread safety: pure functions; the collector belongs to one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/consensus/messages.h"
#include "mlchain/ledger/block.h"

namespace mlchain::ledger {

inline constexpr std::size_t kMaxEpochChain = 32;  // certificates per answer / per ordered op

struct EpochMember {
  std::string name;
  crypto::PublicKey key;
  std::string address;  // https://host:port, "" when the chain records none

  friend bool operator==(const EpochMember&, const EpochMember&) = default;
};

struct EpochCertificate {
  std::string layer;         // the layer's path
  std::string genesis;       // its genesis hash, hex
  consensus::Epoch epoch = 0;  // the epoch it starts, >= 1
  std::uint64_t from_height = 0;  // the first block of that epoch
  std::vector<EpochMember> members;  // epoch `epoch`, in replica order
  Signatures signatures;     // by replica index in epoch `epoch - 1`
};

// What each signer signs: SHA-256 of a domain tag and the canonical JSON of
// every field but the signatures.
Digest epoch_body_digest(const EpochCertificate& c);
// The message behind a signature by replica `signer` of epoch c.epoch - 1.
consensus::Attest epoch_vote(const EpochCertificate& c, consensus::ReplicaId signer);
inline bool is_epoch_vote(const consensus::Attest& a) { return a.seq == 0; }

// {"layer", "genesis", "epoch", "from_height", "members": [{"name",
// "public_key", "address"}], "signatures": [{"replica", "sig"}]}
codec::Json to_json(const EpochCertificate& c);
// Strict: unknown fields, bad keys, duplicate members, more than
// consensus::kMaxMembers members, epoch 0: InvalidArgument.
Result<EpochCertificate> epoch_certificate_from_json(const codec::Json& j);

// A GET /v1/epochs answer (untrusted) as seen by someone who trusts epoch
// `trusted`: the certificates it carries (parsed, not yet verified: give
// them to follow_epochs), or, when it carries none, whether the answering
// member says there is nothing newer (its epoch <= trusted) rather than
// that it has not collected the newer certificates yet. InvalidArgument
// when the answer or a certificate in it is malformed.
struct EpochsAnswer {
  std::vector<EpochCertificate> chain;
  bool nothing_newer = false;
};
Result<EpochsAnswer> read_epochs_answer(const codec::Json& answer, consensus::Epoch trusted);

// A member set someone trusts: the start of a chain.
struct TrustedMembers {
  std::string layer;
  std::string genesis;  // hex; "" when not known yet (the first certificate sets it)
  consensus::Epoch epoch = 0;
  std::vector<EpochMember> members;  // replica order of that epoch
};

// Follows `chain` from `from`. Certificates of epochs <= from.epoch are
// skipped (already trusted, or older: never a step back); the rest must be
// from.epoch+1, +2, ... without a gap, each for the same layer and genesis,
// with at least f+1 valid signatures of distinct members of the set before
// it (f of that set's size). Returns the last set (== from when nothing is
// newer). VerificationFailed names the certificate and what failed; nothing
// before it is returned then (all or nothing).
Result<TrustedMembers> follow_epochs(const TrustedMembers& from, const std::vector<EpochCertificate>& chain,
                                     const crypto::Verifier& verifier);

// The members' keys, for consensus-level checks.
consensus::EpochConfig config_of(const TrustedMembers& t);

// Gathers the signatures of one node's layer (pure: no clock, no I/O). The
// node gives it the body it computed itself when it applies a switch
// (body()), its own vote if it was a member before the switch, and the
// peers' votes as they come; a vote counts only when it names the digest of
// the body this node computed, verifies, and comes from the member it names.
// Votes for an epoch whose body is not known yet wait (at most n per epoch,
// at most kWindow epochs above the newest body).
class EpochVoteCollector {
 public:
  static constexpr consensus::Epoch kWindow = 8;

  // This node applied the switch to body.epoch; `before` is epoch
  // body.epoch-1's config. Returns the certificate if it is now complete.
  std::optional<EpochCertificate> body(EpochCertificate body, const consensus::EpochConfig& before,
                                       const crypto::Verifier& verifier);
  // A vote (is_epoch_vote) from the member the transport authenticated as
  // `from`; `before` is the config of epoch v.epoch (the caller's lookup).
  std::optional<EpochCertificate> vote(const consensus::Attest& v, const crypto::PublicKey& from,
                                       const consensus::EpochConfig& before, const crypto::Verifier& verifier);

  // The node is at epoch `e` (at start): votes are windowed around it.
  void start_at(consensus::Epoch e) { newest_ = std::max(newest_, e); }

  // "epoch_vote_sender", "epoch_vote_window", "epoch_vote_mismatch", "epoch_vote_bad_signature".
  const std::map<std::string, std::uint64_t>& drops() const { return drops_; }
  std::uint64_t completed() const { return completed_; }

 private:
  struct Pending {
    std::optional<EpochCertificate> body;
    Digest digest{};
    std::map<consensus::ReplicaId, consensus::Attest> waiting;  // before the body is known
    std::map<consensus::ReplicaId, crypto::Signature> valid;
    bool done = false;
  };
  std::optional<EpochCertificate> check(Pending& p, const consensus::Attest& v, const consensus::EpochConfig& before,
                                        const crypto::Verifier& verifier);
  void drop(const std::string& why) { ++drops_[why]; }

  std::map<consensus::Epoch, Pending> pending_;  // by the epoch certified
  consensus::Epoch newest_ = 0;
  std::map<std::string, std::uint64_t> drops_;
  std::uint64_t completed_ = 0;
};

}  // namespace mlchain::ledger
