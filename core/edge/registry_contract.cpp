// Registry::deliver_contract: a contract message into its destination's
// queue, deduplicated by sum in the same write transaction (registry.h).
#include "group_commit.h"
#include "mlchain/edge/registry.h"

namespace mlchain::edge {
namespace {

std::string expiry_key(std::int64_t expires_at_ms, const std::string& sum) {
  std::string ms = std::to_string(std::max<std::int64_t>(expires_at_ms, 0));
  return std::string(20 - std::min<std::size_t>(ms.size(), 20), '0') + ms + ":" + sum;
}

// Forgets a few delivered sums whose message expired more than the grace
// ago (amortised: each delivery removes at most 32), with their index rows.
Status prune_delivered(store::WriteTxn& txn, std::int64_t now) {
  std::vector<std::string> done;
  {
    MLCHAIN_ASSIGN_OR_RETURN(auto cur, txn.cursor(kContractDeliveredExpiryTable));
    MLCHAIN_TRY(cur->first());
    std::string horizon = expiry_key(now - kDeliveredGraceMs, "");
    while (cur->valid() && done.size() < 32 && std::string(cur->key()) < horizon) {
      done.emplace_back(cur->key());
      MLCHAIN_TRY(cur->next());
    }
  }
  for (const auto& k : done) {
    MLCHAIN_TRY(txn.del(kContractDeliveredExpiryTable, k));
    MLCHAIN_TRY(txn.del(kContractDeliveredTable, k.substr(21)));
  }
  return {};
}

}  // namespace

Result<DeliveryResult> Registry::deliver_contract(const ContractDelivery& d) {
  MLCHAIN_ASSIGN_OR_RETURN(auto receipt_text, codec::canonical(d.receipt));
  const std::int64_t now = unix_millis(clock_.now());
  DeliveryResult result;
  // Runs inside a group-commit batch; a refusal writes nothing. The batch
  // may run this more than once (a store retry), so it starts afresh.
  auto apply = [&](store::WriteTxn& txn, Decision& out) -> Status {
    result = DeliveryResult{};
    MLCHAIN_ASSIGN_OR_RETURN(auto known, txn.get(kContractDeliveredTable, d.sum_hex));
    if (known) {
      auto j = codec::parse(*known);
      if (!j.ok()) return corruption("stored receipt of " + d.sum_hex + " is not JSON");
      result.outcome = DeliveryResult::Outcome::kReplay;
      result.receipt = std::move(*j);
      out = Decision::refuse(Reason::kReplayed, "delivered before");
      return {};
    }
    if (d.expires_at_ms != 0 && now > d.expires_at_ms) {
      result.outcome = DeliveryResult::Outcome::kExpired;
      result.message = "message " + d.sum_hex + " expired at " + std::to_string(d.expires_at_ms) + " (now " +
                       std::to_string(now) + "); it is not delivered";
      out = Decision::refuse(Reason::kBadRequest, result.message);
      return {};
    }
    MLCHAIN_ASSIGN_OR_RETURN(auto dest, detail::load_record(txn, d.to));
    if (!dest || dest->revoked) {
      result.outcome = DeliveryResult::Outcome::kUnknownTarget;
      result.message = "no active object " + d.to.substr(0, 300) + " in edge layer " + options_.layer_path;
      out = Decision::refuse(Reason::kUnknownTarget, result.message);
      return {};
    }
    if (dest->queue_next - dest->queue_first >= options_.queue_limit) {
      result.outcome = DeliveryResult::Outcome::kQueueFull;
      result.message =
          "the queue of " + dest->uuid + " holds " + std::to_string(options_.queue_limit) + " messages; retry later";
      out = Decision::refuse(Reason::kQueueFull, result.message);
      return {};
    }
    std::uint64_t seq = dest->queue_next++;
    Message m{seq, d.from, now, d.body, d.contract};
    MLCHAIN_ASSIGN_OR_RETURN(auto row, codec::canonical(to_json(m)));
    MLCHAIN_TRY(txn.put(kQueueTable, detail::row_key(dest->uuid, seq), row));
    MLCHAIN_TRY(detail::save_record(txn, *dest));
    MLCHAIN_TRY(txn.put(kContractDeliveredTable, d.sum_hex, receipt_text));
    if (d.expires_at_ms != 0) {
      MLCHAIN_TRY(txn.put(kContractDeliveredExpiryTable, expiry_key(d.expires_at_ms, d.sum_hex), ""));
      MLCHAIN_TRY(prune_delivered(txn, now));
    }
    result.outcome = DeliveryResult::Outcome::kDelivered;
    result.seq = seq;
    result.receipt = d.receipt;
    out.reason = Reason::kAccepted;
    return {};
  };
  Decision dec = commit_->run(apply);
  if (dec.reason == Reason::kInternal) return internal_error(dec.message);
  return result;
}

}  // namespace mlchain::edge
