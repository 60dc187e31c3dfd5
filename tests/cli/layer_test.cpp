#include <gtest/gtest.h>

#include <fstream>

#include "mlchain/codec/json.h"
#include "run_cli.h"

namespace mlchain::cli_test {
namespace {

const std::string kExample = std::string(MLCHAIN_SOURCE_DIR) + "/docs/examples/layer-L1a.toml";

TEST(LayerCli, CreateIsDeterministicAndWritesGenesis) {
  TempDir dir;
  auto a = mlchain({"layer", "create", "--blueprint", kExample, "--out", dir.file("a"), "-o", "json"});
  auto b = mlchain({"layer", "create", "--blueprint", kExample, "--out", dir.file("b"), "-o", "json"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto ja = codec::parse(a.out), jb = codec::parse(b.out);
  ASSERT_TRUE(ja.ok() && jb.ok());
  EXPECT_EQ((*ja)["genesis_hash"], (*jb)["genesis_hash"]);
  EXPECT_EQ((*ja)["members"], 4);
  EXPECT_EQ((*ja)["f"], 1);
  EXPECT_EQ(read_file(dir.file("a/genesis.json")), read_file(dir.file("b/genesis.json")));
  auto genesis = codec::parse(read_file(dir.file("a/genesis.json")));
  ASSERT_TRUE(genesis.ok());
  EXPECT_EQ((*genesis)["genesis_hash"], (*ja)["genesis_hash"]);

  auto again = mlchain({"layer", "create", "--blueprint", kExample, "--out", dir.file("a")});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_EQ(mlchain({"layer", "create", "--blueprint", kExample, "--out", dir.file("a"), "--force"}).exit_code, 0);
}

TEST(LayerCli, BadBlueprintExitsTwoNamingTheLine) {
  TempDir dir;
  {
    std::ofstream out(dir.file("bad.toml"));
    out << "layer = \"L1\"\ngenesis_time = 2026-11-25T00:00:00Z\nmembers = 3\n";
  }
  auto r = mlchain({"layer", "create", "--blueprint", dir.file("bad.toml"), "--out", dir.file("x")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.toml:3"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mlchain::cli_test
