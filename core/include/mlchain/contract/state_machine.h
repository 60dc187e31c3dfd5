// Contract blocks (Statements 2-6) as replicated state: a ledger::StateMachine
// applied inside the block's write transaction, deterministic (block time
// only, never a local clock).
//
// Op text (the inner op of a signed op, node/signed_op.h): "contract:" +
// canonical JSON, one of
//   {"action": "packet", "packet": <envelope_json(p): the packet as received,
//                                   without its body>,
//                        "cert": <the previous layer's certificate>}
//   {"action": "prune"}
// (contract_op_text() and prune_op_text() build them.) The packet must be
// addressed to this layer (head of dst). Every replica checks Statement 1
// itself while applying: the certificate of the layer at the head of src
// against the keys that layer has in THIS layer's state (KeyLookup, read in
// the same transaction), so a faulty member cannot order a contract message
// that no neighbour vouched for. The body is never ordered (only its hash,
// inside the header): a packet op that carries "body" is refused.
// Results: "ok: <id> record <hex>" for a packet (hex: SHA-256 of the
// canonical JSON of the contract block's record after it, so a block proof,
// whose results the attested header covers, proves the record; see
// contract/proof.h verify_contract_proof), "ok: pruned <n>" for prune,
// "error: statement 1: ..." for a refused certificate, "error: replay: ..."
// for a replay, "error: ..." for anything else refused. Both refusals raise
// an alarm (below); nothing else changes.
//
// Semantics by packet kind:
//   first   (Statements 2/3) creates the block {id = <layer>#<seq>,
//           parties (header from/to), route hop (prev = src head, next = the
//           layer after this one), K = [{sum, time, height}], responsible = the op's
//           client, accomplished = false, expires_at = time + ttl}. <seq> is
//           the layer's counter + 1. Idempotent per sum: the same first
//           packet ordered again returns the same id and changes nothing.
//   follow-up (Statement 4) appends to the block the packet names for this
//           layer, if the packet's two edge layers are the block's two
//           parties' edge layers (either direction; a reply's pseudonyms are
//           named by the other edge, so only edge paths are compared). A sum already recorded anywhere in this layer's contracts
//           is a replay (Statement 5): refused, alarm recorded. Otherwise
//           appends {sum, time} and extends expires_at to at least time + ttl.
//           The responsible node does not change.
//   takeover (Statement 4) {"action": "takeover", "id", "from"}: the op's
//           client, a member of the epoch the block executes in
//           (OpContext::epoch), becomes the block's responsible node, if
//           `from` is still the recorded one (compare and set) and the block
//           is open. A member orders it after asking `from` about a
//           follow-up and getting no answer (relay/contract_service.h);
//           the chain records who took over, and when.
//   end     as follow-up, then accomplished = true (Statement 6). An
//           accomplished block takes no further messages.
//   prune   removes every block with expires_at < the block's time and
//           leaves a tombstone {"pruned_at": height} (at most kMaxPrunePerOp
//           per op; order again for the rest).
// time is always the ordering block's time (OpContext::time_ms).
//
// Tables: "contracts" (id -> record JSON or tombstone), "contract_sums"
// (sum hex -> id), "contract_meta" ("seq", "alarms": decimal counters),
// "contract_alarms" (8-byte big-endian alarm number -> JSON
// {height, time, kind: "replay"|"certificate", id, sum, client, reason}).
// Only sums, ids, pseudonymous parties, layer paths and node keys are stored
// in the state; never a message body.
//
// Thread safety: the machine holds no mutable state; the store's rules apply.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <functional>

#include "mlchain/contract/certificate.h"
#include "mlchain/contract/packet.h"
#include "mlchain/ledger/state_machine.h"

namespace mlchain::contract {

inline constexpr std::string_view kContractOpPrefix = "contract:";
inline constexpr std::string_view kContractsTable = "contracts";
inline constexpr std::string_view kContractSumsTable = "contract_sums";
inline constexpr std::string_view kContractMetaTable = "contract_meta";
inline constexpr std::string_view kContractAlarmsTable = "contract_alarms";
inline constexpr std::size_t kMaxSummaries = 4096;  // K entries per contract block
inline constexpr std::size_t kMaxPrunePerOp = 10'000;
inline constexpr std::size_t kMaxBatchItems = 64;
// The largest op text a batch may take (node::kMaxOpTextBytes bounds what a
// signed op carries).
inline constexpr std::size_t kMaxContractOpBytes = 48 * 1024;

struct Summary {
  std::string sum;  // hex
  std::int64_t time_ms = 0;   // the ordering block's time
  std::uint64_t height = 0;   // the ordering block: make_proof(ledger, height, ...)
  // hex packet_digest of the packet as this layer forwards it (after
  // advance): members sign a certificate only for exactly this packet.
  std::string out;
  friend bool operator==(const Summary&, const Summary&) = default;
};

struct ContractBlock {
  std::string id;
  std::string from;  // parties, pseudonymous
  std::string to;
  std::string prev_hop;
  std::string next_hop;
  std::vector<Summary> k;
  std::string responsible;  // client (node key hex) that ordered the last message
  bool accomplished = false;
  std::int64_t expires_at_ms = 0;
  std::uint64_t opened_at = 0;  // height
};

enum class LookupKind : std::uint8_t { kFound, kPruned, kNotFound };
struct Lookup {
  LookupKind kind = LookupKind::kNotFound;
  std::optional<ContractBlock> block;  // kFound
  std::uint64_t pruned_at = 0;         // kPruned: the height of the prune
};

struct Alarm {
  std::uint64_t number = 0;
  std::string kind;  // "replay" or "certificate"
  std::uint64_t height = 0;
  std::int64_t time_ms = 0;
  std::string id;
  std::string sum;
  std::string client;
  std::string reason;
};

// The op that orders packet `p` (as received, head of dst = this layer)
// with the certificate it arrived with.
Result<std::string> contract_op_text(const Packet& p, const LayerCertificate& incoming);
std::string prune_op_text();
// Statement 4: a member that asked the responsible node `from` (hex key) of
// block `id` about a follow-up and got no answer becomes responsible itself.
std::string takeover_op_text(const std::string& id, const std::string& from);
// Several packet ops in one (a node orders what arrived while its previous
// op was in flight): {"action": "batch", "items": [{"packet", "cert"}, ...]}.
// Each item is applied as if ordered alone, in order; the result is
// "batch: " + canonical JSON array of the items' result strings.
Result<std::string> batch_op_text(const std::vector<std::pair<Packet, LayerCertificate>>& items);

// A packet op's content.
struct PacketOp {
  Packet packet;
  LayerCertificate cert;
};

// The keys THIS layer's state records for neighbour `layer` (superior,
// subordinate or edge address book). Must be deterministic: read only `txn`
// and immutable data (e.g. the blueprint). NotFound for an unknown layer.
// The `edge` flag of the result is ignored: a layer is an edge layer here iff
// it is the source edge of the packet (the first hop).
// `time_ms` is the block time (the state machine) or the node's clock (an
// early check): an entry past its lifetime is NotFound ("expired").
using KeyLookup =
    std::function<Result<LayerKeys>(const store::ReadTxn& txn, std::string_view layer, std::int64_t time_ms)>;

class ContractStateMachine final : public ledger::StateMachine {
 public:
  // `verifier` must outlive the machine.
  ContractStateMachine(std::string layer_path, KeyLookup keys, const crypto::Verifier& verifier)
      : layer_(std::move(layer_path)), keys_(std::move(keys)), verifier_(&verifier) {}
  Result<Bytes> apply(store::WriteTxn& txn, const consensus::Request& op, const ledger::OpContext& ctx) override;
  const std::string& layer_path() const { return layer_; }
  // The number of the first block ("<layer>#<first_id>"; blueprint
  // contract_first_id), for a standby deployment whose ids must not name the
  // original's blocks. Default 1.
  void set_first_id(std::uint64_t first_id) { first_id_ = first_id < 1 ? 1 : first_id; }
  // Who may order a prune: the clients (hex public keys, as ordered) of the
  // layer's admin keys. Checked as the op executes, on every replica: the
  // API's check alone would let a member's prune relayed as a forwarded
  // request through. Default: nobody.
  void set_admins(std::set<std::string> clients) { admins_ = std::move(clients); }

 private:
  Result<std::string> apply_packet(store::WriteTxn& txn, const PacketOp& op, const std::string& client,
                                   const ledger::OpContext& ctx);
  Result<std::string> apply_takeover(store::WriteTxn& txn, const std::string& id, const std::string& from,
                                     const std::string& client, const ledger::OpContext& ctx);

  std::string layer_;
  std::uint64_t first_id_ = 1;
  std::set<std::string> admins_;
  KeyLookup keys_;
  const crypto::Verifier* verifier_;
};

// The record as JSON (as GET /v1/contracts answers it), read back strictly
// (no other field), and the digest an accepted packet's result carries.
codec::Json to_json(const ContractBlock& b);
Result<ContractBlock> contract_block_from_json(const codec::Json& j);
std::string record_digest_hex(const ContractBlock& b);
// "<id>" of an accepted packet's result ("ok: <id> record <hex>"), or "".
std::string accepted_id(std::string_view result);

// What an ordered contract op (the inner op text of its signed envelope)
// did, item by item, read from the op and its result: the packet's sum and,
// when accepted, the contract block id and the record digest after it
// (id empty: refused). A prune, a refused op or a non-contract op: none.
struct ItemOutcome {
  std::string sum;     // hex
  std::string id;      // "" when refused
  std::string record;  // hex record digest when accepted
};
Result<std::vector<ItemOutcome>> op_outcomes(std::string_view op_text, std::string_view result);

// Queries, on any read transaction of the layer's store.
Result<Lookup> get_contract(const store::ReadTxn& txn, std::string_view id);
Result<std::uint64_t> alarm_count(const store::ReadTxn& txn);
// Alarms numbered >= from, at most max, oldest first.
Result<std::vector<Alarm>> alarms(const store::ReadTxn& txn, std::uint64_t from, std::size_t max);

}  // namespace mlchain::contract
