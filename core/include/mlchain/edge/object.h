// The object model of an edge layer's registry (DESIGN §6, paper IV.A):
// identity, state, functions, format document, credential and counters.
//
// Permissions (strings, validated at registration):
//   "upload"                  may upload data points (its dynamic properties)
//   "contract"                may send cross-layer contract messages (first, follow-up,
//                             end) to objects of other edge layers (docs/contracts.md §8.5)
//   "talk:*"                  may send messages to any object of this edge layer
//   "talk:mlc:<layer>/<id>"   ... to that one object
//   "talk:class:<class path>" ... to objects whose class is that path or below it
// Fetching one's own queued messages needs no permission.
//
// Credentials (one per object, scheme chosen at registration within the edge
// layer's CredentialPolicy):
//   ed25519   the object signs with its private key; the registry keeps the public key
//   hmac      the registry issues a 32-byte secret once; it is stored apart from
//             the record (never in any ObjectRecord, response or log)
//   unsigned  no proof at all; only where the policy allows it
// Rotation replaces the credential (credential_version + 1); the old key or
// secret stops working at once. Revocation is permanent.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"
#include "mlchain/crypto/ed25519.h"

namespace mlchain::edge {

enum class Scheme : std::uint8_t { kEd25519, kHmac, kUnsigned };

std::string_view scheme_name(Scheme s);  // "ed25519" | "hmac" | "unsigned"
Result<Scheme> parse_scheme(std::string_view name);

// Which schemes an edge layer accepts. Unsigned objects are off by default.
struct CredentialPolicy {
  bool ed25519 = true;
  bool hmac = true;
  bool allow_unsigned = false;
  bool allows(Scheme s) const;
  std::vector<std::string> names() const;
};

// What a new credential should be: a public key for ed25519, nothing for
// hmac (the registry makes the secret) or unsigned.
struct CredentialSpec {
  Scheme scheme = Scheme::kHmac;
  std::optional<crypto::PublicKey> public_key;
};

inline constexpr std::size_t kMaxPermissions = 64;
inline constexpr std::size_t kMaxFunctions = 64;
inline constexpr std::size_t kMaxStaticProps = 64;
inline constexpr std::size_t kMaxDescriptionBytes = 4096;
inline constexpr std::size_t kMaxNameBytes = 128;          // function, property names
inline constexpr std::size_t kMaxStaticValueBytes = 1024;  // canonical JSON of one static value

Status validate_permission(std::string_view permission);
bool may_upload(const std::vector<std::string>& permissions);
bool may_contract(const std::vector<std::string>& permissions);
bool may_talk(const std::vector<std::string>& permissions, std::string_view target_uuid, std::string_view target_class);

// What an administrator asks to register.
struct ObjectSpec {
  std::string class_path;
  std::vector<std::string> permissions;
  std::string description;
  std::map<std::string, codec::Json> static_props;  // scalars: string, integer, boolean
  std::vector<std::string> functions;
  std::optional<codec::Json> format;  // format.h; none: any JSON object is accepted
  CredentialSpec credential;
};

// Everything but the credential is checked here (limits, class, permissions,
// names, static values, format compiles); the policy is checked by the registry.
Status validate_spec(const ObjectSpec& spec);

// {"class", "permissions", "description", "static", "functions", "format",
//  "credential": {"scheme", "public_key"}} — strict: unknown fields refused.
Result<ObjectSpec> spec_from_json(const codec::Json& j);
codec::Json to_json(const ObjectSpec& spec);
Result<CredentialSpec> credential_spec_from_json(const codec::Json& j);
codec::Json to_json(const CredentialSpec& c);

struct DynamicValue {
  codec::Json value;
  std::int64_t time_ms = 0;   // edge clock when accepted
  std::uint64_t counter = 0;  // the request's counter
};

struct ObjectRecord {
  std::string uuid;
  std::string class_path;
  std::vector<std::string> permissions;
  std::string description;
  std::map<std::string, codec::Json> static_props;
  std::vector<std::string> functions;
  std::optional<codec::Json> format;

  Scheme scheme = Scheme::kHmac;
  std::optional<crypto::PublicKey> public_key;  // ed25519 only
  std::uint32_t credential_version = 1;

  std::uint64_t counter = 0;  // last accepted request counter; the next must be greater
  bool revoked = false;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t revoked_ms = 0;

  std::map<std::string, DynamicValue> dynamic;  // last value per top-level data property
  // Sequence windows of the bounded history and the message queue:
  // entries [first, next) exist in the store.
  std::uint64_t history_first = 0, history_next = 0;
  std::uint64_t queue_first = 0, queue_next = 0;
};

// The stored (and shown) form; it never holds a secret.
codec::Json to_json(const ObjectRecord& r);
// Corruption if the stored JSON does not have the shape to_json writes.
Result<ObjectRecord> record_from_json(const codec::Json& j);

}  // namespace mlchain::edge
