// bench contracts: option checking and failures that need no network.
#include <gtest/gtest.h>

#include <fstream>

#include "run_cli.h"

namespace mlchain::cli_test {
namespace {

TEST(BenchContractsCli, BadOptionsExitTwo) {
  TempDir dir;
  ASSERT_EQ(mlchain({"key", "gen", "--out", dir.file("admin.pem")}).exit_code, 0);
  const std::string a = "https://127.0.0.1:1", b = "https://127.0.0.1:2", key = dir.file("admin.pem");
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{}, "--devnet"},
      {{"--edge-a", a}, "--edge-b"},
      {{"--edge-a", a, "--edge-b", b}, "--admin-key"},
      {{"--devnet", dir.path(), "--edge-a", a, "--edge-b", b, "--admin-key", key}, "either"},
      {{"--edge-a", a, "--edge-b", b, "--admin-key", key, "--contracts", "0"}, "--contracts"},
      {{"--edge-a", a, "--edge-b", b, "--admin-key", key, "--concurrency", "0"}, "--concurrency"},
      {{"--edge-a", a, "--edge-b", b, "--admin-key", key, "--concurrency", "257"}, "--concurrency"},
      {{"--edge-a", a, "--edge-b", b, "--admin-key", key, "--ttl", "5parsecs"}, "--ttl"},
      {{"--edge-a", a, "--edge-b", b, "--admin-key", key, "--ttl", "367d"}, "--ttl"},
      {{"--devnet", dir.file("nothing-here")}, "no devnet"},
      {{"--contracts", "many"}, "--contracts"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"bench", "contracts"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = mlchain(args);
    EXPECT_EQ(r.exit_code, 2) << testing::PrintToString(c.args) << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << testing::PrintToString(c.args) << ": " << r.err;
  }
}

TEST(BenchContractsCli, DevnetWithOneEdgeLayerExitsTwo) {
  TempDir dir;
  std::ofstream(dir.file("devnet.json"))
      << R"({"nodes": [{"name": "e1", "layer": "L2/L1a/E1", "role": "edge", "address": "https://127.0.0.1:1"},
                       {"name": "m1", "layer": "L2/L1a", "role": "member", "address": "https://127.0.0.1:2"}]})";
  auto r = mlchain({"bench", "contracts", "--devnet", dir.path()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("fewer than two edge nodes"), std::string::npos) << r.err;

  std::ofstream(dir.file("devnet.json")) << R"({"nodes": [{"name": "e1", "role": 7}]})";
  r = mlchain({"bench", "contracts", "--devnet", dir.path()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("not a devnet state file"), std::string::npos) << r.err;
}

TEST(BenchContractsCli, UnreachableEdgeExitsThreeNamingTheUrl) {
  TempDir dir;
  ASSERT_EQ(mlchain({"key", "gen", "--out", dir.file("admin.pem")}).exit_code, 0);
  std::string a = "https://127.0.0.1:" + std::to_string(closed_port());
  auto r = mlchain({"bench", "contracts", "--edge-a", a, "--edge-b", "https://127.0.0.1:1", "--admin-key",
                    dir.file("admin.pem"), "--contracts", "1"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find(a), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mlchain::cli_test
