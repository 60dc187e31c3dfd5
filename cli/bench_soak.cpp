// mlchain bench soak: a devnet under load and faults for minutes, then a
// checker (soak.h, docs/reliability.md).
//
// Phases: (1) calibrate: the load runs flat out without faults for
// --calibrate, giving the fault-free rates; (2) soak: the load is paced at
// --fraction of those rates while a seeded schedule injects one fault at a
// time every --fault-every (kill -9 and restart of a member, primaries
// preferred; SIGSTOP/SIGCONT; on a --netns devnet a member isolated, a layer
// split 2/2 for 30 s, two layers cut apart; an edge node killed and
// restarted; with --forge a member replaced by a byzantine one), the last
// 20 s quiet; (3) heal: every process continued or restarted, partitions
// removed, every node ready, every receiver's queue drained; (4) check.
//
// The load: per high-level layer, --op-workers clients submitting signed
// "put" ops, each retried with the same id through the next member until
// acknowledged or 60 s passed (a replica answers a repeated id with the
// cached result, so a retry never executes twice); --pairs object pairs
// (one on each of two edge layers whose route crosses the top layer) sending
// contract messages both ways, each carrying {"soak": seq} so the receiver's
// fetches show what was delivered, and how often.
//
// Every acknowledgement is recorded; nothing here asserts a speed. Exit 1 on
// any violation, 2 on bad options, 3 when the devnet is not ready.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "bench_objects.h"
#include "bench_util.h"
#include "cli.h"
#include "devnet_netns.h"
#include "devnet_state.h"
#include "duration.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/edge/contract_inbox.h"
#include "mlchain/net/https_client.h"
#include "mlchain/node/signed_op.h"
#include "node_client.h"
#include "progress.h"
#include "soak.h"

namespace mlchain::cli {
namespace {

using Clock = std::chrono::steady_clock;
using devnet::DevnetNode;
using devnet::DevnetState;
using namespace std::chrono_literals;
using namespace soak;  // NOLINT: the records and the checker (soak.h)

constexpr std::int64_t kOpDeadlineMs = 60'000;
constexpr std::uint64_t kTtlMs = 3'600'000;
constexpr unsigned kDrainEvery = 40;

// "E1 | L1a l1a-n2 order 12 ms certify 3 ms | L2 ..." from a route's answer.
std::string route_summary(const codec::Json& answer) {
  std::string out;
  if (!answer.is_object() || !answer.contains("hops") || !answer["hops"].is_array()) return out;
  for (const auto& h : answer["hops"]) {
    if (!h.is_object()) continue;
    if (!out.empty()) out += " | ";
    out += h.value("layer", "?");
    if (h.contains("node") && h["node"].is_string()) out += " " + h["node"].get<std::string>();
    if (h.contains("order_us") && h["order_us"].is_number())
      out += " order " + std::to_string(h["order_us"].get<std::int64_t>() / 1000) + " ms";
    if (h.contains("certify_us") && h["certify_us"].is_number())
      out += " certify " + std::to_string(h["certify_us"].get<std::int64_t>() / 1000) + " ms";
    if (h.value("duplicate", false)) out += " (duplicate)";
    if (out.size() > 600) break;
  }
  return out;
}

std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted = true; }

struct SoakOptions {
  std::string devnet = "./devnet";
  std::string duration = "10m";
  std::string calibrate = "20s";
  std::string fault_every = "10s";
  double fraction = 0.6;
  std::string catch_up = "60s";
  std::uint64_t seed = 0;
  std::vector<std::string> faults;
  std::string report;
  std::string forge;
  unsigned op_workers = 2;
  unsigned pairs = 4;
  unsigned prove = 0;
};

const std::vector<std::string> kAllFaults = {"kill", "stop", "isolate", "split", "layers", "edge-restart", "byzantine"};

// Sleeps until `until` or an interrupt or `stop` (checked every 100 ms).
void nap_until(Clock::time_point until, const std::atomic<bool>* stop = nullptr) {
  while (Clock::now() < until && !g_interrupted && !(stop && *stop))
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), 100ms));
}

class Soak {
 public:
  Soak(const SoakOptions& o, const Cli& cli, DevnetState state) : o_(o), cli_(cli), state_(std::move(state)) {}

  int run();

 private:
  // ------------------------------------------------------------ helpers
  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0_).count();
  }
  std::vector<DevnetNode> members(const std::string& layer) {
    std::lock_guard lock(state_mu_);
    std::vector<DevnetNode> out;
    for (const auto& n : state_.nodes)
      if (n.role == "member" && n.standby == 0 && n.layer == layer) out.push_back(n);
    return out;
  }
  DevnetNode* node_named(const std::string& name) {
    for (auto& n : state_.nodes)
      if (n.name == name) return &n;
    return nullptr;
  }
  static net::HttpsClientOptions options(const DevnetNode& n, std::chrono::milliseconds total) {
    net::HttpsClientOptions c;
    c.connect_timeout = std::min(total, std::chrono::milliseconds(2'000));
    c.total_timeout = total;
    if (auto k = crypto::PublicKey::from_hex(n.public_key); k.ok()) c.server_key = *k;
    return c;
  }
  // The waits between ops or contracts of one worker: flat out while
  // calibrating, then one every `workers / rate` on a fixed schedule. A
  // worker held up by a fault (its send waited out a partition) owes the
  // sends it missed and makes them up flat out afterwards, as devices that
  // buffer readings would, up to --catch-up worth; older ones are dropped.
  void pace(Clock::time_point& next, double interval_ms) {
    auto now = Clock::now();
    if (interval_ms <= 0) {
      next = now;
      return;
    }
    next += std::chrono::microseconds(static_cast<std::int64_t>(interval_ms * 1000));
    auto floor = now - std::max(catch_up_, std::chrono::milliseconds(static_cast<std::int64_t>(interval_ms)));
    if (next < floor) next = floor;
    nap_until(next, &stop_load_);
  }

  // ------------------------------------------------------------ load
  void op_worker(const std::string& layer, unsigned w);
  void pair_worker(unsigned i);
  // Fetches everything queued for `obj`, recording each {"soak": seq} body;
  // `last_seq` is the last queue seq fetched (-1: none), acknowledged by the
  // next fetch.
  void drain(net::HttpsConnection& conn, bench::BenchObject& obj, std::int64_t& last_seq);
  Status register_pairs();

  // ------------------------------------------------------------ faults
  void fault_loop(Clock::time_point until);
  FaultRecord inject(const std::string& kind, std::mt19937_64& rng);
  std::string pick_member(const std::string& layer, std::mt19937_64& rng);
  bool restart(const std::string& name, std::string* error);
  void kill_node(const std::string& name, int sig);
  Status heal_all();

  const SoakOptions& o_;
  const Cli& cli_;
  DevnetState state_;
  std::mutex state_mu_;
  Clock::time_point t0_;
  std::atomic<bool> stop_load_{false};
  std::atomic<double> op_interval_ms_{0}, contract_interval_ms_{0};
  std::chrono::milliseconds catch_up_{0};  // set before the workers start
  std::atomic<int> partitions_active_{0};

  std::mutex rec_mu_;
  std::vector<OpRecord> ops_;
  std::vector<ContractRecord> contracts_;
  std::map<std::uint64_t, unsigned> delivered_;
  std::vector<FaultRecord> faults_;
  std::vector<std::string> stopped_;  // SIGSTOPped now, for the heal
  std::atomic<std::uint64_t> next_seq_{1};
  std::atomic<std::uint64_t> drain_errors_{0};

  struct Pair {
    std::string edge_a, edge_b, layer_a, layer_b;
    std::optional<bench::BenchObject> a, b;
    std::int64_t last_a = -1, last_b = -1;  // the last queue seq fetched by each
  };
  std::vector<Pair> pairs_;
  std::vector<std::string> op_layers_;
  std::optional<Progress> progress_;
};

void Soak::op_worker(const std::string& layer, unsigned w) {
  auto key = crypto::PrivateKey::generate();
  if (!key.ok()) return;
  const std::string client = key->public_key().hex();
  const std::string genesis = state_.genesis_hash.at(layer);
  auto ms = members(layer);
  std::vector<std::optional<net::HttpsConnection>> conns(ms.size());
  std::size_t cur = w % ms.size();
  Clock::time_point next = Clock::now();
  for (std::uint64_t id = 1; !stop_load_ && !g_interrupted; ++id) {
    pace(next, op_interval_ms_.load());
    if (stop_load_ || g_interrupted) break;
    auto op = node::sign_op(*key, genesis, id, "put soak-" + std::to_string(w) + "-" + std::to_string(id) + " v" + std::to_string(id));
    std::string body = node::to_json(op).dump();
    OpRecord rec{layer, client, id, false, now_ms(), 0, ""};
    auto start = Clock::now();
    for (std::size_t attempt = 0;; ++attempt) {
      if (!conns[cur]) {
        auto c = net::HttpsConnection::create(ms[cur].address, options(ms[cur], 3'000ms));
        if (c.ok()) conns[cur].emplace(std::move(c).value());
      }
      bool retry = true;
      if (conns[cur]) {
        auto r = conns[cur]->request("POST", "/v1/ops", body, {{"Content-Type", "application/json"}});
        if (r.ok() && r->status == 200) {
          rec.acked = true;
          break;
        }
        if (r.ok() && r->status >= 400 && r->status < 500 && r->status != 429) {
          rec.error = ms[cur].name + " answered " + std::to_string(r->status) + ": " + r->body.substr(0, 200);
          retry = false;
        } else {
          rec.error = ms[cur].name + ": " + (r.ok() ? "HTTP " + std::to_string(r->status) : r.status().message());
          if (!r.ok()) conns[cur].reset();  // a fresh connection next time
        }
      }
      auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
      if (!retry || spent >= kOpDeadlineMs || g_interrupted) break;
      cur = (cur + 1) % ms.size();
      if ((attempt + 1) % ms.size() == 0) std::this_thread::sleep_for(100ms);
    }
    rec.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::lock_guard lock(rec_mu_);
    ops_.push_back(std::move(rec));
  }
}

void Soak::drain(net::HttpsConnection& conn, bench::BenchObject& obj, std::int64_t& last_seq) {
  for (int round = 0; round < 1000; ++round) {
    codec::Json ask = {{"max", 100}};
    if (last_seq >= 0) ask["ack"] = last_seq;  // none fetched yet: acknowledge nothing (queue seqs start at 0)
    auto s = bench::object_post(conn, obj, edge::Action::kFetch, ask.dump());
    if (!s.ok) {
      ++drain_errors_;
      return;
    }
    const auto& msgs = s.answer.contains("messages") ? s.answer["messages"] : codec::Json::array();
    if (!msgs.is_array() || msgs.empty()) return;
    std::lock_guard lock(rec_mu_);
    for (const auto& m : msgs) {
      auto seq = static_cast<std::int64_t>(m.value("seq", std::uint64_t{0}));
      if (seq <= last_seq) continue;
      last_seq = seq;
      codec::Json body = m.contains("body") ? m["body"] : codec::Json();
      if (body.is_string()) {
        auto parsed = codec::parse(body.get<std::string>());
        if (parsed.ok()) body = *parsed;
      }
      if (body.is_object() && body.contains("soak") && body["soak"].is_number_unsigned())
        ++delivered_[body["soak"].get<std::uint64_t>()];
    }
  }
}

void Soak::pair_worker(unsigned i) {
  Pair& p = pairs_[i];
  net::HttpsClientOptions copts;
  copts.connect_timeout = 3'000ms;
  copts.total_timeout = 90'000ms;
  auto ca = net::HttpsConnection::create(p.edge_a, copts);
  auto cb = net::HttpsConnection::create(p.edge_b, copts);
  if (!ca.ok() || !cb.ok()) return;
  std::int64_t& last_a = p.last_a;
  std::int64_t& last_b = p.last_b;
  unsigned undrained_a = 0, undrained_b = 0;
  Clock::time_point next = Clock::now();
  for (unsigned k = 0; !stop_load_ && !g_interrupted; ++k) {
    pace(next, contract_interval_ms_.load());
    if (stop_load_ || g_interrupted) break;
    bool a_to_b = k % 2 == 0;
    std::uint64_t seq = next_seq_.fetch_add(1);
    ContractRecord rec;
    rec.seq = seq;
    rec.from_layer = a_to_b ? p.layer_a : p.layer_b;
    rec.to_layer = a_to_b ? p.layer_b : p.layer_a;
    rec.sent_ms = now_ms();
    auto& from = a_to_b ? *p.a : *p.b;
    auto& to = a_to_b ? *p.b : *p.a;
    auto s = bench::send_contract_message(a_to_b ? *ca : *cb, from, to, rec.to_layer, "first", codec::Json(),
                                          codec::Json{{"soak", seq}}, kTtlMs);
    rec.latency_ms = s.ms;
    if (s.ok && rec.latency_ms > 5'000) rec.route = route_summary(s.answer);
    if (!s.ok) rec.route = s.message.substr(0, 300);
    if (s.ok) {
      rec.acked = true;
      const auto& r = s.answer["receipt"];
      rec.sum = r.value("sum", "");
      if (r.contains("ids") && r["ids"].is_array())
        for (const auto& id : r["ids"])
          if (id.is_string()) rec.ids.push_back(id.get<std::string>());
    } else {
      rec.code = s.code;
      // An HTTP answer with an error: the sender was told it failed. A lost
      // connection (the edge restarted) or no receipt tells nothing.
      // outcome_unknown: a member may hold the packet; it may still arrive.
      rec.answered_failure = s.code.rfind("transport_", 0) != 0 && s.code != "bad_receipt" &&
                             s.code != "no_receipt" && s.code != "outcome_unknown";
    }
    {
      std::lock_guard lock(rec_mu_);
      contracts_.push_back(rec);
    }
    if (progress_) progress_->add();
    unsigned& undrained = a_to_b ? undrained_b : undrained_a;
    if (rec.acked && ++undrained >= kDrainEvery) {
      undrained = 0;
      if (a_to_b)
        drain(*cb, *p.b, last_b);
      else
        drain(*ca, *p.a, last_a);
    }
  }
  // What is still queued for either object (the final drain after the heal
  // takes what arrives later).
  drain(*ca, *p.a, last_a);
  drain(*cb, *p.b, last_b);
}

Status Soak::register_pairs() {
  // The first edge, and the edge whose route from it crosses the most layers.
  std::vector<const DevnetNode*> edges;
  for (const auto& n : state_.nodes)
    if (n.role == "edge") edges.push_back(&n);
  if (edges.size() < 2) return invalid_argument("the devnet has fewer than two edge nodes; a soak needs two");
  auto common = [](const std::string& x, const std::string& y) {
    std::size_t i = 0, depth = 0;
    for (; i < x.size() && i < y.size() && x[i] == y[i]; ++i)
      if (x[i] == '/') ++depth;
    return depth;
  };
  const DevnetNode* a = edges.front();
  const DevnetNode* b = nullptr;
  for (const auto* e : edges)
    if (e->layer != a->layer && (!b || common(a->layer, e->layer) < common(a->layer, b->layer))) b = e;
  if (!b) return invalid_argument("every edge node of the devnet is in one edge layer");
  auto admin = crypto::PrivateKey::load_pem_file(state_.admin_key);
  if (!admin.ok()) return admin.status().with_context(state_.admin_key);
  for (unsigned i = 0; i < o_.pairs; ++i) {
    Pair p{a->address, b->address, a->layer, b->layer, std::nullopt, std::nullopt, -1, -1};
    MLCHAIN_ASSIGN_OR_RETURN(auto oa, bench::register_object(a->address, *admin));
    MLCHAIN_ASSIGN_OR_RETURN(auto ob, bench::register_object(b->address, *admin));
    p.a.emplace(std::move(oa));
    p.b.emplace(std::move(ob));
    pairs_.push_back(std::move(p));
  }
  return {};
}

// ------------------------------------------------------------ faults

void Soak::kill_node(const std::string& name, int sig) {
  std::lock_guard lock(state_mu_);
  DevnetNode* n = node_named(name);
  if (!n || devnet::pid_state(n->pid, n->config) != devnet::PidState::kOurs) return;
  ::kill(n->pid, sig);
  if (sig == SIGKILL) {
    for (int i = 0; i < 100; ++i) {  // reap it if it is our child (one we restarted)
      int st = 0;
      pid_t got = ::waitpid(n->pid, &st, WNOHANG);
      if (got == n->pid || (got < 0 && errno == ECHILD)) {
        if (devnet::pid_state(n->pid, n->config) != devnet::PidState::kOurs) break;
      }
      std::this_thread::sleep_for(20ms);
    }
  }
}

bool Soak::restart(const std::string& name, std::string* error) {
  std::lock_guard lock(state_mu_);
  DevnetNode* n = node_named(name);
  if (!n) return false;
  if (devnet::pid_state(n->pid, n->config) == devnet::PidState::kOurs) return true;
  auto pid = devnet::spawn_node(*n);
  if (!pid.ok()) {
    if (error) *error = pid.status().message();
    return false;
  }
  n->pid = *pid;
  Status saved = devnet::write_state(state_);  // devnet down finds the new pid
  if (!saved.ok() && error) *error = saved.message();
  return true;
}

std::string Soak::pick_member(const std::string& layer, std::mt19937_64& rng) {
  auto ms = members(layer);
  if (std::uniform_int_distribution<int>(0, 1)(rng) == 0) {  // the primary, half of the time
    for (const auto& m : ms) {
      auto st = node_request(m.address, "GET", "/v1/status", {}, 2'000ms);
      if (!st.ok()) continue;
      std::string primary = st->value("primary", "");
      for (const auto& x : ms)
        if (x.name == primary) return primary;
      break;
    }
  }
  return ms[std::uniform_int_distribution<std::size_t>(0, ms.size() - 1)(rng)].name;
}

FaultRecord Soak::inject(const std::string& kind, std::mt19937_64& rng) {
  FaultRecord f;
  f.kind = kind;
  std::vector<std::string> layers;
  for (const auto& l : state_.topology.layers) layers.push_back(l.path);
  auto uniform_s = [&](int lo, int hi) { return std::chrono::seconds(std::uniform_int_distribution<int>(lo, hi)(rng)); };
  f.layer = layers[std::uniform_int_distribution<std::size_t>(0, layers.size() - 1)(rng)];
  f.start_ms = now_ms();
  if (kind == "kill") {
    f.target = pick_member(f.layer, rng);
    kill_node(f.target, SIGKILL);
    nap_until(Clock::now() + uniform_s(2, 8));
    std::string err;
    if (!restart(f.target, &err)) f.note = "restart failed: " + err;
  } else if (kind == "stop") {
    f.target = pick_member(f.layer, rng);
    {
      std::lock_guard lock(rec_mu_);
      stopped_.push_back(f.target);
    }
    kill_node(f.target, SIGSTOP);
    nap_until(Clock::now() + uniform_s(3, 8));
    kill_node(f.target, SIGCONT);
  } else if (kind == "isolate" || kind == "split" || kind == "layers") {
    std::vector<const DevnetNode*> a, b;
    std::chrono::seconds hold{30};
    if (kind == "isolate") f.target = pick_member(f.layer, rng);
    DevnetState snap;  // addresses and namespaces: fixed for the devnet's life
    {
      std::lock_guard lock(state_mu_);
      snap = state_;
    }
    auto ms = std::vector<const DevnetNode*>();
    for (const auto& n : snap.nodes)
      if (n.role == "member" && n.standby == 0 && n.layer == f.layer) ms.push_back(&n);
    if (kind == "isolate") {
      for (const auto& n : snap.nodes) (n.name == f.target ? a : b).push_back(&n);
      hold = uniform_s(10, 30);
    } else if (kind == "split") {
      for (std::size_t i = 0; i < ms.size(); ++i) (i < ms.size() / 2 ? a : b).push_back(ms[i]);
      f.target = f.layer + " split " + std::to_string(a.size()) + "/" + std::to_string(b.size());
    } else {
      std::string child = f.layer;
      if (devnet::parent_of(child).empty()) {  // the top: pick one of its subordinate layers
        std::vector<std::string> subs;
        for (const auto& l : layers)
          if (devnet::parent_of(l) == child) subs.push_back(l);
        if (subs.empty()) return f;
        child = subs[std::uniform_int_distribution<std::size_t>(0, subs.size() - 1)(rng)];
      }
      std::string parent = devnet::parent_of(child);
      for (const auto& n : snap.nodes) {
        if (n.role != "member" || n.standby != 0) continue;
        if (n.layer == child) a.push_back(&n);
        if (n.layer == parent) b.push_back(&n);
      }
      f.layer = child;
      f.target = child + " | " + parent;
      hold = 15s;
    }
    Status st = devnet::netns_partition(snap, a, b);
    if (!st.ok()) {
      f.note = st.message();
      (void)devnet::netns_heal(snap);
    } else {
      ++partitions_active_;
      nap_until(Clock::now() + hold);
      Status healed = devnet::netns_heal(snap);
      if (!healed.ok()) f.note = "heal: " + healed.message();
      --partitions_active_;
    }
  } else if (kind == "edge-restart") {
    const Pair& p = pairs_.front();
    std::string edge_layer = std::uniform_int_distribution<int>(0, 1)(rng) == 0 ? p.layer_a : p.layer_b;
    for (const auto& n : state_.nodes)
      if (n.role == "edge" && n.layer == edge_layer) f.target = n.name;
    f.layer = "";
    kill_node(f.target, SIGKILL);
    nap_until(Clock::now() + uniform_s(1, 3));
    std::string err;
    if (!restart(f.target, &err)) f.note = "restart failed: " + err;
  } else if (kind == "byzantine") {
    // The member's daemon is replaced by mlchain-consensus-forge holding its
    // key: it forges requests in a soak client's name (ids it never signed)
    // at every other member, which must refuse them; then the daemon returns.
    f.target = pick_member(f.layer, rng);
    auto ms = members(f.layer);
    kill_node(f.target, SIGKILL);
    std::vector<std::string> args = {o_.forge, "forged-ids"};
    std::size_t replica = 0;
    std::string key_file;
    for (std::size_t i = 0; i < ms.size(); ++i) {
      if (ms[i].name == f.target) {
        replica = i;
        key_file = ms[i].key_file;
      } else {
        args.push_back("--peer");
        args.push_back(ms[i].address + "=" + ms[i].public_key);
      }
    }
    std::string victim;
    {
      std::lock_guard lock(rec_mu_);
      for (const auto& op : ops_)
        if (op.layer == f.layer) victim = op.client;
    }
    if (victim.empty()) victim = std::string(64, 'a');
    args.insert(args.end(), {"--key", key_file, "--genesis", state_.genesis_hash.at(f.layer), "--replica",
                             std::to_string(replica), "--victim", victim, "--count", "8"});
    auto forge_until = Clock::now() + uniform_s(4, 8);
    std::string out;
    Status ran = devnet::run_tool(args, "", &out);
    f.note = ran.ok() ? "forge: " + out.substr(0, 200) : "forge failed: " + ran.message().substr(0, 300);
    while (!f.note.empty() && f.note.back() == '\n') f.note.pop_back();
    nap_until(forge_until);
    std::string err;
    if (!restart(f.target, &err)) f.note += "; restart failed: " + err;
  }
  f.end_ms = now_ms();
  if (!f.layer.empty()) f.heal_ms = probe_commit(state_, f.layer, 60'000ms);
  return f;
}

void Soak::fault_loop(Clock::time_point until) {
  std::vector<std::string> kinds;
  for (const auto& k : o_.faults.empty() ? kAllFaults : o_.faults) {
    bool partition = k == "isolate" || k == "split" || k == "layers";
    if (partition && !state_.netns) continue;  // needs namespaces
    if (k == "byzantine" && o_.forge.empty()) continue;
    kinds.push_back(k);
  }
  if (kinds.empty()) return;
  std::mt19937_64 rng(o_.seed);
  auto every = std::chrono::milliseconds(static_cast<std::int64_t>(parse_duration_ms(o_.fault_every, "", 3'600'000).value_or(10'000)));
  auto next = Clock::now() + every / 2;
  while (!g_interrupted) {
    nap_until(next);
    if (g_interrupted || Clock::now() >= until) break;
    std::string kind = kinds[std::uniform_int_distribution<std::size_t>(0, kinds.size() - 1)(rng)];
    FaultRecord f = inject(kind, rng);
    if (cli_.global.verbose > 0)
      cli_.info("soak: " + f.kind + " " + f.target + " (" + std::to_string((f.end_ms - f.start_ms) / 1000) +
                " s), commit again after " + std::to_string(f.heal_ms) + " ms" + (f.note.empty() ? "" : "; " + f.note));
    {
      std::lock_guard lock(rec_mu_);
      faults_.push_back(std::move(f));
    }
    next = std::max(next + every, Clock::now() + 2s);
  }
}

Status Soak::heal_all() {
  std::vector<std::string> stopped;
  {
    std::lock_guard lock(rec_mu_);
    stopped = stopped_;
  }
  for (const auto& name : stopped) kill_node(name, SIGCONT);
  if (state_.netns) MLCHAIN_TRY(devnet::netns_heal(state_));
  std::vector<std::string> names;
  for (const auto& n : state_.nodes) names.push_back(n.name);
  for (const auto& name : names) {
    std::string err;
    if (!restart(name, &err)) return internal_error("cannot restart " + name + ": " + err);
  }
  // Every node answers /readyz.
  auto deadline = Clock::now() + 90s;
  for (const auto& n : state_.nodes) {
    while (true) {
      auto r = net::https_request(n.address, "GET", "/readyz", {}, {}, options(n, 2'000ms));
      if (r.ok() && r->status == 200) break;
      if (Clock::now() >= deadline) return unavailable(n.name + " is not ready 90 s after the heal");
      std::this_thread::sleep_for(200ms);
    }
  }
  return {};
}

double rate_of(std::uint64_t n, double seconds) { return seconds > 0 ? static_cast<double>(n) / seconds : 0; }

int Soak::run() {
  auto duration_ms = parse_duration_ms(o_.duration, "--duration", 24 * 3'600'000ull);
  auto calibrate_ms = parse_duration_ms(o_.calibrate, "--calibrate", 3'600'000);
  auto every_ms = parse_duration_ms(o_.fault_every, "--fault-every", 3'600'000);
  auto catch_up_ms = parse_duration_ms(o_.catch_up, "--catch-up", 3'600'000);
  if (!duration_ms.ok()) return cli_.fail(duration_ms.status());
  if (!catch_up_ms.ok()) return cli_.fail(catch_up_ms.status());
  catch_up_ = std::chrono::milliseconds(*catch_up_ms);
  if (!calibrate_ms.ok()) return cli_.fail(calibrate_ms.status());
  if (!every_ms.ok()) return cli_.fail(every_ms.status());
  if (o_.fraction <= 0 || o_.fraction > 1) return cli_.fail(invalid_argument("--fraction must be in (0, 1]"));
  if (o_.op_workers == 0 || o_.op_workers > 64 || o_.pairs == 0 || o_.pairs > 64)
    return cli_.fail(invalid_argument("--op-workers and --pairs must be 1..64"));
  for (const auto& k : o_.faults)
    if (std::find(kAllFaults.begin(), kAllFaults.end(), k) == kAllFaults.end())
      return cli_.fail(invalid_argument("unknown fault kind '" + k + "'"),
                       "kinds: kill, stop, isolate, split, layers, edge-restart, byzantine");
  bool wants_partitions = o_.faults.empty() || std::any_of(o_.faults.begin(), o_.faults.end(), [](const auto& k) {
                            return k == "isolate" || k == "split" || k == "layers";
                          });
  if (state_.netns) {
    if (Status host = devnet::netns_host_check(); !host.ok()) return cli_.fail(invalid_argument(host.message()));
  } else if (wants_partitions && !o_.faults.empty()) {
    return cli_.fail(invalid_argument("partition faults need a devnet started with --netns"),
                     "start one with: mlchain devnet up --netns (as root), or leave isolate/split/layers out");
  }
  if (!o_.faults.empty() && std::find(o_.faults.begin(), o_.faults.end(), "byzantine") != o_.faults.end() &&
      o_.forge.empty())
    return cli_.fail(invalid_argument("the byzantine fault needs --forge PATH (tests' mlchain-consensus-forge)"));
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  // Ready?
  for (const auto& n : state_.nodes) {
    auto r = net::https_request(n.address, "GET", "/readyz", {}, {}, options(n, 3'000ms));
    if (!r.ok() || r->status != 200)
      return cli_.fail(unavailable(n.name + " (" + n.address + ") is not ready"), "see: mlchain devnet status --dir " + o_.devnet);
  }
  if (Status st = register_pairs(); !st.ok()) return cli_.fail(st.with_context("registering the soak's objects"));
  for (const auto& l : state_.topology.layers) op_layers_.push_back(l.path);
  std::uint64_t seed = o_.seed;
  cli_.info("soak: seed " + std::to_string(seed) + ", " + std::to_string(op_layers_.size()) + " layers x " +
            std::to_string(o_.op_workers) + " op clients, " + std::to_string(o_.pairs) + " object pairs " +
            pairs_.front().layer_a + " <-> " + pairs_.front().layer_b + (state_.netns ? ", separate hosts" : ", loopback"));
  std::uint64_t v1 = bench::measure_v1(1000ms);

  t0_ = Clock::now();
  std::vector<std::thread> load;
  for (const auto& l : op_layers_)
    for (unsigned w = 0; w < o_.op_workers; ++w) load.emplace_back([this, l, w] { op_worker(l, w); });
  for (unsigned i = 0; i < o_.pairs; ++i) load.emplace_back([this, i] { pair_worker(i); });

  // 1. Calibrate: flat out, no faults.
  cli_.info("soak: calibrating for " + o_.calibrate + " without faults");
  nap_until(t0_ + std::chrono::milliseconds(*calibrate_ms));
  std::int64_t cal_end = now_ms();
  std::uint64_t cal_ops = 0, cal_contracts = 0;
  {
    std::lock_guard lock(rec_mu_);
    for (const auto& r : ops_) cal_ops += r.acked ? 1 : 0;
    for (const auto& r : contracts_) cal_contracts += r.acked ? 1 : 0;
  }
  double cal_s = static_cast<double>(cal_end) / 1000;
  double op_rate = rate_of(cal_ops, cal_s), contract_rate = rate_of(cal_contracts, cal_s);
  if (op_rate <= 0 || contract_rate <= 0) {
    stop_load_ = true;
    for (auto& t : load) t.join();
    return cli_.fail(unavailable("no fault-free throughput to calibrate against (" + std::to_string(cal_ops) + " ops, " +
                                 std::to_string(cal_contracts) + " contracts acknowledged in " + o_.calibrate + ")"));
  }
  double op_workers = static_cast<double>(op_layers_.size() * o_.op_workers);
  op_interval_ms_ = 1000.0 * op_workers / (o_.fraction * op_rate);
  contract_interval_ms_ = 1000.0 * static_cast<double>(o_.pairs) / (o_.fraction * contract_rate);
  char buf[200];
  std::snprintf(buf, sizeof buf, "soak: fault-free %.1f ops/s, %.1f contracts/s; now paced at %.0f%% of that with faults",
                op_rate, contract_rate, o_.fraction * 100);
  cli_.info(buf);

  // 2. Soak: paced load, faults until 20 s before the end.
  std::int64_t soak_start = now_ms();
  auto soak_end = Clock::now() + std::chrono::milliseconds(*duration_ms);
  auto faults_until = soak_end - std::min<Clock::duration>(20s, std::chrono::milliseconds(*duration_ms) / 4);
  progress_.emplace(Progress::for_stderr(cli_, "soak", 0, "contracts"));
  std::thread faults([&] { fault_loop(faults_until); });
  nap_until(soak_end);
  faults.join();
  std::int64_t soak_stop = now_ms();
  stop_load_ = true;
  for (auto& t : load) t.join();
  progress_->finish();

  // 3. Heal.
  cli_.info("soak: healing (continue, heal partitions, restart what is down) and waiting for every node");
  Status healed = heal_all();
  // What arrived after the workers' last drain.
  for (auto& p : pairs_) {
    net::HttpsClientOptions copts;
    copts.total_timeout = 30'000ms;
    auto ca = net::HttpsConnection::create(p.edge_a, copts);
    auto cb = net::HttpsConnection::create(p.edge_b, copts);
    if (ca.ok() && cb.ok()) {
      drain(*ca, *p.a, p.last_a);
      drain(*cb, *p.b, p.last_b);
    }
  }

  // 4. Check.
  CheckInput in;
  in.state = &state_;
  in.ops = ops_;
  in.contracts = contracts_;
  in.delivered = delivered_;
  in.admin_key = state_.admin_key;
  in.prove_limit = o_.prove;
  in.seed = seed;
  CheckResult checked;
  if (healed.ok() && !g_interrupted) {
    checked = check(in, cli_);
  } else {
    checked.violations.push_back({"not_ready", g_interrupted ? "interrupted" : healed.message()});
  }
  if (drain_errors_ > 0) checked.figures["drain_errors"] = drain_errors_.load();

  // 5. Report.
  double soak_s = static_cast<double>(soak_stop - soak_start) / 1000;
  std::uint64_t ops_total = 0, ops_acked = 0, ops_acked_soak = 0;
  for (const auto& r : ops_) {
    ++ops_total;
    ops_acked += r.acked;
    ops_acked_soak += r.acked && r.sent_ms >= soak_start;
  }
  std::uint64_t c_total = 0, c_acked = 0, c_acked_soak = 0, c_answered = 0, c_unanswered = 0, over5 = 0,
                over5_quiet = 0, over10_quiet = 0;
  std::vector<double> latencies;
  std::map<std::string, std::uint64_t> codes;
  // A partition "of its route" overlapped the contract: a layer it crosses
  // split, or the link between two layers it crosses cut. An isolated
  // member is no excuse (f = 1 tolerates it), nor is any other fault.
  // The high-level layers a contract crosses: up from its edge to the
  // lowest common ancestor, and down from there.
  auto route_of = [](const std::string& from, const std::string& to) {
    std::vector<std::string> up, down;
    for (std::string l = devnet::parent_of(from); !l.empty(); l = devnet::parent_of(l)) up.push_back(l);
    for (std::string l = devnet::parent_of(to); !l.empty(); l = devnet::parent_of(l)) down.push_back(l);
    std::set<std::string> route;
    for (const auto& l : up) {
      route.insert(l);
      if (std::find(down.begin(), down.end(), l) != down.end()) break;
    }
    for (const auto& l : down) {
      route.insert(l);
      if (std::find(up.begin(), up.end(), l) != up.end()) break;
    }
    return route;
  };
  auto cuts_route = [](const FaultRecord& f, const std::set<std::string>& route) {
    if (f.kind == "split") return route.count(f.layer) != 0;
    return f.kind == "layers" && route.count(f.layer) != 0 && route.count(devnet::parent_of(f.layer)) != 0;
  };
  for (auto& r : contracts_) {
    auto end = r.sent_ms + static_cast<std::int64_t>(r.latency_ms);
    auto route = route_of(r.from_layer, r.to_layer);
    r.partition_overlap = false;
    for (const auto& f : faults_)
      if (f.start_ms < end && f.end_ms > r.sent_ms && cuts_route(f, route)) r.partition_overlap = true;
  }
  // The soak's time outside partitions of any pair's route (their union
  // clipped to the soak), and the contracts acknowledged that no partition
  // of their route touched: the contract rate where the faults left a path.
  std::set<std::string> routes;
  for (const auto& p : pairs_)
    for (const auto& l : route_of(p.layer_a, p.layer_b)) routes.insert(l);
  std::vector<std::pair<std::int64_t, std::int64_t>> cut;
  for (const auto& f : faults_)
    if (cuts_route(f, routes) && f.end_ms > f.start_ms)
      cut.emplace_back(std::max(f.start_ms, soak_start), std::min(f.end_ms, soak_stop));
  std::sort(cut.begin(), cut.end());
  std::int64_t cut_ms = 0, covered_to = soak_start;
  for (const auto& [a, b] : cut) {
    std::int64_t from = std::max(a, covered_to);
    if (b > from) cut_ms += b - from;
    covered_to = std::max(covered_to, b);
  }
  for (const auto& r : contracts_) {
    ++c_total;
    if (r.acked) {
      ++c_acked;
      latencies.push_back(r.latency_ms);
      if (r.sent_ms >= soak_start) ++c_acked_soak;
      if (r.latency_ms > 5'000) ++over5;
      if (r.latency_ms > 5'000 && !r.partition_overlap) ++over5_quiet;
      if (r.latency_ms > 10'000 && !r.partition_overlap) ++over10_quiet;
    } else {
      ++codes[r.code];
      ++(r.answered_failure ? c_answered : c_unanswered);
    }
  }
  std::map<std::string, std::uint64_t> by_kind;
  std::int64_t heal_max = -1;
  codec::Json fault_list = codec::Json::array();
  for (const auto& f : faults_) {
    ++by_kind[f.kind];
    heal_max = std::max(heal_max, f.heal_ms);
    fault_list.push_back({{"kind", f.kind}, {"target", f.target}, {"layer", f.layer}, {"start_ms", f.start_ms},
                          {"end_ms", f.end_ms}, {"heal_ms", f.heal_ms}, {"note", f.note}});
    bool partition = f.kind == "isolate" || f.kind == "split" || f.kind == "layers";
    if (partition && (f.heal_ms < 0 || f.heal_ms > 10'000))
      checked.violations.push_back({"heal_time", f.layer + " did not commit within 10 s after " + f.kind + " " +
                                                     f.target + " was healed (" + std::to_string(f.heal_ms) + " ms)"});
  }
  // Each contract over 5 s, with its route and the faults it overlapped:
  // where a slow contract's time went.
  codec::Json slow = codec::Json::array();
  for (const auto& r : contracts_) {
    if (!r.acked || r.latency_ms <= 5'000 || slow.size() >= 200) continue;
    auto end = r.sent_ms + static_cast<std::int64_t>(r.latency_ms);
    codec::Json during = codec::Json::array();
    for (const auto& f : faults_)
      if (f.start_ms < end && (f.end_ms == 0 ? end : f.end_ms) + 3'000 > r.sent_ms)
        during.push_back(f.kind + " " + f.target + " [" + std::to_string(f.start_ms) + ", " +
                         std::to_string(f.end_ms) + "] ms");
    slow.push_back({{"sent_ms", r.sent_ms},
                    {"latency_ms", static_cast<std::int64_t>(r.latency_ms)},
                    {"from", r.from_layer},
                    {"to", r.to_layer},
                    {"partition", r.partition_overlap},
                    {"route", r.route},
                    {"faults", during}});
  }
  double op_under = rate_of(ops_acked_soak, soak_s), c_under = rate_of(c_acked_soak, soak_s);
  std::uint64_t c_acked_open = 0;
  for (const auto& r : contracts_) c_acked_open += r.acked && r.sent_ms >= soak_start && !r.partition_overlap;
  double open_s = soak_s - static_cast<double>(cut_ms) / 1000, c_open = rate_of(c_acked_open, open_s);
  codec::Json violations = codec::Json::array();
  std::map<std::string, std::uint64_t> violation_kinds;
  for (const auto& v : checked.violations) {
    violations.push_back({{"kind", v.kind}, {"detail", v.detail}});
    ++violation_kinds[v.kind];
  }
  auto count_of = [&](const std::string& k) { return violation_kinds.count(k) ? violation_kinds.at(k) : 0; };
  const auto& dc = checked.figures.value("contracts_delivered_check", codec::Json::object());
  codec::Json report = {
      {"seed", seed},
      {"devnet", state_.dir},
      {"separate_hosts", state_.netns.has_value()},
      {"duration_s", soak_s},
      {"v1_verify_per_second", v1},
      {"calibration", {{"seconds", cal_s}, {"ops_per_second", op_rate}, {"contracts_per_second", contract_rate}}},
      {"offered_fraction", o_.fraction},
      {"catch_up_s", static_cast<double>(catch_up_.count()) / 1000},
      {"ops",
       {{"attempted", ops_total},
        {"acknowledged", ops_acked},
        {"unacknowledged", ops_total - ops_acked},
        {"lost", count_of("lost_op")},
        {"duplicated", count_of("duplicated_op")},
        {"per_second_under_faults", op_under},
        {"fraction_of_fault_free", op_rate > 0 ? op_under / op_rate : 0}}},
      {"contracts",
       {{"attempted", c_total},
        {"acknowledged", c_acked},
        {"answered_failure", c_answered},
        {"unanswered", c_unanswered},
        {"failure_codes", codes},
        {"lost", dc.value("lost", 0)},
        {"duplicated", dc.value("duplicated", 0)},
        {"reported_failed_but_delivered", dc.value("reported_failed_but_delivered", 0)},
        {"unanswered_but_delivered", dc.value("unanswered_but_delivered", 0)},
        {"per_second_under_faults", c_under},
        {"fraction_of_fault_free", contract_rate > 0 ? c_under / contract_rate : 0},
        {"outside_route_partitions",
         {{"seconds", open_s},
          {"acknowledged", c_acked_open},
          {"per_second", c_open},
          {"fraction_of_fault_free", contract_rate > 0 ? c_open / contract_rate : 0}}},
        {"latency_us", bench::latency_json(latencies)},
        {"over_5s", over5},
        {"over_5s_outside_partitions", over5_quiet},
        {"over_10s_outside_partitions", over10_quiet},
        {"slow", slow}}},
      {"faults", {{"count", faults_.size()}, {"by_kind", by_kind}, {"max_heal_ms", heal_max}, {"list", fault_list}}},
      {"check", checked.figures},
      {"violations", violations},
      {"ok", checked.violations.empty()}};
  if (!o_.report.empty()) {
    std::ofstream f(o_.report);
    f << report.dump(2) << "\n";
    if (!f) cli_.info("warning: cannot write the report to " + o_.report);
  }
  if (cli_.json()) {
    cli_.print_json(report);
  } else {
    char line[400];
    std::vector<std::pair<std::string, std::string>> rows;
    rows.emplace_back("seed", std::to_string(seed) + (state_.netns ? " (separate hosts)" : " (loopback)"));
    std::snprintf(line, sizeof line, "%.0f s, %zu faults, longest wait for the next commit after one: %lld ms", soak_s,
                  faults_.size(), static_cast<long long>(heal_max));
    rows.emplace_back("soak", line);
    std::string kinds;
    for (const auto& [k, n] : by_kind) kinds += (kinds.empty() ? "" : ", ") + k + " " + std::to_string(n);
    rows.emplace_back("faults", kinds.empty() ? "none" : kinds);
    std::snprintf(line, sizeof line, "%llu acknowledged of %llu; %.1f/s under faults = %.2f of fault-free %.1f/s",
                  static_cast<unsigned long long>(ops_acked), static_cast<unsigned long long>(ops_total), op_under,
                  op_rate > 0 ? op_under / op_rate : 0, op_rate);
    rows.emplace_back("layer ops", line);
    std::snprintf(line, sizeof line,
                  "%llu acknowledged of %llu (%llu told failed, %llu unanswered); %.2f/s under faults = %.2f of "
                  "fault-free %.2f/s",
                  static_cast<unsigned long long>(c_acked), static_cast<unsigned long long>(c_total),
                  static_cast<unsigned long long>(c_answered), static_cast<unsigned long long>(c_unanswered), c_under,
                  contract_rate > 0 ? c_under / contract_rate : 0, contract_rate);
    rows.emplace_back("contracts", line);
    std::snprintf(line, sizeof line, "%.2f/s = %.2f of fault-free in the %.0f s no partition cut their route",
                  c_open, contract_rate > 0 ? c_open / contract_rate : 0, open_s);
    rows.emplace_back("  outside", line);
    std::snprintf(line, sizeof line, "%llu over 5 s (%llu outside partitions), %llu over 10 s outside partitions",
                  static_cast<unsigned long long>(over5), static_cast<unsigned long long>(over5_quiet),
                  static_cast<unsigned long long>(over10_quiet));
    rows.emplace_back("slow", line);
    std::string v = checked.violations.empty() ? "none" : "";
    for (const auto& [k, n] : violation_kinds) v += (v.empty() ? "" : ", ") + k + " " + std::to_string(n);
    rows.emplace_back("violations", v);
    if (!o_.report.empty()) rows.emplace_back("report", o_.report);
    cli_.print_fields(rows);
    for (std::size_t i = 0; i < checked.violations.size() && i < 20; ++i)
      cli_.info("violation: " + checked.violations[i].kind + ": " + checked.violations[i].detail);
  }
  return checked.violations.empty() ? kExitOk : kExitFailed;
}

int run_soak(const SoakOptions& o, const Cli& cli) {
  auto state = devnet::load_for(o.devnet);
  if (!state.ok()) return cli.fail(invalid_argument(state.status().message()), "start one with: mlchain devnet up");
  SoakOptions opts = o;
  if (opts.seed == 0) opts.seed = static_cast<std::uint64_t>(std::random_device{}()) | 1;
  Soak soak(opts, cli, std::move(state).value());
  return soak.run();
}

}  // namespace

void setup_bench_soak(CLI::App* bench, Cli& cli) {
  auto o = std::make_shared<SoakOptions>();
  auto* c = bench->add_subcommand(
      "soak", "Load a devnet for minutes under seeded faults, then check nothing acknowledged was lost.");
  cli.file(c->add_option("--devnet", o->devnet, "The devnet's directory (default ./devnet).")->type_name("DIR"));
  c->add_option("--duration", o->duration, "How long the faults and paced load last: 10m, 150s.")->capture_default_str();
  c->add_option("--calibrate", o->calibrate, "Fault-free run first, flat out, to measure the rates.")->capture_default_str();
  c->add_option("--fraction", o->fraction, "Offered load as a fraction of the fault-free rates.")->capture_default_str();
  c->add_option("--catch-up", o->catch_up,
                "A sender held up by a fault makes up at most this much of the sends it missed, flat out, "
                "afterwards (0s: none; the missed sends are dropped).")
      ->capture_default_str();
  c->add_option("--fault-every", o->fault_every, "One fault starts this often (each waits for the last to end).")
      ->capture_default_str();
  c->add_option("--fault", o->faults,
                "Fault kinds to draw from (repeatable): kill, stop, isolate, split, layers, edge-restart, byzantine. "
                "Default: all the devnet allows.")
      ->type_name("KIND");
  c->add_option("--seed", o->seed, "Seed of the fault schedule (default: random, printed).")->type_name("N");
  cli.file(c->add_option("--report", o->report, "Also write the JSON report to FILE.")->type_name("FILE"));
  cli.file(c->add_option("--forge", o->forge, "mlchain-consensus-forge (built with the tests) for the byzantine fault.")
               ->type_name("PATH"));
  c->add_option("--op-workers", o->op_workers, "Op clients per high-level layer.")->capture_default_str();
  c->add_option("--pairs", o->pairs, "Object pairs sending contracts both ways.")->capture_default_str();
  c->add_option("--prove", o->prove, "Prove this many acknowledged contracts (a seeded sample); 0: all.")
      ->capture_default_str();
  c->footer(
      "Calibrates without faults, then paces layer ops (every high-level layer) and contracts between\n"
      "two edge layers whose route crosses the top layer at --fraction of the fault-free rates while\n"
      "one fault at a time is injected; partition faults need a --netns devnet. After healing it checks:\n"
      "every acknowledged op is in its chain once, every acknowledged contract delivered exactly once\n"
      "and its block on every layer crossed proven offline, no message reported failed yet delivered,\n"
      "identical blocks on every member at every height, each layer commits within 10 s of the heal,\n"
      "selfcheck --layer passes. Restarted nodes' pids go into devnet.json (devnet down stops them).\n"
      "Exit status: 0 no violation, 1 a violation (listed), 2 bad options, 3 the devnet is not ready.\n"
      "docs/reliability.md describes the report.\n"
      "Examples:\n"
      "  mlchain bench soak --devnet /tmp/hosts --duration 10m --seed 7 --report soak.json\n"
      "  mlchain bench soak --duration 2m --fault kill --fault stop -o json | jq .violations");
  c->callback([o, &cli] { cli.exit_code = run_soak(*o, cli); });
}

}  // namespace mlchain::cli
