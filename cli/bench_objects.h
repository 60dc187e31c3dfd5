// Objects and contract messages of the load generators (bench contracts,
// bench soak): a registered Ed25519 object, a signed object request, one
// contract message with its receipt checked, and the same-run V1 figure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/edge/request.h"
#include "mlchain/net/https_client.h"

namespace mlchain::cli::bench {

// How long a message is retried while its edge answers 503 busy.
inline constexpr std::chrono::milliseconds kBusyWait{30'000};

// One message's outcome: latency and, on success, the answer.
struct Sent {
  bool ok = false;
  std::string code;  // refusal code when !ok
  std::string message;
  double ms = 0;
  codec::Json answer;
  unsigned busy_retries = 0;
};

// An object of the benchmark: its key, uuid and request counter.
struct BenchObject {
  crypto::PrivateKey key;
  std::string uuid;
  std::uint64_t counter = 0;
  unsigned undrained = 0;  // messages delivered to it since the last fetch
};

// POST /v1/object/<action> signed as `from` (request.h), on `conn`.
Sent object_post(net::HttpsConnection& conn, BenchObject& from, edge::Action action, const std::string& body);

// One contract message from `from` to `to`; success needs the destination
// edge's receipt, signed (checked here) by layer `dst_layer`. A 503 "busy"
// is retried after a pause, up to kBusyWait.
Sent send_contract_message(net::HttpsConnection& conn, BenchObject& from, const BenchObject& to,
                           const std::string& dst_layer, const char* kind, const codec::Json& ids,
                           const codec::Json& message, std::optional<std::uint64_t> ttl_ms);

// Registers a fresh Ed25519 object with the contract permission on `edge`.
Result<BenchObject> register_object(const std::string& edge, const crypto::PrivateKey& admin);

// Single-core Ed25519 verifications per second, measured for `duration`.
std::uint64_t measure_v1(std::chrono::milliseconds duration);

// {"count", "p50", "p90", "p99", "max"} in microseconds; sorts `ms`.
codec::Json latency_json(std::vector<double>& ms);

}  // namespace mlchain::cli::bench
