// Shared by the bench commands (cmd_bench.cpp, bench_contracts.cpp).
#pragma once

#include <algorithm>
#include <vector>

#include "cli.h"

namespace mlchain::cli {

// The p-quantile (0..1) of `v` by nearest rank; sorts `v`. 0 when empty.
inline double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// bench contracts, registered under `bench`.
void setup_bench_contracts(CLI::App* bench, Cli& cli);
// bench soak (bench_soak.cpp), registered under `bench`.
void setup_bench_soak(CLI::App* bench, Cli& cli);

}  // namespace mlchain::cli
