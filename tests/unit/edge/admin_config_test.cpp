// Admin envelopes (signature, key, edge, time window, nonce replay) and the
// strict edge config.
#include <fstream>

#include "edge_test_util.h"
#include "mlchain/edge/admin.h"
#include "mlchain/edge/config.h"

namespace mlchain::edge::testing {
namespace {

using Json = codec::Json;

class AdminAuthTest : public ::testing::Test {
 protected:
  crypto::PrivateKey admin_ = crypto::PrivateKey::from_seed(Bytes(32, 1)).value();
  crypto::PrivateKey stranger_ = crypto::PrivateKey::from_seed(Bytes(32, 2)).value();
  ManualClock clock_;
  AdminAuth auth_{{admin_.public_key()}, "L2/L1a/E1", std::chrono::seconds(60)};
  std::string nonce_ = std::string(32, 'a');

  AdminRequest make(const crypto::PrivateKey& k, std::int64_t time_ms, std::string edge = "L2/L1a/E1") {
    return sign_admin_request(k, "list", Json::object(), std::move(edge), nonce_, time_ms);
  }
};

TEST_F(AdminAuthTest, AcceptsAnAdminWithinTheWindow) {
  auto r = make(admin_, unix_millis(clock_.now()) - 30'000);
  EXPECT_TRUE(auth_.verify(r, clock_.now()).ok());
  // Survives the JSON round trip.
  auto back = admin_request_from_json(codec::parse(to_json(r).dump()).value());
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_TRUE(auth_.verify(*back, clock_.now()).ok());
}

TEST_F(AdminAuthTest, RefusesWithClearCodes) {
  std::int64_t now = unix_millis(clock_.now());
  auto tampered = make(admin_, now);
  tampered.args = {{"after", "x"}};
  EXPECT_EQ(auth_.verify(tampered, clock_.now()).code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth_.verify(make(stranger_, now), clock_.now()).code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(auth_.verify(make(admin_, now, "L2/L1a/E2"), clock_.now()).code(), ErrorCode::kPermissionDenied);
  Status stale = auth_.verify(make(admin_, now - 61'000), clock_.now());
  EXPECT_EQ(stale.code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(stale.message().rfind("stale", 0), 0u);
  EXPECT_EQ(auth_.verify(make(admin_, now + 61'000), clock_.now()).code(), ErrorCode::kUnauthenticated);
  EXPECT_FALSE(admin_request_from_json(Json{{"action", "list"}}).ok());
}

TEST_F(AdminAuthTest, NonceIsSpentOnceAndForgottenAfterTheWindow) {
  auto store = store::make_memory_store();
  auto r = make(admin_, unix_millis(clock_.now()));
  auto check = auth_.record_nonce(r, clock_.now());
  ASSERT_OK(store->write(check));
  EXPECT_EQ(store->write(check).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(snapshot(*store)[std::string(kAdminNoncesTable)].size(), 1u);
  // Two minutes later the old nonce is pruned by the next admin request.
  clock_.advance(std::chrono::minutes(2));
  nonce_ = std::string(32, 'b');
  auto later = make(admin_, unix_millis(clock_.now()));
  ASSERT_OK(store->write(auth_.record_nonce(later, clock_.now())));
  auto rows = snapshot(*store)[std::string(kAdminNoncesTable)];
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows.begin()->first.find(std::string(32, 'b')), std::string::npos);
}

TEST(EdgeConfig, ParsesAFullConfig) {
  std::string admin = crypto::PrivateKey::from_seed(Bytes(32, 1)).value().public_key().hex();
  std::string text =
      "role = \"edge\"\nname = \"e1\"\nkey_file = \"e1.pem\"\nlisten = \"127.0.0.1:7301\"\n"
      "data_dir = \"data/e1\"\nlayer = \"L2/L1a/E1\"\nadmin_keys = [\"" +
      admin +
      "\"]\n"
      "credentials = [\"hmac\", \"unsigned\"]\nhistory_limit = 50\nqueue_limit = 10\n"
      "durable = false\nlog_format = \"json\"\n";
  auto c = parse_edge_config_toml(text, "e1.toml", "/etc/mlchain");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->key_file, "/etc/mlchain/e1.pem");
  EXPECT_EQ(c->listen_port, 7301);
  EXPECT_EQ(c->layer, "L2/L1a/E1");
  ASSERT_EQ(c->admin_keys.size(), 1u);
  EXPECT_FALSE(c->policy.ed25519);
  EXPECT_TRUE(c->policy.hmac);
  EXPECT_TRUE(c->policy.allow_unsigned);
  EXPECT_EQ(c->history_limit, 50u);
  EXPECT_FALSE(c->durable);
  EXPECT_EQ(c->log_format, node::LogFormat::kJson);
}

TEST(EdgeConfig, RefusesBadConfigsWithLocation) {
  std::string admin = crypto::PrivateKey::from_seed(Bytes(32, 1)).value().public_key().hex();
  std::string base =
      "role = \"edge\"\nname = \"e1\"\nkey_file = \"e1.pem\"\nlisten = \"127.0.0.1:7301\"\n"
      "data_dir = \"d\"\nlayer = \"L2/L1a/E1\"\nadmin_keys = [\"" +
      admin + "\"]\n";
  auto err = [&](const std::string& extra) {
    return parse_edge_config_toml(base + extra, "e.toml", "").status().message();
  };
  EXPECT_TRUE(parse_edge_config_toml(base, "e.toml", "").ok());
  EXPECT_NE(err("colour = 1\n").find("e.toml:8:"), std::string::npos);
  EXPECT_NE(err("credentials = [\"rsa\"]\n").find("not ed25519, hmac or unsigned"), std::string::npos);
  EXPECT_NE(err("queue_limit = 0\n").find("queue_limit"), std::string::npos);
  EXPECT_NE(parse_edge_config_toml("role = \"edge\"\n", "e.toml", "").status().message().find("missing key 'name'"),
            std::string::npos);
  std::string no_admin = base.substr(0, base.find("admin_keys"));
  EXPECT_NE(parse_edge_config_toml(no_admin, "e.toml", "").status().message().find("admin_keys"), std::string::npos);
}

TEST(EdgeConfig, RoleOfAConfigFile) {
  TempDir dir;
  std::ofstream(dir.path() / "edge.toml") << "role = \"edge\"\n";
  std::ofstream(dir.path() / "member.toml") << "name = \"n1\"\n";
  std::ofstream(dir.path() / "odd.toml") << "role = \"boss\"\n";
  EXPECT_EQ(config_file_role(dir.path() / "edge.toml").value_or(""), "edge");
  EXPECT_EQ(config_file_role(dir.path() / "member.toml").value_or(""), "member");
  EXPECT_FALSE(config_file_role(dir.path() / "odd.toml").ok());
  EXPECT_FALSE(config_file_role(dir.path() / "missing.toml").ok());
}

}  // namespace
}  // namespace mlchain::edge::testing
