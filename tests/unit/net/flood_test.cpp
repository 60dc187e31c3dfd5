// Connection floods (issue 13, item 10): idle TCP sockets and anonymous TLS
// connections must not lock members or clients out of a server. The server
// under attack gets a 30 s handshake_timeout, so only the connection budget
// (not a timeout) can let anyone in within the tests' bounded waits.
#include <gtest/gtest.h>

#include <set>

#include "mlchain/net/http.h"
#include "mlchain/net/https_client.h"
#include "mlchain/net/peer.h"
#include "net_test_util.h"

namespace mlchain::net {
namespace {

using testing::IdleFlood;
using testing::kWait;
using testing::make_identity;
using testing::RawTlsClient;

constexpr std::size_t kFloodSockets = 2'000;
constexpr auto kPatientHandshake = std::chrono::milliseconds(30'000);

Response healthz(const Request& r) {
  return r.target == "/healthz" ? Response::text(200, "ok\n") : Response::text(404, "no such endpoint\n");
}

// A member node's network side: a PeerManager and the HttpServer it listens
// behind, sharing metrics; members are a fixed set.
class Member {
 public:
  Member(std::uint8_t seed, std::set<crypto::PublicKey> members, HttpServerOptions server_options,
         std::vector<PeerAddress> peers = {})
      : identity_(make_identity(seed)) {
    loop_.start();
    PeerManagerOptions options;
    options.genesis = "flood-genesis";
    auto shared = std::make_shared<const std::set<crypto::PublicKey>>(std::move(members));
    options.is_member = [shared](const crypto::PublicKey& k) { return shared->count(k) > 0; };
    options.peers = std::move(peers);
    options.backoff_initial = std::chrono::milliseconds(20);
    options.backoff_max = std::chrono::milliseconds(200);
    options.jitter_seed = 7;
    options.metrics = metrics_;
    auto pm = PeerManager::start(loop_, identity_, options, [](const crypto::PublicKey&, Bytes) {});
    if (!pm.ok()) throw std::runtime_error(pm.status().to_string());
    peers_ = std::move(pm).value();
    server_options.metrics = metrics_;
    auto server = HttpServer::start(loop_, identity_, server_options, healthz, peers_.get());
    if (!server.ok()) throw std::runtime_error(server.status().to_string());
    server_ = std::move(server).value();
  }
  ~Member() {
    server_->stop();
    peers_->stop();
    loop_.stop();
  }

  bool wait_connected(const crypto::PublicKey& peer) {
    return metrics_->wait_until(
        [&](const NetCounters& c) {
          auto it = c.peers.find(peer);
          return it != c.peers.end() && it->second.connected;
        },
        kWait);
  }
  // Until the server has taken (or refused) `n` connections off its listen queue.
  bool wait_seen(std::uint64_t n) {
    return metrics_->wait_until(
        [&](const NetCounters& c) {
          return c.connections_accepted + c.rejected_for(RejectReason::kConnectionLimit) >= n;
        },
        kWait);
  }
  bool wait_rejected(RejectReason reason, std::uint64_t at_least = 1) {
    return metrics_->wait_until([&](const NetCounters& c) { return c.rejected_for(reason) >= at_least; }, kWait);
  }

  std::uint16_t port() const { return server_->port(); }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port()); }
  crypto::PublicKey key() const { return identity_.key.public_key(); }
  NetCounters counters() const { return metrics_->snapshot(); }

 private:
  EventLoop loop_{2};
  TlsIdentity identity_;
  std::shared_ptr<NetMetrics> metrics_ = std::make_shared<NetMetrics>();
  std::unique_ptr<PeerManager> peers_;
  std::unique_ptr<HttpServer> server_;
};

class FloodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The flood's sockets, the server's ends and the test's own.
    if (!testing::raise_fd_limit(2 * kFloodSockets + 1'000)) {
      GTEST_SKIP() << "needs " << 2 * kFloodSockets + 1'000
                   << " open files (ulimit -n) to hold the flood; raise the hard limit to run it";
    }
  }
  HttpServerOptions patient() {
    HttpServerOptions o;
    o.handshake_timeout = kPatientHandshake;
    return o;
  }
  const TlsIdentity a_ = make_identity(1);
  const TlsIdentity b_ = make_identity(2);
  const std::set<crypto::PublicKey> members_{a_.key.public_key(), b_.key.public_key()};
};

TEST_F(FloodTest, IdleSocketsDoNotLockOutClientsOrPeers) {
  Member b(2, members_, patient());
  IdleFlood flood(b.port(), kFloodSockets);
  ASSERT_EQ(flood.opened(), kFloodSockets);
  ASSERT_TRUE(b.wait_seen(kFloodSockets));

  // A client: answered at once, while the flood is still connected.
  HttpsClientOptions quick;
  quick.connect_timeout = std::chrono::milliseconds(3'000);
  quick.total_timeout = std::chrono::milliseconds(5'000);
  auto r = https_request(b.url(), "GET", "/healthz", {}, {}, quick);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);

  // A member's peer link, opened during the flood.
  Member a(1, members_, {}, {{b.url(), b.key()}});
  EXPECT_TRUE(a.wait_connected(b.key()));
  EXPECT_TRUE(b.wait_connected(a.key()));

  // The flood held at most one address's handshake budget; the rest were
  // evicted to make room, not refused.
  const auto c = b.counters();
  EXPECT_GE(c.rejected_for(RejectReason::kEvicted), kFloodSockets - HttpServerOptions{}.max_handshakes_per_address);
  EXPECT_EQ(c.rejected_for(RejectReason::kConnectionLimit), 0u);
}

TEST_F(FloodTest, AnonymousConnectionsCannotTakeAMembersSlot) {
  HttpServerOptions o = patient();
  o.max_connections = 2;
  Member b(2, members_, o);
  // Two established anonymous keep-alive connections fill the anonymous budget.
  std::vector<std::unique_ptr<RawTlsClient>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<RawTlsClient>(b.port(), RawTlsClient::Options{}));
    ASSERT_TRUE(held.back()->handshake_ok());
    ASSERT_TRUE(held.back()->write("GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n"));
    auto response = held.back()->read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(testing::status_of(*response), 200);
  }
  // A third is closed once its handshake shows it is not a member.
  RawTlsClient third(b.port(), {});
  EXPECT_TRUE(third.wait_closed());
  EXPECT_TRUE(b.wait_rejected(RejectReason::kConnectionLimit));

  // A member still gets in.
  Member a(1, members_, {}, {{b.url(), b.key()}});
  EXPECT_TRUE(a.wait_connected(b.key()));
}

TEST_F(FloodTest, SilentSocketIsDroppedAtTheFirstByteDeadline) {
  HttpServerOptions o = patient();
  o.first_byte_timeout = std::chrono::milliseconds(200);
  Member b(2, members_, o);
  // Bounded by kWait (10 s), far below the 30 s handshake deadline.
  EXPECT_TRUE(testing::send_plain_and_wait_close(b.port(), ""));
  EXPECT_TRUE(b.wait_rejected(RejectReason::kTimeout));
  // A client that speaks at once is unaffected.
  auto r = https_request(b.url(), "GET", "/healthz");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace mlchain::net
