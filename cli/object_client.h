// Talking to an edge node from the CLI: admin calls (signed envelopes,
// edge/admin.h) and object requests (X-Mlc-* headers, edge/request.h).
// Errors keep the node's reason code in the message and map the HTTP status
// to DESIGN §9 exit codes: unreachable -> Unavailable (3), 401/403 ->
// PermissionDenied (4), 400 -> InvalidArgument (2), 404 -> NotFound, 409/422/429
// -> FailedPrecondition, 5xx -> Internal (1).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/edge/request.h"

namespace mlchain::cli {

struct EdgeEndpoint {
  std::string url;                              // https://host:port
  std::optional<crypto::PublicKey> server_key;  // pin (--edge-key); none: any self-signed certificate
};

// GET /v1/edge.
Result<codec::Json> edge_info(const EdgeEndpoint& edge);

// Signs {action, args} with `admin` for the edge's layer (asked from
// /v1/edge), a fresh nonce and the current time, and POSTs it.
Result<codec::Json> admin_call(const EdgeEndpoint& edge, const crypto::PrivateKey& admin, const std::string& action,
                               const codec::Json& args);

// How an object proves a request.
struct ObjectCredential {
  std::optional<crypto::PrivateKey> key;  // ed25519
  std::optional<Bytes> secret;            // hmac
};

Result<codec::Json> object_call(const EdgeEndpoint& edge, edge::Action action, const std::string& uuid,
                                std::uint64_t counter, const std::string& body, const ObjectCredential& credential);

// The object's credential from --key (an Ed25519 key file) or --secret-file
// (64 hex of an HMAC secret); neither: an unsigned object. InvalidArgument.
Result<ObjectCredential> load_object_credential(const std::string& key_file, const std::string& secret_file);

// An edge's answer, whatever its status: for callers that map codes
// themselves (contract send). `body` is the parsed JSON, or null.
struct EdgeAnswer {
  int status = 0;
  codec::Json body;
};

// Like object_call, but an HTTP answer of any status is a value, and the
// whole exchange is bounded by `timeout`. Errors: Unavailable (cannot reach
// the edge, or no answer within `timeout`), VerificationFailed (--edge-key
// pin), InvalidArgument (bad URL).
Result<EdgeAnswer> object_request(const EdgeEndpoint& edge, edge::Action action, const std::string& uuid,
                                  std::uint64_t counter, const std::string& body, const ObjectCredential& credential,
                                  std::chrono::milliseconds timeout);

}  // namespace mlchain::cli
