#include <gtest/gtest.h>

#include <future>

#include "mlchain/net/http.h"
#include "mlchain/net/https_client.h"
#include "net_test_util.h"

namespace mlchain::net {
namespace {

using testing::kWait;
using testing::make_identity;
using testing::RawTlsClient;
using testing::status_of;

// Echoes what the server parsed, so tests can check the Request mapping.
Response echo(const Request& r) {
  std::string out = r.method + " " + r.target + " body=" + r.body;
  if (auto it = r.headers.find("x-test"); it != r.headers.end()) out += " x-test=" + it->second;
  out += " client=" + (r.client_key ? r.client_key->hex() : std::string("none"));
  return Response::text(200, out);
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}, Handler handler = echo) {
    loop_.start();
    auto server = HttpServer::start(loop_, identity_, std::move(options), std::move(handler));
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    server_ = std::move(server).value();
    url_ = "https://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    if (server_) server_->stop();
    loop_.stop();
  }
  bool wait_rejected(RejectReason reason, std::uint64_t at_least = 1) {
    return server_->metrics().wait_until([&](const NetCounters& c) { return c.rejected_for(reason) >= at_least; },
                                         kWait);
  }
  // The server still answers a normal request.
  void expect_serving() {
    auto r = https_request(url_, "GET", "/still-here");
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(r->status, 200);
  }

  EventLoop loop_{2};
  TlsIdentity identity_ = make_identity(1, "server");
  std::unique_ptr<HttpServer> server_;
  std::string url_;
};

TEST_F(HttpServerTest, RoundTripWithHeadersBodyAndClientKey) {
  start();
  ASSERT_NE(server_->port(), 0);
  auto r = https_request(url_, "POST", "/v1/ops?x=1", "payload", {{"X-Test", "yes"}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /v1/ops?x=1 body=payload x-test=yes client=none");
  EXPECT_EQ(r->headers["content-type"], "text/plain; charset=utf-8");

  HttpsClientOptions with_cert;
  with_cert.client_identity = make_identity(9, "admin");
  with_cert.server_key = identity_.key.public_key();
  auto admin = https_request(url_, "GET", "/admin", {}, {}, with_cert);
  ASSERT_TRUE(admin.ok()) << admin.status().to_string();
  EXPECT_EQ(admin->body, "GET /admin body= client=" + with_cert.client_identity->key.public_key().hex());
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  RawTlsClient client(server_->port(), {});
  ASSERT_TRUE(client.handshake_ok());
  for (const char* path : {"/one", "/two", "/three"}) {
    ASSERT_TRUE(client.write(std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto response = client.read_response();
    ASSERT_TRUE(response.has_value()) << path;
    EXPECT_EQ(status_of(*response), 200);
    EXPECT_NE(response->find(std::string("GET ") + path), std::string::npos);
  }
  const auto c = server_->metrics().snapshot();
  EXPECT_EQ(c.connections_accepted, 1u);
  EXPECT_EQ(c.http_requests, 3u);
}

TEST_F(HttpServerTest, OversizedBodyGets413AndServerKeepsServing) {
  HttpServerOptions options;
  options.body_limit = 1024;
  start(options);
  auto r = https_request(url_, "POST", "/big", std::string(4096, 'x'));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(wait_rejected(RejectReason::kOversizedRequest));
  auto fits = https_request(url_, "POST", "/small", std::string(1024, 'x'));
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(fits->status, 200);
}

TEST_F(HttpServerTest, HugeBodyStillGets413) {
  // The server answers before the body is sent; the client must still see it.
  HttpServerOptions options;
  options.body_limit = 1024;
  start(options);
  auto r = https_request(url_, "POST", "/huge", std::string(8 * 1024 * 1024, 'x'));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 413);
  expect_serving();
}

TEST_F(HttpServerTest, OversizedHeaderGets431) {
  HttpServerOptions options;
  options.header_limit = 1024;
  start(options);
  auto r = https_request(url_, "GET", "/", {}, {{"X-Big", std::string(4096, 'h')}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 431);
  expect_serving();
}

TEST_F(HttpServerTest, GarbageGets400AndServerKeepsServing) {
  start();
  RawTlsClient client(server_->port(), {});
  ASSERT_TRUE(client.handshake_ok());
  ASSERT_TRUE(client.write(std::string("\x01\x02 not http at all\r\n\r\n", 22)));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(status_of(*response), 400);
  EXPECT_TRUE(client.wait_closed());
  EXPECT_TRUE(wait_rejected(RejectReason::kBadRequest));
  expect_serving();
}

TEST_F(HttpServerTest, Tls12ClientIsRefused) {
  start();
  RawTlsClient old_client(server_->port(), {.max_version = TLS1_2_VERSION});
  ASSERT_TRUE(old_client.connected());
  EXPECT_FALSE(old_client.handshake_ok());
  EXPECT_TRUE(wait_rejected(RejectReason::kBadTlsVersion));
  RawTlsClient new_client(server_->port(), {});
  EXPECT_TRUE(new_client.handshake_ok());
}

TEST_F(HttpServerTest, NonEd25519ClientCertificateIsRefused) {
  start();
  RawTlsClient client(server_->port(), {.ecdsa_certificate = true});
  // In TLS 1.3 the client finishes first; the server's refusal arrives as an alert.
  if (client.handshake_ok()) {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_FALSE(client.read_response().has_value());
  }
  EXPECT_TRUE(wait_rejected(RejectReason::kBadCertificate));
  // The same client with an Ed25519 certificate is served, and its key reported.
  const auto admin = make_identity(7, "admin");
  RawTlsClient good(server_->port(), {.identity = &admin});
  ASSERT_TRUE(good.handshake_ok());
  ASSERT_TRUE(good.write("GET /who HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto response = good.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_NE(response->find("client=" + admin.key.public_key().hex()), std::string::npos);
}

TEST_F(HttpServerTest, PlaintextOnTlsPortIsCountedAndServerKeepsServing) {
  start();
  EXPECT_TRUE(testing::send_plain_and_wait_close(server_->port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(wait_rejected(RejectReason::kTlsHandshake));
  expect_serving();
}

TEST_F(HttpServerTest, SlowHandlerDoesNotBlockOtherRequests) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> slow_started;
  HttpServerOptions options;
  options.handler_threads = 2;
  start(options, [&](const Request& r) {
    if (r.target == "/slow") {
      slow_started.set_value();
      released.wait_for(kWait);
    }
    return Response::text(200, r.target);
  });
  auto slow = std::async(std::launch::async, [&] { return https_request(url_, "GET", "/slow"); });
  ASSERT_EQ(slow_started.get_future().wait_for(kWait), std::future_status::ready);
  auto fast = https_request(url_, "GET", "/fast");
  ASSERT_TRUE(fast.ok()) << fast.status().to_string();
  EXPECT_EQ(fast->body, "/fast");
  release.set_value();
  auto slow_result = slow.get();
  ASSERT_TRUE(slow_result.ok());
  EXPECT_EQ(slow_result->body, "/slow");
}

TEST_F(HttpServerTest, AsyncHandlerMayReplyFromAnotherThread) {
  loop_.start();
  std::vector<std::thread> repliers;
  std::mutex mu;
  auto server = HttpServer::start_async(loop_, identity_, {}, [&](Request r, Reply reply) {
    std::lock_guard lock(mu);
    repliers.emplace_back([r = std::move(r), reply = std::move(reply)] { reply(Response::json(201, "{}")); });
  });
  ASSERT_TRUE(server.ok());
  server_ = std::move(server).value();
  url_ = "https://127.0.0.1:" + std::to_string(server_->port());
  auto r = https_request(url_, "PUT", "/x", "{}");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->headers["content-type"], "application/json");
  std::lock_guard lock(mu);
  for (auto& t : repliers) t.join();
}

TEST_F(HttpServerTest, StalledRequestTimesOut) {
  HttpServerOptions options;
  options.header_timeout = std::chrono::milliseconds(200);
  start(options);
  RawTlsClient client(server_->port(), {});
  ASSERT_TRUE(client.handshake_ok());
  ASSERT_TRUE(client.write("GET /partial HTTP/1.1\r\nHo"));
  EXPECT_TRUE(client.wait_closed());
  EXPECT_TRUE(wait_rejected(RejectReason::kTimeout));
}

TEST_F(HttpServerTest, InvalidListenAddressIsRefused) {
  loop_.start();
  HttpServerOptions options;
  options.host = "not-an-ip";
  auto server = HttpServer::start(loop_, identity_, options, echo);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mlchain::net
