// mlchain-consensus-forge: a byzantine member and a flooding client, for the
// attacks of tests/e2e/byzantine_e2e.sh (issue 13). A test-only tool: the
// shipped daemon has no switch for any of this.
//
// Modes:
//   forged-ids  act as a member (its key, its TLS identity, the layer's
//               genesis in the hello): open peer links to the given members
//               and send each of them ForwardedRequest messages naming the
//               victim client with ids 2^64-1, 2^64-2, ... whose ops the
//               victim never signed (alternately garbage bytes and a
//               well-formed envelope signed by the member's key, not the
//               victim's). Were they ordered, the victim's last id would be
//               burnt and every later op of theirs refused (409).
//   big-ops     act as many clients: N fresh keys, one signed op of about
//               BYTES bytes each ("put bigK xxx..."), all POSTed to one node's
//               /v1/ops at once, so that the primary's pending requests are
//               far over one peer message if batched by count alone.
//   short-application  the admin of a superior orders add-layer for a layer
//               whose application carries ONE member's signature (the
//               member at --node signs it, as for `layer apply`), fewer than
//               f+1 when that layer has 4 members: the superior must refuse it.
//
// Usage:
//   mlchain-consensus-forge forged-ids --key MEMBER.pem --genesis HEX --replica N
//       --victim PUBKEYHEX --peer URL=PUBKEYHEX [--peer ...] [--count N] [--wait-ms MS]
//   mlchain-consensus-forge big-ops --node URL --genesis HEX --count N --size BYTES
//       [--timeout-ms MS]
//   mlchain-consensus-forge short-application --node MEMBER_URL --superior URL --admin-key FILE
//       (prints the superior's HTTP status and answer)
// Prints one JSON line on stdout. Exit status: 0 done (big-ops: whatever the
// answers, they are counted), 1 the attack could not be carried out (links
// did not come up, messages not written), 2 usage or bad input.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/consensus/messages.h"
#include "mlchain/crypto/cert.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/net/event_loop.h"
#include "mlchain/net/https_client.h"
#include "mlchain/net/peer.h"
#include "mlchain/node/layer_application.h"
#include "mlchain/node/signed_op.h"

namespace {

using namespace mlchain;

constexpr std::string_view kUsage =
    "usage: mlchain-consensus-forge forged-ids --key MEMBER.pem --genesis HEX --replica N --victim PUBKEYHEX\n"
    "           --peer URL=PUBKEYHEX [--peer ...] [--count N] [--wait-ms MS]\n"
    "       mlchain-consensus-forge big-ops --node URL --genesis HEX --count N --size BYTES [--timeout-ms MS]\n";

int usage(std::string_view why) {
  std::cerr << "mlchain-consensus-forge: " << why << "\n" << kUsage;
  return 2;
}

int fail(std::string_view what, const Status& s, int code = 2) {
  std::cerr << "mlchain-consensus-forge: " << what << ": " << s.to_string() << "\n";
  return code;
}

// Every option takes one value; --peer may repeat.
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

// ---- forged-ids ----

int forged_ids(const Args& a) {
  for (const char* required : {"--key", "--genesis", "--replica", "--victim", "--peer"})
    if (a.get(required).empty()) return usage(std::string(required) + " is required");
  auto replica = a.number("--replica", 0);
  auto count = a.number("--count", 4);
  auto wait_ms = a.number("--wait-ms", 15'000);
  if (!replica || !count || *count == 0 || *count > 1000 || !wait_ms)
    return usage("bad --replica, --count or --wait-ms");
  auto key = crypto::PrivateKey::load_pem_file(a.get("--key"));
  if (!key) return fail("--key", key.status());
  auto cert = crypto::read_certificate_pem(a.get("--key"));
  if (!cert) return fail("--key certificate", cert.status());
  auto victim = crypto::PublicKey::from_hex(a.get("--victim"));
  if (!victim) return fail("--victim", victim.status());
  const std::string genesis = a.get("--genesis");

  net::PeerManagerOptions po;
  po.genesis = genesis;
  auto [first, last] = a.values.equal_range("--peer");
  for (auto it = first; it != last; ++it) {
    auto eq = it->second.find('=');
    if (eq == std::string::npos) return usage("--peer needs URL=PUBKEYHEX, got " + it->second);
    auto peer_key = crypto::PublicKey::from_hex(it->second.substr(eq + 1));
    if (!peer_key) return fail("--peer " + it->second, peer_key.status());
    po.peers.push_back(net::PeerAddress{it->second.substr(0, eq), *peer_key});
  }
  std::vector<crypto::PublicKey> peer_keys;
  for (const auto& p : po.peers) peer_keys.push_back(p.key);
  po.is_member = [peer_keys](const crypto::PublicKey& k) {
    return std::find(peer_keys.begin(), peer_keys.end(), k) != peer_keys.end();
  };
  auto metrics = std::make_shared<net::NetMetrics>();
  po.metrics = metrics;

  net::EventLoop loop(1);
  // Whatever the members send us (hellos aside) is of no interest.
  auto peers = net::PeerManager::start(loop, net::TlsIdentity{*key, *cert}, po, [](const crypto::PublicKey&, Bytes) {});
  if (!peers) return fail("peer links", peers.status());
  loop.start();
  const auto all = [&](auto pred) {
    return [&, pred](const net::NetCounters& c) {
      for (const auto& k : peer_keys) {
        auto it = c.peers.find(k);
        if (it == c.peers.end() || !pred(it->second)) return false;
      }
      return true;
    };
  };
  const auto stop = [&] {
    (*peers)->stop();
    loop.stop();
  };
  if (!metrics->wait_until(all([](const net::PeerCounters& p) { return p.connected; }),
                           std::chrono::milliseconds(*wait_ms))) {
    stop();
    return fail("peer links",
                unavailable("not every --peer completed the hello within " + std::to_string(*wait_ms) +
                            " ms (is the layer up, is --key a member, --genesis right?)"),
                1);
  }
  std::uint64_t before = 0;
  for (const auto& [k, p] : metrics->snapshot().peers) before = std::max(before, p.messages_out);

  codec::Json ids = codec::Json::array();
  crypto::Ed25519Signer signer(*key);
  for (std::uint64_t i = 0; i < *count; ++i) {
    consensus::Request r;
    r.client = victim->hex();
    r.id = std::numeric_limits<std::uint64_t>::max() - i;
    if (i % 2 == 0) {
      r.op = Bytes(97, std::uint8_t{0xA5});  // not an envelope at all
    } else {
      // A well-formed envelope for this layer and id, naming the victim but
      // signed by us: only a signature check tells it apart.
      auto op = node::sign_op(*key, genesis, r.id, "put forged-" + std::to_string(i) + " 1");
      op.client = *victim;
      r.op = node::to_request(op).op;
    }
    consensus::Message m = consensus::ForwardedRequest{r, static_cast<consensus::ReplicaId>(*replica), {}};
    consensus::sign(m, signer);
    Bytes wire = consensus::encode(m);
    for (const auto& k : peer_keys)
      if (Status st = (*peers)->send(k, wire); !st.ok()) {
        stop();
        return fail("send", st, 1);
      }
    ids.push_back(r.id);
  }
  // Written to every peer's socket, not just queued, before we hang up.
  const std::uint64_t want = before + *count;
  bool written = metrics->wait_until(all([want](const net::PeerCounters& p) { return p.messages_out >= want; }),
                                     std::chrono::milliseconds(*wait_ms));
  stop();
  if (!written) return fail("send", unavailable("the forged requests were not all written to every peer"), 1);
  codec::Json out = {{"mode", "forged-ids"},      {"replica", *replica}, {"victim", victim->hex()},
                     {"peers", peer_keys.size()}, {"ids", ids},          {"sent", *count * peer_keys.size()}};
  std::cout << out.dump() << "\n";
  return 0;
}

// ---- big-ops ----

int big_ops(const Args& a) {
  for (const char* required : {"--node", "--genesis", "--count", "--size"})
    if (a.get(required).empty()) return usage(std::string(required) + " is required");
  auto count = a.number("--count", 0);
  auto size = a.number("--size", 0);
  auto timeout_ms = a.number("--timeout-ms", 30'000);
  if (!count || *count == 0 || *count > 512) return usage("--count must be 1..512");
  if (!size || *size < 16 || *size > node::kMaxOpTextBytes)
    return usage("--size must be 16.." + std::to_string(node::kMaxOpTextBytes));
  if (!timeout_ms || *timeout_ms == 0) return usage("bad --timeout-ms");
  const std::string url = a.get("--node"), genesis = a.get("--genesis");

  net::HttpsClientOptions options;
  options.total_timeout = std::chrono::milliseconds(*timeout_ms);
  std::mutex mu;
  std::map<std::string, std::uint64_t> answers;  // HTTP status or "error"
  std::string first_error;
  const auto one = [&](std::uint64_t k) {
    std::string outcome, error;
    auto key = crypto::PrivateKey::generate();
    if (!key) {
      outcome = "error";
      error = key.status().to_string();
    } else {
      std::string op = "put big" + std::to_string(k) + " ";
      op.resize(*size, 'x');
      std::string body = node::to_json(node::sign_op(*key, genesis, 1, op)).dump();
      auto r = net::https_request(url, "POST", "/v1/ops", body, {{"Content-Type", "application/json"}}, options);
      if (r) {
        outcome = std::to_string(r->status);
        if (r->status != 200) error = outcome + " " + r->body.substr(0, 200);
      } else {
        outcome = "error";
        error = r.status().to_string();
      }
    }
    std::lock_guard lock(mu);
    ++answers[outcome];
    if (first_error.empty()) first_error = error;
  };
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (std::uint64_t k = 0; k < *count; ++k) threads.emplace_back(one, k);
  for (auto& t : threads) t.join();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();

  codec::Json out = {{"mode", "big-ops"},    {"count", *count},    {"size", *size},
                     {"ok", answers["200"]}, {"answers", answers}, {"ms", ms}};
  if (!first_error.empty()) out["first_error"] = first_error;
  std::cout << out.dump() << "\n";
  return 0;
}

// ---- short-application ----

int short_application(const Args& a) {
  for (const char* required : {"--node", "--superior", "--admin-key"})
    if (a.get(required).empty()) return usage(std::string(required) + " is required");
  auto admin = crypto::PrivateKey::load_pem_file(a.get("--admin-key"));
  if (!admin) return fail("--admin-key", admin.status());
  net::HttpsClientOptions options;
  options.total_timeout = std::chrono::milliseconds(20'000);
  auto get_json = [&](const std::string& url, const std::string& target) -> Result<codec::Json> {
    auto r = net::https_request(url, "GET", target, {}, {}, options);
    if (!r) return r.status();
    if (r->status != 200) return unavailable(url + target + " answered " + std::to_string(r->status) + ": " + r->body);
    return codec::parse(r->body);
  };
  auto sup = get_json(a.get("--superior"), "/v1/layer");
  if (!sup) return fail("superior", sup.status());
  const std::string sup_genesis = sup->value("genesis_hash", "");
  auto signed_app = get_json(a.get("--node"), "/v1/layer/application?superior=" + sup_genesis);
  if (!signed_app) return fail("application", signed_app.status());
  auto app = node::application_from_json((*signed_app)["application"]);
  if (!app) return fail("application", app.status());
  auto key = crypto::PublicKey::from_hex(signed_app->value("public_key", ""));
  auto sig = crypto::signature_from_hex(signed_app->value("sig", ""));
  if (!key || !sig) return fail("application", invalid_argument("no member signature in the answer"));
  std::string op = node::add_layer_op_text(*app, {node::ApplicationSignature{*key, *sig}}, 0);
  std::string body = node::to_json(node::sign_op(*admin, sup_genesis, node::next_op_id(), op)).dump();
  auto r = net::https_request(a.get("--superior"), "POST", "/v1/ops", body, {{"Content-Type", "application/json"}},
                              options);
  if (!r) return fail("submit", r.status(), 1);
  codec::Json out = {{"mode", "short-application"}, {"members", app->members.size()}, {"signatures", 1},
                     {"status", r->status}, {"answer", r->body.substr(0, 400)}};
  std::cout << out.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("a mode is required");
  std::string_view mode = argv[1];
  Args args;
  std::string why;
  if (mode == "forged-ids") {
    if (!parse_args(argc, argv, {"--key", "--genesis", "--replica", "--victim", "--peer", "--count", "--wait-ms"}, args,
                    why))
      return usage(why);
    return forged_ids(args);
  }
  if (mode == "big-ops") {
    if (!parse_args(argc, argv, {"--node", "--genesis", "--count", "--size", "--timeout-ms"}, args, why))
      return usage(why);
    return big_ops(args);
  }
  if (mode == "short-application") {
    if (!parse_args(argc, argv, {"--node", "--superior", "--admin-key"}, args, why)) return usage(why);
    return short_application(args);
  }
  return usage("unknown mode " + std::string(mode));
}
