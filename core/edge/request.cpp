#include "mlchain/edge/request.h"

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
