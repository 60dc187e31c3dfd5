// An EdgeNode in process on 127.0.0.1 (port 0): real TLS, real LMDB in a
// temp dir, talked to with net::https_request the way the CLI and devices do.
#include "mlchain/edge/edge_node.h"

#include <fstream>

#include "edge_test_util.h"
#include "mlchain/crypto/cert.h"
#include "mlchain/edge/admin.h"
#include "mlchain/net/https_client.h"

namespace mlchain::edge::testing {
namespace {

using Json = codec::Json;

class EdgeNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = crypto::PrivateKey::generate().value();
    auto cert = crypto::make_self_signed_certificate(key, "e1", std::chrono::hours(24)).value();
    ASSERT_OK(crypto::write_file_atomic(dir_.path() / "e1.pem", key.to_pem() + cert, 0600, true));
    node_key_ = key.public_key();
    config_.name = "e1";
    config_.key_file = dir_.path() / "e1.pem";
    config_.data_dir = dir_.path() / "data";
    config_.layer = "L2/L1a/E1";
    config_.admin_keys = {admin_.public_key()};
    config_.durable = false;
    auto started = EdgeNode::start(config_, log_);
    ASSERT_TRUE(started.ok()) << started.status().to_string();
    node_ = std::move(started).value();
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(node_->port()); }

  net::Response call(const std::string& method, const std::string& target, const std::string& body = {},
                     const std::map<std::string, std::string>& headers = {}) {
    net::HttpsClientOptions o;
    o.server_key = node_key_;
    auto r = net::https_request(url(), method, target, body, headers, o);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : net::Response{};
  }

  net::Response admin_call(const crypto::PrivateKey& k, const std::string& action, Json args) {
    std::string nonce = to_hex(Bytes(16, static_cast<std::uint8_t>(++nonce_counter_)));
    auto env = sign_admin_request(k, action, std::move(args), "L2/L1a/E1", nonce, unix_millis(SystemClock().now()));
    return call("POST", "/v1/admin/" + action, to_json(env).dump());
  }

  net::Response object_call(Device& d, Action a, const std::string& body, std::optional<std::uint64_t> counter = {}) {
    auto req = d.request(a, body, counter);
    std::map<std::string, std::string> h = {{"X-Mlc-Object", req.uuid}, {"X-Mlc-Counter", std::to_string(req.counter)}};
    if (!req.signature.empty()) h["X-Mlc-Signature"] = req.signature;
    return call("POST", "/v1/object/" + std::string(action_name(a)), body, h);
  }

  static std::string code_of(const net::Response& r) {
    auto j = codec::parse(r.body);
    return j.ok() && j->contains("error") ? (*j)["error"].value("code", "") : "";
  }

  TempDir dir_;
  crypto::PublicKey node_key_;
  crypto::PrivateKey admin_ = crypto::PrivateKey::from_seed(Bytes(32, 1)).value();
  EdgeConfig config_;
  node::Logger log_{node::LogFormat::kText, node::LogLevel::kError};
  std::unique_ptr<EdgeNode> node_;
  int nonce_counter_ = 0;
};

TEST_F(EdgeNodeTest, ThermometerWithHmacEndToEnd) {
  EXPECT_EQ(call("GET", "/healthz").status, 200);
  EXPECT_EQ(call("GET", "/readyz").status, 200);
  auto info = codec::parse(call("GET", "/v1/edge").body).value();
  EXPECT_EQ(info["layer"], "L2/L1a/E1");
  EXPECT_EQ(info["public_key"], node_key_.hex());

  Json spec = {{"class", "Device/Sensor/Thermometer/Acme"},
               {"permissions", {"upload"}},
               {"static", {{"address", "roof-1"}}},
               {"format", codec::parse(R"({"type":"object","required":["temp_cC"],
                   "properties":{"temp_cC":{"type":"integer","minimum":-5000,"maximum":8000}}})")
                              .value()},
               {"credential", {{"scheme", "hmac"}}}};
  auto reg = admin_call(admin_, "register", spec);
  ASSERT_EQ(reg.status, 200) << reg.body;
  EXPECT_EQ(reg.headers["cache-control"], "no-store");
  auto rj = codec::parse(reg.body).value();
  Device d;
  d.uuid = rj["object"]["uuid"];
  d.scheme = Scheme::kHmac;
  d.secret = from_hex(rj["secret"].get<std::string>()).value();

  auto up = object_call(d, Action::kUpload, R"({"temp_cC": 2137})");
  EXPECT_EQ(up.status, 200) << up.body;
  auto bad = object_call(d, Action::kUpload, R"({"temp_cC": 9000})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(code_of(bad), "schema_violation");
  auto replay = object_call(d, Action::kUpload, R"({"temp_cC": 1})", 1);
  EXPECT_EQ(replay.status, 409);
  EXPECT_EQ(code_of(replay), "replayed");
  auto no_headers = call("POST", "/v1/object/upload", "{}");
  EXPECT_EQ(code_of(no_headers), "bad_request");

  auto show = admin_call(admin_, "show", {{"uuid", d.uuid}});
  ASSERT_EQ(show.status, 200) << show.body;
  auto sj = codec::parse(show.body).value();
  EXPECT_EQ(sj["object"]["dynamic"]["temp_cC"]["value"], 2137);
  EXPECT_EQ(sj["history"].size(), 1u);
  // The secret never appears again: not in show, list or metrics.
  std::string secret_hex = to_hex(d.secret);
  EXPECT_EQ(show.body.find(secret_hex), std::string::npos);
  auto list = admin_call(admin_, "list", Json::object());
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find(secret_hex), std::string::npos);
  EXPECT_EQ(codec::parse(list.body).value()["objects"].size(), 1u);

  auto metrics = call("GET", "/metrics").body;
  EXPECT_NE(metrics.find("mlchain_edge_requests_accepted_total{action=\"upload\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mlchain_edge_requests_refused_total{reason=\"schema_violation\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("mlchain_edge_requests_refused_total{reason=\"replayed\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("mlchain_edge_request_latency_seconds_count"), std::string::npos);

  // Rotate, then revoke.
  auto rot = admin_call(admin_, "rotate", {{"uuid", d.uuid}, {"credential", {{"scheme", "hmac"}}}});
  ASSERT_EQ(rot.status, 200) << rot.body;
  EXPECT_EQ(code_of(object_call(d, Action::kUpload, R"({"temp_cC": 5})")), "bad_signature");
  d.secret = from_hex(codec::parse(rot.body).value()["secret"].get<std::string>()).value();
  EXPECT_EQ(object_call(d, Action::kUpload, R"({"temp_cC": 5})").status, 200);
  EXPECT_EQ(admin_call(admin_, "revoke", {{"uuid", d.uuid}}).status, 200);
  EXPECT_EQ(code_of(object_call(d, Action::kUpload, R"({"temp_cC": 5})")), "revoked");
  EXPECT_EQ(code_of(admin_call(admin_, "revoke", {{"uuid", d.uuid}})), "conflict");
}

TEST_F(EdgeNodeTest, SecretsNeverReachTheLogAndStateSurvivesRestart) {
  node_->stop();
  std::FILE* logfile = std::tmpfile();
  ASSERT_NE(logfile, nullptr);
  node::Logger debug_log(node::LogFormat::kJson, node::LogLevel::kDebug, logfile);
  node_ = EdgeNode::start(config_, debug_log).value();

  auto reg = admin_call(admin_, "register", {{"class", "Device/Sensor"}, {"permissions", {"upload"}},
                                             {"credential", {{"scheme", "hmac"}}}});
  ASSERT_EQ(reg.status, 200) << reg.body;
  auto rj = codec::parse(reg.body).value();
  Device d;
  d.uuid = rj["object"]["uuid"];
  d.secret = from_hex(rj["secret"].get<std::string>()).value();
  ASSERT_EQ(object_call(d, Action::kUpload, R"({"v": 1})").status, 200);
  Device wrong = d;
  wrong.secret = Bytes(32, 0);
  EXPECT_EQ(code_of(object_call(wrong, Action::kUpload, R"({"v": 2})")), "bad_signature");
  auto rot = admin_call(admin_, "rotate", {{"uuid", d.uuid}, {"credential", {{"scheme", "hmac"}}}});
  ASSERT_EQ(rot.status, 200);
  std::string second = codec::parse(rot.body).value()["secret"];
  d.secret = from_hex(second).value();

  // Restart on the same data_dir: the object, its state and its counter remain.
  node_->stop();
  node_ = EdgeNode::start(config_, debug_log).value();
  EXPECT_EQ(code_of(object_call(d, Action::kUpload, R"({"v": 3})", 1)), "replayed");
  EXPECT_EQ(object_call(d, Action::kUpload, R"({"v": 3})").status, 200);
  auto show = codec::parse(admin_call(admin_, "show", {{"uuid", d.uuid}}).body).value();
  EXPECT_EQ(show["object"]["dynamic"]["v"]["value"], 3);
  EXPECT_EQ(show["object"]["counter"], d.counter);
  node_->stop();

  std::fflush(logfile);
  std::rewind(logfile);
  std::string log;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, logfile)) > 0;) log.append(buf, n);
  std::fclose(logfile);
  EXPECT_NE(log.find("object registered"), std::string::npos) << log;
  EXPECT_NE(log.find("object request refused"), std::string::npos) << log;  // debug level logs refusals
  EXPECT_EQ(log.find(rj["secret"].get<std::string>()), std::string::npos) << "secret in the log";
  EXPECT_EQ(log.find(second), std::string::npos) << "rotated secret in the log";
}

TEST_F(EdgeNodeTest, AdminCallsAreAuthenticated) {
  auto stranger = crypto::PrivateKey::from_seed(Bytes(32, 2)).value();
  auto r = admin_call(stranger, "list", Json::object());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(code_of(r), "not_admin");
  auto env = sign_admin_request(admin_, "list", Json::object(), "L2/L1a/E1", std::string(32, 'c'),
                                unix_millis(SystemClock().now()));
  std::string body = to_json(env).dump();
  EXPECT_EQ(call("POST", "/v1/admin/list", body).status, 200);
  auto again = call("POST", "/v1/admin/list", body);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(code_of(again), "replayed");
  EXPECT_EQ(code_of(call("POST", "/v1/admin/show", body)), "bad_request");  // action bound to the path
  auto old = sign_admin_request(admin_, "list", Json::object(), "L2/L1a/E1", std::string(32, 'd'),
                                unix_millis(SystemClock().now()) - 3'600'000);
  auto stale = call("POST", "/v1/admin/list", to_json(old).dump());
  EXPECT_EQ(stale.status, 401);
  EXPECT_EQ(code_of(stale), "stale");
  env.args = {{"limit", 5}};  // tampered after signing
  EXPECT_EQ(code_of(call("POST", "/v1/admin/list", to_json(env).dump())), "bad_signature");
  // Policy: unsigned objects are not allowed by default.
  auto u = admin_call(admin_, "register", {{"class", "Device/X"}, {"credential", {{"scheme", "unsigned"}}}});
  EXPECT_EQ(u.status, 403);
  EXPECT_EQ(code_of(u), "not_allowed_by_policy");
  // Oversized bodies are cut off by the transport.
  EXPECT_EQ(call("POST", "/v1/admin/list", std::string(kMaxRequestBodyBytes + 10, ' ')).status, 413);
}

TEST_F(EdgeNodeTest, Ed25519ObjectsTalkThroughTheNode) {
  auto k1 = crypto::PrivateKey::from_seed(Bytes(32, 7)).value();
  auto k2 = crypto::PrivateKey::from_seed(Bytes(32, 8)).value();
  auto reg = [&](const crypto::PrivateKey& k, const std::string& cls, Json perms) {
    auto r = admin_call(admin_, "register",
                        {{"class", cls},
                         {"permissions", perms},
                         {"credential", {{"scheme", "ed25519"}, {"public_key", k.public_key().hex()}}}});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(codec::parse(r.body).value().count("secret"), 0u);
    Device d;
    d.uuid = codec::parse(r.body).value()["object"]["uuid"];
    d.scheme = Scheme::kEd25519;
    d.key = k;
    return d;
  };
  Device app = reg(k1, "User/Individual/Alice", Json{"talk:class:Device/Actuator"});
  Device valve = reg(k2, "Device/Actuator/Valve", Json::array());
  auto sent = object_call(app, Action::kSend, R"({"to":")" + valve.uuid + R"(","body":{"open":true}})");
  ASSERT_EQ(sent.status, 200) << sent.body;
  auto back = object_call(valve, Action::kSend, R"({"to":")" + app.uuid + R"(","body":"no"})");
  EXPECT_EQ(back.status, 403);
  EXPECT_EQ(code_of(back), "not_permitted");
  auto got = object_call(valve, Action::kFetch, R"({"ack": 0})");  // ack 0 before reading: drops seq 0
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(codec::parse(got.body).value()["messages"].size(), 0u);
  object_call(app, Action::kSend, R"({"to":")" + valve.uuid + R"(","body":2})");
  auto got2 = codec::parse(object_call(valve, Action::kFetch, "{}").body).value();
  ASSERT_EQ(got2["messages"].size(), 1u);
  EXPECT_EQ(got2["messages"][0]["from"], app.uuid);
  EXPECT_EQ(got2["messages"][0]["body"], 2);
}

TEST_F(EdgeNodeTest, ContractEndpointsAreWiredAndCounted) {
  auto k = crypto::PrivateKey::from_seed(Bytes(32, 9)).value();
  auto reg = [&](Json perms) {
    auto r = admin_call(admin_, "register",
                        {{"class", "User/App"},
                         {"permissions", perms},
                         {"credential", {{"scheme", "ed25519"}, {"public_key", k.public_key().hex()}}}});
    EXPECT_EQ(r.status, 200) << r.body;
    Device d;
    d.uuid = codec::parse(r.body).value()["object"]["uuid"];
    d.scheme = Scheme::kEd25519;
    d.key = k;
    return d;
  };
  Device app = reg(Json{"contract"});
  Device plain = reg(Json{"upload"});
  const std::string body = R"({"to":"mlc:L2/L1b/E3/00000000000000bb","message":{"offer":1}})";
  auto denied = object_call(plain, Action::kContract, body);
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_EQ(code_of(denied), "not_permitted");
  // Accepted by the registry, but this edge has no [superior] to send through.
  auto sent = object_call(app, Action::kContract, body);
  EXPECT_EQ(sent.status, 503) << sent.body;
  EXPECT_EQ(code_of(sent), "no_superior");
  EXPECT_EQ(codec::parse(sent.body).value()["error"]["layer"], "L2/L1a/E1");

  auto packet = call("POST", "/v1/contract/packet", "{}");
  EXPECT_EQ(packet.status, 400) << packet.body;
  EXPECT_EQ(codec::parse(packet.body).value()["error"]["layer"], "L2/L1a/E1");
  EXPECT_EQ(call("GET", "/v1/contract/packet").status, 405);
  // Packets may be larger than object requests; object requests keep their limit.
  EXPECT_EQ(call("POST", "/v1/contract/packet", std::string(100 * 1024, ' ')).status, 400);
  EXPECT_EQ(call("POST", "/v1/object/upload", std::string(100 * 1024, ' ')).status, 413);

  auto info = codec::parse(call("GET", "/v1/edge").body).value();
  EXPECT_EQ(info["seal_key"].get<std::string>().size(), 64u);
  std::string m = call("GET", "/metrics").body;
  EXPECT_NE(m.find("mlchain_edge_contract_sends_total{outcome=\"no_superior\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("mlchain_edge_contract_packets_total{outcome=\"bad_request\"} 2"), std::string::npos) << m;
  EXPECT_NE(m.find("mlchain_edge_requests_accepted_total{action=\"contract\"} 1"), std::string::npos) << m;
}

}  // namespace
}  // namespace mlchain::edge::testing
