// Talking to a running node from the CLI: one HTTPS request, JSON in and out.
// Errors: Unavailable naming the URL when the node cannot be reached (exit 3);
// the node's own error message for a non-2xx answer, with a code mapped from
// the HTTP status (401/403 -> unauthorised, 404 -> not found, 4xx ->
// invalid argument, 5xx -> failed).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"
#include "mlchain/crypto/ed25519.h"

namespace mlchain::cli {

Result<codec::Json> node_request(const std::string& url, const std::string& method, const std::string& target,
                                 const std::string& body = {},
                                 std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000),
                                 const std::map<std::string, std::string>& headers = {});

// The headers of a signed request (X-Mlchain-Key, -Time, -Sig over
// node::query_signing_bytes(genesis, target, now)): GET /v1/contracts/<id>,
// /v1/invitations and its decisions.
std::map<std::string, std::string> signed_query_headers(const crypto::PrivateKey& key, const std::string& genesis,
                                                        const std::string& target);

// When `url` answered 404 to a high-level endpoint: is it an edge layer's
// central node? Its GET /v1/edge document if so; nullopt otherwise.
std::optional<codec::Json> edge_info(const std::string& url);
// The error for a command that needs a high-level member but was pointed at
// an edge node (`info`: its /v1/edge document): says so and what to use.
Status edge_node_error(const std::string& url, const codec::Json& info, const std::string& command);

struct LayerMember {
  std::string name;
  std::string address;
};
// The members of high-level layer `layer`, found from any node of the tree:
// that node's own /v1/layer when it is a member of it (members marked invalid
// left out), else its directory (GET /v1/directory/<layer>, which the node
// resolves with f+1 agreement). An edge layer is InvalidArgument, or with
// EdgeLayers::kCentralNode its one central node.
enum class EdgeLayers { kRefuse, kCentralNode };
Result<std::vector<LayerMember>> find_layer_members(const std::string& node, const std::string& layer,
                                                    EdgeLayers edges = EdgeLayers::kRefuse);

}  // namespace mlchain::cli
