// A layer's epoch certificates and what it knows of its neighbours' epochs
// (DESIGN §3, issue 14 item 3; ledger/epoch_cert.h says what a certificate
// proves).
//
// Own certificates: table "epoch_certs", key = epoch as 20 decimal digits
// (so keys sort by epoch) -> canonical JSON of the certificate. Written by
// the node when f+1 members of the previous epoch signed the switch; not
// part of the replicated state (every member collects its own copy; a copy
// from any member verifies). Served at GET /v1/epochs?after=E.
//
// Neighbours' members: table "neighbour_epochs", key = the neighbour's path
// -> {"path", "base", "genesis", "epoch", "members": [...], "height"}, part of
// the replicated state. It changes only by an ordered op
//   "mlchain-neighbour:" + canonical JSON
//   {"action": "epochs", "path": P, "certificates": [...]}
// signed (envelope) by a member of the current epoch: the state machine
// follows the certificates from the member set the layer trusts for P now
// (ledger::follow_epochs) and records the last one. Nobody's word is taken:
// a certificate that does not verify changes nothing, whoever orders it.
// "base" names what the chain starts from: "superior:<i>" (superior
// candidate i of the blueprint; a change of superior starts over from the
// new candidate's blueprint members) or "subordinate" (a high-level
// subordinate of the blueprint). High-level neighbours are known from the
// blueprint only, so each chain starts at the neighbour's epoch 0.
//
// Thread safety: pure functions over the given transaction or store.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mlchain/ledger/blueprint.h"
#include "mlchain/ledger/epoch_cert.h"
#include "mlchain/ledger/state_machine.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/store/store.h"

namespace mlchain::node {

inline constexpr std::string_view kEpochCertsTable = "epoch_certs";
inline constexpr std::string_view kNeighbourEpochsTable = "neighbour_epochs";
inline constexpr std::string_view kNeighbourOpPrefix = "mlchain-neighbour:";
inline constexpr std::size_t kMaxCertsPerOp = 16;

// ---- own certificates ----
// Stores `c` unless epoch c.epoch has one already (the first stays).
Status store_epoch_certificate(store::Store& store, const ledger::EpochCertificate& c);
// Certificates of epochs after `after`, in order, at most `max`, stopping at
// the first missing epoch (a chain has no gaps).
Result<std::vector<ledger::EpochCertificate>> epoch_certificates(const store::ReadTxn& txn, consensus::Epoch after,
                                                                 std::size_t max);
Result<bool> has_epoch_certificate(const store::ReadTxn& txn, consensus::Epoch e);

// ---- neighbours ----
// The member set this layer trusts for the high-level neighbour `path` (its
// current superior, or a subordinate from the blueprint), as the chain
// records it: the blueprint's valid members at epoch 0, moved on by ordered
// certificates. NotFound when `path` is neither.
Result<ledger::TrustedMembers> trusted_neighbour(const store::ReadTxn& txn, const ledger::Blueprint& blueprint,
                                                 std::string_view path);

bool is_neighbour_op_text(std::string_view op);
std::string neighbour_op_text(const std::string& path, const std::vector<ledger::EpochCertificate>& certs);
// Before ordering (POST /v1/ops): well formed, at most kMaxCertsPerOp
// certificates, and signed by a member (PermissionDenied otherwise).
Status admit_neighbour_op(const SignedOp& op, bool client_is_member);
// At execution: "ok: <path> now epoch E (n members)", "ok: <path> already at
// epoch E", or "error: ..." (nothing changed).
Result<std::string> apply_neighbour_op(store::WriteTxn& txn, const SignedOp& env, const ledger::Blueprint& blueprint,
                                       const consensus::EpochConfig* epoch, const crypto::Verifier& verifier,
                                       const ledger::OpContext& ctx);

}  // namespace mlchain::node
