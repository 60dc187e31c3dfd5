// The edge layer's copy of its superior layer's address book (DESIGN §3: a
// layer knows its superior's member keys and addresses; issue 5: the edge
// layer keeps L1's). To its superior the edge layer is one subordinate
// member (recorded there by `mlchain layer attach`); this is the other
// direction: whom the edge trusts and talks to upward.
//
// Where the book comes from:
//   1. the first time, the superior's genesis.json ([superior] genesis in the
//      edge config): its blueprint's valid members, epoch 0; the file's hash
//      identifies the layer from then on;
//   2. afterwards, GET /v1/layer answers of the superior's own members
//      (superior_tracker.h), merged by apply_layer_answer() below;
//   3. on restart, the copy kept in the edge's store.
//
// On-store layout: table edge_superior, key "book" -> canonical JSON of
// to_json(SuperiorBook). One row, replaced by one write transaction (a crash
// leaves the old book or the new one, never a mix).
//
// Trust rule: an answer is only taken from a member reached over TLS pinned
// to that member's key in the current book, and only when it names the same
// layer and genesis hash and an epoch no older than the book's. So the book
// is never rolled back to an older membership, and never switched to another
// layer that happens to answer at a known address.
//
// Thread safety: pure functions, except load/save which use the store's own
// transactions (safe from any thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/node/genesis_file.h"
#include "mlchain/store/store.h"

namespace mlchain::edge {

inline constexpr std::string_view kSuperiorTable = "edge_superior";
inline constexpr std::string_view kSuperiorBookKey = "book";
// A layer has at most 64 members (DESIGN §1); an answer may also list former
// members (status "invalid"), so the array may be longer.
inline constexpr std::size_t kMaxSuperiorMembers = 64;
inline constexpr std::size_t kMaxLayerAnswerMembers = 1024;

struct SuperiorMember {
  std::string name;
  crypto::PublicKey key;
  std::string address;  // "https://host:port"; "" when the superior did not say (then never contacted)

  friend bool operator==(const SuperiorMember&, const SuperiorMember&) = default;
};

struct SuperiorBook {
  std::string path;                     // the superior layer, e.g. "L2/L1a"
  std::string genesis_hash;             // hex, from its genesis.json
  std::uint64_t epoch = 0;              // the superior's membership epoch this book is from
  std::vector<SuperiorMember> members;  // current members only (never "invalid" ones)
  std::int64_t refreshed_at_ms = 0;     // unix ms of the last accepted answer; 0: never (genesis)

  friend bool operator==(const SuperiorBook&, const SuperiorBook&) = default;
};

codec::Json to_json(const SuperiorBook& book);
// Strict (the store's own format): InvalidArgument on any unknown or bad field.
Result<SuperiorBook> superior_book_from_json(const codec::Json& j);

// Epoch 0 of the layer `genesis` describes: its valid blueprint members in
// blueprint order. VerificationFailed when the genesis is for another layer
// than `path`.
Result<SuperiorBook> book_from_genesis(const node::GenesisFile& genesis, std::string_view path);

// The refresh's decision, without any I/O: what one GET /v1/layer answer
// (parsed JSON, untrusted) does to `current`. On success the new book:
// the answer's members with status "valid" or "unreachable" (in the answer's
// order; "invalid" ones dropped), its epoch, refreshed_at_ms = now_ms. A
// member whose address is "" keeps the address `current` knows for its key.
// Errors (the book stays as it is):
//   VerificationFailed  "layer" is not current.path or "genesis_hash" is not
//                       current.genesis_hash (another layer answered);
//   FailedPrecondition  "epoch" older than current.epoch (a lagging member);
//   InvalidArgument     malformed: missing or mistyped fields, an unknown
//                       status, a bad key or address, a key listed twice,
//                       no current member, more than kMaxSuperiorMembers.
Result<SuperiorBook> apply_layer_answer(const SuperiorBook& current, const codec::Json& answer, std::int64_t now_ms);

// The book kept in `store`, if any. Corruption if the row does not parse.
Result<std::optional<SuperiorBook>> load_superior_book(const store::Store& store);
// Replaces the stored book in one write transaction (durable as the store
// is when this returns ok). Refuses (FailedPrecondition) to store a book of
// the same layer and genesis with an older epoch than the stored one, so the
// epoch never goes back on disk either.
Status save_superior_book(store::Store& store, const SuperiorBook& book);

enum class BookSource {
  kStored,          // the copy in the store (same path and genesis hash)
  kGenesis,         // nothing stored yet: the genesis book
  kReplacedOther,   // the stored copy was of another superior (config changed): replaced by the genesis book
  kReplacedBroken,  // the stored copy did not parse: replaced by the genesis book (refresh catches up)
};
std::string_view book_source_name(BookSource s);

struct OpenedBook {
  SuperiorBook book;
  BookSource source = BookSource::kGenesis;
};

// The book to start with: the stored one when it is for the same `path` and
// genesis hash, else the genesis book, which is then stored. Errors: those of
// book_from_genesis and of the store.
Result<OpenedBook> open_superior_book(store::Store& store, const node::GenesisFile& genesis, std::string_view path);

}  // namespace mlchain::edge
