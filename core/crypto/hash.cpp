#include "mlchain/crypto/hash.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <algorithm>

#include "openssl_util.h"

namespace mlchain::crypto {

using detail::data_or_empty;
using detail::fatal_openssl;

Digest sha256(ByteView data) {
  Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data_or_empty(data), data.size(), out.data(), &len, detail::sha256_md(), nullptr) != 1 ||
      len != out.size()) {
    fatal_openssl("EVP_Digest(SHA256)");
  }
  return out;
}

struct Sha256::Impl {
  detail::MdCtxPtr ctx;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx.reset(EVP_MD_CTX_new());
  if (!impl_->ctx || EVP_DigestInit_ex2(impl_->ctx.get(), detail::sha256_md(), nullptr) != 1) {
    fatal_openssl("EVP_DigestInit_ex2(SHA256)");
  }
}

Sha256::~Sha256() = default;

Sha256& Sha256::update(ByteView data) {
  if (EVP_DigestUpdate(impl_->ctx.get(), data_or_empty(data), data.size()) != 1) fatal_openssl("EVP_DigestUpdate");
  return *this;
}

Digest Sha256::finish() {
  Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    fatal_openssl("EVP_DigestFinal_ex");
  }
  return out;
}

namespace {

EVP_MAC* hmac_mac() {
  // Fetched once; never freed (lives as long as the process).
  static EVP_MAC* mac = [] {
    EVP_MAC* fetched = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (fetched == nullptr) fatal_openssl("EVP_MAC_fetch(HMAC)");
    return fetched;
  }();
  return mac;
}

}  // namespace

Digest hmac_sha256(ByteView key, ByteView message) {
  detail::MacCtxPtr ctx(EVP_MAC_CTX_new(hmac_mac()));
  if (!ctx) fatal_openssl("EVP_MAC_CTX_new");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  // A NULL key would mean "keep the previous key"; an empty key is a valid
  // HMAC key, so always pass a real pointer.
  if (EVP_MAC_init(ctx.get(), data_or_empty(key), key.size(), params) != 1) fatal_openssl("EVP_MAC_init(HMAC)");
  if (EVP_MAC_update(ctx.get(), data_or_empty(message), message.size()) != 1) fatal_openssl("EVP_MAC_update");
  Digest out{};
  std::size_t len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
    fatal_openssl("EVP_MAC_final");
  }
  return out;
}

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string digest_hex(const Digest& d) { return to_hex(d); }

Result<Digest> digest_from_hex(std::string_view hex) {
  if (hex.size() != 64) {
    return invalid_argument("a SHA-256 digest is 64 hex characters, got " + std::to_string(hex.size()));
  }
  MLCHAIN_ASSIGN_OR_RETURN(Bytes bytes, from_hex(hex));
  Digest out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

}  // namespace mlchain::crypto
