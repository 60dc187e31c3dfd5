// Writes the seed corpora of fuzz/corpus/ from the project's own encoders
// and test fixtures (tests/unit/contract/chain.h, fixtures.h), so the seeds
// are real inputs, not guesses:
//   build/fuzz/fuzz_make_seeds fuzz/corpus
// Hand-written seeds (TOML from docs/examples, HTTP requests, format
// documents) live in the tree beside the generated ones; this program only
// (re)writes files named gen-*. Deterministic: the same tree writes the same
// bytes.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "chain.h"
#include "edge_world.h"
#include "fixtures.h"
#include "mlchain/codec/json.h"
#include "mlchain/consensus/messages.h"
#include "mlchain/contract/certificate.h"
#include "mlchain/contract/packet.h"
#include "mlchain/contract/proof.h"
#include "mlchain/contract/state_machine.h"
#include "mlchain/crypto/hash.h"
#include "mlchain/edge/request.h"

namespace {

namespace fs = std::filesystem;
using namespace mlchain;
using codec::Json;
using contract::testing::Chain;
using contract::testing::key_from;
using contract::testing::World;

fs::path g_root;
int g_written = 0;

void put(const std::string& target, const std::string& name, std::string_view bytes) {
  const fs::path dir = g_root / target;
  fs::create_directories(dir);
  std::ofstream out(dir / ("gen-" + name), std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ++g_written;
}

std::string canon(const Json& j) { return codec::canonical(j).value(); }
std::string str(const Bytes& b) { return to_string(b); }

// ---- consensus ----

std::vector<consensus::Message> consensus_messages() {
  std::vector<crypto::Ed25519Signer> s;
  for (std::uint8_t i = 0; i < 4; ++i) s.emplace_back(key_from(50, i));
  auto req = [](std::uint64_t id, std::string op) {
    consensus::Request r;
    r.client = key_from(60, 0).public_key().hex();
    r.id = id;
    r.op = to_bytes(op);
    return r;
  };
  consensus::PrePrepare pp{0, 0, 1, 1'700'000'000'000, {req(1, "op-one"), req(2, "{\"v\":1}")}, 0, {}};
  pp = consensus::signed_part(pp, s[0]);
  const auto d = pp.digest();
  std::vector<consensus::Message> out;
  out.emplace_back(pp);
  std::vector<consensus::Prepare> prepares;
  for (consensus::ReplicaId r = 1; r < 3; ++r)
    prepares.push_back(consensus::signed_part(consensus::Prepare{0, 0, 1, d, r, {}}, s[r]));
  out.emplace_back(prepares[0]);
  std::vector<consensus::Commit> commits;
  for (consensus::ReplicaId r = 0; r < 3; ++r)
    commits.push_back(consensus::signed_part(consensus::Commit{0, 0, 1, d, r, {}}, s[r]));
  out.emplace_back(commits[0]);
  std::vector<consensus::Checkpoint> cps;
  for (consensus::ReplicaId r = 0; r < 3; ++r)
    cps.push_back(consensus::signed_part(consensus::Checkpoint{0, 2, crypto::sha256("2"), r, {}}, s[r]));
  out.emplace_back(cps[0]);
  consensus::ViewChange vc{0, 1, 0, {}, {}, {consensus::PreparedProof{pp, prepares}}, 1, {}};
  vc = consensus::signed_part(vc, s[1]);
  out.emplace_back(vc);
  consensus::ViewChange vc2{0, 1, 2, crypto::sha256("2"), cps, {}, 2, {}};
  vc2 = consensus::signed_part(vc2, s[2]);
  out.emplace_back(vc2);
  consensus::PrePrepare pp1{0, 1, 1, 1'700'000'000'500, pp.requests, 1, {}};
  pp1 = consensus::signed_part(pp1, s[1]);
  consensus::NewView nv{0, 1, {vc, vc2}, {pp1}, 1, {}};
  nv = consensus::signed_part(nv, s[1]);
  out.emplace_back(nv);
  out.emplace_back(consensus::signed_part(consensus::FetchBlocks{0, 1, 3, {}}, s[3]));
  consensus::BlockBundle bb{0, {consensus::CommittedBatch{pp, commits}}, nv, 0, {}};
  out.emplace_back(consensus::signed_part(bb, s[0]));
  out.emplace_back(consensus::signed_part(consensus::ForwardedRequest{req(3, "forwarded"), 2, {}}, s[2]));
  out.emplace_back(consensus::signed_part(consensus::Attest{0, 1, crypto::sha256("block"), 1, {}}, s[1]));
  return out;
}

// ---- sequences for the replica (consensus_replica.cpp: one message per line) ----

void replica_seeds(const std::vector<consensus::Message>& msgs) {
  std::vector<crypto::Ed25519Signer> s;
  for (std::uint8_t i = 0; i < 4; ++i) s.emplace_back(key_from(50, i));
  consensus::Request r{key_from(60, 0).public_key().hex(), 1, to_bytes("op")};
  consensus::PrePrepare pp{0, 0, 1, 1'700'000'000'020, {r}, 0, {}};
  pp = consensus::signed_part(pp, s[0]);
  const auto d = pp.digest();
  std::string normal = str(consensus::encode(pp)) + "\n";
  for (consensus::ReplicaId i : {0u, 2u, 3u}) {
    if (i != 0)
      normal += str(consensus::encode(consensus::signed_part(consensus::Prepare{0, 0, 1, d, i, {}}, s[i]))) + "\n";
  }
  for (consensus::ReplicaId i : {0u, 2u, 3u})
    normal += str(consensus::encode(consensus::signed_part(consensus::Commit{0, 0, 1, d, i, {}}, s[i]))) + "\n";
  normal += "T0\nT1\nL2\n";
  for (consensus::ReplicaId i : {0u, 2u, 3u}) {
    normal +=
        str(consensus::encode(consensus::signed_part(consensus::Checkpoint{0, 2, crypto::sha256("2"), i, {}}, s[i]))) +
        "\n";
  }
  put("consensus_replica", "normal-case", normal);
  std::string all = "T1\n";
  for (const auto& m : msgs) all += str(consensus::encode(m)) + "\nT2\n";
  put("consensus_replica", "every-kind", all);
  std::string vc = "T1\nT2\n";
  for (consensus::ReplicaId i : {0u, 2u, 3u}) {
    consensus::ViewChange v{0, 1, 0, {}, {}, {}, i, {}};
    vc += str(consensus::encode(consensus::signed_part(v, s[i]))) + "\n";
  }
  vc += "T2\nL0\n";
  put("consensus_replica", "view-change-to-self", vc);
}

// ---- WebSocket client frames (RFC 6455 5.2), masked as a client must ----

std::string frame(std::uint8_t opcode, std::string_view payload, bool fin = true) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80 : 0x00) | opcode));
  const std::size_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(0x80 | n));
  } else if (n < 65536) {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xff));
  } else {
    f.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  }
  const char mask[4] = {0x12, 0x34, 0x56, 0x78};
  f.append(mask, 4);
  for (std::size_t i = 0; i < n; ++i) f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  return f;
}

void ws_seeds(const std::vector<consensus::Message>& msgs) {
  const std::string hello = "mlchain-hello/1 9f2c";
  const std::string whole(1, '\0');  // read size: everything at once, 64 KiB limit
  put("ws_frames", "hello-only", whole + frame(0x2, hello));
  std::string all = frame(0x2, hello);
  for (const auto& m : msgs) all += frame(0x2, str(consensus::encode(m)));
  put("ws_frames", "hello-messages", whole + all);
  put("ws_frames", "hello-messages-read7", std::string("\x07") + all);
  // A fragmented message, a ping between fragments, then a close.
  const std::string enc = str(consensus::encode(msgs[1]));
  put("ws_frames", "fragmented-ping-close",
      whole + frame(0x2, hello) + frame(0x2, enc.substr(0, 20), false) + frame(0x9, "ping") +
          frame(0x0, enc.substr(20), true) + frame(0x8, std::string("\x03\xe8", 2) + "bye"));
  put("ws_frames", "wrong-genesis", whole + frame(0x2, "mlchain-hello/1 beef"));
  put("ws_frames", "bad-hello", whole + frame(0x1, "hello?"));
  put("ws_frames", "oversized-small-limit",
      std::string("\x80") + frame(0x2, hello) + frame(0x2, std::string(300, 'x')));
}

// ---- contracts ----

void contract_seeds() {
  World w;
  const auto first = w.first_packet();
  const auto follow = w.follow_up(1'700'000'000'100, {"L2/L1a#1", "L2#1", "L2/L1b#1"});
  const auto end = w.follow_up(1'700'000'000'200, {"L2/L1a#1", "L2#1", "L2/L1b#1"}, contract::PacketKind::kEnd);
  put("contract_packet", "first", canon(contract::to_json(first)));
  put("contract_packet", "follow-up", canon(contract::to_json(follow)));
  put("contract_packet", "end", canon(contract::to_json(end)));
  // The packet as it leaves L1a and L2 (block ids appended, route moved on).
  contract::Packet hop = first;
  (void)contract::advance(hop, "L2/L1a", "L2/L1a#1");
  put("contract_packet", "first-after-l1a", canon(contract::to_json(hop)));
  contract::Packet hop2 = hop;
  (void)contract::advance(hop2, "L2", "L2#7");
  put("contract_packet", "first-after-l2", canon(contract::to_json(hop2)));

  auto body = [](const contract::Packet& p, const contract::LayerCertificate& c) {
    return canon(Json{{"packet", contract::to_json(p)}, {"cert", contract::to_json(c)}});
  };
  put("contract_certificate", "edge-first", body(first, w.certify(first, "L2/L1a/E1", 1)));
  put("contract_certificate", "edge-follow-up", body(follow, w.certify(follow, "L2/L1a/E1", 1)));
  put("contract_certificate", "l1a-two-of-four", body(hop, w.certify(hop, "L2/L1a", 2)));
  put("contract_certificate", "l2-four-of-four", body(hop2, w.certify(hop2, "L2", 4)));
  put("contract_certificate", "l1a-unsigned", body(hop, contract::begin_certificate(hop, "L2/L1a")));
  put("json", "packet", canon(contract::to_json(first)));
}

// ---- proofs (as contract_proof_test / proof_test build them) ----

void proof_seeds() {
  {
    Chain c;
    (void)c.commit({c.member_op(contract::prune_op_text()), c.member_op(contract::prune_op_text())});
    (void)c.commit({});
    put("block_proof", "one-block", canon(contract::make_proof(*c.ledger, 1, {1}).value()));
    put("block_proof", "query-output",
        canon(Json{{"id", "L2/L1a#1"}, {"proof", contract::make_proof(*c.ledger, 1, {0, 1}).value()}}));
  }
  {
    Chain c;
    (void)c.commit({c.add_member(key_from(50, 4), "n4")});
    (void)c.commit({});
    (void)c.commit({c.member_op(contract::prune_op_text())});
    (void)c.commit({});
    (void)c.commit({c.remove_member(c.bp.members[0].key)});
    (void)c.commit({});
    (void)c.commit({c.signed_request(c.keys.at(c.bp.members[1].key), contract::prune_op_text())});
    put("block_proof", "epoch1", canon(contract::make_proof(*c.ledger, 3, {0}).value()));
    put("block_proof", "epoch2", canon(contract::make_proof(*c.ledger, 7, {0}).value()));
  }
  {
    constexpr std::int64_t kT0 = 1'700'000'000'000;
    Chain c;
    auto order = [&](const contract::Packet& p, const contract::LayerCertificate& cert) {
      return c.commit({c.member_op(contract::contract_op_text(p, cert).value())});
    };
    const std::string id = "L2/L1a#1";
    auto first = c.world.first_packet(kT0);
    (void)order(first, c.world.certify(first, "L2/L1a/E1", 1));
    auto follow = c.world.follow_up(kT0 + 1, {id, "L2#1", "L2/L1b#1"});
    (void)order(follow, c.world.certify(follow, "L2/L1a/E1", 1));
    auto end = c.world.follow_up(kT0 + 3, {id, "L2#1", "L2/L1b#1"}, contract::PacketKind::kEnd);
    (void)order(end, c.world.certify(end, "L2/L1a/E1", 1));
    auto txn = c.store->begin_read().value();
    Json record = contract::to_json(*contract::get_contract(*txn, id).value().block);
    Json proofs = Json::array();
    std::set<std::uint64_t> heights;
    for (const auto& k : record["K"]) heights.insert(k["height"].get<std::uint64_t>());
    for (auto h : heights) {
      std::vector<std::size_t> all(c.ledger->block(h).value()->ops.size());
      for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
      proofs.push_back(contract::make_proof(*c.ledger, h, all).value());
    }
    put("block_proof", "contract-bundle",
        canon(
            Json{{"v", 1}, {"type", "mlchain-contract-proof"}, {"id", id}, {"contract", record}, {"proofs", proofs}}));
    put("block_proof", "contract-proof-first-message", canon(proofs[0]));
  }
}

// ---- edge requests ----

void edge_seeds() {
  fuzz::EdgeWorld w;
  auto req = [](std::string_view action, const std::string& uuid, std::uint64_t counter, std::string_view body,
                std::string_view extra = {}) {
    std::string r(action);
    r += "\nX-Mlc-Object: " + uuid + "\nX-Mlc-Counter: " + std::to_string(counter) + "\n";
    r += extra;
    r += "\n";
    r += body;
    return r;
  };
  put("edge_request", "upload", req("upload", w.sensor, 1, R"({"t": 2137, "unit": "C"})"));
  put("edge_request", "upload-violation", req("upload", w.sensor, 2, R"({"t": 9100, "x": 1})"));
  put("edge_request", "upload-then-replay",
      req("upload", w.sensor, 5, R"({"t": 1})") + "\n%%\n" + req("upload", w.sensor, 5, R"({"t": 2})"));
  put("edge_request", "send-fetch",
      req("send", w.sensor, 1, R"({"to": ")" + w.actuator + R"(", "body": {"cmd": "on"}})") + "\n%%\n" +
          req("fetch", w.actuator, 1, R"({"max": 10})") + "\n%%\n" + req("fetch", w.actuator, 2, R"({"ack": 1})"));
  put("edge_request", "contract",
      req("contract", w.sensor, 3,
          R"({"to": "mlc:L2/L1b/E3/00000000000000bb", "kind": "first", "message": {"offer": "feed"}, "ttl_ms": 60000})"));
  put("edge_request", "hmac-wrong-mac",
      req("upload", w.device, 1, R"({"t": 1})", "X-Mlc-Signature: " + std::string(64, 'a') + "\n"));
  put("edge_request", "unknown-object", req("upload", "mlc:L2/L1a/E1/0000000000000000", 1, "{}"));
  put("edge_request", "bad-counter",
      req("upload", w.sensor, 0, "{}") + "\n%%\n" + std::string("upload\nX-Mlc-Object: ") + w.sensor +
          "\nX-Mlc-Counter: 18446744073709551616\n\n{}");
}

// ---- JSON ----

void json_seeds(const std::vector<consensus::Message>& msgs) {
  put("json", "consensus-new-view", str(consensus::encode(msgs[6])));
  put("json", "format", fuzz::kSensorFormat);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR (fuzz/corpus)\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  const auto msgs = consensus_messages();
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    put("consensus_message", std::to_string(i) + "-" + std::string(consensus::type_name(msgs[i])),
        str(consensus::encode(msgs[i])));
  }
  ws_seeds(msgs);
  replica_seeds(msgs);
  contract_seeds();
  proof_seeds();
  edge_seeds();
  json_seeds(msgs);
  std::printf("make_seeds: wrote %d files under %s\n", g_written, g_root.c_str());
  return 0;
}
