// mlchain-superior-forge: one byzantine member of a high-level layer, as its
// edge layer sees it from below, for tests/e2e/byzantine_superior_e2e.sh
// (issue 14: "a byzantine L1 member answers the edge's superior lookups with
// a fake one-member book and a huge epoch"). A test-only tool: the shipped
// daemon has no switch for any of this.
//
// Modes:
//   serve   stand in for the member at its address, with its key (the TLS
//           identity of its key file, so an edge that pins the member's key
//           talks to it), and lie about the layer's membership:
//             GET /v1/layer          a book of epoch --epoch listing this
//                                    member alone (the real layer path and
//                                    genesis hash, from --genesis-file);
//             GET /v1/epochs?after=E epoch --epoch and a forged chain: a
//                                    certificate of epoch E+1 listing this
//                                    member alone, signed by it alone (f+1
//                                    of epoch E are needed), then one of
//                                    epoch --epoch likewise;
//             POST /v1/challenge     answered honestly (signed with the key),
//                                    so the layer's peer review keeps it;
//             GET /healthz           200;
//             anything else          relayed to --upstream (an honest member
//                                    of the same layer) and its answer passed
//                                    back, so the edge's other calls (contract
//                                    sends, directory lookups) still work; 404
//                                    without --upstream.
//           One JSON line per request on stdout: {"t_ms", "method", "target",
//           "client" (the client certificate's key, or null), "answer",
//           "status"}. Runs until SIGTERM/SIGINT or --max-seconds.
//   packet  a contract packet as the layer would deliver it down to one of
//           its edge layers, certified by this member alone: a first packet
//           from an object of another edge layer (its origin signed with that
//           edge's key --source-key, sealed to the destination's --seal-key),
//           advanced through every high-level layer of its route (block ids
//           <layer>#<--seq>), its last certificate issued by --layer and
//           signed by --key (and each --cosigner, for a control). POSTed to
//           --post (the destination edge) over TLS with the member's
//           identity; prints {"status", "answer", "sum", "signatures"}.
//
// Usage:
//   mlchain-superior-forge serve --key MEMBER.pem --genesis-file GENESIS.json
//       --listen HOST:PORT [--epoch N] [--upstream URL] [--max-seconds N]
//   mlchain-superior-forge packet --key MEMBER.pem --layer PATH --source-key EDGE.pem
//       --seal-key HEX --from UUID --to UUID --post URL [--cosigner KEY.pem ...]
//       [--message JSON] [--seq N]
// Exit status: 0 served until stopped / packet posted (whatever the answer),
// 1 could not serve or post, 2 usage or bad input.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/common/clock.h"
#include "mlchain/consensus/messages.h"
#include "mlchain/contract/certificate.h"
#include "mlchain/contract/packet.h"
#include "mlchain/crypto/cert.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/ledger/epoch_cert.h"
#include "mlchain/net/event_loop.h"
#include "mlchain/net/http.h"
#include "mlchain/net/https_client.h"
#include "mlchain/node/genesis_file.h"

namespace {

using namespace mlchain;
using Json = codec::Json;

constexpr std::string_view kUsage =
    "usage: mlchain-superior-forge serve --key MEMBER.pem --genesis-file GENESIS.json --listen HOST:PORT\n"
    "           [--epoch N] [--upstream URL] [--max-seconds N]\n"
    "       mlchain-superior-forge packet --key MEMBER.pem --layer PATH --source-key EDGE.pem --seal-key HEX\n"
    "           --from UUID --to UUID --post URL [--cosigner KEY.pem ...] [--message JSON] [--seq N]\n";

int usage(std::string_view why) {
  std::cerr << "mlchain-superior-forge: " << why << "\n" << kUsage;
  return 2;
}

int fail(std::string_view what, const Status& s, int code = 2) {
  std::cerr << "mlchain-superior-forge: " << what << ": " << s.to_string() << "\n";
  return code;
}

// Every option takes one value; --cosigner may repeat.
struct Args {
  std::multimap<std::string, std::string> values;

  std::string get(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? std::string() : it->second;
  }
  // The option as a number, `fallback` when absent; nullopt when not a number.
  std::optional<std::uint64_t> number(const std::string& name, std::uint64_t fallback) const {
    std::string v = get(name);
    if (v.empty()) return fallback;
    try {
      std::size_t used = 0;
      auto n = std::stoull(v, &used);
      if (used != v.size()) return std::nullopt;
      return n;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
};

bool parse_args(int argc, char** argv, const std::vector<std::string>& known, Args& a, std::string& why) {
  for (int i = 2; i < argc; i += 2) {
    std::string name = argv[i];
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      why = "unknown option " + name;
      return false;
    }
    if (i + 1 >= argc) {
      why = name + " needs a value";
      return false;
    }
    a.values.emplace(name, argv[i + 1]);
  }
  return true;
}

std::int64_t now_ms() { return unix_millis(SystemClock().now()); }

// ---- serve ----

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

// What the member says about its layer, and who it is.
struct Lie {
  std::string layer;
  std::string genesis;
  std::uint64_t epoch = 0;
  std::string name;
  std::string address;
  std::uint64_t replica = 0;  // its index among the genesis members
};

// A certificate of epoch `epoch` listing the member alone, signed by it
// alone as replica `replica` of the epoch before.
ledger::EpochCertificate lone_certificate(const Lie& lie, const crypto::PrivateKey& key, std::uint64_t epoch,
                                          std::uint64_t replica) {
  ledger::EpochCertificate c;
  c.layer = lie.layer;
  c.genesis = lie.genesis;
  c.epoch = epoch;
  c.from_height = epoch;
  c.members.push_back(ledger::EpochMember{lie.name, key.public_key(), lie.address});
  auto vote = consensus::signed_part(ledger::epoch_vote(c, static_cast<consensus::ReplicaId>(replica)),
                                     crypto::Ed25519Signer(key));
  c.signatures.emplace_back(vote.replica, vote.sig);
  return c;
}

Json fake_layer(const Lie& lie, const crypto::PrivateKey& key) {
  Json member = {{"name", lie.name},
                 {"public_key", key.public_key().hex()},
                 {"address", lie.address},
                 {"status", "valid"},
                 {"connected", true},
                 {"self", true},
                 {"replica", 0}};
  return {{"layer", lie.layer},
          {"genesis_hash", lie.genesis},
          {"epoch", lie.epoch},
          {"n", 1},
          {"f", 0},
          {"quorum", 1},
          {"view", 0},
          {"view_active", true},
          {"primary", lie.name},
          {"height", lie.epoch},
          {"members", Json::array({member})},
          {"subordinates", Json::array()},
          {"reported_by", lie.name}};
}

Json forged_epochs(const Lie& lie, const crypto::PrivateKey& key, std::uint64_t after) {
  Json certs = Json::array();
  if (after < lie.epoch) {
    certs.push_back(ledger::to_json(lone_certificate(lie, key, after + 1, lie.replica)));
    if (after + 1 < lie.epoch) certs.push_back(ledger::to_json(lone_certificate(lie, key, lie.epoch, 0)));
  }
  return {{"layer", lie.layer}, {"genesis", lie.genesis}, {"epoch", lie.epoch}, {"certificates", certs}};
}

// As node/selfcheck.cpp answers POST /v1/challenge.
net::Response challenge(const crypto::PrivateKey& key, const std::string& name, const std::string& body) {
  auto j = codec::parse(body, codec::ParseLimits{1024, 2, 128, 4});
  if (!j.ok() || !j->is_object() || !j->contains("nonce") || !(*j)["nonce"].is_string())
    return net::Response::json(400, R"({"error":{"code":"bad_request","message":"expected {\"nonce\": <64 hex>}"}})");
  std::string nonce = (*j)["nonce"].get<std::string>();
  std::int64_t t = now_ms();
  std::string text = "mlchain-challenge/1 " + key.public_key().hex() + " " + nonce + " " + std::to_string(t);
  Json out = {{"node", name},
              {"public_key", key.public_key().hex()},
              {"time_ms", t},
              {"sig", crypto::signature_hex(key.sign(to_bytes(text)))}};
  return net::Response::json(200, out.dump());
}

net::Response relay(const std::string& upstream, const net::Request& req) {
  if (upstream.empty()) return net::Response::json(404, R"({"error":{"code":"not_found","message":"forge"}})");
  std::map<std::string, std::string> headers;
  for (const auto& [k, v] : req.headers)
    if (k != "host" && k != "content-length" && k != "connection" && k != "transfer-encoding" && k != "upgrade")
      headers[k] = v;
  net::HttpsClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(3'000);
  o.total_timeout = std::chrono::milliseconds(60'000);
  auto r = net::https_request(upstream, req.method, req.target, req.body, headers, o);
  if (!r.ok()) {
    Json e = {{"error", {{"code", "unavailable"}, {"message", "forge relay: " + r.status().to_string()}}}};
    return net::Response::json(502, e.dump());
  }
  net::Response out;
  out.status = r->status;
  out.body = r->body;
  if (auto it = r->headers.find("content-type"); it != r->headers.end()) out.headers["Content-Type"] = it->second;
  return out;
}

int serve(const Args& a) {
  for (const char* required : {"--key", "--genesis-file", "--listen"})
    if (a.get(required).empty()) return usage(std::string(required) + " is required");
  auto epoch = a.number("--epoch", 1'000'000);
  auto max_seconds = a.number("--max-seconds", 600);
  if (!epoch || *epoch == 0 || !max_seconds || *max_seconds == 0) return usage("bad --epoch or --max-seconds");
  auto key = crypto::PrivateKey::load_pem_file(a.get("--key"));
  if (!key) return fail("--key", key.status());
  auto cert = crypto::read_certificate_pem(a.get("--key"));
  if (!cert) return fail("--key certificate", cert.status());
  auto genesis = node::load_genesis_file(a.get("--genesis-file"));
  if (!genesis) return fail("--genesis-file", genesis.status());
  const std::string listen = a.get("--listen");
  auto colon = listen.rfind(':');
  std::uint64_t port = 0;
  try {
    port = colon == std::string::npos ? 0 : std::stoull(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = 0;
  }
  if (port == 0 || port > 65535) return usage("--listen needs HOST:PORT");

  Lie lie;
  lie.layer = genesis->blueprint.layer_path;
  lie.genesis = genesis->hash_hex;
  lie.epoch = *epoch;
  lie.address = "https://" + listen;
  lie.name = "forge";
  for (std::size_t i = 0; i < genesis->blueprint.members.size(); ++i) {
    if (genesis->blueprint.members[i].key == key->public_key()) {
      lie.name = genesis->blueprint.members[i].name;
      lie.replica = i;
    }
  }
  const std::string upstream = a.get("--upstream");

  std::mutex out_mu;
  auto handler = [&](const net::Request& req) {
    std::string path = req.target.substr(0, req.target.find('?'));
    std::string answer;
    net::Response r;
    if (req.method == "GET" && path == "/v1/layer") {
      answer = "fake_book";
      r = net::Response::json(200, fake_layer(lie, *key).dump());
    } else if (req.method == "GET" && path == "/v1/epochs") {
      std::uint64_t after = 0;
      if (auto q = req.target.find("?after="); q != std::string::npos) {
        try {
          after = std::stoull(req.target.substr(q + 7));
        } catch (const std::exception&) {
          after = 0;
        }
      }
      answer = "forged_epochs";
      r = net::Response::json(200, forged_epochs(lie, *key, after).dump());
    } else if (req.method == "POST" && path == "/v1/challenge") {
      answer = "challenge";
      r = challenge(*key, lie.name, req.body);
    } else if (path == "/healthz") {
      answer = "health";
      r = net::Response::text(200, "ok\n");
    } else {
      answer = upstream.empty() ? "not_found" : "relayed";
      r = relay(upstream, req);
    }
    Json line = {{"t_ms", now_ms()},
                 {"method", req.method},
                 {"target", req.target.substr(0, 200)},
                 {"client", req.client_key ? Json(req.client_key->hex()) : Json(nullptr)},
                 {"answer", answer},
                 {"status", r.status}};
    std::lock_guard lock(out_mu);
    std::cout << line.dump() << std::endl;
    return r;
  };

  net::EventLoop loop(2);
  net::HttpServerOptions ho;
  ho.host = listen.substr(0, colon);
  ho.port = static_cast<std::uint16_t>(port);
  ho.body_limit = 256 * 1024;
  ho.handler_threads = 8;  // relayed contract sends wait for their whole route
  auto server = net::HttpServer::start(loop, net::TlsIdentity{*key, *cert}, ho, handler);
  if (!server) return fail("listen " + listen, server.status(), 1);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  loop.start();
  {
    Json line = {{"t_ms", now_ms()},   {"listening", lie.address}, {"as", lie.name},      {"layer", lie.layer},
                 {"epoch", lie.epoch}, {"replica", lie.replica},   {"upstream", upstream}};
    std::lock_guard lock(out_mu);
    std::cout << line.dump() << std::endl;
  }
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(*max_seconds);
  while (!g_stop && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*server)->stop();
  loop.stop();
  return 0;
}

// ---- packet ----

int packet(const Args& a) {
  for (const char* required : {"--key", "--layer", "--source-key", "--seal-key", "--from", "--to", "--post"})
    if (a.get(required).empty()) return usage(std::string(required) + " is required");
  auto seq = a.number("--seq", 999'999);
  if (!seq || *seq == 0) return usage("bad --seq");
  auto key = crypto::PrivateKey::load_pem_file(a.get("--key"));
  if (!key) return fail("--key", key.status());
  auto cert_pem = crypto::read_certificate_pem(a.get("--key"));
  if (!cert_pem) return fail("--key certificate", cert_pem.status());
  auto source = crypto::PrivateKey::load_pem_file(a.get("--source-key"));
  if (!source) return fail("--source-key", source.status());
  auto seal = contract::parse_seal_public_key(a.get("--seal-key"));
  if (!seal) return fail("--seal-key", seal.status());
  auto from = contract::parse_uuid(a.get("--from"));
  if (!from) return fail("--from", from.status());
  auto to = contract::parse_uuid(a.get("--to"));
  if (!to) return fail("--to", to.status());
  std::string message_text = a.get("--message").empty() ? R"({"forged": true})" : a.get("--message");
  auto message = codec::parse(message_text);
  if (!message) return fail("--message", message.status());
  std::vector<crypto::PrivateKey> cosigners;
  auto [first, last] = a.values.equal_range("--cosigner");
  for (auto it = first; it != last; ++it) {
    auto k = crypto::PrivateKey::load_pem_file(it->second);
    if (!k) return fail("--cosigner " + it->second, k.status());
    cosigners.push_back(std::move(k).value());
  }
  const std::string layer = a.get("--layer");

  contract::Outgoing out;
  out.kind = contract::PacketKind::kFirst;
  out.from = *from;
  out.to = *to;
  out.message = *message;
  out.timestamp_ms = now_ms();
  out.ttl_ms = 600'000;
  auto p = contract::make_packet(out, *source, contract::pseudonym_secret(*source), *seal);
  if (!p) return fail("make_packet", p.status());
  // Every high-level layer of the route records the packet and moves it on,
  // the certifying layer last (the one just above the destination edge).
  while (p->route.dst.size() > 1) {
    std::string here = p->route.dst.front();
    if (Status st = contract::advance(*p, here, here + "#" + std::to_string(*seq)); !st.ok())
      return fail("advance at " + here, st);
    if (here == layer) break;
  }
  if (p->route.src.empty() || p->route.src.front() != layer || p->route.dst.size() != 1)
    return usage("--layer " + layer + " is not the last high-level layer of the route from --from to --to");

  auto cert = contract::begin_certificate(*p, layer);
  contract::add_signature(cert, crypto::Ed25519Signer(*key));
  for (const auto& k : cosigners) contract::add_signature(cert, crypto::Ed25519Signer(k));
  Json body = {{"packet", contract::to_json(*p)}, {"cert", contract::to_json(cert)}};
  auto text = codec::canonical(body);
  if (!text) return fail("encode", text.status());

  net::HttpsClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(3'000);
  o.total_timeout = std::chrono::milliseconds(20'000);
  o.client_identity = net::TlsIdentity{*key, *cert_pem};
  auto r = net::https_request(a.get("--post"), "POST", "/v1/contract/packet", *text,
                              {{"Content-Type", "application/json"}}, o);
  if (!r) return fail("POST " + a.get("--post"), r.status(), 1);
  auto answer = codec::parse(r->body);
  Json line = {{"status", r->status},
               {"answer", answer.ok() ? *answer : Json(r->body.substr(0, 400))},
               {"sum", crypto::digest_hex(p->sum)},
               {"signatures", cert.signatures.size()}};
  std::cout << line.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("a mode is required");
  std::string_view mode = argv[1];
  Args args;
  std::string why;
  if (mode == "serve") {
    if (!parse_args(argc, argv, {"--key", "--genesis-file", "--listen", "--epoch", "--upstream", "--max-seconds"}, args,
                    why))
      return usage(why);
    return serve(args);
  }
  if (mode == "packet") {
    if (!parse_args(argc, argv,
                    {"--key", "--layer", "--source-key", "--seal-key", "--from", "--to", "--post", "--cosigner",
                     "--message", "--seq"},
                    args, why))
      return usage(why);
    return packet(args);
  }
  return usage("unknown mode " + std::string(mode));
}
