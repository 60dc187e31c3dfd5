#include "world.h"

namespace mlchain::sim {
namespace {

constexpr std::pair<Byzantine, std::string_view> kNames[] = {
    {Byzantine::kNone, "none"},           {Byzantine::kSilent, "silent"},
    {Byzantine::kEquivocate, "equivocate"}, {Byzantine::kForge, "forge"},
    {Byzantine::kReplay, "replay"},       {Byzantine::kViewChangeSpam, "view-change-spam"},
    {Byzantine::kStall, "stall"},         {Byzantine::kForgedIds, "forged-request-ids"},
    {Byzantine::kOversized, "oversized-batches"}, {Byzantine::kFutureViewFlood, "future-view-flood"},
    {Byzantine::kGhostProposals, "ghost-proposals"},
};

}  // namespace

std::string_view byzantine_name(Byzantine b) {
  for (const auto& [k, name] : kNames)
    if (k == b) return name;
  return "unknown";
}

std::optional<Byzantine> parse_byzantine(std::string_view name) {
  for (const auto& [k, n] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

consensus::ReplicaOptions default_sim_replica_options() {
  consensus::ReplicaOptions o;
  o.batch_size = 16;
  o.batch_delay = Micros(1'000);
  o.checkpoint_interval = 8;
  o.log_window = 32;
  o.request_timeout = Micros(100'000);
  o.view_change_timeout = Micros(150'000);
  o.fetch_timeout = Micros(50'000);
  o.max_clock_skew = Micros(5'000'000);
  o.max_fetch_blocks = 32;
  return o;
}

Result<SimReport> run(const SimOptions& options) {
  detail::World world(options);
  MLCHAIN_TRY(world.setup());
  world.run();
  return world.report();
}

}  // namespace mlchain::sim
