// LMDB transactions and cursors behind the Store interface. Internal.
//
// The TxnLife flag (txn_life.h) also decides who closes an
// MDB_cursor: LMDB frees a write txn's cursors when the txn ends, while a read
// txn's cursors must be closed explicitly (before or after the txn ends).
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lmdb_env.h"
#include "mlchain/store/store.h"
#include "txn_life.h"

namespace mlchain::store {

class LmdbReadTxn final : public ReadTxn {
 public:
  LmdbReadTxn(std::shared_ptr<LmdbEnv> env, MDB_txn* txn, std::uint64_t dbi_generation);
  ~LmdbReadTxn() override;
  LmdbReadTxn(const LmdbReadTxn&) = delete;
  LmdbReadTxn& operator=(const LmdbReadTxn&) = delete;

  Result<std::optional<Value>> get(std::string_view table, std::string_view key) const override;
  Result<std::unique_ptr<Cursor>> cursor(std::string_view table) const override;

 private:
  std::shared_ptr<LmdbEnv> env_;
  MDB_txn* txn_;
  std::uint64_t dbi_generation_;
  std::shared_ptr<TxnLife> life_ = std::make_shared<TxnLife>();
};

class LmdbWriteTxn final : public WriteTxn {
 public:
  // Blocks until no other write txn of this process is open.
  static Result<std::unique_ptr<LmdbWriteTxn>> begin(std::shared_ptr<LmdbEnv> env);
  ~LmdbWriteTxn() override;
  LmdbWriteTxn(const LmdbWriteTxn&) = delete;
  LmdbWriteTxn& operator=(const LmdbWriteTxn&) = delete;

  Result<std::optional<Value>> get(std::string_view table, std::string_view key) const override;
  Result<std::unique_ptr<Cursor>> cursor(std::string_view table) const override;
  Status put(std::string_view table, std::string_view key, std::string_view value) override;
  Status del(std::string_view table, std::string_view key) override;
  Status clear(std::string_view table) override;
  Status commit() override;
  void abort() override;

  // Some operation (or commit) failed with MDB_MAP_FULL.
  bool map_full() const { return map_full_; }
  std::size_t map_bytes_at_begin() const { return map_bytes_at_begin_; }

 private:
  LmdbWriteTxn(std::shared_ptr<LmdbEnv> env, std::unique_lock<std::mutex> writer, MDB_txn* txn);
  Status usable() const;
  // The table's handle, opening (and with `create`, creating) it in this txn.
  Result<std::optional<MDB_dbi>> dbi(std::string_view table, bool create) const;
  // Records the txn's first failure; LMDB allows only abort after it.
  Status fail(int rc, const std::string& what) const;
  void end();

  std::shared_ptr<LmdbEnv> env_;
  std::unique_lock<std::mutex> writer_;
  MDB_txn* txn_;
  std::size_t map_bytes_at_begin_;
  std::shared_ptr<TxnLife> life_ = std::make_shared<TxnLife>();
  mutable std::vector<std::pair<std::string, MDB_dbi>> opened_;  // handles this txn opened
  mutable Status failed_;
  mutable bool map_full_ = false;
};

// A cursor over `dbi` in `txn`, or an empty cursor when `dbi` is nullopt.
Result<std::unique_ptr<Cursor>> make_lmdb_cursor(std::shared_ptr<LmdbEnv> env, std::shared_ptr<const TxnLife> life,
                                                 MDB_txn* txn, std::optional<MDB_dbi> dbi, bool in_write_txn);

// mdb_get, copying the value out.
Result<std::optional<Value>> lmdb_get(const LmdbEnv& env, MDB_txn* txn, MDB_dbi dbi, std::string_view table,
                                      std::string_view key);

}  // namespace mlchain::store
