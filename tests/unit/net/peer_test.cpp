#include <algorithm>
#include "mlchain/net/peer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <set>

#include "mlchain/net/http.h"
#include "mlchain/net/https_client.h"
#include "net_test_util.h"

namespace mlchain::net {
namespace {

using testing::kWait;
using testing::make_identity;

struct Received {
  crypto::PublicKey from;
  std::string text;
};

// Messages delivered to one node, waitable.
class Inbox {
 public:
  void add(const crypto::PublicKey& from, Bytes payload) {
    std::lock_guard lock(mu_);
    messages_.push_back({from, to_string(payload)});
    cv_.notify_all();
  }
  // Waits until a message with this text arrived; returns it.
  std::optional<Received> wait_for(const std::string& text) {
    std::unique_lock lock(mu_);
    std::optional<Received> found;
    cv_.wait_for(lock, kWait, [&] {
      for (const auto& m : messages_) {
        if (m.text == text) found = m;
      }
      return found.has_value();
    });
    return found;
  }
  std::vector<Received> all() {
    std::lock_guard lock(mu_);
    return messages_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> messages_;
};

// One node: an event loop, a PeerManager and an HttpServer sharing metrics.
class Node {
 public:
  Node(std::uint8_t seed, std::string genesis) : identity_(make_identity(seed)), genesis_(std::move(genesis)) {
    loop_.start();
  }
  ~Node() {
    stop();
    loop_.stop();
  }

  void start(std::set<crypto::PublicKey> members, std::uint16_t port = 0,
             std::function<void(PeerManagerOptions&)> tweak = {}) {
    PeerManagerOptions options;
    options.genesis = genesis_;
    auto shared_members = std::make_shared<const std::set<crypto::PublicKey>>(std::move(members));
    options.is_member = [shared_members](const crypto::PublicKey& k) { return shared_members->count(k) > 0; };
    options.backoff_initial = std::chrono::milliseconds(20);
    options.backoff_max = std::chrono::milliseconds(200);
    options.handshake_timeout = std::chrono::milliseconds(3000);
    options.jitter_seed = 42;
    options.metrics = metrics_;
    if (tweak) tweak(options);
    auto peers = PeerManager::start(loop_, identity_, options, [this](const crypto::PublicKey& from, Bytes payload) {
      if (on_message_hook) on_message_hook(payload);
      inbox.add(from, std::move(payload));
    });
    ASSERT_TRUE(peers.ok()) << peers.status().to_string();
    peers_ = std::move(peers).value();
    HttpServerOptions server_options;
    server_options.port = port;
    server_options.metrics = metrics_;
    auto server = HttpServer::start(
        loop_, identity_, server_options, [](const Request&) { return Response::text(404, "no such endpoint"); },
        peers_.get());
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    server_ = std::move(server).value();
  }

  void stop() {
    if (server_) server_->stop();
    if (peers_) peers_->stop();
    server_.reset();
    peers_.reset();
  }

  void connect_to(const Node& other) { ASSERT_TRUE(peers_->add_peer({other.url(), other.key()}).ok()); }

  bool wait_connected(const crypto::PublicKey& peer, std::uint64_t links_up = 1) {
    return metrics_->wait_until(
        [&](const NetCounters& c) {
          auto it = c.peers.find(peer);
          return it != c.peers.end() && it->second.connected && it->second.links_up >= links_up;
        },
        kWait);
  }
  bool wait_counters(const std::function<bool(const NetCounters&)>& done) { return metrics_->wait_until(done, kWait); }
  bool wait_rejected(RejectReason reason) {
    return metrics_->wait_until([&](const NetCounters& c) { return c.rejected_for(reason) >= 1; }, kWait);
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(server_->port()); }
  std::uint16_t port() const { return server_->port(); }
  crypto::PublicKey key() const { return identity_.key.public_key(); }
  PeerManager& peers() { return *peers_; }
  NetCounters counters() const { return metrics_->snapshot(); }

  Inbox inbox;
  std::function<void(const Bytes&)> on_message_hook;  // set before start()

 private:
  EventLoop loop_{2};
  TlsIdentity identity_;
  std::string genesis_;
  std::shared_ptr<NetMetrics> metrics_ = std::make_shared<NetMetrics>();
  std::unique_ptr<PeerManager> peers_;
  std::unique_ptr<HttpServer> server_;
};

TEST(PeerLinks, TwoPeersExchangeMessagesBothWays) {
  Node a(1, "genesis-1"), b(2, "genesis-1");
  a.start({a.key(), b.key()});
  b.start({a.key(), b.key()});
  a.connect_to(b);
  b.connect_to(a);
  ASSERT_TRUE(a.wait_connected(b.key()));
  ASSERT_TRUE(b.wait_connected(a.key()));

  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(a.peers().send(b.key(), to_bytes("a->b " + std::to_string(i))).ok());
    ASSERT_TRUE(b.peers().send(a.key(), to_bytes("b->a " + std::to_string(i))).ok());
  }
  auto at_b = b.inbox.wait_for("a->b 2");
  auto at_a = a.inbox.wait_for("b->a 2");
  // Reordering across links (see below) means "2" may come before "0".
  ASSERT_TRUE(b.inbox.wait_for("a->b 0") && b.inbox.wait_for("a->b 1"));
  ASSERT_TRUE(a.inbox.wait_for("b->a 0") && a.inbox.wait_for("b->a 1"));
  ASSERT_TRUE(at_b && at_a);
  EXPECT_EQ(at_b->from, a.key());
  EXPECT_EQ(at_a->from, b.key());
  // Every message arrives exactly once. Order is kept per link only: a
  // message sent over the inbound link before the outbound one came up may
  // arrive after later ones (seen under load), which consensus tolerates.
  auto got = b.inbox.all();
  ASSERT_EQ(got.size(), 3u);
  std::vector<std::string> texts;
  for (const auto& m : got) texts.push_back(m.text);
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts, (std::vector<std::string>{"a->b 0", "a->b 1", "a->b 2"}));

  // A write is counted when its completion runs, which may be after the
  // receiver already has the message: wait for the counters, not a snapshot.
  const auto bk = b.key();
  EXPECT_TRUE(a.wait_counters([&](const NetCounters& c) {
    auto it = c.peers.find(bk);
    return it != c.peers.end() && it->second.messages_out >= 3 && it->second.messages_in >= 3;
  }));
  const auto counters = a.counters();
  EXPECT_EQ(counters.peers.at(b.key()).messages_out, 3u);
  EXPECT_EQ(counters.peers.at(b.key()).messages_in, 3u);
  EXPECT_GE(counters.peers.at(b.key()).bytes_out, 18u);
  EXPECT_EQ(a.peers().connected_peers(), std::vector<crypto::PublicKey>{b.key()});
}

TEST(PeerLinks, UnpinnedKeysAreRefusedOnBothSides) {
  Node a(1, "g"), b(2, "g"), stranger(3, "g");
  a.start({a.key(), b.key()});
  b.start({a.key(), b.key()});
  stranger.start({a.key(), stranger.key()});  // trusts a, but a does not trust it

  // Inbound: a refuses the stranger's upgrade.
  stranger.connect_to(a);
  EXPECT_TRUE(a.wait_rejected(RejectReason::kUnpinnedKey));
  EXPECT_EQ(a.peers().send(stranger.key(), to_bytes("x")).code(), ErrorCode::kNotFound);

  EXPECT_TRUE(stranger.peers().connected_peers().empty());
  EXPECT_TRUE(a.inbox.all().empty());

  // Outbound: d dials the stranger's address expecting b's key; the TLS
  // handshake fails on d's side before any WebSocket traffic.
  Node d(4, "g");
  d.start({d.key(), b.key()});
  ASSERT_TRUE(d.peers().add_peer({stranger.url(), b.key()}).ok());
  EXPECT_TRUE(d.wait_rejected(RejectReason::kUnpinnedKey));
  EXPECT_TRUE(d.peers().connected_peers().empty());
}

// A learner (may_link, not is_member) fetching blocks under a permit: its
// inbound link is accepted and takes what is sent to it by name, but no
// broadcast reaches it and connected_peers() leaves it out, so consensus
// traffic and quorum counts never include it. A key nobody permitted is
// still refused.
TEST(PeerLinks, APermittedLearnerGetsOnlyWhatIsSentToIt) {
  Node a(1, "g"), b(2, "g"), learner(3, "g"), stranger(4, "g");
  const auto learner_key = learner.key();
  a.start({a.key(), b.key()}, 0, [learner_key](PeerManagerOptions& o) {
    o.may_link = [learner_key](const crypto::PublicKey& k) { return k == learner_key; };
  });
  b.start({a.key(), b.key()});
  learner.start({a.key(), learner.key()});   // it dials a member it trusts
  stranger.start({a.key(), stranger.key()});
  a.connect_to(b);
  learner.connect_to(a);
  stranger.connect_to(a);
  ASSERT_TRUE(a.wait_connected(b.key()));
  ASSERT_TRUE(a.wait_connected(learner.key()));
  ASSERT_TRUE(learner.wait_connected(a.key()));
  EXPECT_TRUE(a.wait_rejected(RejectReason::kUnpinnedKey));  // the stranger

  // The learner's requests reach a, and a's answers reach the learner.
  ASSERT_TRUE(learner.peers().send(a.key(), to_bytes("fetch 1..10")).ok());
  auto asked = a.inbox.wait_for("fetch 1..10");
  ASSERT_TRUE(asked);
  EXPECT_EQ(asked->from, learner.key());
  ASSERT_TRUE(a.peers().send(learner.key(), to_bytes("blocks 1..10")).ok());
  ASSERT_TRUE(learner.inbox.wait_for("blocks 1..10"));

  // A broadcast goes to the member only; the answer sent after it, over the
  // same link, arrives after anything broadcast would have, so its arrival
  // proves the broadcast was not sent to the learner.
  a.peers().broadcast(to_bytes("prepare 7"));
  ASSERT_TRUE(b.inbox.wait_for("prepare 7"));
  ASSERT_TRUE(a.peers().send(learner.key(), to_bytes("blocks 11..20")).ok());
  ASSERT_TRUE(learner.inbox.wait_for("blocks 11..20"));
  for (const auto& m : learner.inbox.all()) EXPECT_NE(m.text, "prepare 7");
  EXPECT_EQ(a.peers().connected_peers(), std::vector<crypto::PublicKey>{b.key()});

  EXPECT_EQ(a.peers().send(stranger.key(), to_bytes("x")).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(stranger.inbox.all().empty());
}

TEST(PeerLinks, UpgradeWithoutClientCertificateGets403) {
  Node a(1, "g");
  a.start({a.key()});
  testing::RawTlsClient client(a.port(), {});
  ASSERT_TRUE(client.handshake_ok());
  ASSERT_TRUE(
      client.write("GET /v1/peer HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(testing::status_of(*response), 403);
  EXPECT_TRUE(a.wait_rejected(RejectReason::kNoClientCertificate));
}

TEST(PeerLinks, RemovedPeerIsDisconnectedAndForgotten) {
  Node a(1, "g"), b(2, "g");
  a.start({a.key(), b.key()});
  b.start({a.key(), b.key()});
  a.connect_to(b);
  ASSERT_TRUE(a.wait_connected(b.key()));
  ASSERT_TRUE(b.wait_connected(a.key()));
  a.peers().remove_peer(b.key());
  EXPECT_EQ(a.peers().send(b.key(), to_bytes("gone")).code(), ErrorCode::kNotFound);
  // b sees its inbound link from a close.
  auto b_metrics_disconnected = [&] {
    auto c = b.counters();
    return c.peers.count(a.key()) && !c.peers.at(a.key()).connected;
  };
  EXPECT_TRUE(b.wait_counters([&](const NetCounters& c) {
    auto it = c.peers.find(a.key());
    return it != c.peers.end() && !it->second.connected && it->second.links_down >= 1;
  }));
  EXPECT_TRUE(b_metrics_disconnected());
}

TEST(PeerLinks, WrongGenesisIsRefusedByBothSides) {
  Node a(1, "genesis-A"), b(2, "genesis-B");
  a.start({a.key(), b.key()});
  b.start({a.key(), b.key()});
  a.connect_to(b);
  EXPECT_TRUE(a.wait_rejected(RejectReason::kWrongGenesis));
  EXPECT_TRUE(b.wait_rejected(RejectReason::kWrongGenesis));
  EXPECT_TRUE(a.peers().connected_peers().empty());
  EXPECT_TRUE(b.peers().connected_peers().empty());
  ASSERT_TRUE(a.peers().send(b.key(), to_bytes("never")).ok());  // queued, never delivered
  EXPECT_TRUE(b.inbox.all().empty());
}

TEST(PeerLinks, OversizedFrameClosesTheLinkButServerKeepsServing) {
  Node a(1, "g"), b(2, "g");
  a.start({a.key(), b.key()}, 0, [](PeerManagerOptions& o) { o.read_message_max = 1024 * 1024; });
  b.start({a.key(), b.key()}, 0, [](PeerManagerOptions& o) { o.read_message_max = 64 * 1024; });
  a.connect_to(b);
  ASSERT_TRUE(a.wait_connected(b.key()));
  ASSERT_TRUE(a.peers().send(b.key(), Bytes(100 * 1024, 0x55)).ok());
  EXPECT_TRUE(b.wait_rejected(RejectReason::kOversizedFrame));

  // b still answers HTTPS, and a's link comes back and works.
  auto r = https_request(b.url(), "GET", "/anything");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 404);
  ASSERT_TRUE(a.wait_connected(b.key(), 2));
  ASSERT_TRUE(a.peers().send(b.key(), to_bytes("small")).ok());
  EXPECT_TRUE(b.inbox.wait_for("small").has_value());
  // b refuses to send what a peer of its size would refuse to read.
  EXPECT_EQ(b.peers().send(a.key(), Bytes(64 * 1024 + 1)).code(), ErrorCode::kResourceExhausted);
}

TEST(PeerLinks, ClientReconnectsAfterServerRestart) {
  Node a(1, "g"), b(2, "g");
  a.start({a.key(), b.key()});
  b.start({a.key(), b.key()});
  a.connect_to(b);
  ASSERT_TRUE(a.wait_connected(b.key()));
  ASSERT_TRUE(a.peers().send(b.key(), to_bytes("before")).ok());
  ASSERT_TRUE(b.inbox.wait_for("before").has_value());

  const std::uint16_t port = b.port();
  b.stop();
  ASSERT_TRUE(a.counters().peers.at(b.key()).links_up == 1);
  b.start({a.key(), b.key()}, port);
  ASSERT_TRUE(a.wait_connected(b.key(), 2));
  ASSERT_TRUE(a.peers().send(b.key(), to_bytes("after")).ok());
  EXPECT_TRUE(b.inbox.wait_for("after").has_value());
}

TEST(PeerLinks, SlowPeerQueueIsBoundedAndDropsOldest) {
  Node a(1, "g"), b(2, "g");
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  b.on_message_hook = [released](const Bytes&) { released.wait_for(kWait); };  // b stops reading
  constexpr std::size_t kMaxMessages = 8;
  constexpr std::size_t kMaxBytes = 256 * 1024;
  a.start({a.key(), b.key()}, 0, [](PeerManagerOptions& o) {
    o.queue_max_messages = kMaxMessages;
    o.queue_max_bytes = kMaxBytes;
  });
  b.start({a.key(), b.key()});
  a.connect_to(b);
  ASSERT_TRUE(a.wait_connected(b.key()));

  // ~19 MB towards a peer that reads nothing: more than the socket buffers hold.
  for (int i = 0; i < 600; ++i) ASSERT_TRUE(a.peers().send(b.key(), Bytes(32 * 1024, 0x11)).ok());
  const auto c = a.counters().peers.at(b.key());
  EXPECT_GT(c.queue_drops, 0u);
  EXPECT_LE(c.queued_bytes_peak, kMaxBytes);
  EXPECT_LE(c.queued_messages, kMaxMessages);

  release.set_value();
  ASSERT_TRUE(a.peers().send(b.key(), to_bytes("last")).ok());
  EXPECT_TRUE(b.inbox.wait_for("last").has_value());  // newest messages survive
}

}  // namespace
}  // namespace mlchain::net
