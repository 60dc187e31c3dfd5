// The bounded dedup cache (client_table.h).
#include "mlchain/consensus/client_table.h"

namespace mlchain::consensus {

ClientTable::Entry& ClientTable::insert(const std::string& client, std::uint64_t id, Seq seq) {
  auto [it, fresh] = entries_.try_emplace(client);
  if (fresh) {
    lru_.push_front(&it->first);
    it->second.pos = lru_.begin();
  } else {
    touch(it->second);
  }
  it->second.id = id;
  it->second.seq = seq;
  return it->second;
}

Result<std::uint64_t> ClientTable::last(const std::string& client) {
  if (auto it = entries_.find(client); it != entries_.end()) {
    touch(it->second);
    return it->second.id;
  }
  if (!lookup_) return std::uint64_t{0};
  auto stored = lookup_(client);
  if (!stored.ok()) return stored.status();
  ++lookups_;
  std::uint64_t id = stored->value_or(0);
  insert(client, id, 0);
  return id;
}

Result<std::uint64_t> ClientTable::peek(const std::string& client) const {
  if (auto it = entries_.find(client); it != entries_.end()) return it->second.id;
  if (!lookup_) return std::uint64_t{0};
  auto stored = lookup_(client);
  if (!stored.ok()) return stored.status();
  return stored->value_or(0);
}

void ClientTable::advance(const std::string& client, std::uint64_t id, Seq seq) { insert(client, id, seq); }

void ClientTable::trim(Seq durable) {
  if (!lookup_) return;
  auto it = lru_.end();
  while (entries_.size() > capacity_ && it != lru_.begin()) {
    --it;
    auto e = entries_.find(**it);
    if (e->second.seq > durable) continue;  // dirty: the lookup does not know it yet
    entries_.erase(e);
    it = lru_.erase(it);
    ++evictions_;
  }
}

}  // namespace mlchain::consensus
