// Private to core/net: the steps of reading a peer link, shared by WsLink
// (ws_link.cpp, over TLS) and read_peer_frames (wire.h, over bytes in
// memory, for fuzzing): the stream settings, the size check after each read,
// and the hello check. Includes Beast's websocket headers: only the two TUs
// that read peer links include it.
#pragma once

#include <boost/beast/websocket.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "beast.h"
#include "ws_link.h"

namespace mlchain::net::detail {

namespace websocket = beast::websocket;

inline constexpr std::string_view kPeerTarget = "/v1/peer";
inline constexpr std::string_view kHelloPrefix = "mlchain-hello/1 ";
inline constexpr std::size_t kReadChunk = 64 * 1024;  // bytes asked of each read

// Binary messages, no automatic fragmentation, Beast's timeouts (they take
// over from the TCP stream's once the WebSocket handshake starts). The size
// limit is ours, checked by after_read: Beast's own ends in a close
// handshake whose error code hides the reason.
template <class NextLayer>
void configure_peer_stream(websocket::stream<NextLayer>& ws, const LinkHost::LinkSettings& settings) {
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = settings.handshake_timeout;
  timeouts.idle_timeout = settings.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
  ws.read_message_max(0);
  ws.binary(true);
  ws.auto_fragment(false);
}

// After a read: `buffered` bytes of the current message so far.
enum class AfterRead : std::uint8_t {
  kOversized,  // over read_message_max: close with too_big
  kReadMore,   // the message is not complete yet
  kMessage,    // a complete message: the hello, or one to deliver
};
inline AfterRead after_read(std::size_t buffered, bool message_done, std::size_t read_message_max) {
  if (buffered > read_message_max) return AfterRead::kOversized;
  return message_done ? AfterRead::kMessage : AfterRead::kReadMore;
}

// The first message must be exactly `want` ("mlchain-hello/1 <genesis>").
enum class HelloVerdict : std::uint8_t { kOk, kWrongGenesis, kBadHello };
inline HelloVerdict check_hello(std::string_view got, std::string_view want) {
  if (got == want) return HelloVerdict::kOk;
  return got.substr(0, kHelloPrefix.size()) == kHelloPrefix ? HelloVerdict::kWrongGenesis : HelloVerdict::kBadHello;
}

}  // namespace mlchain::net::detail
