// A blocking HTTPS client for the CLI (one request per connection).
//
// Runs on the calling thread with its own io_context: no EventLoop needed.
// Each stage (resolve, connect, TLS handshake, write, read) is bounded by the
// stage's timeout and the whole request by `total_timeout`.
//
// Server authentication: with `server_key` set, the server's certificate must
// carry exactly that key (else VerificationFailed). Without it, any valid
// self-signed Ed25519 certificate is accepted: the caller verifies signed
// data itself. TLS 1.3 only, like every mlchain endpoint.
//
// Errors: InvalidArgument (bad URL), Unavailable (cannot resolve, connection
// refused, timeouts, TLS failures; the message names the address — CLI exit
// 3), VerificationFailed (pinned key mismatch), ResourceExhausted (response
// over max_response_bytes). Any HTTP status is a successful Result; the
// Response's header names are lower case.
//
// Thread safety: reentrant; concurrent calls from different threads are fine.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "mlchain/common/status.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/net/http.h"
#include "mlchain/net/tls.h"

namespace mlchain::net {

struct HttpsClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};  // resolve + TCP connect + TLS handshake
  std::chrono::milliseconds total_timeout{30'000};   // the whole request
  std::size_t max_response_bytes = 64 * 1024 * 1024;
  std::optional<crypto::PublicKey> server_key;  // pin; none: any self-signed server cert
  std::optional<TlsIdentity> client_identity;   // client certificate (admin calls)
};

// `url` is the node's base address "https://host:port"; `target` the path
// and query ("/v1/status"). `headers` are added to the request (Host,
// Content-Length and Connection are set by the client).
Result<Response> https_request(std::string_view url, std::string_view method, std::string_view target,
                               std::string_view body = {}, const std::map<std::string, std::string>& headers = {},
                               const HttpsClientOptions& options = {});

}  // namespace mlchain::net
