#include "openssl_util.h"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <cstdio>
#include <cstdlib>

namespace mlchain::crypto::detail {

std::string openssl_error() {
  std::string out;
  char buf[256];
  while (unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no OpenSSL error reported" : out;
}

void fatal_openssl(const char* what) {
  std::fprintf(stderr, "mlchain: fatal: %s failed: %s\n", what, openssl_error().c_str());
  std::abort();
}

const unsigned char* data_or_empty(ByteView data) {
  static const unsigned char kEmpty = 0;
  return data.empty() ? &kEmpty : data.data();
}

const EVP_MD* sha256_md() {
  // Intentionally never freed: it lives as long as the process.
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) fatal_openssl("EVP_MD_fetch(SHA256)");
    return fetched;
  }();
  return md;
}

namespace {

EVP_KDF* hkdf_kdf() {
  static EVP_KDF* kdf = [] {
    EVP_KDF* fetched = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    if (fetched == nullptr) fatal_openssl("EVP_KDF_fetch(HKDF)");
    return fetched;
  }();
  return kdf;
}

// OSSL_PARAM wants a non-const pointer even for inputs it only reads.
OSSL_PARAM octets(const char* name, ByteView data) {
  return OSSL_PARAM_construct_octet_string(name, const_cast<unsigned char*>(data_or_empty(data)), data.size());
}

}  // namespace

Status hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, std::span<std::uint8_t> out) {
  KdfCtxPtr ctx(EVP_KDF_CTX_new(hkdf_kdf()));
  if (!ctx) return internal_error("EVP_KDF_CTX_new: " + openssl_error());
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = octets(OSSL_KDF_PARAM_KEY, ikm);
  params[n++] = octets(OSSL_KDF_PARAM_INFO, info);
  if (!salt.empty()) params[n++] = octets(OSSL_KDF_PARAM_SALT, salt);
  params[n] = OSSL_PARAM_construct_end();
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return internal_error("HKDF-SHA256 failed: " + openssl_error());
  }
  return {};
}

BioPtr read_bio(std::string_view text) {
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) fatal_openssl("BIO_new_mem_buf");
  return bio;
}

BioPtr secret_write_bio() {
  // BIO_s_secmem allocates through OPENSSL_secure_*, which clears on free
  // (and falls back to the normal heap when no secure heap is set up).
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) fatal_openssl("BIO_new(BIO_s_secmem)");
  return bio;
}

BioPtr write_bio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) fatal_openssl("BIO_new(BIO_s_mem)");
  return bio;
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return {};
  return {data, static_cast<std::size_t>(len)};
}

std::optional<std::string_view> find_pem_block(std::string_view text, std::string_view label) {
  std::string begin = "-----BEGIN ";
  begin += label;
  begin += "-----";
  std::string end = "-----END ";
  end += label;
  end += "-----";
  std::size_t b = text.find(begin);
  if (b == std::string_view::npos) return std::nullopt;
  std::size_t e = text.find(end, b + begin.size());
  if (e == std::string_view::npos) return std::nullopt;
  e += end.size();
  if (e < text.size() && text[e] == '\r') ++e;
  if (e < text.size() && text[e] == '\n') ++e;
  return text.substr(b, e - b);
}

}  // namespace mlchain::crypto::detail
