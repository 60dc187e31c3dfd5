// ClientTable: the replica's dedup state (each client's last executed
// request id, types.h) held in bounded memory.
//
// Keys are free to make, so the set of clients that ever executed an op
// grows without end. The truth lives in durable state outside the replica
// (the ledger's `clients` table in the node and the simulator), read through
// the injected ClientLookup; this table caches at most `capacity` entries
// beyond the ones the driver has not applied yet:
//  - last(): a cached id, or on a miss the lookup's answer (cached, clean).
//  - advance(): execution of batch `seq` raised a client's id. The entry is
//    dirty — newer than what the lookup returns — until trim() is told that
//    the driver applied that batch.
//  - trim(durable): evicts least recently used clean entries down to
//    capacity. Never a dirty one: its id exists nowhere else yet.
// The replica trims at the start of each step(): by then the driver has
// applied every Execute of the previous steps (events.h), so every entry is
// clean and the table holds at most capacity entries between steps, plus
// the clients one step touches while it runs.
//
// Why this is exact: the ledger and the replica advance ids by one rule
// (only an authentic request with an id above the last one, types.h), over
// the same batches in the same order. So after the driver applied batch s,
// the ledger's row of a client equals the replica's id after batch s, and
// "the cached id if cached, else the lookup's" is the replica's whole map as
// it was before this bound existed. Which entries happen to be cached never
// changes a decision, only how often the lookup is asked.
//
// LRU rather than evict-oldest: the clients that keep sending stay cached
// (no store read per request) while a flood of one-shot keys only cycles
// through the cold end.
//
// Without a lookup nothing is evicted: the table is then the only record
// (unit tests without a ledger).
//
// Thread safety: none; it belongs to one Replica's strand. The lookup is
// called on that strand, inside step().
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <string>

#include "mlchain/consensus/types.h"

namespace mlchain::consensus {

class ClientTable {
 public:
  explicit ClientTable(std::size_t capacity = 65'536) : capacity_(capacity) {}

  void set_lookup(ClientLookup lookup) { lookup_ = std::move(lookup); }
  bool has_lookup() const { return static_cast<bool>(lookup_); }
  void set_capacity(std::size_t capacity) { capacity_ = capacity; }

  // The last executed id of `client` (0: none). A miss asks the lookup and
  // caches its answer; a failed lookup is returned as is (nothing cached).
  Result<std::uint64_t> last(const std::string& client);
  // Like last(), but caches nothing and leaves the recency order alone.
  Result<std::uint64_t> peek(const std::string& client) const;
  // Batch `seq` executed `client`'s request `id` (above its last id).
  void advance(const std::string& client, std::uint64_t id, Seq seq);
  // Batches up to `durable` (inclusive) are in the state the lookup reads:
  // evicts clean entries, least recently used first, down to capacity.
  void trim(Seq durable);

  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }
  bool cached(const std::string& client) const { return entries_.count(client) > 0; }
  std::uint64_t lookups() const { return lookups_; }  // misses the lookup answered
  std::uint64_t evictions() const { return evictions_; }

 private:
  using Lru = std::list<const std::string*>;  // most recent first; points at entries_' keys
  struct Entry {
    std::uint64_t id = 0;
    Seq seq = 0;  // batch that last advanced it; 0: read from the lookup
    Lru::iterator pos;
  };
  Entry& insert(const std::string& client, std::uint64_t id, Seq seq);
  void touch(Entry& e) { lru_.splice(lru_.begin(), lru_, e.pos); }

  std::size_t capacity_;
  ClientLookup lookup_;
  std::map<std::string, Entry, std::less<>> entries_;
  Lru lru_;
  std::uint64_t lookups_ = 0;
  std::uint64_t evictions_ = 0;
};

}  // namespace mlchain::consensus
