// Layer certificates (Statement 1): a layer vouches for a packet it forwards.
//
// Signed bytes (certificate_signing_bytes):
//   "mlchain-layer-cert/1" 0x00 ||
//   canonical JSON {"layer": <issuing layer path>, "next": <next hop path>,
//                   "packet": <hex packet_digest(packet)>}
// packet_digest (packet.h) covers the whole packet as forwarded (ids, route,
// header, origin signature; the body through header.body_hash), so a
// certificate binds one packet state, one issuer and one next hop: it cannot
// be replayed for another packet, by another layer, or towards another layer.
//
// A high-level layer's certificate needs f+1 signatures of distinct members
// of that layer (f = (n-1)/3 of the member list the receiver holds), so at
// least one honest member vouches. An edge layer has one key: one signature.
//
// The receiver checks it against the keys ITS chain records for the claimed
// neighbour (superior, subordinate or edge address book), passed as LayerKeys.
//
// Wire form: {"layer", "next", "packet": hex, "signatures": [{"key": hex,
// "sig": hex}, ...]} (at most 64 signatures).
//
// Thread safety: pure functions on values.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/consensus/types.h"
#include "mlchain/contract/packet.h"
#include "mlchain/crypto/ed25519.h"

namespace mlchain::contract {

inline constexpr std::size_t kMaxCertificateSignatures = 64;

// A neighbour layer's keys as recorded on the receiver's chain.
struct LayerKeys {
  std::string path;
  bool edge = false;  // an edge layer (one central node, one key)
  std::vector<crypto::PublicKey> members;
  // Signatures needed: 1 for an edge layer, f + 1 for a high-level layer.
  std::size_t threshold() const { return edge ? 1 : consensus::max_faults(members.size()) + 1; }
};

struct LayerCertificate {
  std::string layer;     // issuing layer
  std::string next_hop;  // the layer the packet is forwarded to
  crypto::Digest packet{};
  std::vector<std::pair<crypto::PublicKey, crypto::Signature>> signatures;
};

Bytes certificate_signing_bytes(std::string_view layer, std::string_view next_hop, const crypto::Digest& packet);
// An unsigned certificate for `p` as it leaves `layer` (after advance(), the
// next hop is the head of dst).
LayerCertificate begin_certificate(const Packet& p, std::string_view layer);
// One member's part; a node computes it and sends it to whoever gathers.
crypto::Signature sign_certificate(const LayerCertificate& c, const crypto::Signer& signer);
void add_signature(LayerCertificate& c, const crypto::Signer& signer);

enum class CertFailure : std::uint8_t {
  kNone = 0,
  kWrongLayer,       // not from the layer the packet claims to come from
  kWrongPacket,      // over another packet, or towards another next hop
  kNotMember,        // a signer the address book does not list
  kDuplicateSigner,  // the same key twice
  kForged,           // a signature that does not verify
  kTooFew,           // fewer than threshold() valid signatures
  kBadOrigin,        // first hop: packet edge key or origin signature wrong
};
std::string_view cert_failure_name(CertFailure f);

struct CertVerdict {
  Status status;  // ok or VerificationFailed naming the failure
  CertFailure failure = CertFailure::kNone;
};

// Statement 1 for a packet received by the layer at the head of its dst:
// `claimed_layer` must be the head of the packet's src (where it says it
// comes from) and equal both cert.layer and keys.path; cert.next_hop must be
// the head of dst; cert.packet must be packet_digest(p); every signer a
// distinct member of `keys` with a valid signature; at least
// keys.threshold() of them; keys.edge must say whether the claimed layer is
// the packet's source edge (src holds one layer) or a high-level layer. When the packet comes straight from its source
// edge (src has one layer), the edge key in the packet header must be the
// recorded edge key and the origin signature must verify.
CertVerdict check_certificate(const LayerCertificate& cert, const Packet& p, std::string_view claimed_layer,
                              const LayerKeys& keys, const crypto::Verifier& verifier);
inline Status verify_certificate(const LayerCertificate& cert, const Packet& p, std::string_view claimed_layer,
                                 const LayerKeys& keys, const crypto::Verifier& verifier) {
  return check_certificate(cert, p, claimed_layer, keys, verifier).status;
}

codec::Json to_json(const LayerCertificate& c);
// Strict schema for untrusted input.
Result<LayerCertificate> certificate_from_json(const codec::Json& j);

}  // namespace mlchain::contract
