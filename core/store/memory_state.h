// MemState: the multi-version tables behind a MemoryStore (design in
// memory_store.h). Internal.
//
// Locking: mu_ guards tables_, every row map and chain, committed_ and the
// prune queue; readers and the writer's lookups take it shared, commit takes
// it exclusive for O(changes) work. pinned_ (the versions of open read txns)
// has its own mutex, taken after mu_. writer_mu_ admits one write txn.
// Table nodes are never erased, so MemTable pointers stay valid.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mlchain/common/status.h"

namespace mlchain::store {

using ValuePtr = std::shared_ptr<const std::string>;  // null: deleted

struct MemVersion {
  std::uint64_t version;
  ValuePtr value;
};
using MemChain = std::vector<MemVersion>;  // ascending versions

struct MemTable {
  std::uint64_t created;  // first version that has the table
  std::map<std::string, MemChain, std::less<>> rows;
};

struct MemRow {
  std::string key;
  ValuePtr value;
};

// Where a search starts: at `key` (inclusive or not), or at the very end the
// direction starts from when `unbounded`.
struct MemBound {
  std::string_view key;
  bool inclusive = true;
  bool unbounded = false;
};
enum class MemDir { kForward, kBackward };

// The buffered changes of one write txn.
struct TableDelta {
  bool cleared = false;
  std::map<std::string, ValuePtr, std::less<>> rows;  // null value: deleted
};
struct ChangeSet {
  std::map<std::string, TableDelta, std::less<>> tables;
  std::set<std::string, std::less<>> created;  // tables this txn creates
};

// First row at/after (forward) or at/before (backward) `bound` in `rows`,
// tombstones included.
std::optional<MemRow> find_in_delta(const TableDelta& delta, MemBound bound, MemDir dir);

class MemState {
 public:
  // ---- readers
  // Pins and returns the current version; unpin when the read txn ends.
  std::uint64_t pin();
  void unpin(std::uint64_t version);
  // The table as of `version`, or null when it did not exist then.
  const MemTable* table(std::string_view name, std::uint64_t version) const;
  ValuePtr get(const MemTable& table, std::string_view key, std::uint64_t version) const;
  // The first row visible at `version` from `bound` in direction `dir`.
  std::optional<MemRow> find(const MemTable& table, std::uint64_t version, MemBound bound, MemDir dir) const;
  std::vector<std::string> table_names() const;

  // ---- the writer
  // Blocks until this thread may write; FailedPrecondition if it already does.
  Result<std::unique_lock<std::mutex>> lock_writer();
  void unlock_writer(std::unique_lock<std::mutex>& lock);
  std::uint64_t committed() const;
  // Applies `changes` as the next version. With the writer lock held.
  void commit(ChangeSet changes);

  // For tests of pruning: total versions held across all rows.
  std::size_t version_count() const;

 private:
  struct PruneItem {
    std::uint64_t version;  // the commit that added a version to the row
    MemTable* table;
    std::string key;
  };
  void note_prunable(std::uint64_t version, MemTable& table, const std::string& key, const MemChain& chain);
  void prune_locked();

  mutable std::shared_mutex mu_;
  std::map<std::string, MemTable, std::less<>> tables_;
  std::uint64_t committed_ = 0;
  std::deque<PruneItem> prune_;  // ascending versions

  mutable std::mutex pinned_mu_;
  std::multiset<std::uint64_t> pinned_;

  std::mutex writer_mu_;
  std::atomic<std::thread::id> writer_thread_{};
};

}  // namespace mlchain::store
