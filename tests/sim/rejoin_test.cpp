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
  // It went at least two views beyond the quorum alone.
  EXPECT_GE(nodes[lone].max_view, nodes[ref].view + 2) << "the lone replica did not run ahead: " << where;
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

class Rejoin : public ::testing::TestWithParam<Case> {};
TEST_P(Rejoin, LoneReplicaRejoinsQuorumView) { run_rejoin(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Sim, Rejoin, ::testing::ValuesIn(cases(false)), name);
INSTANTIATE_TEST_SUITE_P(SimRestart, Rejoin, ::testing::ValuesIn(cases(true)), name);
INSTANTIATE_TEST_SUITE_P(SimTwins, Rejoin, ::testing::ValuesIn(cases(false, true)), name);

}  // namespace
}  // namespace mlchain::sim
