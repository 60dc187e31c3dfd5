// The bounded dedup state (client_table.h): the cache itself, and a replica
// whose cache is far smaller than the number of clients it executed.
#include <gtest/gtest.h>

#include "cluster.h"
#include "mlchain/consensus/client_table.h"

namespace mlchain::consensus {
namespace {

using testing::Cluster;
using testing::req;

// A stand-in for the ledger's `clients` table.
struct Durable {
  std::map<std::string, std::uint64_t, std::less<>> rows;
  std::uint64_t reads = 0;
  ClientLookup lookup() {
    return [this](std::string_view c) -> Result<std::optional<std::uint64_t>> {
      ++reads;
      auto it = rows.find(c);
      return it == rows.end() ? std::optional<std::uint64_t>() : std::optional<std::uint64_t>(it->second);
    };
  }
};

TEST(ClientTable, MissReadsTheLookupOnceAndCachesIt) {
  Durable d;
  d.rows["a"] = 7;
  ClientTable t(4);
  t.set_lookup(d.lookup());
  EXPECT_EQ(*t.last("a"), 7u);
  EXPECT_EQ(*t.last("a"), 7u);
  EXPECT_EQ(*t.last("nobody"), 0u);
  EXPECT_EQ(d.reads, 2u);
  EXPECT_EQ(t.lookups(), 2u);
  EXPECT_TRUE(t.cached("a"));
}

TEST(ClientTable, TrimEvictsTheLeastRecentlyUsedCleanEntries) {
  Durable d;
  for (const char* c : {"a", "b", "c", "d"}) d.rows[c] = 1;
  ClientTable t(2);
  t.set_lookup(d.lookup());
  for (const char* c : {"a", "b", "c", "d"}) ASSERT_TRUE(t.last(c).ok());
  ASSERT_TRUE(t.last("a").ok());  // a is the most recent now
  t.trim(0);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_TRUE(t.cached("a"));
  EXPECT_TRUE(t.cached("d"));
  EXPECT_FALSE(t.cached("b"));
  EXPECT_EQ(t.evictions(), 2u);
  // An evicted client is read again, with the same answer.
  EXPECT_EQ(*t.last("b"), 1u);
}

// Executed in batch 5 but not applied yet (the lookup still says 1): such an
// entry must outlive any trim below 5, or dedup would go back to 1.
TEST(ClientTable, NeverEvictsAnIdNewerThanTheLookups) {
  Durable d;
  for (const char* c : {"a", "b", "c"}) d.rows[c] = 1;
  ClientTable t(1);
  t.set_lookup(d.lookup());
  for (const char* c : {"a", "b", "c"}) {
    ASSERT_TRUE(t.last(c).ok());
    t.advance(c, 2, 5);
  }
  t.trim(4);
  EXPECT_EQ(t.size(), 3u);
  for (const char* c : {"a", "b", "c"}) EXPECT_EQ(*t.last(c), 2u) << c;
  for (const char* c : {"a", "b", "c"}) d.rows[c] = 2;  // the driver applied batch 5
  t.trim(5);
  EXPECT_EQ(t.size(), 1u);
  for (const char* c : {"a", "b", "c"}) EXPECT_EQ(*t.last(c), 2u) << c;
}

TEST(ClientTable, WithoutALookupNothingIsEvicted) {
  ClientTable t(1);
  t.advance("a", 3, 1);
  t.advance("b", 4, 1);
  t.trim(10);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(*t.last("a"), 3u);
}

TEST(ClientTable, AFailedLookupIsReportedAndNotCached) {
  ClientTable t(4);
  bool fail = true;
  t.set_lookup([&](std::string_view) -> Result<std::optional<std::uint64_t>> {
    if (fail) return io_error("disk gone");
    return std::optional<std::uint64_t>(9);
  });
  EXPECT_FALSE(t.last("a").ok());
  EXPECT_FALSE(t.cached("a"));
  fail = false;
  EXPECT_EQ(*t.last("a"), 9u);
}

std::uint64_t dropped(const Replica& r, const std::string& reason) {
  auto it = r.drops().find(reason);
  return it == r.drops().end() ? 0 : it->second;
}

bool resent(Cluster& c, ReplicaId i, const std::string& client, std::uint64_t id) {
  for (const auto& actions : c.log(i))
    for (const auto& a : actions)
      if (const auto* r = std::get_if<ResendReply>(&a); r && r->client == client && r->request_id == id) return true;
  return false;
}

ReplicaOptions tiny_cache() {
  auto o = Cluster::small_options();
  o.max_cached_clients = 2;
  return o;
}

// 12 clients through a cache of 2 on every replica: the early clients are
// evicted long before they come back, and only the lookup (the ledger's
// table) still knows they executed id 3. Without it, id 2 would execute again.
TEST(BoundedClients, EvictedClientsStillDedupThroughTheLookup) {
  Cluster c(4, tiny_cache());
  for (int k = 0; k < 12; ++k) c.request_all(req("c" + std::to_string(k), 3));
  c.pump();
  c.fire(0, TimerKind::kBatch);  // the last partial batch, if any
  c.pump();
  for (ReplicaId i = 0; i < 4; ++i) {
    std::size_t ops = 0;
    for (const auto& e : c.executed(i)) ops += e.pre_prepare.requests.size();
    ASSERT_EQ(ops, 12u) << "replica " << i;
    EXPECT_EQ(c.durable_clients(i).size(), 12u);
  }
  c.advance(Micros(10));
  for (ReplicaId i = 0; i < 4; ++i) c.step(i, Event{c.now(), TimerFired{TimerKind::kFetch}});  // any step trims
  for (ReplicaId i = 0; i < 4; ++i) {
    EXPECT_LE(c.at(i).clients().size(), 2u) << "replica " << i;
    EXPECT_FALSE(c.at(i).clients().cached("c0")) << "replica " << i;
  }
  std::size_t before = c.executed(1).size();
  auto reads = c.lookups(1);
  c.request_all(req("c0", 2));  // older than what c0 executed
  c.request_all(req("c0", 3));  // its last: the reply is sent again
  c.pump();
  c.fire(0, TimerKind::kBatch);
  c.pump();
  for (ReplicaId i = 0; i < 4; ++i) {
    EXPECT_EQ(dropped(c.at(i), "old_request"), 1u) << "replica " << i;
    EXPECT_TRUE(resent(c, i, "c0", 3)) << "replica " << i;
    EXPECT_EQ(c.at(i).pending_requests(), 0u);
  }
  EXPECT_EQ(c.executed(1).size(), before);
  EXPECT_GT(c.lookups(1), reads);
  // And a new id of the evicted client executes as usual.
  c.request_all(req("c0", 4));
  c.fire(0, TimerKind::kBatch);
  c.pump();
  EXPECT_EQ(c.durable_clients(1).at("c0"), 4u);
}

// A restart recovers no client ids at all (RecoveredState has none): the
// restarted replica dedups from the lookup alone.
TEST(BoundedClients, RestartedReplicaDedupsFromTheLookup) {
  Cluster c(4, tiny_cache());
  for (int k = 0; k < 6; ++k) c.request_all(req("c" + std::to_string(k), 5));
  c.pump();
  c.fire(0, TimerKind::kBatch);
  c.pump();
  ASSERT_EQ(c.durable_clients(2).size(), 6u);
  c.restart(2);
  EXPECT_EQ(c.at(2).clients().size(), 0u);
  c.request(2, req("c1", 4));
  c.request(2, req("c3", 5));
  EXPECT_EQ(dropped(c.at(2), "old_request"), 1u);
  EXPECT_TRUE(resent(c, 2, "c3", 5));
  EXPECT_EQ(c.at(2).pending_requests(), 0u);
}

// A store that cannot be read refuses the request (the client retries)
// instead of guessing that the client is new.
TEST(BoundedClients, FailedLookupRefusesTheRequest) {
  Cluster c(4, tiny_cache());
  c.set_fail_lookups(true);
  c.request(1, req("x", 1));
  EXPECT_EQ(dropped(c.at(1), "client_lookup_failed"), 1u);
  EXPECT_EQ(c.at(1).pending_requests(), 0u);
  c.set_fail_lookups(false);
  c.request(1, req("x", 1));
  EXPECT_EQ(c.at(1).pending_requests(), 1u);
}

}  // namespace
}  // namespace mlchain::consensus
