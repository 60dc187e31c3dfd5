// LmdbStore: the durable Store, a thin RAII wrapper over the LMDB C API
// (liblmdb; not Debian's C++ wrapper, which mishandles keys).
//
// On disk: one directory holding data.mdb and lock.mdb. Each table is an LMDB
// named database (max 64). Opened with MDB_NOTLS (read txns are not tied to a
// thread) and, when durable, default sync flags: commit() returns after
// fdatasync, so a committed txn survives kill -9 and power loss. At open,
// stale reader slots left by dead processes are cleared (mdb_reader_check).
//
// Map size: starts at options.initial_map_bytes and doubles on MDB_MAP_FULL up
// to options.max_map_bytes (Store::write retries transparently; a bare
// WriteTxn returns ResourceExhausted and must be aborted).
//
// One LmdbStore per directory per process (LMDB's rule). Thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "mlchain/store/store.h"

namespace mlchain::store {

struct LmdbOptions {
  std::size_t initial_map_bytes = std::size_t{64} << 20;   // 64 MiB
  std::size_t max_map_bytes = std::size_t{64} << 30;       // 64 GiB
  bool durable = true;                                     // false: MDB_NOSYNC (benchmarks only)
  unsigned max_tables = 64;
};

Result<std::unique_ptr<Store>> open_lmdb(const std::filesystem::path& dir, const LmdbOptions& options = {});

}  // namespace mlchain::store
