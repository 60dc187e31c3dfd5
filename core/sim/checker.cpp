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
