// Talking to a running node from the CLI: one HTTPS request, JSON in and out.
// Errors: Unavailable naming the URL when the node cannot be reached (exit 3);
// the node's own error message for a non-2xx answer, with a code mapped from
// the HTTP status (401/403 -> unauthorised, 404 -> not found, 4xx ->
// invalid argument, 5xx -> failed).
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"

namespace mlchain::cli {

Result<codec::Json> node_request(const std::string& url, const std::string& method, const std::string& target,
                                 const std::string& body = {},
                                 std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000),
                                 const std::map<std::string, std::string>& headers = {});

}  // namespace mlchain::cli
