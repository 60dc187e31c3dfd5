// devnet_netns.h: a devnet's nodes as separate hosts on a bridge.
#include "devnet_netns.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

namespace mlchain::cli::devnet {

namespace fs = std::filesystem;

namespace {

std::string find_tool(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
  for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
    std::string p = dir + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

// FNV-1a: a short, stable name for a directory.
std::uint32_t fnv1a(const std::string& s) {
  std::uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

std::string hex8(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

// "10.a.b.0/24" -> "10.a.b." (the prefix every address of the devnet has).
Result<std::string> subnet_prefix(const std::string& subnet) {
  unsigned a = 0, b = 0, c = 0, d = 0, len = 0;
  char tail = 0;
  if (std::sscanf(subnet.c_str(), "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &len, &tail) != 5 || a > 255 || b > 255 ||
      c > 255 || d != 0 || len != 24)
    return invalid_argument("--subnet must be an IPv4 /24 like 10.77.3.0/24, not '" + subnet + "'");
  bool private_range = a == 10 || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168);
  if (!private_range)
    return invalid_argument("--subnet " + subnet + " is not a private range (10/8, 172.16/12, 192.168/16)");
  return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + ".";
}

std::string prefix_of(const NetnsPlan& plan) { return plan.subnet.substr(0, plan.subnet.rfind('.') + 1); }

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : sep) + x;
  return out;
}

}  // namespace

Status run_tool(const std::vector<std::string>& argv_in, const std::string& netns, std::string* output) {
  std::string path = find_tool(argv_in.at(0));
  if (path.empty())
    return not_found(argv_in[0] + (argv_in[0].find('/') != std::string::npos
                                       ? " is not an executable file"
                                       : " is not installed (Debian: iproute2, iptables)"));
  int ns_fd = -1;
  if (!netns.empty()) {
    std::string ns_path = "/run/netns/" + netns;
    ns_fd = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns_fd < 0) return io_error("cannot open network namespace " + ns_path + ": " + std::strerror(errno));
  }
  int pipe_fd[2];
  if (::pipe2(pipe_fd, O_CLOEXEC) != 0) {
    if (ns_fd >= 0) ::close(ns_fd);
    return io_error(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> copy = argv_in;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (ns_fd >= 0 && ::setns(ns_fd, CLONE_NEWNET) != 0) ::_exit(126);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(pipe_fd[1], 1);
    ::dup2(pipe_fd[1], 2);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  if (ns_fd >= 0) ::close(ns_fd);
  if (null_fd >= 0) ::close(null_fd);
  ::close(pipe_fd[1]);
  if (pid < 0) {
    ::close(pipe_fd[0]);
    return io_error(std::string("fork: ") + std::strerror(errno));
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipe_fd[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (out.size() < 64 * 1024) out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(pipe_fd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (output) *output = out;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  std::string what = joined(argv_in, " ") + (netns.empty() ? "" : " (in namespace " + netns + ")");
  return internal_error(what + " failed" +
                        (WIFEXITED(status) ? " with status " + std::to_string(WEXITSTATUS(status)) : "") +
                        (out.empty() ? "" : ": " + out));
}

Status netns_host_check() {
  if (::geteuid() != 0)
    return permission_denied(
        "devnet up --netns needs root: it creates network namespaces, a bridge and iptables rules (run it as root, "
        "or without --netns for a devnet on 127.0.0.1)");
  if (find_tool("ip").empty())
    return not_found("devnet up --netns needs iproute2's `ip` (Debian: apt-get install iproute2)");
  if (find_tool("iptables").empty())
    return not_found("devnet up --netns needs `iptables` for partitions (Debian: apt-get install iptables)");
  return {};
}

Result<NetnsPlan> plan_netns(const std::string& dir, const std::string& subnet) {
  std::uint32_t h = fnv1a(dir);
  NetnsPlan p;
  p.bridge = "mlc" + hex8(h);       // 11 characters (IFNAMSIZ is 16 with the NUL)
  p.veth_prefix = "mv" + hex8(h);   // + up to 3 digits
  p.subnet = subnet.empty() ? "10." + std::to_string(64 + (h >> 24) % 64) + "." + std::to_string((h >> 8) & 0xff) + ".0/24"
                            : subnet;
  MLCHAIN_ASSIGN_OR_RETURN(auto prefix, subnet_prefix(p.subnet));
  p.host_ip = prefix + "1";
  std::string addrs;
  if (run_tool({"ip", "-o", "-4", "addr", "show"}, "", &addrs).ok()) {
    std::istringstream in(addrs);
    for (std::string line; std::getline(in, line);) {
      if (line.find(" inet " + prefix) == std::string::npos) continue;
      if (line.find(" " + p.bridge + " ") != std::string::npos || line.find(" " + p.bridge + "\\") != std::string::npos)
        continue;  // our own bridge, left by a crash: netns_create replaces it
      return invalid_argument("the subnet " + p.subnet + " is already in use on this host (" + line.substr(0, 120) +
                              "); pass --subnet 10.X.Y.0/24 with a free one");
    }
  }
  return p;
}

std::string netns_name(const NetnsPlan& plan, const std::string& node) {
  return plan.bridge + "-" + node;  // a file name under /run/netns
}

std::string netns_ip(const NetnsPlan& plan, std::size_t index) {
  return prefix_of(plan) + std::to_string(10 + index);
}

bool netns_exists(const DevnetState& s) {
  return s.netns && fs::exists("/sys/class/net/" + s.netns->bridge);
}

Status netns_destroy(const DevnetState& s) {
  if (!s.netns) return {};
  Status first;
  for (const auto& n : s.nodes) {
    if (n.netns.empty() || !fs::exists("/run/netns/" + n.netns)) continue;
    Status st = run_tool({"ip", "netns", "delete", n.netns});
    if (!st.ok() && first.ok()) first = st;
  }
  // Host ends of veths go with their namespaces' ends; a veth whose peer was
  // never moved (a crash between the two steps) is removed here.
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    std::string veth = s.netns->veth_prefix + std::to_string(i);
    if (fs::exists("/sys/class/net/" + veth)) (void)run_tool({"ip", "link", "delete", veth});
  }
  if (fs::exists("/sys/class/net/" + s.netns->bridge)) {
    Status st = run_tool({"ip", "link", "delete", s.netns->bridge});
    if (!st.ok() && first.ok()) first = st;
  }
  return first;
}

Status netns_create(const DevnetState& s) {
  if (!s.netns) return {};
  MLCHAIN_TRY(netns_destroy(s));
  const NetnsPlan& p = *s.netns;
  MLCHAIN_TRY(run_tool({"ip", "link", "add", p.bridge, "type", "bridge"}));
  MLCHAIN_TRY(run_tool({"ip", "addr", "add", p.host_ip + "/24", "dev", p.bridge}));
  MLCHAIN_TRY(run_tool({"ip", "link", "set", p.bridge, "up"}));
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    const DevnetNode& n = s.nodes[i];
    std::string host_end = p.veth_prefix + std::to_string(i);
    std::string peer = p.veth_prefix + "p" + std::to_string(i);
    MLCHAIN_TRY(run_tool({"ip", "netns", "add", n.netns}));
    MLCHAIN_TRY(run_tool({"ip", "link", "add", host_end, "type", "veth", "peer", "name", peer}));
    MLCHAIN_TRY(run_tool({"ip", "link", "set", peer, "netns", n.netns}));
    MLCHAIN_TRY(run_tool({"ip", "link", "set", host_end, "master", p.bridge, "up"}));
    MLCHAIN_TRY(run_tool({"ip", "link", "set", "lo", "up"}, n.netns));
    MLCHAIN_TRY(run_tool({"ip", "link", "set", peer, "name", "eth0"}, n.netns));
    MLCHAIN_TRY(run_tool({"ip", "addr", "add", n.ip + "/24", "dev", "eth0"}, n.netns));
    MLCHAIN_TRY(run_tool({"ip", "link", "set", "eth0", "up"}, n.netns));
  }
  return {};
}

Status netns_partition(const DevnetState& s, const std::vector<const DevnetNode*>& a,
                       const std::vector<const DevnetNode*>& b) {
  if (!s.netns) return invalid_argument("partitions need a devnet started with --netns (this one runs on 127.0.0.1)");
  auto cut = [](const DevnetNode& from, const std::vector<const DevnetNode*>& others) -> Status {
    std::vector<std::string> ips;
    for (const auto* o : others)
      if (o->ip != from.ip) ips.push_back(o->ip);
    if (ips.empty()) return {};
    std::string list = joined(ips, ",");
    MLCHAIN_TRY(run_tool({"iptables", "-w", "-A", "INPUT", "-s", list, "-j", "DROP"}, from.netns));
    return run_tool({"iptables", "-w", "-A", "OUTPUT", "-d", list, "-j", "DROP"}, from.netns);
  };
  for (const auto* n : a) MLCHAIN_TRY(cut(*n, b));
  for (const auto* n : b) MLCHAIN_TRY(cut(*n, a));
  return {};
}

Status netns_heal(const DevnetState& s) {
  if (!s.netns) return invalid_argument("partitions need a devnet started with --netns (this one runs on 127.0.0.1)");
  Status first;
  for (const auto& n : s.nodes) {
    if (n.netns.empty() || !fs::exists("/run/netns/" + n.netns)) continue;
    for (const char* chain : {"INPUT", "OUTPUT"}) {
      Status st = run_tool({"iptables", "-w", "-F", chain}, n.netns);
      if (!st.ok() && first.ok()) first = st;
    }
  }
  return first;
}

std::map<std::string, std::vector<std::string>> netns_partitions(const DevnetState& s) {
  std::map<std::string, std::vector<std::string>> out;
  if (!s.netns) return out;
  for (const auto& n : s.nodes) {
    if (n.netns.empty() || !fs::exists("/run/netns/" + n.netns)) continue;
    std::string rules;
    if (!run_tool({"iptables", "-w", "-S", "INPUT"}, n.netns, &rules).ok()) continue;
    std::set<std::string> dropped;
    std::istringstream in(rules);
    for (std::string line; std::getline(in, line);) {
      auto at = line.find("-s ");
      if (line.rfind("-A INPUT", 0) != 0 || at == std::string::npos) continue;
      std::string ip = line.substr(at + 3, line.find_first_of("/ ", at + 3) - at - 3);
      dropped.insert(ip);
    }
    if (!dropped.empty()) out[n.name] = {dropped.begin(), dropped.end()};
  }
  return out;
}

}  // namespace mlchain::cli::devnet
