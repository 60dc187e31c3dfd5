// LmdbEnv: transactions, handle cache and map growth. The locking protocol is
// described in lmdb_env.h. Lock order: writer_mu_, then the gate, then dbi_mu_.
#include "lmdb_env.h"

#include <string>

namespace mlchain::store {
namespace {

// Beginning a txn retries after MDB_MAP_RESIZED and after opening tables that
// another process created; each retry follows a change made by another
// process, so a handful is plenty.
constexpr int kMaxBeginAttempts = 16;

std::string to_string(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

}  // namespace

Result<LmdbEnv::ReadBegin> LmdbEnv::begin_read() {
  for (int attempt = 0; attempt < kMaxBeginAttempts; ++attempt) {
    gate_.enter();
    MDB_txn* txn = nullptr;
    std::uint64_t generation = 0;
    std::size_t known = 0;
    int rc = 0;
    {
      std::shared_lock lock(dbi_mu_);
      rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
      generation = generation_;
      known = dbis_.size() + not_tables_.size();
    }
    if (rc == MDB_MAP_RESIZED) {
      gate_.leave();
      MLCHAIN_TRY(adopt_map_size());
      continue;
    }
    if (rc != 0) {
      gate_.leave();
      return error(rc, "cannot begin a read transaction");
    }
    MDB_stat stat{};
    rc = mdb_stat(txn, main_dbi_, &stat);
    if (rc == 0 && stat.ms_entries <= known) return ReadBegin{txn, generation};
    mdb_txn_abort(txn);
    gate_.leave();
    if (rc != 0) return error(rc, "cannot read the table list");
    if (Status s = open_new_tables(); !s.ok()) return s.with_context("opening tables created by another process");
  }
  return internal_error("cannot begin a read transaction on " + path_.string() +
                        ": the map size or table list kept changing under it");
}

void LmdbEnv::end_read(MDB_txn* txn) {
  mdb_txn_abort(txn);
  gate_.leave();
}

Result<std::unique_lock<std::mutex>> LmdbEnv::lock_writer() {
  if (writer_thread_.load() == std::this_thread::get_id()) {
    return failed_precondition("this thread already has a write transaction open on " + path_.string() +
                               "; commit or abort it first");
  }
  std::unique_lock lock(writer_mu_);
  writer_thread_.store(std::this_thread::get_id());
  return lock;
}

void LmdbEnv::unlock_writer(std::unique_lock<std::mutex>& lock) {
  if (!lock.owns_lock()) return;
  writer_thread_.store(std::thread::id{});
  lock.unlock();
}

Result<MDB_txn*> LmdbEnv::begin_write() {
  for (int attempt = 0; attempt < kMaxBeginAttempts; ++attempt) {
    gate_.enter();
    MDB_txn* txn = nullptr;
    const int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc == 0) return txn;
    gate_.leave();
    if (rc != MDB_MAP_RESIZED) return error(rc, "cannot begin a write transaction");
    MLCHAIN_TRY(adopt_map_size());
  }
  return internal_error("cannot begin a write transaction on " + path_.string() + ": the map size kept changing");
}

int LmdbEnv::commit_write(MDB_txn* txn, const std::vector<std::pair<std::string, MDB_dbi>>& opened) {
  int rc = 0;
  if (opened.empty()) {
    rc = mdb_txn_commit(txn);  // readers keep beginning during the fsync
  } else {
    std::unique_lock lock(dbi_mu_);
    rc = mdb_txn_commit(txn);
    if (rc == 0) {
      ++generation_;
      for (const auto& [name, dbi] : opened) dbis_.insert_or_assign(name, CachedDbi{dbi, generation_});
    }
  }
  gate_.leave();
  return rc;
}

void LmdbEnv::abort_write(MDB_txn* txn) {
  mdb_txn_abort(txn);  // also closes the handles the txn opened
  gate_.leave();
}

std::optional<MDB_dbi> LmdbEnv::cached_dbi(std::string_view table, std::uint64_t generation) const {
  std::shared_lock lock(dbi_mu_);
  auto it = dbis_.find(table);
  if (it == dbis_.end() || it->second.generation > generation) return std::nullopt;
  return it->second.dbi;
}

Status LmdbEnv::open_new_tables() {
  MLCHAIN_ASSIGN_OR_RETURN(std::unique_lock<std::mutex> writer, lock_writer());
  struct Unlock {
    LmdbEnv* env;
    std::unique_lock<std::mutex>* lock;
    ~Unlock() { env->unlock_writer(*lock); }
  } unlock{this, &writer};

  for (int attempt = 0; attempt < kMaxBeginAttempts; ++attempt) {
    gate_.enter();
    std::unique_lock lock(dbi_mu_);
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
    if (rc == MDB_MAP_RESIZED) {
      lock.unlock();
      gate_.leave();
      MLCHAIN_TRY(adopt_map_size());
      continue;
    }
    if (rc != 0) {
      gate_.leave();
      return error(rc, "cannot begin a transaction to open tables");
    }
    auto names = main_db_names(txn);
    std::vector<std::pair<std::string, MDB_dbi>> opened;
    Status status = names.status();
    for (const std::string& name : names.ok() ? *names : std::vector<std::string>{}) {
      if (dbis_.contains(name) || not_tables_.contains(name)) continue;
      MDB_dbi dbi = 0;
      rc = mdb_dbi_open(txn, name.c_str(), 0, &dbi);
      if (rc == MDB_INCOMPATIBLE) {
        not_tables_.insert(name);  // a plain key in the main DB, written by someone else
      } else if (rc != 0) {
        status = error(rc, "cannot open table '" + name + "'");
        break;
      } else {
        opened.emplace_back(name, dbi);
      }
    }
    if (status.ok()) {
      rc = mdb_txn_commit(txn);  // a read-only commit keeps the handles it opened
      if (rc != 0) status = error(rc, "cannot open tables");
    } else {
      mdb_txn_abort(txn);
    }
    if (status.ok() && !opened.empty()) {
      ++generation_;
      for (const auto& [name, dbi] : opened) dbis_.insert_or_assign(name, CachedDbi{dbi, generation_});
    }
    lock.unlock();
    gate_.leave();
    return status;
  }
  return internal_error("cannot open the tables of " + path_.string() + ": the map size kept changing");
}

Result<std::vector<std::string>> LmdbEnv::main_db_names(MDB_txn* txn) const {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, main_dbi_, &cursor);
  if (rc != 0) return error(rc, "cannot list tables");
  std::vector<std::string> names;
  MDB_val k{}, v{};
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    names.push_back(to_string(k));
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_NOTFOUND) return error(rc, "cannot list tables");
  return names;
}

Result<std::vector<std::string>> LmdbEnv::list_tables() {
  MLCHAIN_ASSIGN_OR_RETURN(ReadBegin begun, begin_read());
  auto names = main_db_names(begun.txn);
  end_read(begun.txn);
  if (!names.ok()) return names.status();
  std::vector<std::string> tables;
  std::shared_lock lock(dbi_mu_);
  for (std::string& name : *names) {
    if (!not_tables_.contains(name)) tables.push_back(std::move(name));
  }
  return tables;
}

Status LmdbEnv::grow_map(std::size_t seen_map_bytes) {
  MLCHAIN_ASSIGN_OR_RETURN(std::unique_lock<std::mutex> writer, lock_writer());
  struct Unlock {
    LmdbEnv* env;
    std::unique_lock<std::mutex>* lock;
    ~Unlock() { env->unlock_writer(*lock); }
  } unlock{this, &writer};

  if (map_bytes_.load() > seen_map_bytes) return {};  // another writer grew it meanwhile
  const std::size_t max = options_.max_map_bytes;
  if (seen_map_bytes >= max) {
    return resource_exhausted("LMDB store " + path_.string() + " is full: the map reached max_map_bytes (" +
                              std::to_string(max) + " bytes); raise LmdbOptions::max_map_bytes or delete data");
  }
  const std::size_t target = seen_map_bytes > max / 2 ? max : seen_map_bytes * 2;
  ExclusiveGate exclusive(gate_, options_.grow_wait);
  if (!exclusive.held()) {
    return resource_exhausted("cannot grow the map of " + path_.string() + " to " + std::to_string(target) +
                              " bytes: transactions of this process stayed open for " +
                              std::to_string(options_.grow_wait.count()) +
                              " ms (does the writing thread hold a read transaction?)");
  }
  const int rc = mdb_env_set_mapsize(env_, target);
  if (rc != 0) return error(rc, "cannot grow the map to " + std::to_string(target) + " bytes");
  refresh_map_bytes();
  return {};
}

void LmdbEnv::grow_early() {
  if (map_bytes_.load() >= options_.max_map_bytes) return;
  std::unique_lock writer(writer_mu_, std::try_to_lock);
  if (!writer.owns_lock()) return;
  ExclusiveGate exclusive(gate_, std::chrono::milliseconds(0));
  if (!exclusive.held()) return;
  MDB_envinfo info{};
  MDB_stat stat{};
  if (mdb_env_info(env_, &info) != 0 || mdb_env_stat(env_, &stat) != 0) return;
  const std::size_t used = (info.me_last_pgno + 1) * stat.ms_psize;
  if (used * 2 < info.me_mapsize) return;
  const std::size_t max = options_.max_map_bytes;
  const std::size_t target = info.me_mapsize > max / 2 ? max : info.me_mapsize * 2;
  if (mdb_env_set_mapsize(env_, target) == 0) refresh_map_bytes();
}

Status LmdbEnv::adopt_map_size() {
  ExclusiveGate exclusive(gate_, options_.grow_wait);
  if (!exclusive.held()) {
    return resource_exhausted("another process grew the map of " + path_.string() +
                              "; adopting it needs every transaction of this process closed, and some stayed open "
                              "for " +
                              std::to_string(options_.grow_wait.count()) + " ms");
  }
  const int rc = mdb_env_set_mapsize(env_, 0);  // 0: the size recorded in the meta page
  if (rc != 0) return error(rc, "cannot adopt the map size set by another process");
  refresh_map_bytes();
  return {};
}

void LmdbEnv::refresh_map_bytes() {
  MDB_envinfo info{};
  if (mdb_env_info(env_, &info) == 0) map_bytes_.store(info.me_mapsize);
}

Result<int> LmdbEnv::clear_stale_readers() {
  int dead = 0;
  const int rc = mdb_reader_check(env_, &dead);
  if (rc != 0) return error(rc, "cannot check reader slots");
  return dead;
}

}  // namespace mlchain::store
