// mlchain block verify on files that are not proofs: a clear refusal with
// exit 5, never a raw JSON library exception.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "run_cli.h"

namespace mlchain::cli_test {
namespace {

TEST(BlockVerifyCli, ATypeThatIsNotAStringIsRefusedAsNotAProof) {
  TempDir dir;
  for (const std::string text : {R"({"type": 5})", R"({"type": ["mlchain-contract-proof"], "v": 1})", "[1, 2]"}) {
    {
      std::ofstream out(dir.file("p.json"), std::ios::trunc);
      out << text;
    }
    auto r = mlchain({"block", "verify", dir.file("p.json"), "--genesis", std::string(64, '0')});
    EXPECT_EQ(r.exit_code, 5) << text << "\n" << r.err;
    EXPECT_EQ(r.err.find("json.exception"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("not a valid proof"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace mlchain::cli_test
