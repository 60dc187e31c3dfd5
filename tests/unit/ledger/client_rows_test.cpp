// Recovery with many client rows: the ledger hands the replica no client
// ids (its `clients` table grows with every key that ever executed an op);
// a restarted Replica reads them through Ledger::client_lookup() on demand
// and dedups exactly as before, with at most max_cached_clients in memory.
#include <gtest/gtest.h>

#include "mlchain/ledger/ledger.h"
#include "mlchain/sim/fake_crypto.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::ledger {
namespace {

using consensus::Request;

constexpr std::int64_t kT0 = 1'700'000'000'000;

struct Chain {
  sim::FakeKeyring ring = sim::make_fake_keyring(4, 5);
  Blueprint bp;
  KvStateMachine app;
  std::unique_ptr<store::Store> store = store::make_memory_store();

  Chain() {
    bp.layer_path = "L1";
    bp.genesis_time_ms = kT0;
    for (int i = 0; i < 4; ++i)
      bp.members.push_back(MemberInfo{"n" + std::to_string(i), ring.signers[i]->public_key(),
                                      "https://10.0.0." + std::to_string(i) + ":7000", true});
  }

  consensus::Execute batch(std::uint64_t seq, std::vector<Request> ops) const {
    consensus::PrePrepare pp;
    pp.seq = seq;
    pp.time_ms = kT0 + static_cast<std::int64_t>(seq);
    pp.requests = std::move(ops);
    consensus::Execute e;
    e.seq = seq;
    e.pre_prepare = pp;
    for (consensus::ReplicaId r : {0u, 1u, 2u})
      e.commits.push_back(consensus::signed_part(consensus::Commit{0, 0, seq, pp.digest(), r, {}}, *ring.signers[r]));
    return e;
  }
};

std::string client(int k) { return "client-" + std::to_string(k); }

std::uint64_t dropped(const consensus::Replica& r, const std::string& reason) {
  auto it = r.drops().find(reason);
  return it == r.drops().end() ? 0 : it->second;
}

TEST(LedgerClients, RecoveryLoadsNoClientRowsAndARestartedReplicaStillDedups) {
  Chain c;
  constexpr int kBlocks = 40, kPerBlock = 25;  // 1,000 client rows
  {
    auto l = Ledger::open(*c.store, c.bp, c.app);
    ASSERT_TRUE(l.ok());
    for (int b = 0; b < kBlocks; ++b) {
      std::vector<Request> ops;
      for (int k = 0; k < kPerBlock; ++k) ops.push_back(Request{client(b * kPerBlock + k), 7, to_bytes("put k v")});
      ASSERT_TRUE((*l)->apply(c.batch(static_cast<std::uint64_t>(b + 1), std::move(ops))).ok());
    }
  }
  auto l = Ledger::open(*c.store, c.bp, c.app);
  ASSERT_TRUE(l.ok());
  auto recovered = (*l)->recover();
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->last_executed, static_cast<std::uint64_t>(kBlocks));
  auto row = (*l)->last_request_id(client(123));
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->value_or(0), 7u);

  consensus::ReplicaOptions o = replica_options(c.bp.params);
  o.max_cached_clients = 8;
  consensus::Replica r(1, (*l)->epoch_config(), o, *c.ring.signers[1], c.ring.verifier, std::move(recovered).value());
  r.set_client_lookup((*l)->client_lookup());
  EXPECT_EQ(r.clients().size(), 0u);  // nothing loaded up front
  auto now = from_unix_millis(kT0 + 1000);
  (void)r.step(consensus::Event{now, consensus::Start{}});

  std::size_t resent = 0;
  for (int k = 0; k < kBlocks * kPerBlock; k += 37) {
    auto old = r.step(consensus::Event{now, consensus::ClientRequest{Request{client(k), 6, to_bytes("put k w")}}});
    auto same = r.step(consensus::Event{now, consensus::ClientRequest{Request{client(k), 7, to_bytes("put k v")}}});
    EXPECT_TRUE(old.empty());
    for (const auto& a : same)
      if (const auto* rr = std::get_if<consensus::ResendReply>(&a); rr && rr->client == client(k) && rr->request_id == 7)
        ++resent;
    EXPECT_LE(r.clients().size(), o.max_cached_clients + 1);  // +1: the client of the step just taken
  }
  std::size_t asked = (kBlocks * kPerBlock + 36) / 37;
  EXPECT_EQ(dropped(r, "old_request"), asked);
  EXPECT_EQ(resent, asked);
  EXPECT_EQ(r.pending_requests(), 0u);
  // A client that never executed anything is new.
  (void)r.step(consensus::Event{now, consensus::ClientRequest{Request{"fresh", 1, to_bytes("put k v")}}});
  EXPECT_EQ(r.pending_requests(), 1u);
}

}  // namespace
}  // namespace mlchain::ledger
