// Cheap in-tree fuzzing: valid messages with random bytes flipped, then
// decoded and fed to a replica. Whatever survives decoding must be rejected
// or handled — never a crash (run it under -fsanitize=address too).
#include <gtest/gtest.h>

#include "cluster.h"
#include "mlchain/common/rng.h"

namespace mlchain::consensus {
namespace {

using testing::Cluster;
using testing::req;

TEST(MutationFuzz, MutatedMessagesNeverCrashAReplica) {
  Cluster c(4);
  // Collect real traffic, including a view change with prepared proofs.
  c.request_all(req("a", 1));
  c.request_all(req("b", 1));
  std::vector<Bytes> corpus;
  c.pump([&](const testing::InFlight& f) {
    corpus.push_back(encode(*f.message));
    return !std::holds_alternative<Commit>(*f.message);
  });
  for (int round = 0; round < 2; ++round) {
    c.advance(Micros(250'000));
    for (ReplicaId i = 0; i < 4; ++i)
      if (c.timer_set(i, TimerKind::kRequest)) c.fire(i, TimerKind::kRequest);
  }
  c.pump([&](const testing::InFlight& f) {
    corpus.push_back(encode(*f.message));
    return true;
  });
  ASSERT_GT(corpus.size(), 10u);

  Cluster target(4);
  SeededRng rng(2024);
  std::size_t decoded = 0;
  for (int i = 0; i < 3000; ++i) {
    Bytes b = corpus[rng.uniform(corpus.size())];
    auto flips = 1 + rng.uniform(4);
    for (std::uint64_t k = 0; k < flips && !b.empty(); ++k)
      b[rng.uniform(b.size())] = static_cast<std::uint8_t>(rng.uniform(256));
    auto m = decode(b);
    if (!m.ok()) continue;
    ++decoded;
    target.inject(static_cast<ReplicaId>(rng.uniform(4)), static_cast<ReplicaId>(rng.uniform(4)), *m);
    target.pump();
  }
  EXPECT_GT(decoded, 0u);
  // Nothing forged made anyone execute anything.
  for (ReplicaId i = 0; i < 4; ++i) EXPECT_TRUE(target.executed(i).empty());
}

}  // namespace
}  // namespace mlchain::consensus
