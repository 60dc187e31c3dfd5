#include "mlchain/edge/request.h"

#include <charconv>

#include "mlchain/crypto/hash.h"

namespace mlchain::edge {

std::string_view action_name(Action a) {
  switch (a) {
    case Action::kUpload:
      return "upload";
    case Action::kSend:
      return "send";
    case Action::kFetch:
      return "fetch";
    case Action::kContract:
      return "contract";
  }
  return "?";
}

Result<Action> parse_action(std::string_view name) {
  if (name == "upload") return Action::kUpload;
  if (name == "send") return Action::kSend;
  if (name == "fetch") return Action::kFetch;
  if (name == "contract") return Action::kContract;
  return invalid_argument("unknown object action '" + std::string(name.substr(0, 40)) +
                          "' (upload, send, fetch or contract)");
}

namespace {

const std::string* header(const std::map<std::string, std::string>& headers, const std::string& name) {
  auto it = headers.find(name);
  return it == headers.end() ? nullptr : &it->second;
}

Result<std::uint64_t> parse_counter(const std::string& s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s.size() > 20 || ec != std::errc() || p != s.data() + s.size()) {
    return invalid_argument("X-Mlc-Counter must be a decimal integer 1..18446744073709551615");
  }
  return v;
}

}  // namespace

Result<ObjectRequest> object_request_from_headers(Action action, const std::map<std::string, std::string>& headers,
                                                  std::string body) {
  const std::string* uuid = header(headers, "x-mlc-object");
  const std::string* counter = header(headers, "x-mlc-counter");
  const std::string* sig = header(headers, "x-mlc-signature");
  if (uuid == nullptr || counter == nullptr) {
    return invalid_argument(
        "object requests need X-Mlc-Object and X-Mlc-Counter headers (and X-Mlc-Signature unless unsigned); see "
        "docs/edge-requests.md");
  }
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t c, parse_counter(*counter));
  if (sig != nullptr && sig->size() > 256) return invalid_argument("X-Mlc-Signature is too long");
  return ObjectRequest{action, *uuid, c, std::move(body), sig != nullptr ? *sig : std::string()};
}

std::string signing_string(Action action, std::string_view uuid, std::uint64_t counter, std::string_view body) {
  std::string s(kSigningVersion);
  s += '\n';
  s += action_name(action);
  s += '\n';
  s += uuid;
  s += '\n';
  s += std::to_string(counter);
  s += '\n';
  s += crypto::digest_hex(crypto::sha256(body));
  return s;
}

std::string_view reason_name(Reason r) {
  switch (r) {
    case Reason::kAccepted:
      return "accepted";
    case Reason::kBadRequest:
      return "bad_request";
    case Reason::kUnknownObject:
      return "unknown_object";
    case Reason::kRevoked:
      return "revoked";
    case Reason::kBadSignature:
      return "bad_signature";
    case Reason::kReplayed:
      return "replayed";
    case Reason::kSchemaViolation:
      return "schema_violation";
    case Reason::kNotPermitted:
      return "not_permitted";
    case Reason::kUnknownTarget:
      return "unknown_target";
    case Reason::kQueueFull:
      return "queue_full";
    case Reason::kInternal:
      return "internal";
  }
  return "internal";
}

int reason_http_status(Reason r) {
  switch (r) {
    case Reason::kAccepted:
      return 200;
    case Reason::kBadRequest:
      return 400;
    case Reason::kUnknownObject:
      return 404;
    case Reason::kRevoked:
      return 403;
    case Reason::kBadSignature:
      return 401;
    case Reason::kReplayed:
      return 409;
    case Reason::kSchemaViolation:
      return 422;
    case Reason::kNotPermitted:
      return 403;
    case Reason::kUnknownTarget:
      return 404;
    case Reason::kQueueFull:
      return 429;
    case Reason::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace mlchain::edge
