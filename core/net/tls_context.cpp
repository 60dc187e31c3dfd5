#include "tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <exception>

#include "mlchain/crypto/cert.h"

namespace mlchain::net::detail {

namespace {

// The certificate under verification as DER, or empty.
Bytes der_of(X509* cert) {
  if (cert == nullptr) return {};
  const int len = i2d_X509(cert, nullptr);
  if (len <= 0) return {};
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  if (i2d_X509(cert, &p) != len) return {};
  return der;
}

// Errors OpenSSL reports for a lone self-signed leaf without a trust store;
// anything else (expiry, bad encoding, a chain) is refused.
bool tolerated_chain_error(int err) {
  return err == X509_V_OK || err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
         err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE ||
         err == X509_V_ERR_CERT_UNTRUSTED;
}

// Shared by both roles: one self-signed Ed25519 certificate at depth 0.
std::optional<crypto::PublicKey> check_leaf(X509_STORE_CTX* store) {
  if (X509_STORE_CTX_get_error_depth(store) != 0) return std::nullopt;
  if (!tolerated_chain_error(X509_STORE_CTX_get_error(store))) return std::nullopt;
  const Bytes der = der_of(X509_STORE_CTX_get_current_cert(store));
  if (der.empty()) return std::nullopt;
  auto info = crypto::inspect_certificate_der(der);
  if (!info.ok()) return std::nullopt;
  return info->public_key;
}

Status use_identity(SSL_CTX* ctx, const TlsIdentity& identity) {
  BIO* bio = BIO_new_mem_buf(identity.certificate_pem.data(), static_cast<int>(identity.certificate_pem.size()));
  if (bio == nullptr) return internal_error("out of memory reading the node certificate");
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr)
    return invalid_argument("node certificate is not a PEM certificate; regenerate it with 'mlchain key gen'");
  const int used = SSL_CTX_use_certificate(ctx, cert);
  X509_free(cert);
  if (used != 1) return invalid_argument("TLS refused the node certificate");
  auto* pkey = static_cast<EVP_PKEY*>(identity.key.native_handle());
  if (pkey == nullptr || SSL_CTX_use_PrivateKey(ctx, pkey) != 1) return invalid_argument("TLS refused the node key");
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return invalid_argument("node certificate does not match the node key; regenerate the certificate from this key");
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_tls_context(TlsRole role, const TlsIdentity* identity) {
  std::shared_ptr<ssl::context> ctx;
  try {
    ctx =
        std::make_shared<ssl::context>(role == TlsRole::kServer ? ssl::context::tls_server : ssl::context::tls_client);
  } catch (const std::exception& e) {
    return internal_error(std::string("cannot create a TLS context: ") + e.what());
  }
  SSL_CTX* h = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(h, TLS1_3_VERSION) != 1 || SSL_CTX_set_max_proto_version(h, TLS1_3_VERSION) != 1) {
    return internal_error("this OpenSSL cannot restrict TLS to version 1.3");
  }
  // No resumption: every connection shows (and we check) a fresh certificate.
  SSL_CTX_set_session_cache_mode(h, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(h, SSL_OP_NO_TICKET);
  if (role == TlsRole::kServer) SSL_CTX_set_num_tickets(h, 0);
  if (identity != nullptr) MLCHAIN_TRY(use_identity(h, *identity));

  beast::error_code ec;
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (ec) return internal_error("cannot set TLS verify mode: " + ec.message());
  // Servers: a client certificate is optional, but if one is shown it must be
  // a valid self-signed Ed25519 certificate (pinning happens per route).
  ctx->set_verify_callback([](bool, ssl::verify_context& v) { return check_leaf(v.native_handle()).has_value(); }, ec);
  if (ec) return internal_error("cannot set TLS verify callback: " + ec.message());
  return ctx;
}

void install_client_verify(TlsStream& stream, KeyPredicate accept, std::shared_ptr<VerifyOutcome> outcome) {
  beast::error_code ec;
  stream.set_verify_mode(ssl::verify_peer, ec);
  stream.set_verify_callback(
      [accept = std::move(accept), outcome = std::move(outcome)](bool, ssl::verify_context& v) {
        auto key = check_leaf(v.native_handle());
        if (!key) {
          outcome->bad_certificate = true;
          return false;
        }
        outcome->seen_key = *key;
        if (accept && !accept(*key)) {
          outcome->unpinned = true;
          return false;
        }
        return true;
      },
      ec);
}

std::optional<crypto::PublicKey> peer_public_key(TlsStream& stream) {
  X509* cert = SSL_get0_peer_certificate(stream.native_handle());
  const Bytes der = der_of(cert);
  if (der.empty()) return std::nullopt;
  auto info = crypto::inspect_certificate_der(der);
  if (!info.ok()) return std::nullopt;
  return info->public_key;
}

RejectReason classify_handshake_error(const beast::error_code& ec) {
  if (ec == beast::error::timeout) return RejectReason::kTimeout;
  if (ec.category() == asio::error::get_ssl_category()) {
    const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
        reason == SSL_R_WRONG_SSL_VERSION || reason == SSL_R_NO_PROTOCOLS_AVAILABLE) {
      return RejectReason::kBadTlsVersion;
    }
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) return RejectReason::kBadCertificate;
  }
  return RejectReason::kTlsHandshake;
}

bool is_disconnect(const beast::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == ssl::error::stream_truncated || ec == http::error::end_of_stream || ec == asio::error::broken_pipe;
}

}  // namespace mlchain::net::detail
