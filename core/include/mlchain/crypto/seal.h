// Sealing: public-key authenticated-free encryption to a recipient
// (ECIES-style). X25519 ephemeral-static key agreement, HKDF-SHA256, then
// AES-256-GCM. The sealed box is self-contained:
//
//   version(1) = 0x01 | ephemeral X25519 public key (32) | nonce (12) |
//   ciphertext | GCM tag (16)
//
// The HKDF info binds the ephemeral key and the recipient key; `aad` is
// authenticated but not encrypted. Anyone may seal; only the holder of the
// recipient private key can unseal. Tampering with any byte fails unseal.
//
// Key schedule: key = HKDF-SHA256(ikm = X25519 shared secret, no salt,
// info = "mlchain seal v1" || ephemeral public || recipient public). Each box
// has its own ephemeral key, hence its own AES key; the nonce is random.
//
// A node's sealing key is derived from its Ed25519 seed (HKDF-SHA256, ikm =
// seed, no salt, info = "mlchain seal x25519 v1"), so one key file holds both
// identities.
//
// Thread safety: the free functions are thread-safe; SealPrivateKey is a
// value, safe for concurrent const use.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "mlchain/common/bytes.h"
#include "mlchain/crypto/ed25519.h"

namespace mlchain::crypto {

struct SealPublicKey {
  std::array<std::uint8_t, 32> bytes{};
  std::string hex() const;
  static Result<SealPublicKey> from_hex(std::string_view hex);
  friend auto operator<=>(const SealPublicKey&, const SealPublicKey&) = default;
};

class SealPrivateKey {
 public:
  static Result<SealPrivateKey> generate();
  // Deterministic: the same identity always gives the same sealing key.
  static Result<SealPrivateKey> derive_from(const PrivateKey& identity);
  const SealPublicKey& public_key() const { return public_key_; }
  // Raw X25519 scalar; secret.
  const std::array<std::uint8_t, 32>& secret() const { return secret_; }

 private:
  std::array<std::uint8_t, 32> secret_{};
  SealPublicKey public_key_;
};

// Output is plaintext.size() + 61 bytes. InvalidArgument if `recipient` is not
// a usable X25519 key (a small-order point).
Result<Bytes> seal(const SealPublicKey& recipient, ByteView plaintext, ByteView aad = {});
// VerificationFailed on any tampering, wrong key, wrong aad or unknown version
// byte; InvalidArgument if shorter than 61 bytes. No plaintext is returned
// unless the whole box authenticates.
Result<Bytes> unseal(const SealPrivateKey& recipient, ByteView sealed, ByteView aad = {});

}  // namespace mlchain::crypto
