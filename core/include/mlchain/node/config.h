// NodeConfig: the TOML file of one daemon (`mlchain node run --config FILE`).
// docs/node-config.md is the reference; docs/examples/node-n1.toml an example.
//
//   name = "n1"                         # must match the member name in the genesis
//   key_file = "n1.pem"                 # `mlchain key gen` output: key + certificate
//   listen = "127.0.0.1:7101"           # HTTPS (client API + /v1/peer) bind address
//   data_dir = "data/n1"                # LMDB store (created mode 0700)
//   genesis = "l1a/genesis.json"        # written by `mlchain layer create`
//   log_format = "text"                 # text | json (optional)
//   log_level = "info"                  # debug | info | warn | error (optional)
//   op_timeout_ms = 10000               # how long POST /v1/ops waits (optional)
//   review_interval_ms = 30000          # peer review period, jittered; 0 disables (optional)
//   propose_when_idle = true            # as primary, propose a partial batch at once when idle (optional)
//   superior_review_ms = 5000           # superior review period, jittered; 0 disables (optional)
//   superior_freeze_rounds = 2          # silent rounds before the superior alarm (optional)
//
// Relative paths are relative to the directory of the config file. Parsing is
// strict: unknown keys, wrong types and bad values are InvalidArgument errors
// naming file:line:column and the key. Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "mlchain/common/status.h"

namespace mlchain::node {

enum class LogFormat : std::uint8_t { kText, kJson };
enum class LogLevel : std::uint8_t { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct NodeConfig {
  std::string name;
  std::filesystem::path key_file;
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;
  std::filesystem::path data_dir;
  std::filesystem::path genesis;
  LogFormat log_format = LogFormat::kText;
  LogLevel log_level = LogLevel::kInfo;
  std::uint64_t op_timeout_ms = 10'000;
  std::uint64_t review_interval_ms = 30'000;
  bool propose_when_idle = true;
  // The contract relay's superior review (docs/contracts.md §9): how often
  // each member challenges the superior's members, and how many rounds in a
  // row without an answer raise the alarm, freeze traffic upwards and start
  // trying alternate superiors. Failover takes about their product.
  std::uint64_t superior_review_ms = 5'000;
  std::uint64_t superior_freeze_rounds = 2;
};

// `base_dir` resolves relative paths (normally the config file's directory).
Result<NodeConfig> parse_node_config_toml(std::string_view text, std::string_view source_name,
                                          const std::filesystem::path& base_dir);
// At most 1 MiB. InvalidArgument for unreadable or malformed files.
Result<NodeConfig> load_node_config_file(const std::filesystem::path& path);

}  // namespace mlchain::node
