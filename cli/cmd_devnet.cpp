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
using namespace devnet;  // NOLINT: the topology model (devnet_topology.h)

constexpr unsigned kDefaultBasePort = 7400;
constexpr const char* kStateFile = "devnet.json";

// ---------------------------------------------------------------- state

struct DevnetNode {
  std::string name;
  std::string layer;
  std::string role;  // member | edge
  int standby = 0;   // k > 0: a member of standby k of `layer`, not of the layer itself
  std::string address;
  std::string public_key;
  unsigned port = 0;
  pid_t pid = 0;
  std::string config;  // absolute
  std::string log;     // absolute
  std::string key_file;
};

struct DevnetState {
  std::string dir;  // absolute
  unsigned base_port = kDefaultBasePort;
  std::string admin_key;
  std::string admin_public_key;
  Topology topology;
  std::map<std::string, std::string> genesis_hash;          // layer -> hash
  std::map<std::string, std::string> standby_genesis_hash;  // standby_id ("L2-s1") -> hash
  std::vector<DevnetNode> nodes;
  std::string started_at;
};

// "L2", or "L2 (standby 1)" for a standby's node.
std::string layer_label(const DevnetNode& n) {
  return n.standby == 0 ? n.layer : n.layer + " (standby " + std::to_string(n.standby) + ")";
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

codec::Json state_json(const DevnetState& s) {
  codec::Json layers = codec::Json::array();
  for (const auto& l : s.topology.layers) {
    codec::Json j = {{"path", l.path}, {"nodes", l.nodes}, {"role", "layer"}};
    if (auto it = s.genesis_hash.find(l.path); it != s.genesis_hash.end()) j["genesis_hash"] = it->second;
    if (!parent_of(l.path).empty()) j["superior"] = parent_of(l.path);
    layers.push_back(j);
  }
  for (const auto& e : s.topology.edges)
    layers.push_back({{"path", e}, {"nodes", 1}, {"role", "edge"}, {"superior", parent_of(e)}});
  codec::Json standbys = codec::Json::array();
  for (const auto& b : s.topology.standbys) {
    codec::Json j = {{"path", b.path}, {"standby", b.ordinal}, {"nodes", b.nodes}};
    auto it = s.standby_genesis_hash.find(standby_id(b.path, b.ordinal));
    if (it != s.standby_genesis_hash.end()) j["genesis_hash"] = it->second;
    if (!parent_of(b.path).empty()) j["superior"] = parent_of(b.path);
    standbys.push_back(j);
  }
  codec::Json nodes = codec::Json::array();
  for (const auto& n : s.nodes) {
    codec::Json j = {{"name", n.name},
                     {"layer", n.layer},
                     {"role", n.role},
                     {"address", n.address},
                     {"public_key", n.public_key},
                     {"pid", n.pid},
                     {"config", n.config},
                     {"log", n.log},
                     {"key_file", n.key_file}};
    if (n.standby != 0) j["standby"] = n.standby;
    nodes.push_back(j);
  }
  return {{"version", 1},
          {"dir", s.dir},
          {"base_port", s.base_port},
          {"started_at", s.started_at},
          {"admin_key", s.admin_key},
          {"admin_public_key", s.admin_public_key},
          {"layers", layers},
          {"standbys", standbys},
          {"nodes", nodes}};
}

Status write_state(const DevnetState& s) {
  return crypto::write_file_atomic(fs::path(s.dir) / kStateFile, state_json(s).dump(2) + "\n", 0644, true);
}

Result<DevnetState> load_state(const std::string& dir) {
  fs::path file = fs::path(dir) / kStateFile;
  std::ifstream in(file);
  if (!in) return not_found("no devnet in " + dir + " (" + file.string() + " does not exist)");
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = codec::parse(ss.str(), codec::ParseLimits{16u << 20, 32, 1u << 20, 1'000'000});
  if (!j.ok()) return j.status().with_context(file.string());
  try {
    DevnetState s;
    s.dir = j->at("dir").get<std::string>();
    s.base_port = j->at("base_port").get<unsigned>();
    s.started_at = j->value("started_at", "");
    s.admin_key = j->at("admin_key").get<std::string>();
    s.admin_public_key = j->value("admin_public_key", "");
    for (const auto& l : j->at("layers")) {
      if (l.value("role", "") == "edge") {
        s.topology.edges.push_back(l.at("path").get<std::string>());
      } else {
        s.topology.layers.push_back({l.at("path").get<std::string>(), l.at("nodes").get<int>()});
        if (l.contains("genesis_hash")) s.genesis_hash[l["path"]] = l["genesis_hash"].get<std::string>();
      }
    }
    if (j->contains("standbys")) {  // absent in state files from before standbys
      for (const auto& b : j->at("standbys")) {
        TopologyStandby sb{b.at("path").get<std::string>(), b.at("nodes").get<int>(), b.at("standby").get<int>()};
        if (b.contains("genesis_hash"))
          s.standby_genesis_hash[standby_id(sb.path, sb.ordinal)] = b["genesis_hash"].get<std::string>();
        s.topology.standbys.push_back(std::move(sb));
      }
    }
    for (const auto& n : j->at("nodes")) {
      DevnetNode d;
      d.name = n.at("name").get<std::string>();
      d.layer = n.at("layer").get<std::string>();
      d.role = n.at("role").get<std::string>();
      d.address = n.at("address").get<std::string>();
      d.public_key = n.at("public_key").get<std::string>();
      d.pid = n.at("pid").get<pid_t>();
      d.config = n.at("config").get<std::string>();
      d.log = n.value("log", "");
      d.key_file = n.value("key_file", "");
      d.standby = n.value("standby", 0);
      d.port = static_cast<unsigned>(std::stoul(d.address.substr(d.address.rfind(':') + 1)));
      s.nodes.push_back(std::move(d));
    }
    return s;
  } catch (const std::exception& e) {
    return invalid_argument(file.string() + " is not a devnet state file: " + e.what());
  }
}

// ---------------------------------------------------------------- processes

std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Alive and still the daemon we started: not a zombie, and its command line
// names our config file (a reused pid belongs to someone else).
enum class PidState { kOurs, kGone, kReused };

PidState pid_state(pid_t pid, const std::string& config) {
  if (pid <= 0) return PidState::kGone;
  std::string base = "/proc/" + std::to_string(pid);
  std::string stat = read_small_file(base + "/stat");
  if (stat.empty()) return PidState::kGone;
  auto paren = stat.rfind(')');
  if (paren != std::string::npos && paren + 2 < stat.size() && (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X'))
    return PidState::kGone;
  std::string cmdline = read_small_file(base + "/cmdline");
  if (cmdline.empty()) return PidState::kGone;  // exited between the two reads, or a kernel thread
  std::size_t at = 0;
  while (at < cmdline.size()) {
    std::size_t end = cmdline.find('\0', at);
    if (end == std::string::npos) end = cmdline.size();
    if (cmdline.compare(at, end - at, config) == 0) return PidState::kOurs;
    at = end + 1;
  }
  return PidState::kReused;
}

std::string self_exe() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("mlchain") : p.string();
}

// fork + setsid + exec of this binary; stdout and stderr appended to `log`.
// Only async-signal-safe calls between fork and exec (everything is prepared
// before the fork).
Result<pid_t> spawn_self(const std::vector<std::string>& args, const std::string& log, bool new_session) {
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return io_error("cannot open " + log + ": " + std::strerror(errno));
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(log_fd);
    return io_error(std::string("cannot open /dev/null: ") + std::strerror(errno));
  }
  std::string argv0 = self_exe();
  std::vector<char*> argv;
  argv.push_back(argv0.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  sigset_t empty;
  sigemptyset(&empty);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    ::close(null_fd);
    return io_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    if (new_session) ::setsid();
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::close_range(3, ~0U, 0);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  return pid;
}

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

std::string log_tail(const std::string& path, std::size_t lines) {
  std::string text = read_small_file(path);
  std::vector<std::string> all;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) all.push_back(l);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "    " + all[i] + "\n";
  return out;
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
Result<DevnetState> generate(const Topology& topo, unsigned base_port, const fs::path& dir, const Cli& cli) {
  DevnetState s;
  s.dir = dir.string();
  s.base_port = base_port;
  s.topology = topo;
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
    n.port = port++;
    n.address = "https://127.0.0.1:" + std::to_string(n.port);
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
           ".pem\"\nlisten = \"127.0.0.1:" + std::to_string(n.port) + "\"\ndata_dir = \"../data/" + n.name + "\"\n";
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
    if (!o.topology.empty() || o.base_port != 0)
      return cli.fail(
          invalid_argument(dir.string() + " holds a stopped devnet; its topology and ports are fixed"),
          "start it again without --topology/--base-port, or remove it first: mlchain devnet down --purge --dir " +
              o.dir);
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
  std::vector<unsigned> busy;
  std::size_t total = node_count(s.topology);
  for (unsigned p = s.base_port; p < s.base_port + total; ++p)
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
    auto generated = generate(s.topology, s.base_port, dir, cli);
    if (!generated.ok()) return cli.fail(generated.status());
    s = std::move(generated).value();
  }
  s.started_at = utc_now();

  for (auto& n : s.nodes) {
    auto pid = spawn_self({"node", "run", "--config", n.config}, n.log, true);
    if (!pid.ok()) {
      (void)write_state(s);
      stop_started(s);
      return cli.fail(pid.status());
    }
    n.pid = *pid;
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

Result<DevnetState> load_for(const std::string& dir) {
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec).lexically_normal();
  return load_state(abs.string());
}

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
  std::vector<std::string> unhealthy;
  codec::Json nodes = codec::Json::array();
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < s->nodes.size(); ++i) {
    const auto& n = s->nodes[i];
    const auto& p = probes[i];
    if (p.health != "ready") unhealthy.push_back(n.name + " (" + p.health + (p.reason.empty() ? "" : ": " + p.reason) + ")");
    codec::Json j = {{"name", n.name}, {"layer", n.layer},   {"role", n.role},     {"address", n.address},
                     {"pid", n.pid},   {"health", p.health}, {"reason", p.reason}, {"log", n.log}};
    j["height"] = p.height ? codec::Json(*p.height) : codec::Json();
    j["view"] = p.view ? codec::Json(*p.view) : codec::Json();
    if (n.standby != 0) j["standby"] = n.standby;
    nodes.push_back(j);
    // Long reasons (a log path, a peer list) are printed whole below the table.
    std::string health = p.health + (p.reason.empty() ? "" : ": " + p.reason);
    if (health.size() > 70) health = p.health + " (see below)";
    rows.push_back({layer_label(n), n.name, n.role, n.address, p.height ? std::to_string(*p.height) : "-",
                    p.view ? std::to_string(*p.view) : "-", health});
  }
  if (cli.json()) {
    cli.print_json({{"dir", s->dir}, {"healthy", unhealthy.empty()}, {"nodes", nodes}});
  } else {
    std::string out = table({"LAYER", "NODE", "ROLE", "ADDRESS", "HEIGHT", "VIEW", "HEALTH"}, rows);
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
  bool purged = false;
  if (o.purge && survived == 0) {
    std::error_code ec;
    fs::remove_all(s->dir, ec);
    if (ec) return cli.fail(io_error("stopped, but cannot remove " + s->dir + ": " + ec.message()));
    purged = true;
  }
  if (cli.json()) {
    cli.print_json(
        {{"dir", s->dir}, {"stopped", stopped}, {"still_running", survived}, {"purged", purged}, {"nodes", nodes}});
  } else {
    cli.print_text(table({"LAYER", "NODE", "PID", "RESULT"}, rows));
    cli.info("stopped " + std::to_string(stopped) + " of " + std::to_string(s->nodes.size()) + " processes");
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
  auto* devnet = app.add_subcommand("devnet", "Start, inspect and stop a whole local topology on 127.0.0.1.");
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
  up_cmd->footer(
      "Writes DIR/admin.pem (admin of every layer and edge), keys/, layers/<path>/{blueprint.toml,\n"
      "genesis.json}, nodes/<name>.toml, then starts each node in its own session with its output in\n"
      "DIR/logs/<name>.log, records the pids in DIR/devnet.json, waits for every /readyz and attaches\n"
      "each edge layer to its superior (mlchain layer attach). A stopped devnet in DIR is started\n"
      "again from its files. -o json prints the state file.\n"
      "[[standbys]] in the topology add standby deployments of a layer (standby-layers/, docs/devnet.md).\n"
      "Exit status: 2 when DIR already runs a devnet, ports are in use or the topology is invalid;\n"
      "3 when nodes are not ready in time (the others keep running: devnet down stops them).\n"
      "Examples:\n"
      "  mlchain devnet up\n"
      "  mlchain devnet up --dir /tmp/dn --base-port 7600 --topology docs/examples/devnet-topology.toml\n"
      "  mlchain devnet up -o json | jq -r '.nodes[] | select(.role == \"edge\") | .address'");
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
}

}  // namespace mlchain::cli
