// Shared test fixtures: deterministic Ed25519 keys and a five-layer route
// E1 -> L1a -> L2 -> L1b -> E3 with 4-member high-level layers.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mlchain/contract/certificate.h"
#include "mlchain/contract/packet.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/store/store.h"

namespace mlchain::contract::testing {

inline crypto::PrivateKey key_from(std::uint8_t tag, std::uint8_t index) {
  Bytes seed(32, 0);
  seed[0] = tag;
  seed[1] = index;
  seed[31] = 0x5a;
  return crypto::PrivateKey::from_seed(seed).value();
}

struct Layer {
  std::string path;
  bool edge = false;
  std::vector<crypto::Ed25519Signer> signers;
  LayerKeys keys() const {
    LayerKeys k{path, edge, {}};
    for (const auto& s : signers) k.members.push_back(s.public_key());
    return k;
  }
};

struct World {
  crypto::Ed25519Verifier verifier;
  std::map<std::string, Layer> layers;
  crypto::PrivateKey e1 = key_from(1, 0);
  crypto::PrivateKey e3 = key_from(3, 0);

  World() {
    std::uint8_t tag = 10;
    for (const char* p : {"L2/L1a", "L2", "L2/L1b"}) {
      Layer l{p, false, {}};
      for (std::uint8_t i = 0; i < 4; ++i) l.signers.emplace_back(key_from(tag, i));
      layers[p] = std::move(l);
      ++tag;
    }
    Layer a{"L2/L1a/E1", true, {}};
    a.signers.emplace_back(e1);
    layers[a.path] = std::move(a);
    Layer b{"L2/L1b/E3", true, {}};
    b.signers.emplace_back(e3);
    layers[b.path] = std::move(b);
  }

  ObjectUuid a() const { return parse_uuid("mlc:L2/L1a/E1/00000000000000aa").value(); }
  ObjectUuid b() const { return parse_uuid("mlc:L2/L1b/E3/00000000000000bb").value(); }

  Packet first_packet(std::int64_t ts = 1'700'000'000'000, std::uint64_t ttl = 3'600'000) const {
    Outgoing out;
    out.from = a();
    out.to = b();
    out.message = codec::Json{{"offer", "temperature feed"}, {"rate", 10}};
    out.timestamp_ms = ts;
    out.ttl_ms = ttl;
    return make_packet(out, e1, pseudonym_secret(e1), edge_seal_key(e3)->public_key()).value();
  }

  // A follow-up (or end) from A to B naming `ids` (one per high-level layer).
  Packet follow_up(std::int64_t ts, std::vector<std::string> ids, PacketKind kind = PacketKind::kFollowUp,
                   std::uint64_t ttl = 3'600'000) const {
    Outgoing out;
    out.kind = kind;
    out.from = a();
    out.to = b();
    out.message = codec::Json{{"n", ts}};
    out.timestamp_ms = ts;
    out.ttl_ms = ttl;
    out.contract_ids = std::move(ids);
    return make_packet(out, e1, pseudonym_secret(e1), edge_seal_key(e3)->public_key()).value();
  }

  // What every layer's state records about its neighbours, here: all of them.
  std::function<Result<LayerKeys>(const store::ReadTxn&, std::string_view, std::int64_t)> lookup() const {
    return [this](const store::ReadTxn&, std::string_view path, std::int64_t) -> Result<LayerKeys> {
      auto it = layers.find(std::string(path));
      if (it == layers.end()) return not_found("this layer records no keys for '" + std::string(path) + "'");
      return it->second.keys();
    };
  }

  // The certificate of `layer` over `p` (as it leaves it) signed by the
  // first `count` members.
  LayerCertificate certify(const Packet& p, const std::string& layer, std::size_t count) const {
    LayerCertificate c = begin_certificate(p, layer);
    const auto& l = layers.at(layer);
    for (std::size_t i = 0; i < count && i < l.signers.size(); ++i) add_signature(c, l.signers[i]);
    return c;
  }
};

}  // namespace mlchain::contract::testing
