// A replica cut off long enough to run through several view changes alone
// must rejoin the view the quorum is working in once the network heals
// (consensus.md, "Rejoining a lower live view"): afterwards every correct
// replica is active in one view and at the quorum's height. The view and
// height of each replica are followed through SimOptions::trace.
#include <cstdlib>
#include <string>
#include <vector>

#include "scenario.h"

namespace mlchain::sim {
namespace {

struct Track {
  std::uint64_t view = 0;
  std::uint64_t max_view = 0;
  bool active = true;
  std::uint64_t exec = 0;
  std::uint64_t last_view_change_ms = 0;
};

// Reads "<digits>" at text[i], advancing i; false if none.
bool read_number(const std::string& text, std::size_t& i, std::uint64_t& out) {
  std::size_t start = i;
  out = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') out = out * 10 + static_cast<std::uint64_t>(text[i++] - '0');
  return i > start;
}

// "t=<ms>ms r<id> ... view <a>[*] -> <b>[*] ... exec <a>-><b>"
void follow(const std::string& line, std::vector<Track>& nodes) {
  std::size_t i = 2;
  std::uint64_t ms = 0, id = 0;
  if (line.rfind("t=", 0) != 0 || !read_number(line, i, ms)) return;
  i = line.find(" r", i);
  if (i == std::string::npos) return;
  i += 2;
  if (!read_number(line, i, id) || id >= nodes.size()) return;
  Track& t = nodes[id];
  for (std::size_t at = line.find(" view ", i); at != std::string::npos; at = line.find(" view ", at + 1)) {
    std::size_t j = at + 6;
    std::uint64_t from = 0, to = 0;
    if (!read_number(line, j, from)) continue;
    if (j < line.size() && line[j] == '*') ++j;
    if (line.compare(j, 4, " -> ") != 0) continue;
    j += 4;
    if (!read_number(line, j, to)) continue;
    t.view = to;
    t.max_view = std::max(t.max_view, to);
    t.active = !(j < line.size() && line[j] == '*');
    t.last_view_change_ms = ms;
    break;
  }
  if (std::size_t at = line.find(" exec ", i); at != std::string::npos) {
    std::size_t j = at + 6;
    std::uint64_t from = 0, to = 0;
    if (read_number(line, j, from) && line.compare(j, 2, "->") == 0) {
      j += 2;
      if (read_number(line, j, to)) t.exec = to;
    }
  }
}

struct Case {
  std::uint64_t seed;
  bool crash;
  bool twins = false;  // 7 replicas, two of them cut off from everyone, each alone
};

std::string name(const ::testing::TestParamInfo<Case>& i) {
  return std::string(i.param.twins ? "twins_" : "") + (i.param.crash ? "restart" : "heal") + "_seed" +
         std::to_string(i.param.seed);
}

std::vector<Case> cases(bool crash, bool twins = false) {
  std::vector<Case> out;
  for (std::uint64_t s = 1; s <= 50; ++s) out.push_back({s, crash, twins});
  return out;
}

constexpr std::uint64_t kHealMs = 3'000;
constexpr std::uint64_t kRejoinBoundMs = 2'000;  // after the heal (and the restart)

void run_rejoin(const Case& c) {
  std::uint32_t n = c.twins ? 7 : 4;
  auto o = testing::base_options(n, c.seed);
  // Enough load to keep the quorum committing well past the heal. Each
  // client pauses longer than two request timeouts between operations, so
  // the cut-off replica's pending requests (not replaced by newer ones in
  // time) become overdue and it starts changing view alone.
  o.ops = 200;
  o.clients = 8;
  o.client_think = Micros(300'000);
  auto lone = static_cast<std::uint32_t>(c.seed % n);  // 0: the first primary, so the quorum moves to view 1
  o.partitions.push_back(PartitionSpec{Micros(0), Micros(kHealMs * 1000), {lone}});
  // Twins: two stale replicas whose old view changes could together hide a
  // commit from a later new view if they voted commits after rejoining.
  std::uint32_t twin = (lone + 3) % n;
  if (c.twins) o.partitions.push_back(PartitionSpec{Micros(0), Micros(kHealMs * 1000), {twin}});
  std::uint32_t ref = (lone + 1) % n;  // in the quorum
  o.faults_until = Micros(kHealMs * 1000);
  std::uint64_t settled_by = kHealMs + kRejoinBoundMs;
  if (c.crash) {
    o.crashes.push_back(CrashSpec{lone, Micros((kHealMs + 100) * 1000), Micros((kHealMs + 300) * 1000)});
    settled_by += 300;
  }
  std::vector<Track> nodes(o.nodes);
  o.trace = [&nodes](const std::string& line) { follow(line, nodes); };
  auto r = testing::expect_safe_and_live(o);
  std::string where = r.summary() + "\n" + testing::replay_hint(o) + " lone=" + std::to_string(lone);
  ASSERT_GT(r.virtual_seconds * 1000.0, static_cast<double>(settled_by + 500)) << "run too short to judge: " << where;
  // Cut off, it changed view (its requests went overdue) but went no further
  // than the view after the quorum's: it moves on from a view change only
  // with q replicas changing view with it (PBFT's liveness rule,
  // Replica::on_view_change_timer). The views in which it is muted after
  // rejoining are at most that one.
  EXPECT_GE(nodes[lone].max_view, 1u) << "the lone replica never changed view: " << where;
  EXPECT_LE(nodes[lone].max_view, nodes[ref].view + 1) << "the lone replica ran ahead alone: " << where;
  std::uint64_t top = 0;
  for (const auto& t : nodes) top = std::max(top, t.exec);
  for (std::uint32_t id = 0; id < nodes.size(); ++id) {
    const Track& t = nodes[id];
    std::string who = "replica " + std::to_string(id) + " view " + std::to_string(t.view) + (t.active ? "" : "*") +
                      " exec " + std::to_string(t.exec) + " (quorum view " + std::to_string(nodes[ref].view) +
                      ", top " + std::to_string(top) + ") ";
    EXPECT_TRUE(t.active) << who << where;
    EXPECT_EQ(t.view, nodes[ref].view) << who << where;
    EXPECT_LE(t.last_view_change_ms, settled_by) << who << where;
    EXPECT_GE(t.exec + 2, top) << who << where;  // at most a batch or two in flight when the run stops
  }
}

// The soak (issue 15) saw a layer stall for 7 s: a member healed from an
// isolation in which it had run through view changes alone rejoined the
// quorum's view muted (it sends no commit below its highest view change),
// and then the quorum's primary was killed. The views just above each timed
// out for want of a quorum (the muted replica does not vote there), one
// after another, with doubling timeouts, until the views reached the muted
// replica's. Now a replica moves on from a view change only with a quorum
// changing view with it, so the healed one is at most at the quorum's next
// view. Checked here: the layer commits again within one view change of the
// crash (virtual time), long before the crashed primary returns.
constexpr std::uint64_t kCrashMs = 5'500;
constexpr std::uint64_t kCrashRestartMs = 12'000;
constexpr std::uint64_t kResumeBoundMs = 1'000;  // request timeouts (2 x 100 ms) + one view change (150 ms) + slack

void run_healed_then_primary_crash(std::uint64_t seed) {
  auto o = testing::base_options(4, seed);
  o.ops = 400;
  o.clients = 8;
  o.client_think = Micros(300'000);
  const std::uint32_t lone = 0;     // the first primary: the quorum moves to view 1
  const std::uint32_t crashed = 1;  // the quorum's primary in view 1
  o.partitions.push_back(PartitionSpec{Micros(0), Micros(kHealMs * 1000), {lone}});
  o.crashes.push_back(CrashSpec{crashed, Micros(kCrashMs * 1000), Micros(kCrashRestartMs * 1000)});
  o.faults_until = Micros(kCrashRestartMs * 1000);
  std::vector<Track> nodes(o.nodes);
  bool snapped = false;
  Track lone_at_crash, ref_at_crash;
  std::uint64_t exec_at_crash = 0, resumed_ms = 0;
  o.trace = [&](const std::string& line) {
    std::size_t i = 2;
    std::uint64_t ms = 0;
    bool timed = line.rfind("t=", 0) == 0 && read_number(line, i, ms);
    if (timed && !snapped && ms >= kCrashMs) {
      snapped = true;
      lone_at_crash = nodes[lone];
      ref_at_crash = nodes[2];
      exec_at_crash = std::max(nodes[2].exec, nodes[3].exec);
    }
    follow(line, nodes);
    if (timed && snapped && resumed_ms == 0 && ms < kCrashRestartMs &&
        std::max(nodes[2].exec, nodes[3].exec) > exec_at_crash + 1)
      resumed_ms = ms;
  };
  auto r = testing::expect_safe_and_live(o);
  std::string where = r.summary() + "\n" + testing::replay_hint(o);
  ASSERT_TRUE(snapped) << "the run ended before the crash: " << where;
  // The situation the test is about: the quorum in view 1 (primary 1), the
  // healed replica back in it, active.
  ASSERT_EQ(ref_at_crash.view, 1u) << where;
  ASSERT_TRUE(lone_at_crash.active && lone_at_crash.view == 1) << "lone view " << lone_at_crash.view << where;
  EXPECT_LE(lone_at_crash.max_view, 2u) << "the lone replica ran ahead alone: " << where;
  ASSERT_NE(resumed_ms, 0u) << "no commit between the crash and the restart: " << where;
  EXPECT_LE(resumed_ms - kCrashMs, kResumeBoundMs)
      << "committed again " << (resumed_ms - kCrashMs) << " ms after the primary crashed (lone replica had reached view "
      << lone_at_crash.max_view << "): " << where;
}

TEST(SimRejoin, HealedReplicaThenPrimaryCrashLayerResumesWithinOneViewChange) {
  for (std::uint64_t seed : {1, 2, 3, 4, 5}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_healed_then_primary_crash(seed);
  }
}

class Rejoin : public ::testing::TestWithParam<Case> {};
TEST_P(Rejoin, LoneReplicaRejoinsQuorumView) { run_rejoin(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Sim, Rejoin, ::testing::ValuesIn(cases(false)), name);
INSTANTIATE_TEST_SUITE_P(SimRestart, Rejoin, ::testing::ValuesIn(cases(true)), name);
INSTANTIATE_TEST_SUITE_P(SimTwins, Rejoin, ::testing::ValuesIn(cases(false, true)), name);

}  // namespace
}  // namespace mlchain::sim
