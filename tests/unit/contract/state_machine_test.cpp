#include <gtest/gtest.h>

#include "fixtures.h"
#include "mlchain/contract/state_machine.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::contract {
namespace {

using codec::Json;
using testing::World;

constexpr std::int64_t kT0 = 1'700'000'000'000;

struct Layer {
  std::unique_ptr<store::Store> store = store::make_memory_store();
  ContractStateMachine sm;
  std::uint64_t height = 0;
  const consensus::EpochConfig* epoch = nullptr;  // the executing epoch (takeover needs one)

  Layer(const std::string& path, const World& w) : sm(path, w.lookup(), w.verifier) { sm.set_admins({"node0"}); }

  std::string apply(const std::string& text, std::int64_t time_ms, const std::string& client = "node0") {
    std::string out;
    Status st = store->write([&](store::WriteTxn& w) -> Status {
      MLCHAIN_ASSIGN_OR_RETURN(Bytes r, sm.apply(w, consensus::Request{client, 1, to_bytes(text)},
                                                 ledger::OpContext{height + 1, time_ms, epoch}));
      out = to_string(r);
      return {};
    });
    EXPECT_TRUE(st.ok()) << st.to_string();
    ++height;
    return out.rfind("batch: ", 0) == 0 ? "batch: " + checked_batch(out.substr(7)) : checked(out);
  }
  // An accepted packet's result is "ok: <id> record <digest of the record
  // after it>": every test checks the digest against the stored record, and
  // then compares "ok: <id>".
  std::string checked(const std::string& r) {
    auto at = r.find(" record ");
    if (r.rfind("ok: ", 0) != 0 || r.rfind("ok: pruned", 0) == 0 || r.find(" responsible ") != std::string::npos)
      return r;
    EXPECT_NE(at, std::string::npos) << r;
    if (at == std::string::npos) return r;
    std::string id = r.substr(4, at - 4);
    Lookup l = get(id);
    EXPECT_EQ(l.kind, LookupKind::kFound) << r;
    if (l.kind == LookupKind::kFound) {
      EXPECT_EQ(r.substr(at + 8), record_digest_hex(*l.block)) << r;
    }
    EXPECT_EQ(accepted_id(r), id);
    return "ok: " + id;
  }
  std::string checked_batch(const std::string& list) {
    Json j = Json::parse(list);
    Json out = Json::array();
    for (const auto& r : j) out.push_back(checked(r.get<std::string>()));
    return out.dump();
  }
  Lookup get(const std::string& id) {
    auto r = store->begin_read().value();
    return get_contract(*r, id).value();
  }
  std::uint64_t alarms_raised() {
    auto r = store->begin_read().value();
    return alarm_count(*r).value();
  }
  std::string dump() {
    auto r = store->begin_read().value();
    std::string out;
    for (auto t : {kContractsTable, kContractSumsTable, kContractMetaTable, kContractAlarmsTable}) {
      auto c = r->cursor(t).value();
      EXPECT_TRUE(c->first().ok());
      for (; c->valid(); (void)c->next()) out += std::string(t) + "|" + std::string(c->key()) + "|" + std::string(c->value()) + "\n";
    }
    return out;
  }
};

// L2/L1a receiving packets straight from E1.
struct AtL1a {
  World w;
  Layer l{"L2/L1a", w};
  std::string op(const Packet& p) const {
    return contract_op_text(p, w.certify(p, "L2/L1a/E1", 1)).value();
  }
  std::string first(std::int64_t ts, std::uint64_t ttl = 1000) const { return op(w.first_packet(ts, ttl)); }
  std::string follow(const std::string& id, std::int64_t ts, PacketKind kind = PacketKind::kFollowUp,
                     std::uint64_t ttl = 1000) const {
    return op(w.follow_up(ts, {id, "L2#1", "L2/L1b#1"}, kind, ttl));
  }
  std::string sum_of(const Packet& p) const { return crypto::digest_hex(p.sum); }
  // The digest of `p` as L1a forwards it under block `id` (Summary::out).
  static std::string out_of(Packet p, const std::string& id) {
    EXPECT_TRUE(advance(p, "L2/L1a", id).ok());
    return crypto::digest_hex(packet_digest(p));
  }
};

// A standby deployment numbers its blocks from the blueprint's
// contract_first_id, so its ids never name a block of the original's chain:
// a follow-up naming the original's L2/L1a#1 finds no block here.
TEST(ContractStateMachine, FirstIdStartsTheNumbering) {
  AtL1a t;
  t.l.sm.set_first_id(1'000'000'001);
  EXPECT_EQ(t.l.apply(t.first(kT0), 100), "ok: L2/L1a#1000000001");
  EXPECT_EQ(t.l.apply(t.first(kT0 + 1), 200), "ok: L2/L1a#1000000002");
  EXPECT_EQ(t.l.apply(t.follow("L2/L1a#1", kT0 + 2), 300), "error: no contract block L2/L1a#1");
  EXPECT_EQ(t.l.apply(t.follow("L2/L1a#1000000001", kT0 + 3), 400), "ok: L2/L1a#1000000001");
}

TEST(ContractStateMachine, OpenCreatesOneBlockIdempotentPerSum) {
  AtL1a t;
  Packet p = t.w.first_packet(kT0, 1000);
  EXPECT_EQ(t.l.apply(t.op(p), 100), "ok: L2/L1a#1");
  EXPECT_EQ(t.l.apply(t.op(p), 200), "ok: L2/L1a#1");  // Statement 3: same first packet again
  EXPECT_EQ(t.l.apply(t.first(kT0 + 1), 300), "ok: L2/L1a#2");
  auto b = t.l.get("L2/L1a#1");
  ASSERT_EQ(b.kind, LookupKind::kFound);
  EXPECT_EQ(b.block->k, (std::vector<Summary>{{t.sum_of(p), 100, 1, t.out_of(p, "L2/L1a#1")}}));  // the repeat changed nothing
  EXPECT_EQ(b.block->from, p.header.from);
  EXPECT_EQ(b.block->to, p.header.to);
  EXPECT_EQ(b.block->prev_hop, "L2/L1a/E1");
  EXPECT_EQ(b.block->next_hop, "L2");
  EXPECT_EQ(b.block->responsible, "node0");
  EXPECT_FALSE(b.block->accomplished);
  EXPECT_EQ(b.block->expires_at_ms, 1100);
  EXPECT_EQ(b.block->opened_at, 1u);
  EXPECT_EQ(t.l.alarms_raised(), 0u);
}

TEST(ContractStateMachine, Statement1IsCheckedByEveryReplica) {
  AtL1a t;
  Packet p = t.w.first_packet(kT0);
  std::string before = t.l.dump();
  // No certificate at all.
  LayerCertificate none = begin_certificate(p, "L2/L1a/E1");
  auto r = t.l.apply(contract_op_text(p, none).value(), 100);
  EXPECT_EQ(r.rfind("error: statement 1:", 0), 0u) << r;
  // Signed by a key E1 does not have.
  LayerCertificate rogue = begin_certificate(p, "L2/L1a/E1");
  crypto::Ed25519Signer other(testing::key_from(99, 1));
  add_signature(rogue, other);
  r = t.l.apply(contract_op_text(p, rogue).value(), 100);
  EXPECT_NE(r.find("not a recorded member"), std::string::npos) << r;
  // A packet that claims to come from a layer this one has no record of.
  World w2;
  w2.layers.erase("L2/L1a/E1");
  Layer blind("L2/L1a", w2);
  r = blind.apply(t.op(p), 100);
  EXPECT_NE(r.find("records no keys"), std::string::npos) << r;
  // A packet not addressed to this layer.
  Layer l2("L2", t.w);
  EXPECT_EQ(l2.apply(t.op(p), 100).rfind("error: the packet is not addressed", 0), 0u);
  // Refusals are counted as alarms and create no contract.
  EXPECT_EQ(t.l.alarms_raised(), 2u);
  auto rd = t.l.store->begin_read().value();
  auto list = alarms(*rd, 0, 10).value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].kind, "certificate");
  EXPECT_EQ(t.l.get("L2/L1a#1").kind, LookupKind::kNotFound);
  EXPECT_NE(t.l.dump(), before);  // only the alarms
  EXPECT_EQ(t.l.dump().find("contracts|"), std::string::npos);
}

// Statement 4: follow-ups leave the responsible node as it is; it changes
// only by an ordered takeover from a member of the executing epoch that
// names the node it asked (compare and set), on an open block.
TEST(ContractStateMachine, Statement4TheResponsibleNodeChangesOnlyByATakeover) {
  AtL1a t;
  auto key = [](int i) {
    auto seed = crypto::sha256("takeover " + std::to_string(i));
    return crypto::PrivateKey::from_seed(ByteView(seed.data(), seed.size())).value().public_key().hex();
  };
  const std::string a = key(0), b = key(1), stranger = key(2);
  consensus::EpochConfig epoch;
  epoch.members = {crypto::PublicKey::from_hex(a).value(), crypto::PublicKey::from_hex(b).value()};
  t.l.epoch = &epoch;
  ASSERT_EQ(t.l.apply(t.first(kT0), 100, a), "ok: L2/L1a#1");
  EXPECT_EQ(t.l.get("L2/L1a#1").block->responsible, a);
  // A follow-up ordered by another member does not move it (it used to).
  ASSERT_EQ(t.l.apply(t.follow("L2/L1a#1", kT0 + 1), 200, b), "ok: L2/L1a#1");
  EXPECT_EQ(t.l.get("L2/L1a#1").block->responsible, a);
  std::string before = t.l.dump();
  // Not a member; a member naming another node than the recorded one; no such block.
  EXPECT_EQ(t.l.apply(takeover_op_text("L2/L1a#1", a), 300, stranger).rfind("error: not authorised", 0), 0u);
  EXPECT_EQ(t.l.apply(takeover_op_text("L2/L1a#1", stranger), 310, b).rfind("error: the responsible node of", 0), 0u);
  EXPECT_EQ(t.l.apply(takeover_op_text("L2/L1a#9", a), 320, b), "error: no contract block L2/L1a#9");
  EXPECT_EQ(t.l.dump(), before);
  // Without the executing epoch nobody is a member.
  t.l.epoch = nullptr;
  EXPECT_EQ(t.l.apply(takeover_op_text("L2/L1a#1", a), 330, b).rfind("error: not authorised", 0), 0u);
  t.l.epoch = &epoch;
  // B asked A, A did not answer: B takes over; the chain records it.
  std::string r = t.l.apply(takeover_op_text("L2/L1a#1", a), 400, b);
  EXPECT_EQ(r.rfind("ok: L2/L1a#1 responsible " + b + " (took over from " + a, 0), 0u) << r;
  EXPECT_EQ(t.l.get("L2/L1a#1").block->responsible, b);
  // Again: nothing changes. A late takeover by A naming A: refused (B is responsible now).
  EXPECT_EQ(t.l.apply(takeover_op_text("L2/L1a#1", a), 410, b), "ok: L2/L1a#1 responsible " + b);
  EXPECT_EQ(t.l.apply(takeover_op_text("L2/L1a#1", a), 420, a).rfind("error: the responsible node of", 0), 0u);
  EXPECT_EQ(t.l.get("L2/L1a#1").block->responsible, b);
  // An accomplished block is taken over by nobody.
  ASSERT_EQ(t.l.apply(t.follow("L2/L1a#1", kT0 + 2, PacketKind::kEnd), 500, a), "ok: L2/L1a#1");
  EXPECT_EQ(t.l.apply(takeover_op_text("L2/L1a#1", b), 510, a).rfind("error: contract L2/L1a#1 is accomplished", 0),
            0u);
  // The op outcomes of a takeover name no packet.
  EXPECT_TRUE(op_outcomes(takeover_op_text("L2/L1a#1", a), "ok: L2/L1a#1 responsible " + b).value().empty());
}

TEST(ContractStateMachine, AppendAndReplayAlarm) {
  AtL1a t;
  ASSERT_EQ(t.l.apply(t.first(kT0), 100), "ok: L2/L1a#1");
  Packet f = t.w.follow_up(kT0 + 10, {"L2/L1a#1", "L2#1", "L2/L1b#1"}, PacketKind::kFollowUp, 5000);
  EXPECT_EQ(t.l.apply(t.op(f), 200, "node1"), "ok: L2/L1a#1");
  auto b = t.l.get("L2/L1a#1");
  ASSERT_EQ(b.kind, LookupKind::kFound);
  ASSERT_EQ(b.block->k.size(), 2u);
  EXPECT_EQ(b.block->k[1], (Summary{t.sum_of(f), 200, 2, t.out_of(f, "L2/L1a#1")}));
  EXPECT_EQ(b.block->expires_at_ms, 5200);  // extended on re-use
  EXPECT_EQ(b.block->responsible, "node0");  // Statement 4: only a takeover moves it
  // The very packet again (a retry, or a second member forwarding it): nothing changes, no alarm.
  std::string before = t.l.dump();
  EXPECT_EQ(t.l.apply(t.op(f), 300, "node2"), "ok: L2/L1a#1");
  EXPECT_EQ(t.l.dump(), before);
  EXPECT_EQ(t.l.alarms_raised(), 0u);
  // Statement 5: the recorded sum in another packet (here: moved under a
  // second contract) is a replay, refused and alarmed.
  ASSERT_EQ(t.l.apply(t.first(kT0 + 5), 350), "ok: L2/L1a#2");
  Packet moved = t.w.follow_up(kT0 + 10, {"L2/L1a#2", "L2#1", "L2/L1b#1"}, PacketKind::kFollowUp, 5000);
  ASSERT_EQ(t.sum_of(moved), t.sum_of(f));
  auto r = t.l.apply(t.op(moved), 360, "node2");
  EXPECT_EQ(r.rfind("error: replay", 0), 0u) << r;
  EXPECT_EQ(t.l.alarms_raised(), 1u);
  EXPECT_EQ(t.l.get("L2/L1a#1").block->k.size(), 2u);
  EXPECT_EQ(t.l.get("L2/L1a#2").block->k.size(), 1u);
  auto rd = t.l.store->begin_read().value();
  auto list = alarms(*rd, 0, 10).value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].number, 0u);
  EXPECT_EQ(list[0].kind, "replay");
  EXPECT_EQ(list[0].id, "L2/L1a#2");
  EXPECT_EQ(list[0].sum, t.sum_of(f));
  EXPECT_EQ(list[0].client, "node2");
  EXPECT_EQ(list[0].height, 5u);
  EXPECT_EQ(alarms(*rd, 1, 10).value().size(), 0u);
  // Another edge layer (E2, also under L1a) cannot talk under A and B's contract.
  crypto::PrivateKey e2 = testing::key_from(2, 0);
  t.w.layers["L2/L1a/E2"] = testing::Layer{"L2/L1a/E2", true, {}};
  t.w.layers["L2/L1a/E2"].signers.emplace_back(e2);
  Outgoing intruder;
  intruder.kind = PacketKind::kFollowUp;
  intruder.from = parse_uuid("mlc:L2/L1a/E2/00000000000000cc").value();
  intruder.to = t.w.b();
  intruder.message = Json{{"n", 1}};
  intruder.timestamp_ms = kT0 + 50;
  intruder.ttl_ms = 1000;
  intruder.contract_ids = {"L2/L1a#1", "L2#1", "L2/L1b#1"};
  Packet ip = make_packet(intruder, e2, pseudonym_secret(e2), edge_seal_key(t.w.e3)->public_key()).value();
  auto ir = t.l.apply(contract_op_text(ip, t.w.certify(ip, "L2/L1a/E2", 1)).value(), 350);
  EXPECT_NE(ir.find("is not between edge layers"), std::string::npos) << ir;
  EXPECT_EQ(t.l.get("L2/L1a#1").block->k.size(), 2u);
  // A block that does not exist.
  EXPECT_EQ(t.l.apply(t.follow("L2/L1a#9", kT0 + 20), 400).rfind("error: no contract", 0), 0u);
}

TEST(ContractStateMachine, BatchAppliesEachItemAsIfAlone) {
  AtL1a t;
  Packet a = t.w.first_packet(kT0, 1000);
  Packet b = t.w.first_packet(kT0 + 1, 1000);
  LayerCertificate forged = begin_certificate(b, "L2/L1a/E1");  // no signature at all
  auto text = batch_op_text({{a, t.w.certify(a, "L2/L1a/E1", 1)}, {b, forged}, {a, t.w.certify(a, "L2/L1a/E1", 1)}});
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  std::string r = t.l.apply(*text, 100);
  ASSERT_EQ(r.rfind("batch: ", 0), 0u) << r;
  auto list = Json::parse(r.substr(7));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0], "ok: L2/L1a#1");
  EXPECT_EQ(list[1].get<std::string>().rfind("error: statement 1", 0), 0u) << list[1];
  EXPECT_EQ(list[2], "ok: L2/L1a#1");  // the same first packet in the same batch: one block
  EXPECT_EQ(t.l.get("L2/L1a#2").kind, LookupKind::kNotFound);
  EXPECT_EQ(t.l.alarms_raised(), 1u);
  // Malformed batches are refused whole, and change nothing.
  std::string before = t.l.dump();
  EXPECT_EQ(t.l.apply("contract:{\"action\":\"batch\",\"items\":[]}", 200).rfind("error:", 0), 0u);
  EXPECT_EQ(t.l.apply("contract:{\"action\":\"batch\",\"items\":[1]}", 200), "batch: [\"error: a batch item is an object {packet, cert}\"]");
  EXPECT_EQ(t.l.dump(), before);
  EXPECT_FALSE(batch_op_text({}).ok());
}

TEST(ContractStateMachine, ExpiredBlockTakesNoMoreMessages) {
  AtL1a t;
  ASSERT_EQ(t.l.apply(t.first(kT0, 1000), 100), "ok: L2/L1a#1");  // expires at 1100 (block time)
  std::string before = t.l.dump();
  auto r = t.l.apply(t.follow("L2/L1a#1", kT0 + 1), 1101);
  EXPECT_EQ(r.rfind("error: expired:", 0), 0u) << r;
  EXPECT_EQ(t.l.dump(), before);
  EXPECT_EQ(t.l.alarms_raised(), 0u);
  EXPECT_EQ(t.l.apply(t.follow("L2/L1a#1", kT0 + 2), 1100), "ok: L2/L1a#1");  // at expiry: still open
}

TEST(ContractStateMachine, EndSetsAccomplished) {
  AtL1a t;
  ASSERT_EQ(t.l.apply(t.first(kT0), 100), "ok: L2/L1a#1");
  EXPECT_EQ(t.l.apply(t.follow("L2/L1a#1", kT0 + 1, PacketKind::kEnd), 200), "ok: L2/L1a#1");
  auto b = t.l.get("L2/L1a#1");
  EXPECT_TRUE(b.block->accomplished);
  EXPECT_EQ(b.block->k.size(), 2u);
  auto r = t.l.apply(t.follow("L2/L1a#1", kT0 + 2), 300);
  EXPECT_EQ(r.rfind("error:", 0), 0u);
  EXPECT_NE(r.find("accomplished"), std::string::npos);
  EXPECT_EQ(t.l.get("L2/L1a#1").block->k.size(), 2u);
}

TEST(ContractStateMachine, PruneByBlockTimeLeavesTombstone) {
  AtL1a t;
  std::string first1 = t.first(kT0, 1000);
  ASSERT_EQ(t.l.apply(first1, 100), "ok: L2/L1a#1");               // expires at 1100
  ASSERT_EQ(t.l.apply(t.first(kT0 + 1, 5000), 100), "ok: L2/L1a#2");  // expires at 5100
  EXPECT_EQ(t.l.apply(prune_op_text(), 1100), "ok: pruned 0");  // not yet: expires_at < time
  EXPECT_EQ(t.l.apply(prune_op_text(), 1101), "ok: pruned 1");
  auto p = t.l.get("L2/L1a#1");
  EXPECT_EQ(p.kind, LookupKind::kPruned);
  EXPECT_EQ(p.pruned_at, 4u);
  EXPECT_EQ(t.l.get("L2/L1a#2").kind, LookupKind::kFound);
  EXPECT_EQ(t.l.get("L2/L1a#3").kind, LookupKind::kNotFound);
  EXPECT_EQ(t.l.get("").kind, LookupKind::kNotFound);
  // A pruned contract takes no messages, and its first packet does not reopen it.
  EXPECT_NE(t.l.apply(t.follow("L2/L1a#1", kT0 + 5), 1200).find("pruned at height 4"), std::string::npos);
  EXPECT_NE(t.l.apply(first1, 1300).find("pruned"), std::string::npos);
  EXPECT_EQ(t.l.apply(prune_op_text(), 1400), "ok: pruned 0");  // tombstones stay
  EXPECT_EQ(t.l.get("L2/L1a#1").pruned_at, 4u);
}

// Issue 13 item 8: a prune is an admin's decision, checked as it executes.
// A member's prune ordered as a forwarded request (skipping the API's
// check) is refused and prunes nothing.
TEST(ContractStateMachine, PruneByANonAdminIsRefusedAtExecution) {
  AtL1a t;
  ASSERT_EQ(t.l.apply(t.first(kT0, 1000), 100), "ok: L2/L1a#1");  // expires at 1100
  std::string before = t.l.dump();
  auto r = t.l.apply(prune_op_text(), 5000, "node1");
  EXPECT_EQ(r.rfind("error: not authorised", 0), 0u) << r;
  EXPECT_EQ(t.l.dump(), before);
  EXPECT_EQ(t.l.get("L2/L1a#1").kind, LookupKind::kFound);
  EXPECT_EQ(t.l.apply(prune_op_text(), 5000, "node0"), "ok: pruned 1");
}

TEST(ContractStateMachine, MalformedOpsChangeNothing) {
  AtL1a t;
  std::string before = t.l.dump();
  Packet p = t.w.first_packet(kT0);
  Json with_body = Json{{"action", "packet"}, {"packet", to_json(p)}, {"cert", to_json(t.w.certify(p, "L2/L1a/E1", 1))}};
  Json bad_route = Json{{"action", "packet"}, {"packet", envelope_json(p)}, {"cert", to_json(t.w.certify(p, "L2/L1a/E1", 1))}};
  bad_route["packet"]["route"]["dst"] = Json::array({"L2", "L2/L1b", "L2/L1b/E3"});
  for (const std::string& bad :
       {std::string("put a b"), std::string("contract:"), std::string("contract:[]"),
        std::string("contract:{\"action\":\"packet\"}"), std::string("contract:{\"action\":\"explode\"}"),
        std::string("contract:{\"action\":\"prune\",\"x\":1}"),
        std::string(kContractOpPrefix) + codec::canonical(with_body).value(),
        std::string(kContractOpPrefix) + codec::canonical(bad_route).value(),
        std::string(kContractOpPrefix) + std::string(20000, ' ')}) {
    auto r = t.l.apply(bad, 100);
    EXPECT_EQ(r.rfind("error:", 0), 0u) << bad.substr(0, 80) << " -> " << r;
  }
  EXPECT_EQ(t.l.dump(), before);
}

TEST(ContractStateMachine, DeterministicAcrossReplicas) {
  AtL1a t;
  Layer other("L2/L1a", t.w);
  std::vector<std::pair<std::string, std::int64_t>> ops = {
      {t.first(kT0), 10},
      {t.first(kT0 + 1, 50), 20},
      {t.follow("L2/L1a#1", kT0 + 2), 30},
      {t.follow("L2/L1a#1", kT0 + 2), 40},
      {prune_op_text(), 100},
      {t.follow("L2/L1a#1", kT0 + 3, PacketKind::kEnd), 110}};
  for (const auto& [text, time] : ops) EXPECT_EQ(t.l.apply(text, time), other.apply(text, time));
  EXPECT_EQ(t.l.dump(), other.dump());
  EXPECT_NE(t.l.dump().find("pruned_at"), std::string::npos);
}

// The whole route E1 -> L1a -> L2 -> L1b -> E3 and back, each layer ordering
// the packet (Statement 1 checked inside) and certifying what it forwards.
TEST(ContractStateMachine, FiveLayerRouteAndReply) {
  World w;
  std::map<std::string, std::unique_ptr<Layer>> layers;
  for (const char* p : {"L2/L1a", "L2", "L2/L1b"}) layers[p] = std::make_unique<Layer>(p, w);
  auto travel = [&](Packet p, const std::string& origin) {
    LayerCertificate cert = w.certify(p, origin, 1);
    std::vector<std::string> receipts;
    while (p.route.dst.size() > 1) {
      std::string here = p.route.dst.front();
      std::string r = layers.at(here)->apply(contract_op_text(p, cert).value(), 1000, "responsible-of-" + here);
      EXPECT_EQ(r.rfind("ok: ", 0), 0u) << here << ": " << r;
      std::string id = r.substr(4);
      receipts.push_back(id);
      EXPECT_TRUE(advance(p, here, id).ok());
      cert = w.certify(p, here, 2);  // f + 1 of 4
    }
    // The destination edge checks the last certificate.
    const std::string& last = p.route.src.front();
    EXPECT_TRUE(verify_certificate(cert, p, last, w.layers.at(last).keys(), w.verifier).ok());
    return std::pair{p, receipts};
  };
  auto [arrived, ids] = travel(w.first_packet(), "L2/L1a/E1");
  EXPECT_EQ(ids, (std::vector<std::string>{"L2/L1a#1", "L2#1", "L2/L1b#1"}));
  auto d = open_packet(arrived, *edge_seal_key(w.e3));
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(d->to, w.b());

  // B replies and ends: the route reversed, the ids reversed.
  Outgoing reply;
  reply.kind = PacketKind::kEnd;
  reply.from = w.b();
  reply.to = w.a();
  reply.message = Json{{"accept", true}};
  reply.timestamp_ms = kT0 + 777;
  reply.ttl_ms = 60'000;
  reply.contract_ids = {ids.rbegin(), ids.rend()};
  auto rp = make_packet(reply, w.e3, pseudonym_secret(w.e3), edge_seal_key(w.e1)->public_key());
  ASSERT_TRUE(rp.ok()) << rp.status().to_string();
  EXPECT_EQ(rp->route.dst, (std::vector<std::string>{"L2/L1b", "L2", "L2/L1a", "L2/L1a/E1"}));
  auto [back, ids2] = travel(*rp, "L2/L1b/E3");
  EXPECT_EQ(ids2, (std::vector<std::string>{"L2/L1b#1", "L2#1", "L2/L1a#1"}));
  EXPECT_TRUE(open_packet(back, *edge_seal_key(w.e1)).ok());
  for (auto& [path, l] : layers) {
    auto b = l->get(path + "#1");
    ASSERT_EQ(b.kind, LookupKind::kFound);
    EXPECT_TRUE(b.block->accomplished);
    EXPECT_EQ(b.block->k.size(), 2u);
    // Only sums, ids and pseudonyms: neither the message nor the UUIDs.
    EXPECT_EQ(l->dump().find("temperature"), std::string::npos);
    EXPECT_EQ(l->dump().find("00000000000000aa"), std::string::npos);
  }
  // The reply delivered again at L1b changes nothing (the very packet: a
  // retry), even though its block is accomplished; the destination edge
  // refuses a second delivery.
  std::string again = contract_op_text(*rp, w.certify(*rp, "L2/L1b/E3", 1)).value();
  std::string before = layers.at("L2/L1b")->dump();
  EXPECT_EQ(layers.at("L2/L1b")->apply(again, 2000), "ok: L2/L1b#1");
  EXPECT_EQ(layers.at("L2/L1b")->dump(), before);
  EXPECT_EQ(layers.at("L2/L1b")->alarms_raised(), 0u);
  // A tampered copy (another sum, same certificate) fails Statement 1.
  Packet forged = *rp;
  forged.sum[0] ^= 1;
  std::string f = contract_op_text(forged, w.certify(*rp, "L2/L1b/E3", 1)).value();
  EXPECT_EQ(layers.at("L2/L1b")->apply(f, 2000).rfind("error: statement 1", 0), 0u);
}

}  // namespace
}  // namespace mlchain::contract
