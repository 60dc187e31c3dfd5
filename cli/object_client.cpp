#include "object_client.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

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

namespace {

std::map<std::string, std::string> object_headers(edge::Action action, const std::string& uuid, std::uint64_t counter,
                                                  const std::string& body, const ObjectCredential& credential) {
  std::map<std::string, std::string> headers = {{"X-Mlc-Object", uuid}, {"X-Mlc-Counter", std::to_string(counter)}};
  std::string message = edge::signing_string(action, uuid, counter, body);
  if (credential.key) {
    headers["X-Mlc-Signature"] = crypto::signature_hex(credential.key->sign(as_bytes(message)));
  } else if (credential.secret) {
    headers["X-Mlc-Signature"] = crypto::digest_hex(crypto::hmac_sha256(*credential.secret, as_bytes(message)));
  }
  return headers;
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

Result<codec::Json> object_call(const EdgeEndpoint& edge, edge::Action action, const std::string& uuid,
                                std::uint64_t counter, const std::string& body, const ObjectCredential& credential) {
  return request(edge, "POST", "/v1/object/" + std::string(edge::action_name(action)), body,
                 object_headers(action, uuid, counter, body, credential));
}

Result<ObjectCredential> load_object_credential(const std::string& key_file, const std::string& secret_file) {
  if (!key_file.empty() && !secret_file.empty()) return invalid_argument("give --key or --secret-file, not both");
  ObjectCredential c;
  if (!key_file.empty()) {
    auto k = crypto::PrivateKey::load_pem_file(key_file);
    if (!k.ok()) return k.status().with_context("--key");
    c.key = std::move(*k);
  } else if (!secret_file.empty()) {
    std::ifstream in(secret_file, std::ios::binary);
    if (!in) return invalid_argument("cannot read " + secret_file + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (text.size() > 1024) return invalid_argument("--secret-file " + secret_file + ": expected 64 hex characters");
    auto s = from_hex(trimmed(text));
    if (!s.ok() || s->size() != 32)
      return invalid_argument("--secret-file " + secret_file + ": expected 64 hex characters");
    c.secret = std::move(*s);
  }
  return c;
}

Result<EdgeAnswer> object_request(const EdgeEndpoint& edge, edge::Action action, const std::string& uuid,
                                  std::uint64_t counter, const std::string& body, const ObjectCredential& credential,
                                  std::chrono::milliseconds timeout) {
  net::HttpsClientOptions opts;
  opts.server_key = edge.server_key;
  opts.max_response_bytes = 4u << 20;
  opts.total_timeout = timeout;
  auto headers = object_headers(action, uuid, counter, body, credential);
  headers["Content-Type"] = "application/json";
  auto resp =
      net::https_request(edge.url, "POST", "/v1/object/" + std::string(edge::action_name(action)), body, headers, opts);
  if (!resp.ok()) {
    if (resp.status().code() == ErrorCode::kUnavailable) {
      return unavailable("cannot reach edge node " + edge.url + ": " + resp.status().message());
    }
    return resp.status().with_context(edge.url);
  }
  EdgeAnswer a{resp->status, nullptr};
  auto j = codec::parse(resp->body, codec::ParseLimits{4u << 20, 64, 1u << 20, 1'000'000});
  if (j.ok()) a.body = std::move(*j);
  return a;
}

}  // namespace mlchain::cli
