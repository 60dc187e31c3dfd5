// Superior review (DESIGN §7, issue 7): challenge every member of the
// superior layer on a jittered interval; when none answers for
// `freeze_after` rounds in a row, raise the superior alarm and freeze
// contract traffic towards the superior until one answers again.
#include <random>

#include "mlchain/common/clock.h"
#include "relay_impl.h"

namespace mlchain::relay {

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
  const auto& superior = *ctx_.genesis.blueprint.superior;
  std::size_t ok = 0, asked = 0;
  std::string failures;
  for (const auto& m : superior.members) {
    if (!m.valid) continue;
    {
      std::lock_guard lock(sup_mu_);
      if (sup_stop_) return;
    }
    ++asked;
    codec::Json r = host_->challenge(m.key, m.address);
    if (r.value("result", "") == "ok") {
      ++ok;
    } else {
      failures += (failures.empty() ? "" : ", ") + m.name + ": " + r.value("result", "?");
    }
  }
  std::lock_guard lock(sup_mu_);
  ++sup_.rounds;
  if (ok > 0) {
    if (sup_.frozen) {
      host_->log().warn("superior reachable again: contract traffic towards it resumes",
                        {{"superior", superior.path}, {"answered", std::to_string(ok) + "/" + std::to_string(asked)}});
    }
    sup_.frozen = false;
    sup_.failed_rounds = 0;
    sup_.last = std::to_string(ok) + " of " + std::to_string(asked) + " members answered";
    return;
  }
  if (sup_.failed_rounds == 0) sup_.since_ms = unix_millis(SystemClock().now());
  ++sup_.failed_rounds;
  sup_.last = "no member answered (" + failures + ")";
  if (!sup_.frozen && sup_.failed_rounds >= options_.freeze_after) {
    sup_.frozen = true;
    ++sup_.alarms;
    host_->log().error(
        "ALARM: every member of the superior layer failed its challenge; contract traffic towards it is frozen",
        {{"superior", superior.path}, {"rounds", std::to_string(sup_.failed_rounds)}, {"members", failures}});
  }
}

std::optional<std::string> ContractService::frozen() const {
  std::lock_guard lock(sup_mu_);
  if (!sup_.frozen) return std::nullopt;
  return "contract traffic through the superior layer " + ctx_.genesis.blueprint.superior->path +
         " is frozen: every member failed its challenge in " + std::to_string(sup_.failed_rounds) +
         " review rounds in a row (since unix ms " + std::to_string(sup_.since_ms) + "; " + sup_.last +
         "); it resumes when one answers again";
}

codec::Json ContractService::superior_json() const {
  if (!ctx_.genesis.blueprint.superior) return nullptr;
  std::lock_guard lock(sup_mu_);
  return {{"path", ctx_.genesis.blueprint.superior->path},
          {"state", sup_.frozen ? "frozen" : (sup_.rounds == 0 ? "unknown" : (sup_.failed_rounds ? "failing" : "ok"))},
          {"failed_rounds", sup_.failed_rounds},
          {"rounds", sup_.rounds},
          {"alarms", sup_.alarms},
          {"since_ms", sup_.since_ms},
          {"last", sup_.last}};
}

}  // namespace mlchain::relay
