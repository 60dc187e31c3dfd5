#include "node_client.h"

#include "mlchain/net/https_client.h"

namespace mlchain::cli {

Result<codec::Json> node_request(const std::string& url, const std::string& method, const std::string& target,
                                 const std::string& body, std::chrono::milliseconds timeout,
                                 const std::map<std::string, std::string>& extra_headers) {
  net::HttpsClientOptions opts;
  opts.total_timeout = timeout;
  opts.connect_timeout = std::min(timeout, std::chrono::milliseconds(5'000));
  std::map<std::string, std::string> headers = extra_headers;
  if (!body.empty()) headers["Content-Type"] = "application/json";
  auto resp = net::https_request(url, method, target, body, headers, opts);
  if (!resp.ok()) {
    if (resp.status().code() == ErrorCode::kUnavailable) {
      return unavailable("cannot reach node " + url + ": " + resp.status().message());
    }
    return resp.status().with_context(url);
  }
  auto j = codec::parse(resp->body, codec::ParseLimits{64u << 20, 64, 16u << 20, 10'000'000});
  std::string message;
  if (j.ok() && j->is_object() && j->contains("error") && (*j)["error"].is_object()) {
    message = (*j)["error"].value("message", "");
  }
  if (resp->status < 200 || resp->status >= 300) {
    if (message.empty()) message = resp->body.substr(0, 300);
    message = url + " answered " + std::to_string(resp->status) + ": " + message;
    if (resp->status == 401 || resp->status == 403) return permission_denied(message);
    if (resp->status == 404) return not_found(message);
    if (resp->status == 503 || resp->status == 504) return unavailable(message);
    if (resp->status < 500) return invalid_argument(message);
    return internal_error(message);
  }
  if (!j.ok()) return internal_error(url + " answered with invalid JSON: " + j.status().message());
  return std::move(j).value();
}

}  // namespace mlchain::cli
