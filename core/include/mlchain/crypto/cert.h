// Self-signed X.509 certificates over Ed25519 keys, for TLS 1.3 with pinning.
// mlchain runs no CA: a peer is trusted when the Ed25519 key in its
// certificate is a member key recorded on chain, so the certificate is just a
// carrier for the key (subject CN = the node name, validity as asked).
#pragma once

#include <chrono>
#include <string>

#include "mlchain/common/bytes.h"
#include "mlchain/common/clock.h"
#include "mlchain/crypto/ed25519.h"

namespace mlchain::crypto {

struct CertificateInfo {
  PublicKey public_key;
  std::string subject_cn;
  std::int64_t not_before_unix = 0;  // seconds
  std::int64_t not_after_unix = 0;   // seconds
  Digest fingerprint{};              // SHA-256 of the DER encoding
};

// PEM ("-----BEGIN CERTIFICATE-----"), self-signed with `key`, serial random.
Result<std::string> make_self_signed_certificate(const PrivateKey& key, std::string_view common_name,
                                                 std::chrono::hours validity);

// Parses the first CERTIFICATE block of `pem`. Refuses a certificate whose key
// is not Ed25519 or whose self-signature does not verify.
Result<CertificateInfo> inspect_certificate(std::string_view pem);

// Same, from DER bytes (as seen on a TLS connection).
Result<CertificateInfo> inspect_certificate_der(ByteView der);

}  // namespace mlchain::crypto
