// Sealed boxes: X25519 ephemeral-static ECDH, HKDF-SHA256, AES-256-GCM.
//
//   shared = X25519(ephemeral_secret, recipient_public)
//          = X25519(recipient_secret, ephemeral_public)
//   key    = HKDF-SHA256(ikm = shared, salt = none,
//                        info = "mlchain seal v1" || ephemeral_public || recipient_public)
//   box    = 0x01 || ephemeral_public || nonce || AES-256-GCM(key, nonce, aad, plaintext) || tag
//
// A fresh ephemeral key per box makes the key single-use, so the random
// nonce never repeats under one key. Binding both public keys in the HKDF
// info stops a box from being re-targeted or its ephemeral key swapped.
#include "mlchain/crypto/seal.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "openssl_util.h"

namespace mlchain::crypto {
namespace {

using detail::openssl_error;
using detail::PkeyPtr;
using Key32 = std::array<std::uint8_t, 32>;

constexpr std::uint8_t kVersion = 0x01;
constexpr std::size_t kPublicSize = 32;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kHeaderSize = 1 + kPublicSize + kNonceSize;
constexpr std::size_t kMinBoxSize = kHeaderSize + kTagSize;
constexpr std::string_view kSealInfo = "mlchain seal v1";
constexpr std::string_view kDeriveLabel = "mlchain seal x25519 v1";

// Wipes a secret buffer when leaving scope.
class Wipe {
 public:
  explicit Wipe(std::span<std::uint8_t> s) : s_(s) {}
  ~Wipe() { OPENSSL_cleanse(s_.data(), s_.size()); }
  Wipe(const Wipe&) = delete;
  Wipe& operator=(const Wipe&) = delete;

 private:
  std::span<std::uint8_t> s_;
};

const EVP_CIPHER* aes_256_gcm() {
  // Fetched once; never freed (lives as long as the process).
  static EVP_CIPHER* cipher = [] {
    EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    if (fetched == nullptr) detail::fatal_openssl("EVP_CIPHER_fetch(AES-256-GCM)");
    return fetched;
  }();
  return cipher;
}

PkeyPtr x25519_private(const Key32& secret) {
  // OpenSSL clamps the scalar when it uses it.
  return PkeyPtr(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret.data(), secret.size()));
}

Status raw_public(EVP_PKEY* pkey, Key32& out) {
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey, out.data(), &len) != 1 || len != out.size()) {
    return internal_error("cannot read an X25519 public key: " + openssl_error());
  }
  return {};
}

// X25519(own, peer). Fails for a peer key that yields the all-zero secret
// (a small-order point), which OpenSSL refuses.
Status x25519(EVP_PKEY* own, const Key32& peer_public, Key32& shared) {
  PkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(), peer_public.size()));
  detail::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  std::size_t len = shared.size();
  if (!peer || !ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), shared.data(), &len) != 1 || len != shared.size()) {
    return invalid_argument("X25519 key agreement failed: " + openssl_error());
  }
  return {};
}

Status box_key(const Key32& shared, const Key32& ephemeral_public, const Key32& recipient_public, Key32& key) {
  std::array<std::uint8_t, kSealInfo.size() + 2 * kPublicSize> info{};
  auto out = std::copy(kSealInfo.begin(), kSealInfo.end(), info.begin());
  out = std::copy(ephemeral_public.begin(), ephemeral_public.end(), out);
  std::copy(recipient_public.begin(), recipient_public.end(), out);
  return detail::hkdf_sha256(shared, {}, info, key);
}

// EVP_CipherUpdate takes int lengths: feed large inputs in pieces. With a
// null `out` the input is additional authenticated data. GCM is a stream
// mode, so each piece produces exactly as many bytes as it consumes.
bool cipher_update(EVP_CIPHER_CTX* ctx, std::uint8_t* out, ByteView in) {
  constexpr std::size_t kChunk = std::size_t{1} << 30;
  for (std::size_t off = 0; off < in.size();) {
    std::size_t n = std::min(kChunk, in.size() - off);
    int outl = 0;
    if (EVP_CipherUpdate(ctx, out ? out + off : nullptr, &outl, in.data() + off, static_cast<int>(n)) != 1) {
      return false;
    }
    off += n;
  }
  return true;
}

// Fills a key pair from a 32-byte X25519 secret.
Status key_pair(const Key32& secret, Key32& secret_out, SealPublicKey& public_out) {
  PkeyPtr pkey = x25519_private(secret);
  if (!pkey) return internal_error("cannot build an X25519 key: " + openssl_error());
  MLCHAIN_TRY(raw_public(pkey.get(), public_out.bytes));
  secret_out = secret;
  return {};
}

}  // namespace

std::string SealPublicKey::hex() const { return to_hex(bytes); }

Result<SealPublicKey> SealPublicKey::from_hex(std::string_view hex) {
  if (hex.size() != 64) {
    return invalid_argument("an X25519 public key is 64 hex characters, got " + std::to_string(hex.size()));
  }
  MLCHAIN_ASSIGN_OR_RETURN(Bytes raw, mlchain::from_hex(hex));
  SealPublicKey key;
  std::copy(raw.begin(), raw.end(), key.bytes.begin());
  return key;
}

Result<SealPrivateKey> SealPrivateKey::generate() {
  Key32 secret{};
  Wipe wipe(secret);
  if (RAND_priv_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    return internal_error("RAND_priv_bytes failed: " + openssl_error());
  }
  SealPrivateKey key;
  MLCHAIN_TRY(key_pair(secret, key.secret_, key.public_key_));
  return key;
}

Result<SealPrivateKey> SealPrivateKey::derive_from(const PrivateKey& identity) {
  Bytes seed = identity.seed();
  Wipe wipe_seed(seed);
  if (seed.size() != 32) return invalid_argument("the identity key has no seed (moved-from key?)");
  Key32 secret{};
  Wipe wipe(secret);
  MLCHAIN_TRY(detail::hkdf_sha256(seed, {}, as_bytes(kDeriveLabel), secret));
  SealPrivateKey key;
  MLCHAIN_TRY(key_pair(secret, key.secret_, key.public_key_));
  return key;
}

Result<Bytes> seal(const SealPublicKey& recipient, ByteView plaintext, ByteView aad) {
  PkeyPtr ephemeral(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  if (!ephemeral) return internal_error("X25519 key generation failed: " + openssl_error());
  Key32 ephemeral_public{};
  MLCHAIN_TRY(raw_public(ephemeral.get(), ephemeral_public));

  Key32 shared{};
  Key32 key{};
  Wipe wipe_shared(shared);
  Wipe wipe_key(key);
  if (Status s = x25519(ephemeral.get(), recipient.bytes, shared); !s.ok()) {
    return invalid_argument("cannot seal to recipient key " + recipient.hex() + ": not a usable X25519 public key");
  }
  MLCHAIN_TRY(box_key(shared, ephemeral_public, recipient.bytes, key));

  Bytes box(kHeaderSize + plaintext.size() + kTagSize);
  box[0] = kVersion;
  std::copy(ephemeral_public.begin(), ephemeral_public.end(), box.begin() + 1);
  std::uint8_t* nonce = box.data() + 1 + kPublicSize;
  if (RAND_bytes(nonce, static_cast<int>(kNonceSize)) != 1) {
    return internal_error("RAND_bytes failed: " + openssl_error());
  }

  detail::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int outl = 0;
  // The default GCM IV length is 12 bytes, which is kNonceSize.
  if (!ctx || EVP_CipherInit_ex2(ctx.get(), aes_256_gcm(), key.data(), nonce, 1, nullptr) != 1 ||
      !cipher_update(ctx.get(), nullptr, aad) || !cipher_update(ctx.get(), box.data() + kHeaderSize, plaintext) ||
      EVP_CipherFinal_ex(ctx.get(), box.data() + kHeaderSize + plaintext.size(), &outl) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagSize),
                          box.data() + kHeaderSize + plaintext.size()) != 1) {
    return internal_error("AES-256-GCM encryption failed: " + openssl_error());
  }
  return box;
}

Result<Bytes> unseal(const SealPrivateKey& recipient, ByteView sealed, ByteView aad) {
  if (sealed.size() < kMinBoxSize) {
    return invalid_argument("sealed box is " + std::to_string(sealed.size()) + " bytes; a sealed box has at least " +
                            std::to_string(kMinBoxSize));
  }
  if (sealed[0] != kVersion) {
    return verification_failed("sealed box has version " + std::to_string(sealed[0]) + "; this build reads version " +
                               std::to_string(kVersion));
  }
  Key32 ephemeral_public{};
  std::copy_n(sealed.begin() + 1, kPublicSize, ephemeral_public.begin());
  const std::uint8_t* nonce = sealed.data() + 1 + kPublicSize;
  ByteView ciphertext = sealed.subspan(kHeaderSize, sealed.size() - kMinBoxSize);
  ByteView tag = sealed.subspan(sealed.size() - kTagSize);

  PkeyPtr own = x25519_private(recipient.secret());
  if (!own) return internal_error("cannot build an X25519 key: " + openssl_error());
  Key32 own_public{};
  MLCHAIN_TRY(raw_public(own.get(), own_public));

  const Status kFailed = verification_failed(
      "sealed box does not verify: it was altered, sealed to another key, or the associated data "
      "differs");
  Key32 shared{};
  Key32 key{};
  Wipe wipe_shared(shared);
  Wipe wipe_key(key);
  if (!x25519(own.get(), ephemeral_public, shared).ok()) {
    ERR_clear_error();
    return kFailed;
  }
  MLCHAIN_TRY(box_key(shared, ephemeral_public, own_public, key));

  Bytes plaintext(ciphertext.size());
  detail::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex2(ctx.get(), aes_256_gcm(), key.data(), nonce, 0, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize),
                          const_cast<std::uint8_t*>(tag.data())) != 1) {
    return internal_error("AES-256-GCM setup failed: " + openssl_error());
  }
  int outl = 0;
  if (!cipher_update(ctx.get(), nullptr, aad) || !cipher_update(ctx.get(), plaintext.data(), ciphertext) ||
      EVP_CipherFinal_ex(ctx.get(), plaintext.data() + plaintext.size(), &outl) != 1) {
    // Release nothing that failed authentication.
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    ERR_clear_error();
    return kFailed;
  }
  return plaintext;
}

}  // namespace mlchain::crypto
