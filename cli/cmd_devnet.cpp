// mlchain devnet up|status|down: a whole topology on 127.0.0.1 (DESIGN §8),
// one process per node, for demos, the README and tests. docs/devnet.md.
//
// `up` writes everything under DIR from generated keys, by the same library
// code the manual commands use (key gen, layer create), then fork/execs
// `/proc/self/exe node run --config DIR/nodes/<name>.toml` per node, each in
// its own session (it outlives `up`, and a Ctrl-C in the terminal does not
// reach it), output to DIR/logs/<name>.log. The state file DIR/devnet.json
// records every node with its pid and the absolute config path; `down` only
// signals a pid whose /proc/<pid>/cmdline still names that config, so an
// unrelated process that reused the pid is never touched.
//
// Files under DIR (paths in node configs are relative, so DIR can be moved
// while stopped):
//   devnet.json                 state (schema in docs/devnet.md)
//   admin.pem                   admin key of every layer and edge node
//   keys/<name>.pem             node identities (mode 0600)
//   layers/<path>/blueprint.toml, layers/<path>/genesis.json
//   standby-layers/<path>-s<k>/   the same for standby k of a layer
//   nodes/<name>.toml           node configs      data/<name>/   LMDB stores
//   logs/<name>.log             daemon output     logs/attach-<name>.log
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "cli.h"
#include "devnet_netns.h"
#include "devnet_state.h"
#include "devnet_topology.h"
#include "mlchain/config/blueprint_toml.h"
#include "mlchain/crypto/cert.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/crypto/hash.h"
#include "mlchain/ledger/ledger.h"
#include "mlchain/net/https_client.h"
#include "progress.h"

namespace mlchain::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace devnet;  // NOLINT: the topology and state model (devnet_topology.h, devnet_state.h)

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}


// ---------------------------------------------------------------- processes

// Can we bind 127.0.0.1:port (as the daemon will, with SO_REUSEADDR)?
bool port_free(unsigned port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// ---------------------------------------------------------------- probes

struct Probe {
  std::string health;  // ready | not ready | unreachable | dead
  std::string reason;
  std::optional<std::uint64_t> height, view;
};

Result<net::Response> get(const DevnetNode& n, const std::string& target, std::chrono::milliseconds timeout) {
  net::HttpsClientOptions o;
  o.connect_timeout = timeout;
  o.total_timeout = timeout;
  o.max_response_bytes = 1 << 20;
  if (auto k = crypto::PublicKey::from_hex(n.public_key); k.ok()) o.server_key = *k;  // pinned: it is our node
  return net::https_request(n.address, "GET", target, {}, {}, o);
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

// /readyz: 200 "ready", else 503 "not ready: why".
// No pid check here: `up` watches its own children with waitpid (a child
// between fork and exec does not show its config in cmdline yet).
Probe probe_ready(const DevnetNode& n, std::chrono::milliseconds timeout) {
  auto r = get(n, "/readyz", timeout);
  if (!r.ok()) return {"unreachable", r.status().message(), {}, {}};
  if (r->status == 200) return {"ready", "", {}, {}};
  std::string why = trim(r->body);
  if (why.rfind("not ready: ", 0) == 0) why = why.substr(11);
  return {"not ready", why.empty() ? "HTTP " + std::to_string(r->status) : why, {}, {}};
}

Probe probe_status(const DevnetNode& n) {
  constexpr std::chrono::milliseconds kTimeout{2'000};
  if (pid_state(n.pid, n.config) != PidState::kOurs)
    return {"dead", "pid " + std::to_string(n.pid) + " is not running; see " + n.log, {}, {}};
  if (n.role == "edge") {
    Probe p = probe_ready(n, kTimeout);  // the pid was checked above
    if (p.health != "ready") return p;
    auto e = get(n, "/v1/edge", kTimeout);
    if (!e.ok() || e->status != 200) return {"not ready", "/v1/edge does not answer", {}, {}};
    auto j = codec::parse(e->body);
    if (!j.ok() || j->value("layer", "") != n.layer)
      return {"not ready", "answers as another edge layer (" + (j.ok() ? j->value("layer", "?") : "?") + ")", {}, {}};
    return p;
  }
  auto r = get(n, "/v1/status", kTimeout);
  if (!r.ok()) return {"unreachable", r.status().message(), {}, {}};
  auto j = codec::parse(r->body);
  if (r->status != 200 || !j.ok())
    return {"not ready", "/v1/status answered HTTP " + std::to_string(r->status), {}, {}};
  Probe p;
  p.height = j->value("height", std::uint64_t{0});
  p.view = j->value("view", std::uint64_t{0});
  if (j->value("ready", false)) {
    p.health = "ready";
  } else {
    p.health = "not ready";
    p.reason = j->value("not_ready_reason", "");
    if (j->value("role", "member") != "member")
      p.reason += (p.reason.empty() ? "" : "; ") + std::string("role ") + j->value("role", "");
  }
  return p;
}

// An edge that answers is not enough: its superior must record it (an
// interrupted `devnet up` may have stopped before attaching it). "" when one
// of the superior's members lists the edge's path with its key, or when none
// answers (unknown: their own rows say they are down, the edge is not blamed).
std::string attachment_problem(const DevnetState& s, const DevnetNode& edge) {
  std::string superior = parent_of(edge.layer);
  for (const auto& m : s.nodes) {
    if (m.role != "member" || m.standby != 0 || m.layer != superior) continue;
    auto r = get(m, "/v1/layer", std::chrono::milliseconds(2'000));
    if (!r.ok() || r->status != 200) continue;
    auto j = codec::parse(r->body);
    if (!j.ok() || !j->contains("subordinates") || !(*j)["subordinates"].is_array()) continue;
    for (const auto& sub : (*j)["subordinates"]) {
      if (sub.value("path", "") != edge.layer) continue;
      if (sub.contains("keys") && sub["keys"].is_array())
        for (const auto& k : sub["keys"])
          if (k.is_string() && k.get<std::string>() == edge.public_key) return "";
    }
    return superior + " does not record " + edge.layer + " with its key; attach it: mlchain layer attach --path " +
           edge.layer + " --key " + edge.key_file + " --address " + edge.address + " --admin-key " + s.admin_key +
           " --node " + m.address + " (or mlchain devnet down --dir " + s.dir + ", then devnet up --dir " + s.dir +
           ", which attaches every edge)";
  }
  return "";
}

std::vector<Probe> probe_all(const std::vector<DevnetNode>& nodes) {
  std::vector<std::future<Probe>> futures;
  for (const auto& n : nodes) futures.push_back(std::async(std::launch::async, [&n] { return probe_status(n); }));
  std::vector<Probe> out;
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.resize(w, ' ');
  return s;
}

std::string table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> w(head.size());
  for (std::size_t i = 0; i < head.size(); ++i) w[i] = head[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    std::string s;
    for (std::size_t i = 0; i < r.size(); ++i) s += (i + 1 == r.size() ? r[i] : pad(r[i], w[i] + 2));
    return s + "\n";
  };
  std::string out = line(head);
  for (const auto& r : rows) out += line(r);
  return out;
}

// ---------------------------------------------------------------- up

struct UpOptions {
  std::string dir = "./devnet";
  std::string topology;
  unsigned base_port = 0;  // 0: kDefaultBasePort
  unsigned timeout_s = 120;
  bool netns = false;
  std::string subnet;
};

Result<crypto::PublicKey> make_key(const fs::path& file, const std::string& name) {
  MLCHAIN_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::generate());
  MLCHAIN_ASSIGN_OR_RETURN(auto cert, crypto::make_self_signed_certificate(key, name, std::chrono::hours(24 * 3650)));
  MLCHAIN_TRY(crypto::write_file_atomic(file, key.to_pem() + cert, 0600, false));
  return key.public_key();
}

Status write_text(const fs::path& file, const std::string& text) {
  return crypto::write_file_atomic(file, text, 0644, true);
}

std::string member_toml(const char* table, const DevnetNode& n) {
  return std::string("[[") + table + "]]\nname = \"" + n.name + "\"\npublic_key = \"" + n.public_key +
         "\"\naddress = \"" + n.address + "\"\n";
}

// Keys, blueprints, genesis files and node configs for the whole topology.
// With `netns`, every node is a host of its own: its own address on the
// devnet's bridge, every one listening on `base_port`.
Result<DevnetState> generate(const Topology& topo, unsigned base_port, const fs::path& dir,
                             const std::optional<NetnsPlan>& netns, const Cli& cli) {
  DevnetState s;
  s.dir = dir.string();
  s.base_port = base_port;
  s.topology = topo;
  s.netns = netns;
  for (const char* sub : {"keys", "layers", "nodes", "data", "logs"}) {
    std::error_code ec;
    fs::create_directories(dir / sub, ec);
    if (ec) return io_error("cannot create " + (dir / sub).string() + ": " + ec.message());
  }
  s.admin_key = (dir / "admin.pem").string();
  MLCHAIN_ASSIGN_OR_RETURN(auto admin, make_key(s.admin_key, "admin"));
  s.admin_public_key = admin.hex();

  auto prefixes = name_prefixes(topo);
  unsigned port = base_port;
  auto add_node = [&](const std::string& layer, const std::string& role, const std::string& name,
                      int standby = 0) -> Status {
    DevnetNode n;
    n.name = name;
    n.layer = layer;
    n.role = role;
    n.standby = standby;
    if (netns) {
      n.port = base_port;
      n.netns = netns_name(*netns, name);
      n.ip = netns_ip(*netns, s.nodes.size());
    } else {
      n.port = port++;
    }
    n.address = "https://" + (netns ? n.ip : std::string("127.0.0.1")) + ":" + std::to_string(n.port);
    n.key_file = (dir / "keys" / (name + ".pem")).string();
    n.config = (dir / "nodes" / (name + ".toml")).string();
    n.log = (dir / "logs" / (name + ".log")).string();
    MLCHAIN_ASSIGN_OR_RETURN(auto key, make_key(n.key_file, name));
    n.public_key = key.hex();
    s.nodes.push_back(std::move(n));
    return Status();
  };
  for (const auto& l : topo.layers)
    for (int i = 1; i <= l.nodes; ++i)
      MLCHAIN_TRY(add_node(l.path, "member", prefixes[l.path] + "-n" + std::to_string(i)));
  for (const auto& e : topo.edges) MLCHAIN_TRY(add_node(e, "edge", prefixes[e]));
  for (const auto& b : topo.standbys)  // after the edges: existing topologies keep their ports
    for (int i = 1; i <= b.nodes; ++i)
      MLCHAIN_TRY(add_node(b.path, "member",
                           prefixes[b.path] + "s" + std::to_string(b.ordinal) + "-n" + std::to_string(i), b.ordinal));
  cli.info("generated " + std::to_string(s.nodes.size() + 1) + " keys in " + (dir / "keys").string() +
           " (admin: " + s.admin_key + ")");

  auto members_of = [&](const std::string& layer, int standby = 0) {
    std::vector<const DevnetNode*> out;
    for (const auto& n : s.nodes)
      if (n.layer == layer && n.standby == standby) out.push_back(&n);
    return out;
  };
  auto genesis_time =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  // The blueprint of layer `l` (standby 0) or of its standby k: the same
  // text but for [[members]]. Without standbys in the topology it is what it
  // was before standbys existed, byte for byte (same genesis hashes).
  auto blueprint_text = [&](const TopologyLayer& l, int standby) {
    std::string bp = "# Generated by mlchain devnet up (docs/devnet.md, docs/blueprint.md).\n";
    bp += "layer = \"" + l.path + "\"\ngenesis_time = " + std::to_string(genesis_time) + "\n";
    bp += "admin_keys = [\"" + s.admin_public_key +
          "\"]\n\n[consensus]\nrequest_timeout_ms = 1000\nview_change_timeout_ms = 2000\n\n";
    // A standby numbers its contract blocks from k * 10^9 + 1, so its ids
    // never name a block of the original's chain (docs/blueprint.md).
    if (l.forward_to_all || standby > 0) {
      bp += "[contracts]\n";
      if (l.forward_to_all) bp += "forwarding = \"all\"\n";
      if (standby > 0) bp += "first_id = " + std::to_string(standby) + "000000001\n";
      bp += "\n";
    }
    for (const auto* m : members_of(l.path, standby)) bp += member_toml("members", *m);
    std::string parent = parent_of(l.path);
    if (!parent.empty()) {
      bp += "\n[superior]\npath = \"" + parent + "\"\n";
      for (const auto* m : members_of(parent)) bp += member_toml("superior.members", *m);
      for (const auto& b : topo.standbys) {  // in ordinal order: the file order
        if (b.path != parent) continue;
        bp += "\n[[alternate_superiors]]\npath = \"" + parent + "\"\n";
        for (const auto* m : members_of(parent, b.ordinal)) bp += member_toml("alternate_superiors.members", *m);
      }
    }
    auto add_sub = [&](const std::string& path) {
      bp += "\n[[subordinates]]\npath = \"" + path + "\"\n";
      for (const auto* m : members_of(path)) bp += member_toml("subordinates.members", *m);
    };
    for (const auto& c : topo.layers)
      if (parent_of(c.path) == l.path) add_sub(c.path);
    for (const auto& e : topo.edges)
      if (parent_of(e) == l.path) add_sub(e);
    return bp;
  };
  // Writes ldir/blueprint.toml and ldir/genesis.json; returns the genesis hash.
  auto write_layer = [&](const fs::path& ldir, const std::string& bp) -> Result<std::string> {
    std::error_code ec;
    fs::create_directories(ldir, ec);
    if (ec) return io_error("cannot create " + ldir.string() + ": " + ec.message());
    MLCHAIN_TRY(write_text(ldir / "blueprint.toml", bp));
    // What `mlchain layer create` does (cmd_layer.cpp), on the file just written.
    MLCHAIN_ASSIGN_OR_RETURN(auto blueprint, config::load_blueprint_file(ldir / "blueprint.toml"));
    ledger::Block genesis = ledger::make_genesis(blueprint);
    std::string hash = crypto::digest_hex(genesis.hash());
    codec::Json doc = {
        {"blueprint", ledger::to_json(blueprint)}, {"genesis", ledger::to_json(genesis)}, {"genesis_hash", hash}};
    MLCHAIN_ASSIGN_OR_RETURN(auto text, codec::canonical(doc));
    MLCHAIN_TRY(write_text(ldir / "genesis.json", text + "\n"));
    return hash;
  };
  for (const auto& l : topo.layers) {
    MLCHAIN_ASSIGN_OR_RETURN(s.genesis_hash[l.path], write_layer(dir / "layers" / l.path, blueprint_text(l, 0)));
  }
  cli.info("wrote blueprints and genesis files of " + std::to_string(topo.layers.size()) + " layers in " +
           (dir / "layers").string());
  for (const auto& b : topo.standbys) {
    auto l = std::find_if(topo.layers.begin(), topo.layers.end(), [&](const auto& x) { return x.path == b.path; });
    if (l == topo.layers.end()) return invalid_argument("standby of unlisted layer " + b.path);  // validated before
    std::string id = standby_id(b.path, b.ordinal);
    MLCHAIN_ASSIGN_OR_RETURN(s.standby_genesis_hash[id],
                             write_layer(dir / "standby-layers" / id, blueprint_text(*l, b.ordinal)));
  }
  if (!topo.standbys.empty())
    cli.info("wrote blueprints and genesis files of " + std::to_string(topo.standbys.size()) + " standby layer" +
             (topo.standbys.size() == 1 ? "" : "s") + " in " + (dir / "standby-layers").string());

  for (const auto& n : s.nodes) {
    std::string cfg = "# Generated by mlchain devnet up. Paths are relative to this file.\n";
    cfg += (n.role == "edge" ? "role = \"edge\"\n" : "");
    cfg += "name = \"" + n.name + "\"\nkey_file = \"../keys/" + n.name +
           ".pem\"\nlisten = \"" + (n.ip.empty() ? std::string("127.0.0.1") : n.ip) + ":" +
           std::to_string(n.port) + "\"\ndata_dir = \"../data/" + n.name + "\"\n";
    if (n.role == "edge") {
      cfg += "layer = \"" + n.layer + "\"\nadmin_keys = [\"" + s.admin_public_key +
             "\"]\ncredentials = [\"ed25519\", \"hmac\"]\n";
    } else {
      std::string layer_dir =
          n.standby == 0 ? "layers/" + n.layer : "standby-layers/" + standby_id(n.layer, n.standby);
      cfg += "genesis = \"../" + layer_dir + "/genesis.json\"\nreview_interval_ms = 30000\n";
    }
    cfg += "log_format = \"text\"\n";
    if (n.role == "edge") {  // its superior: for the address book and contracts
      std::string parent = parent_of(n.layer);
      cfg += "\n[superior]\npath = \"" + parent + "\"\ngenesis = \"../layers/" + parent + "/genesis.json\"\n";
    }
    MLCHAIN_TRY(write_text(n.config, cfg));
  }
  return s;
}

// Waits until every node answers /readyz with 200, or a process dies, or the
// deadline passes. Returns the names still not ready with why.
std::vector<std::string> wait_ready(DevnetState& s, unsigned timeout_s, const Cli& cli) {
  Progress line(Progress::for_stderr(cli, "devnet up", s.nodes.size(), "ready"));
  auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  std::vector<bool> ready(s.nodes.size(), false);
  std::vector<std::string> why(s.nodes.size(), "not probed yet");
  std::vector<bool> dead(s.nodes.size(), false);
  while (true) {
    std::vector<std::future<Probe>> futures(s.nodes.size());
    for (std::size_t i = 0; i < s.nodes.size(); ++i) {
      if (ready[i] || dead[i]) continue;
      int status = 0;
      if (::waitpid(s.nodes[i].pid, &status, WNOHANG) == s.nodes[i].pid) {  // our child: reap it
        dead[i] = true;
        why[i] = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                   : "killed by signal " + std::to_string(WTERMSIG(status));
        continue;
      }
      const DevnetNode& n = s.nodes[i];
      futures[i] = std::async(std::launch::async, [&n] { return probe_ready(n, std::chrono::milliseconds(1'500)); });
    }
    std::size_t done = 0;
    std::string waiting;
    for (std::size_t i = 0; i < s.nodes.size(); ++i) {
      if (futures[i].valid()) {
        Probe p = futures[i].get();
        if (p.health == "ready")
          ready[i] = true;
        else
          why[i] = p.reason;
      }
      if (ready[i])
        ++done;
      else if (waiting.size() < 60)
        waiting += (waiting.empty() ? "" : " ") + s.nodes[i].name;
    }
    line.set(done);
    line.set_status(done == s.nodes.size() ? "" : "waiting for " + waiting);
    bool any_dead = std::find(dead.begin(), dead.end(), true) != dead.end();
    if (done == s.nodes.size() || any_dead || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  line.finish();
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    if (ready[i]) continue;
    const auto& n = s.nodes[i];
    std::string p =
        n.name + " (" + layer_label(n) + ", " + n.address + "): " + (dead[i] ? "process " : "") + why[i] + "; log " + n.log;
    if (dead[i]) p += "; its last lines:\n" + log_tail(n.log, 5);
    problems.push_back(std::move(p));
  }
  return problems;
}

// `mlchain layer attach` for one edge, as a child process (its output in
// logs/attach-<name>.log). Tries the superior's members in turn (at most
// 3), each attempt bounded by 25 s and all of them by `deadline`.
Status attach_edge(const DevnetState& s, const DevnetNode& edge, Clock::time_point deadline) {
  std::string log = (fs::path(s.dir) / "logs" / ("attach-" + edge.name + ".log")).string();
  std::string last = "no member of " + parent_of(edge.layer) + " answered in time";
  int attempts = 0;
  for (const auto& m : s.nodes) {
    if (m.layer != parent_of(edge.layer) || m.role != "member" || m.standby != 0) continue;
    if (++attempts > 3 || Clock::now() >= deadline) break;
    auto pid = spawn_self({"-o", "json", "layer", "attach", "--path", edge.layer, "--key", edge.key_file, "--address",
                           edge.address, "--admin-key", s.admin_key, "--node", m.address},
                          log, false);
    if (!pid.ok()) return pid.status();
    auto until = std::min(deadline, Clock::now() + std::chrono::seconds(25));
    int status = 0;
    pid_t got = 0;
    while ((got = ::waitpid(*pid, &status, WNOHANG)) == 0 && Clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (got == 0) {
      ::kill(*pid, SIGKILL);
      ::waitpid(*pid, &status, 0);
      last = "layer attach via " + m.address + " did not finish in time";
      continue;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status();
    last = "layer attach via " + m.address + " exited with status " +
           std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    if (WIFEXITED(status) && WEXITSTATUS(status) == kExitUnauthorised) break;  // another member will say the same
  }
  return unavailable("could not attach " + edge.layer + " to " + parent_of(edge.layer) + ": " + last + "; see " + log);
}

void print_reach(const DevnetState& s, const Cli& cli, double seconds) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& n : s.nodes) rows.push_back({layer_label(n), n.name, n.role, n.address, std::to_string(n.pid)});
  std::string first_l1, first_edge;
  for (const auto& n : s.nodes) {
    if (first_l1.empty() && n.role == "member" && n.standby == 0 && !parent_of(n.layer).empty()) first_l1 = n.address;
    if (first_edge.empty() && n.role == "edge") first_edge = n.address;
  }
  if (first_l1.empty()) first_l1 = s.nodes.front().address;
  char took[32];
  std::snprintf(took, sizeof took, "%.1f", seconds);
  std::string dir_arg = " --dir " + s.dir;
  std::string out = "devnet up: " + std::to_string(s.nodes.size()) + " nodes ready in " + took + " s\n\n";
  out += table({"LAYER", "NODE", "ROLE", "ADDRESS", "PID"}, rows);
  out += "\nadmin key:  " + s.admin_key + "  (in admin_keys of every layer and edge node)\n";
  out += "state:      " + (fs::path(s.dir) / kStateFile).string() + "    logs: " + (fs::path(s.dir) / "logs").string() +
         "/\n";
  for (const auto& b : s.topology.standbys) {
    std::string first, last;
    for (const auto& n : s.nodes) {
      if (n.layer != b.path || n.standby != b.ordinal) continue;
      if (first.empty()) first = n.name;
      last = n.name;
    }
    out += "standby:    " + b.path + " (standby " + std::to_string(b.ordinal) + "): " + first +
           (last != first ? ".." + last : "") + ", its own chain (" + (fs::path(s.dir) / "standby-layers").string() +
           "/" + standby_id(b.path, b.ordinal) + "/); " + b.path +
           "'s subordinates switch to it when every " + b.path + " node is down\n";
  }
  out += "\nTry:\n";
  out += "  mlchain layer show --node " + first_l1 + " --tree\n";
  if (!first_edge.empty())
    out += "  mlchain object register --edge " + first_edge + " --admin-key " + s.admin_key +
           " --class Device/Sensor/Thermometer/Acme --hmac\n";
  out += "  mlchain devnet status" + dir_arg + "\n";
  out += "  mlchain devnet down" + dir_arg + "\n";
  cli.print_text(out);
}

bool any_running(const DevnetState& s, std::vector<std::string>* names) {
  bool any = false;
  for (const auto& n : s.nodes) {
    if (pid_state(n.pid, n.config) == PidState::kOurs) {
      any = true;
      if (names) names->push_back(n.name + " (pid " + std::to_string(n.pid) + ")");
    }
  }
  return any;
}

void stop_started(const DevnetState& s) {
  for (const auto& n : s.nodes)
    if (pid_state(n.pid, n.config) == PidState::kOurs) ::kill(n.pid, SIGKILL);
}

int run_up(const UpOptions& o, const Cli& cli) {
  auto start = Clock::now();
  std::error_code ec;
  fs::path dir = fs::absolute(o.dir, ec).lexically_normal();
  if (dir.has_filename() == false) dir = dir.parent_path();
  DevnetState s;
  bool restart = false;
  if (o.netns) {
    if (Status host = netns_host_check(); !host.ok()) return cli.fail(invalid_argument(host.message()));
  }
  if (fs::exists(dir / kStateFile, ec)) {
    auto old = load_state(dir.string());
    if (!old.ok()) return cli.fail(old.status(), "remove " + dir.string() + " or choose another --dir");
    std::vector<std::string> running;
    if (any_running(*old, &running)) {
      std::string list;
      for (std::size_t i = 0; i < running.size() && i < 4; ++i) list += (list.empty() ? "" : ", ") + running[i];
      if (running.size() > 4) list += ", ...";
      return cli.fail(
          invalid_argument("a devnet is already running in " + dir.string() + ": " + std::to_string(running.size()) +
                           " of " + std::to_string(old->nodes.size()) + " nodes alive (" + list + ")"),
          "see it with: mlchain devnet status --dir " + o.dir + "; stop it with: mlchain devnet down --dir " + o.dir);
    }
    if (!o.topology.empty() || o.base_port != 0 || !o.subnet.empty() || (o.netns && !old->netns))
      return cli.fail(
          invalid_argument(dir.string() + " holds a stopped devnet; its topology, ports and network are fixed"),
          "start it again without --topology/--base-port/--netns/--subnet, or remove it first: mlchain devnet down "
          "--purge --dir " + o.dir);
    if (old->netns) {
      if (Status host = netns_host_check(); !host.ok()) return cli.fail(invalid_argument(host.message()));
    }
    s = std::move(old).value();
    if (s.dir != dir.string())
      return cli.fail(invalid_argument(dir.string() + "/" + kStateFile + " was written for " + s.dir),
                      "a moved devnet cannot be restarted; remove it and run devnet up again");
    restart = true;
    cli.info("restarting the stopped devnet in " + dir.string() + " (keys and chains are kept)");
  } else if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return cli.fail(invalid_argument(dir.string() + " exists and is not empty, and holds no devnet"),
                    "choose another --dir (devnet up creates it), or empty it");
  }

  if (!restart) {
    Topology topo = default_topology();
    std::string source = "default topology";
    if (!o.topology.empty()) {
      auto t = load_topology(o.topology);
      if (!t.ok()) return cli.fail(t.status(), "see docs/devnet.md for the topology format");
      topo = std::move(t).value();
      source = o.topology;
    }
    unsigned base = o.base_port == 0 ? kDefaultBasePort : o.base_port;
    Status valid = validate_topology(topo, base, source);
    if (!valid.ok()) return cli.fail(valid, "see docs/devnet.md for the topology format");
    s.topology = topo;
    s.base_port = base;
  }
  std::optional<NetnsPlan> plan = s.netns;
  if (o.netns && !restart) {
    auto planned = plan_netns(dir.string(), o.subnet);
    if (!planned.ok()) return cli.fail(invalid_argument(planned.status().message()));
    plan = *planned;
  } else if (!o.subnet.empty() && !restart) {
    return cli.fail(invalid_argument("--subnet is for --netns"), "add --netns, or drop --subnet");
  }
  std::vector<unsigned> busy;
  std::size_t total = node_count(s.topology);
  for (unsigned p = s.base_port; !plan && p < s.base_port + total; ++p)
    if (!port_free(p)) busy.push_back(p);
  if (!busy.empty()) {
    std::string list;
    for (auto p : busy) list += (list.empty() ? "" : ", ") + std::to_string(p);
    return cli.fail(
        invalid_argument("ports in use on 127.0.0.1: " + list + " (the devnet needs " + std::to_string(s.base_port) +
                         ".." + std::to_string(s.base_port + total - 1) + ")"),
        restart ? "stop what holds them, then run devnet up again"
                : "pass --base-port N to use ports N.." + std::string("N+") + std::to_string(total - 1));
  }

  if (!restart) {
    auto generated = generate(s.topology, s.base_port, dir, plan, cli);
    if (!generated.ok()) return cli.fail(generated.status());
    s = std::move(generated).value();
  }
  s.started_at = utc_now();
  if (s.netns) {
    // Recorded first: `devnet down` removes the namespaces and the bridge
    // even if this process dies while creating them.
    if (Status saved = write_state(s); !saved.ok()) return cli.fail(saved);
    Status made = netns_create(s);
    if (!made.ok()) {
      (void)netns_destroy(s);
      return cli.fail(made, "nothing is left behind; check `ip netns list` and `ip link` on this host");
    }
    cli.info("created " + std::to_string(s.nodes.size()) + " network namespaces on bridge " + s.netns->bridge + " (" +
             s.netns->subnet + ", this host is " + s.netns->host_ip + ")");
  }

  for (auto& n : s.nodes) {
    auto pid = spawn_node(n);
    if (!pid.ok()) {
      (void)write_state(s);
      stop_started(s);
      return cli.fail(pid.status());
    }
    n.pid = *pid;
    // Each pid recorded as it starts: `devnet down` finds every node even if
    // this process is killed half way through the list.
    if (Status saved = write_state(s); !saved.ok()) {
      stop_started(s);
      return cli.fail(saved);
    }
  }
  Status saved = write_state(s);
  if (!saved.ok()) {
    stop_started(s);
    return cli.fail(saved);
  }
  cli.info("started " + std::to_string(s.nodes.size()) + " processes (pids in " + (dir / kStateFile).string() + ")");

  auto problems = wait_ready(s, o.timeout_s, cli);
  if (!problems.empty()) {
    std::string list;
    for (const auto& p : problems) list += "\n  " + p;
    return cli.fail(
        unavailable(std::to_string(problems.size()) + " of " + std::to_string(s.nodes.size()) +
                    " nodes not ready after " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count()) +
                    " s:" + list),
        "the others keep running; look with: mlchain devnet status --dir " + o.dir +
            "; stop them with: mlchain devnet down --dir " + o.dir);
  }
  double ready_s = std::chrono::duration<double>(Clock::now() - start).count();
  cli.info("all " + std::to_string(s.nodes.size()) + " nodes ready");

  auto attach_deadline = Clock::now() + std::chrono::seconds(60);
  for (const auto& n : s.nodes) {
    if (n.role != "edge") continue;
    Status attached = attach_edge(s, n, attach_deadline);
    if (!attached.ok())
      return cli.fail(attached, "the devnet keeps running; stop it with: mlchain devnet down --dir " + o.dir);
    cli.info("attached " + n.layer + " (" + n.address + ") to " + parent_of(n.layer) + " by an ordered op");
  }

  if (cli.json()) {
    codec::Json j = state_json(s);
    j["ready_seconds"] = ready_s;
    cli.print_json(j);
  } else {
    print_reach(s, cli, ready_s);
  }
  return kExitOk;
}

// ---------------------------------------------------------------- status, down

struct StatusOptions {
  std::string dir = "./devnet";
};

struct DownOptions {
  std::string dir = "./devnet";
  bool purge = false;
};

int run_status(const StatusOptions& o, const Cli& cli) {
  auto s = load_for(o.dir);
  if (!s.ok())
    return cli.fail(invalid_argument(s.status().message()), "start one with: mlchain devnet up --dir " + o.dir);
  auto probes = probe_all(s->nodes);
  for (std::size_t i = 0; i < s->nodes.size(); ++i) {
    if (s->nodes[i].role != "edge" || probes[i].health != "ready") continue;
    std::string why = attachment_problem(*s, s->nodes[i]);
    if (!why.empty()) probes[i] = Probe{"not attached", why, {}, {}};
  }
  auto cuts = netns_partitions(*s);
  std::map<std::string, std::string> name_of_ip;
  for (const auto& n : s->nodes) name_of_ip[n.ip] = n.name;
  std::vector<std::string> unhealthy, cut_lines;
  codec::Json nodes = codec::Json::array();
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < s->nodes.size(); ++i) {
    const auto& n = s->nodes[i];
    const auto& p = probes[i];
    codec::Json cut = codec::Json::array();
    if (auto it = cuts.find(n.name); it != cuts.end()) {
      std::string names;
      for (const auto& ip : it->second) {
        std::string who = name_of_ip.count(ip) ? name_of_ip[ip] : ip;
        cut.push_back(who);
        names += (names.empty() ? "" : " ") + who;
      }
      cut_lines.push_back(n.name + " cannot reach " + names);
    }
    if (p.health != "ready") unhealthy.push_back(n.name + " (" + p.health + (p.reason.empty() ? "" : ": " + p.reason) + ")");
    codec::Json j = {{"name", n.name}, {"layer", n.layer},   {"role", n.role},     {"address", n.address},
                     {"pid", n.pid},   {"health", p.health}, {"reason", p.reason}, {"log", n.log}};
    j["height"] = p.height ? codec::Json(*p.height) : codec::Json();
    j["view"] = p.view ? codec::Json(*p.view) : codec::Json();
    if (n.standby != 0) j["standby"] = n.standby;
    if (s->netns) j["partitioned_from"] = cut;
    nodes.push_back(j);
    // Long reasons (a log path, a peer list) are printed whole below the table.
    std::string health = p.health + (p.reason.empty() ? "" : ": " + p.reason);
    if (health.size() > 70) health = p.health + " (see below)";
    rows.push_back({layer_label(n), n.name, n.role, n.address, p.height ? std::to_string(*p.height) : "-",
                    p.view ? std::to_string(*p.view) : "-", health});
  }
  if (cli.json()) {
    codec::Json out = {{"dir", s->dir}, {"healthy", unhealthy.empty()}, {"nodes", nodes}};
    if (s->netns) out["netns"] = {{"bridge", s->netns->bridge}, {"subnet", s->netns->subnet}, {"host_ip", s->netns->host_ip}};
    cli.print_json(out);
  } else {
    std::string out = table({"LAYER", "NODE", "ROLE", "ADDRESS", "HEIGHT", "VIEW", "HEALTH"}, rows);
    for (const auto& c : cut_lines) out += "partition: " + c + "\n";
    cli.print_text(out);
  }
  if (!unhealthy.empty()) {
    if (!cli.json())
      cli.info(std::to_string(unhealthy.size()) + " of " + std::to_string(s->nodes.size()) +
               " nodes not healthy:\n  " + [&] {
                 std::string lines;
                 for (const auto& u : unhealthy) lines += (lines.empty() ? "" : "\n  ") + u;
                 return lines;
               }());
    return kExitFailed;
  }
  if (!cli.json()) cli.info("all " + std::to_string(s->nodes.size()) + " nodes healthy");
  return kExitOk;
}

// ---------------------------------------------------------------- partition, heal

struct PartitionOptions {
  std::string dir = "./devnet";
  std::vector<std::string> cut;   // node names or layer paths
  std::vector<std::string> from;  // default: every other node
};

// Node names and layer paths (a layer's members, or its edge node) to nodes.
Result<std::vector<const DevnetNode*>> select_nodes(const DevnetState& s, const std::vector<std::string>& names) {
  std::vector<const DevnetNode*> out;
  for (const auto& name : names) {
    std::size_t before = out.size();
    for (const auto& n : s.nodes)
      if (n.name == name || (n.layer == name && n.standby == 0)) out.push_back(&n);
    if (out.size() == before) {
      std::string known;
      for (const auto& n : s.nodes) known += (known.empty() ? "" : " ") + n.name;
      return invalid_argument("no node or layer '" + name + "' in this devnet (nodes: " + known + ")");
    }
  }
  return out;
}

int run_partition(const PartitionOptions& o, const Cli& cli) {
  auto s = load_for(o.dir);
  if (!s.ok()) return cli.fail(invalid_argument(s.status().message()));
  if (!s->netns)
    return cli.fail(invalid_argument("partitions need a devnet of separate hosts; " + s->dir + " runs on 127.0.0.1"),
                    "start one with: mlchain devnet up --netns (as root)");
  if (Status host = netns_host_check(); !host.ok()) return cli.fail(invalid_argument(host.message()));
  if (!netns_exists(*s)) return cli.fail(invalid_argument("the devnet in " + s->dir + " is not running"));
  auto a = select_nodes(*s, o.cut);
  if (!a.ok()) return cli.fail(a.status());
  std::vector<const DevnetNode*> b;
  if (o.from.empty()) {
    for (const auto& n : s->nodes)
      if (std::find(a->begin(), a->end(), &n) == a->end()) b.push_back(&n);
  } else {
    auto sel = select_nodes(*s, o.from);
    if (!sel.ok()) return cli.fail(sel.status());
    b = *sel;
  }
  for (const auto* x : *a)
    if (std::find(b.begin(), b.end(), x) != b.end())
      return cli.fail(invalid_argument(x->name + " is on both sides of the partition"));
  if (b.empty()) return cli.fail(invalid_argument("nothing to cut from: --from selects no other node"));
  if (Status st = netns_partition(*s, *a, b); !st.ok())
    return cli.fail(st, "undo what was applied with: mlchain devnet heal --dir " + o.dir);
  auto names = [](const std::vector<const DevnetNode*>& v) {
    codec::Json j = codec::Json::array();
    for (const auto* n : v) j.push_back(n->name);
    return j;
  };
  if (cli.json()) {
    cli.print_json({{"dir", s->dir}, {"cut", names(*a)}, {"from", names(b)}});
  } else {
    std::string x, y;
    for (const auto* n : *a) x += (x.empty() ? "" : " ") + n->name;
    for (const auto* n : b) y += (y.empty() ? "" : " ") + n->name;
    cli.print_text("partitioned: " + x + "\n        from: " + y + "\n");
    cli.info("heal it with: mlchain devnet heal --dir " + o.dir);
  }
  return kExitOk;
}

int run_heal(const StatusOptions& o, const Cli& cli) {
  auto s = load_for(o.dir);
  if (!s.ok()) return cli.fail(invalid_argument(s.status().message()));
  if (!s->netns)
    return cli.fail(invalid_argument("partitions need a devnet of separate hosts; " + s->dir + " runs on 127.0.0.1"));
  if (Status host = netns_host_check(); !host.ok()) return cli.fail(invalid_argument(host.message()));
  if (Status st = netns_heal(*s); !st.ok()) return cli.fail(st);
  if (cli.json())
    cli.print_json({{"dir", s->dir}, {"healed", true}});
  else
    cli.info("removed every partition of the devnet in " + s->dir);
  return kExitOk;
}

int run_down(const DownOptions& o, const Cli& cli) {
  auto s = load_for(o.dir);
  if (!s.ok()) return cli.fail(invalid_argument(s.status().message()));
  enum class Outcome { kNotRunning, kReused, kStopped, kKilled, kSurvived };
  std::vector<Outcome> outcome(s->nodes.size(), Outcome::kNotRunning);
  for (std::size_t i = 0; i < s->nodes.size(); ++i) {
    const auto& n = s->nodes[i];
    switch (pid_state(n.pid, n.config)) {
      case PidState::kGone:
        outcome[i] = Outcome::kNotRunning;
        break;
      case PidState::kReused:
        outcome[i] = Outcome::kReused;
        break;
      case PidState::kOurs:
        ::kill(n.pid, SIGTERM);
        outcome[i] = Outcome::kSurvived;
        break;
    }
  }
  std::size_t signalled = static_cast<std::size_t>(std::count(outcome.begin(), outcome.end(), Outcome::kSurvived));
  Progress line(Progress::for_stderr(cli, "devnet down", signalled, "stopped"));
  auto wait_gone = [&](std::chrono::seconds limit, Outcome as) {
    auto deadline = Clock::now() + limit;
    while (true) {
      std::size_t left = 0, done = 0;
      for (std::size_t i = 0; i < s->nodes.size(); ++i) {
        if (outcome[i] != Outcome::kSurvived) {
          if (outcome[i] == Outcome::kStopped || outcome[i] == Outcome::kKilled) ++done;
          continue;
        }
        if (pid_state(s->nodes[i].pid, s->nodes[i].config) == PidState::kGone) {
          outcome[i] = as;
          ++done;
        } else {
          ++left;
        }
      }
      line.set(done);
      if (left == 0 || Clock::now() >= deadline) return left;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  };
  if (wait_gone(std::chrono::seconds(10), Outcome::kStopped) > 0) {
    for (std::size_t i = 0; i < s->nodes.size(); ++i)
      if (outcome[i] == Outcome::kSurvived && pid_state(s->nodes[i].pid, s->nodes[i].config) == PidState::kOurs)
        ::kill(s->nodes[i].pid, SIGKILL);
    wait_gone(std::chrono::seconds(5), Outcome::kKilled);
  }
  line.finish();

  auto word = [](Outcome x) {
    switch (x) {
      case Outcome::kNotRunning:
        return "was not running";
      case Outcome::kReused:
        return "pid now belongs to another process: left alone";
      case Outcome::kStopped:
        return "stopped (SIGTERM)";
      case Outcome::kKilled:
        return "killed (SIGKILL after 10 s)";
      case Outcome::kSurvived:
        return "STILL RUNNING after SIGKILL";
    }
    return "?";
  };
  codec::Json nodes = codec::Json::array();
  std::vector<std::vector<std::string>> rows;
  std::size_t stopped = 0, survived = 0;
  for (std::size_t i = 0; i < s->nodes.size(); ++i) {
    const auto& n = s->nodes[i];
    if (outcome[i] == Outcome::kStopped || outcome[i] == Outcome::kKilled) ++stopped;
    if (outcome[i] == Outcome::kSurvived) ++survived;
    codec::Json j = {{"name", n.name}, {"layer", n.layer}, {"pid", n.pid}, {"result", word(outcome[i])}};
    if (n.standby != 0) j["standby"] = n.standby;
    nodes.push_back(j);
    rows.push_back({layer_label(n), n.name, std::to_string(n.pid), word(outcome[i])});
  }
  // The namespaces and the bridge, once nothing runs in them (also when no
  // process was running: an `up` that crashed while creating them).
  bool network_removed = false;
  if (s->netns && survived == 0) {
    if (Status st = netns_destroy(*s); !st.ok())
      return cli.fail(st, "stopped every process; remove what is left by hand (ip netns list; ip link show " +
                              s->netns->bridge + ")");
    network_removed = true;
  }
  bool purged = false;
  if (o.purge && survived == 0) {
    std::error_code ec;
    fs::remove_all(s->dir, ec);
    if (ec) return cli.fail(io_error("stopped, but cannot remove " + s->dir + ": " + ec.message()));
    purged = true;
  }
  if (cli.json()) {
    codec::Json out = {
        {"dir", s->dir}, {"stopped", stopped}, {"still_running", survived}, {"purged", purged}, {"nodes", nodes}};
    if (s->netns) out["network_removed"] = network_removed;
    cli.print_json(out);
  } else {
    cli.print_text(table({"LAYER", "NODE", "PID", "RESULT"}, rows));
    cli.info("stopped " + std::to_string(stopped) + " of " + std::to_string(s->nodes.size()) + " processes");
    if (network_removed)
      cli.info("removed " + std::to_string(s->nodes.size()) + " network namespaces and bridge " + s->netns->bridge);
    if (purged)
      cli.info("removed " + s->dir);
    else if (survived == 0)
      cli.info("files kept in " + s->dir + " (start it again: mlchain devnet up --dir " + o.dir +
               "; remove it: mlchain devnet down --purge --dir " + o.dir + ")");
  }
  return survived == 0 ? kExitOk : kExitFailed;
}

}  // namespace

void setup_devnet(CLI::App& app, Cli& cli) {
  auto* devnet = app.add_subcommand(
      "devnet", "Start, inspect and stop a whole local topology on 127.0.0.1 (or as separate hosts: --netns).");
  devnet->require_subcommand(1);
  devnet->footer(
      "A devnet is every layer of a topology (default: L2, L2/L1a, L2/L1b with 4 nodes each, edge\n"
      "layers L2/L1a/E1, L2/L1a/E2, L2/L1b/E3) as separate `mlchain node run` processes on loopback,\n"
      "from generated keys. Its files and pids live in DIR (default ./devnet): see docs/devnet.md.\n"
      "Examples:\n"
      "  mlchain devnet up\n"
      "  mlchain devnet status\n"
      "  mlchain devnet down --purge");

  auto up = std::make_shared<UpOptions>();
  auto* up_cmd =
      devnet->add_subcommand("up", "Generate keys, blueprints and configs, start every node and wait until ready.");
  cli.file(
      up_cmd->add_option("--dir", up->dir, "Where the devnet's files, data, logs and state live (default ./devnet).")
          ->type_name("DIR"));
  cli.file(up_cmd
               ->add_option("--topology", up->topology,
                            "Topology TOML: [[layers]] path, nodes; [[edges]] path (docs/devnet.md).")
               ->type_name("FILE"));
  up_cmd->add_option("--base-port", up->base_port, "First port; nodes use consecutive ports from here (default 7400).")
      ->type_name("N");
  up_cmd->add_option("--timeout", up->timeout_s, "Seconds to wait for every node to be ready (default 120).")
      ->type_name("SECONDS");
  up_cmd->add_flag("--netns", up->netns,
                   "Run every node as a separate host: its own network namespace and address on a bridge (root).");
  up_cmd->add_option("--subnet", up->subnet, "With --netns: the /24 to use (default: one derived from DIR).")
      ->type_name("CIDR");
  up_cmd->footer(
      "Writes DIR/admin.pem (admin of every layer and edge), keys/, layers/<path>/{blueprint.toml,\n"
      "genesis.json}, nodes/<name>.toml, then starts each node in its own session with its output in\n"
      "DIR/logs/<name>.log, records the pids in DIR/devnet.json, waits for every /readyz and attaches\n"
      "each edge layer to its superior (mlchain layer attach). A stopped devnet in DIR is started\n"
      "again from its files. -o json prints the state file.\n"
      "[[standbys]] in the topology add standby deployments of a layer (standby-layers/, docs/devnet.md).\n"
      "--netns (root): each node in its own network namespace with its own address (10.X.Y.10, .11, ...)\n"
      "on a bridge this host joins as 10.X.Y.1, every node on port --base-port; `devnet partition` cuts\n"
      "them apart and `devnet down` removes namespaces and bridge (docs/devnet.md \"Separate hosts\").\n"
      "Exit status: 2 when DIR already runs a devnet, ports are in use or the topology is invalid;\n"
      "3 when nodes are not ready in time (the others keep running: devnet down stops them).\n"
      "Examples:\n"
      "  mlchain devnet up\n"
      "  mlchain devnet up --dir /tmp/dn --base-port 7600 --topology docs/examples/devnet-topology.toml\n"
      "  mlchain devnet up -o json | jq -r '.nodes[] | select(.role == \"edge\") | .address'\n"
      "  sudo mlchain devnet up --netns --dir /tmp/hosts");
  up_cmd->callback([up, &cli] { cli.exit_code = run_up(*up, cli); });

  auto st = std::make_shared<StatusOptions>();
  auto* st_cmd =
      devnet->add_subcommand("status", "Show every node of the devnet: layer, role, address, height, view, health.");
  cli.file(st_cmd->add_option("--dir", st->dir, "The devnet's directory (default ./devnet).")->type_name("DIR"));
  st_cmd->footer(
      "Asks every node at once (2 s each): members GET /v1/status, edge nodes GET /readyz and /v1/edge.\n"
      "Health: ready, not ready: <reason>, unreachable, dead (the recorded process is gone).\n"
      "Exit status: 0 when every node is ready, 1 when any is not, 2 when DIR holds no devnet.\n"
      "Examples:\n"
      "  mlchain devnet status\n"
      "  mlchain devnet status --dir /tmp/dn -o json | jq '.nodes[] | select(.health != \"ready\")'");
  st_cmd->callback([st, &cli] { cli.exit_code = run_status(*st, cli); });

  auto dn = std::make_shared<DownOptions>();
  auto* dn_cmd =
      devnet->add_subcommand("down", "Stop every process the devnet started (by recorded pid); keep its files.");
  cli.file(dn_cmd->add_option("--dir", dn->dir, "The devnet's directory (default ./devnet).")->type_name("DIR"));
  dn_cmd->add_flag("--purge", dn->purge, "Also remove DIR (keys, chains, logs) once everything is stopped.");
  dn_cmd->footer(
      "Sends SIGTERM to each recorded pid whose command line still names its devnet config (a pid\n"
      "reused by another process is left alone), waits up to 10 s, then SIGKILLs what is left.\n"
      "Without --purge the files stay and `devnet up` starts the same devnet again.\n"
      "Exit status 1 when a process could not be stopped; 2 when DIR holds no devnet.\n"
      "Examples:\n"
      "  mlchain devnet down\n"
      "  mlchain devnet down --dir /tmp/dn --purge");
  dn_cmd->callback([dn, &cli] { cli.exit_code = run_down(*dn, cli); });

  auto pt = std::make_shared<PartitionOptions>();
  auto* pt_cmd = devnet->add_subcommand(
      "partition", "Cut nodes of a --netns devnet off from the others (iptables in their namespaces).");
  cli.file(pt_cmd->add_option("--dir", pt->dir, "The devnet's directory (default ./devnet).")->type_name("DIR"));
  pt_cmd->add_option("nodes", pt->cut, "Node names or layer paths to cut off (a layer path: all its members).")
      ->required()
      ->type_name("NODE|LAYER");
  pt_cmd->add_option("--from", pt->from, "Cut them off only from these nodes or layers (default: every other node).")
      ->type_name("NODE|LAYER");
  pt_cmd->footer(
      "Adds DROP rules in both sides' namespaces, so neither reaches the other; this host (the CLI,\n"
      "clients) still reaches every node. Partitions add up until `devnet heal` removes them all.\n"
      "`devnet status` lists them. Needs a devnet started with --netns, and root.\n"
      "Examples:\n"
      "  mlchain devnet partition l1a-n1                              # isolate one member\n"
      "  mlchain devnet partition l1a-n1 l1a-n2 --from l1a-n3 l1a-n4  # split a layer 2/2\n"
      "  mlchain devnet partition L2 --from L2/L1a                    # cut two layers apart\n"
      "  mlchain devnet heal");
  pt_cmd->callback([pt, &cli] { cli.exit_code = run_partition(*pt, cli); });

  auto hl = std::make_shared<StatusOptions>();
  auto* hl_cmd = devnet->add_subcommand("heal", "Remove every partition of a --netns devnet.");
  cli.file(hl_cmd->add_option("--dir", hl->dir, "The devnet's directory (default ./devnet).")->type_name("DIR"));
  hl_cmd->footer(
      "Flushes the partition rules in every node's namespace.\n"
      "Example:\n"
      "  mlchain devnet heal --dir /tmp/hosts");
  hl_cmd->callback([hl, &cli] { cli.exit_code = run_heal(*hl, cli); });
}

}  // namespace mlchain::cli
