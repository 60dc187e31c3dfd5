// LmdbEnv: one open MDB_env plus the process-local state LMDB leaves to its
// caller. Internal to core/store; shared (shared_ptr) by the store and every
// transaction, so the env is closed only after its last transaction.
//
// What LMDB requires and how it is met here:
// - mdb_env_set_mapsize only with no transaction of this process open: the
//   TxnGate brackets every txn; growth and adoption of a size grown by another
//   process take it exclusively.
// - One write txn at a time per process, committed or aborted by the thread
//   that began it: writer_mu_ (held by the WriteTxn) plus a record of the
//   writer's thread to refuse, instead of self-deadlocking, a second
//   begin_write on that thread.
// - mdb_dbi_open by one txn at a time, that txn finishing before another uses
//   it: only write txns (serialised by writer_mu_) and open_new_tables()
//   (holding writer_mu_) call it. Handles opened by a write txn become visible
//   to others only after its commit, and a read txn may use only handles that
//   existed when it began. So handles are cached with the generation at which
//   they were published; the commit that publishes them holds dbi_mu_
//   exclusively while read txns begin under dbi_mu_ shared, so a reader either
//   predates both the new table and its handle or sees both.
// - Tables created by another process: a read txn whose snapshot holds more
//   tables than it has handles for opens them first (open_new_tables) and
//   begins again.
#pragma once

#include <lmdb.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "lmdb_error.h"
#include "mlchain/common/status.h"
#include "mlchain/store/lmdb_store.h"
#include "txn_gate.h"

namespace mlchain::store {

class LmdbEnv {
 public:
  static Result<std::shared_ptr<LmdbEnv>> open(const std::filesystem::path& dir, const LmdbOptions& options);
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::size_t map_bytes() const { return map_bytes_.load(); }
  int stale_readers_cleared_at_open() const { return stale_cleared_at_open_; }
  Result<int> clear_stale_readers();
  Status error(int rc, std::string_view what) const { return lmdb_error(rc, what, path_); }

  struct ReadBegin {
    MDB_txn* txn;
    std::uint64_t dbi_generation;  // pass to cached_dbi
  };
  // A read-only txn; on success the gate has been entered: end it with end_read.
  Result<ReadBegin> begin_read();
  void end_read(MDB_txn* txn);

  // Blocks until this thread may write; FailedPrecondition if it already does.
  Result<std::unique_lock<std::mutex>> lock_writer();
  void unlock_writer(std::unique_lock<std::mutex>& lock);
  // With the writer lock held. On success the gate has been entered: end the
  // txn with commit_write or abort_write.
  Result<MDB_txn*> begin_write();
  // mdb_txn_commit, publishing the handles the txn opened. The txn is gone
  // either way. Returns LMDB's code.
  int commit_write(MDB_txn* txn, const std::vector<std::pair<std::string, MDB_dbi>>& opened);
  void abort_write(MDB_txn* txn);

  // The handle of `table` usable by a txn that began at `generation`.
  static constexpr std::uint64_t kWriterGeneration = UINT64_MAX;
  std::optional<MDB_dbi> cached_dbi(std::string_view table, std::uint64_t generation) const;

  // Grows the map after a write txn that began with map size
  // `seen_map_bytes` hit MDB_MAP_FULL. Call with no txn of this thread open.
  Status grow_map(std::size_t seen_map_bytes);
  // After a commit: doubles the map once half of it is in use, but only if no
  // other writer and no txn of this process is open right now (no waiting),
  // so growth mostly happens at quiet moments, before any txn fails.
  void grow_early();

  Result<std::vector<std::string>> list_tables();

 private:
  LmdbEnv(std::filesystem::path path, const LmdbOptions& options, MDB_env* env);
  // Opens handles for the tables of the current snapshot that have none.
  Status open_new_tables();
  // After MDB_MAP_RESIZED: take the map size another process set.
  Status adopt_map_size();
  void refresh_map_bytes();
  Result<std::vector<std::string>> main_db_names(MDB_txn* txn) const;

  const std::filesystem::path path_;
  const LmdbOptions options_;
  MDB_env* const env_;
  MDB_dbi main_dbi_ = 0;
  int stale_cleared_at_open_ = 0;
  std::atomic<std::size_t> map_bytes_{0};
  std::pair<std::uint64_t, std::uint64_t> registry_key_{};  // (dev, ino) of the directory

  TxnGate gate_;

  std::mutex writer_mu_;
  std::atomic<std::thread::id> writer_thread_{};

  struct CachedDbi {
    MDB_dbi dbi;
    std::uint64_t generation;
  };
  mutable std::shared_mutex dbi_mu_;
  std::map<std::string, CachedDbi, std::less<>> dbis_;  // guarded by dbi_mu_
  std::set<std::string, std::less<>> not_tables_;       // main-DB keys that are not tables (foreign writers)
  std::uint64_t generation_ = 0;                        // guarded by dbi_mu_
};

}  // namespace mlchain::store
