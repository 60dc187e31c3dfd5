#include "node_client.h"

#include "mlchain/common/clock.h"
#include "mlchain/contract/address.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/net/https_client.h"

namespace mlchain::cli {

std::map<std::string, std::string> signed_query_headers(const crypto::PrivateKey& key, const std::string& genesis,
                                                        const std::string& target) {
  std::int64_t t = unix_millis(SystemClock().now());
  return {{"X-Mlchain-Key", key.public_key().hex()},
          {"X-Mlchain-Time", std::to_string(t)},
          {"X-Mlchain-Sig", crypto::signature_hex(key.sign(node::query_signing_bytes(genesis, target, t)))}};
}

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
      // The transport's message usually names the address already.
      const std::string& why = resp.status().message();
      return unavailable(why.find(url) != std::string::npos ? why : "cannot reach node " + url + ": " + why);
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

Result<std::vector<LayerMember>> find_layer_members(const std::string& node, const std::string& layer,
                                                    EdgeLayers edges) {
  MLCHAIN_ASSIGN_OR_RETURN(auto info, node_request(node, "GET", "/v1/layer", {}, std::chrono::milliseconds(10'000)));
  std::vector<LayerMember> out;
  if (info.value("layer", "") == layer) {
    for (const auto& m : info.value("members", codec::Json::array()))
      if (m.value("status", "") != "invalid") out.push_back({m.value("name", ""), m.value("address", "")});
  } else {
    auto dir = node_request(node, "GET", "/v1/directory/" + contract::url_segment(layer), {},
                            std::chrono::milliseconds(20'000));
    if (!dir.ok()) return dir.status().with_context("finding layer " + layer + " from " + node);
    if (dir->value("edge", false) && edges == EdgeLayers::kRefuse)
      return invalid_argument(layer + " is an edge layer, not a layer of member nodes");
    for (const auto& m : dir->value("members", codec::Json::array()))
      out.push_back({m.value("name", ""), m.value("address", "")});
  }
  if (out.empty()) return not_found("no members known for layer " + layer);
  return out;
}

std::optional<codec::Json> edge_info(const std::string& url) {
  auto e = node_request(url, "GET", "/v1/edge", {}, std::chrono::milliseconds(5'000));
  if (!e.ok() || !e->is_object() || !e->contains("layer") || !(*e)["layer"].is_string()) return std::nullopt;
  return *e;
}

Status edge_node_error(const std::string& url, const codec::Json& info, const std::string& command) {
  std::string layer = info.value("layer", "?");
  std::string superior;
  if (info.contains("superior") && info["superior"].is_object()) superior = info["superior"].value("path", "");
  return invalid_argument(url + " is the central node of edge layer " + layer + ", not a member of a high-level layer: `" +
                          command + "` examines high-level members. For this edge node use `mlchain node status --node " +
                          url + "` (its superior book and health)" +
                          (superior.empty() ? std::string()
                                            : "; for its superior, `" + command + " --node <a member of " + superior +
                                                  ">` (addresses: mlchain node status --node " + url + ")"));
}

}  // namespace mlchain::cli
