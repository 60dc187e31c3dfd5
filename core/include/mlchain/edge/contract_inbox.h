// The destination edge's side of a cross-layer contract (docs/contracts.md
// §8.1, "destination edge"): POST /v1/contract/packet from a member of this
// edge's superior layer.
//
// receive_packet() checks, in this order, and stores nothing before the end:
//   1. the body: at most kMaxContractBodyBytes, {"packet", "cert"} only,
//      contract::packet_from_json (schema, route, ids, body hash) and
//      certificate_from_json                                 -> 400 bad_request
//   2. the packet is for this edge: dst == [own path]        -> 404 unknown_layer
//   3. an edge without [superior] has no one to trust        -> 503 no_superior
//   4. Statement 1: check_certificate against the superior's members in the
//      book this edge keeps (f + 1 distinct members); the claimed layer
//      (head of src) must be the superior                    -> 401 certificate_refused
//      and the source edge's origin signature must verify
//      (contract::verify_origin)                             -> 401 certificate_refused
//   5. open_packet with the edge's sealing key (body, sum,
//      timestamp, UUIDs in the packet's edges)               -> 422 refused
//   6. Registry::deliver_contract: one write transaction that queues the
//      message for the destination object and records the sum with the
//      signed receipt. A known sum                           -> 409 replay (+ "receipt")
//      no active destination object                          -> 404 unknown_target
//      the destination's queue is full                       -> 429 queue_full
// and answers 200 {"sum", "hops": [{"layer", "edge": true, "role":
// "destination"}], "receipt"}. Errors are §8-shaped: {"error": {"code",
// "message", "layer": own path}}.
//
// Receipt: {"edge", "sum", "ids", "kind", "delivered_at", "key", "sig"}, sig
// = Ed25519 of the edge over "mlchain-receipt/1" 0x00 || canonical(receipt
// without "sig"). "ids" are the packet's block ids in route order.
//
// Thread safety: pure functions, except receive_packet, which is as
// thread-safe as Registry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"
#include "mlchain/contract/packet.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/crypto/seal.h"
#include "mlchain/edge/registry.h"
#include "mlchain/edge/superior.h"

namespace mlchain::edge {

inline constexpr std::size_t kMaxContractBodyBytes = 256 * 1024;
inline constexpr std::string_view kReceiptDomain = "mlchain-receipt/1";

// The signed receipt of `p` delivered by edge `edge` at `delivered_at_ms`.
codec::Json make_receipt(std::string_view edge, const contract::Packet& p, std::int64_t delivered_at_ms,
                         const crypto::PrivateKey& key);
// "mlchain-receipt/1" 0x00 || canonical(receipt without "sig").
Result<Bytes> receipt_signing_bytes(const codec::Json& receipt);
// Shape and signature (against the receipt's own "key"; the caller decides
// whether it trusts that key). VerificationFailed / InvalidArgument.
Status verify_receipt(const codec::Json& receipt, const crypto::Verifier& verifier);

struct InboxContext {
  std::string own_path;
  const SuperiorBook* superior = nullptr;  // null: no [superior] configured
  const crypto::PrivateKey* key = nullptr;
  const crypto::SealPrivateKey* seal_key = nullptr;
  const crypto::Verifier* verifier = nullptr;
  std::int64_t now_ms = 0;  // delivered_at of the receipt
};

struct InboxAnswer {
  int status = 200;
  codec::Json body;
  // The metrics label: "delivered", "replay", "bad_request", "wrong_destination",
  // "no_superior", "certificate_<CertFailure name>", "unreadable",
  // "unknown_target", "queue_full", "internal".
  std::string outcome;
};

InboxAnswer receive_packet(std::string_view body, const InboxContext& ctx, Registry& registry);

}  // namespace mlchain::edge
