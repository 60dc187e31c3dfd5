// Following the high-level neighbours' membership (DESIGN §3, issue 14
// item 3): every kFollowInterval, and at once when a packet arrives signed
// by a key this layer does not know for its sender, a member asks the
// neighbour's members for their epoch certificates after the epoch this
// layer trusts (GET /v1/epochs?after=E), checks them (ledger::follow_epochs)
// and orders them (node/epochs.h), so the whole layer moves on together. A
// member that answers certificates that do not verify is skipped, counted
// and logged; nothing it says is ordered (and every replica would refuse it
// anyway).
#include <future>
#include <random>

#include "mlchain/node/epochs.h"
#include "mlchain/node/layer_application.h"
#include "relay_impl.h"

namespace mlchain::relay {

std::vector<std::string> ContractService::high_level_neighbours() const {
  std::vector<std::string> out;
  const auto& bp = ctx_.genesis.blueprint;
  if (bp.superior) out.push_back(bp.superior->path);
  for (const auto& s : bp.subordinates) out.push_back(s.path);
  // Layers attached at runtime (node/layer_application.h).
  if (auto txn = host_->store().begin_read(); txn.ok()) {
    if (auto attached = node::attached_layer_paths(**txn); attached.ok())
      for (auto& p : *attached) out.push_back(std::move(p));
  }
  return out;
}

bool ContractService::needs_follow(const contract::LayerCertificate& cert, const std::string& claimed) const {
  auto txn = host_->store().begin_read();
  if (!txn.ok()) return false;
  auto trusted = node::trusted_neighbour(**txn, ctx_.genesis.blueprint, claimed);
  if (!trusted.ok()) return false;  // an edge, or nobody we follow
  std::size_t known = 0;
  for (const auto& [key, sig] : cert.signatures) {
    for (const auto& m : trusted->members) {
      if (m.key == key) {
        ++known;
        break;
      }
    }
  }
  return known < cert.signatures.size() || known < consensus::max_faults(trusted->members.size()) + 1;
}

bool ContractService::admit_demand_follow(const std::string& path) {
  std::lock_guard lock(demand_mu_);
  auto now = Clock::now();
  auto& at = demand_follow_at_[path];
  if (at != Clock::time_point{} && now - at < std::chrono::seconds(1)) return false;
  at = now;
  return true;
}

Result<consensus::Epoch> ContractService::follow(const std::string& path, Clock::time_point deadline) {
  std::unique_lock one(follow_mu_);  // one follow at a time: they would order the same certificates
  if (!host_->is_member(host_->key().public_key()))
    return failed_precondition("this node is not a member: it orders nothing");
  for (int step = 0; step < 64; ++step) {  // at most kMaxCertsPerOp certificates per op; a long way is several
    ledger::TrustedMembers trusted;
    {
      MLCHAIN_ASSIGN_OR_RETURN(auto txn, host_->store().begin_read());
      MLCHAIN_ASSIGN_OR_RETURN(trusted, node::trusted_neighbour(*txn, ctx_.genesis.blueprint, path));
    }
    std::vector<BookMember> members;
    for (const auto& m : trusted.members)
      if (!m.address.empty()) members.push_back(BookMember{m.name, m.key, m.address});
    if (members.empty()) return trusted.epoch;
    std::rotate(members.begin(), members.begin() + static_cast<std::ptrdiff_t>(follow_turn_++ % members.size()),
                members.end());
    std::vector<ledger::EpochCertificate> chain;
    for (const auto& m : members) {
      if (stopping() || Clock::now() >= deadline) return trusted.epoch;
      auto r = call(m, "GET", "/v1/epochs?after=" + std::to_string(trusted.epoch), "", {},
                    std::chrono::milliseconds(3'000));
      if (!r.ok() || r->status != 200) continue;
      auto j = codec::parse(r->body, codec::ParseLimits{2 * 1024 * 1024, 8, 4096, 64 * 1024});
      if (!j.ok()) continue;
      auto read = ledger::read_epochs_answer(*j, trusted.epoch);
      if (read.ok() && read->nothing_newer) return trusted.epoch;  // the layer is where we trust it to be
      if (read.ok() && read->chain.empty()) continue;  // this member has not collected the newer ones yet
      Status bad = read.ok() ? ledger::follow_epochs(trusted, read->chain, host_->verifier()).status() : read.status();
      if (!bad.ok()) {
        count("neighbour_epochs_refused");
        host_->log().warn("a neighbour member answered epoch certificates that do not verify; ignored",
                          {{"layer", path}, {"member", m.name}, {"error", bad.message().substr(0, 300)}});
        continue;
      }
      chain = std::move(read->chain);
      break;
    }
    if (chain.empty()) return trusted.epoch;
    if (chain.size() > node::kMaxCertsPerOp) chain.resize(node::kMaxCertsPerOp);
    auto done = std::make_shared<std::promise<Result<node::Ordered>>>();
    auto answer = done->get_future();
    host_->order(node::neighbour_op_text(path, chain),
                 [done](Result<node::Ordered> r) { done->set_value(std::move(r)); });
    if (answer.wait_until(deadline) != std::future_status::ready) return trusted.epoch;
    auto r = answer.get();
    if (!r.ok()) return r.status();
    if (r->result.rfind("ok", 0) != 0) {
      count("neighbour_epochs_refused");
      return failed_precondition("the layer refused " + path + "'s epoch certificates: " + r->result.substr(0, 300));
    }
    count("neighbour_epochs_ordered");
    host_->log().info("following a neighbour's membership", {{"layer", path}, {"result", r->result.substr(0, 200)}});
  }
  return failed_precondition("too many epochs to follow at once");
}

void ContractService::follow_loop() {
  std::mt19937_64 rng(std::random_device{}());
  auto base = kFollowInterval.count();
  std::uniform_int_distribution<long long> jitter(base * 3 / 4, base * 5 / 4);
  while (true) {
    {
      std::unique_lock lock(sup_mu_);
      if (sup_cv_.wait_for(lock, std::chrono::milliseconds(jitter(rng)), [this] { return sup_stop_; })) return;
    }
    if (!host_->is_member(host_->key().public_key())) continue;
    for (const auto& path : high_level_neighbours()) {
      if (superior_stopping()) return;
      auto r = follow(path, Clock::now() + std::chrono::seconds(10));
      if (!r.ok()) host_->log().debug("following a neighbour failed", {{"layer", path}, {"error", r.status().message()}});
    }
  }
}

}  // namespace mlchain::relay
