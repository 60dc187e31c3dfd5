#include <gtest/gtest.h>

#include "mlchain/sim/sim.h"

namespace mlchain::sim {
namespace {

SimReport run_ok(const SimOptions& o) {
  auto r = run(o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : SimReport{};
}

TEST(SimSmoke, FourNodesNoFaults) {
  SimOptions o;
  o.ops = 50;
  auto r = run_ok(o);
  EXPECT_TRUE(r.safe) << r.summary();
  EXPECT_TRUE(r.live) << r.summary();
  std::cout << codec::pretty(r.to_json()) << "\n";
}

}  // namespace
}  // namespace mlchain::sim
