// LmdbStore: the durable Store, a thin RAII wrapper over the LMDB C API
// (liblmdb; not Debian's C++ wrapper, which mishandles keys).
//
// On disk: one directory (created mode 0700 if missing) holding data.mdb and
// lock.mdb (mode 0600). Each table is an LMDB named database (at most
// LmdbOptions::max_tables); nothing else is stored in LMDB's main database.
//
// Durability, precisely. Opened with default sync flags (durable = true),
// commit() returns only after LMDB has (1) written the txn's dirty pages with
// pwrite and fdatasync'd data.mdb, then (2) written the meta page that points
// at the new tree through a file descriptor opened O_DSYNC. Until (2) reaches
// the disk the old meta page names the previous tree, whose pages a txn never
// overwrites; so a crash or power loss at any instant leaves the last
// committed txn or the one before it, and after commit() returned ok, the new
// one (given a disk that honours flushes). A process killed with kill -9
// loses nothing committed either way. The directory itself is fsync'd when
// open_lmdb creates data.mdb, so a new store's files survive power loss.
// durable = false (MDB_NOSYNC; benchmarks and throwaway stores only): commit()
// returns once the pages are in the OS page cache; kill -9 loses nothing, but
// an OS crash or power loss may lose recent txns and, on a file system that
// reorders writes, corrupt the store.
//
// Opened with MDB_NOTLS: read txns are not tied to a thread. At open, reader
// slots left by dead processes are cleared (mdb_reader_check).
//
// Map size: starts at max(initial_map_bytes, size of an existing data.mdb) and
// doubles, up to max_map_bytes. Growing remaps the file, which LMDB allows only
// while no transaction of this process is open, so it happens in two ways:
// - early: after a commit, once half the map is in use, if at that instant no
//   transaction of this process is open (never waits, never blocks anyone);
// - on MDB_MAP_FULL: Store::write aborts, grows and reruns fn transparently;
//   a bare WriteTxn gets ResourceExhausted and can only be aborted. This growth
//   waits for open transactions to end, new ones waiting meanwhile; if they do
//   not end within grow_wait (e.g. the thread calling write() itself holds a
//   read txn), write() gives ResourceExhausted and nothing is corrupted.
// So keep read txns short: a long one both pins old pages (the file cannot
// reuse them) and delays growth. When another process grew the map
// (MDB_MAP_RESIZED), beginning a txn adopts the new size and retries.
//
// One LmdbStore per directory per process (LMDB's rule; a second open_lmdb
// of the same directory in one process fails with FailedPrecondition). Several
// processes may open the same directory. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>

#include "mlchain/store/store.h"

namespace mlchain::store {

struct LmdbOptions {
  std::size_t initial_map_bytes = std::size_t{64} << 20;  // 64 MiB
  std::size_t max_map_bytes = std::size_t{64} << 30;      // 64 GiB
  bool durable = true;                                    // false: MDB_NOSYNC (benchmarks only)
  unsigned max_tables = 64;
  // How long map growth waits for this process's open transactions to end.
  std::chrono::milliseconds grow_wait = std::chrono::seconds(10);
};

// The LMDB-specific view of an open store.
class LmdbStore : public Store {
 public:
  virtual const std::filesystem::path& path() const = 0;
  // Current map size in bytes (the most data.mdb may grow to before growing).
  virtual std::size_t map_bytes() const = 0;
  // Reader slots of dead processes cleared by mdb_reader_check at open.
  virtual int stale_readers_cleared_at_open() const = 0;
  // Runs mdb_reader_check again; returns the number of slots cleared.
  virtual Result<int> clear_stale_readers() = 0;
};

// Opens (creating if missing) the store in directory `dir`. Errors name the
// path and LMDB's reason: InvalidArgument for bad options or a path that is
// not a directory, FailedPrecondition if this process has it open already,
// Corruption for a data.mdb that is not LMDB, IoError otherwise.
Result<std::unique_ptr<LmdbStore>> open_lmdb_store(const std::filesystem::path& dir, const LmdbOptions& options = {});

// The same, as a plain Store.
Result<std::unique_ptr<Store>> open_lmdb(const std::filesystem::path& dir, const LmdbOptions& options = {});

}  // namespace mlchain::store
