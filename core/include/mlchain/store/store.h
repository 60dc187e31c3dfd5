// Store: ordered key/value tables with ACID transactions. Two implementations
// share this interface and one test suite: LmdbStore (durable, lmdb_store.h)
// and MemoryStore (memory_store.h, for simulations and unit tests).
//
// Model: named tables ("blocks", "state", ...), byte-string keys ordered
// lexicographically (memcmp), byte-string values. Any number of concurrent
// readers see a consistent snapshot; one writer at a time (begin_write blocks
// until the previous writer ends). A transaction object must be used by one
// thread at a time; read transactions may be moved between threads.
//
// Durability contract: when WriteTxn::commit() returns ok, every change of the
// transaction is on stable storage (LMDB: fsync of data and meta page, unless
// the store was opened with StoreOptions::durable = false) and visible to
// transactions begun afterwards. A crash at any instant leaves the store as of
// the last successful commit: never half a transaction. A WriteTxn destroyed
// without commit() is aborted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/common/bytes.h"
#include "mlchain/common/status.h"

namespace mlchain::store {

// Keys and values are byte strings; std::string is used as the container.
using Key = std::string;
using Value = std::string;

class Cursor {
 public:
  virtual ~Cursor() = default;
  // Position at the first key >= `key` (or past the end).
  virtual Status seek(std::string_view key) = 0;
  virtual Status first() = 0;
  virtual Status last() = 0;
  virtual Status next() = 0;
  virtual Status prev() = 0;
  virtual bool valid() const = 0;
  // Only when valid(); views stay good until the cursor moves or the txn ends.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
};

class ReadTxn {
 public:
  virtual ~ReadTxn() = default;
  // nullopt when absent. NotFound is reserved for an unknown table.
  virtual Result<std::optional<Value>> get(std::string_view table, std::string_view key) const = 0;
  virtual Result<std::unique_ptr<Cursor>> cursor(std::string_view table) const = 0;
};

class WriteTxn : public ReadTxn {
 public:
  virtual Status put(std::string_view table, std::string_view key, std::string_view value) = 0;
  // Ok whether or not the key existed.
  virtual Status del(std::string_view table, std::string_view key) = 0;
  // Removes every key of the table (the table stays).
  virtual Status clear(std::string_view table) = 0;
  // See the durability contract above. After commit (ok or not) the txn is done.
  virtual Status commit() = 0;
  virtual void abort() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Result<std::unique_ptr<ReadTxn>> begin_read() const = 0;
  virtual Result<std::unique_ptr<WriteTxn>> begin_write() = 0;

  // Runs `fn` in a write transaction and commits it. If the store runs out of
  // space (LMDB MDB_MAP_FULL) the transaction is aborted, the map grown and
  // `fn` run again from scratch (so `fn` must have no side effects outside the
  // txn); when it cannot grow further, ResourceExhausted. A non-ok Status from
  // `fn` aborts and is returned.
  virtual Status write(const std::function<Status(WriteTxn&)>& fn) = 0;

  // Table names a store knows; tables are created on first put.
  virtual Result<std::vector<std::string>> tables() const = 0;
};

}  // namespace mlchain::store
