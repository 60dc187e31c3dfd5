// Blocking HTTPS clients for the CLI: `https_request` (one request per
// connection) and `HttpsConnection` (one kept-alive connection, many requests).
//
// Both run on the calling thread with their own io_context: no EventLoop
// needed. Each stage (resolve, connect, TLS handshake, write, read) is bounded
// by the stage's timeout and the whole request by `total_timeout`.
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
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
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
  std::chrono::milliseconds total_timeout{30'000};   // the whole request (including any (re)connect)
  std::size_t max_response_bytes = 64 * 1024 * 1024;
  std::optional<crypto::PublicKey> server_key;  // pin; none: any self-signed server cert
  std::optional<TlsIdentity> client_identity;   // client certificate (admin calls)
};

// `url` is the node's base address "https://host:port"; `target` the path
// and query ("/v1/status"). `headers` are added to the request (Host,
// Content-Length and Connection are set by the client).
//
// Thread safety: reentrant; concurrent calls from different threads are fine.
//
// A failed request either never left this process — resolving, connecting
// or the TLS handshake failed, or the server's key was not the pinned one —
// or it may have reached the server (it failed while sending or waiting for
// the answer). may_have_arrived tells which from the returned status; a
// caller that must not report "not done" for something the server may have
// done (contract forwarding) asks it.
bool may_have_arrived(const Status& failure);

Result<Response> https_request(std::string_view url, std::string_view method, std::string_view target,
                               std::string_view body = {}, const std::map<std::string, std::string>& headers = {},
                               const HttpsClientOptions& options = {});

// One HTTP/1.1 keep-alive connection over TLS 1.3 to one server, used for
// requests one after another (no pipelining). It connects lazily on the first
// request (or on connect()) and keeps the connection open between requests,
// so a burst of N requests costs one TLS handshake instead of N.
//
// Same options, errors and pinning as https_request; `total_timeout` bounds
// each request() call, including any (re)connect it makes, and
// `connect_timeout` each connection attempt within it.
//
// Connection lifetime: the connection is closed (and the next request opens
// a new one) after any error, after a response that does not allow
// keep-alive (`Connection: close`, HTTP/1.0, or an error the server answers
// and then closes, such as 413), and by close().
//
// Before sending, an open connection is checked without blocking; if the
// server has closed it (idle keep-alive timeout, restart) or sent bytes
// nobody asked for, it is replaced by a new one first (a reconnect, not a
// retry: nothing was sent on it).
//
// Retry rule: a request is re-sent (once, on a new connection) only when it
// was sent on a connection that was already open when request() was called
// (so the server may have closed it while it sat idle) and that connection
// failed *before the first byte of the response*: writing the request
// failed, or the read ended with EOF / reset / truncated TLS before any
// response byte. This is the "server closed an idle connection just as we
// reused it" race: an mlchain server reads a request completely before acting
// on it and answers before closing, so such a request was not processed,
// except when the server stopped or died while handling it, which HTTP cannot
// tell apart. Make requests idempotent where that matters (a signed operation
// carries a per-client id; a node answers a repeated id from its reply cache
// instead of executing it again).
// Never retried: timeouts (the server may be working on it), failures on a
// fresh connection (connect refused, handshake, pinning), errors after part
// of the response arrived, oversized responses.
//
// Thread safety: none. One HttpsConnection per thread (or external locking);
// distinct objects are independent and may be used concurrently.
class HttpsConnection {
 public:
  // Counters since creation.
  struct Stats {
    std::uint64_t connections = 0;  // TLS connections opened (handshake completed)
    std::uint64_t reconnects = 0;   // of those, opened to replace an earlier one that closed or failed
    std::uint64_t retries = 0;      // requests re-sent under the retry rule above
    std::uint64_t requests = 0;     // responses received
  };

  // Checks `url` and builds the TLS context; no network I/O.
  // Errors: InvalidArgument (bad URL), Internal (TLS setup).
  static Result<HttpsConnection> create(std::string_view url, HttpsClientOptions options = {});

  ~HttpsConnection();  // closes the connection (without waiting for the server)
  HttpsConnection(HttpsConnection&&) noexcept;
  HttpsConnection& operator=(HttpsConnection&&) noexcept;
  HttpsConnection(const HttpsConnection&) = delete;
  HttpsConnection& operator=(const HttpsConnection&) = delete;

  // Opens the connection now if none is open (otherwise a no-op), within
  // `connect_timeout`. Errors as for request().
  Status connect();

  // Sends one request and reads its response; see the class comment for
  // connection reuse and the retry rule. Arguments as for https_request.
  Result<Response> request(std::string_view method, std::string_view target, std::string_view body = {},
                           const std::map<std::string, std::string>& headers = {});

  // True when a connection is open and the server has not closed it (a
  // non-blocking check of the socket). For tests and diagnostics.
  bool is_open();

  // Closes the connection, if any; the next request opens a new one (not
  // counted as a reconnect).
  void close();

  const Stats& stats() const;
  // The address as "https://host:port".
  const std::string& address() const;

  struct Impl;  // core/net internal

 private:
  explicit HttpsConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;  // null only in a moved-from object (which may only be destroyed or assigned)
};

}  // namespace mlchain::net
