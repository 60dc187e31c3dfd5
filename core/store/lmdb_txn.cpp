#include "lmdb_txn.h"

#include <string>

#include "validate.h"

namespace mlchain::store {
namespace {

MDB_val as_val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }

std::string quoted(std::string_view table) { return "table '" + std::string(table) + "'"; }

}  // namespace

// ---- read ----

LmdbReadTxn::LmdbReadTxn(std::shared_ptr<LmdbEnv> env, MDB_txn* txn, std::uint64_t dbi_generation)
    : env_(std::move(env)), txn_(txn), dbi_generation_(dbi_generation) {}

LmdbReadTxn::~LmdbReadTxn() {
  life_->alive = false;
  env_->end_read(txn_);
}

Result<std::optional<Value>> LmdbReadTxn::get(std::string_view table, std::string_view key) const {
  MLCHAIN_TRY(check_table_and_key(table, key));
  const std::optional<MDB_dbi> dbi = env_->cached_dbi(table, dbi_generation_);
  if (!dbi) return std::optional<Value>{};  // no such table in this snapshot
  return lmdb_get(*env_, txn_, *dbi, table, key);
}

Result<std::unique_ptr<Cursor>> LmdbReadTxn::cursor(std::string_view table) const {
  MLCHAIN_TRY(check_table_name(table));
  return make_lmdb_cursor(env_, life_, txn_, env_->cached_dbi(table, dbi_generation_), false);
}

// ---- write ----

Result<std::unique_ptr<LmdbWriteTxn>> LmdbWriteTxn::begin(std::shared_ptr<LmdbEnv> env) {
  MLCHAIN_ASSIGN_OR_RETURN(std::unique_lock<std::mutex> writer, env->lock_writer());
  auto txn = env->begin_write();
  if (!txn.ok()) {
    env->unlock_writer(writer);
    return txn.status();
  }
  return std::unique_ptr<LmdbWriteTxn>(new LmdbWriteTxn(std::move(env), std::move(writer), *txn));
}

LmdbWriteTxn::LmdbWriteTxn(std::shared_ptr<LmdbEnv> env, std::unique_lock<std::mutex> writer, MDB_txn* txn)
    : env_(std::move(env)), writer_(std::move(writer)), txn_(txn), map_bytes_at_begin_(env_->map_bytes()) {}

LmdbWriteTxn::~LmdbWriteTxn() { abort(); }

Status LmdbWriteTxn::usable() const {
  if (txn_ == nullptr) return failed_precondition("transaction already ended");
  if (!failed_.ok()) return failed_precondition("transaction failed earlier (" + failed_.to_string() + "); abort it");
  return {};
}

Status LmdbWriteTxn::fail(int rc, const std::string& what) const {
  if (rc == MDB_MAP_FULL) map_full_ = true;
  failed_ = env_->error(rc, what);
  return failed_;
}

Result<std::optional<MDB_dbi>> LmdbWriteTxn::dbi(std::string_view table, bool create) const {
  for (const auto& [name, dbi] : opened_) {
    if (name == table) return std::optional<MDB_dbi>(dbi);
  }
  if (auto dbi = env_->cached_dbi(table, LmdbEnv::kWriterGeneration)) return dbi;
  // First use of this table by this process (it is new, or another process
  // created it). Only write txns open handles, one at a time; see lmdb_env.h.
  const std::string name(table);
  MDB_dbi dbi = 0;
  const int rc = mdb_dbi_open(txn_, name.c_str(), create ? MDB_CREATE : 0U, &dbi);
  if (rc == MDB_NOTFOUND && !create) return std::optional<MDB_dbi>{};
  if (rc != 0) return fail(rc, "cannot open " + quoted(table));
  opened_.emplace_back(name, dbi);
  return std::optional<MDB_dbi>(dbi);
}

Result<std::optional<Value>> LmdbWriteTxn::get(std::string_view table, std::string_view key) const {
  MLCHAIN_TRY(usable());
  MLCHAIN_TRY(check_table_and_key(table, key));
  MLCHAIN_ASSIGN_OR_RETURN(const std::optional<MDB_dbi> dbi, this->dbi(table, false));
  if (!dbi) return std::optional<Value>{};
  auto value = lmdb_get(*env_, txn_, *dbi, table, key);
  if (!value.ok()) failed_ = value.status();
  return value;
}

Result<std::unique_ptr<Cursor>> LmdbWriteTxn::cursor(std::string_view table) const {
  MLCHAIN_TRY(usable());
  MLCHAIN_TRY(check_table_name(table));
  MLCHAIN_ASSIGN_OR_RETURN(const std::optional<MDB_dbi> dbi, this->dbi(table, false));
  return make_lmdb_cursor(env_, life_, txn_, dbi, true);
}

Status LmdbWriteTxn::put(std::string_view table, std::string_view key, std::string_view value) {
  MLCHAIN_TRY(usable());
  MLCHAIN_TRY(check_table_and_key(table, key));
  MLCHAIN_ASSIGN_OR_RETURN(const std::optional<MDB_dbi> dbi, this->dbi(table, true));
  MDB_val k = as_val(key);
  MDB_val v = as_val(value);
  const int rc = mdb_put(txn_, *dbi, &k, &v, 0);
  if (rc != 0) return fail(rc, "cannot put into " + quoted(table));
  return {};
}

Status LmdbWriteTxn::del(std::string_view table, std::string_view key) {
  MLCHAIN_TRY(usable());
  MLCHAIN_TRY(check_table_and_key(table, key));
  MLCHAIN_ASSIGN_OR_RETURN(const std::optional<MDB_dbi> dbi, this->dbi(table, false));
  if (!dbi) return {};
  MDB_val k = as_val(key);
  const int rc = mdb_del(txn_, *dbi, &k, nullptr);
  if (rc != 0 && rc != MDB_NOTFOUND) return fail(rc, "cannot delete from " + quoted(table));
  return {};
}

Status LmdbWriteTxn::clear(std::string_view table) {
  MLCHAIN_TRY(usable());
  MLCHAIN_TRY(check_table_name(table));
  MLCHAIN_ASSIGN_OR_RETURN(const std::optional<MDB_dbi> dbi, this->dbi(table, false));
  if (!dbi) return {};
  const int rc = mdb_drop(txn_, *dbi, 0);  // 0: empty the table, keep it
  if (rc != 0) return fail(rc, "cannot clear " + quoted(table));
  return {};
}

Status LmdbWriteTxn::commit() {
  if (txn_ == nullptr) return failed_precondition("commit of a transaction that already ended");
  if (!failed_.ok()) {
    Status first_failure = failed_;
    abort();
    return first_failure;
  }
  life_->alive = false;
  const int rc = env_->commit_write(txn_, opened_);
  txn_ = nullptr;
  end();
  if (rc != 0) return fail(rc, "cannot commit");
  env_->grow_early();
  return {};
}

void LmdbWriteTxn::abort() {
  if (txn_ == nullptr) return;
  life_->alive = false;
  env_->abort_write(txn_);
  txn_ = nullptr;
  end();
}

void LmdbWriteTxn::end() {
  opened_.clear();
  env_->unlock_writer(writer_);
}

}  // namespace mlchain::store
