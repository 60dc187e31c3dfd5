// mlchain-contract-forge: builds the body of a POST /v1/contract/packet
// (docs/contracts.md §8.1) as a source edge would, honest or not, for the
// attacks of tests/e2e/contract_e2e.sh. It prints
//   {"packet": <packet wire form, body included>, "cert": <certificate>}
// on stdout and does no network I/O: the script POSTs it with curl.
//
// Modes:
//   valid          a first packet from the edge key, with its one-signature
//                  certificate (what the edge itself sends)
//   forged-cert    the packet as above, its certificate signed by a fresh key
//                  that is not the edge's (Statement 1: not a member)
//   impostor       packet and certificate made with a fresh key posing as
//                  the edge layer (edge_key and origin signature not the
//                  recorded edge's)
//   tampered-body  a valid packet and certificate, then one byte of the
//                  sealed body changed (body_hash no longer matches)
//
// Usage: mlchain-contract-forge --key EDGE.pem --seal-key HEX --from UUID
//          --to UUID --mode MODE [--message JSON] [--ttl-ms N]
// Exit status: 0 printed, 2 usage or bad input.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <string_view>

#include "mlchain/codec/json.h"
#include "mlchain/contract/certificate.h"
#include "mlchain/contract/packet.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/crypto/seal.h"

namespace {

using namespace mlchain;

constexpr std::string_view kUsage =
    "usage: mlchain-contract-forge --key EDGE.pem --seal-key HEX --from UUID --to UUID\n"
    "         --mode valid|forged-cert|impostor|tampered-body [--message JSON] [--ttl-ms N]\n";

int usage(std::string_view why) {
  std::cerr << "mlchain-contract-forge: " << why << "\n" << kUsage;
  return 2;
}

int fail(std::string_view what, const Status& s) {
  std::cerr << "mlchain-contract-forge: " << what << ": " << s.to_string() << "\n";
  return 2;
}

struct Options {
  std::string key_file;
  std::string seal_key;
  std::string from;
  std::string to;
  std::string mode;
  std::string message = R"({"forged": true})";
  std::uint64_t ttl_ms = 600'000;
};

// Every option takes one value; unknown options are usage errors.
bool parse_args(int argc, char** argv, Options& o, std::string& why) {
  std::map<std::string_view, std::string*> text{{"--key", &o.key_file},   {"--seal-key", &o.seal_key},
                                                {"--from", &o.from},      {"--to", &o.to},
                                                {"--mode", &o.mode},      {"--message", &o.message}};
  for (int i = 1; i < argc; i += 2) {
    std::string_view name = argv[i];
    if (i + 1 >= argc) {
      why = std::string(name) + " needs a value";
      return false;
    }
    std::string value = argv[i + 1];
    if (name == "--ttl-ms") {
      try {
        o.ttl_ms = std::stoull(value);
      } catch (const std::exception&) {
        why = "--ttl-ms needs a number";
        return false;
      }
    } else if (auto it = text.find(name); it != text.end()) {
      *it->second = std::move(value);
    } else {
      why = "unknown option " + std::string(name);
      return false;
    }
  }
  if (o.key_file.empty() || o.seal_key.empty() || o.from.empty() || o.to.empty() || o.mode.empty()) {
    why = "--key, --seal-key, --from, --to and --mode are required";
    return false;
  }
  return true;
}

int run(const Options& o) {
  auto edge = crypto::PrivateKey::load_pem_file(o.key_file);
  if (!edge) return fail("edge key", edge.status());
  auto seal = contract::parse_seal_public_key(o.seal_key);
  if (!seal) return fail("--seal-key", seal.status());
  auto from = contract::parse_uuid(o.from);
  if (!from) return fail("--from", from.status());
  auto to = contract::parse_uuid(o.to);
  if (!to) return fail("--to", to.status());
  auto message = codec::parse(o.message);
  if (!message) return fail("--message", message.status());
  auto stranger = crypto::PrivateKey::generate();
  if (!stranger) return fail("key generation", stranger.status());

  const bool impostor = o.mode == "impostor";
  if (!impostor && o.mode != "valid" && o.mode != "forged-cert" && o.mode != "tampered-body") {
    return usage("unknown mode " + o.mode);
  }
  // The key that signs the packet's origin, and the one that signs the
  // source edge's certificate.
  const crypto::PrivateKey& origin_key = impostor ? *stranger : *edge;
  const crypto::PrivateKey& cert_key = (impostor || o.mode == "forged-cert") ? *stranger : *edge;

  contract::Outgoing out;
  out.kind = contract::PacketKind::kFirst;
  out.from = *from;
  out.to = *to;
  out.message = *message;
  out.timestamp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  out.ttl_ms = o.ttl_ms;
  auto packet = contract::make_packet(out, origin_key, contract::pseudonym_secret(origin_key), *seal);
  if (!packet) return fail("make_packet", packet.status());

  auto cert = contract::begin_certificate(*packet, packet->source_edge());
  contract::add_signature(cert, crypto::Ed25519Signer(cert_key));

  if (o.mode == "tampered-body") {
    if (packet->body.empty()) return fail("tampered-body", internal_error("empty sealed body"));
    packet->body[packet->body.size() / 2] ^= 0x01;  // after signing: body_hash no longer matches
  }

  codec::Json body = {{"packet", contract::to_json(*packet)}, {"cert", contract::to_json(cert)}};
  auto text = codec::canonical(body);
  if (!text) return fail("encode", text.status());
  std::cout << *text << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::string why;
  if (!parse_args(argc, argv, options, why)) return usage(why);
  return run(options);
}
