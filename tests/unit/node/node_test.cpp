// A one-member layer in process: real TLS listener, real LMDB in a temp dir.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "mlchain/crypto/cert.h"
#include "mlchain/ledger/ledger.h"
#include "mlchain/net/https_client.h"
#include "mlchain/node/node.h"
#include "mlchain/node/signed_op.h"

namespace mlchain::node {
namespace {

namespace fs = std::filesystem;

class OneNodeLayer : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mlchain-node-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto key = crypto::PrivateKey::generate().value();
    auto cert = crypto::make_self_signed_certificate(key, "n1", std::chrono::hours(24)).value();
    ASSERT_TRUE(crypto::write_file_atomic(dir_ / "n1.pem", key.to_pem() + cert, 0600, true).ok());

    ledger::Blueprint bp;
    bp.layer_path = "T";
    bp.genesis_time_ms = 1'700'000'000'000;
    bp.members.push_back(ledger::MemberInfo{"n1", key.public_key(), "https://127.0.0.1:1", true});
    auto genesis = ledger::make_genesis(bp);
    hash_ = crypto::digest_hex(genesis.hash());
    codec::Json doc = {{"blueprint", ledger::to_json(bp)}, {"genesis", ledger::to_json(genesis)}, {"genesis_hash", hash_}};
    std::ofstream(dir_ / "genesis.json") << codec::canonical(doc).value();

    config_.name = "n1";
    config_.key_file = dir_ / "n1.pem";
    config_.listen_port = 0;
    config_.data_dir = dir_ / "data";
    config_.genesis = dir_ / "genesis.json";
    config_.op_timeout_ms = 5000;
    client_ = crypto::PrivateKey::generate().value();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(node_->port()); }
  net::Response call(const std::string& method, const std::string& target, const std::string& body = {}) {
    auto r = net::https_request(url(), method, target, body);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : net::Response{};
  }
  codec::Json submit(std::uint64_t id, const std::string& op, int expect_status = 200) {
    auto r = call("POST", "/v1/ops", to_json(sign_op(client_, hash_, id, op)).dump());
    EXPECT_EQ(r.status, expect_status) << r.body;
    return codec::parse(r.body).value_or(codec::Json());
  }

  fs::path dir_;
  std::string hash_;
  NodeConfig config_;
  crypto::PrivateKey client_ = crypto::PrivateKey::generate().value();
  Logger log_{LogFormat::kText, LogLevel::kWarn};
  std::unique_ptr<Node> node_;
};

TEST_F(OneNodeLayer, CommitsSignedOpsAndKeepsThemAcrossRestart) {
  auto started = Node::start(config_, log_);
  ASSERT_TRUE(started.ok()) << started.status().to_string();
  node_ = std::move(started).value();

  auto a = submit(1, "put colour blue");
  EXPECT_EQ(a["result"], "ok");
  EXPECT_GE(a["height"].get<std::uint64_t>(), 1u);
  auto b = submit(2, "get colour");
  EXPECT_EQ(b["result"], "blue");
  EXPECT_EQ(submit(2, "get colour")["duplicate"], true);  // same id: answered from the cache
  submit(1, "put colour red", 409);                       // ids must increase

  // Refused before anything is queued.
  auto forged = to_json(sign_op(client_, hash_, 3, "put colour red"));
  forged["op"] = "put colour green";
  EXPECT_EQ(call("POST", "/v1/ops", forged.dump()).status, 401);
  EXPECT_EQ(call("POST", "/v1/ops", "{").status, 400);
  EXPECT_EQ(call("POST", "/v1/ops", to_json(sign_op(client_, "00", 3, "x")).dump()).status, 400);
  EXPECT_EQ(call("GET", "/v1/nope").status, 404);

  auto layer = codec::parse(call("GET", "/v1/layer").body).value();
  EXPECT_EQ(layer["layer"], "T");
  EXPECT_EQ(layer["genesis_hash"], hash_);
  EXPECT_EQ(layer["n"], 1);
  std::uint64_t height = layer["height"].get<std::uint64_t>();
  EXPECT_GE(height, 2u);
  EXPECT_EQ(call("GET", "/readyz").status, 200);
  EXPECT_EQ(call("GET", "/v1/blocks/1").status, 200);
  EXPECT_EQ(call("GET", "/v1/blocks/999").status, 404);
  auto metrics = call("GET", "/metrics").body;
  EXPECT_NE(metrics.find("mlchain_height " + std::to_string(height) + "\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mlchain_client_rejected_total{reason=\"bad_signature\"} 1"), std::string::npos);

  node_->stop();
  node_.reset();
  started = Node::start(config_, log_);
  ASSERT_TRUE(started.ok()) << started.status().to_string();
  node_ = std::move(started).value();
  auto again = codec::parse(call("GET", "/v1/layer").body).value();
  EXPECT_EQ(again["height"], height);
  EXPECT_EQ(submit(3, "get colour")["result"], "blue");
}

TEST_F(OneNodeLayer, RefusesATamperedGenesis) {
  std::string text;
  {
    std::ifstream in(dir_ / "genesis.json");
    std::getline(in, text);
  }
  text.replace(text.find("\"T\""), 3, "\"U\"");
  std::ofstream(dir_ / "genesis.json") << text;
  auto started = Node::start(config_, log_);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), ErrorCode::kVerificationFailed) << started.status().to_string();
}

}  // namespace
}  // namespace mlchain::node
