// An EdgeNode with [superior] against a fake superior member on 127.0.0.1:
// real TLS, a real genesis.json, real LMDB. The member answers GET /v1/layer;
// the edge must take its answer only over TLS pinned to the key its book
// holds for that address, and show the book in /v1/edge and /metrics.
#include <thread>

#include "edge_test_util.h"
#include "mlchain/crypto/cert.h"
#include "mlchain/edge/edge_node.h"
#include "mlchain/ledger/ledger.h"
#include "mlchain/net/http.h"
#include "mlchain/net/https_client.h"

namespace mlchain::edge::testing {
namespace {

using Json = codec::Json;

struct Identity {
  crypto::PrivateKey key;
  std::string cert;
};

Identity identity(std::uint8_t seed, const std::string& name) {
  auto key = crypto::PrivateKey::from_seed(Bytes(32, seed)).value();
  auto cert = crypto::make_self_signed_certificate(key, name, std::chrono::hours(24)).value();
  return {std::move(key), std::move(cert)};
}

class SuperiorNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_.start();
    net::HttpServerOptions o;
    o.port = 0;
    auto server =
        net::HttpServer::start(loop_, net::TlsIdentity{member_.key, member_.cert}, o, [this](const net::Request& req) {
          if (req.target != "/v1/layer") return net::Response::text(404, "no\n");
          return net::Response::json(200, answer_.dump());
        });
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    server_ = std::move(server).value();
    member_url_ = "https://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    if (node_) node_->stop();
    if (server_) server_->stop();
    loop_.stop();
  }

  // genesis.json of "L2/L1a" whose one founding member "m1" is at the fake
  // server's address with key `book_key`.
  std::string write_genesis(const crypto::PublicKey& book_key) {
    ledger::Blueprint bp;
    bp.layer_path = "L2/L1a";
    bp.members.push_back({"m1", book_key, member_url_, true});
    bp.admin_keys = {admin_.public_key()};
    bp.genesis_time_ms = 1'764'000'000'000;
    ledger::Block g = ledger::make_genesis(bp);
    std::string hash = crypto::digest_hex(g.hash());
    Json j = {{"blueprint", ledger::to_json(bp)}, {"genesis", ledger::to_json(g)}, {"genesis_hash", hash}};
    EXPECT_TRUE(crypto::write_file_atomic(dir_.path() / "genesis.json", j.dump(), 0644, true).ok());
    return hash;
  }

  void start_edge() {
    Identity e1 = identity(9, "e1");
    EXPECT_TRUE(crypto::write_file_atomic(dir_.path() / "e1.pem", e1.key.to_pem() + e1.cert, 0600, true).ok());
    edge_key_ = e1.key.public_key();
    EdgeConfig c;
    c.name = "e1";
    c.key_file = dir_.path() / "e1.pem";
    c.data_dir = dir_.path() / "data";
    c.layer = "L2/L1a/E1";
    c.admin_keys = {admin_.public_key()};
    c.durable = false;
    c.superior = SuperiorConfig{"L2/L1a", dir_.path() / "genesis.json", 60'000};
    auto started = EdgeNode::start(c, log_);
    ASSERT_TRUE(started.ok()) << started.status().to_string();
    node_ = std::move(started).value();
  }

  std::string get(const std::string& target) {
    net::HttpsClientOptions o;
    o.server_key = edge_key_;
    auto r = net::https_request("https://127.0.0.1:" + std::to_string(node_->port()), "GET", target, {}, {}, o);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? r->body : "";
  }

  // /v1/edge's "superior" once the first refresh round is over (bounded).
  Json superior_after_first_round() {
    Json s;
    for (int i = 0; i < 250; ++i) {
      s = codec::parse(get("/v1/edge")).value()["superior"];
      if (!s["refreshed_at_ms"].is_null() || !s["last_error"].is_null()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return s;
  }

  TempDir dir_;
  crypto::PrivateKey admin_ = crypto::PrivateKey::from_seed(Bytes(32, 1)).value();
  Identity member_ = identity(2, "m1");
  Json answer_;
  net::EventLoop loop_{1};
  std::unique_ptr<net::HttpServer> server_;
  std::string member_url_;
  node::Logger log_{node::LogFormat::kText, node::LogLevel::kError};
  crypto::PublicKey edge_key_;
  std::unique_ptr<EdgeNode> node_;
};

TEST_F(SuperiorNodeTest, RefreshesFromAPinnedMemberAndShowsIt) {
  std::string hash = write_genesis(member_.key.public_key());
  crypto::PublicKey joined = crypto::PrivateKey::from_seed(Bytes(32, 3)).value().public_key();
  answer_ = {{"layer", "L2/L1a"},
             {"genesis_hash", hash},
             {"epoch", 1},
             {"members", Json::array({{{"name", "m1"},
                                       {"public_key", member_.key.public_key().hex()},
                                       {"address", member_url_},
                                       {"status", "valid"}},
                                      {{"name", "m2"},
                                       {"public_key", joined.hex()},
                                       {"address", "https://127.0.0.1:1"},
                                       {"status", "unreachable"}}})}};
  start_edge();
  Json s = superior_after_first_round();
  EXPECT_EQ(s["path"], "L2/L1a");
  EXPECT_EQ(s["genesis_hash"], hash);
  EXPECT_EQ(s["epoch"], 1);
  EXPECT_TRUE(s["last_error"].is_null()) << s.dump();
  ASSERT_EQ(s["members"].size(), 2u) << s.dump();
  EXPECT_EQ(s["members"][1]["public_key"], joined.hex());
  std::string metrics = get("/metrics");
  EXPECT_NE(metrics.find("\nmlchain_edge_superior_members 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nmlchain_edge_superior_epoch 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nmlchain_edge_superior_refresh_failures_total 0\n"), std::string::npos) << metrics;

  // Restart with the superior gone: the stored epoch-1 book is the one used.
  node_->stop();
  node_.reset();
  server_->stop();
  start_edge();
  Json again = codec::parse(get("/v1/edge")).value()["superior"];
  EXPECT_EQ(again["epoch"], 1) << again.dump();
  EXPECT_EQ(again["members"].size(), 2u);
}

TEST_F(SuperiorNodeTest, AServerWithAnotherKeyIsNotBelieved) {
  // The book says m1 has key K3, but the server at m1's address presents K2.
  crypto::PublicKey book_key = crypto::PrivateKey::from_seed(Bytes(32, 3)).value().public_key();
  std::string hash = write_genesis(book_key);
  answer_ = {{"layer", "L2/L1a"},
             {"genesis_hash", hash},
             {"epoch", 7},
             {"members", Json::array({{{"name", "evil"},
                                       {"public_key", member_.key.public_key().hex()},
                                       {"address", member_url_},
                                       {"status", "valid"}}})}};
  start_edge();
  Json s = superior_after_first_round();
  EXPECT_EQ(s["epoch"], 0) << s.dump();
  ASSERT_EQ(s["members"].size(), 1u);
  EXPECT_EQ(s["members"][0]["public_key"], book_key.hex());
  ASSERT_TRUE(s["last_error"].is_string()) << s.dump();
  EXPECT_TRUE(s["refreshed_at_ms"].is_null());
  EXPECT_NE(get("/metrics").find("\nmlchain_edge_superior_refresh_failures_total 1\n"), std::string::npos);
}

TEST_F(SuperiorNodeTest, AGenesisOfAnotherLayerStopsTheStart) {
  write_genesis(member_.key.public_key());
  Identity e1 = identity(9, "e1");
  ASSERT_OK(crypto::write_file_atomic(dir_.path() / "e1.pem", e1.key.to_pem() + e1.cert, 0600, true));
  EdgeConfig c;
  c.name = "e1";
  c.key_file = dir_.path() / "e1.pem";
  c.data_dir = dir_.path() / "data";
  c.layer = "L2/L1b/E1";
  c.admin_keys = {admin_.public_key()};
  c.durable = false;
  c.superior = SuperiorConfig{"L2/L1b", dir_.path() / "genesis.json", 60'000};
  auto started = EdgeNode::start(c, log_);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.status().message().find("genesis.json"), std::string::npos) << started.status().to_string();
  EXPECT_NE(started.status().message().find("L2/L1a"), std::string::npos) << started.status().to_string();
  c.superior->genesis = dir_.path() / "missing.json";
  EXPECT_FALSE(EdgeNode::start(c, log_).ok());
}

}  // namespace
}  // namespace mlchain::edge::testing
