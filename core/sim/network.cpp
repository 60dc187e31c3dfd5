// The simulated network: per-message random latency (which also reorders),
// drops, duplicates, delay spikes and partitions, all from the one seeded Rng.
#include <algorithm>

#include "world.h"

namespace mlchain::sim::detail {
namespace {

std::uint64_t ppm(double p) { return static_cast<std::uint64_t>(p * 1'000'000.0); }

}  // namespace

std::uint64_t World::size_of(const consensus::Message& m) const {
  return opt_.count_bytes ? consensus::encode(m).size() : 0;
}

Micros World::latency() {
  Micros d(rng_.range(opt_.min_latency.count(), opt_.max_latency.count()));
  if (faults_on() && rng_.chance(ppm(opt_.delay_probability), 1'000'000))
    d += Micros(rng_.range(0, opt_.delay_spike.count()));
  return d;
}

bool World::partitioned(ReplicaId a, ReplicaId b) const {
  for (const auto& p : opt_.partitions) {
    if (now_ < p.at || now_ >= p.heal_at) continue;
    bool in_a = std::find(p.side.begin(), p.side.end(), a) != p.side.end();
    bool in_b = std::find(p.side.begin(), p.side.end(), b) != p.side.end();
    if (in_a != in_b) return true;
  }
  return false;
}

// Replica ids are positions in the sender's current membership; nodes keep
// their initial index for the whole run. Keys connect the two.
ReplicaId World::node_of(const Node& sender, ReplicaId replica) const {
  const auto& members = sender.replica ? sender.replica->config().members : config_.members;
  if (replica >= members.size()) return static_cast<ReplicaId>(nodes_.size());
  auto it = node_by_key_.find(members[replica]);
  return it == node_by_key_.end() ? static_cast<ReplicaId>(nodes_.size()) : it->second;
}

ReplicaId World::id_in(const Node& receiver, ReplicaId sender_node) const {
  if (!receiver.replica || sender_node >= nodes_.size()) return static_cast<ReplicaId>(consensus::kMaxMembers);
  auto idx = receiver.replica->config().index_of(signers_[sender_node]->public_key());
  return idx ? *idx : static_cast<ReplicaId>(consensus::kMaxMembers);
}

std::vector<ReplicaId> World::recipients(const Node& from, const consensus::Send& s) const {
  std::vector<ReplicaId> to;
  if (s.to) {
    ReplicaId n = node_of(from, *s.to);
    if (n < nodes_.size() && n != from.id) to.push_back(n);
  } else {
    const auto& members = from.replica ? from.replica->config().members : config_.members;
    for (std::size_t r = 0; r < members.size(); ++r) {
      ReplicaId n = node_of(from, static_cast<ReplicaId>(r));
      if (n < nodes_.size() && n != from.id) to.push_back(n);
    }
  }
  return to;
}

void World::emit_send(Node& from, const consensus::Send& s) {
  if (from.byzantine) return byzantine_send(from, s);
  if (!check_size(from, *s.message)) return;
  check_vote(from, *s.message);
  auto to = recipients(from, s);
  std::uint64_t size = to.empty() ? 0 : size_of(*s.message);
  for (ReplicaId r : to) {
    report_.bytes += size;
    transmit(from.id, r, s.message);
  }
}

void World::transmit(ReplicaId from, ReplicaId to, MessagePtr m, Micros extra) {
  ++report_.messages;
  if (from < nodes_.size() && nodes_[from].byzantine && !check_size(nodes_[from], *m)) return;
  if (partitioned(from, to)) return;
  if (faults_on() && rng_.chance(ppm(opt_.drop), 1'000'000)) return;
  schedule(now_ + latency() + extra, Deliver{to, from, m});
  if (faults_on() && rng_.chance(ppm(opt_.duplicate), 1'000'000))
    schedule(now_ + latency() + extra, Deliver{to, from, m});
}

}  // namespace mlchain::sim::detail
