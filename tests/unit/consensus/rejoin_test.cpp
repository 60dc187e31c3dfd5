// Rejoining a lower live view (consensus.md): a replica that changed view
// alone returns to the view a quorum commits in once state transfer shows it
// a commit certificate of that view, and withholds its commits there.
#include <gtest/gtest.h>

#include "cluster.h"

namespace mlchain::consensus {
namespace {

using testing::Cluster;
using testing::InFlight;
using testing::req;

bool isolated(const InFlight& f, ReplicaId lone) { return f.from == lone || f.to == lone; }

void commit_round(Cluster& c, ReplicaId lone, bool cut, std::uint64_t id) {
  c.request_all(req("a", id));
  c.request_all(req("b", id));
  c.pump([&](const InFlight& f) { return !(cut && isolated(f, lone)); });
}

// How many messages of kind M replica i has sent (a broadcast counts once).
template <class M>
std::size_t sent(Cluster& c, ReplicaId i) {
  std::size_t n = 0;
  for (const auto& actions : c.log(i))
    for (const auto& a : actions)
      if (const auto* s = std::get_if<Send>(&a); s && std::holds_alternative<M>(*s->message)) ++n;
  return n;
}
std::size_t view_changes_sent(Cluster& c, ReplicaId i) { return sent<ViewChange>(c, i); }
std::size_t commits_sent(Cluster& c, ReplicaId i) { return sent<Commit>(c, i); }

TEST(Rejoin, LoneReplicaReturnsToTheLiveViewAndWithholdsCommits) {
  Cluster c(4);
  const ReplicaId lone = 3;
  commit_round(c, lone, /*cut=*/true, 1);
  ASSERT_EQ(c.executed(0).size(), 1u);
  ASSERT_TRUE(c.executed(lone).empty());
  // Its requests go overdue (relay, then view change); its view-change timer
  // then keeps firing with nobody answering. Alone, it does not move on from
  // view 1 (PBFT's liveness rule: only with q replicas changing view); it
  // sends its view change again each time instead.
  for (int i = 0; i < 2; ++i) {
    c.advance(Micros(250'000));
    if (c.timer_set(lone, TimerKind::kRequest)) c.fire(lone, TimerKind::kRequest);
  }
  std::size_t sent_before = view_changes_sent(c, lone);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(c.timer_set(lone, TimerKind::kViewChange)) << "the view-change timer stopped after " << i << " firings";
    c.fire(lone, TimerKind::kViewChange);
  }
  ASSERT_EQ(c.at(lone).view(), 1u);
  ASSERT_FALSE(c.at(lone).active());
  EXPECT_EQ(view_changes_sent(c, lone), sent_before + 4);  // a broadcast each time
  c.pump([&](const InFlight& f) { return !isolated(f, lone); });
  // The quorum stays in view 0 (one wish is not f + 1) and keeps committing.
  for (std::uint64_t id = 2; id <= 4; ++id) commit_round(c, lone, /*cut=*/true, id);
  EXPECT_EQ(c.at(0).view(), 0u);
  EXPECT_TRUE(c.at(0).active());
  std::size_t before = c.executed(0).size();
  ASSERT_GE(before, 4u);

  // Heal: the lone replica learns it is behind, fetches, sees commit
  // certificates of view 0 above what it had, and rejoins view 0.
  // Two rounds, so a checkpoint (every 2) tells it that it is behind.
  commit_round(c, lone, /*cut=*/false, 5);
  commit_round(c, lone, /*cut=*/false, 6);
  for (int i = 0; i < 5 && c.at(lone).last_executed() < c.at(0).last_executed(); ++i) {
    if (c.timer_set(lone, TimerKind::kFetch)) c.fire(lone, TimerKind::kFetch);
    c.pump();
  }
  EXPECT_EQ(c.at(lone).view(), 0u);
  EXPECT_TRUE(c.at(lone).active());
  EXPECT_EQ(c.at(lone).stats().views_rejoined, 1u);
  EXPECT_EQ(c.at(lone).last_executed(), c.at(0).last_executed());

  // Back in view 0 it prepares and executes with the others but sends no
  // Commit: its view change for view 1 may still be used in a new view.
  std::size_t commits = commits_sent(c, lone);
  commit_round(c, lone, /*cut=*/false, 7);
  EXPECT_EQ(commits_sent(c, lone), commits);
  EXPECT_EQ(c.at(lone).last_executed(), c.at(0).last_executed());
  EXPECT_GT(c.at(lone).last_executed(), before);

  // A restart keeps the rejoined view and the muting.
  c.restart(lone);
  EXPECT_EQ(c.at(lone).view(), 0u);
  EXPECT_TRUE(c.at(lone).active());
  c.pump();
  commits = commits_sent(c, lone);
  commit_round(c, lone, /*cut=*/false, 8);
  EXPECT_EQ(commits_sent(c, lone), commits);
  EXPECT_EQ(c.at(lone).last_executed(), c.at(0).last_executed());
}

// Without a commit certificate newer than where it left, nothing moves it:
// the quorum's view changes alone are not evidence of a live lower view.
TEST(Rejoin, NoCertificateNoRejoin) {
  Cluster c(4);
  const ReplicaId lone = 3;
  c.request_all(req("a", 1));
  c.pump([&](const InFlight& f) { return !isolated(f, lone); });
  for (int i = 0; i < 2; ++i) {
    c.advance(Micros(250'000));
    if (c.timer_set(lone, TimerKind::kRequest)) c.fire(lone, TimerKind::kRequest);
  }
  c.fire(lone, TimerKind::kViewChange);
  View v = c.at(lone).view();
  ASSERT_EQ(v, 1u);
  ASSERT_FALSE(c.at(lone).active());
  c.pump();  // heal, no new commits
  EXPECT_EQ(c.at(lone).view(), v);
  EXPECT_EQ(c.at(lone).stats().views_rejoined, 0u);
}

// The other half of the rule: with q replicas changing view, a replica whose
// view-change timer expires without a new view moves on to the next view.
// Here the primary of view 0 is cut off, the others all go to view 1, and
// view 1's primary (replica 1) never sends its new view.
TEST(Rejoin, WithAQuorumChangingViewAReplicaMovesOn) {
  Cluster c(4);
  const ReplicaId primary0 = 0, primary1 = 1;
  c.request_all(req("a", 1));
  auto without_new_view = [&](const InFlight& f) {
    return !isolated(f, primary0) && !(f.from == primary1 && std::holds_alternative<NewView>(*f.message));
  };
  c.pump(without_new_view);
  for (int i = 0; i < 2; ++i) {
    c.advance(Micros(250'000));
    for (ReplicaId r = 1; r < 4; ++r)
      if (c.timer_set(r, TimerKind::kRequest)) c.fire(r, TimerKind::kRequest);
    c.pump(without_new_view);
  }
  for (ReplicaId r = 1; r < 4; ++r) ASSERT_EQ(c.at(r).view(), 1u) << "replica " << r;
  ASSERT_FALSE(c.at(2).active());
  ASSERT_TRUE(c.timer_set(2, TimerKind::kViewChange));
  c.fire(2, TimerKind::kViewChange);
  EXPECT_EQ(c.at(2).view(), 2u);
}

}  // namespace
}  // namespace mlchain::consensus
