#include "mlchain/config/blueprint_toml.h"

#include <gtest/gtest.h>

#include "mlchain/ledger/ledger.h"

namespace mlchain::config {
namespace {

std::string key_hex(int i) {
  auto k = crypto::PrivateKey::from_seed(Bytes(32, static_cast<std::uint8_t>(i)));
  return k->public_key().hex();
}

std::string blueprint(const std::string& extra_top = "", int members = 4) {
  std::string t = "layer = \"L2/L1a\"\ngenesis_time = 2026-11-25T00:00:00Z\nadmin_keys = [\"" + key_hex(99) + "\"]\n" +
                  extra_top;
  for (int i = 1; i <= members; ++i) {
    t += "[[members]]\nname = \"n" + std::to_string(i) + "\"\npublic_key = \"" + key_hex(i) +
         "\"\naddress = \"https://127.0.0.1:710" + std::to_string(i) + "\"\n";
  }
  return t;
}

TEST(BlueprintToml, ParsesAFullBlueprint) {
  std::string text = blueprint("[consensus]\nbatch_size = 32\ncheckpoint_interval = 8\nlog_window = 32\n") +
                     "[superior]\npath = \"L2\"\n[[superior.members]]\nname = \"s1\"\npublic_key = \"" + key_hex(50) +
                     "\"\naddress = \"https://127.0.0.1:7001\"\n"
                     "[[subordinates]]\npath = \"L2/L1a/E1\"\n[[subordinates.members]]\nname = \"e1\"\npublic_key = \"" +
                     key_hex(60) + "\"\naddress = \"https://127.0.0.1:7201\"\n";
  auto b = parse_blueprint_toml(text, "bp.toml");
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(b->layer_path, "L2/L1a");
  EXPECT_EQ(b->genesis_time_ms, 1'795'564'800'000);
  ASSERT_EQ(b->members.size(), 4u);
  EXPECT_EQ(b->members[2].name, "n3");
  EXPECT_EQ(b->members[2].address, "https://127.0.0.1:7103");
  EXPECT_EQ(b->params.batch_size, 32u);
  EXPECT_EQ(b->params.checkpoint_interval, 8u);
  ASSERT_TRUE(b->superior.has_value());
  EXPECT_EQ(b->superior->path, "L2");
  ASSERT_EQ(b->subordinates.size(), 1u);
  EXPECT_EQ(b->subordinates[0].members[0].name, "e1");
  ASSERT_EQ(b->admin_keys.size(), 1u);
}

TEST(BlueprintToml, SameBlueprintSameGenesisHash) {
  auto a = parse_blueprint_toml(blueprint(), "a.toml");
  auto b = parse_blueprint_toml("# a comment changes nothing\n" + blueprint(), "b.toml");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(ledger::make_genesis(*a).hash(), ledger::make_genesis(*b).hash());
  auto c = parse_blueprint_toml(blueprint("", 5), "c.toml");
  ASSERT_TRUE(c.ok());
  EXPECT_NE(ledger::make_genesis(*a).hash(), ledger::make_genesis(*c).hash());
}

void expect_error(const std::string& text, const std::string& fragment) {
  auto b = parse_blueprint_toml(text, "bp.toml");
  ASSERT_FALSE(b.ok()) << "accepted: " << text;
  EXPECT_EQ(b.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(b.status().message().find(fragment), std::string::npos) << b.status().message();
  EXPECT_NE(b.status().message().find("bp.toml"), std::string::npos) << b.status().message();
}

TEST(BlueprintToml, RefusesBadBlueprints) {
  expect_error("layer = \n", "bp.toml:1");
  expect_error(blueprint("colour = 1\n"), "unknown key 'colour'");
  expect_error(blueprint("[consensus]\nbatch_sise = 3\n"), "consensus.batch_sise");
  expect_error(blueprint("[consensus]\nbatch_size = -3\n"), "non-negative");
  // Floats are not integers (a huge one was undefined behaviour in toml++'s conversion).
  expect_error(blueprint("[consensus]\nbatch_size = 64.0\n"), "non-negative integer");
  expect_error(blueprint("[consensus]\nbatch_size = 1e300\n"), "non-negative integer");
  expect_error("layer = \"L1\"\n", "genesis_time");
  expect_error("layer = \"L1\"\ngenesis_time = 2026-11-25T00:00:00Z\n", "members");
  std::string dup = blueprint() + "[[members]]\nname = \"n1\"\npublic_key = \"" + key_hex(7) +
                    "\"\naddress = \"https://127.0.0.1:7109\"\n";
  expect_error(dup, "duplicate member name 'n1'");
  std::string same_key = blueprint() + "[[members]]\nname = \"n9\"\npublic_key = \"" + key_hex(1) +
                         "\"\naddress = \"https://127.0.0.1:7109\"\n";
  expect_error(same_key, "repeats another member's public key");
  std::string bad_key = "layer = \"L1\"\ngenesis_time = 2026-11-25T00:00:00Z\n[[members]]\nname = \"a\"\n"
                        "public_key = \"zz\"\naddress = \"https://127.0.0.1:1\"\n";
  expect_error(bad_key, "not an Ed25519 public key");
  std::string http = "layer = \"L1\"\ngenesis_time = 2026-11-25T00:00:00Z\n[[members]]\nname = \"a\"\npublic_key = \"" +
                     key_hex(1) + "\"\naddress = \"http://127.0.0.1:1\"\n";
  expect_error(http, "https://");
  expect_error("layer = \"L1\"\ngenesis_time = 2026-11-25T00:00:00\n", "time zone");
  expect_error("layer = \"L1//x\"\n", "not a layer path");
  expect_error("layer = \"L1/x y\"\n", "not a layer path");
}

std::string superior_block(const std::string& table, const std::string& path, int key) {
  return "[" + std::string(table == "superior" ? "" : "[") + table + "]" + (table == "superior" ? "" : "]") +
         "\npath = \"" + path + "\"\n[[" + table + ".members]]\nname = \"s" + std::to_string(key) +
         "\"\npublic_key = \"" + key_hex(key) + "\"\naddress = \"https://127.0.0.1:70" + std::to_string(key) + "\"\n";
}

TEST(BlueprintToml, AlternateSuperiorsAreStandbysOfTheSuperior) {
  std::string base = blueprint() + superior_block("superior", "L2", 50);
  auto plain = parse_blueprint_toml(base, "bp.toml");
  ASSERT_TRUE(plain.ok()) << plain.status().to_string();
  EXPECT_TRUE(plain->alternate_superiors.empty());
  EXPECT_FALSE(ledger::to_json(*plain).contains("alternate_superiors"));  // older genesis hashes unchanged
  EXPECT_EQ(ledger::superior_candidates(*plain), 1u);

  auto b = parse_blueprint_toml(base + superior_block("alternate_superiors", "L2", 51) +
                                    superior_block("alternate_superiors", "L2", 52), "bp.toml");
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  ASSERT_EQ(b->alternate_superiors.size(), 2u);
  EXPECT_EQ(b->alternate_superiors[1].members[0].name, "s52");
  EXPECT_EQ(ledger::superior_candidates(*b), 3u);
  EXPECT_EQ(ledger::superior_candidate(*b, 0)->members[0].name, "s50");
  EXPECT_EQ(ledger::superior_candidate(*b, 2)->members[0].name, "s52");
  EXPECT_EQ(ledger::superior_candidate(*b, 3), nullptr);
  // Part of the genesis: round trip, and a different hash than without.
  auto back = ledger::blueprint_from_json(ledger::to_json(*b));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->alternate_superiors.size(), 2u);
  EXPECT_NE(ledger::make_genesis(*b).hash(), ledger::make_genesis(*plain).hash());

  expect_error(base + superior_block("alternate_superiors", "L3", 51), "must have the superior's path 'L2'");
  expect_error(blueprint() + superior_block("alternate_superiors", "L2", 51), "needs a [superior]");
  std::string nine = base;
  for (int i = 0; i < 9; ++i) nine += superior_block("alternate_superiors", "L2", 51 + i);
  expect_error(nine, "alternate_superiors");
}

TEST(BlueprintToml, ContractsFirstId) {
  auto plain = parse_blueprint_toml(blueprint(), "bp.toml");
  auto one = parse_blueprint_toml(blueprint("[contracts]\nfirst_id = 1\n"), "bp.toml");
  auto b = parse_blueprint_toml(blueprint("[contracts]\nfirst_id = 1000000001\n"), "bp.toml");
  ASSERT_TRUE(plain.ok() && one.ok() && b.ok()) << b.status().to_string();
  EXPECT_EQ(b->contract_first_id, 1'000'000'001u);
  EXPECT_EQ(ledger::make_genesis(*plain).hash(), ledger::make_genesis(*one).hash());  // 1 is the default
  EXPECT_NE(ledger::make_genesis(*plain).hash(), ledger::make_genesis(*b).hash());
  EXPECT_EQ(ledger::blueprint_from_json(ledger::to_json(*b))->contract_first_id, 1'000'000'001u);
  expect_error(blueprint("[contracts]\nfirst_id = 0\n"), "contracts.first_id");
  expect_error(blueprint("[contracts]\nfirst_id = \"x\"\n"), "contracts.first_id");
}

TEST(BlueprintToml, MissingFileIsAClearError) {
  auto b = load_blueprint_file("/nonexistent/bp.toml");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("/nonexistent/bp.toml"), std::string::npos);
}

}  // namespace
}  // namespace mlchain::config
