// Cursors of the MemoryStore. A cursor remembers its current row (key and a
// shared value) and finds the next one by searching from that key, so rows
// inserted or pruned meanwhile never invalidate it.
#include <string>

#include "memory_txn.h"
#include "validate.h"

namespace mlchain::store {
namespace {

class MemView {
 public:
  virtual ~MemView() = default;
  virtual std::optional<MemRow> find(MemBound bound, MemDir dir) const = 0;
};

class SnapshotView final : public MemView {
 public:
  SnapshotView(std::shared_ptr<MemState> state, const MemTable* table, std::uint64_t version)
      : state_(std::move(state)), table_(table), version_(version) {}
  std::optional<MemRow> find(MemBound bound, MemDir dir) const override {
    return state_->find(*table_, version_, bound, dir);
  }

 private:
  std::shared_ptr<MemState> state_;
  const MemTable* table_;
  std::uint64_t version_;
};

class WriteView final : public MemView {
 public:
  WriteView(const MemWriteTxn* txn, std::string_view table) : txn_(txn), table_(table) {}
  std::optional<MemRow> find(MemBound bound, MemDir dir) const override { return txn_->find(table_, bound, dir); }

 private:
  const MemWriteTxn* txn_;  // alive while the cursor's TxnLife is
  std::string table_;
};

class MemCursor final : public Cursor {
 public:
  MemCursor(std::unique_ptr<MemView> view, std::shared_ptr<const TxnLife> life)
      : view_(std::move(view)), life_(std::move(life)) {}

  Status seek(std::string_view key) override { return move({key, true, false}, MemDir::kForward); }
  Status first() override { return move({{}, true, true}, MemDir::kForward); }
  Status last() override { return move({{}, true, true}, MemDir::kBackward); }
  Status next() override {
    MLCHAIN_TRY(positioned());
    return move({row_->key, false, false}, MemDir::kForward);
  }
  Status prev() override {
    MLCHAIN_TRY(positioned());
    return move({row_->key, false, false}, MemDir::kBackward);
  }
  bool valid() const override { return row_.has_value() && life_->alive; }
  std::string_view key() const override { return row_->key; }
  std::string_view value() const override { return *row_->value; }

 private:
  Status positioned() const {
    if (!life_->alive) return failed_precondition("cursor used after its transaction ended");
    if (!row_) return failed_precondition("cursor is not positioned; call seek, first or last");
    return {};
  }

  Status move(MemBound bound, MemDir dir) {
    if (!life_->alive) {
      row_.reset();
      return failed_precondition("cursor used after its transaction ended");
    }
    std::optional<MemRow> found = view_ ? view_->find(bound, dir) : std::nullopt;  // `bound` may view row_
    row_ = std::move(found);
    return {};
  }

  std::unique_ptr<MemView> view_;  // null: the table does not exist
  std::shared_ptr<const TxnLife> life_;
  std::optional<MemRow> row_;
};

}  // namespace

Result<std::unique_ptr<Cursor>> MemReadTxn::cursor(std::string_view table) const {
  MLCHAIN_TRY(check_table_name(table));
  std::unique_ptr<MemView> view;
  if (const MemTable* t = state_->table(table, version_)) view = std::make_unique<SnapshotView>(state_, t, version_);
  return std::unique_ptr<Cursor>(std::make_unique<MemCursor>(std::move(view), life_));
}

Result<std::unique_ptr<Cursor>> MemWriteTxn::cursor(std::string_view table) const {
  MLCHAIN_TRY(usable());
  MLCHAIN_TRY(check_table_name(table));
  std::unique_ptr<MemView> view;
  if (table_exists(table)) view = std::make_unique<WriteView>(this, table);
  return std::unique_ptr<Cursor>(std::make_unique<MemCursor>(std::move(view), life_));
}

}  // namespace mlchain::store
