// Shared helpers for the seeded simulation scenarios. A failing scenario
// prints its full summary (seed first) and the options to replay it.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "mlchain/sim/sim.h"

namespace mlchain::sim::testing {

// A small layer with small batches and a short log window, so a hundred
// operations cross many checkpoints, watermark limits and garbage collection.
inline SimOptions base_options(std::uint32_t nodes, std::uint64_t seed) {
  SimOptions o;
  o.nodes = nodes;
  o.seed = seed;
  o.ops = 120;
  o.clients = 8;
  o.count_bytes = false;
  o.replica.batch_size = 4;
  if (seed % 2 == 0) {
    o.replica.checkpoint_interval = 4;
    o.replica.log_window = 8;
  }
  // About 200 ms of virtual time without faults; faults are drawn inside it.
  o.client_think = Micros(10'000);
  o.faults_until = Micros(200'000);
  return o;
}

// One parameterised byzantine scenario: f replicas of `kind` at n = nodes.
struct ByzantineCase {
  Byzantine kind;
  std::uint32_t nodes;
  std::uint64_t seed;
};

// For each kind: seeds 1..at4 with n = 4, 1..at7 with n = 7, 1..at10 with n = 10.
inline std::vector<ByzantineCase> byzantine_cases(std::initializer_list<Byzantine> kinds, std::uint64_t at4,
                                                  std::uint64_t at7, std::uint64_t at10) {
  std::vector<ByzantineCase> out;
  for (auto kind : kinds) {
    for (std::uint64_t s = 1; s <= at4; ++s) out.push_back({kind, 4, s});
    for (std::uint64_t s = 1; s <= at7; ++s) out.push_back({kind, 7, s});
    for (std::uint64_t s = 1; s <= at10; ++s) out.push_back({kind, 10, s});
  }
  return out;
}

// "<kind>_n<nodes>_seed<seed>", a valid gtest name.
inline std::string case_name(const ::testing::TestParamInfo<ByzantineCase>& i) {
  std::string k(byzantine_name(i.param.kind));
  for (auto& c : k)
    if (c == '-') c = '_';
  return k + "_n" + std::to_string(i.param.nodes) + "_seed" + std::to_string(i.param.seed);
}

inline std::string replay_hint(const SimOptions& o) {
  std::ostringstream s;
  s << "replay: sim::run with seed=" << o.seed << " nodes=" << o.nodes << " byzantine=" << o.byzantine << "("
    << byzantine_name(o.byzantine_kind) << ") drop=" << o.drop << " duplicate=" << o.duplicate
    << " random_partitions=" << o.random_partitions << " random_crashes=" << o.random_crashes
    << " (set SimOptions::trace to print the run)";
  return s.str();
}

inline SimReport run_scenario(const SimOptions& o) {
  auto r = run(o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : SimReport{};
}

// Safety always; liveness because every fault ends at faults_until.
inline SimReport expect_safe_and_live(const SimOptions& o) {
  SimReport r = run_scenario(o);
  EXPECT_TRUE(r.safe) << r.summary() << "\n" << replay_hint(o);
  EXPECT_TRUE(r.live) << r.summary() << "\n" << replay_hint(o);
  return r;
}

}  // namespace mlchain::sim::testing
