#include "devnet_topology.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace mlchain::cli::devnet {

Topology default_topology() {
  return {{{"L2", 4}, {"L2/L1a", 4}, {"L2/L1b", 4}}, {"L2/L1a/E1", "L2/L1a/E2", "L2/L1b/E3"}, {}};
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string last_segment(const std::string& path) { return path.substr(path.rfind('/') + 1); }

bool well_formed_path(const std::string& path) {
  std::vector<std::string> segs;
  std::string cur;
  for (char c : path + "/") {
    if (c == '/') {
      if (cur.empty() || cur.size() > 32) return false;
      segs.push_back(cur);
      cur.clear();
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') {
      cur += c;
    } else {
      return false;
    }
  }
  return !segs.empty() && segs.size() <= 16;
}

std::size_t node_count(const Topology& t) {
  std::size_t n = t.edges.size();
  for (const auto& l : t.layers) n += static_cast<std::size_t>(l.nodes);
  for (const auto& b : t.standbys) n += static_cast<std::size_t>(b.nodes);
  return n;
}

std::string standby_id(const std::string& path, int ordinal) { return path + "-s" + std::to_string(ordinal); }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::map<std::string, std::string> name_prefixes(const Topology& t) {
  std::map<std::string, int> seen;
  std::vector<std::string> paths;
  for (const auto& l : t.layers) paths.push_back(l.path);
  for (const auto& e : t.edges) paths.push_back(e);
  for (const auto& p : paths) ++seen[lower(last_segment(p))];
  std::map<std::string, std::string> out;
  for (const auto& p : paths) {
    std::string s = lower(last_segment(p));
    if (seen[s] > 1) {
      s = lower(p);
      std::replace(s.begin(), s.end(), '/', '-');
    }
    out[p] = s;
  }
  return out;
}

std::vector<std::string> node_names(const Topology& t) {
  auto prefixes = name_prefixes(t);
  std::vector<std::string> out;
  for (const auto& l : t.layers)
    for (int i = 1; i <= l.nodes; ++i) out.push_back(prefixes[l.path] + "-n" + std::to_string(i));
  for (const auto& e : t.edges) out.push_back(prefixes[e]);
  for (const auto& b : t.standbys)
    for (int i = 1; i <= b.nodes; ++i)
      out.push_back(prefixes[b.path] + "s" + std::to_string(b.ordinal) + "-n" + std::to_string(i));
  return out;
}

Status validate_topology(const Topology& t, unsigned base_port, const std::string& source) {
  if (t.layers.empty())
    return invalid_argument(source + ": no [[layers]]: a devnet needs at least one high-level layer");
  std::set<std::string> layers, all;
  for (const auto& l : t.layers) {
    if (!well_formed_path(l.path))
      return invalid_argument(source + ": layer path '" + l.path +
                              "' is not like L2/L1a (1..16 segments of letters, digits, _ and -)");
    if (l.nodes < 1 || l.nodes > kMaxLayerNodes)
      return invalid_argument(source + ": layer " + l.path + " has " + std::to_string(l.nodes) +
                              " nodes; 1 to 64 are allowed");
    if (!all.insert(l.path).second) return invalid_argument(source + ": layer " + l.path + " is listed twice");
    layers.insert(l.path);
  }
  for (const auto& l : t.layers) {
    std::string parent = parent_of(l.path);
    if (!parent.empty() && layers.count(parent) == 0)
      return invalid_argument(source + ": the superior of " + l.path + " (" + parent + ") is not listed in [[layers]]");
  }
  for (const auto& e : t.edges) {
    if (!well_formed_path(e) || parent_of(e).empty())
      return invalid_argument(source + ": edge path '" + e +
                              "' is not like L2/L1a/E1 (an edge needs a superior layer)");
    if (!all.insert(e).second) return invalid_argument(source + ": " + e + " is listed twice");
    if (layers.count(parent_of(e)) == 0)
      return invalid_argument(source + ": the superior of edge " + e + " (" + parent_of(e) +
                              ") is not listed in [[layers]]");
  }
  for (const auto& e : t.edges)
    for (const auto& p : all)
      if (parent_of(p) == e)
        return invalid_argument(source + ": " + p + " is under edge " + e +
                                "; an edge layer has no subordinate layers");
  std::set<std::string> edges(t.edges.begin(), t.edges.end());
  std::map<std::string, int> standbys_of;
  for (const auto& b : t.standbys) {
    if (edges.count(b.path) != 0)
      return invalid_argument(source + ": standby of " + b.path +
                              ": it is an edge layer; only high-level layers ([[layers]]) can have standbys");
    if (layers.count(b.path) == 0)
      return invalid_argument(source + ": standby of " + b.path + ": " + b.path + " is not listed in [[layers]]");
    if (b.nodes < 1 || b.nodes > kMaxLayerNodes)
      return invalid_argument(source + ": standby of " + b.path + " has " + std::to_string(b.nodes) +
                              " nodes; 1 to 64 are allowed");
    if (++standbys_of[b.path] > kMaxStandbys)
      return invalid_argument(source + ": layer " + b.path + " has more than " + std::to_string(kMaxStandbys) +
                              " standbys");
    for (const auto& e : t.edges)
      if (parent_of(e) == b.path)
        return invalid_argument(source + ": standby of " + b.path + " (edge " + e +
                                " is under it): a standby of a layer with edge layers directly below it is not "
                                "supported: edges attach to one superior");
  }
  std::set<std::string> names;
  for (const auto& name : node_names(t))
    if (!names.insert(name).second)
      return invalid_argument(source + ": two nodes would both be named " + name +
                              "; rename a layer (node names come from the last path segment)");
  std::size_t n = node_count(t);
  if (base_port < 1024 || base_port + n - 1 > 65535)
    return invalid_argument(source + ": " + std::to_string(n) + " nodes need ports " + std::to_string(base_port) +
                            ".." + std::to_string(base_port + n - 1) + "; choose --base-port between 1024 and " +
                            std::to_string(65536 - n));
  return Status();
}

Result<Topology> load_topology(const std::string& file) {
  std::ifstream in(file);
  if (!in) return invalid_argument("cannot read topology " + file + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  toml::table root;
  try {
    root = toml::parse(ss.str(), file);
  } catch (const toml::parse_error& e) {
    return invalid_argument(file + ":" + std::to_string(e.source().begin.line) + ":" +
                            std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  auto where = [&](const toml::node& n) {
    return file + ":" + std::to_string(n.source().begin.line) + ":" + std::to_string(n.source().begin.column) + ": ";
  };
  auto tables = [&](const char* key, std::initializer_list<const char*> keys,
                    std::vector<const toml::table*>& out) -> Status {
    const toml::node* node = root.get(key);
    if (node == nullptr) return Status();
    const toml::array* arr = node->as_array();
    if (arr == nullptr)
      return invalid_argument(where(*node) + "'" + key + "' must be an array of tables: [[" + key + "]]");
    for (const auto& el : *arr) {
      const toml::table* t = el.as_table();
      if (t == nullptr)
        return invalid_argument(where(el) + "each '" + key + "' entry must be a table: [[" + key + "]]");
      for (const auto& [k, v] : *t) {
        if (std::find_if(keys.begin(), keys.end(), [&](const char* a) { return k.str() == a; }) == keys.end())
          return invalid_argument(where(v) + "unknown key '" + std::string(k.str()) + "' in [[" + key + "]]");
      }
      if (!t->get("path") || !t->get("path")->is_string())
        return invalid_argument(where(*t) + "[[" + key + "]] needs path = \"...\"");
      out.push_back(t);
    }
    return Status();
  };
  for (const auto& [k, v] : root)
    if (k.str() != "layers" && k.str() != "edges" && k.str() != "standbys")
      return invalid_argument(where(v) + "unknown key '" + std::string(k.str()) +
                              "' (expected [[layers]], [[edges]] and [[standbys]])");
  std::vector<const toml::table*> layer_tables, edge_tables, standby_tables;
  MLCHAIN_TRY(tables("layers", {"path", "nodes", "forwarding"}, layer_tables));
  MLCHAIN_TRY(tables("edges", {"path"}, edge_tables));
  MLCHAIN_TRY(tables("standbys", {"path", "nodes"}, standby_tables));
  auto node_count_of = [&](const toml::table& t, const char* key) -> Result<int> {
    const toml::node* nodes = t.get("nodes");
    if (nodes == nullptr || !nodes->is_integer())
      return invalid_argument(where(t) + "[[" + key + "]] needs nodes = N (an integer, 1 to 64)");
    auto n = nodes->value<std::int64_t>().value_or(0);
    if (n < 1 || n > kMaxLayerNodes)
      return invalid_argument(where(*nodes) + "nodes = " + std::to_string(n) + ": a layer has 1 to 64 nodes");
    return static_cast<int>(n);
  };
  Topology t;
  for (const auto* lt : layer_tables) {
    MLCHAIN_ASSIGN_OR_RETURN(int n, node_count_of(*lt, "layers"));
    bool all = false;
    if (const toml::node* f = lt->get("forwarding")) {
      auto mode = f->value<std::string>();
      if (!mode || (*mode != "responsible" && *mode != "all"))
        return invalid_argument(where(*f) + "forwarding must be \"responsible\" or \"all\"");
      all = *mode == "all";
    }
    t.layers.push_back({lt->get("path")->value<std::string>().value_or(""), n, all});
  }
  for (const auto* et : edge_tables) t.edges.push_back(et->get("path")->value<std::string>().value_or(""));
  std::map<std::string, int> ordinals;
  for (const auto* bt : standby_tables) {
    MLCHAIN_ASSIGN_OR_RETURN(int n, node_count_of(*bt, "standbys"));
    std::string path = bt->get("path")->value<std::string>().value_or("");
    t.standbys.push_back({path, n, ++ordinals[path]});
  }
  return t;
}

}  // namespace mlchain::cli::devnet
