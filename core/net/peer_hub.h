// Private to core/net: how HttpServer hands a /v1/peer upgrade to the
// PeerManager without knowing about WebSockets.
#pragma once

#include <memory>

#include "beast.h"
#include "mlchain/crypto/ed25519.h"

namespace mlchain::net::detail {

class PeerHub {
 public:
  virtual ~PeerHub() = default;
  // The pinning predicate (thread-safe).
  virtual bool accepts(const crypto::PublicKey& key) const = 0;
  // Takes over a TLS stream whose client presented `key` and sent the
  // WebSocket upgrade `request`. Called on the stream's strand.
  virtual void accept_inbound(TlsStream stream, HttpRequest request, const crypto::PublicKey& key) = 0;
};

}  // namespace mlchain::net::detail

namespace mlchain::net {
class PeerManager;
namespace detail {
// The hub behind a PeerManager (defined in peer_manager.cpp).
std::shared_ptr<PeerHub> hub_of(PeerManager& manager);
}  // namespace detail
}  // namespace mlchain::net
