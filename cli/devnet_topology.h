// The topology of a devnet (`mlchain devnet up --topology FILE`,
// docs/devnet.md): high-level layers, edge layers and standby deployments,
// read from TOML and checked, and the names and ports derived from it.
// Pure functions on values; cmd_devnet.cpp does the rest.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "mlchain/common/status.h"

namespace mlchain::cli::devnet {

inline constexpr int kMaxLayerNodes = 64;
inline constexpr int kMaxStandbys = 4;  // per layer path

struct TopologyLayer {
  std::string path;
  int nodes = 0;
  bool forward_to_all = false;  // forwarding = "all" (blueprint [contracts])
};

// A standby deployment of a high-level layer (issue 7): a PBFT layer of its
// own (keys, genesis, chain) with the same layer path, which the layer's
// subordinates take as their superior when every node of the layer is down.
struct TopologyStandby {
  std::string path;  // the layer it stands by for
  int nodes = 0;
  int ordinal = 0;   // 1-based among the standbys of `path`, in file order
};

struct Topology {
  std::vector<TopologyLayer> layers;      // high-level layers, in port order
  std::vector<std::string> edges;         // edge layer paths, ports after the layers
  std::vector<TopologyStandby> standbys;  // ports after the edges
};

// L2, L2/L1a and L2/L1b with 4 nodes each; edges E1, E2 under L1a and E3 under L1b.
Topology default_topology();
std::string parent_of(const std::string& path);  // "" for a root
std::string last_segment(const std::string& path);
// Segments of [A-Za-z0-9_-]{1,32}, 1..16 of them (the edge config's rule,
// which is the stricter one).
bool well_formed_path(const std::string& path);
std::size_t node_count(const Topology& t);
// "L2-s1": standby 1 of L2, as a directory name and a state-file key.
std::string standby_id(const std::string& path, int ordinal);
std::string lower(std::string s);
// Node names: the layer's last segment, lower case ("l1a-n1", "e1"); the
// whole path with '-' when two layers share a last segment. Standby k of a
// layer: the layer's prefix + "s<k>" ("l2s1-n1").
std::map<std::string, std::string> name_prefixes(const Topology& t);
// Every node name in port order (the order generate() assigns ports in).
std::vector<std::string> node_names(const Topology& t);
// InvalidArgument naming `source` and what is wrong: paths, node counts,
// missing superiors, edges with subordinates, standbys, name clashes, and
// the port range from `base_port`.
Status validate_topology(const Topology& t, unsigned base_port, const std::string& source);
// Strict TOML ([[layers]], [[edges]], [[standbys]]); errors name file:line:col.
Result<Topology> load_topology(const std::string& file);

}  // namespace mlchain::cli::devnet
