// devnet_state.h: the devnet's state file and its processes.
#include "devnet_state.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mlchain/crypto/ed25519.h"

namespace mlchain::cli::devnet {

namespace fs = std::filesystem;

namespace {
std::string self_exe() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("mlchain") : p.string();
}
}  // namespace

// "L2", or "L2 (standby 1)" for a standby's node.
std::string layer_label(const DevnetNode& n) {
  return n.standby == 0 ? n.layer : n.layer + " (standby " + std::to_string(n.standby) + ")";
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
    if (!n.netns.empty()) j["netns"] = n.netns, j["ip"] = n.ip;
    nodes.push_back(j);
  }
  codec::Json out = {{"version", 1},
          {"dir", s.dir},
          {"base_port", s.base_port},
          {"started_at", s.started_at},
          {"admin_key", s.admin_key},
          {"admin_public_key", s.admin_public_key},
          {"layers", layers},
          {"standbys", standbys},
          {"nodes", nodes}};
  if (s.netns)
    out["netns"] = {{"bridge", s.netns->bridge},
                    {"subnet", s.netns->subnet},
                    {"host_ip", s.netns->host_ip},
                    {"veth_prefix", s.netns->veth_prefix}};
  return out;
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
      d.netns = n.value("netns", "");
      d.ip = n.value("ip", "");
      d.port = static_cast<unsigned>(std::stoul(d.address.substr(d.address.rfind(':') + 1)));
      s.nodes.push_back(std::move(d));
    }
    if (j->contains("netns")) {
      const auto& x = j->at("netns");
      s.netns = NetnsPlan{x.at("bridge").get<std::string>(), x.at("subnet").get<std::string>(),
                          x.at("host_ip").get<std::string>(), x.at("veth_prefix").get<std::string>()};
    }
    return s;
  } catch (const std::exception& e) {
    return invalid_argument(file.string() + " is not a devnet state file: " + e.what());
  }
}


std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

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

// Only async-signal-safe calls between fork and exec (everything is prepared
// before the fork, the namespace opened too).
Result<pid_t> spawn_self(const std::vector<std::string>& args, const std::string& log, bool new_session,
                         const std::string& netns) {
  int ns_fd = -1;
  if (!netns.empty()) {
    std::string path = "/run/netns/" + netns;
    ns_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns_fd < 0)
      return io_error("cannot open network namespace " + path + ": " + std::strerror(errno) +
                      " (devnet down, then devnet up, creates it again)");
  }
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    if (ns_fd >= 0) ::close(ns_fd);
    return io_error("cannot open " + log + ": " + std::strerror(errno));
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    if (ns_fd >= 0) ::close(ns_fd);
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
    if (ns_fd >= 0) ::close(ns_fd);
    ::close(log_fd);
    ::close(null_fd);
    return io_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    if (ns_fd >= 0 && ::setns(ns_fd, CLONE_NEWNET) != 0) ::_exit(126);
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
  if (ns_fd >= 0) ::close(ns_fd);
  ::close(log_fd);
  ::close(null_fd);
  return pid;
}


Result<pid_t> spawn_node(const DevnetNode& n) {
  return spawn_self({"node", "run", "--config", n.config}, n.log, true, n.netns);
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


Result<DevnetState> load_for(const std::string& dir) {
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec).lexically_normal();
  return load_state(abs.string());
}


}  // namespace mlchain::cli::devnet
