// TLS identity and peer pinning for core/net.
//
// Every mlchain endpoint speaks TLS 1.3 only (min = max = TLS 1.3) and
// presents a self-signed certificate over its Ed25519 node key
// (crypto::make_self_signed_certificate). There is no CA: a peer is trusted
// when the Ed25519 key inside its certificate is accepted by a pinning
// predicate (normally "is a current member of the layer", from the chain).
//
// What is checked on a peer certificate (both directions):
//   - exactly one certificate, self-signed, Ed25519 key, self-signature valid
//     (crypto::inspect_certificate_der), within its validity period;
//   - the TLS 1.3 handshake itself proves the peer holds the private key;
//   - the key is then given to the pinning predicate where one applies
//     (outbound peer links, /v1/peer upgrades, https_request with a pinned key).
// Session resumption is disabled, so every connection shows a fresh certificate.
#pragma once

#include <functional>
#include <string>

#include "mlchain/crypto/ed25519.h"

namespace mlchain::net {

// The node's own identity: its Ed25519 key and the PEM certificate made from
// it. Copied into each TLS context; the caller may drop its copy afterwards.
struct TlsIdentity {
  crypto::PrivateKey key;
  std::string certificate_pem;
};

// Returns true when `key` may connect (e.g. is a current member). Called on
// event-loop threads, possibly concurrently: it must be thread-safe and fast
// (no I/O); it must not call back into the PeerManager or HttpServer.
using KeyPredicate = std::function<bool(const crypto::PublicKey& key)>;

}  // namespace mlchain::net
