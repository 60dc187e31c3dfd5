// Shared helpers for the seeded simulation scenarios. A failing scenario
// prints its full summary (seed first) and the options to replay it.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>

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
