// Basic vocabulary of the PBFT core: identifiers, client requests, the
// membership of one epoch, quorum arithmetic and the replica's tunables.
//
// Units: every duration is std::chrono::microseconds (Micros); times that are
// signed or stored are integer milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/common/bytes.h"
#include "mlchain/common/clock.h"
#include "mlchain/common/status.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/crypto/hash.h"

namespace mlchain::consensus {

using ReplicaId = std::uint32_t;  // index into the epoch's member list
using View = std::uint64_t;
using Seq = std::uint64_t;        // sequence number == block height
using Epoch = std::uint64_t;
using crypto::Digest;

inline constexpr std::size_t kMaxMembers = 64;
inline constexpr std::size_t kMaxClientIdBytes = 256;
inline constexpr std::size_t kMaxOpBytes = 64 * 1024;

// A client operation. `client` names the client, `id` increases per client
// (PBFT's timestamp): a request with id <= the last executed id of its client
// is a duplicate and is never executed again. Each client has at most one
// request outstanding. The op is opaque here; whether the client really sent
// it is the RequestAuthenticator's decision (below).
struct Request {
  std::string client;
  std::uint64_t id = 0;
  Bytes op;

  friend bool operator==(const Request&, const Request&) = default;
};

// Decides whether `client` really sent this request (the node: its signed
// envelope verifies against the key `client` names, for this layer, with this
// id). It must be a pure function of the request's bytes: the Replica and the
// Ledger apply the same one, on every member alike. The rule it serves:
// only an authentic request may advance its client's dedup state (the last
// executed id), so nobody can burn another client's ids — a forged request
// with id 2^64-1 would otherwise lock that client out for good. Replicas also
// refuse unauthenticated requests before ordering them (on arrival and in a
// pre-prepare); one that is ordered anyway executes as a refused no-op.
// Unset: every request is taken as authentic (the sim without clients' keys,
// unit tests).
using RequestAuthenticator = std::function<bool(const Request&)>;
inline bool is_authentic(const Request& r, const RequestAuthenticator& a) { return !a || a(r); }

// Reads the last executed request id of `client` from durable state (the
// node and the simulator: the ledger's `clients` table), nullopt when the
// client never executed a request. The replica keeps only a bounded cache of
// these ids (client_table.h) and asks this on a miss; it must answer for the
// state after every Execute the driver has applied (events.h). An error
// (the store could not be read) refuses the request, or holds back the
// execution of its batch until a later event; nothing is guessed.
using ClientLookup = std::function<Result<std::optional<std::uint64_t>>(std::string_view client)>;

// The members of one epoch, in replica-id order. The primary of view v is
// members[v % n].
// Byzantine faults a set of n members tolerates, f = (n - 1) / 3, and its
// quorum, ceil((n + f + 1) / 2): any two quorums share at least f + 1
// members, which is 2f + 1 when n = 3f + 1 and stays correct for other n.
inline std::size_t max_faults(std::size_t n) { return n == 0 ? 0 : (n - 1) / 3; }
inline std::size_t quorum_size(std::size_t n) { return (n + max_faults(n) + 2) / 2; }

struct EpochConfig {
  Epoch epoch = 0;
  std::vector<crypto::PublicKey> members;

  std::size_t n() const { return members.size(); }
  std::size_t f() const { return max_faults(n()); }
  std::size_t quorum() const { return quorum_size(n()); }
  ReplicaId primary(View v) const { return static_cast<ReplicaId>(v % (members.empty() ? 1 : members.size())); }
  std::optional<ReplicaId> index_of(const crypto::PublicKey& key) const;
};

struct ReplicaOptions {
  std::size_t batch_size = 64;           // max requests per pre-prepare
  Micros batch_delay{2'000};             // a partial batch waits at most this long
  // Adaptive batching: a partial batch waits (batch_delay) only while an
  // earlier batch is in flight; an idle primary proposes at once. Lower
  // latency when lightly loaded, smaller batches (less throughput) when busy;
  // a local policy of the primary (node config propose_when_idle).
  bool propose_when_idle = false;
  Seq checkpoint_interval = 16;          // k: a checkpoint every k sequence numbers
  Seq log_window = 64;                   // L: accept seq in (h, h + L]; must be >= 2k
  Micros request_timeout{200'000};       // a pending request not executed by then starts a view change
  Micros view_change_timeout{400'000};   // waiting for a new view; doubles each failed attempt
  Micros fetch_timeout{100'000};         // state transfer: retry with another peer after this
  Micros max_clock_skew{5'000'000};      // a pre-prepare's time must be within this of our clock
  std::size_t max_fetch_blocks = 64;     // blocks per state-transfer reply
  std::size_t max_buffered = 4096;       // messages held for the view we are moving to
  std::size_t max_pending = 16384;       // clients with a request waiting to be ordered (more: refused)
  // Clients whose last executed id is kept in memory (client_table.h); the
  // others are read through the ClientLookup when they send again. A step
  // may exceed it by the clients it executes until the driver applies them.
  std::size_t max_cached_clients = 65'536;
  unsigned max_serves = 8;               // state-transfer bundles served to one peer per fetch_timeout
  // The largest consensus message a peer link carries (the node passes its
  // link limit). Every byte budget below derives from it (byte_budget()).
  std::size_t max_message_bytes = 32u << 20;
};

// Byte budgets of a layer of n members, in request bytes (request_bytes()),
// so that every message the protocol builds fits max_message_bytes once
// encoded (base64 ops, JSON, signatures; about 3/2 of the request bytes):
//  - batch: a pre-prepare's requests (cut by the primary, refused above it
//    by backups: batch_too_large);
//  - inflight: what a primary proposes above its stable checkpoint, so the
//    prepared proofs a view change carries stay bounded; a backup accepts up
//    to 2 * inflight above ITS stable checkpoint (it may lag by a checkpoint)
//    and refuses more (inflight_budget). A new-view carries a quorum of
//    view changes plus the re-proposals: (q + 1) * 2 * inflight * 3/2 plus
//    the prepares' signatures must fit one message;
//  - bundle: the batches of one state-transfer reply (at least one batch).
// Each is at least kMaxOpBytes plus overhead, so any single request fits; a
// very large layer (q^2 * L prepares alone near the limit) needs a larger
// max_message_bytes, which validate() does not demand but the node warns of.
struct ByteBudget {
  std::size_t batch = 0;
  std::size_t inflight = 0;
  std::size_t bundle = 0;
};
ByteBudget byte_budget(const ReplicaOptions& options, std::size_t n);
// What a request weighs against the budgets: its op, its client and a fixed
// allowance for its id and JSON framing.
inline std::size_t request_bytes(const Request& r) { return r.op.size() + r.client.size() + 48; }
std::size_t request_bytes(const std::vector<Request>& batch);

// Checks options and membership; InvalidArgument names the bad field.
Status validate(const ReplicaOptions& options, const EpochConfig& config);

}  // namespace mlchain::consensus
