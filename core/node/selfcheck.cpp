// Self-examination on demand (DESIGN §7, issue 7): POST /v1/challenge answers
// a peer's nonce; GET /v1/selfcheck runs every check now and reports one
// entry per check. The chain check runs on the driver thread in chunks (it
// owns the ledger); challenges to peers run on the selfcheck's own thread
// over HTTPS pinned to each peer's member key, so consensus never waits for
// them.
#include <chrono>
#include <future>
#include <thread>

#include "mlchain/common/rng.h"
#include "mlchain/crypto/cert.h"
#include "mlchain/crypto/hash.h"
#include "mlchain/ledger/verify.h"
#include "mlchain/net/https_client.h"
#include "mlchain/common/clock.h"
#include "mlchain/node/challenge.h"
#include "mlchain/node/superior_change.h"
#include "node_impl.h"

namespace mlchain::node {
namespace {

codec::Json check(std::string name, bool ok, std::string detail, codec::Json data = codec::Json::object()) {
  return {{"check", std::move(name)}, {"ok", ok}, {"detail", std::move(detail)}, {"data", std::move(data)}};
}

}  // namespace

Bytes challenge_bytes(const crypto::PublicKey& signer, const std::string& nonce_hex, std::int64_t time_ms) {
  return to_bytes("mlchain-challenge/1 " + signer.hex() + " " + nonce_hex + " " + std::to_string(time_ms));
}

net::Response Node::Impl::answer_challenge(const std::string& body) {
  auto j = codec::parse(body, codec::ParseLimits{1024, 2, 128, 4});
  if (!j.ok() || !j->is_object() || !j->contains("nonce") || !(*j)["nonce"].is_string()) {
    return net::Response::json(400, R"({"error":{"code":"bad_request","message":"expected {\"nonce\": <64 hex>}"}})");
  }
  std::string nonce = (*j)["nonce"].get<std::string>();
  auto raw = from_hex(nonce);
  if (!raw.ok() || raw->size() != 32) {
    return net::Response::json(400, R"({"error":{"code":"bad_request","message":"the nonce must be 32 bytes in hex"}})");
  }
  std::int64_t now = unix_millis(SystemClock().now());
  codec::Json out = {{"node", cfg.name},
                     {"public_key", key->public_key().hex()},
                     {"time_ms", now},
                     {"sig", crypto::signature_hex(key->sign(challenge_bytes(key->public_key(), nonce, now)))}};
  return net::Response::json(200, out.dump());
}

codec::Json challenge_node(const crypto::PublicKey& member, const std::string& address, const std::string& name,
                           const crypto::Verifier& verifier) {
  codec::Json r = {{"name", name}, {"public_key", member.hex()}, {"address", address}};
  if (address.empty()) {
    r["result"] = "unknown_address";
    return r;
  }
  std::array<std::uint8_t, 32> nonce{};
  SystemRng().fill(nonce);
  std::string nonce_hex = to_hex(ByteView(nonce.data(), nonce.size()));
  net::HttpsClientOptions o;
  o.server_key = member;
  o.connect_timeout = std::chrono::milliseconds(2'000);
  o.total_timeout = std::chrono::milliseconds(3'000);
  o.max_response_bytes = 16 * 1024;
  auto t0 = std::chrono::steady_clock::now();
  std::int64_t sent = unix_millis(SystemClock().now());
  codec::Json body = {{"nonce", nonce_hex}};
  auto resp = net::https_request(address, "POST", "/v1/challenge", body.dump(), {{"Content-Type", "application/json"}}, o);
  double rtt_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  r["rtt_ms"] = static_cast<std::int64_t>(rtt_ms);
  if (!resp.ok()) {
    r["result"] = resp.status().code() == ErrorCode::kVerificationFailed ? "wrong_key" : "silent";
    r["error"] = resp.status().message();
    return r;
  }
  auto j = codec::parse(resp->body, codec::ParseLimits{16 * 1024, 4, 1024, 16});
  if (resp->status != 200 || !j.ok() || !j->is_object() || !(*j)["sig"].is_string() || !(*j)["time_ms"].is_number_integer()) {
    r["result"] = "bad_answer";
    r["error"] = "HTTP " + std::to_string(resp->status);
    return r;
  }
  std::int64_t their = (*j)["time_ms"].get<std::int64_t>();
  auto sig = crypto::signature_from_hex((*j)["sig"].get<std::string>());
  if (!sig.ok() || !verifier.verify(member, challenge_bytes(member, nonce_hex, their), *sig)) {
    r["result"] = "bad_signature";
    return r;
  }
  r["result"] = "ok";
  r["clock_offset_ms"] = their - (sent + static_cast<std::int64_t>(rtt_ms / 2));
  return r;
}

// One member: sign my nonce, fresh, with the key the chain records, over a
// TLS link pinned to that key. Reports the clock offset too.
codec::Json Node::Impl::challenge_member(const crypto::PublicKey& member, const std::string& address) const {
  return challenge_node(member, address, member_name(member), verifier);
}

codec::Json Node::Impl::run_selfcheck() {
  codec::Json checks = codec::Json::array();
  auto t_start = std::chrono::steady_clock::now();

  // 1. The chain: every block links to its predecessor and carries a valid
  // commit certificate of its epoch's members; the head record matches.
  struct ChainState {
    std::uint64_t next = 1, head = 0, verified = 0;
    std::string problem;
    bool done = false;
  };
  auto state = std::make_shared<ChainState>();
  {
    std::promise<void> p;
    auto f = p.get_future();
    if (!driver.post([this, state, &p] {
          state->head = ledger->height();
          p.set_value();
        })) {
      return {{"ok", false}, {"checks", codec::Json::array({check("node", false, "the node is shutting down")})}};
    }
    f.wait();
  }
  auto prev_block = std::make_shared<std::optional<ledger::Block>>();
  while (!state->done) {
    std::promise<void> p;
    auto f = p.get_future();
    bool posted = driver.post([this, state, prev_block, &p] {
      auto g = ledger->block(0);
      if (!*prev_block) {
        if (!g.ok() || !*g) {
          state->problem = "cannot read the genesis block";
          state->done = true;
          return p.set_value();
        }
        *prev_block = std::move(**g);
        if (crypto::digest_hex((*prev_block)->hash()) != genesis.hash_hex) {
          state->problem = "the stored genesis block does not hash to the genesis file's hash";
          state->done = true;
          return p.set_value();
        }
      }
      for (int i = 0; i < 128 && state->next <= state->head; ++i, ++state->next) {
        auto b = ledger->block(state->next);
        if (!b.ok() || !*b) {
          state->problem = "block " + std::to_string(state->next) + " is missing below the head " + std::to_string(state->head);
          break;
        }
        auto epoch = ledger->epoch_config_of((*b)->certificate.epoch);
        Status st = !epoch.ok() ? epoch.status() : ledger::verify_link(**prev_block, **b);
        if (st.ok()) st = ledger::verify_certificate(**b, *epoch, verifier);
        if (!st.ok()) {
          state->problem = "block " + std::to_string(state->next) + ": " + st.message();
          break;
        }
        *prev_block = std::move(**b);
        ++state->verified;
      }
      if (!state->problem.empty() || state->next > state->head) {
        if (state->problem.empty() && (*prev_block)->hash() != ledger->head_hash() && state->head == ledger->height())
          state->problem = "the head record does not match the last block";
        state->done = true;
      }
      p.set_value();
    });
    if (!posted) return {{"ok", false}, {"checks", codec::Json::array({check("node", false, "the node is shutting down")})}};
    f.wait();
  }
  checks.push_back(check("chain", state->problem.empty(),
                         state->problem.empty() ? std::to_string(state->verified) + " blocks from genesis to height " +
                                                      std::to_string(state->head) + ": links and commit certificates verify"
                                                : state->problem,
                         {{"height", state->head}, {"verified_blocks", state->verified}}));

  // 2. The store answers and holds what the ledger says (LMDB read txn).
  {
    auto txn = store->begin_read();
    checks.push_back(check("store", txn.ok(), txn.ok() ? "LMDB opens read transactions; head record consistent with the chain check"
                                                       : txn.status().message()));
  }

  // 3. Own certificate: matches the key, not expiring within 30 days.
  {
    auto info = crypto::inspect_certificate(certificate_pem);
    std::int64_t now_s = unix_millis(SystemClock().now()) / 1000;
    bool ok = info.ok() && info->public_key == key->public_key() && info->not_after_unix > now_s + 30 * 86400;
    std::string detail = !info.ok() ? info.status().message()
                         : ok ? "TLS certificate valid for " + std::to_string((info->not_after_unix - now_s) / 86400) + " more days"
                              : "TLS certificate expires in " + std::to_string((info->not_after_unix - now_s) / 86400) +
                                    " days: renew it (mlchain key gen makes a new one)";
    checks.push_back(check("certificate", ok, detail, {{"not_after_unix", info.ok() ? info->not_after_unix : 0}}));
  }

  // 4. Peer review now: every current member signs a fresh nonce.
  auto members = other_members();
  std::vector<std::pair<crypto::PublicKey, std::string>> superiors;
  std::int64_t max_skew_ms = static_cast<std::int64_t>(genesis.blueprint.params.max_clock_skew_ms);
  // The superior this layer trusts now: the blueprint's, or the alternate an
  // ordered change-superior moved it to (superior_change.h).
  auto current = current_superior(*store, genesis.blueprint);
  std::string superior_note;
  if (current.ok() && current->book) {
    for (const auto& m : current->book->members)
      if (m.valid) superiors.emplace_back(m.key, m.address);
    if (current->state.index > 0)
      superior_note = " (alternate " + std::to_string(current->state.index) + ", since height " +
                      std::to_string(current->state.height) + ")";
  }
  std::vector<std::future<codec::Json>> answers;
  for (const auto& [k, a] : members)
    answers.push_back(std::async(std::launch::async, [this, k = k, a = a] { return challenge_member(k, a); }));
  codec::Json peer_results = codec::Json::array();
  std::size_t failed = 0;
  std::int64_t worst_skew = 0;
  for (auto& a : answers) {
    auto r = a.get();
    if (r.value("result", "") != "ok") ++failed;
    else worst_skew = std::max(worst_skew, std::abs(r.value("clock_offset_ms", std::int64_t{0})));
    peer_results.push_back(std::move(r));
  }
  std::string names;
  for (const auto& r : peer_results)
    if (r.value("result", "") != "ok") names += (names.empty() ? "" : ", ") + r.value("name", "") + " (" + r.value("result", "") + ")";
  checks.push_back(check("peers", failed == 0,
                         failed == 0 ? "all " + std::to_string(peer_results.size()) + " other members signed a fresh nonce"
                                     : std::to_string(failed) + " of " + std::to_string(peer_results.size()) +
                                           " members failed the challenge: " + names,
                         {{"members", peer_results}}));
  checks.push_back(check("clock", worst_skew * 2 <= max_skew_ms,
                         "largest clock offset to a member: " + std::to_string(worst_skew) + " ms (limit " +
                             std::to_string(max_skew_ms / 2) + " ms, half of max_clock_skew)",
                         {{"max_offset_ms", worst_skew}}));

  // 5. Superior review now: the superior layer's members, from our genesis.
  if (!current.ok()) {
    checks.push_back(check("superior", false, "cannot read which superior this layer trusts: " + current.status().message()));
  } else if (superiors.empty()) {
    checks.push_back(check("superior", true, "this layer has no superior (a root layer)"));
  } else {
    std::vector<std::future<codec::Json>> sup;
    for (const auto& [k, a] : superiors)
      sup.push_back(std::async(std::launch::async, [this, k = k, a = a] { return challenge_member(k, a); }));
    codec::Json sup_results = codec::Json::array();
    std::size_t ok = 0;
    for (auto& s : sup) {
      auto r = s.get();
      if (r.value("result", "") == "ok") ++ok;
      sup_results.push_back(std::move(r));
    }
    const std::string& path = current->book->path;
    checks.push_back(check("superior", ok > 0,
                           ok > 0 ? std::to_string(ok) + " of " + std::to_string(sup_results.size()) + " members of " +
                                        path + superior_note + " answered the challenge"
                                  : "ALARM: no member of the superior layer " + path + superior_note +
                                        " answered the challenge",
                           {{"layer", path},
                            {"candidate", current->state.index},
                            {"changes", current->state.generation},
                            {"members", sup_results}}));
  }

  // 6. Readiness as /readyz sees it.
  {
    std::promise<std::pair<bool, std::string>> p;
    auto f = p.get_future();
    if (driver.post([this, &p] {
          std::string why;
          bool ok = ready(&why);
          p.set_value({ok, why});
        })) {
      auto [ok, why] = f.get();
      checks.push_back(check("ready", ok, ok ? "connected to a quorum, in a live view, caught up" : why));
    }
  }

  // 7. The hosted service's own checks (contracts: blocks awaiting cleanup).
  if (service)
    for (auto& c : service->selfcheck()) checks.push_back(std::move(c));

  bool all = true;
  for (const auto& c : checks) all = all && c.value("ok", false);
  return {{"node", cfg.name},
          {"layer", genesis.blueprint.layer_path},
          {"ok", all},
          {"checks", checks},
          {"elapsed_ms", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t_start).count()}};
}

}  // namespace mlchain::node
