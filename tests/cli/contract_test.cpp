#include <gtest/gtest.h>

#include "run_cli.h"

namespace mlchain::cli_test {
namespace {

// Issue 20: a contract between two objects of one edge layer is refused
// before any request (exit 2), naming the command that does it instead.
TEST(ContractCli, SameEdgeLayerNamesObjectSend) {
  std::string url = "https://127.0.0.1:" + std::to_string(closed_port());
  std::string a = "mlc:L2/L1a/E1/5fd49a5a5596f918";
  std::string b = "mlc:L2/L1a/E1/369c15b1c199c191";
  auto r = mlchain({"contract", "send", "--edge", url, "--from", a, "--key", "no-such.pem", "--to", b, "--message",
                    "{\"x\": 1}"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("same edge layer L2/L1a/E1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint: mlchain object send --edge " + url + " --uuid " + a), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--to " + b), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("cannot reach"), std::string::npos) << r.err;  // nothing was sent
}

}  // namespace
}  // namespace mlchain::cli_test
