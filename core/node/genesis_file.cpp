#include "mlchain/node/genesis_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "mlchain/crypto/hash.h"
#include "mlchain/ledger/ledger.h"

namespace mlchain::node {

Result<GenesisFile> load_genesis_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return invalid_argument("cannot read genesis file " + path.string() + ": " + std::strerror(err) +
                            " (paths in a config file are relative to its directory; a layer's genesis.json is "
                            "written by: mlchain layer create --blueprint FILE --out DIR)");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  codec::ParseLimits limits;
  limits.max_bytes = 16u << 20;
  auto j = codec::parse(ss.str(), limits);
  if (!j.ok()) return j.status().with_context("genesis file " + path.string());
  return parse_genesis_json(*j, "genesis file " + path.string());
}

Result<GenesisFile> parse_genesis_json(const codec::Json& doc, const std::string& source) {
  const codec::Json* j = &doc;
  if (!j->is_object() || !j->contains("blueprint") || !j->contains("genesis") || !j->contains("genesis_hash") ||
      !(*j)["genesis_hash"].is_string()) {
    return invalid_argument(source + " must hold {blueprint, genesis, genesis_hash}");
  }
  GenesisFile g;
  MLCHAIN_ASSIGN_OR_RETURN(g.blueprint, ledger::blueprint_from_json((*j)["blueprint"]));
  auto block = ledger::block_from_json((*j)["genesis"]);
  if (!block.ok()) return block.status().with_context("genesis block in " + source);
  g.genesis = ledger::make_genesis(g.blueprint);
  g.hash_hex = crypto::digest_hex(g.genesis.hash());
  if (g.hash_hex != (*j)["genesis_hash"].get<std::string>() || block->hash() != g.genesis.hash()) {
    return verification_failed(source +
                               " does not match its blueprint (recomputed hash " + g.hash_hex +
                               "); recreate it with mlchain layer create");
  }
  return g;
}

}  // namespace mlchain::node
