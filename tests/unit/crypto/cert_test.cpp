// Self-signed Ed25519 certificates: contents, inspection, refusal of altered
// or non-Ed25519 certificates, and use in a TLS 1.3 handshake.
#include "mlchain/crypto/cert.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>

#include "unit/crypto/test_util.h"

namespace mlchain::crypto {
namespace {

using testing::hex;

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;

X509Ptr parse_pem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

Bytes der_of(X509* x) {
  int len = i2d_X509(x, nullptr);
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  i2d_X509(x, &p);
  return der;
}

std::string pem_of_der(const Bytes& der) {
  std::string b64 = to_base64(der);
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END CERTIFICATE-----\n";
}

PrivateKey test_key() {
  return *PrivateKey::from_seed(hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
}

TEST(Certificate, MakeThenInspect) {
  const PrivateKey key = test_key();
  const TimePoint now = from_unix_millis(1'700'000'000'000);
  auto pem = make_self_signed_certificate(key, "node-1.L2", std::chrono::hours(48), now);
  ASSERT_TRUE(pem.ok()) << pem.status().to_string();
  EXPECT_EQ(pem->rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);

  auto info = inspect_certificate(*pem);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->public_key, key.public_key());
  EXPECT_EQ(info->subject_cn, "node-1.L2");
  EXPECT_EQ(info->not_before_unix, 1'700'000'000 - 3600);
  EXPECT_EQ(info->not_after_unix, 1'700'000'000 + 48 * 3600);

  // Fingerprint: stable, and equal to OpenSSL's own SHA-256 fingerprint.
  X509Ptr x = parse_pem(*pem);
  ASSERT_NE(x, nullptr);
  Digest expected{};
  unsigned int n = 0;
  ASSERT_EQ(X509_digest(x.get(), EVP_sha256(), expected.data(), &n), 1);
  EXPECT_EQ(info->fingerprint, expected);
  EXPECT_EQ(inspect_certificate(*pem)->fingerprint, info->fingerprint);
  auto from_der = inspect_certificate_der(der_of(x.get()));
  ASSERT_TRUE(from_der.ok()) << from_der.status().to_string();
  EXPECT_EQ(from_der->fingerprint, info->fingerprint);
  EXPECT_EQ(from_der->public_key, key.public_key());
  EXPECT_EQ(from_der->subject_cn, "node-1.L2");
}

TEST(Certificate, DefaultClockAndFreshSerials) {
  const PrivateKey key = test_key();
  const std::string a = *make_self_signed_certificate(key, "n", std::chrono::hours(1));
  const std::string b = *make_self_signed_certificate(key, "n", std::chrono::hours(1));
  auto ia = *inspect_certificate(a);
  auto ib = *inspect_certificate(b);
  EXPECT_NE(ia.fingerprint, ib.fingerprint);  // random serials
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(ia.not_before_unix), static_cast<double>(now - 3600), 60.0);
  EXPECT_EQ(ia.not_after_unix - ia.not_before_unix, 2 * 3600);
}

TEST(Certificate, X509Fields) {
  const std::string pem = *make_self_signed_certificate(test_key(), "fields", std::chrono::hours(24));
  X509Ptr x = parse_pem(pem);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(X509_get_version(x.get()), X509_VERSION_3);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(x.get()), X509_get_issuer_name(x.get())), 0);
  EXPECT_EQ(X509_get_signature_nid(x.get()), NID_ED25519);

  std::unique_ptr<BIGNUM, Deleter<BN_free>> serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x.get()), nullptr));
  ASSERT_NE(serial, nullptr);
  EXPECT_FALSE(BN_is_negative(serial.get()));
  EXPECT_GT(BN_num_bits(serial.get()), 64);
  EXPECT_LE(BN_num_bits(serial.get()), 128);

  int idx = X509_get_ext_by_NID(x.get(), NID_basic_constraints, -1);
  ASSERT_GE(idx, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(x.get(), idx)), 1);
  int crit = 0;
  std::unique_ptr<BASIC_CONSTRAINTS, Deleter<BASIC_CONSTRAINTS_free>> bc(
      static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(x.get(), NID_basic_constraints, &crit, nullptr)));
  ASSERT_NE(bc, nullptr);
  EXPECT_EQ(bc->ca, 0);
}

TEST(Certificate, AlteredCertificateIsRefused) {
  const std::string pem = *make_self_signed_certificate(test_key(), "victim-node", std::chrono::hours(24));
  const Bytes der = der_of(parse_pem(pem).get());

  // The signature is the last field: alter its last byte.
  Bytes bad_sig = der;
  bad_sig.back() ^= 0x01;
  EXPECT_EQ(inspect_certificate_der(bad_sig).status().code(), ErrorCode::kVerificationFailed);
  EXPECT_EQ(inspect_certificate(pem_of_der(bad_sig)).status().code(), ErrorCode::kVerificationFailed);

  // Alter the signed content: the subject name.
  const std::string cn = "victim-node";
  auto at = std::search(der.begin(), der.end(), cn.begin(), cn.end());
  ASSERT_NE(at, der.end());
  Bytes bad_name = der;
  bad_name[static_cast<std::size_t>(at - der.begin())] = 'V';
  EXPECT_EQ(inspect_certificate_der(bad_name).status().code(), ErrorCode::kVerificationFailed);

  // The same certificate with its key swapped for another Ed25519 key.
  const auto pub = test_key().public_key().bytes;
  auto key_at = std::search(der.begin(), der.end(), pub.begin(), pub.end());
  ASSERT_NE(key_at, der.end());
  Bytes swapped = der;
  const auto other = PrivateKey::generate()->public_key().bytes;
  std::copy(other.begin(), other.end(), swapped.begin() + (key_at - der.begin()));
  EXPECT_EQ(inspect_certificate_der(swapped).status().code(), ErrorCode::kVerificationFailed);
}

TEST(Certificate, NonEd25519CertificateIsRefused) {
  PkeyPtr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_NE(ec, nullptr);
  X509Ptr x(X509_new());
  ASSERT_EQ(X509_set_version(x.get(), X509_VERSION_3), 1);
  ASSERT_EQ(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  X509_NAME* name = X509_get_subject_name(x.get());
  ASSERT_EQ(
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("ec"), -1, -1, 0), 1);
  ASSERT_EQ(X509_set_issuer_name(x.get(), name), 1);
  ASSERT_EQ(X509_set_pubkey(x.get(), ec.get()), 1);
  ASSERT_GT(X509_sign(x.get(), ec.get(), EVP_sha256()), 0);
  ASSERT_EQ(X509_verify(x.get(), ec.get()), 1);  // a valid certificate, just not Ed25519

  const Bytes der = der_of(x.get());
  auto r = inspect_certificate_der(der);
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not Ed25519"), std::string::npos) << r.status().message();
  EXPECT_EQ(inspect_certificate(pem_of_der(der)).status().code(), ErrorCode::kInvalidArgument);
}

TEST(Certificate, MalformedInputIsRefused) {
  EXPECT_EQ(inspect_certificate("").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(inspect_certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(inspect_certificate_der({}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(inspect_certificate_der(to_bytes("garbage")).status().code(), ErrorCode::kInvalidArgument);

  const Bytes der = der_of(parse_pem(*make_self_signed_certificate(test_key(), "n", std::chrono::hours(1))).get());
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(inspect_certificate_der(trailing).status().code(), ErrorCode::kInvalidArgument);
  for (std::size_t n : {std::size_t{1}, der.size() / 2, der.size() - 1}) {
    EXPECT_FALSE(inspect_certificate_der(ByteView(der).first(n)).ok()) << n;
  }
}

TEST(Certificate, RefusesBadParameters) {
  const PrivateKey key = test_key();
  EXPECT_EQ(make_self_signed_certificate(key, "", std::chrono::hours(1)).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(make_self_signed_certificate(key, std::string(65, 'a'), std::chrono::hours(1)).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(make_self_signed_certificate(key, std::string_view("a\0b", 3), std::chrono::hours(1)).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(make_self_signed_certificate(key, "n", std::chrono::hours(0)).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(make_self_signed_certificate(key, "n", std::chrono::hours(-5)).status().code(),
            ErrorCode::kInvalidArgument);
  // A long validity works (GeneralizedTime after 2049).
  auto long_lived = make_self_signed_certificate(key, "n", std::chrono::hours(24 * 365 * 50));
  ASSERT_TRUE(long_lived.ok()) << long_lived.status().to_string();
  auto info = *inspect_certificate(*long_lived);
  EXPECT_EQ(info.not_after_unix - info.not_before_unix, 24LL * 365 * 50 * 3600 + 3600);
}

// The certificate and key work in a TLS 1.3 handshake (over an in-memory BIO
// pair), and the client can pin the server's Ed25519 key from the DER it sees.
TEST(Certificate, WorksForTls13AndPinning) {
  const PrivateKey key = *PrivateKey::generate();
  X509Ptr cert = parse_pem(*make_self_signed_certificate(key, "server", std::chrono::hours(1)));
  ASSERT_NE(cert, nullptr);

  std::unique_ptr<SSL_CTX, Deleter<SSL_CTX_free>> sctx(SSL_CTX_new(TLS_server_method()));
  std::unique_ptr<SSL_CTX, Deleter<SSL_CTX_free>> cctx(SSL_CTX_new(TLS_client_method()));
  ASSERT_TRUE(sctx && cctx);
  for (SSL_CTX* c : {sctx.get(), cctx.get()}) ASSERT_EQ(SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION), 1);
  ASSERT_EQ(SSL_CTX_use_certificate(sctx.get(), cert.get()), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey(sctx.get(), static_cast<EVP_PKEY*>(key.native_handle())), 1);
  ASSERT_EQ(SSL_CTX_check_private_key(sctx.get()), 1);
  SSL_CTX_set_verify(cctx.get(), SSL_VERIFY_NONE, nullptr);  // trust comes from pinning below

  std::unique_ptr<SSL, Deleter<SSL_free>> server(SSL_new(sctx.get()));
  std::unique_ptr<SSL, Deleter<SSL_free>> client(SSL_new(cctx.get()));
  BIO* cb = nullptr;
  BIO* sb = nullptr;
  ASSERT_EQ(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
  SSL_set_bio(client.get(), cb, cb);
  SSL_set_bio(server.get(), sb, sb);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());

  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
    for (auto [ssl, done] : {std::pair{client.get(), &client_done}, std::pair{server.get(), &server_done}}) {
      if (*done) continue;
      int rc = SSL_do_handshake(ssl);
      if (rc == 1) {
        *done = true;
      } else {
        int err = SSL_get_error(ssl, rc);
        ASSERT_TRUE(err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) << "SSL error " << err;
      }
    }
  }
  ASSERT_TRUE(client_done && server_done);
  EXPECT_EQ(SSL_version(client.get()), TLS1_3_VERSION);

  X509Ptr peer(SSL_get1_peer_certificate(client.get()));
  ASSERT_NE(peer, nullptr);
  auto info = inspect_certificate_der(der_of(peer.get()));
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->public_key, key.public_key());
}

}  // namespace
}  // namespace mlchain::crypto
