#include <string>

#include "lmdb_txn.h"

namespace mlchain::store {
namespace {

MDB_val as_val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }

class LmdbCursor final : public Cursor {
 public:
  LmdbCursor(std::shared_ptr<LmdbEnv> env, std::shared_ptr<const TxnLife> life, MDB_cursor* cursor, bool in_write_txn)
      : env_(std::move(env)), life_(std::move(life)), cursor_(cursor), in_write_txn_(in_write_txn) {}
  ~LmdbCursor() override {
    if (cursor_ != nullptr && (!in_write_txn_ || life_->alive)) mdb_cursor_close(cursor_);
  }
  LmdbCursor(const LmdbCursor&) = delete;
  LmdbCursor& operator=(const LmdbCursor&) = delete;

  Status seek(std::string_view key) override {
    if (key.empty()) return first();
    if (key.size() <= kMaxKeyBytes) return move(MDB_SET_RANGE, key);
    // LMDB refuses over-long search keys. No stored key is longer than the
    // prefix p, so the first key >= `key` is the first key > p.
    const std::string_view prefix = key.substr(0, kMaxKeyBytes);
    MLCHAIN_TRY(move(MDB_SET_RANGE, prefix));
    if (valid_ && this->key() == prefix) return move(MDB_NEXT);
    return {};
  }
  Status first() override { return move(MDB_FIRST); }
  Status last() override { return move(MDB_LAST); }
  Status next() override {
    MLCHAIN_TRY(positioned());
    return move(MDB_NEXT);
  }
  Status prev() override {
    MLCHAIN_TRY(positioned());
    return move(MDB_PREV);
  }
  bool valid() const override { return valid_ && life_->alive; }
  std::string_view key() const override { return {static_cast<const char*>(key_.mv_data), key_.mv_size}; }
  std::string_view value() const override { return {static_cast<const char*>(value_.mv_data), value_.mv_size}; }

 private:
  Status positioned() const {
    if (!valid_ && life_->alive) return failed_precondition("cursor is not positioned; call seek, first or last");
    return {};
  }

  Status move(MDB_cursor_op op, std::string_view seek_key = {}) {
    valid_ = false;
    if (!life_->alive) return failed_precondition("cursor used after its transaction ended");
    if (cursor_ == nullptr) return {};  // the table does not exist
    MDB_val k = as_val(seek_key);
    MDB_val v{};
    const int rc = mdb_cursor_get(cursor_, &k, &v, op);
    if (rc == MDB_NOTFOUND) return {};
    if (rc != 0) return env_->error(rc, "cannot move cursor");
    key_ = k;
    value_ = v;
    valid_ = true;
    return {};
  }

  std::shared_ptr<LmdbEnv> env_;
  std::shared_ptr<const TxnLife> life_;
  MDB_cursor* cursor_;
  bool in_write_txn_;
  bool valid_ = false;
  MDB_val key_{};
  MDB_val value_{};
};

}  // namespace

Result<std::unique_ptr<Cursor>> make_lmdb_cursor(std::shared_ptr<LmdbEnv> env, std::shared_ptr<const TxnLife> life,
                                                 MDB_txn* txn, std::optional<MDB_dbi> dbi, bool in_write_txn) {
  MDB_cursor* cursor = nullptr;
  if (dbi) {
    const int rc = mdb_cursor_open(txn, *dbi, &cursor);
    if (rc != 0) return env->error(rc, "cannot open a cursor");
  }
  return std::unique_ptr<Cursor>(std::make_unique<LmdbCursor>(std::move(env), std::move(life), cursor, in_write_txn));
}

Result<std::optional<Value>> lmdb_get(const LmdbEnv& env, MDB_txn* txn, MDB_dbi dbi, std::string_view table,
                                      std::string_view key) {
  MDB_val k = as_val(key);
  MDB_val v{};
  const int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<Value>{};
  if (rc != 0) return env.error(rc, "cannot read from table '" + std::string(table) + "'");
  return std::optional<Value>(std::in_place, static_cast<const char*>(v.mv_data), v.mv_size);
}

}  // namespace mlchain::store
