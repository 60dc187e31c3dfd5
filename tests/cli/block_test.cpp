#include <gtest/gtest.h>

#include "run_cli.h"

namespace mlchain::cli_test {
namespace {

// Issue 20: `L2/L1a#20` without --chain names contract block 20, which needs
// a signed query; the error asks for --key and says how to ask for chain
// block 20 instead. Checked before any request: no node needs to answer.
TEST(BlockCli, ContractQueryWithoutKeyPointsAtKeyAndChain) {
  std::string url = "https://127.0.0.1:" + std::to_string(closed_port());
  auto r = mlchain({"block", "query", "L2/L1a#20", "--node", url, "--proof"}, {{"MLCHAIN_KEY", ""}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("give --key FILE"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("names contract block 20 of L2/L1a"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mlchain block query L2/L1a#20 --chain --node " + url), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mlchain::cli_test
