// Layer blueprints in TOML: the file an administrator writes to establish a
// layer (`mlchain layer create --blueprint FILE`). docs/blueprint.md is the
// reference; docs/examples/layer-L1a.toml is a complete example.
//
//   layer = "L2/L1a"                       # layer path from the root
//   genesis_time = 2026-11-25T00:00:00Z    # fixed: every member hashes the same genesis
//   admin_keys = ["<64 hex>", ...]         # keys allowed to administer the layer
//   [consensus]                            # all optional; defaults shown in the docs
//   batch_size = 64
//   [[members]]                            # in order: replica id = position
//   name = "n1"
//   public_key = "<64 hex>"
//   address = "https://127.0.0.1:7101"
//   [superior]                             # optional
//   path = "L2"
//   [[superior.members]] ...
//   [[subordinates]]                       # optional, repeated
//   path = "L2/L1a/E1"
//   [[subordinates.members]] ...
//
// Parsing is strict: unknown keys, wrong types and bad values are errors that
// name the file, line and key. Thread-safe (pure functions).
#pragma once

#include <filesystem>
#include <string_view>

#include "mlchain/ledger/blueprint.h"

namespace mlchain::config {

Result<ledger::Blueprint> parse_blueprint_toml(std::string_view text, std::string_view source_name);
// At most 1 MiB. InvalidArgument for unreadable or malformed files.
Result<ledger::Blueprint> load_blueprint_file(const std::filesystem::path& path);

}  // namespace mlchain::config
