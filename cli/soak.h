// mlchain bench soak (docs/reliability.md): load with every acknowledgement
// recorded, seeded faults, and a checker that proves after the heal that
// nothing acknowledged was lost or duplicated and that honest members agree.
// bench_soak.cpp drives load and faults; soak_check.cpp checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli.h"
#include "devnet_state.h"
#include "mlchain/codec/json.h"

namespace mlchain::cli::soak {

// One layer op the soak submitted: acknowledged (a 2xx from a member:
// committed) or not (every attempt failed until its deadline).
struct OpRecord {
  std::string layer;
  std::string client;  // hex public key
  std::uint64_t id = 0;
  bool acked = false;
  std::int64_t sent_ms = 0;  // since the soak started
  double latency_ms = 0;
  std::string error;  // the last failure when not acked
};

// One contract message (a "first"): acknowledged means the destination
// edge's signed receipt came back. `answered_failure`: the source edge
// answered with a failure (not a lost connection), so the sender was told it
// failed.
struct ContractRecord {
  std::uint64_t seq = 0;  // carried in the message as {"soak": seq}
  std::string from_layer, to_layer;
  bool acked = false;
  bool answered_failure = false;
  std::string code;  // failure code when not acked
  std::vector<std::string> ids;  // receipt ids, one per high-level layer crossed
  std::string sum;
  std::int64_t sent_ms = 0;
  double latency_ms = 0;
  // Set by the report: a partition of its route (a layer it crosses split,
  // or the link between two layers it crosses cut) overlapped it.
  bool partition_overlap = false;
  // Kept for a contract over 5 s or not acknowledged, for the report's
  // "slow" list: each hop's layer, node and its ordering and certifying
  // times ("L2 l2-n3 order 12 ms certify 3 ms"), or the failure's message.
  std::string route;
};

struct FaultRecord {
  std::string kind;    // kill | stop | isolate | split | layers | edge-restart | byzantine
  std::string target;  // node names or layers
  std::string layer;   // the high-level layer it affects ("" for an edge)
  std::int64_t start_ms = 0, end_ms = 0;
  std::int64_t heal_ms = -1;  // end to the layer's next commit; -1: not measured
  std::string note;
};

struct Violation {
  std::string kind;  // lost_op, duplicated_op, refused_op, lost_contract, duplicated_contract,
                     // failed_but_delivered, proof, divergence, heal_time, selfcheck, not_ready
  std::string detail;
};

struct CheckInput {
  const devnet::DevnetState* state = nullptr;
  std::vector<OpRecord> ops;
  std::vector<ContractRecord> contracts;
  std::map<std::uint64_t, unsigned> delivered;  // soak seq -> times fetched by its receiver
  std::string admin_key;                        // signs contract queries
  unsigned prove_limit = 0;                     // 0: prove every acknowledged contract
  std::uint64_t seed = 1;
  bool verbose = false;
};

struct CheckResult {
  std::vector<Violation> violations;
  codec::Json figures = codec::Json::object();
};

// A fresh client's signed op on `layer`, through its members in turn: the
// milliseconds until it committed, or -1 when it did not within `limit`.
std::int64_t probe_commit(const devnet::DevnetState& s, const std::string& layer, std::chrono::milliseconds limit);

// After the heal: ops in the chains, contracts delivered once with proofs on
// every layer they crossed, identical blocks on every member at every
// height, a commit on every layer within 10 s, selfcheck --layer per layer.
CheckResult check(const CheckInput& in, const Cli& cli);

}  // namespace mlchain::cli::soak
