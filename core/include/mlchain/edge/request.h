// Object requests: what an object sends to its central node, how it proves
// who it is, and the stable reason codes of the answer. docs/edge-requests.md
// is the reference for device writers, with Python and bash+openssl examples.
//
// A request is an action, the object's UUID, a counter and a body (raw bytes,
// JSON). Over HTTPS: POST /v1/object/<action> with headers
//   X-Mlc-Object:    <uuid>
//   X-Mlc-Counter:   <decimal u64, 1..2^64-1>
//   X-Mlc-Signature: <hex>   (absent for unsigned objects)
// The proof covers the signing string (UTF-8, '\n' separated, NO trailing newline):
//   "mlc-edge-v1\n" <action> "\n" <uuid> "\n" <counter decimal> "\n" <sha256 hex of the body bytes>
// ed25519: the 64-byte Ed25519 signature of the string, 128 hex characters;
// hmac:    HMAC-SHA256(secret, string), 64 hex characters (either case).
//
// Counter: strictly increasing per object (each accepted request must carry
// a counter above the last accepted one; gaps are fine). A stateless device
// may use its clock in microseconds. A refused request does not consume its
// counter: nothing about a refusal is stored.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"

namespace mlchain::edge {

inline constexpr std::string_view kSigningVersion = "mlc-edge-v1";
inline constexpr std::size_t kMaxRequestBodyBytes = 64 * 1024;

enum class Action : std::uint8_t {
  kUpload,    // body: a data point (JSON object) that must follow the object's format
  kSend,      // body: {"to": <uuid>, "body": <any JSON>}: queue a message for another object
  kFetch,     // body: {"ack": <seq>?, "max": <1..100>?}: drop messages up to ack, return the next ones
  kContract,  // body: contract_request.h: a cross-layer contract message to an object of another edge layer
};
inline constexpr std::size_t kActionCount = 4;

std::string_view action_name(Action a);  // "upload" | "send" | "fetch" | "contract"
Result<Action> parse_action(std::string_view name);

struct ObjectRequest {
  Action action = Action::kUpload;
  std::string uuid;
  std::uint64_t counter = 0;
  std::string body;       // exact bytes received
  std::string signature;  // hex as received; empty when absent
};

std::string signing_string(Action action, std::string_view uuid, std::uint64_t counter, std::string_view body);

// The request POST /v1/object/<action> carries, from its header fields
// (names in lower case, a repeated field's values joined with ", ", as
// net::Request holds them) and body. InvalidArgument, with the message the
// object is answered (400 bad_request), for a missing X-Mlc-Object or
// X-Mlc-Counter, a counter that is not a decimal integer 0..2^64-1 (0 is
// refused later, with the rest of the request's checks, by
// Registry::process), or an X-Mlc-Signature over 256 characters.
Result<ObjectRequest> object_request_from_headers(Action action, const std::map<std::string, std::string>& headers,
                                                  std::string body);

// Why a request was refused. Stable snake_case names (reason_name) are the
// "code" of the JSON error and the metrics label.
enum class Reason : std::uint8_t {
  kAccepted = 0,
  kBadRequest,       // 400 malformed headers or body, body too large
  kUnknownObject,    // 404 no such object in this edge layer
  kRevoked,          // 403 the object was revoked
  kBadSignature,     // 401 signature/MAC missing or wrong
  kReplayed,         // 409 counter not above the last accepted one
  kSchemaViolation,  // 422 the data does not follow the object's format
  kNotPermitted,     // 403 the object lacks the permission for this action/target
  kUnknownTarget,    // 404 message to an object that does not exist or is revoked
  kQueueFull,        // 429 the destination's queue is full
  kInternal,         // 500 the store failed
};
inline constexpr std::size_t kReasonCount = 11;

std::string_view reason_name(Reason r);
int reason_http_status(Reason r);

// The outcome of one request. On acceptance `result` is the answer body.
struct Decision {
  Reason reason = Reason::kAccepted;
  std::string message;  // for people; never contains a secret
  codec::Json result;

  bool accepted() const { return reason == Reason::kAccepted; }
  static Decision refuse(Reason r, std::string message) { return Decision{r, std::move(message), {}}; }
};

}  // namespace mlchain::edge
