// Self-signed X.509 certificates over Ed25519 keys, for TLS 1.3 with pinning.
// mlchain runs no CA: a peer is trusted when the Ed25519 key in its
// certificate is a member key recorded on chain, so the certificate is just a
// carrier for the key (subject CN = the node name, validity as asked).
//
// Thread safety: the free functions are thread-safe.
#pragma once

#include <filesystem>

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

// PEM ("-----BEGIN CERTIFICATE-----"), X.509 v3 self-signed with `key`:
// subject = issuer = CN=common_name, random 128-bit serial, valid from one
// hour before `now` (clock skew) to `now + validity`, basicConstraints
// CA:FALSE (critical). InvalidArgument if common_name is empty, longer than
// 64 bytes or contains NUL, or validity is not in [1 hour, 100 years].
// Without `now`, the system clock is used.
Result<std::string> make_self_signed_certificate(const PrivateKey& key, std::string_view common_name,
                                                 std::chrono::hours validity);
Result<std::string> make_self_signed_certificate(const PrivateKey& key, std::string_view common_name,
                                                 std::chrono::hours validity, TimePoint now);

// Parses the first CERTIFICATE block of `pem` (other blocks, e.g. a private
// key, are skipped). Errors: InvalidArgument if there is no block, it does not
// decode, or its key is not Ed25519; VerificationFailed if the self-signature
// does not verify. Validity times are reported, not checked: the caller
// compares them with its Clock. subject_cn is empty if the subject has no CN.
Result<CertificateInfo> inspect_certificate(std::string_view pem);

// The first "-----BEGIN CERTIFICATE-----" block of a file (a `mlchain key
// gen` key file holds the key and its certificate), with a trailing newline.
// InvalidArgument when the file is unreadable or holds no certificate.
Result<std::string> read_certificate_pem(const std::filesystem::path& path);

// Same, from DER bytes (as seen on a TLS connection). Trailing bytes after
// the certificate are refused.
Result<CertificateInfo> inspect_certificate_der(ByteView der);

}  // namespace mlchain::crypto
