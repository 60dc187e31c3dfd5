// Administrative requests to an edge node (register, list, show, revoke,
// rotate): a JSON envelope signed by one of the edge layer's admin keys.
//
//   {"action": "register", "admin": "<Ed25519 public key hex>", "args": {...},
//    "edge": "<layer path>", "nonce": "<32 lower-case hex>", "time_ms": <unix ms>,
//    "sig": "<128 hex>"}
//
// The signature covers the bytes  "mlc-admin-v1\n" + canonical JSON of the
// envelope without "sig"  (canonical as in codec/json.h), so it binds the
// action, its arguments, the edge layer, the time and the nonce.
//
// Checks, in order: the signature verifies (else Unauthenticated); the key is
// an admin key of this edge (PermissionDenied); "edge" names this layer
// (PermissionDenied); time_ms is within ±skew of the edge's clock
// (Unauthenticated, "stale"); the (time_ms, nonce) pair was not used before
// (AlreadyExists, "replayed") — the nonce is recorded in the same store
// transaction as the action it authorises (record_nonce is a TxnCheck), and
// forgotten once its time has left the window (such a request is stale anyway).
//
// Table: edge_admin_nonces  <be64 time_ms> <nonce> -> "" .
//
// Thread safety: pure functions; AdminAuth is immutable after construction.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/common/clock.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/edge/registry.h"

namespace mlchain::edge {

inline constexpr std::string_view kAdminSigningPrefix = "mlc-admin-v1\n";
inline constexpr std::string_view kAdminNoncesTable = "edge_admin_nonces";

struct AdminRequest {
  std::string action;
  crypto::PublicKey admin;
  codec::Json args = codec::Json::object();
  std::string edge;
  std::string nonce;  // 32 lower-case hex characters
  std::int64_t time_ms = 0;
  crypto::Signature sig{};
};

Bytes admin_signing_bytes(const AdminRequest& r);
// Fills admin and sig.
AdminRequest sign_admin_request(const crypto::PrivateKey& key, std::string action, codec::Json args, std::string edge,
                                std::string nonce, std::int64_t time_ms);
codec::Json to_json(const AdminRequest& r);
// Strict shape check (no signature check). InvalidArgument naming the field.
Result<AdminRequest> admin_request_from_json(const codec::Json& j);

class AdminAuth {
 public:
  AdminAuth(std::vector<crypto::PublicKey> admins, std::string edge,
            std::chrono::milliseconds skew = std::chrono::minutes(5))
      : admins_(std::move(admins)), edge_(std::move(edge)), skew_(skew) {}

  // Signature, admin key, edge, time window (see above).
  Status verify(const AdminRequest& r, TimePoint now) const;
  // Refuses a (time, nonce) seen before and records this one; prunes a
  // bounded number of expired nonces. Use as the TxnCheck of the action.
  TxnCheck record_nonce(const AdminRequest& r, TimePoint now) const;

 private:
  std::vector<crypto::PublicKey> admins_;
  std::string edge_;
  std::chrono::milliseconds skew_;
};

}  // namespace mlchain::edge
