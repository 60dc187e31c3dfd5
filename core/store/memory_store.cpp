#include "mlchain/store/memory_store.h"

#include "memory_txn.h"

namespace mlchain::store {
namespace {

class MemoryStore final : public Store {
 public:
  Result<std::unique_ptr<ReadTxn>> begin_read() const override {
    return std::unique_ptr<ReadTxn>(std::make_unique<MemReadTxn>(state_));
  }

  Result<std::unique_ptr<WriteTxn>> begin_write() override {
    MLCHAIN_ASSIGN_OR_RETURN(std::unique_ptr<MemWriteTxn> txn, MemWriteTxn::begin(state_));
    return std::unique_ptr<WriteTxn>(std::move(txn));
  }

  Status write(const std::function<Status(WriteTxn&)>& fn) override {
    MLCHAIN_ASSIGN_OR_RETURN(std::unique_ptr<MemWriteTxn> txn, MemWriteTxn::begin(state_));
    MLCHAIN_TRY(fn(*txn));  // ~MemWriteTxn aborts
    return txn->commit();
  }

  Result<std::vector<std::string>> tables() const override { return state_->table_names(); }

 private:
  std::shared_ptr<MemState> state_ = std::make_shared<MemState>();
};

}  // namespace

std::unique_ptr<Store> make_memory_store() { return std::make_unique<MemoryStore>(); }

}  // namespace mlchain::store
