// Contract proof bundles (contract/proof.h verify_contract_proof): every
// field of the record is proven, and a refused op proves nothing (issue 14
// item 1). Before, `block verify` only looked for each sum somewhere in an
// ordered op: every tampering below verified.
#include <gtest/gtest.h>

#include "chain.h"
#include "mlchain/contract/proof.h"

namespace mlchain::contract {
namespace {

using codec::Json;
using testing::Chain;

constexpr std::int64_t kT0 = 1'700'000'000'000;

struct Contracted : Chain {
  std::string id = "L2/L1a#1";
  Packet refused_packet;
  Contracted() {
    auto order = [&](const Packet& p, const LayerCertificate& cert) {
      return commit({member_op(contract_op_text(p, cert).value())});
    };
    Packet first = world.first_packet(kT0);
    EXPECT_TRUE(order(first, world.certify(first, "L2/L1a/E1", 1)).ok());  // block 1: opens L2/L1a#1
    Packet follow = world.follow_up(kT0 + 1, {id, "L2#1", "L2/L1b#1"});
    EXPECT_TRUE(order(follow, world.certify(follow, "L2/L1a/E1", 1)).ok());  // block 2
    // Block 3: a packet whose certificate carries no signature: refused.
    refused_packet = world.follow_up(kT0 + 2, {id, "L2#1", "L2/L1b#1"});
    EXPECT_TRUE(order(refused_packet, begin_certificate(refused_packet, "L2/L1a/E1")).ok());
    Packet end = world.follow_up(kT0 + 3, {id, "L2#1", "L2/L1b#1"}, PacketKind::kEnd);
    EXPECT_TRUE(order(end, world.certify(end, "L2/L1a/E1", 1)).ok());  // block 4: accomplished
  }

  Json record() {
    auto r = store->begin_read().value();
    auto l = get_contract(*r, id).value();
    EXPECT_EQ(l.kind, LookupKind::kFound);
    return to_json(*l.block);
  }
  // Names every op of the block, as `block query --proof` does.
  Json proof_of(std::uint64_t h) {
    std::vector<std::size_t> all(ledger->block(h).value()->ops.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    return make_proof(*ledger, h, all).value();
  }
  Json bundle() {
    Json c = record();
    Json proofs = Json::array();
    std::set<std::uint64_t> heights;
    for (const auto& k : c["K"]) heights.insert(k["height"].get<std::uint64_t>());
    for (auto h : heights) proofs.push_back(proof_of(h));
    return {{"v", 1}, {"type", "mlchain-contract-proof"}, {"id", id}, {"contract", c}, {"proofs", proofs}};
  }
  Status verify(const Json& b) { return verify_contract_proof(b.dump(), genesis_hex, verifier).status(); }
  void expect_refused(const Json& b, std::string_view why) {
    Status st = verify(b);
    EXPECT_EQ(st.code(), ErrorCode::kVerificationFailed) << st.to_string();
    EXPECT_NE(st.message().find(why), std::string::npos) << st.to_string();
  }
};

TEST(ContractProof, ValidBundleProvesTheRecord) {
  Contracted c;
  Json b = c.bundle();
  auto v = verify_contract_proof(b.dump(), c.genesis_hex, c.verifier);
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  EXPECT_EQ(v->id, c.id);
  EXPECT_EQ(v->layer_path, "L2/L1a");
  EXPECT_EQ(v->as_of, 4u);
  EXPECT_EQ(v->proofs.size(), 3u);
  EXPECT_TRUE(v->contract["accomplished"].get<bool>());
  EXPECT_EQ(v->contract["K"].size(), 3u);
}

TEST(ContractProof, EveryFieldOfTheRecordIsProven) {
  Contracted c;
  const Json good = c.bundle();
  auto tamper = [&](const std::function<void(Json&)>& f, std::string_view why) {
    Json b = good;
    f(b["contract"]);
    SCOPED_TRACE(b["contract"].dump());
    c.expect_refused(b, why);
  };
  const std::string changed = "a field was changed";
  tamper([](Json& r) { r["accomplished"] = false; }, changed);
  tamper([](Json& r) { r["expires_at"] = r["expires_at"].get<std::int64_t>() + 1; }, changed);
  tamper([](Json& r) { r["responsible"] = std::string(64, 'b'); }, changed);
  tamper([](Json& r) { r["parties"]["from"] = "L2/L1a/E1/someone-else"; }, changed);
  tamper([](Json& r) { r["parties"]["to"] = "L2/L1b/E3/someone-else"; }, changed);
  tamper([](Json& r) { r["route"]["prev"] = "L2/L1a/E2"; }, changed);
  tamper([](Json& r) { r["route"]["next"] = "L2/L1c"; }, changed);
  tamper([](Json& r) { r["opened_at"] = 2; }, changed);
  tamper([](Json& r) { r["K"][1]["out"] = std::string(64, 'c'); }, changed);
  tamper([](Json& r) { r["K"][1]["time"] = r["K"][1]["time"].get<std::int64_t>() + 1; }, "has time");
  tamper([](Json& r) { r["K"][1]["height"] = 3; }, "no proof of chain block 3");
  tamper([](Json& r) { r["K"][1]["sum"] = std::string(64, 'd'); }, "accepted it");
  tamper([](Json& r) { r["id"] = "L2/L1a#2"; }, "not L2/L1a#1");
  tamper([](Json& r) { r["extra"] = 1; }, "malformed");
  // The bundle's own fields.
  Json b = good;
  b["id"] = "L2/L1a#2";
  c.expect_refused(b, "not L2/L1a#2");
  b = good;
  b["proofs"].erase(1);
  c.expect_refused(b, "no proof of chain block");
  b = good;
  b["proofs"].push_back(c.proof_of(3));  // proves a block no message is in
  c.expect_refused(b, "no message");
  b = good;
  b["note"] = "trust me";
  EXPECT_FALSE(c.verify(b).ok());
  // A proof tampered inside the bundle fails as the block proof would.
  b = good;
  b["proofs"][0]["block"]["time"] = b["proofs"][0]["block"]["time"].get<std::int64_t>() + 1;
  c.expect_refused(b, "header was changed");
  // With another genesis, nothing verifies.
  EXPECT_EQ(verify_contract_proof(good.dump(), std::string(64, 'e'), c.verifier).status().code(),
            ErrorCode::kVerificationFailed);
}

TEST(ContractProof, ARefusedOpProvesNoMessage) {
  Contracted c;
  // Block 3 ordered a packet of this contract that the layer refused
  // (statement 1): claiming it as a message of the contract fails, though
  // its sum is in a certified op of a proven block.
  Json b = c.bundle();
  Json k = {{"sum", crypto::digest_hex(c.refused_packet.sum)},
            {"time", c.proof_of(3)["block"]["time"]},
            {"height", 3},
            {"out", std::string(64, '0')}};
  b["contract"]["K"].insert(b["contract"]["K"].begin() + 2, k);
  b["proofs"].insert(b["proofs"].begin() + 2, c.proof_of(3));
  c.expect_refused(b, "a refused op proves nothing");
}

TEST(ContractProof, ATruncatedRecordProvesOnlyAnEarlierState) {
  Contracted c;
  // Without its last message and that message's proof, the bundle shows the
  // record as it was after message 2 (open): true of height 2, and reported
  // as such (as_of), never as the current state.
  Json b = c.bundle();
  b["contract"]["K"].erase(2);
  b["contract"]["accomplished"] = false;
  b["contract"]["expires_at"] = b["contract"]["K"][1]["time"].get<std::int64_t>() + 3'600'000;  // after message 2
  b["proofs"].erase(2);
  auto v = verify_contract_proof(b.dump(), c.genesis_hex, c.verifier);
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  EXPECT_EQ(v->as_of, 2u);
}

}  // namespace
}  // namespace mlchain::contract
