#include <gtest/gtest.h>

#include "mlchain/contract/address.h"

namespace mlchain::contract {
namespace {

ObjectUuid uuid(const std::string& text) {
  auto u = parse_uuid(text);
  EXPECT_TRUE(u.ok()) << u.status().to_string();
  return u.value_or(ObjectUuid{});
}

TEST(LayerPath, AcceptsAndRefuses) {
  EXPECT_TRUE(validate_layer_path("L2").ok());
  EXPECT_TRUE(validate_layer_path("L2/L1a/E1").ok());
  EXPECT_TRUE(validate_layer_path("a/b/c/d/e/f/g/h").ok());
  EXPECT_FALSE(validate_layer_path("a/b/c/d/e/f/g/h/i").ok());  // 9 deep
  EXPECT_FALSE(validate_layer_path("").ok());
  EXPECT_FALSE(validate_layer_path("L2/").ok());
  EXPECT_FALSE(validate_layer_path("/L2").ok());
  EXPECT_FALSE(validate_layer_path("L2//E1").ok());
  EXPECT_FALSE(validate_layer_path("L2/E 1").ok());
  EXPECT_FALSE(validate_layer_path("L2/E#1").ok());
  EXPECT_TRUE(validate_layer_path(std::string(32, 'x')).ok());
  EXPECT_FALSE(validate_layer_path(std::string(33, 'x')).ok());
}

TEST(Uuid, ParsesStrictly) {
  auto u = parse_uuid("mlc:L2/L1a/E1/7f3c9a0b12d4e5f6");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->edge, "L2/L1a/E1");
  EXPECT_EQ(u->local_id, "7f3c9a0b12d4e5f6");
  EXPECT_EQ(u->str(), "mlc:L2/L1a/E1/7f3c9a0b12d4e5f6");
  EXPECT_FALSE(parse_uuid("L2/L1a/E1/a").ok());
  EXPECT_FALSE(parse_uuid("mlc:a").ok());
  EXPECT_FALSE(parse_uuid("mlc:L2/").ok());
  EXPECT_FALSE(parse_uuid("mlc:/a").ok());
  EXPECT_FALSE(parse_uuid("mlc:L2/a b").ok());
  EXPECT_FALSE(parse_uuid("mlc:L2/" + std::string(65, 'a')).ok());
  EXPECT_FALSE(parse_uuid(std::string("mlc:L2/a\0b", 10)).ok());
}

TEST(Route, DesignExampleUpToLowestCommonLayerThenDown) {
  auto r = route(uuid("mlc:L2/L1a/E1/a"), uuid("mlc:L2/L1b/E3/b"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->dst, (std::vector<std::string>{"L2/L1a", "L2", "L2/L1b", "L2/L1b/E3"}));
  EXPECT_EQ(r->src, (std::vector<std::string>{"L2/L1a/E1"}));
  EXPECT_EQ(full_route(*r), (std::vector<std::string>{"L2/L1a/E1", "L2/L1a", "L2", "L2/L1b", "L2/L1b/E3"}));
}

TEST(Route, SameSuperiorLayer) {
  auto r = route(uuid("mlc:L2/L1a/E1/a"), uuid("mlc:L2/L1a/E2/b"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->dst, (std::vector<std::string>{"L2/L1a", "L2/L1a/E2"}));
  EXPECT_EQ(r->src, (std::vector<std::string>{"L2/L1a/E1"}));
  // Unequal depths: an edge directly under L2 talking to one under L1b.
  auto u = route(uuid("mlc:L2/E9/a"), uuid("mlc:L2/L1b/E3/b"));
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->dst, (std::vector<std::string>{"L2", "L2/L1b", "L2/L1b/E3"}));
}

TEST(Route, RefusesUnroutablePairs) {
  auto same = route(uuid("mlc:L2/L1a/E1/a"), uuid("mlc:L2/L1a/E1/b"));
  EXPECT_EQ(same.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(same.status().message().find("working communication"), std::string::npos);
  // ... and names the command that does it (issue 20).
  EXPECT_NE(same.status().message().find("mlchain object send --to"), std::string::npos) << same.status().message();
  auto foreign = route(uuid("mlc:L2/L1a/E1/a"), uuid("mlc:X2/L1a/E1/b"));
  EXPECT_EQ(foreign.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(foreign.status().message().find("no root"), std::string::npos);
  auto nested = route(uuid("mlc:L2/L1a/a"), uuid("mlc:L2/L1a/E1/b"));
  EXPECT_EQ(nested.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mlchain::contract
