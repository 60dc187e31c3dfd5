#include "memory_txn.h"

#include "validate.h"

namespace mlchain::store {

// ---- read ----

MemReadTxn::MemReadTxn(std::shared_ptr<MemState> state) : state_(std::move(state)), version_(state_->pin()) {}

MemReadTxn::~MemReadTxn() {
  life_->alive = false;
  state_->unpin(version_);
}

Result<std::optional<Value>> MemReadTxn::get(std::string_view table, std::string_view key) const {
  MLCHAIN_TRY(check_table_and_key(table, key));
  const MemTable* t = state_->table(table, version_);
  if (t == nullptr) return std::optional<Value>{};
  ValuePtr value = state_->get(*t, key, version_);
  if (!value) return std::optional<Value>{};
  return std::optional<Value>(*value);
}

// ---- write ----

Result<std::unique_ptr<MemWriteTxn>> MemWriteTxn::begin(std::shared_ptr<MemState> state) {
  MLCHAIN_ASSIGN_OR_RETURN(std::unique_lock<std::mutex> writer, state->lock_writer());
  return std::unique_ptr<MemWriteTxn>(new MemWriteTxn(std::move(state), std::move(writer)));
}

MemWriteTxn::MemWriteTxn(std::shared_ptr<MemState> state, std::unique_lock<std::mutex> writer)
    : state_(std::move(state)), writer_(std::move(writer)), base_(state_->committed()) {}

MemWriteTxn::~MemWriteTxn() { abort(); }

Status MemWriteTxn::usable() const {
  if (done_) return failed_precondition("transaction already ended");
  return {};
}

bool MemWriteTxn::table_exists(std::string_view table) const {
  return changes_.created.contains(table) || state_->table(table, base_) != nullptr;
}

Result<std::optional<Value>> MemWriteTxn::get(std::string_view table, std::string_view key) const {
  MLCHAIN_TRY(usable());
  MLCHAIN_TRY(check_table_and_key(table, key));
  auto delta = changes_.tables.find(table);
  if (delta != changes_.tables.end()) {
    auto row = delta->second.rows.find(key);
    if (row != delta->second.rows.end()) {
      if (!row->second) return std::optional<Value>{};
      return std::optional<Value>(*row->second);
    }
    if (delta->second.cleared) return std::optional<Value>{};
  }
  const MemTable* t = state_->table(table, base_);
  if (t == nullptr) return std::optional<Value>{};
  ValuePtr value = state_->get(*t, key, base_);
  if (!value) return std::optional<Value>{};
  return std::optional<Value>(*value);
}

std::optional<MemRow> MemWriteTxn::find(std::string_view table, MemBound bound, MemDir dir) const {
  const MemTable* committed = state_->table(table, base_);
  auto delta_it = changes_.tables.find(table);
  const TableDelta* delta = delta_it == changes_.tables.end() ? nullptr : &delta_it->second;
  std::string skipped;  // owns the bound's key after skipping a row this txn deleted
  for (;;) {
    std::optional<MemRow> below;  // committed state
    if (committed != nullptr && !(delta != nullptr && delta->cleared))
      below = state_->find(*committed, base_, bound, dir);
    std::optional<MemRow> above = delta != nullptr ? find_in_delta(*delta, bound, dir) : std::nullopt;
    if (!above) return below;
    if (below && below->key != above->key) {
      const bool below_first = dir == MemDir::kForward ? below->key < above->key : below->key > above->key;
      if (below_first) return below;
    }
    if (above->value) return above;   // this txn's write shadows the committed row
    skipped = std::move(above->key);  // deleted by this txn: look past it
    bound = {skipped, false, false};
  }
}

Status MemWriteTxn::put(std::string_view table, std::string_view key, std::string_view value) {
  MLCHAIN_TRY(usable());
  MLCHAIN_TRY(check_table_and_key(table, key));
  if (!table_exists(table)) changes_.created.emplace(table);
  auto& delta = changes_.tables[std::string(table)];
  delta.rows.insert_or_assign(std::string(key), std::make_shared<const std::string>(value));
  return {};
}

Status MemWriteTxn::del(std::string_view table, std::string_view key) {
  MLCHAIN_TRY(usable());
  MLCHAIN_TRY(check_table_and_key(table, key));
  if (!table_exists(table)) return {};
  changes_.tables[std::string(table)].rows.insert_or_assign(std::string(key), nullptr);
  return {};
}

Status MemWriteTxn::clear(std::string_view table) {
  MLCHAIN_TRY(usable());
  MLCHAIN_TRY(check_table_name(table));
  if (!table_exists(table)) return {};
  auto& delta = changes_.tables[std::string(table)];
  delta.cleared = true;
  delta.rows.clear();
  return {};
}

Status MemWriteTxn::commit() {
  if (done_) return failed_precondition("commit of a transaction that already ended");
  state_->commit(std::move(changes_));
  end();
  return {};
}

void MemWriteTxn::abort() {
  if (!done_) end();
}

void MemWriteTxn::end() {
  done_ = true;
  life_->alive = false;
  changes_ = {};
  state_->unlock_writer(writer_);
}

}  // namespace mlchain::store
