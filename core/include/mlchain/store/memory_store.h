// MemoryStore: the Store interface over ordered maps in memory, for unit tests
// and simulations. Snapshot isolation like LMDB: a read txn sees the state at
// its start. commit() is "durable" for the life of the object, so a simulated
// crash/restart keeps the MemoryStore and drops everything else. Thread-safe.
//
// Design (multi-version rows). Each table is a std::map from key to a short
// chain of (version, value-or-tombstone), oldest first; a global counter
// numbers commits. A read txn pins the version current at its start and sees,
// per key, the newest entry at or below it. A write txn buffers its changes
// and, at commit, appends one entry per changed key under a short exclusive
// lock: commit costs O(changes × log n), independent of the store's size
// (clear() is the exception: it tombstones every key of the table, O(table)).
// Entries no live reader can see any more are pruned at later commits, so
// memory is O(live keys + changes since the oldest open read txn began).
// Values are shared, never copied, between versions and cursors.
#pragma once

#include <memory>

#include "mlchain/store/store.h"

namespace mlchain::store {

std::unique_ptr<Store> make_memory_store();

}  // namespace mlchain::store
