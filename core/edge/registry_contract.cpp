// Registry::deliver_contract: a contract message into its destination's
// queue, deduplicated by sum in the same write transaction (registry.h).
#include "group_commit.h"
#include "mlchain/edge/registry.h"

namespace mlchain::edge {

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
