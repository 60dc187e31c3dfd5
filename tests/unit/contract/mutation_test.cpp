// Untrusted input: every single-byte mutation of a valid packet, certificate
// op and proof is either refused with a Status or (rarely, for bytes that do
// not matter) accepted; never a crash, an exception or a hang. Deterministic.
#include <gtest/gtest.h>

#include "chain.h"
#include "mlchain/contract/proof.h"

namespace mlchain::contract {
namespace {

std::vector<std::string> mutations(const std::string& text, std::size_t stride) {
  std::vector<std::string> out;
  const char replacements[] = {'"', '{', '0', 'x', '\\', '\0', '\xff', '9', '[', ','};
  for (std::size_t i = 0; i < text.size(); i += stride) {
    std::string m = text;
    m[i] = replacements[i % sizeof(replacements)];
    out.push_back(std::move(m));
    out.push_back(text.substr(0, i));  // truncation
  }
  return out;
}

TEST(Mutation, PacketParserNeverCrashesAndRejectsTampering) {
  testing::World w;
  Packet p = w.first_packet();
  std::string text = codec::canonical(to_json(p)).value();
  std::size_t refused = 0;
  for (const auto& m : mutations(text, 3)) {
    auto r = parse_packet(m);
    if (!r.ok()) {
      ++refused;
      continue;
    }
    // Whatever still parses as another packet no longer carries a valid
    // origin signature: every field is covered by it or pinned by one that is.
    if (packet_digest(*r) != packet_digest(p)) {
      EXPECT_FALSE(verify_origin(*r, w.verifier).ok()) << m;
    }
  }
  EXPECT_GT(refused, 0u);
}

TEST(Mutation, ContractOpsNeverCrash) {
  testing::Chain c;
  Packet p = c.world.first_packet();
  std::string text = contract_op_text(p, c.world.certify(p, "L2/L1a/E1", 1)).value();
  auto store = store::make_memory_store();
  std::size_t ok = 0;
  for (const auto& m : mutations(text, 11)) {
    Status st = store->write([&](store::WriteTxn& txn) -> Status {
      MLCHAIN_ASSIGN_OR_RETURN(Bytes r, c.contracts.apply(txn, consensus::Request{"n", 1, to_bytes(m)},
                                                           ledger::OpContext{1, 1000}));
      if (to_string(r).rfind("ok:", 0) == 0) ++ok;
      return {};
    });
    EXPECT_TRUE(st.ok()) << st.to_string();
  }
  EXPECT_LE(ok, 5u);  // only mutations of insignificant bytes can still open the contract
}

TEST(Mutation, ProofVerifierNeverCrashes) {
  testing::Chain c;
  ASSERT_TRUE(c.commit({c.member_op(prune_op_text())}).ok());
  ASSERT_TRUE(c.commit({}).ok());
  std::string text = codec::canonical(make_proof(*c.ledger, 1, {0}).value()).value();
  // Every byte takes part: the commit certificate covers the ops, the
  // attestation the whole header (prev_hash, time, results digest), the
  // header's digest the results (issue 13 item 4, issue 14 item 1).
  std::size_t accepted = 0;
  for (const auto& m : mutations(text, 13)) {
    if (m == text || !verify_proof(m, c.genesis_hex, c.verifier).ok()) continue;
    std::size_t at = 0;
    while (at < m.size() && m[at] == text[at]) ++at;
    ++accepted;
    ADD_FAILURE() << "accepted a mutation at byte " << at << ": ..." << text.substr(at > 40 ? at - 40 : 0, 60);
  }
  EXPECT_EQ(accepted, 0u);
}

}  // namespace
}  // namespace mlchain::contract
