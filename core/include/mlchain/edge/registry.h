// Registry: the central node's object registry over a store::Store (LMDB in
// the daemon, MemoryStore in tests), and the request pipeline of DESIGN §6:
// verify identity -> parse by class (the object's format) -> check
// permission -> execute or refuse with a reason (request.h).
//
// On-store layout (all values canonical JSON unless noted):
//   edge_objects   <uuid>                     -> ObjectRecord (object.h to_json)
//   edge_secrets   <uuid>                     -> raw 32-byte HMAC secret (hmac objects only)
//   edge_history   <uuid> 0x00 <be64 seq>     -> {"seq","time_ms","counter","data"}
//   edge_queue     <dest uuid> 0x00 <be64 seq> -> {"seq","from","time_ms","body"[,"contract"]}
//   contract_delivered <sum hex>              -> signed receipt of a delivered contract packet
//   contract_delivered_expiry <20-digit expiry ms>:<sum hex> -> "" (prune index of the above)
//                                               (contract_inbox.h); written in the same
//                                               transaction as its queue row
// A UUID never contains 0x00, so one object's rows are one contiguous range.
// The record holds the [first, next) windows of its history and queue.
//
// Crash safety: every mutation (register, revoke, rotate, an accepted
// request, and the caller's TxnCheck) is ONE store write transaction; a crash
// leaves it wholly applied or not at all. A refused request writes nothing.
//
// Secrets: an HMAC secret is returned once, by register_object / rotate
// (Registered::secret), and afterwards only read inside the registry to
// check MACs. No ObjectRecord, Decision or error message contains it.
// (It is stored unsealed in edge_secrets: protect data_dir like a key file.)
//
// Concurrency: thread-safe. Signatures are checked before the write
// transaction; inside it the record is read again and the credential version,
// revocation and counter re-checked, so concurrent requests of one object
// never both pass the replay check. Concurrent process() calls share write
// transactions (group commit: one fsync for a batch of up to 128 requests);
// each call still returns only after its own changes are durable, and a
// refused request writes nothing into the shared transaction.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mlchain/common/clock.h"
#include "mlchain/common/rng.h"
#include "mlchain/edge/format.h"
#include "mlchain/edge/object.h"
#include "mlchain/edge/request.h"
#include "mlchain/store/store.h"

namespace mlchain::edge {

namespace detail {
class GroupCommit;
}

inline constexpr std::string_view kObjectsTable = "edge_objects";
inline constexpr std::string_view kSecretsTable = "edge_secrets";
inline constexpr std::string_view kHistoryTable = "edge_history";
inline constexpr std::string_view kQueueTable = "edge_queue";
inline constexpr std::size_t kSecretBytes = 32;
inline constexpr std::size_t kMaxMessageBytes = 16 * 1024;  // canonical JSON of one message body
inline constexpr std::size_t kMaxFetch = 100;

struct RegistryOptions {
  std::string layer_path;  // this edge layer, e.g. "L2/L1a/E1"
  CredentialPolicy policy;
  std::size_t history_limit = 100;  // data points kept per object (oldest dropped)
  std::size_t queue_limit = 256;    // undelivered messages per destination (more: queue_full)
};

// Fills `out` with fresh secret bytes; default: OpenSSL RAND_bytes.
using SecretSource = std::function<Status(std::span<std::uint8_t> out)>;
// Runs first inside a mutation's write transaction; a non-ok Status aborts
// the mutation (used to record an admin request's nonce atomically with it).
using TxnCheck = std::function<Status(store::WriteTxn&)>;

struct Registered {
  ObjectRecord record;
  std::optional<Bytes> secret;  // hmac only: show it once, then forget it
};

struct HistoryEntry {
  std::uint64_t seq = 0;
  std::int64_t time_ms = 0;
  std::uint64_t counter = 0;
  codec::Json data;
};

struct Message {
  std::uint64_t seq = 0;
  std::string from;
  std::int64_t time_ms = 0;
  codec::Json body;
  // A message delivered by a cross-layer contract (docs/contracts.md §8.1):
  // {"kind", "sum", "ids", "ttl_ms"}; none for a message of this edge layer.
  std::optional<codec::Json> contract;
};

inline constexpr std::string_view kContractDeliveredTable = "contract_delivered";
inline constexpr std::string_view kContractDeliveredExpiryTable = "contract_delivered_expiry";
// A delivered sum is remembered until its message's expiry (timestamp + ttl)
// plus this grace; a copy arriving later is refused as expired anyway.
inline constexpr std::int64_t kDeliveredGraceMs = 10 * 60 * 1000;

// One contract message for an object of this edge layer (contract_inbox.h
// checked the packet; the registry stores it once per sum).
struct ContractDelivery {
  std::string to;        // destination UUID (must be an active object here)
  std::string from;      // source UUID (another edge layer)
  codec::Json body;      // the message M
  codec::Json contract;  // {"kind", "sum", "ids", "ttl_ms"}
  std::string sum_hex;   // dedupe key
  codec::Json receipt;   // stored under sum_hex when delivered
  std::int64_t expires_at_ms = 0;  // message timestamp + ttl: refused (not delivered) after it; 0: never
};

struct DeliveryResult {
  enum class Outcome : std::uint8_t {
    kDelivered,      // queued now; `receipt` is the one given
    kReplay,         // the sum was delivered before; `receipt` is the stored one; nothing written
    kUnknownTarget,  // no active object `to`; nothing written
    kQueueFull,      // the destination's queue is full; nothing written
    kExpired,        // a new sum past its expiry; nothing written
  };
  Outcome outcome = Outcome::kDelivered;
  std::uint64_t seq = 0;
  codec::Json receipt;
  std::string message;  // why, for a refusal
};

codec::Json to_json(const HistoryEntry& h);
codec::Json to_json(const Message& m);

class Registry {
 public:
  ~Registry();

  // `store`, `clock` and `id_rng` must outlive the registry. `id_rng` draws
  // the 64-bit local ids (it is used under the registry's lock).
  static Result<std::unique_ptr<Registry>> open(store::Store& store, RegistryOptions options, const Clock& clock,
                                                Rng& id_rng, SecretSource secrets = {});

  const RegistryOptions& options() const { return options_; }

  // Errors: InvalidArgument (spec), PermissionDenied (scheme not allowed by
  // the policy), the TxnCheck's error, store errors.
  Result<Registered> register_object(const ObjectSpec& spec, const TxnCheck& check = {});
  // NotFound if absent; FailedPrecondition if already revoked.
  Result<ObjectRecord> revoke(std::string_view uuid, const TxnCheck& check = {});
  // New credential (the scheme may change within the policy); the old one
  // stops working when this returns. NotFound, FailedPrecondition (revoked),
  // PermissionDenied (policy), InvalidArgument.
  Result<Registered> rotate(std::string_view uuid, const CredentialSpec& credential, const TxnCheck& check = {});

  Result<ObjectRecord> get(std::string_view uuid) const;  // NotFound
  // Objects in UUID order strictly after `after` ("" = from the start), at most `limit`.
  Result<std::vector<ObjectRecord>> list(std::string_view after, std::size_t limit) const;
  // The newest `limit` history entries, oldest first.
  Result<std::vector<HistoryEntry>> history(std::string_view uuid, std::size_t limit) const;
  // Queued messages for `uuid` (without removing them), oldest first.
  Result<std::vector<Message>> queued(std::string_view uuid, std::size_t limit) const;

  // The whole pipeline for one object request. Never throws; a refusal
  // leaves the store unchanged. For Action::kContract the registry only
  // authenticates, parses (contract_request.h) and checks the "contract"
  // permission; on acceptance the counter is consumed and `result` is the
  // normalised request (contract_request_to_json), which the caller sends.
  Decision process(const ObjectRequest& request);

  // Queues a contract message for its destination and records its sum in
  // kContractDeliveredTable, both in ONE write transaction (group commit),
  // so a crash neither loses a delivery nor lets the same sum be delivered
  // twice. Errors: store failures only.
  Result<DeliveryResult> deliver_contract(const ContractDelivery& delivery);

 private:
  Registry(store::Store& store, RegistryOptions options, const Clock& clock, Rng& id_rng, SecretSource secrets);

  Result<std::optional<Format>> format_of(const ObjectRecord& record) const;
  Result<std::string> new_local_id(const store::ReadTxn& txn);
  Status fresh_secret(Bytes& out);
  Decision execute(const ObjectRequest& request, const ObjectRecord& verified, const codec::Json& body);

  store::Store& store_;
  RegistryOptions options_;
  const Clock& clock_;
  std::mutex rng_mu_;
  Rng& rng_;
  SecretSource secrets_;
  mutable std::mutex formats_mu_;
  mutable std::map<std::string, Format, std::less<>> formats_;  // compiled formats by uuid (immutable)
  std::unique_ptr<detail::GroupCommit> commit_;                 // batches accepted requests' writes
};

namespace detail {
// Store helpers shared by the registry's translation units.
std::string row_key(std::string_view uuid, std::uint64_t seq);
Result<std::optional<ObjectRecord>> load_record(const store::ReadTxn& txn, std::string_view uuid);
Status save_record(store::WriteTxn& txn, const ObjectRecord& record);
}  // namespace detail

}  // namespace mlchain::edge
