// The invariant checker, run on every committed block and after every step,
// over correct replicas only.
#include "mlchain/ledger/verify.h"
#include "world.h"

namespace mlchain::sim::detail {

void World::violation(std::string what) {
  report_.safe = false;
  if (report_.violations.size() < 20) report_.violations.push_back(std::move(what));
  stopped_ = true;
}

void World::check_block(Node& n, const ledger::Block& b) {
  if (n.byzantine) return;
  crypto::Digest h = b.hash();
  auto [it, fresh] = canonical_.try_emplace(b.height, h, n.id);
  if (!fresh && it->second.first != h) {
    ForkInfo f{b.height, it->second.second, n.id, crypto::digest_hex(it->second.first), crypto::digest_hex(h)};
    violation("fork at height " + std::to_string(b.height) + ": replica " + std::to_string(f.node_a) + " has " +
              f.hash_a + ", replica " + std::to_string(f.node_b) + " has " + f.hash_b);
    report_.fork = std::move(f);
    return;
  }
  if (n.last_block) {
    Status link = ledger::verify_link(*n.last_block, b);
    if (!link.ok()) violation("replica " + std::to_string(n.id) + ": " + link.message());
  } else if (b.height != 1) {
    violation("replica " + std::to_string(n.id) + " committed block " + std::to_string(b.height) + " first");
  }
  auto cfg = configs_.find(b.certificate.epoch);
  if (cfg == configs_.end()) {
    violation("replica " + std::to_string(n.id) + " committed block " + std::to_string(b.height) +
              " in unknown epoch " + std::to_string(b.certificate.epoch));
    return;
  }
  Status cert = ledger::verify_certificate(b, cfg->second, *verifier_);
  if (!cert.ok()) violation("replica " + std::to_string(n.id) + ": " + cert.message());
  n.last_block = b;
  // Lock-out: a client's dedup state (replica and ledger) must never pass
  // the highest id that client issued, or its next requests are refused as
  // old for good.
  for (const auto& op : b.ops) {
    auto client = client_index_.find(op.client);
    if (client == client_index_.end() || !n.replica) continue;
    std::uint64_t issued = clients_[client->second].next_id - 1;
    std::uint64_t at_replica = n.replica->last_request_id(op.client).value_or(0);
    auto cached = n.ledger->cached_reply(op.client);
    std::uint64_t at_ledger = cached.ok() && *cached ? (*cached)->request_id : 0;
    // The replica's dedup state (a bounded cache over the ledger's rows,
    // consensus/client_table.h) is never behind the block just applied.
    if (at_replica < at_ledger) {
      violation("replica " + std::to_string(n.id) + " forgot that client " + op.client + " executed id " +
                std::to_string(at_ledger) + " (it answers " + std::to_string(at_replica) + ", block " +
                std::to_string(b.height) + ")");
      return;
    }
    if (at_replica > issued || at_ledger > issued) {
      violation("lock-out: client " + op.client + " issued ids up to " + std::to_string(issued) + " but replica " +
                std::to_string(n.id) + " executed id " + std::to_string(std::max(at_replica, at_ledger)) +
                " in its name (block " + std::to_string(b.height) + "): its next requests are refused as old");
      return;
    }
  }
}

namespace {

// A cheap upper estimate of a message's encoded size (requests at 3/2: base64
// plus framing; ~300 bytes a signed vote), to encode only the big ones.
std::uint64_t estimate(const consensus::Message& m) {
  using namespace consensus;
  struct V {
    std::uint64_t operator()(const PrePrepare& x) const { return request_bytes(x.requests) * 3 / 2 + 400; }
    std::uint64_t operator()(const NewView& x) const { return approx_bytes(x) * 3 / 2; }
    std::uint64_t operator()(const ViewChange& x) const {
      std::uint64_t t = 400 + 300 * x.checkpoint_proof.size();
      for (const auto& p : x.prepared) t += request_bytes(p.pre_prepare.requests) * 3 / 2 + 300 * (p.prepares.size() + 1);
      return t;
    }
    std::uint64_t operator()(const BlockBundle& x) const {
      std::uint64_t t = 400 + (x.new_view ? approx_bytes(*x.new_view) * 3 / 2 : 0);
      for (const auto& b : x.batches) t += request_bytes(b.pre_prepare.requests) * 3 / 2 + 300 * (b.commits.size() + 1);
      return t;
    }
    std::uint64_t operator()(const ForwardedRequest& x) const { return request_bytes(x.request) * 3 / 2 + 300; }
    std::uint64_t operator()(const Prepare&) const { return 400; }
    std::uint64_t operator()(const Commit&) const { return 400; }
    std::uint64_t operator()(const Checkpoint&) const { return 400 + 0; }
    std::uint64_t operator()(const FetchBlocks&) const { return 400; }
    std::uint64_t operator()(const consensus::Attest&) const { return 400; }
  };
  return std::visit(V{}, m);
}

}  // namespace

bool World::check_size(const Node& from, const consensus::Message& m) {
  const std::uint64_t limit = opt_.replica.max_message_bytes;
  if (estimate(m) * 2 <= limit) return true;
  std::uint64_t size = consensus::encode(m).size();
  if (size <= limit) return true;
  if (!from.byzantine)
    violation("replica " + std::to_string(from.id) + " sent a " + std::string(consensus::type_name(m)) + " of " +
              std::to_string(size) + " bytes, over the link limit of " + std::to_string(limit) +
              ": it can never be delivered (a byte budget is missing; the layer livelocks)");
  return false;
}

// A correct replica that already knew a membership change was pending (its
// limit before this step) never proposes or votes past its boundary: those
// seqs belong to the next epoch, and an old-epoch certificate for one is a
// ghost block. (Votes sent before the change executed are pipelining: they
// are below the limit it had then.)
void World::check_vote(const Node& from, const consensus::Message& m) {
  if (from.byzantine) return;
  consensus::Seq seq = 0;
  if (const auto* p = std::get_if<consensus::Prepare>(&m)) {
    if (p->epoch == from.epoch_before) seq = p->seq;
  } else if (const auto* c = std::get_if<consensus::Commit>(&m)) {
    if (c->epoch == from.epoch_before) seq = c->seq;
  } else if (const auto* pp = std::get_if<consensus::PrePrepare>(&m)) {
    if (pp->epoch == from.epoch_before) seq = pp->seq;
  }
  // The limit may also rise within the step (a checkpoint became stable):
  // only a vote past both is past what the replica knew.
  consensus::Seq limit = std::max(from.limit_before, from.replica ? from.replica->proposal_limit() : 0);
  if (seq > limit)
    violation("replica " + std::to_string(from.id) + " sent a " + std::string(consensus::type_name(m)) + " for seq " +
              std::to_string(seq) + " of epoch " + std::to_string(from.epoch_before) + ", past its limit " +
              std::to_string(limit) + " (a pending membership change's boundary): a ghost block");
}

void World::check_buffers(Node& n) {
  if (n.byzantine || !n.up || !n.replica) return;
  const auto& members = n.replica->config().members;
  for (const auto& pm : n.replica->buffered()) {
    if (pm.from < members.size() && pm.message && consensus::verify_signature(*pm.message, members[pm.from], *verifier_))
      continue;
    violation("replica " + std::to_string(n.id) + " buffered a " +
              (pm.message ? std::string(consensus::type_name(*pm.message)) : std::string("null")) +
              " from replica " + std::to_string(pm.from) + " whose signature does not verify (buffering before checking)");
    return;
  }
  for (const auto& [from, bytes] : n.replica->buffered_bytes()) {
    if (bytes > opt_.replica.max_message_bytes)
      violation("replica " + std::to_string(n.id) + " holds " + std::to_string(bytes) + " bytes from replica " +
                std::to_string(from) + " for the view it is entering (more than a message's worth per sender)");
  }
}

void World::check_view(Node& n) {
  if (n.byzantine || !n.up || !n.replica) return;
  auto v = n.replica->view();
  bool active = n.replica->active();
  // The one way down (consensus.md, "Rejoining a lower live view"): a replica
  // abandons its unfinished view change (inactive before this step) for a
  // lower view it is then active in. From there, views never go back again.
  if (v < n.max_view && !n.was_active && active) n.max_view = v;
  if (v < n.max_view)
    violation("replica " + std::to_string(n.id) + " went back from view " + std::to_string(n.max_view) + " to " +
              std::to_string(v));
  n.max_view = std::max(n.max_view, v);
  n.was_active = active;
}

}  // namespace mlchain::sim::detail
