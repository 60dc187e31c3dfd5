// Private to core/net: TLS 1.3 contexts and certificate checks (see tls.h
// for the policy).
#pragma once

#include <memory>
#include <optional>

#include "beast.h"
#include "mlchain/common/status.h"
#include "mlchain/net/metrics.h"
#include "mlchain/net/tls.h"

namespace mlchain::net::detail {

enum class TlsRole { kServer, kClient };

// TLS 1.3 only, no session resumption, our certificate if `identity` is
// given. Server: requests (does not require) a client certificate and accepts
// any valid self-signed Ed25519 one. Client: needs a verify callback per
// stream (install_client_verify).
Result<std::shared_ptr<ssl::context>> make_tls_context(TlsRole role, const TlsIdentity* identity);

// Why a client-side verification refused the server's certificate.
struct VerifyOutcome {
  bool bad_certificate = false;
  bool unpinned = false;
  std::optional<crypto::PublicKey> seen_key;
};

// Makes `stream` accept only a valid self-signed Ed25519 certificate whose
// key satisfies `accept` (null: any key). Records the reason of a refusal.
void install_client_verify(TlsStream& stream, KeyPredicate accept, std::shared_ptr<VerifyOutcome> outcome);

// The key of the peer's certificate after a completed handshake, if any.
std::optional<crypto::PublicKey> peer_public_key(TlsStream& stream);

// Classifies a failed TLS handshake for the rejection counters.
RejectReason classify_handshake_error(const beast::error_code& ec);

// True for errors that just mean "the peer went away".
bool is_disconnect(const beast::error_code& ec);

}  // namespace mlchain::net::detail
