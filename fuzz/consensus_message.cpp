// PBFT messages as a member reads them from a peer link
// (node::on_peer_message -> consensus::decode, messages.h).
// Properties: decode never crashes; a decoded message re-encodes to bytes
// that decode to the same encoding (the wire form is canonical: what a
// replica signs is what it sends), and the helpers a node calls on a decoded
// message (sender, epoch, signing bytes, digests, size estimate) never crash.
#include <cstdint>
#include <variant>

#include "fuzz_util.h"
#include "mlchain/consensus/messages.h"

namespace {

using mlchain::fuzz::check;
namespace consensus = mlchain::consensus;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The node's limit is options.max_message_bytes (16 MiB); libFuzzer's
  // inputs are far smaller, so the default is the one in force.
  auto msg = consensus::decode(mlchain::fuzz::bytes_of(data, size));
  if (!msg.ok()) return 0;

  const mlchain::Bytes wire = consensus::encode(*msg);
  check(!wire.empty(), "a decoded message does not encode");
  auto again = consensus::decode(wire);
  check(again.ok(), "an encoded message does not decode", again.status().message());
  check(consensus::encode(*again) == wire, "encode(decode(encode(m))) differs from encode(m)",
        mlchain::to_string(wire));
  check(consensus::signing_bytes(*again) == consensus::signing_bytes(*msg), "signing bytes changed in a round trip");

  (void)consensus::type_name(*msg);
  (void)consensus::sender_of(*msg);
  (void)consensus::epoch_of(*msg);
  if (const auto* pp = std::get_if<consensus::PrePrepare>(&*msg)) {
    (void)pp->digest();
    for (const auto& r : pp->requests) (void)consensus::request_digest(r);
  }
  if (const auto* nv = std::get_if<consensus::NewView>(&*msg)) (void)consensus::approx_bytes(*nv);
  if (const auto* vc = std::get_if<consensus::ViewChange>(&*msg)) {
    for (const auto& p : vc->prepared) {
      auto j = consensus::proof_to_json(p);
      auto back = consensus::proof_from_json(j);
      check(back.ok(), "a prepared proof does not round-trip", back.status().message());
    }
  }
  return 0;
}
