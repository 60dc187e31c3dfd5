// The contract packet P = {I, C, M} (paper IV.B.3, DESIGN §5).
//
//   I = ids:    [Sum(M), block ids...]     Sum(M) = SHA-256(canonical(M) || ts),
//                                          M = {"from": uuid, "to": uuid, "message": ...}
//   C = route:  {dst: [layers to visit], src: [layers visited, most recent first]}
//   M = body:   sealed (crypto/seal.h) to the destination edge layer
//
// Wire form (strict JSON, parse_packet; at most kMaxPacketBytes):
//   {"v": 1, "kind": "first" | "follow-up" | "end",
//    "ids": ["<sum hex>", "<layer path>#<seq>", ...],
//    "route": {"dst": [...], "src": [...]},
//    "header": {"timestamp": ms, "from": party, "to": party, "ttl_ms": N,
//               "edge_key": "<Ed25519 hex of the source edge>",
//               "body_hash": "<SHA-256 hex of the sealed body>"},
//    "origin_sig": "<Ed25519 hex>", "body": "<base64 sealed box>"}
//
// Sum: ts is the message timestamp as 8 bytes big-endian (two's complement);
// canonical(M) is self-delimiting, so the concatenation is unambiguous. The
// timestamp makes every message's sum different (paper, Statement 5); M
// includes both UUIDs so that equal messages sent in the same millisecond by
// different objects never share a sum (a shared sum would read as a replay).
//
// Sealed plaintext: canonical {"from": uuid, "to": uuid, "message": M,
// "timestamp": ts}; the seal's AAD is the 32 sum bytes, so a body cannot be
// moved under another packet's sum.
//
// Ids: a first packet starts with ids = [sum] and every high-level layer
// appends the id of the contract block it created (advance); a follow-up or
// end packet names the contract's blocks, one per high-level layer of its
// route, in route order (a reply lists the first packet's ids reversed), and
// they do not change on the way.
//
// Origin signature: the source edge signs origin_signing_bytes(): everything
// that never changes on the way (kind, sum, named ids of a follow-up, source
// and destination edge, header). Each hop's layer certificate (certificate.h)
// covers packet_digest(): the whole packet except the body bytes, which the
// header's body_hash pins. So a layer can check or certify a packet with the
// envelope alone, and the body need never be written to a chain.
//
// Parties: "<edge path>/<pseudonym>", pseudonym = first 32 hex chars of
// HMAC-SHA256(pseudonym secret of the source edge, "mlchain-pseudonym/1" ||
// uuid). The source edge names both parties (it alone knows both UUIDs in
// clear); only it can link a pseudonym to an object. The destination edge
// learns its object's UUID from the sealed body only.
//
// Keys of an edge layer: its Ed25519 identity (edge_key, signs packets and
// certificates), an X25519 sealing key derived from the identity's seed
// (crypto::SealPrivateKey::derive_from; its public half is published next
// to the Ed25519 key in the edge layer's address-book entry, hex), and the
// pseudonym secret, also derived from the seed (pseudonym_secret()).
//
// Thread safety: pure functions on values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/contract/address.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/crypto/hash.h"
#include "mlchain/crypto/seal.h"

namespace mlchain::contract {

inline constexpr std::size_t kMaxPacketBytes = 192 * 1024;
inline constexpr std::size_t kMaxSealedBodyBytes = 128 * 1024;
inline constexpr std::size_t kMaxMessageBytes = kMaxSealedBodyBytes - 4096;  // canonical sealed plaintext
inline constexpr std::uint64_t kMaxTtlMs = 366ull * 24 * 3600 * 1000;
inline constexpr std::size_t kPseudonymHexChars = 32;

enum class PacketKind : std::uint8_t { kFirst, kFollowUp, kEnd };
std::string_view kind_name(PacketKind k);

// "<layer path>#<seq>", seq in 1..2^63-1 without leading zeros.
struct BlockId {
  std::string layer;
  std::uint64_t seq = 0;
  std::string str() const { return layer + "#" + std::to_string(seq); }
};
Result<BlockId> parse_block_id(std::string_view text);

struct PacketHeader {
  std::int64_t timestamp_ms = 0;
  std::string from;  // party: "<source edge path>/<pseudonym>"
  std::string to;    // party: "<destination edge path>/<pseudonym>"
  std::uint64_t ttl_ms = 0;  // requested lifetime of the contract blocks (1..kMaxTtlMs)
  crypto::PublicKey edge_key;
  crypto::Digest body_hash{};
};

struct Packet {
  PacketKind kind = PacketKind::kFirst;
  crypto::Digest sum{};
  std::vector<std::string> block_ids;  // I without the sum
  Route route;
  PacketHeader header;
  crypto::Signature origin_sig{};
  Bytes body;  // sealed box

  const std::string& source_edge() const { return route.src.back(); }
  const std::string& destination_edge() const { return route.dst.back(); }
};

// ---- Keys and names of an edge layer ----
Result<crypto::SealPrivateKey> edge_seal_key(const crypto::PrivateKey& edge_identity);
Result<crypto::SealPublicKey> parse_seal_public_key(std::string_view hex);
Bytes pseudonym_secret(const crypto::PrivateKey& edge_identity);  // secret: never log it
std::string pseudonym(ByteView secret, const ObjectUuid& object);
// "<object's edge path>/<pseudonym(secret, object)>".
std::string party(ByteView secret, const ObjectUuid& object);

// SHA-256(canonical({"from": from.str(), "to": to.str(), "message": message})
//         || timestamp as 8 bytes big-endian).
Result<crypto::Digest> message_sum(const ObjectUuid& from, const ObjectUuid& to, const codec::Json& message,
                                   std::int64_t timestamp_ms);

// ---- The source edge ----
struct Outgoing {
  PacketKind kind = PacketKind::kFirst;
  ObjectUuid from;
  ObjectUuid to;
  codec::Json message;  // M: any JSON value without floats
  std::int64_t timestamp_ms = 0;
  std::uint64_t ttl_ms = 0;
  std::vector<std::string> contract_ids;  // follow-up/end: the blocks named, in route order
};
// Builds, seals and signs a packet. InvalidArgument for an unroutable pair,
// a bad ttl, a message too large, or (follow-up/end) ids that do not name one
// block per high-level layer of the route in route order.
Result<Packet> make_packet(const Outgoing& out, const crypto::PrivateKey& edge_identity, ByteView pseudonym_secret,
                           const crypto::SealPublicKey& destination_seal_key);

Bytes origin_signing_bytes(const Packet& p);
// SHA-256("mlchain-packet/1" 0x00 || canonical(envelope_json(p))).
crypto::Digest packet_digest(const Packet& p);

// ---- Untrusted input ----
codec::Json to_json(const Packet& p);
// The wire form without "body" (what packet_digest covers).
codec::Json envelope_json(const Packet& p);
// Strict schema + validate_packet(). Never throws.
Result<Packet> packet_from_json(const codec::Json& j);
Result<Packet> parse_packet(std::string_view text);
// Structure only (no signatures): route consistent with the two edges, ids
// consistent with kind and progress, parties on the right edges, body hash.
Status validate_packet(const Packet& p, bool require_body = true);
// The origin signature against header.edge_key. VerificationFailed.
Status verify_origin(const Packet& p, const crypto::Verifier& verifier);

// ---- Each layer ----
// `this_layer` must be the head of dst and not the destination edge. A first
// packet gets `block_id` appended; a follow-up or end must already name
// `block_id` as this layer's block. Then the head of dst moves to the front
// of src. FailedPrecondition/InvalidArgument, packet unchanged, otherwise.
Status advance(Packet& p, std::string_view this_layer, std::string_view block_id);
// This layer's block id named by a follow-up/end packet; NotFound if none.
Result<std::string> named_block_id(const Packet& p, std::string_view layer);

// ---- The destination edge ----
struct Delivered {
  ObjectUuid from;
  ObjectUuid to;
  codec::Json message;
  std::int64_t timestamp_ms = 0;
};
// Unseals, checks body hash, sum, timestamp and that the UUIDs live in the
// packet's edges. VerificationFailed on any mismatch. Call only after the
// last hop's certificate verified.
Result<Delivered> open_packet(const Packet& p, const crypto::SealPrivateKey& destination_seal_key);

}  // namespace mlchain::contract
