// WebSocket frames as a member's inbound peer link reads them after the
// upgrade (net/wire.h read_peer_frames: WsLink's steps over bytes in
// memory), and the consensus decoder every delivered message then meets
// (node::on_peer_message).
// Input: byte 0 picks the read size (1..128 bytes per read, or all at once)
// and the message limit (bit 7: 256 bytes, else 64 KiB); the rest is what
// the remote member sends: client frames, masked, the first message being
// the hello "mlchain-hello/1 <genesis>" with genesis kGenesis.
// Properties: nothing crashes; nothing is delivered before a good hello;
// no delivered message exceeds the limit.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "mlchain/consensus/messages.h"
#include "mlchain/net/wire.h"

namespace {

using mlchain::fuzz::check;

constexpr std::string_view kGenesis = "9f2c";  // short: the fuzzer finds the hello quicker

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t knob = data[0];
  const std::size_t read_size = (knob & 0x7f) == 0 ? size : (knob & 0x7f);
  const std::size_t max = (knob & 0x80) != 0 ? 256 : 64 * 1024;
  const auto r = mlchain::net::read_peer_frames(mlchain::fuzz::text_of(data + 1, size - 1), kGenesis, max, read_size);
  mlchain::fuzz::note(r.stopped,
                      std::to_string(r.delivered.size()) + " delivered" + (r.hello_ok ? " after hello" : ""));
  check(r.hello_ok || r.delivered.empty(), "messages delivered without a good hello");
  for (const auto& m : r.delivered) {
    check(m.size() <= max, "a message over the limit was delivered");
    (void)mlchain::consensus::decode(m);
  }
  return 0;
}
