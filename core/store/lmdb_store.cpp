// LmdbStore: open_lmdb and Store::write's grow-and-retry loop.
#include "mlchain/store/lmdb_store.h"

#include "lmdb_env.h"
#include "lmdb_txn.h"

namespace mlchain::store {
namespace {

class LmdbStoreImpl final : public LmdbStore {
 public:
  explicit LmdbStoreImpl(std::shared_ptr<LmdbEnv> env) : env_(std::move(env)) {}

  Result<std::unique_ptr<ReadTxn>> begin_read() const override {
    MLCHAIN_ASSIGN_OR_RETURN(const LmdbEnv::ReadBegin begun, env_->begin_read());
    return std::unique_ptr<ReadTxn>(std::make_unique<LmdbReadTxn>(env_, begun.txn, begun.dbi_generation));
  }

  Result<std::unique_ptr<WriteTxn>> begin_write() override {
    MLCHAIN_ASSIGN_OR_RETURN(std::unique_ptr<LmdbWriteTxn> txn, LmdbWriteTxn::begin(env_));
    return std::unique_ptr<WriteTxn>(std::move(txn));
  }

  Status write(const std::function<Status(WriteTxn&)>& fn) override {
    // Each pass either commits, fails for good, or doubles the map, which is
    // bounded by max_map_bytes: the loop ends.
    for (;;) {
      MLCHAIN_ASSIGN_OR_RETURN(std::unique_ptr<LmdbWriteTxn> txn, LmdbWriteTxn::begin(env_));
      const std::size_t seen_map_bytes = txn->map_bytes_at_begin();
      Status status = fn(*txn);
      if (!txn->map_full()) {
        if (!status.ok()) return status;  // ~LmdbWriteTxn aborts
        status = txn->commit();
        if (!txn->map_full()) return status;
      }
      txn.reset();  // aborts; releases the writer lock, so the map can grow
      MLCHAIN_TRY(env_->grow_map(seen_map_bytes));
    }
  }

  Result<std::vector<std::string>> tables() const override { return env_->list_tables(); }

  const std::filesystem::path& path() const override { return env_->path(); }
  std::size_t map_bytes() const override { return env_->map_bytes(); }
  int stale_readers_cleared_at_open() const override { return env_->stale_readers_cleared_at_open(); }
  Result<int> clear_stale_readers() override { return env_->clear_stale_readers(); }

 private:
  std::shared_ptr<LmdbEnv> env_;
};

}  // namespace

Result<std::unique_ptr<LmdbStore>> open_lmdb_store(const std::filesystem::path& dir, const LmdbOptions& options) {
  MLCHAIN_ASSIGN_OR_RETURN(std::shared_ptr<LmdbEnv> env, LmdbEnv::open(dir, options));
  return std::unique_ptr<LmdbStore>(std::make_unique<LmdbStoreImpl>(std::move(env)));
}

Result<std::unique_ptr<Store>> open_lmdb(const std::filesystem::path& dir, const LmdbOptions& options) {
  MLCHAIN_ASSIGN_OR_RETURN(std::unique_ptr<LmdbStore> store, open_lmdb_store(dir, options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mlchain::store
