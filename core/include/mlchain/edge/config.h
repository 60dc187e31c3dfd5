// EdgeConfig: the TOML file of an edge layer's central node
// (`mlchain node run --config FILE` when the file says role = "edge").
// docs/edge-node.md is the reference; docs/examples/edge-e1.toml an example.
//
//   role = "edge"                          # required: tells node run which daemon to start
//   name = "e1"                            # for logs and /v1/edge
//   key_file = "e1.pem"                    # `mlchain key gen` output: TLS identity of the node
//   listen = "127.0.0.1:7301"              # HTTPS bind address (numeric)
//   data_dir = "data/e1"                   # LMDB registry (created mode 0700)
//   layer = "L2/L1a/E1"                    # this edge layer's path: the prefix of every UUID
//   admin_keys = ["<64 hex>", ...]         # Ed25519 keys allowed to register/list/show/revoke/rotate
//   credentials = ["ed25519", "hmac"]      # schemes objects may use; add "unsigned" to allow it
//   history_limit = 100                    # data points kept per object (optional, 1..100000)
//   queue_limit = 256                      # undelivered messages per object (optional, 1..100000)
//   admin_skew_ms = 300000                 # admin request time window (optional, 1000..3600000)
//   durable = true                         # fsync every commit (optional; false only for benchmarks)
//   log_format = "text"                    # text | json (optional)
//   log_level = "info"                     # debug | info | warn | error (optional)
//   superior_refresh_ms = 30000            # superior address book refresh (optional,
//                                          # 1000..86400000; only with [superior])
//   [superior]                             # optional: the Layer-1 superior (superior.h)
//   path = "L2/L1a"                        # must be the parent of `layer`
//   genesis = "l1a/genesis.json"           # that layer's genesis.json (mlchain layer create)
//
// Relative paths are relative to the config file's directory. Strict like
// node/config.h: unknown keys, wrong types and bad values are InvalidArgument
// naming file:line:column. Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/crypto/ed25519.h"
#include "mlchain/edge/object.h"
#include "mlchain/node/config.h"

namespace mlchain::edge {

// The [superior] table: which layer this edge layer is a subordinate member
// of, and how to recognise it (its genesis file's hash).
struct SuperiorConfig {
  std::string path;                  // e.g. "L2/L1a": the parent of EdgeConfig::layer
  std::filesystem::path genesis;     // resolved against the config's directory
  std::int64_t refresh_ms = 30'000;  // top-level key superior_refresh_ms
};

struct EdgeConfig {
  std::string name;
  std::filesystem::path key_file;
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;
  std::filesystem::path data_dir;
  std::string layer;
  std::vector<crypto::PublicKey> admin_keys;
  CredentialPolicy policy;
  std::size_t history_limit = 100;
  std::size_t queue_limit = 256;
  std::int64_t admin_skew_ms = 300'000;
  bool durable = true;
  node::LogFormat log_format = node::LogFormat::kText;
  node::LogLevel log_level = node::LogLevel::kInfo;
  std::optional<SuperiorConfig> superior;  // none: no [superior] table
};

Result<EdgeConfig> parse_edge_config_toml(std::string_view text, std::string_view source_name,
                                          const std::filesystem::path& base_dir);
// At most 1 MiB.
Result<EdgeConfig> load_edge_config_file(const std::filesystem::path& path);

// The "role" key of a daemon config file: "edge" for an edge central node;
// "member" when the key is absent (a high-level layer member, node/config.h,
// whose parser refuses a "role" key). Only parses the TOML; InvalidArgument
// for unreadable or malformed files or a role other than "edge".
Result<std::string> config_file_role(const std::filesystem::path& path);

}  // namespace mlchain::edge
