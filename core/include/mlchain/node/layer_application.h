// A high-level layer joins the tree at runtime (issue 17 item 3; seed paper
// §IV.B.1.b): it applies to a running layer to become its subordinate, and
// that layer records it by an ordered op.
//
// The application names the applying layer as it is now: its path (a direct
// child of the superior's path), its genesis hash, its current epoch and
// that epoch's members (names, keys, addresses, in replica order), and the
// genesis hash of the superior it applies to (so it cannot be replayed to
// another layer). Each member of the applying layer signs what its own chain
// says (GET /v1/layer/application): an application carries the signatures
// of at least f+1 members of that epoch (f of its size), so at least one
// correct member vouches for the member set.
//
// The superior orders
//   "mlchain-add-layer:" + canonical JSON
//   {"action": "add-layer", "application": {...}, "signatures": [{"public_key",
//    "sig"}], "expires_at"?}
// signed (envelope) by one of ITS admin keys: founding a layer is local to
// its founder, but nothing routes to it until the superior's administrators
// accept it (the authority rule; docs/running-a-layer.md "Grow the tree").
// Applied, it records the layer in table "subordinates" (node/signed_op.h)
// as path -> {"path", "genesis", "epoch", "members": [...], "height",
// "expires_at"?}; the "genesis" field marks a layer of members (an edge
// entry has none). From then on the layer follows the subordinate's epochs
// from that member set (node/epochs.h, base "attached:<genesis>") and
// verifies its certificates against them.
//
// Refused, nothing changed: a path that is not a direct child of the
// superior, a path the blueprint names, a path attached as an edge layer or
// as a layer with another genesis ("the path already exists"), an epoch
// older than the one recorded, fewer than f+1 valid member signatures, an
// envelope not signed by an admin of the superior.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/ledger/blueprint.h"
#include "mlchain/ledger/epoch_cert.h"
#include "mlchain/ledger/state_machine.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/store/store.h"

namespace mlchain::node {

inline constexpr std::string_view kAddLayerOpPrefix = "mlchain-add-layer:";

struct LayerApplication {
  std::string path;      // the applying layer, e.g. "L2/L1c"
  std::string genesis;   // its genesis hash, hex
  std::uint64_t epoch = 0;
  std::vector<ledger::EpochMember> members;  // of `epoch`, replica order
  std::string superior;  // the genesis hash of the layer applied to

  friend bool operator==(const LayerApplication&, const LayerApplication&) = default;
};

struct ApplicationSignature {
  crypto::PublicKey key;
  crypto::Signature sig{};
};

// What each member signs: canonical JSON with a purpose tag.
Bytes application_bytes(const LayerApplication& a);
codec::Json to_json(const LayerApplication& a);
// Strict: unknown fields, bad hashes or keys, duplicate members, no member or
// more than consensus::kMaxMembers: InvalidArgument.
Result<LayerApplication> application_from_json(const codec::Json& j);

bool is_add_layer_op_text(std::string_view op);
std::string add_layer_op_text(const LayerApplication& a, const std::vector<ApplicationSignature>& sigs,
                              std::int64_t expires_at_ms);

struct AddLayer {
  LayerApplication application;
  std::int64_t expires_at_ms = 0;  // 0: no lifetime
  std::size_t signers = 0;         // distinct members whose signature verified
};
// Checks everything but the chain's state: the envelope signer is an admin,
// the application is for this layer (`superior_genesis`) and a direct child
// of `superior_path`, and f+1 distinct members signed it. PermissionDenied,
// VerificationFailed or InvalidArgument.
Result<AddLayer> authorize_add_layer_op(const SignedOp& op, const std::string& superior_path,
                                        const std::string& superior_genesis,
                                        const std::vector<crypto::PublicKey>& admin_keys,
                                        const crypto::Verifier& verifier);
// At execution: authorize, then check the chain (blueprint subordinates,
// existing entry). "ok: ..." or "error: ..." (nothing changed).
Result<std::string> apply_add_layer_op(store::WriteTxn& txn, const SignedOp& env, const ledger::Blueprint& blueprint,
                                       const std::string& own_genesis, const crypto::Verifier& verifier,
                                       const ledger::OpContext& ctx);

// An attached layer of members as the subordinates table records it.
struct AttachedLayer {
  ledger::TrustedMembers members;  // path, genesis, epoch, members at attachment
  std::int64_t expires_at_ms = 0;
  std::uint64_t height = 0;
};
// The entry for `path` when it is an attached layer of members; nullopt when
// there is no entry or it is an edge layer's. Corruption on a bad row.
Result<std::optional<AttachedLayer>> attached_layer(const store::ReadTxn& txn, std::string_view path);
// Every attached layer of members, in path order.
Result<std::vector<std::string>> attached_layer_paths(const store::ReadTxn& txn);

}  // namespace mlchain::node
