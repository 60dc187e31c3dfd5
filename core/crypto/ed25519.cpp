#include "mlchain/crypto/ed25519.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "openssl_util.h"

namespace mlchain::crypto {

using detail::data_or_empty;
using detail::fatal_openssl;
using detail::openssl_error;
using detail::PkeyPtr;

namespace {

// libsodium must be initialised once before use (it picks its CPU-specific
// code there); sodium_init is thread-safe and idempotent. After the first
// call this is one guarded static: cheap on the verification path.
void ensure_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fprintf(stderr, "mlchain: fatal: libsodium cannot be initialised\n");
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

}  // namespace

std::string PublicKey::hex() const { return to_hex(bytes); }

std::string PublicKey::key_id() const { return digest_hex(sha256(ByteView(bytes))).substr(0, 16); }

Result<PublicKey> PublicKey::from_hex(std::string_view hex) {
  if (hex.size() != 64) {
    return invalid_argument("an Ed25519 public key is 64 hex characters, got " + std::to_string(hex.size()));
  }
  MLCHAIN_ASSIGN_OR_RETURN(Bytes raw, mlchain::from_hex(hex));
  PublicKey key;
  std::copy(raw.begin(), raw.end(), key.bytes.begin());
  return key;
}

struct PrivateKey::Impl {
  PkeyPtr pkey;                                          // PEM, TLS identities
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk{};  // seed || public key, for libsodium
  ~Impl() { sodium_memzero(sk.data(), sk.size()); }

  // Takes ownership of an EVP_PKEY that must be an Ed25519 private key.
  // (A nested class may call PrivateKey's private constructor.)
  static Result<PrivateKey> wrap(PkeyPtr pkey) {
    if (!pkey) return internal_error("no key");
    if (!EVP_PKEY_is_a(pkey.get(), "ED25519")) {
      const char* type = EVP_PKEY_get0_type_name(pkey.get());
      return invalid_argument(std::string("the key is not an Ed25519 key (found ") + (type ? type : "unknown type") +
                              ")");
    }
    PublicKey pub;
    std::size_t len = pub.bytes.size();
    if (EVP_PKEY_get_raw_public_key(pkey.get(), pub.bytes.data(), &len) != 1 || len != pub.bytes.size()) {
      return internal_error("cannot read the Ed25519 public key: " + openssl_error());
    }
    std::array<unsigned char, 32> seed{};
    std::size_t seed_len = seed.size();
    if (EVP_PKEY_get_raw_private_key(pkey.get(), seed.data(), &seed_len) != 1 || seed_len != seed.size()) {
      return internal_error("cannot read the Ed25519 private key: " + openssl_error());
    }
    ensure_sodium();
    auto impl = std::make_unique<Impl>();
    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> derived{};
    int rc = crypto_sign_seed_keypair(derived.data(), impl->sk.data(), seed.data());
    sodium_memzero(seed.data(), seed.size());
    if (rc != 0 || !std::equal(derived.begin(), derived.end(), pub.bytes.begin())) {
      return internal_error("the Ed25519 key's public half does not match its seed");
    }
    impl->pkey = std::move(pkey);
    PrivateKey key(std::move(impl));
    key.public_key_ = pub;
    return key;
  }
};

PrivateKey::PrivateKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PrivateKey::PrivateKey(const PrivateKey& other) : public_key_(other.public_key_) {
  if (other.impl_) {
    // The EVP_PKEY is immutable after creation, so copies share it.
    EVP_PKEY_up_ref(other.impl_->pkey.get());
    impl_ = std::make_unique<Impl>();
    impl_->pkey.reset(other.impl_->pkey.get());
    impl_->sk = other.impl_->sk;
  }
}

PrivateKey& PrivateKey::operator=(const PrivateKey& other) {
  if (this != &other) *this = PrivateKey(other);
  return *this;
}

PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;
PrivateKey::~PrivateKey() = default;

Result<PrivateKey> PrivateKey::generate() {
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) return internal_error("Ed25519 key generation failed: " + openssl_error());
  return Impl::wrap(std::move(pkey));
}

Result<PrivateKey> PrivateKey::from_seed(ByteView seed32) {
  if (seed32.size() != 32) {
    return invalid_argument("an Ed25519 seed is 32 bytes, got " + std::to_string(seed32.size()));
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed32.data(), seed32.size()));
  if (!pkey) return internal_error("cannot build an Ed25519 key from a seed: " + openssl_error());
  return Impl::wrap(std::move(pkey));
}

namespace {

// Never prompt on the terminal for a passphrase: encrypted keys are refused.
int no_passphrase(char*, int, int, void*) { return -1; }

}  // namespace

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  auto block = detail::find_pem_block(pem, "PRIVATE KEY");
  if (!block) {
    if (detail::find_pem_block(pem, "ENCRYPTED PRIVATE KEY")) {
      return invalid_argument("the private key is passphrase-encrypted; mlchain needs an unencrypted PKCS#8 key");
    }
    return invalid_argument("no \"-----BEGIN PRIVATE KEY-----\" block found (expected a PKCS#8 Ed25519 key in PEM)");
  }
  auto bio = detail::read_bio(*block);
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) return invalid_argument("the PRIVATE KEY block cannot be decoded: " + openssl_error());
  return Impl::wrap(std::move(pkey));
}

Signature PrivateKey::sign(ByteView message) const {
  if (!impl_) {
    std::fprintf(stderr, "mlchain: fatal: sign() on a moved-from PrivateKey\n");
    std::abort();
  }
  // Pure Ed25519 (RFC 8032): deterministic, the same bytes OpenSSL makes.
  Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, data_or_empty(message), message.size(), impl_->sk.data());
  return sig;
}

std::string PrivateKey::to_pem() const {
  if (!impl_) return {};
  auto bio = detail::secret_write_bio();
  // PEM_write_bio_PrivateKey writes PKCS#8 ("PRIVATE KEY"), unencrypted.
  if (PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fatal_openssl("PEM_write_bio_PrivateKey");
  }
  return detail::bio_contents(bio.get());
}

Bytes PrivateKey::seed() const {
  if (!impl_) return {};
  Bytes out(32);
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_private_key(impl_->pkey.get(), out.data(), &len) != 1 || len != out.size()) {
    fatal_openssl("EVP_PKEY_get_raw_private_key(Ed25519)");
  }
  return out;
}

void* PrivateKey::native_handle() const { return impl_ ? impl_->pkey.get() : nullptr; }

// libsodium's check is RFC 8032's and a little stricter than OpenSSL's: it
// also refuses a public key or an R of small order and a non-canonical
// public key, none of which an honest signer produces.
bool verify(const PublicKey& key, ByteView message, const Signature& signature) {
  ensure_sodium();
  return crypto_sign_verify_detached(signature.data(), data_or_empty(message), message.size(), key.bytes.data()) == 0;
}

Result<Signature> signature_from_hex(std::string_view hex) {
  if (hex.size() != 128) {
    return invalid_argument("an Ed25519 signature is 128 hex characters, got " + std::to_string(hex.size()));
  }
  MLCHAIN_ASSIGN_OR_RETURN(Bytes raw, from_hex(hex));
  Signature sig{};
  std::copy(raw.begin(), raw.end(), sig.begin());
  return sig;
}

std::string signature_hex(const Signature& s) { return to_hex(s); }

}  // namespace mlchain::crypto
