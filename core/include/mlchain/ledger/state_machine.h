// StateMachine: the application a layer replicates. The ledger calls it
// inside the one write transaction that applies a block, so its changes
// commit or vanish with the block. It must be deterministic: same state +
// same op + same block time = same result and same writes, on every replica.
// A bad op is not an error: it yields an error *result* (the op was ordered;
// it just did nothing). A non-ok Status means the store failed.
#pragma once

#include "mlchain/consensus/types.h"
#include "mlchain/store/store.h"

namespace mlchain::ledger {

struct OpContext {
  std::uint64_t height = 0;
  std::int64_t time_ms = 0;  // the block's time
  // The epoch the block executes in (its members), when the caller knows it
  // (the Ledger does): what a member-only op is checked against, the same
  // on every replica. nullptr: unknown (such ops are refused).
  const consensus::EpochConfig* epoch = nullptr;
};

class StateMachine {
 public:
  virtual ~StateMachine() = default;
  virtual Result<Bytes> apply(store::WriteTxn& txn, const consensus::Request& op, const OpContext& ctx) = 0;
};

// A tiny key/value application for tests and the simulator (table "kv"):
//   "put <key> <value>" -> "ok"; "get <key>" -> value or "missing";
//   "del <key>" -> "ok"; anything else -> "error: ...".
class KvStateMachine final : public StateMachine {
 public:
  Result<Bytes> apply(store::WriteTxn& txn, const consensus::Request& op, const OpContext& ctx) override;
};

}  // namespace mlchain::ledger
