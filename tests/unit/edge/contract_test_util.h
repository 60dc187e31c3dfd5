// Fixtures of the edge's contract tests: a route E1 -> L2/L1a -> L2 ->
// L2/L1b -> E3 with deterministic keys (4 members per high-level layer), and
// packets built as the layers would build them: make_packet at the source
// edge, advance() through each high-level layer, and the last layer's
// certificate signed by f+1 of its members.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "edge_test_util.h"
#include "mlchain/contract/certificate.h"
#include "mlchain/contract/packet.h"
#include "mlchain/edge/superior.h"
#include "unit/contract/fixtures.h"

namespace mlchain::edge::testing {

// Deterministic keys, shared with the contract library's tests.
inline crypto::PrivateKey contract_key(std::uint8_t tag, std::uint8_t index) {
  return contract::testing::key_from(tag, index);
}

struct ContractWorld {
  crypto::Ed25519Verifier verifier;
  crypto::PrivateKey e1 = contract_key(1, 0);  // source edge L2/L1a/E1
  crypto::PrivateKey e3 = contract_key(3, 0);  // destination edge L2/L1b/E3
  std::map<std::string, std::vector<crypto::Ed25519Signer>> members;

  ContractWorld() {
    std::uint8_t tag = 20;
    for (const char* p : {"L2/L1a", "L2", "L2/L1b"}) {
      for (std::uint8_t i = 0; i < 4; ++i) members[p].emplace_back(contract_key(tag, i));
      ++tag;
    }
  }

  // The book an edge under `layer` keeps of its superior.
  SuperiorBook book(const std::string& layer) const {
    SuperiorBook b;
    b.path = layer;
    b.genesis_hash = std::string(64, 'a');
    int i = 0;
    for (const auto& s : members.at(layer)) {
      b.members.push_back({"m" + std::to_string(i), s.public_key(), "https://10.0.0." + std::to_string(i) + ":7000"});
      ++i;
    }
    return b;
  }

  std::string source_uuid() const { return "mlc:L2/L1a/E1/00000000000000aa"; }

  contract::Packet packet(const std::string& to, codec::Json message, std::int64_t ts = 1'764'000'000'000,
                          contract::PacketKind kind = contract::PacketKind::kFirst,
                          std::vector<std::string> ids = {}) const {
    contract::Outgoing out;
    out.kind = kind;
    out.from = contract::parse_uuid(source_uuid()).value();
    out.to = contract::parse_uuid(to).value();
    out.message = std::move(message);
    out.timestamp_ms = ts;
    out.ttl_ms = 3'600'000;
    out.contract_ids = std::move(ids);
    return contract::make_packet(out, e1, contract::pseudonym_secret(e1),
                                 contract::edge_seal_key(e3).value().public_key())
        .value();
  }

  // Through every high-level layer of the route (first packets get ids L#<seq>).
  void advance_all(contract::Packet& p) const {
    std::map<std::string, std::string> ids = {{"L2/L1a", "L2/L1a#7"}, {"L2", "L2#3"}, {"L2/L1b", "L2/L1b#5"}};
    while (p.route.dst.size() > 1) {
      std::string layer = p.route.dst.front();
      EXPECT_TRUE(contract::advance(p, layer, ids.at(layer)).ok()) << layer;
    }
  }

  // The certificate of the layer the packet leaves last, by members [from, from+count).
  contract::LayerCertificate cert(const contract::Packet& p, std::size_t count, std::size_t from = 0) const {
    const std::string& layer = p.route.src.front();
    contract::LayerCertificate c = contract::begin_certificate(p, layer);
    for (std::size_t i = from; i < from + count; ++i) contract::add_signature(c, members.at(layer)[i]);
    return c;
  }

  static std::string body(const contract::Packet& p, const contract::LayerCertificate& c) {
    return codec::Json{{"packet", contract::to_json(p)}, {"cert", contract::to_json(c)}}.dump();
  }
};

}  // namespace mlchain::edge::testing
