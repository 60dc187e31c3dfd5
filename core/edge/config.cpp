// toml++ stays in this file (heavy to compile; its types do not leak).
#include "mlchain/edge/config.h"

#include <fstream>
#include <sstream>

#include "mlchain/config/toml_reader.h"
#include "mlchain/edge/ids.h"

namespace mlchain::edge {
namespace {

constexpr std::string_view kKeys[] = {
    "role",          "name",       "key_file",    "listen",        "data_dir",
    "layer",         "admin_keys", "credentials", "history_limit", "queue_limit",
    "admin_skew_ms", "durable",    "log_format",  "log_level",     "superior_refresh_ms",
    "superior"};

using Reader = config::TomlReader;

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  return path.is_absolute() || base.empty() ? path : base / path;
}

// The [superior] table (its keys: path, genesis). `layer` is the edge
// layer's own, already validated, path.
Result<SuperiorConfig> parse_superior(const Reader& r, const toml::node& node, const std::string& layer,
                                      const std::filesystem::path& base_dir) {
  const toml::table* t = node.as_table();
  if (t == nullptr) {
    return r.error(&node,
                   "'superior' must be a table: [superior] with path = \"<parent layer>\" and genesis = "
                   "\"<its genesis.json>\"");
  }
  for (const auto& [k, v] : *t) {
    if (k.str() != "path" && k.str() != "genesis") {
      std::string hint = k.str() == "superior_refresh_ms" ? " (superior_refresh_ms is a top-level key: put it "
                                                            "before the [superior] table)"
                                                          : "";
      return r.error(&v, "unknown key '" + std::string(k.str()) + "' in [superior] (allowed: path, genesis)" + hint);
    }
  }
  SuperiorConfig s;
  for (std::string_view key : {"path", "genesis"}) {
    if (t->get(key) == nullptr) return r.error(t, "[superior]: missing key '" + std::string(key) + "'");
  }
  MLCHAIN_ASSIGN_OR_RETURN(s.path, r.string(*t, "path", true));
  MLCHAIN_ASSIGN_OR_RETURN(auto genesis, r.string(*t, "genesis", true));
  if (Status st = validate_layer_path(s.path); !st.ok()) {
    return r.error(t->get("path"), "[superior] 'path': " + st.message());
  }
  auto slash = layer.rfind('/');
  if (slash == std::string::npos) {
    return r.error(t->get("path"), "[superior]: the edge layer '" + layer +
                                       "' is at the root of the tree and has no superior; set 'layer' to a path "
                                       "below its superior's, e.g. \"" +
                                       s.path + "/" + layer + "\"");
  }
  if (s.path != layer.substr(0, slash)) {
    return r.error(t->get("path"), "[superior] 'path' is \"" + s.path + "\" but the superior of layer \"" + layer +
                                       "\" is \"" + layer.substr(0, slash) + "\" (its parent path)");
  }
  s.genesis = resolve(base_dir, genesis);
  return s;
}

Result<toml::table> parse_toml(std::string_view text, std::string_view source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return invalid_argument(std::string(source_name) + ":" + std::to_string(e.source().begin.line) + ":" +
                            std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
}

Result<std::string> read_small_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument("cannot read config " + path.string() + " (see docs/edge-node.md)");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > (1u << 20)) return invalid_argument(path.string() + " is larger than 1 MiB");
  return text;
}

}  // namespace

Result<EdgeConfig> parse_edge_config_toml(std::string_view text, std::string_view source_name,
                                          const std::filesystem::path& base_dir) {
  Reader r{std::string(source_name)};
  MLCHAIN_ASSIGN_OR_RETURN(toml::table t, parse_toml(text, source_name));
  for (const auto& [k, v] : t) {
    bool known = false;
    for (auto a : kKeys) known |= k.str() == a;
    if (!known) {
      return r.error(
          &v, "unknown key '" + std::string(k.str()) +
                  "' (allowed: role, name, key_file, listen, data_dir, layer, admin_keys, credentials, "
                  "history_limit, queue_limit, admin_skew_ms, durable, log_format, log_level, superior_refresh_ms, "
                  "[superior])");
    }
  }
  MLCHAIN_ASSIGN_OR_RETURN(auto role, r.string(t, "role", true));
  if (role != "edge") return r.error(t.get("role"), "'role' must be \"edge\" in an edge node config");
  EdgeConfig c;
  MLCHAIN_ASSIGN_OR_RETURN(c.name, r.string(t, "name", true));
  if (c.name.size() > 64) return r.error(t.get("name"), "'name' must be 1 to 64 characters");
  MLCHAIN_ASSIGN_OR_RETURN(auto key_file, r.string(t, "key_file", true));
  MLCHAIN_ASSIGN_OR_RETURN(auto listen, r.string(t, "listen", true));
  MLCHAIN_ASSIGN_OR_RETURN(auto data_dir, r.string(t, "data_dir", true));
  MLCHAIN_ASSIGN_OR_RETURN(c.layer, r.string(t, "layer", true));
  if (Status st = validate_layer_path(c.layer); !st.ok()) return r.error(t.get("layer"), "'layer': " + st.message());
  c.key_file = resolve(base_dir, key_file);
  c.data_dir = resolve(base_dir, data_dir);

  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return r.error(t.get("listen"), "'listen' must be host:port with a numeric address, e.g. 127.0.0.1:7301");
  }
  c.listen_host = listen.substr(0, colon);
  if (c.listen_host.size() > 2 && c.listen_host.front() == '[' && c.listen_host.back() == ']')
    c.listen_host = c.listen_host.substr(1, c.listen_host.size() - 2);
  std::string port = listen.substr(colon + 1);
  bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
  unsigned long value = digits ? std::stoul(port) : 0;
  if (!digits || value > 65535) return r.error(t.get("listen"), "'listen' port must be 0..65535");
  c.listen_port = static_cast<std::uint16_t>(value);

  MLCHAIN_ASSIGN_OR_RETURN(auto admins, r.strings(t, "admin_keys"));
  if (admins.empty()) {
    return r.error(t.get("admin_keys") ? t.get("admin_keys") : &t,
                   "'admin_keys' must list at least one Ed25519 public key (hex; mlchain key show --key admin.pem)");
  }
  for (const auto& a : admins) {
    auto k = crypto::PublicKey::from_hex(a);
    if (!k.ok())
      return r.error(t.get("admin_keys"), "'admin_keys': '" + a.substr(0, 80) + "' is not a 64-hex public key");
    c.admin_keys.push_back(*k);
  }
  if (t.get("credentials") != nullptr) {
    MLCHAIN_ASSIGN_OR_RETURN(auto schemes, r.strings(t, "credentials"));
    c.policy = CredentialPolicy{false, false, false};
    for (const auto& s : schemes) {
      auto scheme = parse_scheme(s);
      if (!scheme.ok()) return r.error(t.get("credentials"), "'credentials': " + scheme.status().message());
      if (*scheme == Scheme::kEd25519) c.policy.ed25519 = true;
      if (*scheme == Scheme::kHmac) c.policy.hmac = true;
      if (*scheme == Scheme::kUnsigned) c.policy.allow_unsigned = true;
    }
    if (schemes.empty()) return r.error(t.get("credentials"), "'credentials' must allow at least one scheme");
  }
  MLCHAIN_ASSIGN_OR_RETURN(auto history, r.integer(t, "history_limit", 100, 1, 100'000));
  MLCHAIN_ASSIGN_OR_RETURN(auto queue, r.integer(t, "queue_limit", 256, 1, 100'000));
  MLCHAIN_ASSIGN_OR_RETURN(c.admin_skew_ms, r.integer(t, "admin_skew_ms", 300'000, 1'000, 3'600'000));
  c.history_limit = static_cast<std::size_t>(history);
  c.queue_limit = static_cast<std::size_t>(queue);
  if (const toml::node* n = t.get("durable")) {
    auto v = n->value<bool>();
    if (!v || !n->is_boolean()) return r.error(n, "'durable' must be true or false");
    c.durable = *v;
  }
  MLCHAIN_ASSIGN_OR_RETURN(auto log_format, r.string(t, "log_format", false));
  MLCHAIN_ASSIGN_OR_RETURN(auto log_level, r.string(t, "log_level", false));
  if (log_format == "json") {
    c.log_format = node::LogFormat::kJson;
  } else if (!log_format.empty() && log_format != "text") {
    return r.error(t.get("log_format"), "'log_format' must be \"text\" or \"json\"");
  }
  if (log_level == "debug") {
    c.log_level = node::LogLevel::kDebug;
  } else if (log_level == "warn") {
    c.log_level = node::LogLevel::kWarn;
  } else if (log_level == "error") {
    c.log_level = node::LogLevel::kError;
  } else if (!log_level.empty() && log_level != "info") {
    return r.error(t.get("log_level"), "'log_level' must be debug, info, warn or error");
  }
  if (const toml::node* n = t.get("superior")) {
    MLCHAIN_ASSIGN_OR_RETURN(c.superior, parse_superior(r, *n, c.layer, base_dir));
    MLCHAIN_ASSIGN_OR_RETURN(c.superior->refresh_ms, r.integer(t, "superior_refresh_ms", 30'000, 1'000, 86'400'000));
  } else if (t.get("superior_refresh_ms") != nullptr) {
    return r.error(t.get("superior_refresh_ms"),
                   "'superior_refresh_ms' needs a [superior] table (path and genesis of the superior layer)");
  }
  return c;
}

Result<EdgeConfig> load_edge_config_file(const std::filesystem::path& path) {
  MLCHAIN_ASSIGN_OR_RETURN(auto text, read_small_file(path));
  return parse_edge_config_toml(text, path.string(), path.parent_path());
}

Result<std::string> config_file_role(const std::filesystem::path& path) {
  MLCHAIN_ASSIGN_OR_RETURN(auto text, read_small_file(path));
  MLCHAIN_ASSIGN_OR_RETURN(toml::table t, parse_toml(text, path.string()));
  const toml::node* n = t.get("role");
  if (n == nullptr) return std::string("member");
  auto v = n->value<std::string>();
  if (!v || *v != "edge") {
    return invalid_argument(path.string() +
                            ": 'role' must be \"edge\" (an edge central node) or absent (a layer member)");
  }
  return *v;
}

}  // namespace mlchain::edge
