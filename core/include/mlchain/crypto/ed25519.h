// Ed25519 identities (OpenSSL EVP, RFC 8032 pure Ed25519).
//
// Key files are PEM. A private key file is created with mode 0600 and is
// refused on load if group- or world-accessible (mode & 077), with a message
// telling the user to chmod 600. Private key bytes never appear in any
// to_string, log or error message.
//
// Thread safety: PrivateKey and the free functions are safe for concurrent
// const use (OpenSSL EVP_PKEY is read-only after creation). A moved-from
// PrivateKey may only be destroyed or assigned to.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "mlchain/common/bytes.h"
#include "mlchain/crypto/hash.h"

namespace mlchain::crypto {

using Signature = std::array<std::uint8_t, 64>;

struct PublicKey {
  std::array<std::uint8_t, 32> bytes{};

  std::string hex() const;
  // Short stable identifier: first 16 hex chars of SHA-256(bytes).
  std::string key_id() const;
  static Result<PublicKey> from_hex(std::string_view hex);
  friend auto operator<=>(const PublicKey&, const PublicKey&) = default;
};

class PrivateKey {
 public:
  static Result<PrivateKey> generate();
  // Deterministic key from a 32-byte RFC 8032 seed (tests, derived keys).
  static Result<PrivateKey> from_seed(ByteView seed32);
  // The first unencrypted PKCS#8 "PRIVATE KEY" block of `pem`, wherever it is
  // (other blocks such as a CERTIFICATE are skipped). InvalidArgument if there
  // is none, it does not decode, it is encrypted, or it is not Ed25519.
  static Result<PrivateKey> from_pem(std::string_view pem);
  // Reads the first "PRIVATE KEY" PEM block of the file; refuses a file whose
  // mode allows group/other access (InvalidArgument, mentions chmod 600).
  // NotFound if the file does not exist; IoError if it cannot be read.
  static Result<PrivateKey> load_pem_file(const std::filesystem::path& path);

  PrivateKey(const PrivateKey&);
  PrivateKey& operator=(const PrivateKey&);
  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  ~PrivateKey();

  const PublicKey& public_key() const { return public_key_; }
  Signature sign(ByteView message) const;
  // PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). Secret: never log it.
  std::string to_pem() const;
  // The 32-byte seed. Secret: used only to derive other keys (sealing).
  Bytes seed() const;

  // Opaque OpenSSL handle (EVP_PKEY*), for TLS setup in core/net. Owned by
  // this key (and shared by its copies); do not free or modify it.
  void* native_handle() const;

 private:
  struct Impl;
  explicit PrivateKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  PublicKey public_key_;
};

bool verify(const PublicKey& key, ByteView message, const Signature& signature);
Result<Signature> signature_from_hex(std::string_view hex);
std::string signature_hex(const Signature& s);

// Writes `contents` to `path` atomically (temp file + fsync + rename) with the
// given mode. Refuses to replace an existing file unless overwrite is true
// (AlreadyExists, message suggests --force).
// Durability: when this returns ok, the file and its directory entry have
// been fsync'ed. After a crash `path` holds either its old state or the full
// new contents, never a partial write. The mode is exact, whatever the umask.
Status write_file_atomic(const std::filesystem::path& path, std::string_view contents, unsigned mode, bool overwrite);

// Injectable seams for consensus and tests: real ones wrap the functions
// above; tests may use fakes that skip the cost of signing.
class Signer {
 public:
  virtual ~Signer() = default;
  virtual const PublicKey& public_key() const = 0;
  virtual Signature sign(ByteView message) const = 0;
};

class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual bool verify(const PublicKey& key, ByteView message, const Signature& signature) const = 0;
};

class Ed25519Signer final : public Signer {
 public:
  explicit Ed25519Signer(PrivateKey key) : key_(std::move(key)) {}
  const PublicKey& public_key() const override { return key_.public_key(); }
  Signature sign(ByteView message) const override { return key_.sign(message); }

 private:
  PrivateKey key_;
};

class Ed25519Verifier final : public Verifier {
 public:
  bool verify(const PublicKey& key, ByteView message, const Signature& signature) const override {
    return crypto::verify(key, message, signature);
  }
};

}  // namespace mlchain::crypto
