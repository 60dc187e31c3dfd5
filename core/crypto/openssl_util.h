// Internal to core/crypto: RAII owners for OpenSSL objects, error strings and
// the few shared building blocks (HKDF, PEM block lookup). Not a public header:
// OpenSSL types must not leak into code that includes mlchain/crypto/*.h.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mlchain/common/bytes.h"

namespace mlchain::crypto::detail {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using MacPtr = std::unique_ptr<EVP_MAC, Deleter<EVP_MAC_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX_free>>;
using KdfPtr = std::unique_ptr<EVP_KDF, Deleter<EVP_KDF_free>>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, Deleter<EVP_KDF_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;

// Drains this thread's OpenSSL error queue into "reason; reason; ..." (or
// "no OpenSSL error reported"). OpenSSL reasons never contain key bytes.
std::string openssl_error();

// For calls that cannot fail except on a broken local invariant (allocation
// failure, a missing built-in algorithm): prints what failed and aborts.
[[noreturn]] void fatal_openssl(const char* what);

// A non-null pointer for `data`, even when it is empty: some EVP calls treat
// NULL as "not given" rather than "zero bytes".
const unsigned char* data_or_empty(ByteView data);

// Prefetched algorithms (OpenSSL 3 implicit fetches take a lock on every
// call). Fetched once, kept for the life of the process.
const EVP_MD* sha256_md();

// HKDF-SHA256 (RFC 5869, extract then expand) via EVP_KDF "HKDF". An empty
// salt means the RFC default (HashLen zero bytes).
Status hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, std::span<std::uint8_t> out);

// A memory BIO reading `text` (not copied: `text` must outlive the BIO).
BioPtr read_bio(std::string_view text);
// A memory BIO for writing secrets: its buffer is cleansed when freed.
BioPtr secret_write_bio();
BioPtr write_bio();
std::string bio_contents(BIO* bio);

// The first "-----BEGIN <label>-----" ... "-----END <label>-----" block of
// `text`, both lines included, or nullopt.
std::optional<std::string_view> find_pem_block(std::string_view text, std::string_view label);

}  // namespace mlchain::crypto::detail
