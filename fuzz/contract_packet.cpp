// Contract packets in their wire form (contract/packet.h, parse_packet), as
// a layer or an edge reads the "packet" of a POST /v1/contract/packet.
// Properties: parsing never crashes; a parsed packet re-encodes to JSON that
// parses to the same canonical bytes and the same digest; what each hop then
// does with a packet (validate, advance, name its block, check the origin
// signature, unseal the body) never crashes on a packet that parsed.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "mlchain/codec/json.h"
#include "mlchain/contract/packet.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/crypto/seal.h"

namespace {

using mlchain::fuzz::check;
namespace contract = mlchain::contract;
namespace crypto = mlchain::crypto;
namespace codec = mlchain::codec;

const crypto::SealPrivateKey& seal_key() {
  static const crypto::SealPrivateKey key = [] {
    mlchain::Bytes seed(32, 7);
    return crypto::SealPrivateKey::derive_from(crypto::PrivateKey::from_seed(seed).value()).value();
  }();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = mlchain::fuzz::text_of(data, size);
  (void)contract::parse_block_id(text.substr(0, 200));
  auto p = contract::parse_packet(text);
  if (!p.ok()) return 0;

  const auto canon = codec::canonical(contract::to_json(*p));
  check(canon.ok(), "a parsed packet has no canonical form", canon.status().message());
  auto again = contract::parse_packet(*canon);
  check(again.ok(), "a re-encoded packet does not parse", again.status().message() + "\n" + *canon);
  check(codec::canonical(contract::to_json(*again)).value() == *canon, "packet round trip changed it", *canon);
  check(contract::packet_digest(*again) == contract::packet_digest(*p), "packet digest changed in a round trip");
  (void)contract::origin_signing_bytes(*p);
  (void)contract::envelope_json(*p);
  (void)contract::validate_packet(*p, false);

  crypto::Ed25519Verifier verifier;
  (void)contract::verify_origin(*p, verifier);
  (void)contract::open_packet(*p, seal_key());
  for (const auto& layer : p->route.dst) (void)contract::named_block_id(*p, layer);
  if (!p->route.dst.empty()) {
    contract::Packet moved = *p;
    const std::string head = moved.route.dst.front();
    const std::string id = head + "#1";
    const auto before = contract::packet_digest(moved);
    if (!contract::advance(moved, head, id).ok()) {
      check(contract::packet_digest(moved) == before, "a refused advance changed the packet");
    }
  }
  return 0;
}
