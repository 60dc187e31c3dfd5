// MemoryStore transactions and cursors. Internal.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "memory_state.h"
#include "mlchain/store/store.h"
#include "txn_life.h"

namespace mlchain::store {

class MemReadTxn final : public ReadTxn {
 public:
  explicit MemReadTxn(std::shared_ptr<MemState> state);
  ~MemReadTxn() override;
  MemReadTxn(const MemReadTxn&) = delete;
  MemReadTxn& operator=(const MemReadTxn&) = delete;

  Result<std::optional<Value>> get(std::string_view table, std::string_view key) const override;
  Result<std::unique_ptr<Cursor>> cursor(std::string_view table) const override;

 private:
  std::shared_ptr<MemState> state_;
  std::uint64_t version_;
  std::shared_ptr<TxnLife> life_ = std::make_shared<TxnLife>();
};

class MemWriteTxn final : public WriteTxn {
 public:
  static Result<std::unique_ptr<MemWriteTxn>> begin(std::shared_ptr<MemState> state);
  ~MemWriteTxn() override;
  MemWriteTxn(const MemWriteTxn&) = delete;
  MemWriteTxn& operator=(const MemWriteTxn&) = delete;

  Result<std::optional<Value>> get(std::string_view table, std::string_view key) const override;
  Result<std::unique_ptr<Cursor>> cursor(std::string_view table) const override;
  Status put(std::string_view table, std::string_view key, std::string_view value) override;
  Status del(std::string_view table, std::string_view key) override;
  Status clear(std::string_view table) override;
  Status commit() override;
  void abort() override;

  // The txn's view of `table`: its own changes over the committed state.
  std::optional<MemRow> find(std::string_view table, MemBound bound, MemDir dir) const;

 private:
  MemWriteTxn(std::shared_ptr<MemState> state, std::unique_lock<std::mutex> writer);
  Status usable() const;
  bool table_exists(std::string_view table) const;
  void end();

  std::shared_ptr<MemState> state_;
  std::unique_lock<std::mutex> writer_;
  std::uint64_t base_;  // committed version when the txn began; no other commit until it ends
  ChangeSet changes_;
  bool done_ = false;
  std::shared_ptr<TxnLife> life_ = std::make_shared<TxnLife>();
};

}  // namespace mlchain::store
