// What the daemons do with the bytes they read from the network, without
// sockets: the same Beast parsers, settings and decisions as the HTTPS
// server's sessions (http.h) and the peer links (peer.h), run over bytes in
// memory. For fuzzing (fuzz/http_request.cpp, fuzz/ws_frames.cpp) and
// tests; the daemons themselves read sockets. Beast stays in core/net: this
// header is free of it.
//
// Thread safety: pure functions (each call has its own in-memory streams).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/common/bytes.h"
#include "mlchain/net/http.h"

namespace mlchain::net {

struct HttpReadLimits {
  std::size_t header_limit = 16 * 1024;  // as HttpServerOptions
  std::size_t body_limit = 1024 * 1024;
};

// One step of a connection, as its session would take it.
struct HttpReadStep {
  enum class Kind : std::uint8_t {
    kRequest,  // a request for the handler (`request`)
    kUpgrade,  // a WebSocket upgrade; `status` 0 when it targets /v1/peer (then
               // the peer manager decides), else 404
    kRefused,  // unreadable: `status` 400, 413 or 431 and `message` sent, then close
  };
  Kind kind = Kind::kRequest;
  Request request;  // kRequest (and kUpgrade: method and target only)
  bool keep_alive = false;
  int status = 0;
  std::string message;
};

// Reads one connection's requests from `input`, delivered in reads of at
// most `read_size` bytes (>= 1), as HttpSession does: header (limits), then
// the body unless the header says it is done, then the next request while
// keep-alive holds. Stops after a refusal, an upgrade, a request without
// keep-alive, or at the end of input, which reads as the client closing its
// side (so an unfinished request there is refused with 400, as on a socket).
std::vector<HttpReadStep> read_http_requests(std::string_view input, const HttpReadLimits& limits,
                                             std::size_t read_size);

// What a peer link read from its socket before it stopped.
struct PeerFramesResult {
  bool hello_ok = false;         // the first message was the expected hello
  std::vector<Bytes> delivered;  // messages after the hello, in order
  // Why reading stopped: "end of input", "oversized", "wrong genesis",
  // "bad hello", or the WebSocket error that closed the link.
  std::string stopped;
};

// Runs an inbound peer link (server side, after the upgrade) over `frames`,
// the bytes the remote member sends after its upgrade request, delivered in
// reads of at most `read_size` bytes (>= 1): WebSocket frame parsing, the
// size check against `read_message_max` after each read, the hello check
// against "mlchain-hello/1 <genesis>", then delivery.
PeerFramesResult read_peer_frames(std::string_view frames, std::string_view genesis, std::size_t read_message_max,
                                  std::size_t read_size);

}  // namespace mlchain::net
