// HttpsConnection: keep-alive reuse, recovery when the server closed the
// connection, pinning, limits and timeouts, against a real HttpServer on
// 127.0.0.1.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "mlchain/net/http.h"
#include "mlchain/net/https_client.h"
#include "net_test_util.h"

namespace mlchain::net {
namespace {

using testing::kWait;
using testing::make_identity;

Response echo(const Request& r) { return Response::text(200, r.method + " " + r.target + " body=" + r.body); }

// Holds handler calls until released (or kWait passes), to make a request
// outlast the client's timeout without sleeping in the test.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kWait, [&] { return open_; });
  }
  void open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

class HttpsConnectionTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}, Handler handler = echo) {
    loop_.start();
    started_ = true;
    restart(std::move(options), std::move(handler));
  }
  // (Re)starts the server, on the same port when it ran before.
  void restart(HttpServerOptions options = {}, Handler handler = echo) {
    if (server_) server_->stop();
    if (port_ != 0) options.port = port_;
    auto server = HttpServer::start(loop_, identity_, std::move(options), std::move(handler));
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    server_ = std::move(server).value();
    port_ = server_->port();
    url_ = "https://127.0.0.1:" + std::to_string(port_);
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (started_) loop_.stop();
  }
  HttpsConnection connection(HttpsClientOptions options = {}) {
    auto c = HttpsConnection::create(url_, std::move(options));
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    return std::move(c).value();
  }
  NetCounters counters() const { return server_->metrics().snapshot(); }

  EventLoop loop_{2};
  bool started_ = false;
  TlsIdentity identity_ = make_identity(1, "server");
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::string url_;
};

TEST_F(HttpsConnectionTest, ManyRequestsShareOneConnection) {
  start();
  auto conn = connection();
  for (int i = 0; i < 50; ++i) {
    const std::string body = "n" + std::to_string(i);
    auto r = (i % 2 == 0) ? conn.request("POST", "/v1/ops", body, {{"Content-Type", "text/plain"}})
                          : conn.request("GET", "/v1/status?i=" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().to_string();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, (i % 2 == 0) ? "POST /v1/ops body=" + body : "GET /v1/status?i=" + std::to_string(i) + " body=");
  }
  EXPECT_TRUE(conn.is_open());
  EXPECT_EQ(counters().connections_accepted, 1u);
  EXPECT_EQ(counters().http_requests, 50u);
  EXPECT_EQ(conn.stats().connections, 1u);
  EXPECT_EQ(conn.stats().reconnects, 0u);
  EXPECT_EQ(conn.stats().requests, 50u);
  EXPECT_EQ(conn.address(), url_);
}

TEST_F(HttpsConnectionTest, OneShotRequestsOpenOneConnectionEach) {
  // The contrast the keep-alive client exists for.
  start();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(https_request(url_, "GET", "/").ok());
  EXPECT_EQ(counters().connections_accepted, 3u);
}

TEST_F(HttpsConnectionTest, ConnectOpensEagerlyAndOnlyOnce) {
  start();
  auto conn = connection();
  ASSERT_TRUE(conn.connect().ok());
  ASSERT_TRUE(conn.connect().ok());
  ASSERT_TRUE(conn.request("GET", "/").ok());
  EXPECT_EQ(conn.stats().connections, 1u);
  EXPECT_EQ(counters().connections_accepted, 1u);
}

TEST_F(HttpsConnectionTest, RecoversWhenServerClosesIdleConnection) {
  HttpServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(100);
  start(options);
  auto conn = connection();
  ASSERT_TRUE(conn.request("GET", "/first").ok());
  // Bounded wait for the server's idle timeout to close the connection.
  const auto until = std::chrono::steady_clock::now() + kWait;
  while (conn.is_open() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(conn.is_open());
  auto r = conn.request("POST", "/second", "x");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->body, "POST /second body=x");
  EXPECT_EQ(conn.stats().connections, 2u);
  EXPECT_EQ(conn.stats().reconnects, 1u);
  EXPECT_EQ(counters().connections_accepted, 2u);
  EXPECT_EQ(counters().http_requests, 2u);  // the second request reached the server once
}

TEST_F(HttpsConnectionTest, RecoversAfterServerRestart) {
  start();
  auto conn = connection();
  ASSERT_TRUE(conn.request("GET", "/before").ok());
  restart();  // closes every connection, listens again on the same port
  for (int i = 0; i < 5; ++i) {
    auto r = conn.request("GET", "/after");
    ASSERT_TRUE(r.ok()) << r.status().to_string();
  }
  EXPECT_EQ(conn.stats().connections, 2u);
  EXPECT_EQ(conn.stats().reconnects, 1u);
  EXPECT_EQ(counters().connections_accepted, 1u);  // the new server's counters
  EXPECT_EQ(counters().http_requests, 5u);
}

TEST_F(HttpsConnectionTest, ServerThatClosesAfterAnErrorIsFollowedByAFreshConnection) {
  HttpServerOptions options;
  options.body_limit = 64;
  start(options);
  auto conn = connection();
  auto big = conn.request("POST", "/", std::string(1000, 'x'));
  ASSERT_TRUE(big.ok()) << big.status().to_string();
  EXPECT_EQ(big->status, 413);
  EXPECT_FALSE(conn.is_open());  // the server said Connection: close
  auto r = conn.request("GET", "/ok");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(conn.stats().connections, 2u);
}

TEST_F(HttpsConnectionTest, CloseThenRequestOpensANewConnectionNotCountedAsReconnect) {
  start();
  auto conn = connection();
  ASSERT_TRUE(conn.request("GET", "/").ok());
  conn.close();
  EXPECT_FALSE(conn.is_open());
  ASSERT_TRUE(conn.request("GET", "/").ok());
  EXPECT_EQ(conn.stats().connections, 2u);
  EXPECT_EQ(conn.stats().reconnects, 0u);
}

TEST_F(HttpsConnectionTest, WrongPinnedKeyIsVerificationFailure) {
  start();
  HttpsClientOptions options;
  options.server_key = make_identity(2).key.public_key();
  auto wrong = connection(options);
  auto r = wrong.request("GET", "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kVerificationFailed) << r.status().to_string();
  EXPECT_EQ(wrong.stats().connections, 0u);
  EXPECT_EQ(wrong.connect().code(), ErrorCode::kVerificationFailed);

  options.server_key = identity_.key.public_key();
  auto right = connection(options);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(right.request("GET", "/").ok());
  EXPECT_EQ(right.stats().connections, 1u);
}

TEST_F(HttpsConnectionTest, SlowResponseTimesOutIsNotRetriedAndTheNextRequestReconnects) {
  Gate gate;
  start({}, [&](const Request& r) {
    if (r.target == "/slow") gate.wait();
    return echo(r);
  });
  HttpsClientOptions options;
  options.total_timeout = std::chrono::milliseconds(300);
  auto conn = connection(options);
  ASSERT_TRUE(conn.request("GET", "/fast").ok());
  const auto start_time = std::chrono::steady_clock::now();
  auto slow = conn.request("GET", "/slow");
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(slow.status().message().find("timed out"), std::string::npos) << slow.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start_time, std::chrono::seconds(5));
  EXPECT_EQ(conn.stats().retries, 0u);
  EXPECT_FALSE(conn.is_open());
  gate.open();
  ASSERT_TRUE(conn.request("GET", "/fast").ok());
  EXPECT_EQ(conn.stats().reconnects, 1u);
  EXPECT_TRUE(server_->metrics().wait_until([](const NetCounters& c) { return c.http_requests == 3; }, kWait));
  EXPECT_EQ(counters().http_requests, 3u);  // /slow reached the server exactly once
}

TEST_F(HttpsConnectionTest, ResponseOverTheLimitIsResourceExhausted) {
  start({}, [](const Request&) { return Response::text(200, std::string(4096, 'y')); });
  HttpsClientOptions options;
  options.max_response_bytes = 1024;
  auto conn = connection(options);
  auto r = conn.request("GET", "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(conn.stats().retries, 0u);
}

TEST(HttpsConnection, RefusedConnectionIsUnavailableAndNotRetried) {
  // Find a closed port: bind an ephemeral one through a server, then stop it.
  EventLoop loop(1);
  loop.start();
  auto server = HttpServer::start(loop, make_identity(1), {}, echo);
  ASSERT_TRUE(server.ok());
  const std::string url = "https://127.0.0.1:" + std::to_string((*server)->port());
  (*server)->stop();
  loop.stop();

  auto conn = HttpsConnection::create(url);
  ASSERT_TRUE(conn.ok());
  auto r = conn->request("GET", "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find(url), std::string::npos) << r.status().message();
  EXPECT_EQ(conn->stats().connections, 0u);
  EXPECT_EQ(conn->stats().retries, 0u);
}

TEST(HttpsConnection, RefusesBadUrlMethodAndTarget) {
  EXPECT_EQ(HttpsConnection::create("http://127.0.0.1:1").status().code(), ErrorCode::kInvalidArgument);
  auto conn = HttpsConnection::create("https://127.0.0.1:1");
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ(conn->request("FROB", "/").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(conn->request("GET", "no-slash").status().code(), ErrorCode::kInvalidArgument);
}

TEST(HttpsConnection, MovedConnectionKeepsItsState) {
  EventLoop loop(1);
  loop.start();
  auto server = HttpServer::start(loop, make_identity(1), {}, echo);
  ASSERT_TRUE(server.ok());
  auto conn = HttpsConnection::create("https://127.0.0.1:" + std::to_string((*server)->port()));
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->request("GET", "/").ok());
  HttpsConnection moved = std::move(conn).value();
  ASSERT_TRUE(moved.request("GET", "/").ok());
  EXPECT_EQ(moved.stats().connections, 1u);
  EXPECT_EQ((*server)->metrics().snapshot().connections_accepted, 1u);
  (*server)->stop();
  loop.stop();
}

}  // namespace
}  // namespace mlchain::net
