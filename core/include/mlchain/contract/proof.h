// Block proofs checked offline: "layer L ordered these operations in block
// h, and executing them gave these results", verifiable by anyone who trusts
// only L's genesis hash (DESIGN §5.5).
//
// Proof (JSON, make_proof / verify_proof):
//   {"v": 1, "type": "mlchain-block-proof",
//    "blueprint": <the layer blueprint, as in the genesis block>,
//    "epoch_switches": [{"boundary": B, "blocks": [<block B-k+1>, ..., <block B>]}, ...],
//    "block": <the target block, ledger::to_json form>,
//    "results": [hex result of each of the block's ops, in order],
//    "attestation": <ledger::BlockAttestation of the block>,
//    "ops": [indices of the named operations in the block's ops]}
// Every field takes part in the verification.
//
// Verification (verify_proof), each failure a VerificationFailed naming it:
//  1. genesis: make_genesis(blueprint).hash() must equal the trusted hash;
//     epoch 0 = the blueprint's valid members; k = its checkpoint_interval.
//  2. epochs: the target's certificate names its epoch E; the proof must
//     carry exactly E switches, in order. Switch i is the window of the k
//     blocks (B-k, B] before a checkpoint boundary B (B % k == 0, B at least
//     k past the previous switch): each block certified (ledger::
//     verify_certificate) by the current epoch's members and linked to the
//     one before it (ledger::verify_link). The membership changes those
//     blocks order are recomputed with the node's rule
//     (node::make_config_filter with the blueprint's admin keys and the
//     genesis hash; a request counts once per client id, as in
//     Ledger::apply), and consensus::next_epoch gives the next epoch. This is
//     exactly when Ledger::apply and the Replica switch: the changes pending
//     at a boundary are those executed since the previous boundary. A window
//     that orders no change, or whose change is invalid, is refused.
//  3. the target block: height past the last switch, its ops certified by a
//     commit quorum of its epoch's members, and its whole header (prev_hash,
//     time, ops, results digest) attested by f+1 of them
//     (ledger::verify_attestation): members sign a header only after
//     applying the block, so a batch certified above an epoch switch and
//     discarded there ("ghost") never verifies.
//  4. results: as many as ops, and their digest is the header's.
//  5. inclusion: the named ops are in the block's ops; their results are
//     reported with them (an op whose result is an error was refused).
//
// Known gap of the window recomputation: a re-proposed stale config request
// whose original execution lies outside every window would count again here
// while the ledger ignores it (needs a byzantine primary replaying an
// admin-signed change); see docs/contracts.md.
//
// Thread safety: pure functions; make_proof reads the ledger (not
// thread-safe with a concurrent apply, like every Ledger call).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/consensus/types.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/ledger/ledger.h"

namespace mlchain::contract {

inline constexpr std::size_t kMaxProofBytes = 64u << 20;
inline constexpr std::size_t kMaxEpochSwitches = 4096;
inline constexpr std::size_t kMaxBlockOps = 65536;

// The proof for the ops at `op_indices` of block `height`. NotFound if the
// block does not exist; InvalidArgument for an index out of range or height 0;
// FailedPrecondition if f+1 attestations of the block are not here yet.
Result<codec::Json> make_proof(const ledger::Ledger& ledger, std::uint64_t height,
                               const std::vector<std::size_t>& op_indices);

struct VerifiedProof {
  std::string layer_path;
  std::string genesis_hash;  // hex, the trusted one
  std::uint64_t height = 0;
  consensus::Epoch epoch = 0;
  std::int64_t time_ms = 0;           // block time (attested)
  std::int64_t proposed_time_ms = 0;  // certified by the commit quorum
  std::string block_hash;             // hex, attested
  std::string prev_hash;              // hex, attested
  std::size_t attested_by = 0;        // signatures in the attestation (>= f+1)
  std::vector<std::uint64_t> switch_boundaries;
  std::vector<consensus::Request> ops;  // the named ops, in the order named
  std::vector<Bytes> results;           // their results, same order
};

// See the steps above. InvalidArgument/ResourceExhausted for a malformed or
// oversized proof, VerificationFailed for any check that fails.
Result<VerifiedProof> verify_proof(std::string_view proof_json, std::string_view trusted_genesis_hash_hex,
                                   const crypto::Verifier& verifier);

// A contract block's proof bundle: "layer L recorded contract block <id>
// as <contract> at chain height <as_of>", for anyone who trusts L's genesis.
//   {"v": 1, "type": "mlchain-contract-proof", "id": "<layer>#<n>",
//    "contract": <the record, as GET /v1/contracts answers it>,
//    "proofs": [block proofs (above), one per chain block holding a message]}
// verify_contract_proof checks every proof (verify_proof), then, for each
// message (K entry) in order: the proof of its height holds an op whose
// item with that sum the layer ACCEPTED into this contract (its certified
// result "ok: <id> record <digest>"; a refused op proves nothing), at that
// block's attested time. The last message's result carries the digest of
// the record after it, which must equal the digest of `contract` as given:
// so every field (parties, route, K, responsible, accomplished, expires_at,
// opened_at) is what the layer's state held after that message. Every proof
// must be used, and no other field may appear.
struct VerifiedContract {
  std::string id;
  std::string layer_path;
  std::string genesis_hash;
  codec::Json contract;      // the record, proven
  std::uint64_t as_of = 0;   // the chain height of its last message
  std::vector<VerifiedProof> proofs;
};
Result<VerifiedContract> verify_contract_proof(std::string_view bundle_json, std::string_view trusted_genesis_hash_hex,
                                               const crypto::Verifier& verifier);

}  // namespace mlchain::contract
