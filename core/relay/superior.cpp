// Superior review (DESIGN §7, issue 7): challenge every member of the
// superior layer on a jittered interval; when none answers for
// `freeze_after` rounds in a row, raise the superior alarm and freeze
// contract traffic towards the superior until one answers again.
//
// While frozen, the review also tries the layer's other superior candidates
// (the blueprint's [[alternate_superiors]], or the original superior when an
// alternate is the current one). A candidate that a quorum of its members
// answers, and whose directory records this layer with its genesis members,
// gets this member's vote for change-superior (node/superior_change.h); the
// layer moves when 2f+1 members voted within one window. The next round then
// reviews the new superior, and its first answer lifts the freeze.
#include <random>

#include "mlchain/common/clock.h"
#include "mlchain/contract/address.h"
#include "mlchain/node/superior_change.h"
#include "relay_impl.h"

namespace mlchain::relay {
namespace {

struct Tally {
  std::size_t ok = 0;
  std::size_t asked = 0;
  std::string failures;  // "name: result, ..."
};

}  // namespace

void ContractService::superior_loop() {
  std::mt19937_64 rng(std::random_device{}());
  auto base = options_.superior_review.count();
  std::uniform_int_distribution<long long> jitter(base * 3 / 4, base * 5 / 4);
  while (true) {
    {
      std::unique_lock lock(sup_mu_);
      if (sup_cv_.wait_for(lock, std::chrono::milliseconds(jitter(rng)), [this] { return sup_stop_; })) return;
    }
    superior_round();
  }
}

void ContractService::superior_round() {
  const auto& bp = ctx_.genesis.blueprint;
  auto current = node::current_superior(host_->store(), bp);
  if (!current.ok() || current->book == nullptr) {
    host_->log().error("superior review: cannot read which superior this layer trusts",
                       {{"error", current.ok() ? "no superior" : current.status().message()}});
    return;
  }
  const ledger::AddressBook& superior = *current->book;
  {
    std::lock_guard lock(sup_mu_);
    if (current->state.generation != sup_.generation) {
      // An ordered change-superior took effect: review the new one afresh.
      if (sup_.rounds > 0)
        host_->log().warn("superior changed: contract traffic goes to the new superior",
                        {{"superior", superior.path},
                         {"candidate", node::superior_candidate_name(current->state.index)},
                         {"height", std::to_string(current->state.height)}});
      sup_.generation = current->state.generation;
      sup_.index = current->state.index;
      // A new superior starts unfrozen: it is frozen (and alternates tried
      // again) only after freeze_after failed rounds of its own.
      sup_.frozen = false;
      sup_.failed_rounds = 0;
      sup_.alternates.clear();
    }
  }
  auto challenge_all = [this](const ledger::AddressBook& book) {
    Tally t;
    for (const auto& m : book.members) {
      if (!m.valid) continue;
      {
        std::lock_guard lock(sup_mu_);
        if (sup_stop_) return t;
      }
      ++t.asked;
      codec::Json r = host_->challenge(m.key, m.address);
      if (r.value("result", "") == "ok") {
        ++t.ok;
      } else {
        t.failures += (t.failures.empty() ? "" : ", ") + m.name + ": " + r.value("result", "?");
      }
    }
    return t;
  };
  Tally t = challenge_all(superior);
  bool try_alternates = false;
  {
    std::lock_guard lock(sup_mu_);
    if (sup_stop_) return;
    ++sup_.rounds;
    if (t.ok > 0) {
      if (sup_.frozen) {
        host_->log().warn("superior reachable again: contract traffic towards it resumes",
                          {{"superior", superior.path},
                           {"answered", std::to_string(t.ok) + "/" + std::to_string(t.asked)}});
      }
      sup_.frozen = false;
      sup_.failed_rounds = 0;
      sup_.alternates.clear();
      sup_.last = std::to_string(t.ok) + " of " + std::to_string(t.asked) + " members answered";
      return;
    }
    if (sup_.failed_rounds == 0) sup_.since_ms = unix_millis(SystemClock().now());
    ++sup_.failed_rounds;
    sup_.last = "no member answered (" + t.failures + ")";
    if (!sup_.frozen && sup_.failed_rounds >= options_.freeze_after) {
      sup_.frozen = true;
      ++sup_.alarms;
      host_->log().error(
          "ALARM: every member of the superior layer failed its challenge; contract traffic towards it is frozen",
          {{"superior", superior.path}, {"rounds", std::to_string(sup_.failed_rounds)}, {"members", t.failures}});
    }
    try_alternates = sup_.frozen && ledger::superior_candidates(bp) > 1;
  }
  if (try_alternates) try_other_superiors(*current);
}

// The first other candidate, in blueprint order, that can take this layer's
// traffic gets this member's vote.
void ContractService::try_other_superiors(const node::CurrentSuperior& current) {
  const auto& bp = ctx_.genesis.blueprint;
  std::string found;
  for (std::size_t i = 0; i < ledger::superior_candidates(bp); ++i) {
    if (i == current.state.index) continue;
    const ledger::AddressBook& book = *ledger::superior_candidate(bp, i);
    std::string name = node::superior_candidate_name(i);
    std::vector<BookMember> answered;
    std::size_t asked = 0;
    for (const auto& m : book.members) {
      if (!m.valid) continue;
      if (superior_stopping()) return;
      ++asked;
      if (host_->challenge(m.key, m.address).value("result", "") == "ok")
        answered.push_back(BookMember{m.name, m.key, m.address});
    }
    std::string seen = name + ": " + std::to_string(answered.size()) + " of " + std::to_string(asked) + " answered";
    if (answered.size() < consensus::quorum_size(asked)) {
      found += (found.empty() ? "" : "; ") + seen + ", fewer than a quorum";
      continue;
    }
    // It must record this layer as its subordinate, with the keys our
    // certificates are signed by (current members), or it would refuse them.
    std::string why = knows_us(answered);
    if (!why.empty()) {
      found += (found.empty() ? "" : "; ") + seen + ", but " + why;
      continue;
    }
    // One vote per (generation, candidate, window), and none while one is
    // being ordered: the vote stays counted for its window, so re-ordering it
    // every round would only fill the chain and the ordering queue.
    std::int64_t window = unix_millis(SystemClock().now()) / node::kSuperiorWindowMs;
    {
      std::lock_guard lock(sup_mu_);
      if (sup_stop_) return;
      bool same = sup_.voted_generation == current.state.generation && sup_.voted_index == i &&
                  sup_.voted_window == window;
      if (sup_.vote_in_flight || same) {
        sup_.alternates = seen + ": this member's vote for it is " + (sup_.vote_in_flight ? "being ordered" : "counted");
        return;
      }
      sup_.vote_in_flight = true;
      sup_.voted_generation = current.state.generation;
      sup_.voted_index = i;
      sup_.voted_window = window;
      sup_.alternates = seen + ": voted to change to it";
      ++sup_.votes;
    }
    host_->log().error("superior review: voting to change the superior",
                       {{"superior", book.path}, {"to", name}, {"found", seen}});
    host_->order(node::superior_vote_op_text(current.state.generation, i, window),
                 [this, name](Result<node::Ordered> r) {
                   bool counted = r.ok() && r->result.rfind("ok", 0) == 0;
                   {
                     std::lock_guard lock(sup_mu_);
                     sup_.vote_in_flight = false;
                     if (!counted) sup_.voted_window = 0;  // not recorded: vote again next round
                   }
                   host_->log().info("superior review: change-superior vote answered",
                                     {{"to", name}, {"result", r.ok() ? r->result.substr(0, 200) : r.status().message()}});
                 });
    return;
  }
  std::lock_guard lock(sup_mu_);
  sup_.alternates = found.empty() ? "no other candidate" : found;
}

// "" when one of `members` lists this layer in its directory with at least
// f+1 of our current members' keys (it follows our epochs, node/epochs.h);
// otherwise why not.
std::string ContractService::knows_us(const std::vector<BookMember>& members) {
  const auto ours = host_->members();
  std::string why = "no member answered its directory";
  for (const auto& m : members) {
    if (superior_stopping()) break;
    auto r = call(m, "GET", "/v1/directory/" + contract::url_segment(layer_), "", {}, std::chrono::milliseconds(3'000));
    if (!r.ok()) continue;
    if (r->status != 200) {
      why = "it does not record " + layer_ + " (HTTP " + std::to_string(r->status) + ")";
      continue;
    }
    auto j = codec::parse(r->body, codec::ParseLimits{256 * 1024, 6, 4096, 1024});
    auto book = j.ok() ? book_from_json(*j) : Result<Book>(j.status());
    if (!book.ok()) {
      why = "its directory answer is malformed";
      continue;
    }
    std::size_t matching = 0;
    for (const auto& g : ours)
      for (const auto& b : book->members) matching += g.key == b.key ? 1u : 0u;
    if (book->path == layer_ && matching >= consensus::max_faults(ours.size()) + 1) return "";
    why = "it records other keys for " + layer_;
  }
  return why;
}

std::optional<std::string> ContractService::other_superior_candidate(const store::ReadTxn& txn,
                                                                    const std::string& claimed,
                                                                    const contract::LayerCertificate& cert,
                                                                    const contract::Packet& p) const {
  const auto& bp = ctx_.genesis.blueprint;
  if (!bp.superior || claimed != bp.superior->path || ledger::superior_candidates(bp) < 2) return std::nullopt;
  auto current = node::current_superior(txn, bp);
  if (!current.ok()) return std::nullopt;
  for (std::size_t i = 0; i < ledger::superior_candidates(bp); ++i) {
    if (i == current->state.index) continue;
    auto keys = contract::from_book(*ledger::superior_candidate(bp, i));
    if (contract::check_certificate(cert, p, claimed, keys, host_->verifier()).status.ok())
      return node::superior_candidate_name(i);
  }
  return std::nullopt;
}

std::optional<std::string> ContractService::frozen(const store::ReadTxn* txn) const {
  std::uint64_t reviewed;
  {
    std::lock_guard lock(sup_mu_);
    if (!sup_.frozen) return std::nullopt;  // the common case: no store read
    reviewed = sup_.generation;
  }
  // A change-superior ordered since the last round: the new superior has
  // not been reviewed yet, so it is not frozen (its round follows).
  auto current = txn ? node::current_superior(*txn, ctx_.genesis.blueprint)
                     : node::current_superior(host_->store(), ctx_.genesis.blueprint);
  if (current.ok() && current->state.generation != reviewed) return std::nullopt;
  std::lock_guard lock(sup_mu_);
  if (!sup_.frozen) return std::nullopt;
  std::string path = ctx_.genesis.blueprint.superior->path;
  std::string alternates = sup_.alternates.empty() ? "" : "; alternates: " + sup_.alternates;
  return "contract traffic through the superior layer " + path + " is frozen: every member failed its challenge in " +
         std::to_string(sup_.failed_rounds) + " review rounds in a row (since unix ms " + std::to_string(sup_.since_ms) +
         "; " + sup_.last + alternates + "); it resumes when one answers again or the layer changes superior";
}

codec::Json ContractService::superior_json() const {
  if (!ctx_.genesis.blueprint.superior) return nullptr;
  std::lock_guard lock(sup_mu_);
  return {{"path", ctx_.genesis.blueprint.superior->path},
          {"state", sup_.frozen ? "frozen" : (sup_.rounds == 0 ? "unknown" : (sup_.failed_rounds ? "failing" : "ok"))},
          {"candidate", sup_.index},
          {"candidates", ledger::superior_candidates(ctx_.genesis.blueprint)},
          {"changes", sup_.generation},
          {"failed_rounds", sup_.failed_rounds},
          {"rounds", sup_.rounds},
          {"alarms", sup_.alarms},
          {"votes", sup_.votes},
          {"since_ms", sup_.since_ms},
          {"last", sup_.last},
          {"alternates", sup_.alternates}};
}

}  // namespace mlchain::relay
