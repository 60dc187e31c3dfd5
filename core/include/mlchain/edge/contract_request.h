// The source edge's side of a cross-layer contract (docs/contracts.md §8.5),
// as pure functions: the object's request body, the order of the contract
// ids along the route, the f+1 agreement on the destination edge's
// directory entry (§8.3), and the hop the edge adds to the route's answer.
// The I/O around them is contract_sender.h.
//
// Object request body (POST /v1/object/contract, request.h), strict:
//   {"to": "<uuid of an object in another edge layer>",
//    "message": <any JSON without floats>,
//    "kind": "first" | "follow-up" | "end",      default "first"
//    "ids": ["<layer>#<seq>", ...],               follow-up/end only, any order
//    "ttl_ms": 1..contract::kMaxTtlMs}            default kDefaultContractTtlMs
//
// Thread safety: pure functions on values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"
#include "mlchain/contract/address.h"
#include "mlchain/contract/packet.h"

namespace mlchain::edge {

inline constexpr std::uint64_t kDefaultContractTtlMs = 24ull * 3600 * 1000;

struct ContractRequest {
  std::string to;
  codec::Json message;
  contract::PacketKind kind = contract::PacketKind::kFirst;
  std::vector<std::string> ids;  // as given (follow-up/end); see order_contract_ids
  std::uint64_t ttl_ms = kDefaultContractTtlMs;
};

// InvalidArgument naming the field: unknown fields, a bad kind, ids given
// for a first message or missing for a follow-up/end, ttl out of range, a
// float anywhere in the message, a "to" that is not a UUID.
Result<ContractRequest> contract_request_from_json(const codec::Json& body);
// The normalised form (kind and ttl_ms always present).
codec::Json contract_request_to_json(const ContractRequest& r);
Result<contract::PacketKind> parse_packet_kind(std::string_view name);

// The high-level layers of `r` in travel order: full_route(r) without the
// two edge layers at its ends.
std::vector<std::string> high_level_layers(const contract::Route& r);

// `ids` (any order) sorted along the route: each id's layer prefix
// (contract::parse_block_id) must be one of the route's high-level layers,
// and every such layer must be named exactly once. InvalidArgument naming
// the id or layer at fault otherwise.
Result<std::vector<std::string>> order_contract_ids(const contract::Route& r, const std::vector<std::string>& ids);

// ---- Directory entries (§8.3) ----

// Answers needed to trust an entry: f + 1 with f = (n - 1) / 3 of a book of
// n members (1 for n <= 3).
std::size_t directory_quorum(std::size_t book_members);

// One member's answer to GET /v1/directory/<path>; status 0: no answer
// (transport failure), body then null.
struct DirectoryReply {
  int status = 0;
  codec::Json body;
};

struct DirectoryDecision {
  enum class Kind : std::uint8_t {
    kAgreed,     // `entry`: quorum members returned exactly this (canonical) entry
    kUnknown,    // quorum members answered 404: the layer does not exist
    kNotAttached,  // quorum members know the layer, but not as an attached edge ("edge": false)
    kUndecided,  // not (yet) enough agreement
    kConflict,   // two different entries each reached the quorum: refuse
  };
  Kind kind = Kind::kUndecided;
  codec::Json entry;
};

// Counts only well-formed entries for an edge layer: an object whose
// "path" is `path`, "edge" is true and "seal_key" parses. An entry for
// `path` with "edge" false (a blueprint's subordinate that no `layer attach`
// recorded, or a layer of members) counts towards kNotAttached, decided after
// kAgreed and kUnknown. Pure: the caller asks members (each at most once)
// until the decision is not kUndecided.
DirectoryDecision decide_directory(std::string_view path, const std::vector<DirectoryReply>& replies,
                                   std::size_t book_members);

// The X25519 key of an agreed entry.
Result<crypto::SealPublicKey> directory_seal_key(const codec::Json& entry);

// ---- The answer to the object ----

// {"layer": own_path, "edge": true, "role": "source"}
codec::Json source_hop(std::string_view own_path);
// The route's 200 answer with source_hop(own_path) put first in "hops"
// (an answer without a "hops" array gets one). InvalidArgument when the
// answer is not an object.
Result<codec::Json> with_source_hop(codec::Json answer, std::string_view own_path);

// §8 error body: {"error": {"code", "message", "layer"}}.
codec::Json contract_error(std::string_view code, std::string_view message, std::string_view layer);

}  // namespace mlchain::edge
