#include <gtest/gtest.h>

#include <filesystem>

#include "mlchain/ledger/ledger.h"
#include "mlchain/ledger/verify.h"
#include "mlchain/sim/fake_crypto.h"
#include "mlchain/store/lmdb_store.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::ledger {
namespace {

using consensus::Commit;
using consensus::Execute;
using consensus::PrePrepare;
using consensus::Request;

struct Fixture {
  sim::FakeKeyring ring = sim::make_fake_keyring(4, 3);
  Blueprint bp;
  KvStateMachine app;

  Fixture() {
    bp.layer_path = "L1";
    bp.genesis_time_ms = 1'700'000'000'000;
    for (int i = 0; i < 4; ++i)
      bp.members.push_back(MemberInfo{"n" + std::to_string(i), ring.signers[i]->public_key(),
                                      "https://10.0.0." + std::to_string(i) + ":7000", true});
  }

  // A committed batch at `seq` with commits from `signers`.
  Execute batch(std::uint64_t seq, std::vector<Request> ops, std::int64_t time_ms,
                std::vector<consensus::ReplicaId> signers = {0, 1, 2}) const {
    PrePrepare pp;
    pp.seq = seq;
    pp.time_ms = time_ms;
    pp.requests = std::move(ops);
    Execute e;
    e.seq = seq;
    e.pre_prepare = pp;
    for (auto r : signers)
      e.commits.push_back(consensus::signed_part(Commit{0, 0, seq, pp.digest(), r, {}}, *ring.signers[r]));
    e.chain_digest[0] = static_cast<std::uint8_t>(seq);
    return e;
  }
};

Request op(const std::string& client, std::uint64_t id, const std::string& text) {
  return Request{client, id, to_bytes(text)};
}

TEST(Genesis, SameBlueprintSameHashAndStrictJson) {
  Fixture f;
  auto a = make_genesis(f.bp).hash();
  EXPECT_EQ(make_genesis(f.bp).hash(), a);
  auto back = blueprint_from_json(to_json(f.bp));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(make_genesis(*back).hash(), a);
  Blueprint other = f.bp;
  other.members[3].address = "https://elsewhere:1";
  EXPECT_NE(make_genesis(other).hash(), a);
  auto j = to_json(f.bp);
  j["surprise"] = 1;
  EXPECT_FALSE(blueprint_from_json(j).ok());
  auto dup = to_json(f.bp);
  dup["members"][1]["key"] = dup["members"][0]["key"];
  EXPECT_FALSE(blueprint_from_json(dup).ok());
}

TEST(Ledger, AppliesBlocksThatLinkAndCarryValidCertificates) {
  Fixture f;
  auto store = store::make_memory_store();
  auto l = Ledger::open(*store, f.bp, f.app);
  ASSERT_TRUE(l.ok()) << l.status().to_string();
  const std::int64_t t0 = f.bp.genesis_time_ms;
  auto a1 = (*l)->apply(f.batch(1, {op("c", 1, "put x 1")}, t0 + 1000));
  ASSERT_TRUE(a1.ok()) << a1.status().to_string();
  auto a2 = (*l)->apply(f.batch(2, {op("c", 2, "get x")}, t0 + 900));  // proposer clock went back
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2->block.time_ms, t0 + 1000);  // block time never goes backwards
  EXPECT_EQ(to_string(a2->replies[0].result), "1");
  EXPECT_TRUE(verify_link(a1->block, a2->block).ok());
  auto cfg = epoch_config(f.bp);
  EXPECT_TRUE(verify_certificate(a2->block, cfg, f.ring.verifier).ok());
  auto genesis = (*l)->block(0);
  ASSERT_TRUE(genesis.ok() && genesis->has_value());
  EXPECT_EQ((*genesis)->hash(), (*l)->genesis_hash());
  EXPECT_TRUE(verify_link(**genesis, a1->block).ok());
  EXPECT_EQ((*l)->height(), 2u);
  EXPECT_FALSE((*l)->apply(f.batch(5, {}, 1)).ok());  // not the next height
}

TEST(Verify, RejectsShortForgedOrForeignCertificates) {
  Fixture f;
  auto store = store::make_memory_store();
  auto l = Ledger::open(*store, f.bp, f.app);
  ASSERT_TRUE(l.ok());
  auto cfg = epoch_config(f.bp);
  auto few = (*l)->apply(f.batch(1, {op("c", 1, "put a 1")}, 10, {0, 1}));
  ASSERT_TRUE(few.ok());
  EXPECT_EQ(verify_certificate(few->block, cfg, f.ring.verifier).code(), ErrorCode::kVerificationFailed);
  auto good = (*l)->apply(f.batch(2, {op("c", 2, "put a 2")}, 10));
  ASSERT_TRUE(good.ok());
  Block b = good->block;
  b.certificate.signatures[1].second[0] ^= 1;
  EXPECT_FALSE(verify_certificate(b, cfg, f.ring.verifier).ok());
  b = good->block;
  b.certificate.signatures[2] = b.certificate.signatures[1];  // one signer counted twice
  EXPECT_FALSE(verify_certificate(b, cfg, f.ring.verifier).ok());
  b = good->block;
  b.ops[0].op = to_bytes("put a 3");  // ops changed after commit
  EXPECT_FALSE(verify_certificate(b, cfg, f.ring.verifier).ok());
  b = good->block;
  b.certificate.epoch = 1;
  EXPECT_FALSE(verify_certificate(b, cfg, f.ring.verifier).ok());
  auto other = sim::make_fake_keyring(4, 99);
  consensus::EpochConfig foreign;
  for (auto& s : other.signers) foreign.members.push_back(s->public_key());
  EXPECT_FALSE(verify_certificate(good->block, foreign, other.verifier).ok());
}

TEST(Ledger, RequestsExecuteAtMostOnce) {
  Fixture f;
  auto store = store::make_memory_store();
  auto l = Ledger::open(*store, f.bp, f.app);
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE((*l)->apply(f.batch(1, {op("c", 1, "put n 1")}, 10)).ok());
  auto again = (*l)->apply(f.batch(2, {op("c", 1, "put n 2")}, 10));  // same id, re-proposed
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(to_string(again->replies[0].result), "ok");
  auto read = (*l)->apply(f.batch(3, {op("d", 1, "get n")}, 10));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(to_string(read->replies[0].result), "1");
  auto cached = (*l)->cached_reply("c");
  ASSERT_TRUE(cached.ok() && cached->has_value());
  EXPECT_EQ((*cached)->request_id, 1u);
}

// A state machine that fails half-way: the block must leave no trace.
class FailingApp final : public StateMachine {
 public:
  Result<Bytes> apply(store::WriteTxn& txn, const Request& r, const OpContext&) override {
    if (to_string(r.op) == "boom") return io_error("disk on fire");
    MLCHAIN_TRY(txn.put("kv", "touched", "yes"));
    return to_bytes("ok");
  }
};

TEST(Ledger, ApplyIsOneTransaction) {
  Fixture f;
  FailingApp app;
  auto store = store::make_memory_store();
  auto l = Ledger::open(*store, f.bp, app);
  ASSERT_TRUE(l.ok());
  EXPECT_FALSE((*l)->apply(f.batch(1, {op("c", 1, "fine"), op("d", 1, "boom")}, 10)).ok());
  EXPECT_EQ((*l)->height(), 0u);
  auto txn = store->begin_read();
  ASSERT_TRUE(txn.ok());
  auto touched = (*txn)->get("kv", "touched");
  EXPECT_TRUE(!touched.ok() || !touched->has_value());
  auto blk = (*l)->block(1);
  ASSERT_TRUE(blk.ok());
  EXPECT_FALSE(blk->has_value());
}

TEST(Ledger, RestartsFromLmdbExactlyWhereItCommitted) {
  Fixture f;
  auto dir = std::filesystem::temp_directory_path() / ("mlchain-ledger-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Digest head{};
  {
    auto store = store::open_lmdb(dir);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    auto l = Ledger::open(**store, f.bp, f.app);
    ASSERT_TRUE(l.ok());
    for (std::uint64_t h = 1; h <= 3; ++h)
      ASSERT_TRUE((*l)->apply(f.batch(h, {op("c", h, "put k " + std::to_string(h))}, 10)).ok());
    ASSERT_TRUE((*l)->persist(consensus::Persist{"view", "{\"active\":true,\"view\":2}", false}).ok());
    head = (*l)->head_hash();
  }
  {
    auto store = store::open_lmdb(dir);
    ASSERT_TRUE(store.ok());
    auto l = Ledger::open(**store, f.bp, f.app);
    ASSERT_TRUE(l.ok()) << l.status().to_string();
    EXPECT_EQ((*l)->height(), 3u);
    EXPECT_EQ((*l)->head_hash(), head);
    auto r = (*l)->recover();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->last_executed, 3u);
    EXPECT_EQ(r->chain_digest[0], 3);
    auto c = (*l)->last_request_id("c");  // read on demand, not recovered (see RecoveredState)
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->value_or(0), 3u);
    EXPECT_EQ(r->records.at("view"), "{\"active\":true,\"view\":2}");
    auto batches = (*l)->committed_batches(2, 10);
    ASSERT_TRUE(batches.ok());
    ASSERT_EQ(batches->size(), 2u);
    EXPECT_EQ((*batches)[0].pre_prepare.seq, 2u);
    EXPECT_EQ((*batches)[0].commits.front().digest, (*batches)[0].pre_prepare.digest());
    // Another layer's blueprint must not open this chain.
    Blueprint other = f.bp;
    other.layer_path = "L9";
    EXPECT_EQ(Ledger::open(**store, other, f.app).status().code(), ErrorCode::kFailedPrecondition);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mlchain::ledger

namespace mlchain::ledger {
namespace {

TEST(LedgerReconfig, EpochChangesAtTheBoundaryAndSurvivesRestart) {
  Fixture f;
  f.bp.params.checkpoint_interval = 2;
  f.bp.params.log_window = 4;
  auto store = store::make_memory_store();
  consensus::ConfigChange rm{consensus::ConfigAction::kRemoveMember, f.ring.signers[3]->public_key(), "n3", ""};
  {
    auto l = Ledger::open(*store, f.bp, f.app);
    ASSERT_TRUE(l.ok());
    ASSERT_TRUE((*l)->apply(f.batch(1, {Request{"admin", 1, consensus::make_config_op(rm)}}, 10)).ok());
    EXPECT_EQ((*l)->epoch_config().epoch, 0u);  // not before the boundary
    auto r = (*l)->recover();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->pending_changes.size(), 1u);  // a crash here must not lose the change
  }
  auto l = Ledger::open(*store, f.bp, f.app);
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE((*l)->apply(f.batch(2, {}, 10)).ok());
  EXPECT_EQ((*l)->epoch_config().epoch, 1u);
  EXPECT_EQ((*l)->epoch_config().n(), 3u);
  auto r = (*l)->recover();
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->config.has_value());
  EXPECT_EQ(r->config->epoch, 1u);
  EXPECT_EQ(r->epoch_start, 2u);
  EXPECT_TRUE(r->pending_changes.empty());
  auto e0 = (*l)->epoch_config_of(0);
  ASSERT_TRUE(e0.ok());
  EXPECT_EQ(e0->n(), 4u);
  EXPECT_EQ((*l)->epoch_config_of(7).status().code(), ErrorCode::kNotFound);
  // Blocks of epoch 0 still verify against epoch 0's members.
  auto b1 = (*l)->block(1);
  ASSERT_TRUE(b1.ok() && b1->has_value());
  EXPECT_TRUE(verify_certificate(**b1, *e0, f.ring.verifier).ok());
}

// Issue 13 item 1: an op its client did not send executes as a refused
// no-op and writes no dedup row; the client's own id 1 executes after it.
TEST(LedgerAttacks, UnauthenticatedOpsLeaveTheClientsIdsAlone) {
  Fixture f;
  auto store = store::make_memory_store();
  auto l = Ledger::open(*store, f.bp, f.app);
  ASSERT_TRUE(l.ok());
  (*l)->set_authenticator([](const Request& r) { return to_string(r.op).rfind("forged", 0) != 0; });
  auto a = (*l)->apply(f.batch(1, {op("admin", UINT64_MAX, "forged put k v")}, 10));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(to_string(a->replies[0].result).rfind("error: unauthenticated request", 0), 0u);
  auto cached = (*l)->cached_reply("admin");
  ASSERT_TRUE(cached.ok());
  EXPECT_FALSE(cached->has_value());
  auto last = (*l)->last_request_id("admin");
  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->has_value());
  auto b = (*l)->apply(f.batch(2, {op("admin", 1, "put k v")}, 10));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(to_string(b->replies[0].result), "ok");
}

// Issue 13 item 3: the ledger judges a config op by ITS epoch. The filter
// here authorises a change only when passed epoch 1 (a stand-in for a
// report-backed mark-invalid whose reporters are epoch-1 members); the
// ledger must pass its own epoch, 1 after the boundary block 2, so the
// change at block 3 takes effect at block 4.
TEST(LedgerAttacks, ConfigFilterGetsTheLedgersOwnEpoch) {
  Fixture f;
  f.bp.params.checkpoint_interval = 2;
  f.bp.params.log_window = 4;
  auto store = store::make_memory_store();
  auto l = Ledger::open(*store, f.bp, f.app);
  ASSERT_TRUE(l.ok());
  consensus::ConfigChange rm2{consensus::ConfigAction::kRemoveMember, f.ring.signers[2]->public_key(), "n2", ""};
  std::vector<consensus::Epoch> seen;
  (*l)->set_config_filter([&](const Request& r, const consensus::EpochConfig& in_force) -> std::optional<consensus::ConfigChange> {
    auto c = consensus::parse_config_op(r.op);
    if (!c) return std::nullopt;
    seen.push_back(in_force.epoch);
    if (c->key == rm2.key && in_force.epoch != 1) return std::nullopt;
    return c;
  });
  consensus::ConfigChange rm3{consensus::ConfigAction::kRemoveMember, f.ring.signers[3]->public_key(), "n3", ""};
  ASSERT_TRUE((*l)->apply(f.batch(1, {Request{"admin", 1, consensus::make_config_op(rm3)}}, 10)).ok());
  ASSERT_TRUE((*l)->apply(f.batch(2, {}, 10)).ok());
  ASSERT_EQ((*l)->epoch_config().epoch, 1u);
  // Block 3 is certified by epoch 1's members (n0, n1, n2).
  auto b3 = f.batch(3, {Request{"admin", 2, consensus::make_config_op(rm2)}}, 10);
  b3.epoch = 1;
  ASSERT_TRUE((*l)->apply(b3).ok());
  auto b4 = f.batch(4, {}, 10);
  b4.epoch = 1;
  ASSERT_TRUE((*l)->apply(b4).ok());
  EXPECT_EQ(seen, (std::vector<consensus::Epoch>{0, 1}));
  EXPECT_EQ((*l)->epoch_config().epoch, 2u);
  EXPECT_EQ((*l)->epoch_config().n(), 2u);
}

// Issue 13 item 2: a state-transfer bundle is cut by bytes (at least one
// block), so it fits a link.
TEST(LedgerAttacks, CommittedBatchesAreCutByBytes) {
  Fixture f;
  auto store = store::make_memory_store();
  auto l = Ledger::open(*store, f.bp, f.app);
  ASSERT_TRUE(l.ok());
  std::string big(40 * 1024, 'v');
  for (std::uint64_t s = 1; s <= 10; ++s)
    ASSERT_TRUE((*l)->apply(f.batch(s, {op("c" + std::to_string(s), 1, "put k " + big)}, 10)).ok());
  auto all = (*l)->committed_batches(1, 64);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 10u);
  auto cut = (*l)->committed_batches(1, 64, 100 * 1024);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->size(), 2u);
  auto one = (*l)->committed_batches(1, 64, 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
}

}  // namespace
}  // namespace mlchain::ledger
