#include <gtest/gtest.h>

#include <cstdlib>

#include "mlchain/sim/sim.h"

namespace mlchain::sim {
namespace {

TEST(SimExplore, DISABLED_Sweep) {
  const char* kind_env = std::getenv("SIM_KIND");
  int seeds = std::getenv("SIM_SEEDS") ? std::atoi(std::getenv("SIM_SEEDS")) : 20;
  std::string kind = kind_env ? kind_env : "drop";
  int bad = 0, notlive = 0;
  for (int s = 1; s <= seeds; ++s) {
    SimOptions o;
    o.seed = s;
    o.ops = std::getenv("SIM_OPS") ? std::atoi(std::getenv("SIM_OPS")) : 60;
    if (std::getenv("SIM_BATCH")) o.replica.batch_size = std::atoi(std::getenv("SIM_BATCH"));
    if (std::getenv("SIM_CLIENTS")) o.clients = std::atoi(std::getenv("SIM_CLIENTS"));
    o.count_bytes = std::getenv("SIM_BYTES") != nullptr;
    o.nodes = std::getenv("SIM_N") ? std::atoi(std::getenv("SIM_N")) : 4;
    if (kind == "heavy") { o.drop = 0.25; o.duplicate = 0.1; o.delay_probability = 0.2; o.random_partitions = 2; o.random_crashes = 2; }
    if (kind == "drop") { o.drop = 0.1; o.duplicate = 0.05; o.delay_probability = 0.1; }
    if (kind == "partition") { o.random_partitions = 2; o.drop = 0.02; }
    if (kind == "crash") { o.random_crashes = 2; o.drop = 0.02; }
    if (kind == "lmdb") { o.random_crashes = 1; o.store = StoreKind::kLmdb; o.lmdb_dir = "/tmp/simlmdb/" + std::to_string(s); std::filesystem::remove_all(o.lmdb_dir); }
    if (auto b = parse_byzantine(kind); b && kind != "none") { o.byzantine = (o.nodes - 1) / 3; o.byzantine_kind = *b; o.drop = 0.02; o.random_partitions = 1; }
    if (kind == "fork") { o.byzantine = 2; o.byzantine_kind = Byzantine::kEquivocate; }
    if (kind == "reconfig") { o.nodes = 5; o.replica.batch_size = 4; o.clients = 8; o.client_think = Micros(10'000); o.faults_until = Micros(200'000); o.drop = 0.03;
      if (s % 2 == 0) { o.replica.checkpoint_interval = 4; o.replica.log_window = 8; }
      o.reconfigurations.push_back(ReconfigSpec{Micros(40'000), consensus::ConfigAction::kRemoveMember, 2}); }
    if (kind == "client") { o.byzantine_clients = 4; o.drop = 0.02; }
    if (std::getenv("SIM_TRACE")) o.trace = [](const std::string& l) { std::cout << l << "\n"; };
    auto r = run(o);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    if (!r->safe) ++bad;
    if (!r->live) ++notlive;
    if (!r->safe || !r->live || std::getenv("SIM_VERBOSE")) {
      std::cout << r->summary() << " events=" << r->events << " vt=" << r->virtual_seconds << " fetches=" << r->fetches << "\n";
      if (std::getenv("SIM_VERBOSE")) std::cout << codec::pretty(r->to_json()) << "\n";
    }
  }
  std::cout << "unsafe=" << bad << " notlive=" << notlive << "\n";
}

}  // namespace
}  // namespace mlchain::sim
