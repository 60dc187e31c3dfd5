// genesis.json as written by `mlchain layer create`:
//   {"blueprint": <ledger::to_json(Blueprint)>, "genesis": <block>, "genesis_hash": hex}
// Loading recomputes the genesis block from the blueprint and checks that its
// hash equals both the recorded hash and the recorded block's hash, so a
// hand-edited file is refused (VerificationFailed).
#pragma once

#include <filesystem>
#include <string>

#include "mlchain/codec/json.h"
#include "mlchain/ledger/block.h"
#include "mlchain/ledger/blueprint.h"

namespace mlchain::node {

struct GenesisFile {
  ledger::Blueprint blueprint;
  ledger::Block genesis;
  std::string hash_hex;
};

Result<GenesisFile> load_genesis_file(const std::filesystem::path& path);
// The same checks on a parsed document (e.g. GET /v1/genesis); `source`
// names it in errors.
Result<GenesisFile> parse_genesis_json(const codec::Json& j, const std::string& source);

}  // namespace mlchain::node
