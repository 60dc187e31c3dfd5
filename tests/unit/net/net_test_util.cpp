#include "net_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

#include "mlchain/crypto/cert.h"

namespace mlchain::net::testing {

TlsIdentity make_identity(std::uint8_t seed, const std::string& name) {
  Bytes seed_bytes(32, seed);
  auto key = crypto::PrivateKey::from_seed(seed_bytes);
  if (!key.ok()) throw std::runtime_error(key.status().to_string());
  auto pem = crypto::make_self_signed_certificate(*key, name, std::chrono::hours(24));
  if (!pem.ok()) throw std::runtime_error(pem.status().to_string());
  return TlsIdentity{std::move(key).value(), std::move(pem).value()};
}

namespace {

// A valid self-signed certificate over a P-256 key: well-formed, but not the
// Ed25519 kind mlchain accepts.
void use_ecdsa_certificate(SSL_CTX* ctx) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("ecdsa"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX_use_certificate(ctx, cert);
  SSL_CTX_use_PrivateKey(ctx, key);
  X509_free(cert);
  EVP_PKEY_free(key);
}

}  // namespace

RawTlsClient::RawTlsClient(std::uint16_t port, const Options& options) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  timeval tv{};
  tv.tv_sec = static_cast<long>(kWait.count() / 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
  tcp_ok_ = true;

  ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx_, options.max_version);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  if (options.identity != nullptr) {
    BIO* bio = BIO_new_mem_buf(options.identity->certificate_pem.data(),
                               static_cast<int>(options.identity->certificate_pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    SSL_CTX_use_certificate(ctx_, cert);
    X509_free(cert);
    SSL_CTX_use_PrivateKey(ctx_, static_cast<EVP_PKEY*>(options.identity->key.native_handle()));
  }
  if (options.ecdsa_certificate) use_ecdsa_certificate(ctx_);
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  handshake_ok_ = SSL_connect(ssl_) == 1;
}

RawTlsClient::~RawTlsClient() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

bool RawTlsClient::write(const std::string& bytes) {
  if (!handshake_ok_) return false;
  return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
}

std::optional<std::string> RawTlsClient::read_response() {
  if (!handshake_ok_) return std::nullopt;
  for (;;) {
    const auto header_end = pending_.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      std::size_t length = 0;
      const auto cl = pending_.find("Content-Length: ");
      if (cl != std::string::npos && cl < header_end) length = std::strtoul(pending_.c_str() + cl + 16, nullptr, 10);
      const std::size_t total = header_end + 4 + length;
      if (pending_.size() >= total) {
        std::string out = pending_.substr(0, total);
        pending_.erase(0, total);
        return out;
      }
    }
    char buf[4096];
    const int n = SSL_read(ssl_, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

bool RawTlsClient::wait_closed() {
  if (!handshake_ok_) return true;
  char buf[4096];
  for (;;) {
    const int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) continue;
    const int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ || (err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))) {
      return false;  // timed out: still open
    }
    return true;
  }
}

bool send_plain_and_wait_close(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval tv{};
  tv.tv_sec = static_cast<long>(kWait.count() / 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool closed = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) continue;  // e.g. a TLS alert
      closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
      break;
    }
  }
  ::close(fd);
  return closed;
}

bool raise_fd_limit(std::size_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  }
  return limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted;
}

IdleFlood::IdleFlood(std::uint16_t port, std::size_t count) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{};
  tv.tv_sec = static_cast<long>(kWait.count() / 1000);
  fds_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect()
    const linger reset{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return;
    }
    fds_.push_back(fd);
  }
}

IdleFlood::~IdleFlood() {
  for (int fd : fds_) ::close(fd);
}

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return -1;
  return std::atoi(response.substr(9, 3).c_str());
}

}  // namespace mlchain::net::testing
