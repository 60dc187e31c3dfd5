// Private to core/net: the steps of reading one HTTP request, as pure
// functions around Beast's parser. HttpSession runs them over a TLS stream
// (asynchronously); read_http_requests (http_read.h) runs the very same steps
// over bytes in memory, so a fuzzer tests what a daemon actually does with
// the bytes it reads.
#pragma once

#include <cstddef>
#include <optional>

#include "beast.h"
#include "mlchain/net/http.h"
#include "mlchain/net/metrics.h"

namespace mlchain::net::detail {

using RequestParser = http::request_parser<http::string_body>;

struct RequestLimits {
  std::size_t header_limit = 0;  // bytes; over it: 431
  std::size_t body_limit = 0;    // bytes; over it: 413
};

// A fresh parser for the next request of a connection, with the limits set.
void reset_parser(std::optional<RequestParser>& parser, const RequestLimits& limits);

// What to do once a request's header has been read.
enum class AfterHeader : std::uint8_t {
  kUpgrade,   // a WebSocket upgrade: route it (upgrade_target_ok), never read a body
  kDispatch,  // complete: hand it to the handler
  kReadBody,  // read the body next
};
AfterHeader after_header(const RequestParser& parser);

// Whether an upgrade asks for the peer-link endpoint (path /v1/peer, any query).
bool upgrade_target_ok(const RequestParser& parser);

// The answer to a failed read that is answered before the connection
// closes: 413 (body limit), 431 (header limit) or 400 (anything else
// unparseable), with the reason to count. std::nullopt for failures that
// just close it: a timeout (counted by the caller, which knows whether the
// request had begun), a disconnect or a TLS error.
struct ReadRefusal {
  RejectReason reason;
  Response response;
};
std::optional<ReadRefusal> read_refusal(const beast::error_code& ec, const RequestLimits& limits);

// The handler's view of a parsed request: field names in lower case, a
// repeated field's values joined with ", ", the body moved out. client_key
// and remote_address are left for the caller.
Request to_request(HttpRequest& req);

}  // namespace mlchain::net::detail
