// Self-signed X.509 v3 certificates carrying an Ed25519 key. The certificate
// proves nothing by itself (no CA): its job is to carry the key into TLS,
// where the peer pins the key against the chain.
#include "mlchain/crypto/cert.h"

#include <fstream>
#include <sstream>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <climits>

#include "openssl_util.h"

namespace mlchain::crypto {
namespace {

using detail::Deleter;
using detail::openssl_error;

constexpr std::size_t kMaxCommonName = 64;  // ub-common-name, RFC 5280
constexpr std::chrono::hours kMaxValidity{24 * 365 * 100};

Status set_times(X509* x, TimePoint now, std::chrono::hours validity) {
  const auto t = static_cast<time_t>(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  // One hour of slack for peers whose clocks run behind.
  const long days = static_cast<long>(validity.count() / 24);
  const long secs = static_cast<long>(validity.count() % 24) * 3600;
  time_t start = t;
  if (X509_time_adj_ex(X509_getm_notBefore(x), 0, -3600, &start) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(x), static_cast<int>(days), secs, &start) == nullptr) {
    return internal_error("cannot set the certificate validity: " + openssl_error());
  }
  return {};
}

Status set_random_serial(X509* x) {
  std::array<unsigned char, 16> rnd{};
  if (RAND_bytes(rnd.data(), static_cast<int>(rnd.size())) != 1) {
    return internal_error("RAND_bytes failed: " + openssl_error());
  }
  // BN_bin2bn reads unsigned, so the serial is positive as RFC 5280 asks.
  detail::BnPtr bn(BN_bin2bn(rnd.data(), static_cast<int>(rnd.size()), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) == nullptr) {
    return internal_error("cannot set the certificate serial: " + openssl_error());
  }
  return {};
}

Status set_names(X509* x, std::string_view cn) {
  X509_NAME* name = X509_get_subject_name(x);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.data()),
                                 static_cast<int>(cn.size()), -1, 0) != 1 ||
      X509_set_issuer_name(x, name) != 1) {
    return invalid_argument("cannot use \"" + std::string(cn) + "\" as a certificate name: " + openssl_error());
  }
  return {};
}

Status add_basic_constraints(X509* x) {
  std::unique_ptr<BASIC_CONSTRAINTS, Deleter<BASIC_CONSTRAINTS_free>> bc(BASIC_CONSTRAINTS_new());
  if (!bc) return internal_error("BASIC_CONSTRAINTS_new: " + openssl_error());
  bc->ca = 0;
  if (X509_add1_ext_i2d(x, NID_basic_constraints, bc.get(), /*crit=*/1, X509V3_ADD_DEFAULT) != 1) {
    return internal_error("cannot add basicConstraints: " + openssl_error());
  }
  return {};
}

Result<std::int64_t> unix_seconds(const ASN1_TIME* t) {
  detail::Asn1TimePtr epoch(ASN1_TIME_set(nullptr, 0));
  int days = 0;
  int secs = 0;
  if (t == nullptr || !epoch || ASN1_TIME_diff(&days, &secs, epoch.get(), t) != 1) {
    return invalid_argument("certificate has an unreadable validity time: " + openssl_error());
  }
  return std::int64_t{days} * 86400 + secs;
}

Result<std::string> common_name(X509* x) {
  X509_NAME* subject = X509_get_subject_name(x);
  int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (idx < 0) return std::string();
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx)));
  if (len < 0) return invalid_argument("certificate subject CN cannot be decoded: " + openssl_error());
  std::string cn(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return cn;
}

Result<CertificateInfo> inspect(X509* x) {
  EVP_PKEY* pkey = X509_get0_pubkey(x);
  if (pkey == nullptr) return invalid_argument("certificate public key cannot be decoded: " + openssl_error());
  if (!EVP_PKEY_is_a(pkey, "ED25519")) {
    const char* type = EVP_PKEY_get0_type_name(pkey);
    return invalid_argument(std::string("certificate key is ") + (type ? type : "of an unknown type") +
                            ", not Ed25519");
  }
  if (X509_verify(x, pkey) != 1) {
    ERR_clear_error();
    return verification_failed("certificate self-signature does not verify: the certificate was altered or forged");
  }
  CertificateInfo info;
  std::size_t len = info.public_key.bytes.size();
  if (EVP_PKEY_get_raw_public_key(pkey, info.public_key.bytes.data(), &len) != 1 ||
      len != info.public_key.bytes.size()) {
    return invalid_argument("certificate Ed25519 key cannot be read: " + openssl_error());
  }
  MLCHAIN_ASSIGN_OR_RETURN(info.subject_cn, common_name(x));
  MLCHAIN_ASSIGN_OR_RETURN(info.not_before_unix, unix_seconds(X509_get0_notBefore(x)));
  MLCHAIN_ASSIGN_OR_RETURN(info.not_after_unix, unix_seconds(X509_get0_notAfter(x)));

  int der_len = i2d_X509(x, nullptr);
  if (der_len <= 0) return invalid_argument("certificate cannot be encoded: " + openssl_error());
  Bytes der(static_cast<std::size_t>(der_len));
  unsigned char* p = der.data();
  if (i2d_X509(x, &p) != der_len) return internal_error("i2d_X509: " + openssl_error());
  info.fingerprint = sha256(ByteView(der));
  return info;
}

}  // namespace

Result<std::string> make_self_signed_certificate(const PrivateKey& key, std::string_view common_name,
                                                 std::chrono::hours validity) {
  return make_self_signed_certificate(key, common_name, validity, SystemClock().now());
}

Result<std::string> make_self_signed_certificate(const PrivateKey& key, std::string_view common_name,
                                                 std::chrono::hours validity, TimePoint now) {
  if (common_name.empty() || common_name.size() > kMaxCommonName || common_name.find('\0') != std::string_view::npos) {
    return invalid_argument("certificate common name must be 1 to 64 bytes without NUL, got " +
                            std::to_string(common_name.size()) + " bytes");
  }
  if (validity.count() <= 0 || validity > kMaxValidity) {
    return invalid_argument("certificate validity must be between 1 hour and 100 years, got " +
                            std::to_string(validity.count()) + " hours");
  }
  auto* pkey = static_cast<EVP_PKEY*>(key.native_handle());
  if (pkey == nullptr) return invalid_argument("no private key (moved-from key?)");

  detail::X509Ptr x(X509_new());
  if (!x) return internal_error("X509_new: " + openssl_error());
  if (X509_set_version(x.get(), X509_VERSION_3) != 1) return internal_error("X509_set_version: " + openssl_error());
  MLCHAIN_TRY(set_random_serial(x.get()));
  MLCHAIN_TRY(set_times(x.get(), now, validity));
  MLCHAIN_TRY(set_names(x.get(), common_name));
  if (X509_set_pubkey(x.get(), pkey) != 1) return internal_error("X509_set_pubkey: " + openssl_error());
  MLCHAIN_TRY(add_basic_constraints(x.get()));
  // Ed25519 signs the message itself: no separate digest is named.
  if (X509_sign(x.get(), pkey, nullptr) <= 0) return internal_error("X509_sign: " + openssl_error());

  auto bio = detail::write_bio();
  if (PEM_write_bio_X509(bio.get(), x.get()) != 1) return internal_error("PEM_write_bio_X509: " + openssl_error());
  return detail::bio_contents(bio.get());
}

Result<CertificateInfo> inspect_certificate(std::string_view pem) {
  auto block = detail::find_pem_block(pem, "CERTIFICATE");
  if (!block) return invalid_argument("no \"-----BEGIN CERTIFICATE-----\" block found");
  auto bio = detail::read_bio(*block);
  detail::X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!x) return invalid_argument("the CERTIFICATE block cannot be decoded: " + openssl_error());
  return inspect(x.get());
}

Result<CertificateInfo> inspect_certificate_der(ByteView der) {
  if (der.empty()) return invalid_argument("empty certificate");
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) return invalid_argument("certificate too large");
  const unsigned char* p = der.data();
  detail::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) return invalid_argument("certificate DER cannot be decoded: " + openssl_error());
  if (p != der.data() + der.size()) {
    return invalid_argument("certificate DER has " + std::to_string(der.data() + der.size() - p) + " trailing bytes");
  }
  return inspect(x.get());
}

Result<std::string> read_certificate_pem(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument("cannot read key file " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  const std::string begin = "-----BEGIN CERTIFICATE-----";
  const std::string end = "-----END CERTIFICATE-----";
  auto b = text.find(begin);
  auto e = text.find(end, b == std::string::npos ? 0 : b);
  if (b == std::string::npos || e == std::string::npos) {
    return invalid_argument("key file " + path.string() +
                            " holds no certificate; create it with: mlchain key gen --out " + path.string());
  }
  return text.substr(b, e + end.size() - b) + "\n";
}

}  // namespace mlchain::crypto
