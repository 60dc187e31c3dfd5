// toml++ stays in this file (heavy to compile; its types do not leak).
#include "mlchain/node/config.h"

#include <fstream>
#include <sstream>

#include "mlchain/config/toml_reader.h"

namespace mlchain::node {
namespace {

using Reader = config::TomlReader;

constexpr std::string_view kKeys[] = {"name",       "key_file",  "listen",    "data_dir",
                                      "genesis",    "log_format", "log_level", "op_timeout_ms",
                                      "review_interval_ms", "propose_when_idle", "superior_review_ms",
                                      "superior_freeze_rounds"};

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  return path.is_absolute() || base.empty() ? path : base / path;
}

}  // namespace

Result<NodeConfig> parse_node_config_toml(std::string_view text, std::string_view source_name,
                                          const std::filesystem::path& base_dir) {
  Reader r{std::string(source_name)};
  toml::table t;
  try {
    t = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return invalid_argument(std::string(source_name) + ":" + std::to_string(e.source().begin.line) + ":" +
                            std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  for (const auto& [k, v] : t) {
    bool known = false;
    for (auto a : kKeys) known |= k.str() == a;
    if (!known) {
      return r.error(&v, "unknown key '" + std::string(k.str()) +
                             "' (allowed: name, key_file, listen, data_dir, genesis, log_format, log_level, "
                             "op_timeout_ms, review_interval_ms, propose_when_idle, superior_review_ms, "
                             "superior_freeze_rounds)");
    }
  }
  NodeConfig c;
  MLCHAIN_ASSIGN_OR_RETURN(c.name, r.string(t, "name", true));
  MLCHAIN_ASSIGN_OR_RETURN(auto key_file, r.string(t, "key_file", true));
  MLCHAIN_ASSIGN_OR_RETURN(auto listen, r.string(t, "listen", true));
  MLCHAIN_ASSIGN_OR_RETURN(auto data_dir, r.string(t, "data_dir", true));
  MLCHAIN_ASSIGN_OR_RETURN(auto genesis, r.string(t, "genesis", true));
  MLCHAIN_ASSIGN_OR_RETURN(auto log_format, r.string(t, "log_format", false));
  MLCHAIN_ASSIGN_OR_RETURN(auto log_level, r.string(t, "log_level", false));
  c.key_file = resolve(base_dir, key_file);
  c.data_dir = resolve(base_dir, data_dir);
  c.genesis = resolve(base_dir, genesis);
  if (c.name.size() > 64) return r.error(t.get("name"), "'name' must be 1 to 64 characters");

  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return r.error(t.get("listen"), "'listen' must be host:port with a numeric address, e.g. 127.0.0.1:7101");
  }
  c.listen_host = listen.substr(0, colon);
  if (c.listen_host.size() > 2 && c.listen_host.front() == '[' && c.listen_host.back() == ']')
    c.listen_host = c.listen_host.substr(1, c.listen_host.size() - 2);
  std::string port = listen.substr(colon + 1);
  unsigned long value = 0;
  bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
  if (digits) value = std::stoul(port);
  if (!digits || value > 65535) return r.error(t.get("listen"), "'listen' port must be 0..65535");
  c.listen_port = static_cast<std::uint16_t>(value);

  if (log_format == "json") {
    c.log_format = LogFormat::kJson;
  } else if (!log_format.empty() && log_format != "text") {
    return r.error(t.get("log_format"), "'log_format' must be \"text\" or \"json\"");
  }
  if (log_level == "debug") {
    c.log_level = LogLevel::kDebug;
  } else if (log_level == "warn") {
    c.log_level = LogLevel::kWarn;
  } else if (log_level == "error") {
    c.log_level = LogLevel::kError;
  } else if (!log_level.empty() && log_level != "info") {
    return r.error(t.get("log_level"), "'log_level' must be debug, info, warn or error");
  }
  if (const toml::node* n = t.get("op_timeout_ms")) {
    auto v = Reader::integer_value(n);
    if (!v || *v < 100 || *v > 600'000) return r.error(n, "'op_timeout_ms' must be an integer in 100..600000");
    c.op_timeout_ms = static_cast<std::uint64_t>(*v);
  }
  if (const toml::node* n = t.get("review_interval_ms")) {
    auto v = Reader::integer_value(n);
    if (!v || (*v != 0 && (*v < 200 || *v > 3'600'000)))
      return r.error(n, "'review_interval_ms' must be 0 (off) or an integer in 200..3600000");
    c.review_interval_ms = static_cast<std::uint64_t>(*v);
  }
  if (const toml::node* n = t.get("superior_review_ms")) {
    auto v = Reader::integer_value(n);
    if (!v || (*v != 0 && (*v < 200 || *v > 3'600'000)))
      return r.error(n, "'superior_review_ms' must be 0 (off) or an integer in 200..3600000");
    c.superior_review_ms = static_cast<std::uint64_t>(*v);
  }
  if (const toml::node* n = t.get("superior_freeze_rounds")) {
    auto v = Reader::integer_value(n);
    if (!v || *v < 1 || *v > 100) return r.error(n, "'superior_freeze_rounds' must be an integer in 1..100");
    c.superior_freeze_rounds = static_cast<std::uint64_t>(*v);
  }
  if (const toml::node* n = t.get("propose_when_idle")) {
    if (!n->is_boolean()) return r.error(n, "'propose_when_idle' must be true or false");
    c.propose_when_idle = *n->value<bool>();
  }
  return c;
}

Result<NodeConfig> load_node_config_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument("cannot read node config " + path.string() + " (see docs/node-config.md)");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > (1u << 20)) return invalid_argument(path.string() + " is larger than 1 MiB");
  return parse_node_config_toml(text, path.string(), path.parent_path());
}

}  // namespace mlchain::node
