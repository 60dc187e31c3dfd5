// The state of a devnet (DIR/devnet.json, docs/devnet.md) and the process
// plumbing every devnet command and `bench soak` share: load and save the
// state, tell whether a recorded pid is still our daemon, start a node.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "devnet_topology.h"
#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"

namespace mlchain::cli::devnet {

inline constexpr unsigned kDefaultBasePort = 7400;
inline constexpr const char* kStateFile = "devnet.json";

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
  std::string netns;  // the node's network namespace ("" on loopback)
  std::string ip;     // its address in the namespace ("" on loopback)
};

// What `devnet up --netns` creates (devnet_netns.h); recorded before it is
// created, so `down` removes it even after `up` crashed half way.
struct NetnsPlan {
  std::string bridge;       // host side: a bridge with `host_ip`/24
  std::string subnet;       // "10.a.b.0/24"
  std::string host_ip;      // "10.a.b.1"
  std::string veth_prefix;  // host ends are <prefix><index>
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
  std::optional<NetnsPlan> netns;
};

// "L2", or "L2 (standby 1)" for a standby's node.
std::string layer_label(const DevnetNode& n);
codec::Json state_json(const DevnetState& s);
Status write_state(const DevnetState& s);
Result<DevnetState> load_state(const std::string& dir);
// `dir` made absolute first.
Result<DevnetState> load_for(const std::string& dir);

std::string read_small_file(const std::string& path);

// Alive and still the daemon we started: not a zombie, and its command line
// names our config file (a reused pid belongs to someone else).
enum class PidState { kOurs, kGone, kReused };
PidState pid_state(pid_t pid, const std::string& config);

// fork (+ setsid) + exec of this binary with `args`; stdout and stderr
// appended to `log`; inside network namespace `netns` when not empty.
Result<pid_t> spawn_self(const std::vector<std::string>& args, const std::string& log, bool new_session,
                         const std::string& netns = "");
// `node run --config` of one node of the devnet, in its namespace.
Result<pid_t> spawn_node(const DevnetNode& n);

// The last `lines` lines of a file, indented for an error message.
std::string log_tail(const std::string& path, std::size_t lines);

}  // namespace mlchain::cli::devnet
