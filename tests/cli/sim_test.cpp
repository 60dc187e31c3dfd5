#include <gtest/gtest.h>

#include "mlchain/codec/json.h"
#include "run_cli.h"

namespace mlchain::cli_test {
namespace {

codec::Json json_of(const RunResult& r) {
  auto parsed = codec::parse(r.out, {.max_bytes = 1 << 22});
  EXPECT_TRUE(parsed.ok()) << r.out << r.err;
  return parsed.ok() ? *parsed : codec::Json{};
}

TEST(SimCli, HealthyLayerCommitsEverythingAndIsDeterministic) {
  auto a = mlchain({"sim", "--nodes", "4", "--ops", "300", "--drop", "0.02", "--seed", "5", "-o", "json"});
  auto b = mlchain({"sim", "--nodes", "4", "--ops", "300", "--drop", "0.02", "--seed", "5", "-o", "json"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  codec::Json j = json_of(a);
  EXPECT_EQ(j["ops_committed"], 300);
  EXPECT_EQ(j["live"], true);
  EXPECT_TRUE(j["fork"].is_null());
  EXPECT_EQ(a.out, b.out);  // same seed, same report
}

TEST(SimCli, MoreThanFColludersForkAndTheCheckerSaysSo) {
  auto r = mlchain({"sim", "--nodes", "4", "--byzantine", "2", "--kind", "equivocate", "--ops", "100", "--seed", "1",
                    "-o", "json"});
  EXPECT_EQ(r.exit_code, 1);
  codec::Json j = json_of(r);
  ASSERT_TRUE(j["fork"].is_object()) << r.out;
  EXPECT_NE(j["fork"]["hash_a"], j["fork"]["hash_b"]);
}

TEST(SimCli, BadSpecsAreUsageErrors) {
  EXPECT_EQ(mlchain({"sim", "--partition", "nonsense"}).exit_code, 2);
  EXPECT_EQ(mlchain({"sim", "--crash", "1"}).exit_code, 2);
  EXPECT_EQ(mlchain({"sim", "--nodes", "0"}).exit_code, 2);
  EXPECT_EQ(mlchain({"sim", "--store", "lmdb"}).exit_code, 2);  // needs --dir
  EXPECT_EQ(mlchain({"sim", "--kind", "gremlin"}).exit_code, 2);
}

}  // namespace
}  // namespace mlchain::cli_test
