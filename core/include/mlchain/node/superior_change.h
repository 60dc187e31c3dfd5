// Superior changes (DESIGN §7, issue 7; docs/contracts.md §9.2).
//
// A layer's superior is one of its candidates (ledger::superior_candidate):
// index 0 is the blueprint's [superior], index i > 0 its i-th
// [[alternate_superiors]] entry, a standby deployment of the same layer
// (same path, own members and chain). Which candidate is current is state:
//   table "superior", key "current" -> {"index", "generation", "height", "time_ms"}
// (absent: index 0, generation 0). Everything that trusts or reaches the
// superior reads it: the contract key lookup (which certificates are the
// superior's), the relay (where packets go up, which layer it reviews),
// /v1/layer and selfcheck.
//
// It changes only by an ordered op, text "mlchain-superior:" + canonical JSON:
//   {"action": "vote", "generation": g, "index": i, "window": w}
//       envelope signed by a member of the current epoch: "every member of
//       the current superior failed its challenge, candidate i answered".
//       Recorded in table "superior_votes" (member key hex -> the vote, a
//       newer vote of the same member replaces it). The change happens in
//       the block where a quorum (2f+1) of the current epoch's members hold
//       votes for (g, i) whose windows lie within one of the newest.
//       w = the voter's unix ms / kSuperiorWindowMs; a vote more than one
//       window away from the block's time is refused.
//   {"action": "set", "generation": g, "index": i}
//       envelope signed by an admin key of the layer: the operator decides
//       (e.g. moving back to the repaired original); applied at once.
// g must be the current generation, so a vote or decision about an earlier
// superior changes nothing; a change increments it and clears every vote.
// i must name a candidate other than the current one.
//
// Thread safety: pure functions over the given transaction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/consensus/types.h"
#include "mlchain/ledger/blueprint.h"
#include "mlchain/ledger/state_machine.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/store/store.h"

namespace mlchain::node {

inline constexpr std::string_view kSuperiorOpPrefix = "mlchain-superior:";
inline constexpr std::string_view kSuperiorTable = "superior";
inline constexpr std::string_view kSuperiorVotesTable = "superior_votes";
inline constexpr std::int64_t kSuperiorWindowMs = 60'000;

struct SuperiorState {
  std::size_t index = 0;         // candidate index (0: the blueprint's superior)
  std::uint64_t generation = 0;  // changes so far
  std::uint64_t height = 0;      // block of the last change (0: none)
  std::int64_t time_ms = 0;      // its block time
};

Result<SuperiorState> read_superior_state(const store::ReadTxn& txn);

struct CurrentSuperior {
  SuperiorState state;
  const ledger::AddressBook* book = nullptr;  // into the blueprint; nullptr: a root layer
};
// The superior this layer trusts now. A stored index the blueprint does not
// have is Corruption.
Result<CurrentSuperior> current_superior(const store::ReadTxn& txn, const ledger::Blueprint& blueprint);
// The same from a fresh read transaction of `store`.
Result<CurrentSuperior> current_superior(const store::Store& store, const ledger::Blueprint& blueprint);

struct SuperiorOp {
  std::string action;  // "vote" or "set"
  std::uint64_t generation = 0;
  std::size_t index = 0;
  std::int64_t window = 0;  // votes only
};

// "the blueprint's superior" (0) or "alternate superior <index>", for
// results, logs and errors.
std::string superior_candidate_name(std::size_t index);

bool is_superior_op_text(std::string_view op);
std::string superior_vote_op_text(std::uint64_t generation, std::size_t index, std::int64_t window);
std::string superior_set_op_text(std::uint64_t generation, std::size_t index);
// Strict schema; InvalidArgument names what is wrong.
Result<SuperiorOp> parse_superior_op(std::string_view op_text);

// May the envelope's signer order `op` (POST /v1/ops)? Votes: members of
// the current epoch; set: admin keys. PermissionDenied otherwise;
// InvalidArgument for a malformed op or an index with no candidate.
Status admit_superior_op(const SignedOp& op, const ledger::Blueprint& blueprint, bool client_is_member,
                         bool client_is_admin);

// Applies an ordered superior op (envelope already verified) in the block's
// transaction: "ok: ..." or "error: ..." (nothing changed). Deterministic:
// reads only the transaction, the blueprint, the epoch and the block.
// A failed store call is returned as an error Status.
Result<std::string> apply_superior_op(store::WriteTxn& txn, const SignedOp& op, const ledger::Blueprint& blueprint,
                                      const consensus::EpochConfig* epoch, const ledger::OpContext& ctx);

}  // namespace mlchain::node
