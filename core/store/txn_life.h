// TxnLife: shared by a transaction and its cursors; cleared when the txn
// ends, after which the cursors refuse to move. Used by one thread at a time,
// like the txn itself.
#pragma once

namespace mlchain::store {

struct TxnLife {
  bool alive = true;
};

}  // namespace mlchain::store
