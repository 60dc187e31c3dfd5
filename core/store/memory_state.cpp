#include "memory_state.h"

namespace mlchain::store {
namespace {

// The value of the newest version at or below `version`; null if none or deleted.
const ValuePtr* visible(const MemChain& chain, std::uint64_t version) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (it->version <= version) return &it->value;
  }
  return nullptr;
}

// Generic ordered search over a std::map keyed by std::string: the first entry
// from `bound` in direction `dir` that `accept` maps to a row.
template <typename Map, typename Accept>
std::optional<MemRow> search(const Map& rows, MemBound bound, MemDir dir, Accept accept) {
  if (dir == MemDir::kForward) {
    auto it = bound.unbounded   ? rows.begin()
              : bound.inclusive ? rows.lower_bound(bound.key)
                                : rows.upper_bound(bound.key);
    for (; it != rows.end(); ++it) {
      if (auto row = accept(*it)) return row;
    }
  } else {
    auto it = bound.unbounded   ? rows.end()
              : bound.inclusive ? rows.upper_bound(bound.key)
                                : rows.lower_bound(bound.key);
    while (it != rows.begin()) {
      --it;
      if (auto row = accept(*it)) return row;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<MemRow> find_in_delta(const TableDelta& delta, MemBound bound, MemDir dir) {
  return search(delta.rows, bound, dir, [](const auto& entry) {
    return std::optional<MemRow>({entry.first, entry.second});
  });
}

std::uint64_t MemState::pin() {
  std::shared_lock lock(mu_);  // no commit (or prune) between reading committed_ and pinning it
  std::lock_guard pinned(pinned_mu_);
  pinned_.insert(committed_);
  return committed_;
}

void MemState::unpin(std::uint64_t version) {
  std::lock_guard pinned(pinned_mu_);
  pinned_.erase(pinned_.find(version));
}

const MemTable* MemState::table(std::string_view name, std::uint64_t version) const {
  std::shared_lock lock(mu_);
  auto it = tables_.find(name);
  if (it == tables_.end() || it->second.created > version) return nullptr;
  return &it->second;
}

ValuePtr MemState::get(const MemTable& table, std::string_view key, std::uint64_t version) const {
  std::shared_lock lock(mu_);
  auto it = table.rows.find(key);
  if (it == table.rows.end()) return nullptr;
  const ValuePtr* value = visible(it->second, version);
  return value ? *value : nullptr;
}

std::optional<MemRow> MemState::find(const MemTable& table, std::uint64_t version, MemBound bound, MemDir dir) const {
  std::shared_lock lock(mu_);
  return search(table.rows, bound, dir, [version](const auto& entry) -> std::optional<MemRow> {
    const ValuePtr* value = visible(entry.second, version);
    if (value == nullptr || *value == nullptr) return std::nullopt;  // absent at `version`: skip
    return MemRow{entry.first, *value};
  });
}

std::vector<std::string> MemState::table_names() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, table] : tables_) names.push_back(name);
  return names;
}

Result<std::unique_lock<std::mutex>> MemState::lock_writer() {
  if (writer_thread_.load() == std::this_thread::get_id()) {
    return failed_precondition(
        "this thread already has a write transaction open on this memory store; commit or "
        "abort it first");
  }
  std::unique_lock lock(writer_mu_);
  writer_thread_.store(std::this_thread::get_id());
  return lock;
}

void MemState::unlock_writer(std::unique_lock<std::mutex>& lock) {
  if (!lock.owns_lock()) return;
  writer_thread_.store(std::thread::id{});
  lock.unlock();
}

std::uint64_t MemState::committed() const {
  std::shared_lock lock(mu_);
  return committed_;
}

void MemState::note_prunable(std::uint64_t version, MemTable& table, const std::string& key, const MemChain& chain) {
  if (chain.size() > 1 || !chain.back().value) prune_.push_back({version, &table, key});
}

void MemState::commit(ChangeSet changes) {
  std::unique_lock lock(mu_);
  const std::uint64_t next = committed_ + 1;
  for (const std::string& name : changes.created) tables_.try_emplace(name, MemTable{next, {}});
  for (auto& [name, delta] : changes.tables) {
    auto table_it = tables_.find(name);
    if (table_it == tables_.end()) continue;  // only del/clear of a table that does not exist
    MemTable& table = table_it->second;
    if (delta.cleared) {  // O(table): tombstone every live row
      for (auto& [key, chain] : table.rows) {
        if (!chain.back().value) continue;
        chain.push_back({next, nullptr});
        note_prunable(next, table, key, chain);
      }
    }
    for (auto& [key, value] : delta.rows) {
      auto row_it = table.rows.find(key);
      if (row_it == table.rows.end()) {
        if (!value) continue;  // deleting what does not exist
        row_it = table.rows.emplace(key, MemChain{}).first;
      }
      MemChain& chain = row_it->second;
      if (!value && (chain.empty() || !chain.back().value)) continue;
      if (!chain.empty() && chain.back().version == next) {
        chain.back().value = std::move(value);  // cleared above, then written again
      } else {
        chain.push_back({next, std::move(value)});
      }
      note_prunable(next, table, key, chain);
    }
  }
  committed_ = next;
  prune_locked();
}

// A reader at version v >= oldest needs, per row, only the newest version
// <= oldest and the ones after it. Rows whose only remaining version is a
// deletion no reader can see past are erased. A reader's row views are
// shared_ptr copies, so erasing versions never invalidates them.
void MemState::prune_locked() {
  std::uint64_t oldest = committed_;
  {
    std::lock_guard pinned(pinned_mu_);
    if (!pinned_.empty()) oldest = std::min(oldest, *pinned_.begin());
  }
  while (!prune_.empty() && prune_.front().version <= oldest) {
    const PruneItem item = std::move(prune_.front());
    prune_.pop_front();
    auto row_it = item.table->rows.find(item.key);
    if (row_it == item.table->rows.end()) continue;  // already erased by an earlier item
    MemChain& chain = row_it->second;
    std::size_t keep_from = 0;
    for (std::size_t i = chain.size(); i-- > 0;) {
      if (chain[i].version <= oldest) {
        keep_from = i;
        break;
      }
    }
    chain.erase(chain.begin(), chain.begin() + static_cast<std::ptrdiff_t>(keep_from));
    if (chain.size() == 1 && !chain.front().value) item.table->rows.erase(row_it);
  }
}

std::size_t MemState::version_count() const {
  std::shared_lock lock(mu_);
  std::size_t n = 0;
  for (const auto& [name, table] : tables_) {
    for (const auto& [key, chain] : table.rows) n += chain.size();
  }
  return n;
}

}  // namespace mlchain::store
