// Issue 13: what one byzantine member (or client) must not be able to do to
// a replica — lock a client out with forged request ids, livelock the layer
// with batches too large for a link, fill its buffers with unverified
// messages, vote above an epoch boundary, or trip it up with stale records
// after a crash across an epoch switch. Each test fails without its fix.
#include <gtest/gtest.h>

#include "cluster.h"
#include "mlchain/consensus/reconfig.h"

namespace mlchain::consensus {
namespace {

using testing::Cluster;
using testing::req;

// A request is authentic unless its op says it was forged (a stand-in for a
// signature that does not verify against the client's key).
bool authentic(const Request& r) { return to_string(r.op).rfind("forged", 0) != 0; }

std::uint64_t dropped(Replica& r, const std::string& why) {
  auto it = r.drops().find(why);
  return it == r.drops().end() ? 0 : it->second;
}

std::size_t sends_of(Cluster& c, ReplicaId i, const std::function<bool(const Message&)>& what) {
  std::size_t n = 0;
  for (const auto& step : c.log(i))
    for (const auto& a : step)
      if (const auto* s = std::get_if<Send>(&a); s && what(*s->message)) ++n;
  return n;
}

constexpr std::uint64_t kMaxId = UINT64_MAX;

// Item 1: a byzantine backup relays "admin, id 2^64-1" once. Refused before
// ordering; the admin's own request 1 still commits everywhere.
TEST(ByzantineMember, ForgedRequestIdIsRefusedBeforeOrdering) {
  Cluster c(4);
  c.set_authenticator(authentic);
  Request forged{"admin", kMaxId, to_bytes("forged put k v")};
  for (ReplicaId to : {0u, 2u, 3u}) c.inject(1, to, ForwardedRequest{forged, 1, {}});
  c.pump();
  EXPECT_EQ(dropped(c.at(0), "unauthenticated_request"), 1u);
  EXPECT_EQ(c.at(0).pending_requests(), 0u);
  c.request_all(req("admin", 1));
  c.pump();
  c.fire(0, TimerKind::kBatch);
  c.pump();
  for (ReplicaId i = 0; i < 4; ++i) {
    EXPECT_EQ(c.at(i).last_request_id("admin").value_or(99), 1u) << "replica " << i;
    ASSERT_FALSE(c.executed(i).empty());
  }
}

// Item 1: a byzantine primary orders the forged request itself. Backups do
// not prepare that batch.
TEST(ByzantineMember, BatchWithAnUnauthenticatedRequestGetsNoPrepare) {
  Cluster c(4);
  c.set_authenticator(authentic);
  PrePrepare pp{0, 0, 1, unix_millis(c.now()), {Request{"admin", kMaxId, to_bytes("forged x")}}, 0, {}};
  for (ReplicaId to : {1u, 2u, 3u}) c.inject(0, to, signed_part(pp, c.signer(0)));
  c.pump();
  for (ReplicaId i : {1u, 2u, 3u}) {
    EXPECT_EQ(dropped(c.at(i), "unauthenticated_in_batch"), 1u);
    EXPECT_EQ(sends_of(c, i, [](const Message& m) { return std::holds_alternative<Prepare>(m); }), 0u);
  }
}

// Item 1, at execution: even a batch that was ordered (here a certified
// bundle, as after a view change re-proposes it) leaves the client's ids
// alone: the client's next request executes.
TEST(ByzantineMember, OrderedForgedRequestDoesNotAdvanceDedup) {
  Cluster c(4);
  c.set_authenticator(authentic);
  PrePrepare pp = signed_part(PrePrepare{0, 0, 1, unix_millis(c.now()), {Request{"admin", kMaxId, to_bytes("forged x")}}, 0, {}},
                              c.signer(0));
  CommittedBatch cb{pp, {}};
  for (ReplicaId r : {0u, 1u, 2u}) cb.commits.push_back(signed_part(Commit{0, 0, 1, pp.digest(), r, {}}, c.signer(r)));
  c.inject(0, 3, signed_part(BlockBundle{0, {cb}, std::nullopt, 0, {}}, c.signer(0)));
  c.pump([](const testing::InFlight& f) { return f.to == 3 && std::holds_alternative<BlockBundle>(*f.message); });
  ASSERT_EQ(c.at(3).last_executed(), 1u);
  EXPECT_EQ(c.at(3).last_request_id("admin").value_or(99), 0u);
  c.request(3, req("admin", 1));
  EXPECT_EQ(dropped(c.at(3), "old_request"), 0u);
  EXPECT_EQ(c.at(3).pending_requests(), 1u);
}

// Item 2: 60 KiB requests from many clients. The primary cuts batches by
// bytes, so every message it sends fits the link; a backup refuses a batch
// over the byte budget.
TEST(ByzantineMember, BatchesAreCutByBytesAndFitTheLink) {
  auto o = Cluster::small_options();
  o.batch_size = 64;
  o.checkpoint_interval = 8;
  o.log_window = 16;
  o.max_message_bytes = 1u << 20;
  Cluster c(4, o);
  std::size_t largest = 0;
  c.on_actions = [&](ReplicaId, const std::vector<Action>& actions) {
    for (const auto& a : actions)
      if (const auto* s = std::get_if<Send>(&a)) largest = std::max(largest, encode(*s->message).size());
  };
  std::string big(60 * 1024, 'b');
  for (int k = 0; k < 24; ++k) c.request_all(req("big" + std::to_string(k), 1, "put k " + big));
  auto ops_done = [&] {
    std::size_t ops = 0;
    for (const auto& e : c.executed(1)) ops += e.pre_prepare.requests.size();
    return ops;
  };
  for (int round = 0; round < 40 && ops_done() < 24; ++round) {
    c.pump();
    c.fire(0, TimerKind::kBatch);
    c.pump();
  }
  EXPECT_LE(largest, o.max_message_bytes);
  std::size_t ops = 0;
  for (const auto& e : c.executed(1)) ops += e.pre_prepare.requests.size();
  EXPECT_EQ(ops, 24u);
  EXPECT_GT(c.executed(1).size(), 1u);  // more than one batch: cut by bytes, not by count
  for (const auto& e : c.executed(1)) EXPECT_LE(request_bytes(e.pre_prepare.requests), c.at(0).budget().batch);

  // A primary that ignores the budget: refused.
  PrePrepare pp{0, 0, c.at(1).last_executed() + 1, unix_millis(c.now()), {}, 0, {}};
  for (int k = 0; k < 8; ++k) pp.requests.push_back(req("huge" + std::to_string(k), 1, "put k " + big));
  c.inject(0, 1, signed_part(pp, c.signer(0)));
  c.pump([](const testing::InFlight& f) { return f.to == 1; });
  EXPECT_EQ(dropped(c.at(1), "batch_too_large"), 1u);
}

// Item 6: while a replica enters a view it buffers that view's messages —
// only signed ones, and at most max_message_bytes from one sender.
TEST(ByzantineMember, BufferingForTheNextViewIsVerifiedAndBoundedPerSender) {
  auto o = Cluster::small_options();
  o.max_message_bytes = 1u << 20;
  Cluster c(4, o);
  c.fire(2, TimerKind::kRequest);  // no-op without pending requests
  c.request(2, req("a", 1));
  c.advance(Micros(500'000));
  c.fire(2, TimerKind::kRequest);  // relays to the primary
  c.advance(Micros(500'000));
  c.fire(2, TimerKind::kRequest);  // overdue again: replica 2 moves to view 1
  ASSERT_FALSE(c.at(2).active());
  ASSERT_EQ(c.at(2).view(), 1u);
  c.queue().clear();
  // Unsigned junk from replica 1 (the primary of view 1): nothing buffered.
  PrePrepare junk{0, 1, 1, unix_millis(c.now()), {req("j", 1, std::string(60 * 1024, 'j'))}, 1, {}};
  for (int k = 0; k < 50; ++k) c.inject(1, 2, junk);
  c.pump();
  EXPECT_EQ(c.at(2).buffered_messages(), 0u);
  EXPECT_EQ(dropped(c.at(2), "bad_signature"), 50u);
  // Signed, but far more than a message's worth: bounded.
  for (Seq s = 1; s <= 40; ++s) {
    PrePrepare pp{0, 1, s, unix_millis(c.now()), {req("j" + std::to_string(s), 1, std::string(60 * 1024, 'j'))}, 1, {}};
    c.inject(1, 2, signed_part(pp, c.signer(1)));
  }
  c.pump();
  ASSERT_TRUE(c.at(2).buffered_bytes().count(1));
  EXPECT_LE(c.at(2).buffered_bytes().at(1), o.max_message_bytes);
  EXPECT_GT(dropped(c.at(2), "buffer_full"), 0u);
  // Another sender's votes still fit.
  c.inject(3, 2, signed_part(Prepare{0, 1, 1, Digest{}, 3, {}}, c.signer(3)));
  c.pump();
  EXPECT_TRUE(c.at(2).buffered_bytes().count(3));
}

// Item 5: once a membership change is pending, a pre-prepare above its
// boundary is the next epoch's: a backup does not prepare it.
TEST(ByzantineMember, NoVoteAboveAPendingChangesBoundary) {
  Cluster c(4);  // k = 2, L = 4
  ConfigChange rm{ConfigAction::kRemoveMember, c.config().members[3], "n3", ""};
  // Order the change at seq 1 with only replicas 0..2 voting on seq 2 yet.
  c.request_all(Request{"admin", 1, make_config_op(rm)});
  c.fire(0, TimerKind::kBatch);
  c.pump([](const testing::InFlight& f) {
    // Hold the null batch at seq 2 back: the change stays pending.
    if (const auto* pp = std::get_if<PrePrepare>(&*f.message)) return pp->seq == 1;
    if (const auto* p = std::get_if<Prepare>(&*f.message)) return p->seq == 1;
    if (const auto* m = std::get_if<Commit>(&*f.message)) return m->seq == 1;
    return true;
  });
  ASSERT_EQ(c.at(1).last_executed(), 1u);
  ASSERT_EQ(c.at(1).config().epoch, 0u);
  // The primary proposes seq 3, above the boundary 2.
  PrePrepare ghost{0, 0, 3, unix_millis(c.now()), {req("g", 1)}, 0, {}};
  c.inject(0, 1, signed_part(ghost, c.signer(0)));
  c.pump([](const testing::InFlight& f) { return f.to == 1; });
  EXPECT_EQ(dropped(c.at(1), "above_proposal_limit"), 1u) << [&] {
    std::string d;
    for (const auto& [k, v] : c.at(1).drops()) d += k + "=" + std::to_string(v) + " ";
    return d;
  }();
  EXPECT_EQ(sends_of(c, 1, [](const Message& m) { const auto* p = std::get_if<Prepare>(&m); return p && p->seq == 3; }), 0u);
}

// Item 9: a crash between the switch block (durable with the ledger) and
// the erasure of the old epoch's log. The old slot must not block the new
// epoch's pre-prepare for the same seq.
TEST(ByzantineMember, RecoveryIgnoresSlotsOfAnEarlierEpoch) {
  Cluster c(4);
  // Epoch 1 (same members) starts after block 2; replica 1 still has the
  // record of an epoch-0 pre-prepare at seq 3.
  PrePrepare old = signed_part(PrePrepare{0, 0, 3, unix_millis(c.now()), {req("old", 1)}, 0, {}}, c.signer(0));
  RecoveredState r;
  r.last_executed = 2;
  r.config = EpochConfig{1, c.config().members};
  r.epoch_start = 2;
  r.records["view"] = R"({"active":true,"left_at":2,"vc_max":0,"view":0})";
  r.records["slot/00000000000000000003"] = codec::canonical({{"pp", to_json(Message(old))}, {"best", nullptr}}).value();
  Replica rep(1, c.config(), Cluster::small_options(), c.signer(1), c.verifier(), r);
  (void)rep.step(Event{c.now(), Start{}});
  PrePrepare fresh = signed_part(PrePrepare{1, 0, 3, unix_millis(c.now()), {req("new", 1)}, 0, {}}, c.signer(0));
  auto out = rep.step(Event{c.now(), PeerMessage{0, std::make_shared<const Message>(fresh)}});
  bool prepared = false;
  for (const auto& a : out)
    if (const auto* s = std::get_if<Send>(&a))
      if (const auto* p = std::get_if<Prepare>(&*s->message)) prepared = p->seq == 3 && p->epoch == 1 && p->digest == fresh.digest();
  EXPECT_TRUE(prepared);
  EXPECT_EQ(dropped(rep, "conflicting_pre_prepare"), 0u);
}

// Item 7: state keyed by attacker input is bounded. Fresh client keys are
// free: pending_ stops at max_pending; a member asking for blocks in a loop
// is served at most max_serves times per fetch_timeout.
TEST(ByzantineMember, PendingClientsAreBounded) {
  auto o = Cluster::small_options();
  o.max_pending = 8;
  Cluster c(4, o);
  for (int k = 0; k < 20; ++k) c.request(1, req("fresh" + std::to_string(k), 1));
  EXPECT_EQ(c.at(1).pending_requests(), 8u);
  EXPECT_EQ(dropped(c.at(1), "pending_full"), 12u);
}

TEST(ByzantineMember, StateTransferIsServedAtARate) {
  auto o = Cluster::small_options();
  o.max_serves = 3;
  Cluster c(4, o);
  c.request_all(req("a", 1));
  c.fire(0, TimerKind::kBatch);
  c.pump();
  ASSERT_EQ(c.at(0).last_executed(), 1u);
  c.queue().clear();
  auto serves = [&] {
    std::size_t n = 0;
    for (const auto& step : c.log(0))
      for (const auto& a : step) n += std::holds_alternative<ServeBlocks>(a) ? 1 : 0;
    return n;
  };
  std::size_t before = serves();
  for (int k = 0; k < 10; ++k) c.inject(2, 0, signed_part(FetchBlocks{0, 1, 2, {}}, c.signer(2)));
  c.pump([](const testing::InFlight& f) { return f.to == 0; });
  EXPECT_EQ(serves() - before, 3u);
  EXPECT_EQ(dropped(c.at(0), "fetch_rate"), 7u);
  c.advance(o.fetch_timeout);
  c.inject(2, 0, signed_part(FetchBlocks{0, 1, 2, {}}, c.signer(2)));
  c.pump([](const testing::InFlight& f) { return f.to == 0; });
  EXPECT_EQ(dropped(c.at(0), "fetch_rate"), 7u);  // a new window
}

}  // namespace
}  // namespace mlchain::consensus

namespace mlchain::consensus {
namespace {

// docs/reliability.md finding 3: the latest new-view (nearly a message's
// worth of prepared batches) rode every state-transfer answer, and two
// starved members of a layer with big prepared batches spent minutes
// re-encoding and re-checking it. It goes now only to an asker it tells
// something (a lower view, or changing into ours; an older asker that does
// not say), at most once per fetch timeout per peer.
TEST(StateTransfer, TheLatestNewViewGoesOnlyToAnAskerItTellsSomething) {
  auto o = Cluster::small_options();
  Cluster c(4, o);
  c.set_down(0, true);
  c.request_all(req("a", 1));
  c.pump();
  testing::time_out_all_but(c, 0);
  c.pump();
  ASSERT_EQ(c.at(1).view(), 1u);
  ASSERT_TRUE(c.at(1).active());
  c.request_all(req("b", 1));
  if (c.timer_set(1, TimerKind::kBatch)) c.fire(1, TimerKind::kBatch);
  c.pump();
  ASSERT_GT(c.at(1).last_executed(), 0u);
  c.queue().clear();
  std::size_t mark = c.log(1).size();
  // The ServeBlocks replica 1 emitted since the last call.
  auto serves = [&] {
    std::vector<ServeBlocks> out;
    for (std::size_t k = mark; k < c.log(1).size(); ++k)
      for (const auto& a : c.log(1)[k])
        if (const auto* sb = std::get_if<ServeBlocks>(&a)) out.push_back(*sb);
    mark = c.log(1).size();
    return out;
  };
  auto ask = [&](std::optional<View> view, bool changing, Seq from) {
    FetchBlocks f{0, from, 2, {}, view, changing};
    c.inject(2, 1, signed_part(f, c.signer(2)));
    c.pump([](const testing::InFlight& in) { return in.to == 1; });
    return serves();
  };
  Seq next = c.at(1).last_executed() + 1;

  EXPECT_TRUE(ask(View{1}, false, next).empty()) << "an active asker in our view learns nothing";
  auto s = ask(View{0}, true, next);
  ASSERT_EQ(s.size(), 1u) << "an asker in a lower view gets the new-view";
  EXPECT_TRUE(s[0].new_view);
  EXPECT_TRUE(ask(View{0}, true, next).empty()) << "not again within the fetch timeout";
  c.advance(o.fetch_timeout);
  s = ask(View{1}, true, next);
  ASSERT_EQ(s.size(), 1u) << "an asker changing into our view gets it";
  EXPECT_TRUE(s[0].new_view);
  c.advance(o.fetch_timeout);
  s = ask(std::nullopt, false, next);
  ASSERT_EQ(s.size(), 1u) << "an asker that does not say its view gets it";
  EXPECT_TRUE(s[0].new_view);
  // Blocks are still served, without the new-view, to an asker in our view.
  s = ask(View{1}, false, 1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_FALSE(s[0].new_view);
}

TEST(StateTransfer, FetchBlocksCarriesTheAskersViewSigned) {
  FetchBlocks f{3, 17, 2, {}, View{5}, true};
  auto back = decode(encode(Message(f)));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  const auto& g = std::get<FetchBlocks>(*back);
  EXPECT_EQ(g.asker_view, std::optional<View>(5));
  EXPECT_TRUE(g.changing);
  FetchBlocks old{3, 17, 2, {}};
  auto back_old = decode(encode(Message(old)));
  ASSERT_TRUE(back_old.ok());
  EXPECT_FALSE(std::get<FetchBlocks>(*back_old).asker_view.has_value());
}

}  // namespace
}  // namespace mlchain::consensus
