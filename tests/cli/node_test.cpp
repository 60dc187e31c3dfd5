#include <gtest/gtest.h>

#include <fstream>

#include "run_cli.h"

namespace mlchain::cli_test {
namespace {

TEST(NodeCli, UnreachableNodeExitsThreeNamingTheUrl) {
  std::string url = "https://127.0.0.1:" + std::to_string(closed_port());
  for (const auto& args : std::vector<std::vector<std::string>>{{"node", "status", "--node", url},
                                                                {"layer", "show", "--node", url},
                                                                {"bench", "layer", "--node", url, "--ops", "1"}}) {
    auto r = mlchain(args);
    EXPECT_EQ(r.exit_code, 3) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_NE(r.err.find(url), std::string::npos) << r.err;
    // Said once: "cannot reach node URL: cannot reach URL: ..." repeated it.
    auto first = r.err.find("cannot reach");
    EXPECT_NE(first, std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("cannot reach", first + 1), std::string::npos) << r.err;
  }
  auto j = mlchain({"node", "status", "--node", url, "-o", "json"});
  EXPECT_EQ(j.exit_code, 3);
  EXPECT_NE(j.out.find("\"exit_code\":3"), std::string::npos) << j.out;
}

TEST(NodeCli, BadConfigExitsTwoNamingTheLine) {
  TempDir dir;
  std::ofstream(dir.file("n1.toml")) << "name = \"n1\"\nkey_file = \"n1.pem\"\nlisten = \"127.0.0.1:1\"\n"
                                        "data_dir = \"d\"\ngenesis = \"g.json\"\nlisten_port = 3\n";
  auto r = mlchain({"node", "run", "--config", dir.file("n1.toml")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("n1.toml:6:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("listen_port"), std::string::npos) << r.err;
}

TEST(NodeCli, RefusesAKeyThatIsNotAMember) {
  TempDir dir;
  ASSERT_EQ(mlchain({"key", "gen", "--out", dir.file("n1.pem"), "--name", "n1"}).exit_code, 0);
  auto created = mlchain({"layer", "create", "--blueprint", std::string(MLCHAIN_SOURCE_DIR) + "/docs/examples/layer-L1a.toml",
                          "--out", dir.file("l1a")});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::ofstream(dir.file("n1.toml")) << "name = \"n1\"\nkey_file = \"n1.pem\"\nlisten = \"127.0.0.1:0\"\n"
                                        "data_dir = \"data\"\ngenesis = \"l1a/genesis.json\"\n";
  auto r = mlchain({"node", "run", "--config", dir.file("n1.toml")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not a member"), std::string::npos) << r.err;
  // It names the genesis file and its hash, not only "Wrong key_file?" (issue 20).
  EXPECT_NE(r.err.find("l1a/genesis.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(", hash "), std::string::npos) << r.err;
  // A failed start in a fresh data_dir leaves nothing behind.
  EXPECT_FALSE(std::ifstream(dir.file("data/data.mdb")).good());
}

// Issue 20: one rule for files a config names: a missing one is a config
// error (exit 2) with the OS error and where relative paths point; a file
// that is no key says so before any chmod hint.
TEST(NodeCli, FilesTheConfigNamesAreCheckedWithHints) {
  TempDir dir;
  auto created = mlchain({"layer", "create", "--blueprint", std::string(MLCHAIN_SOURCE_DIR) + "/docs/examples/layer-L1a.toml",
                          "--out", dir.file("l1a")});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto config = [&](const std::string& key, const std::string& genesis) {
    std::ofstream(dir.file("n1.toml")) << "name = \"n1\"\nkey_file = \"" << key << "\"\nlisten = \"127.0.0.1:0\"\n"
                                       << "data_dir = \"data\"\ngenesis = \"" << genesis << "\"\n";
    return mlchain({"node", "run", "--config", dir.file("n1.toml")});
  };
  auto no_key = config("missing.pem", "l1a/genesis.json");
  EXPECT_EQ(no_key.exit_code, 2) << no_key.err;
  EXPECT_NE(no_key.err.find("does not exist"), std::string::npos) << no_key.err;
  EXPECT_NE(no_key.err.find("relative to its directory"), std::string::npos) << no_key.err;

  auto no_genesis = config("missing.pem", "nowhere/genesis.json");
  EXPECT_EQ(no_genesis.exit_code, 2) << no_genesis.err;
  EXPECT_NE(no_genesis.err.find("No such file or directory"), std::string::npos) << no_genesis.err;
  EXPECT_NE(no_genesis.err.find("relative to its directory"), std::string::npos) << no_genesis.err;

  auto not_a_key = config("l1a/genesis.json", "l1a/genesis.json");
  EXPECT_EQ(not_a_key.exit_code, 2) << not_a_key.err;
  EXPECT_NE(not_a_key.err.find("holds no PEM private key"), std::string::npos) << not_a_key.err;
  EXPECT_EQ(not_a_key.err.find("chmod"), std::string::npos) << not_a_key.err;
  EXPECT_FALSE(std::ifstream(dir.file("data/data.mdb")).good());
}

}  // namespace
}  // namespace mlchain::cli_test
