// Deterministic simulation of one high-level layer: N replicas (Replica +
// Ledger + Store each) over a simulated network with virtual time, driven by
// one seeded Rng. The same SimOptions (seed included) always give the same
// run, event for event, so a failing run replays from its seed.
//
// Faults: message drop, extra delay, duplication, reordering (random
// per-message latency), partitions that heal, crash and restart from the
// persisted store (MemoryStore kept across the crash, or LmdbStore in a
// directory), byzantine replicas (see Byzantine) and byzantine clients that
// send different operations under one request id to different replicas.
//
// After every step an invariant checker asserts, over correct replicas only:
// no two commit different blocks at one height, each chain links, each
// block's commit certificate verifies against the epoch's members, views never
// go back (one exception: a replica inactive in a view change may rejoin the
// lower view a quorum is live in, see docs/consensus.md). With more than f
// byzantine replicas a fork is possible and the
// checker reports it (SimReport::fork). It also asserts (issue 13):
//  - no lock-out: no client's last executed id (replica or ledger) is above
//    the highest id that client ever issued;
//  - no message too large to travel: a correct replica never sends one over
//    the link limit (ReplicaOptions::max_message_bytes; the simulated link
//    refuses it, as the real one does) — that is how a missing byte budget
//    livelocks a layer;
//  - bounded buffering: a correct replica holds at most max_message_bytes
//    of messages from one sender for the view it is entering.
//
// Clients are authenticated: a request is authentic iff its client issued
// it (an ideal signature), and replicas and ledgers get that
// RequestAuthenticator unless authenticate_clients is false (the control
// case: then forged request ids lock clients out and the checker says so).
//
// Thread safety: run() is reentrant; each call owns all its state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/consensus/reconfig.h"
#include "mlchain/consensus/types.h"

namespace mlchain::sim {

enum class Byzantine : std::uint8_t {
  kNone,
  kSilent,          // sends nothing
  kEquivocate,      // as primary: different pre-prepares for one seq to two halves; colluders vote both ways
  kForge,           // corrupts signatures, impersonates other replicas, forges certificates
  kReplay,          // re-sends old messages (its own and others')
  kViewChangeSpam,  // floods valid and invalid view changes for higher views
  kStall,           // as primary: holds each pre-prepare just under the request timeout
  // Issue 13's attacks:
  kForgedIds,       // relays requests in honest clients' names with id 2^64-1; as primary, orders them
  kOversized,       // floods 16 KiB ops from fresh client keys; as primary, stuffs batches past the byte budget
  kFutureViewFlood, // floods unsigned and oversized messages for the views others are moving to
  kGhostProposals,  // as primary, also proposes seqs past a pending membership change's boundary
};
std::string_view byzantine_name(Byzantine b);
std::optional<Byzantine> parse_byzantine(std::string_view name);

enum class StoreKind : std::uint8_t { kMemory, kLmdb };
enum class CryptoKind : std::uint8_t { kFake, kEd25519 };

struct PartitionSpec {
  Micros at{0};
  Micros heal_at{0};
  std::vector<std::uint32_t> side;  // these replicas are cut off from the others (clients reach everyone)
};

struct CrashSpec {
  std::uint32_t node = 0;
  Micros at{0};
  Micros restart_at{0};  // <= at: never restarts
};

// Tunables sized for virtual time: small batches, short timeouts.
consensus::ReplicaOptions default_sim_replica_options();

// A membership change submitted by an administrator client at `at`
// (consensus/reconfig.h); it takes effect at the next checkpoint boundary.
struct ReconfigSpec {
  Micros at{0};
  consensus::ConfigAction action = consensus::ConfigAction::kRemoveMember;
  // The node (by its initial id) removed or marked invalid, or the joiner
  // (id >= SimOptions::nodes) added.
  std::uint32_t node = 0;
};

struct SimOptions {
  std::uint32_t nodes = 4;
  std::uint32_t byzantine = 0;             // replicas 0..byzantine-1 (0 is the first primary)
  // Extra nodes nodes..nodes+joiners-1, not in the genesis: they run from
  // the start as learners (following the chain by state transfer) until a
  // ReconfigSpec adds them.
  std::uint32_t joiners = 0;
  Byzantine byzantine_kind = Byzantine::kEquivocate;
  std::uint64_t ops = 100;                 // client operations to commit
  std::uint64_t seed = 1;
  std::uint32_t clients = 16;              // each keeps one request outstanding
  std::uint32_t byzantine_clients = 0;     // send different ops under one id to different replicas

  // Network, in probabilities (0..1) and virtual microseconds. Faults apply
  // until faults_until; afterwards the network is clean (to check liveness).
  double drop = 0.0;
  double duplicate = 0.0;
  double delay_probability = 0.0;          // chance of an extra delay of up to delay_spike
  Micros delay_spike{50'000};
  Micros min_latency{200};
  Micros max_latency{1'000};
  Micros faults_until{5'000'000};
  std::vector<PartitionSpec> partitions;
  std::vector<CrashSpec> crashes;
  std::vector<ReconfigSpec> reconfigurations;
  // Random faults drawn from the seed (in addition to the lists above):
  std::uint32_t random_partitions = 0;
  std::uint32_t random_crashes = 0;

  StoreKind store = StoreKind::kMemory;
  std::filesystem::path lmdb_dir;          // required for kLmdb; one subdirectory per replica
  CryptoKind crypto = CryptoKind::kFake;
  consensus::ReplicaOptions replica = default_sim_replica_options();
  Micros client_retry{400'000};
  Micros client_think{0};                  // pause between a client's operations (spreads load over time)

  bool authenticate_clients = true;        // see above

  Micros max_virtual_time{120'000'000};    // stop (not live) after this much virtual time
  std::uint64_t max_events = 20'000'000;
  bool count_bytes = true;                 // encode each sent message to count bytes (costs CPU)
  // Optional: receives one line per notable event (view changes, new views,
  // crashes, fetches) with the virtual time, for debugging a replayed seed.
  std::function<void(const std::string&)> trace;
};

struct ForkInfo {
  std::uint64_t height = 0;
  std::uint32_t node_a = 0;
  std::uint32_t node_b = 0;
  std::string hash_a;
  std::string hash_b;
};

struct SimReport {
  std::uint64_t seed = 0;
  std::uint32_t nodes = 0;
  std::uint32_t byzantine = 0;
  std::uint32_t f = 0;
  std::string byzantine_kind;
  std::uint64_t ops_requested = 0;
  std::uint64_t ops_committed = 0;     // client-confirmed (f+1 matching replies)
  std::uint64_t blocks = 0;            // highest height among correct replicas
  std::uint64_t min_height = 0;        // lowest height among correct replicas that are up
  std::uint64_t view_changes = 0;      // highest view reached by a correct replica
  std::uint64_t epoch = 0;             // highest epoch reached by a correct replica
  std::uint32_t learners = 0;          // up nodes still waiting for an epoch that adds them
  std::uint64_t messages = 0;          // replica-to-replica deliveries attempted
  std::uint64_t bytes = 0;
  std::uint64_t client_messages = 0;
  double messages_per_op = 0;
  double bytes_per_op = 0;
  double virtual_seconds = 0;
  double ops_per_virtual_second = 0;
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  std::uint64_t events = 0;
  std::uint64_t fetches = 0;
  std::uint64_t crashes = 0;
  std::uint64_t restarts = 0;
  bool live = false;                   // every requested op committed
  bool safe = true;                    // no invariant violated
  std::vector<std::string> violations;
  std::optional<ForkInfo> fork;
  std::map<std::string, std::uint64_t> drops;  // correct replicas' rejected inputs, by reason
  std::uint64_t ghosts_proposed = 0;           // ghost-proposals: pre-prepares past a boundary sent

  // Integers only (codec::parse refuses floats): messages_per_op_milli,
  // bytes_per_op, ops_per_virtual_second rounded, latency_p50_us,
  // latency_p99_us, virtual_time_us; the rest as named above.
  codec::Json to_json() const;
  // "seed=S nodes=N ..." to paste into a replay.
  std::string summary() const;
};

// Runs one simulation. Errors only for bad options (InvalidArgument) or a
// store that cannot be opened (IoError); protocol trouble is in the report.
Result<SimReport> run(const SimOptions& options);

}  // namespace mlchain::sim
