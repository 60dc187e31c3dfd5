#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "mlchain/codec/json.h"
#include "run_cli.h"

namespace mlchain::cli_test {
namespace {

codec::Json json_of(const RunResult& r) {
  auto parsed = codec::parse(r.out);
  EXPECT_TRUE(parsed.ok()) << r.out << r.err;
  return parsed.ok() ? *parsed : codec::Json{};
}

TEST(KeyCli, GenWritesOwnerOnlyFileAndShowMatches) {
  TempDir dir;
  auto gen = mlchain({"key", "gen", "--out", dir.file("k.pem"), "--name", "node1", "-o", "json"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  struct stat st{};
  ASSERT_EQ(stat(dir.file("k.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  codec::Json g = json_of(gen);
  EXPECT_EQ(g["public_key"].get<std::string>().size(), 64u);
  EXPECT_EQ(g["certificate"]["subject"], "node1");

  // Global flag after the subcommand, before it, and from the environment.
  for (auto args : std::vector<std::vector<std::string>>{{"key", "show", "--key", dir.file("k.pem"), "-o", "json"},
                                                         {"--output", "json", "key", "show", "--key", dir.file("k.pem")}}) {
    auto show = mlchain(args);
    ASSERT_EQ(show.exit_code, 0) << show.err;
    codec::Json s = json_of(show);
    EXPECT_EQ(s["public_key"], g["public_key"]);
    EXPECT_EQ(s["key_id"], g["key_id"]);
    EXPECT_EQ(s["certificate"]["fingerprint"], g["certificate"]["fingerprint"]);
  }
  auto env = mlchain({"key", "show", "--key", dir.file("k.pem")}, {{"MLCHAIN_OUTPUT", "json"}});
  EXPECT_EQ(json_of(env)["public_key"], g["public_key"]);

  auto text = mlchain({"key", "show", "--key", dir.file("k.pem")});
  EXPECT_NE(text.out.find(g["public_key"].get<std::string>()), std::string::npos);
  EXPECT_EQ(text.out.find("PRIVATE"), std::string::npos);
}

TEST(KeyCli, RefusesToOverwriteWithoutForce) {
  TempDir dir;
  ASSERT_EQ(mlchain({"key", "gen", "--out", dir.file("k.pem")}).exit_code, 0);
  std::string before = read_file(dir.file("k.pem"));
  auto again = mlchain({"key", "gen", "--out", dir.file("k.pem")});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(read_file(dir.file("k.pem")), before);
  EXPECT_EQ(mlchain({"key", "gen", "--out", dir.file("k.pem"), "--force"}).exit_code, 0);
  EXPECT_NE(read_file(dir.file("k.pem")), before);
}

TEST(KeyCli, RefusesWorldReadableKey) {
  TempDir dir;
  ASSERT_EQ(mlchain({"key", "gen", "--out", dir.file("k.pem")}).exit_code, 0);
  ASSERT_EQ(chmod(dir.file("k.pem").c_str(), 0644), 0);
  auto show = mlchain({"key", "show", "--key", dir.file("k.pem")});
  EXPECT_EQ(show.exit_code, 2);
  EXPECT_NE(show.err.find("chmod 600"), std::string::npos) << show.err;
}

TEST(KeyCli, CertificateForAnotherKeyIsAVerificationFailure) {
  TempDir dir;
  ASSERT_EQ(mlchain({"key", "gen", "--out", dir.file("a.pem")}).exit_code, 0);
  ASSERT_EQ(mlchain({"key", "gen", "--out", dir.file("b.pem")}).exit_code, 0);
  std::string a = read_file(dir.file("a.pem"));
  std::string b = read_file(dir.file("b.pem"));
  std::string mixed = a.substr(0, a.find("-----BEGIN CERTIFICATE")) + b.substr(b.find("-----BEGIN CERTIFICATE"));
  {
    std::ofstream out(dir.file("mixed.pem"));
    out << mixed;
  }
  ASSERT_EQ(chmod(dir.file("mixed.pem").c_str(), 0600), 0);
  EXPECT_EQ(mlchain({"key", "show", "--key", dir.file("mixed.pem")}).exit_code, 5);
}

TEST(KeyCli, SignAndVerifyAFile) {
  TempDir dir;
  ASSERT_EQ(mlchain({"key", "gen", "--out", dir.file("k.pem")}).exit_code, 0);
  {
    std::ofstream out(dir.file("doc.txt"));
    out << "contract terms v1\n";
  }
  auto sign = mlchain({"key", "sign", "--key", dir.file("k.pem"), "--in", dir.file("doc.txt"), "-o", "json"});
  ASSERT_EQ(sign.exit_code, 0) << sign.err;
  codec::Json s = json_of(sign);
  std::string pub = s["public_key"], sig = s["signature"];
  auto ok = mlchain({"key", "verify", "--public-key", pub, "--signature", sig, "--in", dir.file("doc.txt")});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  {
    std::ofstream out(dir.file("doc.txt"));
    out << "contract terms v2\n";
  }
  auto bad = mlchain({"key", "verify", "--public-key", pub, "--signature", sig, "--in", dir.file("doc.txt")});
  EXPECT_EQ(bad.exit_code, 5);
  EXPECT_EQ(mlchain({"key", "verify", "--public-key", "zz", "--signature", sig, "--in", dir.file("doc.txt")}).exit_code, 2);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(mlchain({}).exit_code, 2);
  EXPECT_EQ(mlchain({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(mlchain({"key", "gen"}).exit_code, 2);  // --out missing
  EXPECT_EQ(mlchain({"-o", "yaml", "version"}).exit_code, 2);
  EXPECT_EQ(mlchain({"--help"}).exit_code, 0);
  EXPECT_EQ(mlchain({"key", "show", "--key", "/nonexistent/k.pem"}).exit_code, 2);
}

TEST(Cli, VersionJson) {
  auto v = mlchain({"version", "-o", "json"});
  ASSERT_EQ(v.exit_code, 0);
  codec::Json j = json_of(v);
  EXPECT_EQ(j["version"], MLCHAIN_VERSION);
  EXPECT_TRUE(j.contains("openssl"));
}

TEST(Cli, HelpTeaches) {
  auto h = mlchain({"key", "gen", "--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("--out"), std::string::npos);
  EXPECT_NE(h.out.find("Examples"), std::string::npos);
}

}  // namespace
}  // namespace mlchain::cli_test
