// read_peer_frames (wire.h): an inbound peer link's read steps
// (ws_read_steps.h) in WsLink's order, over Beast's in-memory test stream
// instead of TLS. The upgrade request is one a member sends; the frames are
// the caller's.
#include <boost/beast/_experimental/test/stream.hpp>

#include "mlchain/net/wire.h"
#include "ws_read_steps.h"

namespace mlchain::net {

PeerFramesResult read_peer_frames(std::string_view frames, std::string_view genesis, std::size_t read_message_max,
                                  std::size_t read_size) {
  using namespace detail;
  const LinkHost::LinkSettings settings{std::string(kHelloPrefix) + std::string(genesis), read_message_max,
                                        std::chrono::milliseconds(5'000), std::chrono::milliseconds(20'000)};
  PeerFramesResult out;
  asio::io_context io;  // never run: the reads are synchronous
  websocket::stream<beast::test::stream> ws(io.get_executor());
  beast::test::stream remote(io.get_executor());
  ws.next_layer().connect(remote);  // takes what the link writes (101, pongs, close)
  configure_peer_stream(ws, settings);

  HttpRequest upgrade{http::verb::get, std::string(kPeerTarget), 11};
  upgrade.set(http::field::host, "127.0.0.1:7101");
  upgrade.set(http::field::upgrade, "websocket");
  upgrade.set(http::field::connection, "Upgrade");
  upgrade.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  upgrade.set(http::field::sec_websocket_version, "13");
  beast::error_code ec;
  ws.accept(upgrade, ec);
  if (ec) {
    out.stopped = "upgrade refused: " + ec.message();
    return out;
  }
  ws.next_layer().append(frames);
  ws.next_layer().read_size(read_size == 0 ? 1 : read_size);
  ws.next_layer().close_remote();  // the end of input reads as the member closing

  beast::flat_buffer in;
  for (;;) {
    ws.read_some(in, kReadChunk, ec);
    if (ec) {
      out.stopped = ec == asio::error::eof ? std::string("end of input") : ec.message();
      return out;
    }
    switch (after_read(in.size(), ws.is_message_done(), settings.read_message_max)) {
      case AfterRead::kOversized:
        ws.close(websocket::close_reason(websocket::close_code::too_big, "message over the size limit"), ec);
        out.stopped = "oversized";
        return out;
      case AfterRead::kReadMore:
        continue;
      case AfterRead::kMessage:
        break;
    }
    const auto data = in.cdata();
    Bytes payload(asio::buffer_size(data));
    asio::buffer_copy(asio::buffer(payload), data);
    in.clear();
    if (!out.hello_ok) {
      const std::string_view got(reinterpret_cast<const char*>(payload.data()), payload.size());
      const HelloVerdict v = check_hello(got, settings.hello);
      if (v != HelloVerdict::kOk) {
        ws.close(websocket::close_reason(websocket::close_code::policy_error,
                                         v == HelloVerdict::kWrongGenesis ? "genesis mismatch" : "bad hello"),
                 ec);
        out.stopped = v == HelloVerdict::kWrongGenesis ? "wrong genesis" : "bad hello";
        return out;
      }
      out.hello_ok = true;
      continue;
    }
    out.delivered.push_back(std::move(payload));
  }
}

}  // namespace mlchain::net
