// SimReport: figures from a finished World, and their JSON form (the stable
// output of `mlchain sim -o json`).
#include <algorithm>
#include <cmath>
#include <sstream>

#include "world.h"

namespace mlchain::sim {
namespace {

double percentile(std::vector<std::int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return static_cast<double>(v[std::min(idx, v.size() - 1)]) / 1000.0;
}

}  // namespace

namespace detail {

SimReport World::report() const {
  SimReport r = report_;
  r.seed = opt_.seed;
  r.nodes = opt_.nodes;
  r.byzantine = opt_.byzantine;
  r.f = static_cast<std::uint32_t>(config_.f());
  r.byzantine_kind = std::string(byzantine_name(opt_.byzantine ? opt_.byzantine_kind : Byzantine::kNone));
  r.ops_requested = opt_.ops;
  r.ops_committed = completed_;
  r.live = completed_ >= opt_.ops;
  bool first = true;
  for (const auto& n : nodes_) {
    if (n.byzantine) continue;
    if (n.last_block) r.blocks = std::max(r.blocks, n.last_block->height);
    r.view_changes = std::max(r.view_changes, n.max_view);
    if (n.up && n.replica) r.epoch = std::max(r.epoch, n.replica->config().epoch);
    if (n.up && n.replica && n.replica->learner()) ++r.learners;
    if (n.up && n.ledger && n.replica && !n.replica->retired()) {
      r.min_height = first ? n.ledger->height() : std::min(r.min_height, n.ledger->height());
      first = false;
    }
    if (n.up && n.replica) {
      for (const auto& [k, v] : n.replica->drops()) r.drops[k] += v;
      r.fetches += n.replica->stats().fetches_sent;
    }
  }
  r.virtual_seconds = static_cast<double>(now_.count()) / 1e6;
  if (completed_ > 0) {
    r.messages_per_op = static_cast<double>(r.messages) / static_cast<double>(completed_);
    r.bytes_per_op = static_cast<double>(r.bytes) / static_cast<double>(completed_);
  }
  if (r.virtual_seconds > 0) r.ops_per_virtual_second = static_cast<double>(completed_) / r.virtual_seconds;
  r.latency_p50_ms = percentile(latencies_us_, 0.50);
  r.latency_p99_ms = percentile(latencies_us_, 0.99);
  return r;
}

}  // namespace detail

codec::Json SimReport::to_json() const {
  codec::Json j = {
      {"seed", seed},
      {"nodes", nodes},
      {"f", f},
      {"byzantine", byzantine},
      {"byzantine_kind", byzantine_kind},
      {"ops_requested", ops_requested},
      {"ops_committed", ops_committed},
      {"blocks", blocks},
      {"min_height", min_height},
      {"view_changes", view_changes},
      {"epoch", epoch},
      {"messages", messages},
      {"bytes", bytes},
      {"client_messages", client_messages},
      // Integers only: mlchain JSON (codec::parse) refuses floats. Rates are
      // rounded; per-op messages are in thousandths.
      {"messages_per_op_milli", std::llround(messages_per_op * 1000.0)},
      {"bytes_per_op", std::llround(bytes_per_op)},
      {"virtual_time_us", std::llround(virtual_seconds * 1e6)},
      {"ops_per_virtual_second", std::llround(ops_per_virtual_second)},
      {"latency_p50_us", std::llround(latency_p50_ms * 1000.0)},
      {"latency_p99_us", std::llround(latency_p99_ms * 1000.0)},
      {"events", events},
      {"fetches", fetches},
      {"crashes", crashes},
      {"restarts", restarts},
      {"live", live},
      {"invariants", safe ? "ok" : "violated"},
      {"violations", violations},
      {"drops", drops},
  };
  if (fork) {
    j["fork"] = {{"height", fork->height}, {"node_a", fork->node_a}, {"node_b", fork->node_b},
                 {"hash_a", fork->hash_a}, {"hash_b", fork->hash_b}};
  } else {
    j["fork"] = nullptr;
  }
  return j;
}

std::string SimReport::summary() const {
  std::ostringstream o;
  o << "seed=" << seed << " nodes=" << nodes << " byzantine=" << byzantine << "(" << byzantine_kind << ")"
    << " ops=" << ops_committed << "/" << ops_requested << " blocks=" << blocks << " views=" << view_changes
    << " live=" << (live ? "yes" : "no") << " invariants=" << (safe ? "ok" : "VIOLATED");
  if (!violations.empty()) o << " first violation: " << violations.front();
  return o.str();
}

}  // namespace mlchain::sim
