// Store: ordered key/value tables with ACID transactions. Two implementations
// share this interface and one test suite: LmdbStore (durable, lmdb_store.h)
// and MemoryStore (memory_store.h, for simulations and unit tests).
//
// Model: named tables ("blocks", "state", ...), byte-string keys ordered
// lexicographically (memcmp: "a" < "a\0" < "b" < "\xff"), byte-string values.
// Keys are 1..kMaxKeyBytes bytes (LMDB's limit, enforced by both stores);
// values are any length, empty included. Table names are 1..kMaxTableNameBytes
// bytes without a NUL byte. A table exists once a put into it has committed;
// reading a table that does not exist is not an error: get() gives nullopt
// and cursor() an empty cursor, in both stores.
//
// Any number of concurrent readers see a consistent snapshot: everything
// committed before the read txn began, nothing committed after. One writer at
// a time: begin_write blocks until the previous writer ends, and fails with
// FailedPrecondition if the calling thread already holds the open write txn.
//
// Threads: a transaction (and its cursors) is used by one thread at a time.
// A read txn may be moved between threads; a WriteTxn must be committed,
// aborted or destroyed on the thread that began it (LMDB's write lock is a
// mutex owned by that thread). Transactions and cursors keep what they need
// of the store alive, but close them before reopening the same LMDB directory.
//
// Durability contract: when WriteTxn::commit() returns ok, every change of the
// transaction is on stable storage (LMDB: data pages fdatasync'd, then the meta
// page written synchronously; see lmdb_store.h, and its LmdbOptions::durable =
// false which gives this up; MemoryStore: kept for the life of the object) and
// visible to transactions begun afterwards. A crash at any instant leaves the
// store as of the last successful commit: never half a transaction. When
// commit() fails the transaction is not applied (only after an I/O error
// while writing the meta page may a restart find it applied: wholly, never
// half). A WriteTxn destroyed without commit() is aborted.
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

inline constexpr std::size_t kMaxKeyBytes = 511;  // LMDB's default MDB_MAXKEYSIZE
inline constexpr std::size_t kMaxTableNameBytes = 255;

// An ordered iterator over one table of one transaction's view. Moving off
// either end (or seeking past the last key) is ok and leaves !valid().
// next()/prev() on a cursor that is not valid() fail with FailedPrecondition;
// re-position it with seek/first/last. Every call after its transaction ended
// fails with FailedPrecondition. A cursor on a table that did not exist when
// the cursor was created stays empty.
class Cursor {
 public:
  virtual ~Cursor() = default;
  // Position at the first key >= `key` (or past the end). Any key is
  // accepted here, including "" (same as first()) and over-long keys.
  virtual Status seek(std::string_view key) = 0;
  virtual Status first() = 0;
  virtual Status last() = 0;
  virtual Status next() = 0;
  virtual Status prev() = 0;
  virtual bool valid() const = 0;
  // Only when valid(); views stay good until the cursor moves or the txn ends
  // and, in a WriteTxn, until the next put/del/clear.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
};

class ReadTxn {
 public:
  virtual ~ReadTxn() = default;
  // nullopt when the key or the whole table is absent. InvalidArgument for a
  // bad table name or key (see the limits above).
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
  // Once an operation of the txn failed (other than InvalidArgument for a bad
  // key or name, which changes nothing), later operations fail and commit()
  // returns that first error and aborts: the txn can only be aborted.
  virtual Status commit() = 0;
  // Discards the txn's changes; a no-op once the txn is done.
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
  // `fn` aborts and is returned. `fn` must not commit or abort the txn itself.
  virtual Status write(const std::function<Status(WriteTxn&)>& fn) = 0;

  // Names of the tables as of the last commit, sorted (memcmp order); a table
  // is created by the first committed put into it and never removed.
  virtual Result<std::vector<std::string>> tables() const = 0;
};

}  // namespace mlchain::store
