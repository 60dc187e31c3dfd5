// HttpsConnection's retry rule against a scripted TLS server that misbehaves
// at exact points of the exchange (HttpServer always answers, so it cannot
// show a connection dropped after the request was sent).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <optional>
#include <stdexcept>
#include <thread>

#include "mlchain/net/https_client.h"
#include "net_test_util.h"

namespace mlchain::net {
namespace {

using testing::make_identity;

// Accepts connections on 127.0.0.1 one at a time, completes the TLS 1.3
// handshake and hands each to `script(ssl, index)`; when the script returns
// the connection is closed without a close_notify (like a crash or an idle
// timeout). Every socket read is bounded by SO_RCVTIMEO.
class ScriptedTlsServer {
 public:
  using Script = std::function<void(SSL*, int)>;

  ScriptedTlsServer(const TlsIdentity& identity, Script script) : script_(std::move(script)) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(ctx_, TLS1_3_VERSION);
    SSL_CTX_set_num_tickets(ctx_, 0);
    BIO* bio = BIO_new_mem_buf(identity.certificate_pem.data(), static_cast<int>(identity.certificate_pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (cert == nullptr || SSL_CTX_use_certificate(ctx_, cert) != 1 ||
        SSL_CTX_use_PrivateKey(ctx_, static_cast<EVP_PKEY*>(identity.key.native_handle())) != 1) {
      throw std::runtime_error("cannot load the test identity");
    }
    X509_free(cert);

    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }

  ~ScriptedTlsServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_.load(); }

  // Reads one request head (the tests send no bodies); nullopt on EOF/timeout.
  static std::optional<std::string> read_request(SSL* ssl) {
    std::string got;
    char buf[1024];
    while (got.find("\r\n\r\n") == std::string::npos) {
      const int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }
  static void write(SSL* ssl, const std::string& bytes) { SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size())); }
  static std::string ok(const std::string& body) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

 private:
  void serve() {
    int index = 0;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) continue;
      ++accepted_;
      timeval tv{10, 0};
      ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, conn);
      if (SSL_accept(ssl) == 1) script_(ssl, index++);
      SSL_free(ssl);  // no SSL_shutdown: the client sees a truncated stream
      ::close(conn);
    }
  }

  Script script_;
  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

using Server = ScriptedTlsServer;

TEST(HttpsConnectionRetry, RequestLostOnAReusedConnectionIsRetriedOnceOnANewOne) {
  // Connection 0 answers the first request, reads the second and drops it
  // without a byte of response: the server closing a kept-alive connection
  // just as the client reuses it.
  Server server(make_identity(1), [](SSL* ssl, int index) {
    if (index == 0) {
      if (Server::read_request(ssl)) Server::write(ssl, Server::ok("first"));
      Server::read_request(ssl);
      return;
    }
    if (Server::read_request(ssl)) Server::write(ssl, Server::ok("second, retried"));
  });
  auto conn = HttpsConnection::create(server.url());
  ASSERT_TRUE(conn.ok());
  auto first = conn->request("GET", "/1");
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_EQ(first->body, "first");
  auto second = conn->request("GET", "/2");
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_EQ(second->body, "second, retried");
  EXPECT_EQ(conn->stats().retries, 1u);
  EXPECT_EQ(conn->stats().connections, 2u);
  EXPECT_EQ(conn->stats().reconnects, 1u);
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpsConnectionRetry, RetriedAtMostOnce) {
  // Every connection after the first drops the request too: one retry, then
  // the error.
  Server server(make_identity(1), [](SSL* ssl, int index) {
    if (index == 0 && Server::read_request(ssl)) Server::write(ssl, Server::ok("first"));
    Server::read_request(ssl);
  });
  auto conn = HttpsConnection::create(server.url());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->request("GET", "/1").ok());
  auto second = conn->request("GET", "/2");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(conn->stats().retries, 1u);
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpsConnectionRetry, RequestLostOnAFreshConnectionIsNotRetried) {
  Server server(make_identity(1), [](SSL* ssl, int) { Server::read_request(ssl); });
  auto conn = HttpsConnection::create(server.url());
  ASSERT_TRUE(conn.ok());
  auto r = conn->request("POST", "/v1/ops");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("read response"), std::string::npos) << r.status().message();
  EXPECT_EQ(conn->stats().retries, 0u);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpsConnectionRetry, PartialResponseIsNotRetried) {
  // Once a byte of the response arrived, the server had the request.
  Server server(make_identity(1), [](SSL* ssl, int index) {
    if (index != 0) return;
    if (Server::read_request(ssl)) Server::write(ssl, Server::ok("first"));
    if (Server::read_request(ssl)) Server::write(ssl, "HTTP/1.1 200 OK\r\nContent-Le");
  });
  auto conn = HttpsConnection::create(server.url());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->request("GET", "/1").ok());
  auto second = conn->request("GET", "/2");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(conn->stats().retries, 0u);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpsConnectionRetry, ConnectionClosedWhileIdleIsReplacedBeforeSending) {
  // The server closes right after its answer; the client notices before it
  // sends the next request, so nothing needs a retry.
  Server server(make_identity(1), [](SSL* ssl, int index) {
    if (Server::read_request(ssl)) Server::write(ssl, Server::ok("n" + std::to_string(index)));
  });
  auto conn = HttpsConnection::create(server.url());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->request("GET", "/").ok());
  const auto until = std::chrono::steady_clock::now() + testing::kWait;
  while (conn->is_open() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto r = conn->request("GET", "/");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->body, "n1");
  EXPECT_EQ(conn->stats().retries, 0u);
  EXPECT_EQ(conn->stats().reconnects, 1u);
}

}  // namespace
}  // namespace mlchain::net
