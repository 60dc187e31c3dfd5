#include <gtest/gtest.h>

#include "mlchain/node/config.h"

namespace mlchain::node {
namespace {

constexpr const char* kGood = R"(name = "n1"
key_file = "n1.pem"
listen = "127.0.0.1:7101"
data_dir = "data/n1"
genesis = "/abs/genesis.json"
log_format = "json"
log_level = "debug"
op_timeout_ms = 2000
)";

TEST(NodeConfig, ParsesAndResolvesRelativePaths) {
  auto c = parse_node_config_toml(kGood, "n1.toml", "/etc/mlchain");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->name, "n1");
  EXPECT_EQ(c->key_file, "/etc/mlchain/n1.pem");
  EXPECT_EQ(c->data_dir, "/etc/mlchain/data/n1");
  EXPECT_EQ(c->genesis, "/abs/genesis.json");
  EXPECT_EQ(c->listen_host, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 7101);
  EXPECT_EQ(c->log_format, LogFormat::kJson);
  EXPECT_EQ(c->log_level, LogLevel::kDebug);
  EXPECT_EQ(c->op_timeout_ms, 2000u);
}

TEST(NodeConfig, UnknownKeyNamesFileAndLine) {
  auto c = parse_node_config_toml(std::string(kGood) + "colour = \"red\"\n", "n1.toml", "");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("n1.toml:9:"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("colour"), std::string::npos);
}

TEST(NodeConfig, RejectsBadValues) {
  auto missing = parse_node_config_toml("name = \"n1\"\n", "a.toml", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("key_file"), std::string::npos);

  std::string bad_port = kGood;
  bad_port.replace(bad_port.find("7101"), 4, "99999");
  auto p = parse_node_config_toml(bad_port, "a.toml", "");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("a.toml:3:"), std::string::npos) << p.status().message();

  std::string bad_format = kGood;
  bad_format.replace(bad_format.find("\"json\""), 6, "\"xml\"");
  EXPECT_FALSE(parse_node_config_toml(bad_format, "a.toml", "").ok());

  auto syntax = parse_node_config_toml("name = \n", "a.toml", "");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.status().message().find("a.toml:1:"), std::string::npos);
}

// Integer keys take TOML integers only. A float is refused with the key's
// message; one outside int64's range used to be converted by toml++ (undefined
// behaviour, found by fuzz_node_config; UBSan in the fuzz build).
TEST(NodeConfig, IntegerKeysRefuseFloats) {
  for (const char* line : {"superior_review_ms = 1666666666666666666666666666666666666666666666666666666666600.0\n",
                           "op_timeout_ms = 2000.0\n", "review_interval_ms = 1e300\n",
                           "superior_freeze_rounds = 3.0\n", "superior_review_ms = -1e30\n"}) {
    std::string text = kGood;
    const std::string drop = "op_timeout_ms = 2000\n";
    text.replace(text.find(drop), drop.size(), "");
    auto c = parse_node_config_toml(text + line, "a.toml", "");
    ASSERT_FALSE(c.ok()) << line;
    EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find("must be"), std::string::npos) << c.status().message();
  }
}

TEST(NodeConfig, ProposeWhenIdleAndReviewInterval) {
  const std::string base = "name = \"n1\"\nkey_file = \"k.pem\"\nlisten = \"127.0.0.1:7101\"\ndata_dir = \"d\"\ngenesis = \"g.json\"\n";
  auto d = parse_node_config_toml(base, "n1.toml", "/x");
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_TRUE(d->propose_when_idle);
  EXPECT_EQ(d->review_interval_ms, 30'000u);
  auto c = parse_node_config_toml(base + "propose_when_idle = false\nreview_interval_ms = 0\n", "n1.toml", "/x");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_FALSE(c->propose_when_idle);
  EXPECT_EQ(c->review_interval_ms, 0u);
  EXPECT_FALSE(parse_node_config_toml(base + "propose_when_idle = 1\n", "n1.toml", "/x").ok());
  EXPECT_FALSE(parse_node_config_toml(base + "review_interval_ms = 50\n", "n1.toml", "/x").ok());
}

TEST(NodeConfig, SuperiorReview) {
  const std::string base = "name = \"n1\"\nkey_file = \"k.pem\"\nlisten = \"127.0.0.1:7101\"\ndata_dir = \"d\"\ngenesis = \"g.json\"\n";
  auto d = parse_node_config_toml(base, "n1.toml", "/x");
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->superior_review_ms, 5'000u);
  EXPECT_EQ(d->superior_freeze_rounds, 2u);
  auto c = parse_node_config_toml(base + "superior_review_ms = 1000\nsuperior_freeze_rounds = 3\n", "n1.toml", "/x");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->superior_review_ms, 1'000u);
  EXPECT_EQ(c->superior_freeze_rounds, 3u);
  EXPECT_EQ(parse_node_config_toml(base + "superior_review_ms = 0\n", "n1.toml", "/x")->superior_review_ms, 0u);
  for (std::string bad : {"superior_review_ms = 10\n", "superior_review_ms = \"5s\"\n", "superior_freeze_rounds = 0\n",
                          "superior_freeze_rounds = 101\n"}) {
    auto r = parse_node_config_toml(base + bad, "n1.toml", "/x");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("superior_"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace mlchain::node
