// devnet: topology checking of [[standbys]] and reading state files with and
// without standbys. Nothing here starts a node: a refused topology exits
// before any port is bound, and `down` of a state file whose pids are 0 only
// reports "was not running".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "run_cli.h"

namespace mlchain::cli_test {
namespace {

const std::string kBase =
    "[[layers]]\npath = \"L2\"\nnodes = 4\n"
    "[[layers]]\npath = \"L2/L1a\"\nnodes = 1\n"
    "[[edges]]\npath = \"L2/L1a/E1\"\n";

std::string standby(const std::string& path, int nodes) {
  return "[[standbys]]\npath = \"" + path + "\"\nnodes = " + std::to_string(nodes) + "\n";
}

TEST(DevnetTopologyCli, BadStandbysExitTwoAndWriteNothing) {
  TempDir dir;
  struct Case {
    std::string toml;
    std::string says;
  };
  std::string five;
  for (int i = 0; i < 5; ++i) five += standby("L2", 1);
  const std::vector<Case> cases = {
      {kBase + standby("L3", 4), "standby of L3: L3 is not listed in [[layers]]"},
      {kBase + standby("L2/L1a/E1", 4), "it is an edge layer"},
      {kBase + standby("L2/L1a", 4),
       "a standby of a layer with edge layers directly below it is not supported: edges attach to one superior"},
      {kBase + standby("L2", 0), ":11:9: nodes = 0"},
      {kBase + "[[standbys]]\npath = \"L2\"\n", "[[standbys]] needs nodes = N"},
      {kBase + standby("L2", 1) + "extra = 1\n", "unknown key 'extra' in [[standbys]]"},
      {"standbys = 1\n" + kBase, "'standbys' must be an array of tables"},
      {kBase + five, "layer L2 has more than 4 standbys"},
      {"[[layers]]\npath = \"L2\"\nnodes = 1\n[[layers]]\npath = \"L2S1\"\nnodes = 1\n" + standby("L2", 1),
       "two nodes would both be named l2s1-n1"},
  };
  for (const auto& c : cases) {
    std::ofstream(dir.file("t.toml"), std::ios::trunc) << c.toml;
    auto r = mlchain({"devnet", "up", "--dir", dir.file("net"), "--base-port", "7990", "--topology", dir.file("t.toml")});
    EXPECT_EQ(r.exit_code, 2) << c.toml << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.toml << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("net"))) << c.toml;
  }
}

TEST(DevnetTopologyCli, PortsCountStandbyNodes) {
  TempDir dir;
  // 4 + 1 + 1 + 4 = 10 nodes: from 65530 they would need ports up to 65539.
  std::ofstream(dir.file("t.toml")) << kBase + standby("L2", 4);
  auto r = mlchain({"devnet", "up", "--dir", dir.file("net"), "--base-port", "65530", "--topology", dir.file("t.toml")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("10 nodes need ports 65530..65539"), std::string::npos) << r.err;
}

std::string node_json(const std::string& dir, const std::string& name, const std::string& layer, int port,
                      const std::string& extra) {
  return R"({"name": ")" + name + R"(", "layer": ")" + layer + R"(", "role": "member", "address": "https://127.0.0.1:)" +
         std::to_string(port) + R"(", "public_key": "00", "pid": 0, "config": ")" + dir + "/nodes/" + name +
         R"(.toml")" + extra + "}";
}

TEST(DevnetTopologyCli, DownReadsStateFilesWithAndWithoutStandbys) {
  TempDir dir;
  const std::string head = R"({"version": 1, "dir": ")" + dir.path() +
                           R"(", "base_port": 7990, "admin_key": "a.pem", "layers": [{"path": "L2", "nodes": 1, "role": "layer"}], )";
  // Written before standbys existed: no "standbys", no "standby" on nodes.
  std::ofstream(dir.file("devnet.json"), std::ios::trunc)
      << head + R"("nodes": [)" + node_json(dir.path(), "l2-n1", "L2", 7990, "") + "]}";
  auto r = mlchain({"devnet", "down", "--dir", dir.path()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("l2-n1"), std::string::npos) << r.out;

  std::ofstream(dir.file("devnet.json"), std::ios::trunc)
      << head + R"("standbys": [{"path": "L2", "standby": 1, "nodes": 1}], "nodes": [)" +
             node_json(dir.path(), "l2-n1", "L2", 7990, "") + ", " +
             node_json(dir.path(), "l2s1-n1", "L2", 7991, R"(, "standby": 1)") + "]}";
  r = mlchain({"devnet", "down", "--dir", dir.path()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("L2 (standby 1)  l2s1-n1"), std::string::npos) << r.out;
  r = mlchain({"-o", "json", "devnet", "down", "--dir", dir.path()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("result":"was not running","standby":1)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace mlchain::cli_test
