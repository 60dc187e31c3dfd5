// Byzantine replicas: an honest Replica whose outgoing traffic is rewritten
// here. Colluding byzantine replicas share keys (the adversary controls them
// all), which is what lets f+1 equivocators fork a layer — the control case
// proving the invariant checker can fail.
#include <algorithm>

#include "world.h"

namespace mlchain::sim::detail {
namespace {

using namespace consensus;

MessagePtr ptr(Message m) { return std::make_shared<const Message>(std::move(m)); }

}  // namespace

void World::byzantine_send(Node& from, const Send& s) {
  auto to = recipients(from, s);
  const Message& m = *s.message;
  std::uint64_t size = to.empty() ? 0 : size_of(m);
  auto honest = [&] {
    for (ReplicaId r : to) {
      report_.bytes += size;
      transmit(from.id, r, s.message);
    }
  };
  switch (opt_.byzantine_kind) {
    case Byzantine::kNone: return honest();
    case Byzantine::kSilent: return;
    case Byzantine::kEquivocate:
      if (auto* pp = std::get_if<PrePrepare>(&m); pp && !s.to) return equivocate(from, *pp);
      return honest();
    case Byzantine::kStall:
      if (std::holds_alternative<PrePrepare>(m)) {
        auto hold = Micros(opt_.replica.request_timeout.count() * 9 / 10);
        for (ReplicaId r : to) {
          report_.bytes += size;
          transmit(from.id, r, s.message, hold);
        }
        return;
      }
      return honest();
    case Byzantine::kForge:
      forge(from, m, to);
      if (rng_.chance(1, 2)) honest();
      return;
    case Byzantine::kReplay:
      honest();
      if (!from.seen.empty()) {
        for (int k = 0; k < 2; ++k) {
          auto old = from.seen[rng_.uniform(from.seen.size())];
          transmit(from.id, static_cast<ReplicaId>(rng_.uniform(nodes_.size())), old);
        }
      }
      from.seen.push_back(s.message);  // its own messages, replayed later in stale views/seqs
      if (from.seen.size() > 256) from.seen.pop_front();
      return;
    case Byzantine::kViewChangeSpam:
      honest();
      if (rng_.chance(1, 3)) spam_view_changes(from);
      return;
    case Byzantine::kForgedIds:
      return forge_request_ids(from, m, to);
    case Byzantine::kOversized:
      return flood_big_ops(from, m, to);
    case Byzantine::kFutureViewFlood:
      honest();
      if (rng_.chance(1, 2)) flood_future_view(from);
      return;
    case Byzantine::kGhostProposals:
      honest();
      if (auto* pp = std::get_if<PrePrepare>(&m)) propose_ghosts(from, *pp, to);
      return;
  }
}

void World::send_stuffed(Node& from, const PrePrepare& pp, std::vector<Request> extra, const std::vector<ReplicaId>& to) {
  PrePrepare other = pp;
  for (auto& r : extra) {
    bool taken = false;
    for (const auto& q : other.requests) taken = taken || q.client == r.client;
    if (!taken) other.requests.push_back(std::move(r));
  }
  auto p = ptr(signed_part(std::move(other), *signers_[from.id]));
  std::uint64_t size = size_of(*p);
  for (ReplicaId r : to) {
    report_.bytes += size;
    transmit(from.id, r, p);
  }
}

// Requests in honest clients' names (an admin's too) with ids near 2^64-1:
// relayed to every replica, and ordered when this replica is the primary.
// Unauthenticated, they must change nobody's ids.
void World::forge_request_ids(Node& from, const Message& m, const std::vector<ReplicaId>& to) {
  if (clients_.empty() || !from.replica) return;
  const Client& victim = clients_[rng_.uniform(clients_.size())];
  Request forged{victim.name, UINT64_MAX - rng_.uniform(4), to_bytes("put pwned " + victim.name)};
  const auto* pp = std::get_if<PrePrepare>(&m);
  if (pp && pp->replica == from.replica->id() && pp->view == from.replica->view()) {
    send_stuffed(from, *pp, {forged}, to);
  } else {
    for (ReplicaId r : to) transmit(from.id, r, ptr(m));
  }
  if (rng_.chance(1, 3)) {
    auto fr = ptr(signed_part(ForwardedRequest{forged, from.replica->id(), {}}, *signers_[from.id]));
    for (const auto& n : nodes_)
      if (n.id != from.id) transmit(from.id, n.id, fr);
  }
}

// Ghost proposals (issue 13 item 5): when our own pre-prepare reaches the
// boundary of a pending membership change (the last seq of this epoch), also
// propose the next two seqs in this epoch. Votes for them would give the
// old epoch certificates for heights the new epoch owns; the switch discards
// them, but a proof could show one. Backups must refuse them.
void World::propose_ghosts(Node& from, const PrePrepare& pp, const std::vector<ReplicaId>& to) {
  if (!from.replica || pp.replica != from.replica->id() || pp.view != from.replica->view()) return;
  Seq limit = from.replica->proposal_limit();
  if (pp.seq != limit || limit >= from.replica->stable_seq() + opt_.replica.log_window) return;  // no change pending
  for (Seq s = limit + 1; s <= limit + 2; ++s) {
    PrePrepare ghost = pp;
    ghost.seq = s;
    ghost.requests.clear();
    auto p = ptr(signed_part(std::move(ghost), *signers_[from.id]));
    ++report_.ghosts_proposed;
    for (ReplicaId r : to) transmit(from.id, r, p);
  }
}

// 16 KiB operations from fresh client keys (authentic: this replica is their
// client), sent to every replica so honest primaries must cut batches by
// bytes; as primary, batches stuffed with them far past the byte budget.
void World::flood_big_ops(Node& from, const Message& m, const std::vector<ReplicaId>& to) {
  auto big = [&] {
    std::string name = "big-" + std::to_string(from.id) + "-" + std::to_string(big_ops_++);
    Request r{name, 1, to_bytes("put " + name + " " + std::string(16 * 1024, 'x'))};
    issue(r);
    return r;
  };
  const auto* pp = std::get_if<PrePrepare>(&m);
  if (pp && from.replica && pp->replica == from.replica->id() && pp->view == from.replica->view()) {
    std::vector<Request> extra;
    for (int k = 0; k < 6; ++k) extra.push_back(big());
    send_stuffed(from, *pp, std::move(extra), to);
  } else {
    for (ReplicaId r : to) transmit(from.id, r, ptr(m));
  }
  if (big_ops_ < 120 && rng_.chance(1, 4)) {
    for (int k = 0; k < 2; ++k) {
      Request r = big();
      for (const auto& n : nodes_)
        if (n.id != from.id) schedule(now_ + latency(), ClientSend{n.id, r});
    }
  }
}

// Messages for the views the others are moving to (ours and the next two):
// badly signed votes and pre-prepares carrying 8 KiB ops, many of them.
// Nothing unverified may be buffered, and no sender more than a message's
// worth.
void World::flood_future_view(Node& from) {
  if (!from.replica) return;
  const ReplicaId me = from.replica->id();
  const Epoch epoch = from.replica->config().epoch;
  const Seq base = from.replica->last_executed();
  for (View v = from.replica->view(); v <= from.replica->view() + 2; ++v) {
    PrePrepare pp;
    pp.epoch = epoch;
    pp.view = v;
    pp.seq = base + 1 + rng_.uniform(4);
    pp.time_ms = unix_millis(wall());
    pp.replica = me;
    pp.requests.push_back(Request{"junk-" + std::to_string(rng_.uniform(1u << 30)), 1, to_bytes(std::string(8 * 1024, 'j'))});
    Message junk_pp(pp);
    std::get<PrePrepare>(junk_pp).sig[0] ^= 0x55;  // unsigned
    Message junk_vote(Commit{epoch, v, pp.seq, pp.digest(), me, {}});
    auto a = ptr(std::move(junk_pp)), b = ptr(std::move(junk_vote));
    for (const auto& n : nodes_) {
      if (n.id == from.id) continue;
      for (int k = 0; k < 2; ++k) transmit(from.id, n.id, a);
      transmit(from.id, n.id, b);
    }
  }
}

void World::equivocate(Node& from, const PrePrepare& pp) {
  PrePrepare other = pp;
  if (other.requests.empty()) {
    other.requests.push_back(Request{"byzantine" + std::to_string(from.id), pp.seq, to_bytes("put evil 1")});
    issue(other.requests.back());  // the colluders' own client: authentic
  } else {
    other.requests.pop_back();
  }
  other = signed_part(std::move(other), *signers_[from.id]);
  Digest da = pp.digest();
  Digest db = other.digest();
  // Honest replicas split in two halves; colluders side with A.
  std::vector<ReplicaId> side_a, side_b;
  std::size_t k = 0;
  for (const auto& n : nodes_) {
    if (n.id == from.id) continue;
    if (n.byzantine) side_a.push_back(n.id);
    else (k++ % 2 == 0 ? side_a : side_b).push_back(n.id);
  }
  auto pa = ptr(pp), pb = ptr(other);
  std::uint64_t size = size_of(*pa);
  for (ReplicaId r : side_a) { report_.bytes += size; transmit(from.id, r, pa); }
  for (ReplicaId r : side_b) { report_.bytes += size; transmit(from.id, r, pb); }
  // Every byzantine replica votes for A towards side A and for B towards side B.
  for (const auto& b : nodes_) {
    if (!b.byzantine) continue;
    const crypto::Signer& key = *signers_[b.id];
    for (int side = 0; side < 2; ++side) {
      const Digest& d = side == 0 ? da : db;
      const auto& targets = side == 0 ? side_a : side_b;
      std::vector<MessagePtr> votes;
      if (b.id != config_.primary(pp.view))
        votes.push_back(ptr(signed_part(Prepare{pp.epoch, pp.view, pp.seq, d, b.id, {}}, key)));
      votes.push_back(ptr(signed_part(Commit{pp.epoch, pp.view, pp.seq, d, b.id, {}}, key)));
      for (const auto& v : votes)
        for (ReplicaId r : targets)
          if (r != b.id) transmit(b.id, r, v);
    }
  }
}

void World::forge(Node& from, const Message& m, const std::vector<ReplicaId>& to) {
  if (to.empty()) return;
  ReplicaId victim = static_cast<ReplicaId>(rng_.uniform(nodes_.size()));
  switch (rng_.uniform(3)) {
    case 0: {  // corrupted signature
      Message bad = m;
      std::visit([](auto& x) { x.sig[0] ^= 0x5a; }, bad);
      auto p = ptr(std::move(bad));
      for (ReplicaId r : to) transmit(from.id, r, p);
      return;
    }
    case 1: {  // claims to be another replica (signed with our own key)
      Message bad = m;
      std::visit([&](auto& x) { x.replica = victim; }, bad);
      sign(bad, *signers_[from.id]);
      auto p = ptr(std::move(bad));
      for (ReplicaId r : to) transmit(from.id, r, p);
      return;
    }
    default: {  // a forged "committed" batch: certificate signed by us alone, claiming others
      PrePrepare pp;
      pp.epoch = config_.epoch;
      pp.seq = 1 + rng_.uniform(8);
      pp.time_ms = unix_millis(wall());
      pp.requests.push_back(Request{"forger", 1, to_bytes("put stolen 1")});
      pp.replica = config_.primary(0);
      CommittedBatch cb{pp, {}};
      for (ReplicaId r = 0; r < nodes_.size(); ++r)
        cb.commits.push_back(signed_part(Commit{pp.epoch, 0, pp.seq, pp.digest(), r, {}}, *signers_[from.id]));
      BlockBundle bundle{config_.epoch, {cb}, std::nullopt, from.id, {}};
      auto p = ptr(signed_part(std::move(bundle), *signers_[from.id]));
      transmit(from.id, to[rng_.uniform(to.size())], p);
      return;
    }
  }
}

void World::spam_view_changes(Node& from) {
  if (!from.replica) return;
  ViewChange vc;
  vc.epoch = config_.epoch;
  vc.new_view = from.replica->view() + 1 + rng_.uniform(6);
  vc.replica = from.id;
  if (rng_.chance(1, 2)) {
    // Invalid: claims a prepared batch without any prepares.
    PrePrepare pp;
    pp.epoch = config_.epoch;
    pp.view = 0;
    pp.seq = 1;
    pp.replica = config_.primary(0);
    pp.requests.push_back(Request{"spam", 1, to_bytes("put spam 1")});
    vc.prepared.push_back(PreparedProof{signed_part(pp, *signers_[from.id]), {}});
  }
  auto p = ptr(signed_part(std::move(vc), *signers_[from.id]));
  for (const auto& n : nodes_)
    if (n.id != from.id) transmit(from.id, n.id, p);
}

}  // namespace mlchain::sim::detail
