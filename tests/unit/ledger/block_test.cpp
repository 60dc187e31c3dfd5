#include <gtest/gtest.h>

#include "mlchain/ledger/block.h"

namespace mlchain::ledger {
namespace {

TEST(Block, HashIgnoresCertificateButCoversHeader) {
  Block b;
  b.height = 3;
  b.time_ms = 1000;
  b.ops.push_back(consensus::Request{"c", 1, to_bytes("put a 1")});
  Digest h = b.hash();
  b.certificate.signatures.emplace_back(0, crypto::Signature{});
  EXPECT_EQ(b.hash(), h);
  b.time_ms = 1001;
  EXPECT_NE(b.hash(), h);
}

TEST(Block, JsonRoundTrip) {
  Block b;
  b.height = 7;
  b.prev_hash[0] = 9;
  b.time_ms = 42;
  b.ops.push_back(consensus::Request{"client", 5, to_bytes("get x")});
  b.certificate.epoch = 0;
  b.certificate.view = 2;
  b.certificate.proposed_time_ms = 41;
  crypto::Signature s{};
  s[3] = 7;
  b.certificate.signatures.emplace_back(1, s);
  auto back = block_from_json(to_json(b));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->hash(), b.hash());
  EXPECT_EQ(back->certificate.signatures, b.certificate.signatures);
  EXPECT_EQ(back->certificate.proposed_time_ms, 41);
}

}  // namespace
}  // namespace mlchain::ledger
