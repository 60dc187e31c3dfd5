// `devnet up --netns`: every node of a devnet a separate host, in its own
// network namespace with its own address on a bridge the tool creates, and
// partitions between them as iptables rules inside the namespaces
// (docs/devnet.md "Separate hosts"). Root only; uses iproute2's `ip` and
// `iptables`. Everything it creates is named after the devnet's directory
// and recorded in the state file before it exists, so `devnet down` removes
// it also after a crash of `up`.
#pragma once

#include <string>
#include <vector>

#include "devnet_state.h"

namespace mlchain::cli::devnet {

// Refuses (with what to do) unless this process is root and `ip` and
// `iptables` are installed.
Status netns_host_check();

// Names (bridge, veths, namespaces) from `dir`, and the subnet: `subnet`
// ("10.a.b.0/24") when given, else one derived from `dir`; refused when any
// interface of the host already has an address in it.
Result<NetnsPlan> plan_netns(const std::string& dir, const std::string& subnet);
// The namespace name and address of the i-th node (0-based).
std::string netns_name(const NetnsPlan& plan, const std::string& node);
std::string netns_ip(const NetnsPlan& plan, std::size_t index);

// Creates the bridge and, per node, its namespace (lo up, eth0 = one end of a
// veth pair whose other end is on the bridge). Whatever of it already exists
// (a crashed `up`) is removed first.
Status netns_create(const DevnetState& s);
// Removes every namespace and the bridge; what is already gone is fine.
// Returns the first error, after trying everything.
Status netns_destroy(const DevnetState& s);
// True when the bridge of `s` exists.
bool netns_exists(const DevnetState& s);

// Cuts every node of `a` off from every node of `b` (both directions, DROP
// rules in both sides' namespaces). The host (clients, the CLI) still
// reaches every node.
Status netns_partition(const DevnetState& s, const std::vector<const DevnetNode*>& a,
                       const std::vector<const DevnetNode*>& b);
// Removes every partition rule.
Status netns_heal(const DevnetState& s);
// The addresses each node currently drops, by node name (for status).
std::map<std::string, std::vector<std::string>> netns_partitions(const DevnetState& s);

// Runs a program (argv[0] a path, or looked up in /usr/sbin, /sbin, /usr/bin, /bin),
// inside network namespace `netns` when not empty; its output in the error.
Status run_tool(const std::vector<std::string>& argv, const std::string& netns = "", std::string* output = nullptr);

}  // namespace mlchain::cli::devnet
