// PBFT protocol messages (Castro & Liskov, OSDI '99, with signatures instead
// of MACs) and their wire and signing encodings.
//
// Every message is a JSON object {"type": ..., fields..., "sig": hex}. The
// bytes a replica signs are codec::canonical of that object without "sig", so
// any two encoders agree on them. Nested messages (prepares inside a view
// change, view changes inside a new view) keep their own signatures and are
// verified one by one.
//
// decode() is for untrusted bytes: it enforces size limits and a strict
// schema and returns InvalidArgument / ResourceExhausted, never throws.
// Decoding says nothing about authenticity; the Replica checks signatures.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/consensus/types.h"

namespace mlchain::consensus {

using crypto::Signature;

struct PrePrepare {
  Epoch epoch = 0;
  View view = 0;
  Seq seq = 0;
  std::int64_t time_ms = 0;  // the primary's clock; 0 for a null request
  std::vector<Request> requests;
  ReplicaId replica = 0;     // the primary of `view`
  Signature sig{};

  // Digest of the batch (time + requests); prepares and commits vote on it.
  Digest digest() const;
};

struct Prepare {
  Epoch epoch = 0;
  View view = 0;
  Seq seq = 0;
  Digest digest{};
  ReplicaId replica = 0;
  Signature sig{};
};

struct Commit {
  Epoch epoch = 0;
  View view = 0;
  Seq seq = 0;
  Digest digest{};
  ReplicaId replica = 0;
  Signature sig{};
};

// `digest` is the chain digest after executing `seq` (see Replica).
struct Checkpoint {
  Epoch epoch = 0;
  Seq seq = 0;
  Digest digest{};
  ReplicaId replica = 0;
  Signature sig{};
};

// A pre-prepare together with quorum-1 matching prepares from distinct
// replicas other than its primary: proof that the batch prepared.
struct PreparedProof {
  PrePrepare pre_prepare;
  std::vector<Prepare> prepares;
};

struct ViewChange {
  Epoch epoch = 0;
  View new_view = 0;
  Seq stable_seq = 0;
  Digest stable_digest{};
  std::vector<Checkpoint> checkpoint_proof;  // quorum checkpoints; empty when stable_seq == 0
  std::vector<PreparedProof> prepared;       // highest-view proof per seq above stable_seq
  ReplicaId replica = 0;
  Signature sig{};
};

struct NewView {
  Epoch epoch = 0;
  View view = 0;
  std::vector<ViewChange> view_changes;   // a quorum, for `view`
  std::vector<PrePrepare> pre_prepares;   // for every seq in (min_s, max_s], in order
  ReplicaId replica = 0;
  Signature sig{};
};

// State transfer: "send me committed batches from `from_seq` on".
struct FetchBlocks {
  Epoch epoch = 0;
  Seq from_seq = 0;
  ReplicaId replica = 0;
  Signature sig{};
  // The asker's view and whether it is still changing into it (both signed;
  // absent from older senders): whether the server's latest new-view, which
  // can be nearly a message's worth of prepared batches, tells it anything.
  std::optional<View> asker_view = {};
  bool changing = false;
};

// A committed batch proves itself: quorum commits for its digest.
struct CommittedBatch {
  PrePrepare pre_prepare;
  std::vector<Commit> commits;
};

struct BlockBundle {
  Epoch epoch = 0;
  std::vector<CommittedBatch> batches;   // consecutive seqs, ascending
  std::optional<NewView> new_view;       // the sender's latest, so a laggard learns the view
  ReplicaId replica = 0;
  Signature sig{};
};

// A client request relayed to the primary by a backup (or to every member
// by the node that received it). Replicas do not check its signature: the
// transport authenticates the sender; the request is the client's.
struct ForwardedRequest {
  Request request;
  ReplicaId replica = 0;
  Signature sig{};
};

// After a member applies block `seq`, it signs the block's hash
// (ledger::Block::hash(): the whole header, i.e. prev_hash, time, ops and
// the digest of the results of executing them). A commit certificate signs
// only what was proposed; f+1 matching attestations of the block's epoch
// certify what executing it gave (ledger/attestation.h). Not a PBFT step:
// the node hands it to its attestation collector, never to the Replica.
struct Attest {
  Epoch epoch = 0;         // the epoch that certified the block (its certificate's)
  Seq seq = 0;
  Digest block_hash{};
  ReplicaId replica = 0;   // index in that epoch's member list
  Signature sig{};
};

using Message = std::variant<PrePrepare, Prepare, Commit, Checkpoint, ViewChange, NewView, FetchBlocks,
                             BlockBundle, ForwardedRequest, Attest>;
using MessagePtr = std::shared_ptr<const Message>;

std::string_view type_name(const Message& m);
ReplicaId sender_of(const Message& m);
Epoch epoch_of(const Message& m);

// Identity of one request: SHA-256(client || 0x00 || be64(id) || op). For
// memos and sets of requests (authentication verdicts, the sim's issued set).
Digest request_digest(const Request& r);

// Digest of a batch: SHA-256 of canonical {"ops": [...], "time": time_ms}.
Digest batch_digest(std::int64_t time_ms, const std::vector<Request>& requests);

codec::Json request_to_json(const Request& r);
Result<Request> request_from_json(const codec::Json& j);

// include_sig = false gives the object that is signed.
codec::Json to_json(const Message& m, bool include_sig = true);
Result<Message> from_json(const codec::Json& j);

Bytes encode(const Message& m);
Result<Message> decode(ByteView bytes, std::size_t max_bytes = 16u << 20);

// canonical(to_json(m, false)).
Bytes signing_bytes(const Message& m);

// Signs in place: sets the signature over signing_bytes().
void sign(Message& m, const crypto::Signer& signer);
bool verify_signature(const Message& m, const crypto::PublicKey& key, const crypto::Verifier& verifier);

// An upper estimate of a new-view's weight in request bytes (types.h
// request_bytes(), plus ~300 per signed vote), for the byte budgets.
std::size_t approx_bytes(const NewView& nv);

// Nested parts, for persistence and proofs.
codec::Json proof_to_json(const PreparedProof& p);
Result<PreparedProof> proof_from_json(const codec::Json& j);

// Convenience for nested messages.
template <typename T>
bool verify_part(const T& part, const crypto::PublicKey& key, const crypto::Verifier& verifier) {
  return verify_signature(Message(part), key, verifier);
}
template <typename T>
T signed_part(T part, const crypto::Signer& signer) {
  Message m(std::move(part));
  sign(m, signer);
  return std::get<T>(std::move(m));
}

}  // namespace mlchain::consensus
