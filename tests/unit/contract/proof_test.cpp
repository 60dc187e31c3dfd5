#include <gtest/gtest.h>

#include "chain.h"
#include "mlchain/contract/proof.h"

namespace mlchain::contract {
namespace {

using codec::Json;
using testing::Chain;

std::string text_of(const Json& j) { return codec::canonical(j).value(); }

Status verify(const Json& proof, const std::string& genesis, const crypto::Verifier& v) {
  return verify_proof(text_of(proof), genesis, v).status();
}

void expect_refused(const Json& proof, const Chain& c, std::string_view why) {
  auto st = verify(proof, c.genesis_hex, c.verifier);
  EXPECT_EQ(st.code(), ErrorCode::kVerificationFailed) << st.to_string();
  EXPECT_NE(st.message().find(why), std::string::npos) << st.to_string();
}

struct OneBlock : Chain {
  consensus::Request op;
  OneBlock() {
    op = member_op(prune_op_text());
    EXPECT_TRUE(commit({member_op(prune_op_text()), op}).ok());
    EXPECT_TRUE(commit({}).ok());
  }
};

TEST(Proof, ValidProofVerifies) {
  OneBlock c;
  auto proof = make_proof(*c.ledger, 1, {1});
  ASSERT_TRUE(proof.ok()) << proof.status().to_string();
  auto v = verify_proof(text_of(*proof), c.genesis_hex, c.verifier);
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  EXPECT_EQ(v->layer_path, "L2/L1a");
  EXPECT_EQ(v->height, 1u);
  EXPECT_EQ(v->epoch, 0u);
  ASSERT_EQ(v->ops.size(), 1u);
  EXPECT_EQ(v->ops[0], c.op);
  EXPECT_EQ(v->block_hash, crypto::digest_hex(c.ledger->block(1)->value().hash()));
  EXPECT_TRUE(v->switch_boundaries.empty());
}

TEST(Proof, TamperedOpFails) {
  OneBlock c;
  Json proof = make_proof(*c.ledger, 1, {1}).value();
  consensus::Request other = c.member_op(prune_op_text());  // validly signed, but never ordered here
  proof["block"]["ops"][1] = consensus::request_to_json(other);
  expect_refused(proof, c, "bad commit signature");
}

TEST(Proof, TamperedHeaderFails) {
  OneBlock c;
  Json good = make_proof(*c.ledger, 1, {0}).value();
  Json p = good;
  p["block"]["height"] = 2;
  expect_refused(p, c, "signature");
  p = good;
  p["block"]["certificate"]["proposed_time"] = good["block"]["certificate"]["proposed_time"].get<std::int64_t>() + 1;
  expect_refused(p, c, "signature");
  p = good;
  p["block"]["certificate"]["view"] = 1;
  expect_refused(p, c, "signature");
  p = good;
  p["block"]["time"] = good["block"]["certificate"]["proposed_time"].get<std::int64_t>() - 1;
  expect_refused(p, c, "proposed time");
  p = good;
  p["ops"] = Json::array({7});
  expect_refused(p, c, "not in block");
}

TEST(Proof, TooFewOrForgedSignaturesFail) {
  OneBlock c;
  Json good = make_proof(*c.ledger, 1, {0}).value();
  Json p = good;
  p["block"]["certificate"]["signatures"].erase(2);  // 2 of 4: below the quorum of 3
  expect_refused(p, c, "quorum");
  p = good;
  std::string sig = p["block"]["certificate"]["signatures"][0]["sig"];
  sig[0] = sig[0] == '0' ? '1' : '0';
  p["block"]["certificate"]["signatures"][0]["sig"] = sig;
  expect_refused(p, c, "bad commit signature");
  p = good;
  p["block"]["certificate"]["signatures"][2] = p["block"]["certificate"]["signatures"][1];
  expect_refused(p, c, "twice");
}

TEST(Proof, WrongGenesisHashOrBlueprintFails) {
  OneBlock c;
  Json proof = make_proof(*c.ledger, 1, {0}).value();
  auto st = verify(proof, std::string(64, 'a'), c.verifier);
  EXPECT_EQ(st.code(), ErrorCode::kVerificationFailed);
  EXPECT_NE(st.message().find("genesis mismatch"), std::string::npos);
  // A blueprint with other members (an attacker's own layer) gives another genesis.
  Json p = proof;
  p["blueprint"]["members"][0]["key"] = testing::key_from(77, 0).public_key().hex();
  expect_refused(p, c, "genesis mismatch");
  EXPECT_EQ(verify(proof, "not hex", c.verifier).code(), ErrorCode::kInvalidArgument);
}

TEST(Proof, MalformedProofsAreRefusedNotCrashed) {
  OneBlock c;
  for (const char* bad : {"", "[]", "{}", "{\"v\":1}", "{\"v\":1,\"type\":\"mlchain-block-proof\"}", "nul"})
    EXPECT_FALSE(verify_proof(bad, c.genesis_hex, c.verifier).ok()) << bad;
  Json proof = make_proof(*c.ledger, 1, {0}).value();
  proof["extra"] = true;
  EXPECT_EQ(verify(proof, c.genesis_hex, c.verifier).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(make_proof(*c.ledger, 0, {}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(make_proof(*c.ledger, 99, {}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(make_proof(*c.ledger, 1, {5}).status().code(), ErrorCode::kInvalidArgument);
}

// Epoch 0 (4 members) -> add n4 at block 2 -> epoch 1 (5 members) ->
// remove n0 at block 6 -> epoch 2 (4 members: n1..n4).
struct Reconfigured : Chain {
  consensus::Request in_epoch1, in_epoch2;
  crypto::PublicKey removed;
  Reconfigured() {
    removed = bp.members[0].key;
    EXPECT_TRUE(commit({add_member(testing::key_from(50, 4), "n4")}).ok());
    EXPECT_TRUE(commit({}).ok());
    EXPECT_EQ(ledger->epoch_config().epoch, 1u);
    EXPECT_EQ(ledger->epoch_config().n(), 5u);
    in_epoch1 = member_op(prune_op_text());
    EXPECT_TRUE(commit({in_epoch1}).ok());  // block 3
    EXPECT_TRUE(commit({}).ok());
    EXPECT_TRUE(commit({remove_member(removed)}).ok());  // block 5
    EXPECT_TRUE(commit({}).ok());
    EXPECT_EQ(ledger->epoch_config().epoch, 2u);
    EXPECT_EQ(ledger->epoch_config().n(), 4u);
    in_epoch2 = signed_request(keys.at(bp.members[1].key), prune_op_text());
    EXPECT_TRUE(commit({in_epoch2}).ok());  // block 7, certified by n1..n3 (not n0)
  }
};

TEST(Proof, AcrossEpochChangesVerifies) {
  Reconfigured c;
  auto p1 = make_proof(*c.ledger, 3, {0});
  ASSERT_TRUE(p1.ok()) << p1.status().to_string();
  auto v1 = verify_proof(text_of(*p1), c.genesis_hex, c.verifier);
  ASSERT_TRUE(v1.ok()) << v1.status().to_string();
  EXPECT_EQ(v1->epoch, 1u);
  EXPECT_EQ(v1->switch_boundaries, (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(v1->ops.at(0), c.in_epoch1);

  auto p2 = make_proof(*c.ledger, 7, {0});
  ASSERT_TRUE(p2.ok()) << p2.status().to_string();
  auto v2 = verify_proof(text_of(*p2), c.genesis_hex, c.verifier);
  ASSERT_TRUE(v2.ok()) << v2.status().to_string();
  EXPECT_EQ(v2->epoch, 2u);
  EXPECT_EQ(v2->switch_boundaries, (std::vector<std::uint64_t>{2, 6}));
  EXPECT_EQ(v2->ops.at(0), c.in_epoch2);
  // Blocks before the first switch still prove with no window.
  auto p0 = make_proof(*c.ledger, 1, {0});
  ASSERT_TRUE(p0.ok());
  EXPECT_TRUE(verify_proof(text_of(*p0), c.genesis_hex, c.verifier).ok());
}

TEST(Proof, HidingAnEpochChangeFails) {
  Reconfigured c;
  Json p = make_proof(*c.ledger, 7, {0}).value();
  Json hidden = p;
  hidden["epoch_switches"].erase(1);  // pretend the removal never happened
  expect_refused(hidden, c, "epoch switches");
  hidden = p;
  hidden["epoch_switches"] = Json::array();
  expect_refused(hidden, c, "epoch switches");
  // Relabel the target as an epoch-1 block: its signatures no longer verify.
  hidden = p;
  hidden["epoch_switches"].erase(1);
  hidden["block"]["certificate"]["epoch"] = 1;
  expect_refused(hidden, c, "bad commit signature");
}

TEST(Proof, ForgedOrMisplacedEpochSwitchFails) {
  Reconfigured c;
  Json p = make_proof(*c.ledger, 7, {0}).value();
  // The change removed from its window: nothing left to switch on.
  Json q = p;
  q["epoch_switches"][1]["blocks"][0]["ops"] = Json::array();
  expect_refused(q, c, "epoch switch 2");
  // A window that orders no change, presented as the switch.
  Json r = p;
  Json window = make_proof(*c.ledger, 4, {}).value()["block"];
  Json w3 = make_proof(*c.ledger, 3, {}).value()["block"];
  r["epoch_switches"][1] = {{"boundary", 4}, {"blocks", Json::array({w3, window})}};
  expect_refused(r, c, "no authorised membership change");
  // Window blocks out of order / unlinked.
  Json s = p;
  std::swap(s["epoch_switches"][0]["blocks"][0], s["epoch_switches"][0]["blocks"][1]);
  expect_refused(s, c, "height");
  // A boundary that is not a checkpoint boundary.
  Json t = p;
  t["epoch_switches"][0]["boundary"] = 3;
  expect_refused(t, c, "checkpoint boundary");
  // The switch block's certificate cut below the old epoch's quorum.
  Json u = p;
  u["epoch_switches"][0]["blocks"][0]["certificate"]["signatures"].erase(0);
  expect_refused(u, c, "quorum");
}

TEST(Proof, UnauthorisedChangeDoesNotSwitch) {
  Chain c;
  // A member (not an admin) orders an add-member: the node's rule ignores it,
  // so no epoch switch happens, and a proof claiming one is refused.
  auto rogue = testing::key_from(88, 0);
  consensus::ConfigChange ch{consensus::ConfigAction::kAddMember, rogue.public_key(), "rogue", "https://x:1"};
  auto req = c.signed_request(c.keys.begin()->second,
                              node::config_op_text(ch, rogue.sign(node::join_proof_bytes(c.genesis_hex, ch))));
  ASSERT_TRUE(c.commit({req}).ok());
  ASSERT_TRUE(c.commit({}).ok());
  EXPECT_EQ(c.ledger->epoch_config().epoch, 0u);
  ASSERT_TRUE(c.commit({}).ok());
  Json p = make_proof(*c.ledger, 3, {}).value();
  EXPECT_TRUE(verify(p, c.genesis_hex, c.verifier).ok());
  Json w1 = make_proof(*c.ledger, 1, {}).value()["block"];
  Json w2 = make_proof(*c.ledger, 2, {}).value()["block"];
  p["epoch_switches"] = Json::array({{{"boundary", 2}, {"blocks", Json::array({w1, w2})}}});
  expect_refused(p, c, "epoch switches");
}

TEST(Proof, ProvesTheOpThatOpenedAContractBlock) {
  Chain c;
  Packet p = c.world.first_packet();
  std::string text = contract_op_text(p, c.world.certify(p, "L2/L1a/E1", 1)).value();
  auto applied = c.commit({c.member_op(text)});
  ASSERT_TRUE(applied.ok());
  ASSERT_EQ(accepted_id(to_string(applied->replies.at(0).result)), "L2/L1a#1");
  auto r = c.store->begin_read().value();
  auto found = get_contract(*r, "L2/L1a#1").value();
  ASSERT_EQ(found.kind, LookupKind::kFound);
  EXPECT_EQ(found.block->opened_at, 1u);
  // The proof names the op of height opened_at; the verifier gets it back and
  // can check it is the packet with this sum.
  auto v = verify_proof(text_of(make_proof(*c.ledger, found.block->opened_at, {0}).value()), c.genesis_hex, c.verifier);
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  auto env = node::signed_op_from_json(codec::parse(to_string(v->ops.at(0).op)).value());
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->op, text);
  EXPECT_NE(env->op.find(found.block->k.at(0).sum), std::string::npos);
}

TEST(Proof, StaleReproposedChangeCountsOnceLikeTheLedger) {
  Chain c;
  auto x = testing::key_from(50, 4);
  consensus::Request add = c.add_member(x, "x");
  ASSERT_TRUE(c.commit({add}).ok());
  ASSERT_TRUE(c.commit({}).ok());  // epoch 1: 5 members
  ASSERT_TRUE(c.commit({c.remove_member(x.public_key())}).ok());
  ASSERT_TRUE(c.commit({add}).ok());  // the old add re-proposed: executed before, ignored
  ASSERT_EQ(c.ledger->epoch_config().epoch, 2u);
  ASSERT_EQ(c.ledger->epoch_config().n(), 4u);
  ASSERT_TRUE(c.commit({c.member_op(prune_op_text())}).ok());
  Json p = make_proof(*c.ledger, 5, {0}).value();
  auto v = verify_proof(text_of(p), c.genesis_hex, c.verifier);
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  EXPECT_EQ(v->switch_boundaries, (std::vector<std::uint64_t>{2, 4}));
}

// Issue 13 item 4 / issue 14 item 1: the header is certified too. Each of
// these verified before block attestations (only the ops were signed).
TEST(Proof, HeaderFieldsAndResultsAreAttested) {
  OneBlock c;
  Json good = make_proof(*c.ledger, 1, {1}).value();
  Json p = good;
  p["block"]["prev_hash"] = std::string(64, 'a');
  expect_refused(p, c, "its header was changed");
  p = good;
  p["block"]["time"] = good["block"]["time"].get<std::int64_t>() + 5000;  // still >= proposed
  expect_refused(p, c, "its header was changed");
  p = good;
  p["block"]["results_digest"] = crypto::digest_hex(crypto::sha256("ok"));
  expect_refused(p, c, "its header was changed");
  // The results must be the ones the header's digest covers.
  p = good;
  p["results"][1] = to_hex(to_bytes("ok: pruned 0"));
  expect_refused(p, c, "results given");
  p = good;
  p["results"].erase(1);
  expect_refused(p, c, "results given");
  // f+1 = 2 distinct members must vouch for the header.
  p = good;
  p["attestation"]["signatures"].erase(1);
  expect_refused(p, c, "f+1");
  p = good;
  p["attestation"]["signatures"][1] = p["attestation"]["signatures"][0];
  expect_refused(p, c, "twice");
  p = good;
  std::string sig = p["attestation"]["signatures"][0]["sig"];
  sig[0] = sig[0] == '0' ? '1' : '0';
  p["attestation"]["signatures"][0]["sig"] = sig;
  expect_refused(p, c, "bad signature");
  p = good;
  p["attestation"]["epoch"] = 1;
  expect_refused(p, c, "epoch");
  p = good;
  p.erase("attestation");
  EXPECT_FALSE(verify(p, c.genesis_hex, c.verifier).ok());
  p = good;
  p.erase("results");
  EXPECT_FALSE(verify(p, c.genesis_hex, c.verifier).ok());
  // And what verifies reports what the layer answered: this op was refused
  // (ordered after a later id of its client), which the proof shows.
  auto v = verify_proof(text_of(good), c.genesis_hex, c.verifier);
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  ASSERT_EQ(v->results.size(), 1u);
  EXPECT_EQ(to_string(v->results[0]), "error: stale request id") << to_string(v->results[0]);
  EXPECT_EQ(v->prev_hash, crypto::digest_hex(c.ledger->block(0)->value().hash()));
  EXPECT_EQ(v->attested_by, 2u);
}

TEST(Proof, NoProofBeforeFPlusOneMembersAttest) {
  Chain c;
  c.attest_blocks = false;
  ASSERT_TRUE(c.commit({c.member_op(prune_op_text())}).ok());
  EXPECT_EQ(make_proof(*c.ledger, 1, {0}).status().code(), ErrorCode::kFailedPrecondition);
  // One member's word (a byzantine node's, say) is not enough.
  ASSERT_TRUE(c.ledger->store_attestations({c.attest(c.ledger->block(1)->value(), c.ledger->epoch_config(), 1)}).ok());
  Json p = make_proof(*c.ledger, 1, {0}).value();
  expect_refused(p, c, "f+1");
}

// Issue 13 item 5: pipelining can give a batch above an epoch boundary a
// real commit quorum of the old epoch; it is discarded at the switch and
// never applied, so no honest member attests it. Before attestations the
// verifier accepted it as the old epoch's block at that height.
TEST(Proof, GhostBlockAboveAnEpochSwitchFails) {
  Reconfigured c;
  auto epoch0 = c.ledger->epoch_config_of(0).value();
  ledger::Block ghost;
  ghost.height = 3;  // the epoch switched at 2
  ghost.prev_hash = c.ledger->block(2)->value().hash();
  ghost.ops = {c.member_op(prune_op_text())};
  ghost.certificate.epoch = 0;
  ghost.certificate.proposed_time_ms = ghost.time_ms = c.now + 1;
  ghost.results_digest = ledger::results_digest({to_bytes("ok: pruned 0")});
  auto digest = consensus::batch_digest(ghost.certificate.proposed_time_ms, ghost.ops);
  for (consensus::ReplicaId r = 0; r < epoch0.quorum(); ++r) {
    crypto::Ed25519Signer s(c.keys.at(epoch0.members[r]));
    auto m = consensus::signed_part(consensus::Commit{0, 0, 3, digest, r, {}}, s);
    ghost.certificate.signatures.emplace_back(r, m.sig);
  }
  Json p = make_proof(*c.ledger, 1, {0}).value();  // epoch 0: no switches
  p["block"] = ledger::to_json(ghost);
  p["results"] = Json::array({to_hex(to_bytes("ok: pruned 0"))});
  p["ops"] = Json::array({0});
  p["attestation"] = ledger::to_json(c.attest(ghost, epoch0, epoch0.f()));  // f byzantine members vouch
  expect_refused(p, c, "f+1");
}

}  // namespace
}  // namespace mlchain::contract
