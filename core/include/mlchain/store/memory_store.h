// MemoryStore: the Store interface over ordered maps in memory, for unit tests
// and simulations. Snapshot isolation like LMDB: a read txn sees the state at
// its start. commit() is "durable" for the life of the object, so a simulated
// crash/restart keeps the MemoryStore and drops everything else. Thread-safe.
#pragma once

#include <memory>

#include "mlchain/store/store.h"

namespace mlchain::store {

std::unique_ptr<Store> make_memory_store();

}  // namespace mlchain::store
