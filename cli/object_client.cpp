#include "object_client.h"

#include "mlchain/common/clock.h"
#include "mlchain/common/rng.h"
#include "mlchain/crypto/hash.h"
#include "mlchain/edge/admin.h"
#include "mlchain/net/https_client.h"

namespace mlchain::cli {
namespace {

Result<codec::Json> request(const EdgeEndpoint& edge, const std::string& method, const std::string& target,
                            const std::string& body, std::map<std::string, std::string> headers) {
  net::HttpsClientOptions opts;
  opts.server_key = edge.server_key;
  opts.max_response_bytes = 16u << 20;
  if (!body.empty()) headers["Content-Type"] = "application/json";
  auto resp = net::https_request(edge.url, method, target, body, headers, opts);
  if (!resp.ok()) {
    if (resp.status().code() == ErrorCode::kUnavailable) {
      return unavailable("cannot reach edge node " + edge.url + ": " + resp.status().message());
    }
    return resp.status().with_context(edge.url);
  }
  auto j = codec::parse(resp->body, codec::ParseLimits{16u << 20, 64, 1u << 20, 1'000'000});
  if (resp->status >= 200 && resp->status < 300) {
    if (!j.ok()) return internal_error(edge.url + " answered with invalid JSON: " + j.status().message());
    return std::move(j).value();
  }
  std::string code, message;
  if (j.ok() && j->is_object() && j->contains("error") && (*j)["error"].is_object()) {
    code = (*j)["error"].value("code", "");
    message = (*j)["error"].value("message", "");
  }
  if (message.empty()) message = resp->body.substr(0, 300);
  std::string text =
      edge.url + " refused (" + std::to_string(resp->status) + (code.empty() ? "" : " " + code) + "): " + message;
  switch (resp->status) {
    case 400:
    case 413:
      return invalid_argument(text);
    case 401:
    case 403:
      return permission_denied(text);
    case 404:
      return not_found(text);
    case 409:
    case 422:
    case 429:
      return failed_precondition(text);
    case 503:
    case 504:
      return unavailable(text);
    default:
      return internal_error(text);
  }
}

}  // namespace

Result<codec::Json> edge_info(const EdgeEndpoint& edge) { return request(edge, "GET", "/v1/edge", "", {}); }

Result<codec::Json> admin_call(const EdgeEndpoint& edge, const crypto::PrivateKey& admin, const std::string& action,
                               const codec::Json& args) {
  MLCHAIN_ASSIGN_OR_RETURN(auto info, edge_info(edge));
  if (!info.is_object() || !info.contains("layer") || !info["layer"].is_string()) {
    return internal_error(edge.url + "/v1/edge does not name its layer; is this an edge node?");
  }
  Bytes nonce(16);
  SystemRng rng;
  rng.fill(nonce);
  auto env = edge::sign_admin_request(admin, action, args, info["layer"].get<std::string>(), to_hex(nonce),
                                      unix_millis(SystemClock().now()));
  return request(edge, "POST", "/v1/admin/" + action, edge::to_json(env).dump(), {});
}

Result<codec::Json> object_call(const EdgeEndpoint& edge, edge::Action action, const std::string& uuid,
                                std::uint64_t counter, const std::string& body, const ObjectCredential& credential) {
  std::map<std::string, std::string> headers = {{"X-Mlc-Object", uuid}, {"X-Mlc-Counter", std::to_string(counter)}};
  std::string message = edge::signing_string(action, uuid, counter, body);
  if (credential.key) {
    headers["X-Mlc-Signature"] = crypto::signature_hex(credential.key->sign(as_bytes(message)));
  } else if (credential.secret) {
    headers["X-Mlc-Signature"] = crypto::digest_hex(crypto::hmac_sha256(*credential.secret, as_bytes(message)));
  }
  return request(edge, "POST", "/v1/object/" + std::string(edge::action_name(action)), body, headers);
}

}  // namespace mlchain::cli
