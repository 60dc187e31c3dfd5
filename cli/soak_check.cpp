// soak.h: the checker of `bench soak`, run after every fault is healed.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "block_client.h"
#include "mlchain/contract/packet.h"
#include "mlchain/contract/proof.h"
#include "mlchain/crypto/hash.h"
#include "mlchain/ledger/block.h"
#include "mlchain/net/https_client.h"
#include "mlchain/node/signed_op.h"
#include "node_client.h"
#include "soak.h"

namespace mlchain::cli::soak {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using devnet::DevnetNode;
using devnet::DevnetState;

std::vector<const DevnetNode*> members_of(const DevnetState& s, const std::string& layer) {
  std::vector<const DevnetNode*> out;
  for (const auto& n : s.nodes)
    if (n.role == "member" && n.standby == 0 && n.layer == layer) out.push_back(&n);
  return out;
}

net::HttpsClientOptions client_options(const DevnetNode& n, std::chrono::milliseconds timeout) {
  net::HttpsClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(3'000);
  o.total_timeout = timeout;
  if (auto k = crypto::PublicKey::from_hex(n.public_key); k.ok()) o.server_key = *k;
  return o;
}

// One member's chain: the hash at every height 1..height and, when asked,
// how often each (client, id) request appears.
struct Chain {
  std::string member;
  std::uint64_t height = 0;
  std::vector<std::string> hashes;  // [h - 1]
  std::map<std::pair<std::string, std::uint64_t>, unsigned> requests;
  std::string error;
};

Chain read_chain(const DevnetNode& n, bool with_ops) {
  Chain c;
  c.member = n.name;
  auto conn = net::HttpsConnection::create(n.address, client_options(n, std::chrono::milliseconds(30'000)));
  if (!conn.ok()) {
    c.error = conn.status().message();
    return c;
  }
  auto st = conn->request("GET", "/v1/status");
  auto sj = st.ok() && st->status == 200 ? codec::parse(st->body) : Result<codec::Json>(internal_error("no status"));
  if (!sj.ok()) {
    c.error = "GET /v1/status: " + (st.ok() ? "HTTP " + std::to_string(st->status) : st.status().message());
    return c;
  }
  c.height = sj->value("height", std::uint64_t{0});
  std::string prev;
  for (std::uint64_t h = 1; h <= c.height; ++h) {
    auto r = conn->request("GET", "/v1/blocks/" + std::to_string(h));
    if (!r.ok() || r->status != 200) {
      c.error = "block " + std::to_string(h) + ": " + (r.ok() ? "HTTP " + std::to_string(r->status) : r.status().message());
      c.height = h - 1;
      return c;
    }
    auto j = codec::parse(r->body, codec::ParseLimits{64u << 20, 64, 16u << 20, 10'000'000});
    if (!j.ok() || !j->contains("block")) {
      c.error = "block " + std::to_string(h) + " is not JSON";
      c.height = h - 1;
      return c;
    }
    auto b = ledger::block_from_json((*j)["block"]);
    if (!b.ok()) {
      c.error = "block " + std::to_string(h) + ": " + b.status().message();
      c.height = h - 1;
      return c;
    }
    // The member's own hash must be the block's, and the block must link to
    // the one below it: then equal hashes at a height mean equal chains.
    std::string hash = crypto::digest_hex(b->hash());
    if (j->value("hash", "") != hash) c.error = "block " + std::to_string(h) + ": served hash is not the block's";
    if (h > 1 && crypto::digest_hex(b->prev_hash) != prev)
      c.error = "block " + std::to_string(h) + " does not link to block " + std::to_string(h - 1);
    prev = hash;
    c.hashes.push_back(hash);
    if (with_ops)
      for (const auto& op : b->ops) ++c.requests[{op.client, op.id}];
  }
  return c;
}

}  // namespace

std::int64_t probe_commit(const DevnetState& s, const std::string& layer, std::chrono::milliseconds limit) {
  auto key = crypto::PrivateKey::generate();
  if (!key.ok()) return -1;
  auto genesis = s.genesis_hash.find(layer);
  if (genesis == s.genesis_hash.end()) return -1;
  auto op = node::sign_op(*key, genesis->second, 1, "put soak-probe v1");
  std::string body = node::to_json(op).dump();
  auto members = members_of(s, layer);
  auto t0 = Clock::now();
  for (std::size_t i = 0; Clock::now() - t0 < limit; ++i) {
    const auto& m = *members[i % members.size()];
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(limit - (Clock::now() - t0));
    auto r = net::https_request(m.address, "POST", "/v1/ops", body, {{"Content-Type", "application/json"}},
                                client_options(m, std::min(left, std::chrono::milliseconds(3'000))));
    if (r.ok() && r->status == 200)
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

namespace {

// `mlchain selfcheck --layer` as a child; its exit status, -1 on timeout.
int selfcheck_layer(const DevnetState& s, const std::string& layer, std::string* log) {
  auto members = members_of(s, layer);
  std::string name = devnet::lower(layer);
  std::replace(name.begin(), name.end(), '/', '-');
  *log = (fs::path(s.dir) / "logs" / ("soak-selfcheck-" + name + ".log")).string();
  auto pid = devnet::spawn_self({"selfcheck", "--layer", layer, "--node", members.front()->address, "--timeout", "60"},
                                *log, false);
  if (!pid.ok()) return -1;
  auto until = Clock::now() + std::chrono::seconds(90);
  int status = 0;
  pid_t got = 0;
  while ((got = ::waitpid(*pid, &status, WNOHANG)) == 0 && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (got == 0) {
    ::kill(*pid, SIGKILL);
    ::waitpid(*pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Contract block `id` from its layer, proven: the bundle verifies offline
// against the genesis hash in the devnet's state and records `sum`.
Status prove_contract_block(const DevnetState& s, const std::string& id, const std::string& sum,
                            const crypto::PrivateKey& key) {
  auto parsed = contract::parse_block_id(id);
  if (!parsed.ok()) return invalid_argument("receipt id '" + id + "' is not a contract block id");
  auto genesis = s.genesis_hash.find(parsed->layer);
  if (genesis == s.genesis_hash.end()) return invalid_argument("receipt id " + id + " names no layer of the devnet");
  auto members = members_of(s, parsed->layer);
  if (members.empty()) return invalid_argument("no member of " + parsed->layer);
  MLCHAIN_ASSIGN_OR_RETURN(auto got, fetch_contract(members.front()->address, id, *parsed, key));
  std::vector<contract::VerifiedProof> verified;
  MLCHAIN_ASSIGN_OR_RETURN(auto proofs, contract_proofs(got.member, got.answer, genesis->second, &verified));
  codec::Json bundle = {
      {"v", 1}, {"type", "mlchain-contract-proof"}, {"id", id}, {"contract", got.answer["block"]}, {"proofs", proofs}};
  crypto::Ed25519Verifier verifier;
  MLCHAIN_ASSIGN_OR_RETURN(auto proven, contract::verify_contract_proof(bundle.dump(), genesis->second, verifier));
  if (proven.contract.dump().find(sum) == std::string::npos)
    return verification_failed("the proven record of " + id + " does not hold message " + sum.substr(0, 16));
  return {};
}

}  // namespace

CheckResult check(const CheckInput& in, const Cli& cli) {
  const DevnetState& s = *in.state;
  CheckResult out;
  auto violate = [&](std::string kind, std::string detail) {
    if (out.violations.size() < 1000) out.violations.push_back({std::move(kind), std::move(detail)});
  };

  // 1. A commit on every layer within 10 s, now that everything is healed.
  codec::Json heal = codec::Json::object();
  for (const auto& l : s.topology.layers) {
    std::int64_t ms = probe_commit(s, l.path, std::chrono::milliseconds(30'000));
    heal[l.path] = ms;
    if (ms < 0 || ms > 10'000)
      violate("heal_time", l.path + " did not commit within 10 s of the heal (" +
                               (ms < 0 ? std::string("not within 30 s") : std::to_string(ms) + " ms") + ")");
  }
  out.figures["final_commit_ms"] = heal;
  cli.info("soak check: every layer commits again (" + heal.dump() + " ms)");

  // 2. Every member's chain; identical hashes at every height; the ops.
  codec::Json chains = codec::Json::object();
  std::uint64_t blocks_compared = 0;
  for (const auto& l : s.topology.layers) {
    auto members = members_of(s, l.path);
    std::vector<Chain> got(members.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < members.size(); ++i)
      threads.emplace_back([&, i] { got[i] = read_chain(*members[i], true); });
    for (auto& t : threads) t.join();
    std::size_t ref = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      if (!got[i].error.empty()) violate("divergence", l.path + " member " + got[i].member + ": " + got[i].error);
      if (got[i].hashes.size() > got[ref].hashes.size()) ref = i;
    }
    codec::Json heights = codec::Json::object();
    for (std::size_t i = 0; i < got.size(); ++i) {
      heights[got[i].member] = got[i].hashes.size();
      for (std::size_t h = 0; h < got[i].hashes.size(); ++h, ++blocks_compared) {
        if (got[i].hashes[h] != got[ref].hashes[h]) {
          violate("divergence", l.path + ": " + got[i].member + " and " + got[ref].member + " differ at height " +
                                    std::to_string(h + 1));
          break;
        }
      }
    }
    chains[l.path] = heights;
    const auto& requests = got[ref].requests;
    std::uint64_t acked = 0, found = 0;
    for (const auto& op : in.ops) {
      if (op.layer != l.path || !op.acked) continue;
      ++acked;
      auto it = requests.find({op.client, op.id});
      if (it == requests.end()) {
        violate("lost_op", l.path + ": op " + std::to_string(op.id) + " of client " + op.client.substr(0, 16) +
                               " was acknowledged but is not in the chain");
      } else {
        ++found;
        if (it->second > 1)
          violate("duplicated_op", l.path + ": op " + std::to_string(op.id) + " of client " +
                                       op.client.substr(0, 16) + " is in the chain " + std::to_string(it->second) +
                                       " times");
      }
    }
    cli.info("soak check: " + l.path + ": " + std::to_string(got.size()) + " members agree up to height " +
             std::to_string(got[ref].hashes.size()) + "; " + std::to_string(found) + " of " + std::to_string(acked) +
             " acknowledged ops in the chain");
  }
  // An honest client's op refused (4xx: e.g. 409 old_request_id after a
  // byzantine member got forged ids in its name ordered) is a violation too.
  std::uint64_t refused = 0;
  for (const auto& op : in.ops) {
    if (op.acked || op.error.find(" answered 4") == std::string::npos) continue;
    ++refused;
    violate("refused_op", op.layer + ": op " + std::to_string(op.id) + " of client " + op.client.substr(0, 16) +
                              " was refused: " + op.error);
  }
  out.figures["ops_refused"] = refused;
  out.figures["heights"] = chains;
  out.figures["blocks_compared"] = blocks_compared;

  // 3. Contracts: delivered exactly once; told-failed ones not delivered.
  std::uint64_t acked = 0, lost = 0, duplicated = 0, failed_delivered = 0, unknown_delivered = 0;
  std::vector<const ContractRecord*> to_prove;
  for (const auto& c : in.contracts) {
    auto it = in.delivered.find(c.seq);
    unsigned times = it == in.delivered.end() ? 0 : it->second;
    if (c.acked) {
      ++acked;
      if (times == 0) {
        ++lost;
        violate("lost_contract", "contract message " + std::to_string(c.seq) + " (" + c.from_layer + " -> " +
                                     c.to_layer + ") was acknowledged but never delivered");
      } else if (times > 1) {
        ++duplicated;
        violate("duplicated_contract", "contract message " + std::to_string(c.seq) + " was delivered " +
                                           std::to_string(times) + " times");
      }
      to_prove.push_back(&c);
    } else if (times > 0) {
      if (c.answered_failure) {
        ++failed_delivered;
        violate("failed_but_delivered", "contract message " + std::to_string(c.seq) + " was reported failed (" +
                                            c.code + ") but delivered");
      } else {
        ++unknown_delivered;
      }
    }
  }
  std::set<std::uint64_t> sent;
  for (const auto& c : in.contracts) sent.insert(c.seq);
  for (const auto& [seq, times] : in.delivered) {
    if (!sent.count(seq)) violate("duplicated_contract", "a message with soak seq " + std::to_string(seq) + " was delivered but never sent");
  }
  out.figures["contracts_delivered_check"] = {{"acknowledged", acked},
                                              {"lost", lost},
                                              {"duplicated", duplicated},
                                              {"reported_failed_but_delivered", failed_delivered},
                                              {"unanswered_but_delivered", unknown_delivered}};

  // 4. Their blocks on every layer crossed, each proven offline.
  if (in.prove_limit > 0 && to_prove.size() > in.prove_limit) {
    std::mt19937_64 rng(in.seed);
    std::shuffle(to_prove.begin(), to_prove.end(), rng);
    to_prove.resize(in.prove_limit);
  }
  auto key = crypto::PrivateKey::load_pem_file(in.admin_key);
  std::atomic<std::size_t> next{0}, proven{0}, blocks{0};
  std::mutex mu;
  if (!key.ok()) {
    violate("proof", "cannot load the admin key to query contract blocks: " + key.status().message());
  } else {
    cli.info("soak check: proving the contract blocks of " + std::to_string(to_prove.size()) + " contracts");
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&] {
        for (std::size_t i; (i = next.fetch_add(1)) < to_prove.size();) {
          const auto& c = *to_prove[i];
          bool ok = !c.ids.empty();
          if (!ok) {
            std::lock_guard lock(mu);
            violate("proof", "contract message " + std::to_string(c.seq) + " was acknowledged without block ids");
          }
          for (const auto& id : c.ids) {
            Status st = prove_contract_block(s, id, c.sum, *key);
            if (!st.ok()) {
              ok = false;
              std::lock_guard lock(mu);
              violate("proof", "contract message " + std::to_string(c.seq) + ": " + id + ": " + st.message());
            } else {
              ++blocks;
            }
          }
          if (ok) ++proven;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  out.figures["contracts_proven"] = {
      {"contracts", to_prove.size()}, {"all_blocks_proven", proven.load()}, {"blocks_proven", blocks.load()}};
  cli.info("soak check: " + std::to_string(proven.load()) + " of " + std::to_string(to_prove.size()) +
           " contracts proven on every layer crossed (" + std::to_string(blocks.load()) + " blocks)");

  // 5. selfcheck --layer for every layer.
  codec::Json selfchecks = codec::Json::object();
  for (const auto& l : s.topology.layers) {
    std::string log;
    int rc = selfcheck_layer(s, l.path, &log);
    selfchecks[l.path] = rc;
    if (rc != 0)
      violate("selfcheck", "mlchain selfcheck --layer " + l.path + " exited " + std::to_string(rc) + " (see " + log + ")");
  }
  out.figures["selfcheck_exit"] = selfchecks;
  return out;
}

}  // namespace mlchain::cli::soak
