// HTTPS server for the client API, objects and (via /v1/peer) peer links.
//
// One listening socket per server; one session per TCP connection:
// TLS 1.3 handshake, then HTTP/1.1 requests with keep-alive, each read under
// explicit deadlines, with a header limit (431), a body limit (413) and 400
// for anything unparseable; an error response closes the connection. A
// request for GET /v1/peer with a WebSocket upgrade is handed to the attached
// PeerManager (see peer.h); without one it gets 404.
//
// Client certificates are optional here (API clients and objects may have
// none). When a client presents one, it must still be a valid self-signed
// Ed25519 certificate; its key is reported in Request::client_key, and the
// handler decides what it may do (admin keys). The pinning predicate of the
// PeerManager applies only to /v1/peer upgrades.
//
// Handlers: the server calls an AsyncHandler on the connection's strand (an
// event-loop thread); it must return quickly and call `reply` exactly once,
// from any thread, now or later. A blocking Handler (the simple form) is run
// on the server's own pool of `handler_threads` threads, so a slow handler
// holds one pool thread but never the accept loop or other connections' I/O.
// Responses on one connection are written in request order (no pipelining:
// the next request is read after the response is written).
//
// Connection floods (see connection_budget.h for the rules): an accepted
// connection must send its first byte within first_byte_timeout and finish
// the TLS handshake within handshake_timeout of the accept. Unfinished
// handshakes are capped in all (max_handshakes) and per source address
// (max_handshakes_per_address); when a cap is full the newcomer is kept and
// the oldest unfinished handshake of that address (or of the busiest
// address) is closed (RejectReason::kEvicted), so idle sockets cannot pin
// slots. A finished handshake counts as a member connection when its client
// key passes the attached PeerManager's pinning predicate, else as anonymous;
// the two have separate caps (max_member_connections, max_connections), so
// anonymous clients never take a member's slot. Established connections are
// never evicted. Peer links handed to the PeerManager leave these counts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "mlchain/common/status.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/net/event_loop.h"
#include "mlchain/net/metrics.h"
#include "mlchain/net/tls.h"

namespace mlchain::net {

class PeerManager;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent, e.g. "/v1/blocks?from=3"
  // Field names in lower case; a repeated field's values joined with ", ".
  std::map<std::string, std::string> headers;
  std::string body;
  // The key of the client's certificate, when it presented one (verified
  // self-signed Ed25519, not checked against any pin).
  std::optional<crypto::PublicKey> client_key;
  std::string remote_address;  // "ip:port"
};

struct Response {
  int status = 200;
  // Field names as given; Content-Length and Connection are set by the server.
  std::map<std::string, std::string> headers;
  std::string body;

  static Response text(int status, std::string body);  // text/plain; charset=utf-8
  static Response json(int status, std::string body);  // application/json
};

using Handler = std::function<Response(const Request&)>;
using Reply = std::function<void(Response)>;
using AsyncHandler = std::function<void(Request, Reply)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";                       // numeric address to bind
  std::uint16_t port = 0;                               // 0: an ephemeral port, see HttpServer::port()
  std::chrono::milliseconds first_byte_timeout{2'000};  // accept to the first byte of the TLS hello
  std::chrono::milliseconds handshake_timeout{5'000};   // accept to the end of the TLS handshake
  std::chrono::milliseconds header_timeout{10'000};     // first request's header, from handshake end
  std::chrono::milliseconds body_timeout{30'000};       // each request body, from header end
  std::chrono::milliseconds idle_timeout{60'000};       // keep-alive gap + next header
  std::chrono::milliseconds write_timeout{30'000};      // each response
  std::size_t header_limit = 16 * 1024;                 // bytes; over it: 431 and close
  std::size_t body_limit = 1024 * 1024;                 // bytes; over it: 413 and close
  std::size_t max_connections = 1024;                   // anonymous, handshake finished; more are closed
  std::size_t max_member_connections = 256;             // handshake finished with a member key
  std::size_t max_handshakes = 1024;                    // unfinished; over it the oldest is evicted
  std::size_t max_handshakes_per_address = 256;         // unfinished, per source IP; idem
  std::size_t handler_threads = 2;                      // pool for blocking Handlers
  std::shared_ptr<NetMetrics> metrics;                  // null: the server makes its own
};

class HttpServer {
 public:
  // Binds and starts accepting on `loop` (which may be started before or
  // after). `peers`, if given, receives /v1/peer upgrades and must outlive
  // the server. Errors: InvalidArgument (bad host, bad identity),
  // Unavailable (address in use, cannot bind).
  static Result<std::unique_ptr<HttpServer>> start(EventLoop& loop, const TlsIdentity& identity,
                                                   HttpServerOptions options, Handler handler,
                                                   PeerManager* peers = nullptr);
  static Result<std::unique_ptr<HttpServer>> start_async(EventLoop& loop, const TlsIdentity& identity,
                                                         HttpServerOptions options, AsyncHandler handler,
                                                         PeerManager* peers = nullptr);

  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the ephemeral one when options.port was 0).
  std::uint16_t port() const;
  NetMetrics& metrics() const;

  // Stops accepting and closes every connection (not the ones already handed
  // to the PeerManager). Joins the handler pool, so a running blocking
  // handler delays it; after it returns no handler is called. Idempotent.
  // Must not be called from a handler or an event-loop thread.
  void stop();

  struct Impl;
  explicit HttpServer(std::shared_ptr<Impl> impl);  // core/net internal; use start()

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mlchain::net
