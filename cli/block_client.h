// Reading blocks and contract records from a layer's members, and building
// their proofs (contract/proof.h) — for `block query` and `bench soak`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"
#include "mlchain/contract/packet.h"
#include "mlchain/contract/proof.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/net/https_client.h"

namespace mlchain::cli {

// Blocks from one member over one kept-open connection, each fetched once
// (at most kMaxCached kept; the genesis block always).
class BlockSource {
 public:
  static constexpr std::size_t kMaxCached = 4096;
  static Result<BlockSource> open(const std::string& url);
  Result<codec::Json> block(std::uint64_t h);
  // The whole answer of GET /v1/blocks/<h>: block, hash, results, attestation.
  Result<codec::Json> answer(std::uint64_t h);
  const std::string& url() const { return url_; }
  Result<std::uint64_t> epoch_of(std::uint64_t h);

 private:
  BlockSource(std::string url, net::HttpsConnection c) : url_(std::move(url)), conn_(std::move(c)) {}
  std::string url_;
  net::HttpsConnection conn_;
  std::map<std::uint64_t, codec::Json> cache_;
};

// The proof of `ops` (all when empty) in block `height`.
Result<codec::Json> assemble_proof(BlockSource& src, std::uint64_t height, std::vector<std::size_t> ops);

struct ContractAnswer {
  codec::Json answer;   // GET /v1/contracts/<id>
  std::string member;   // who answered
  std::string genesis;  // that member's genesis hash for the layer
};

// Contract block `id_text` (parsed: `id`) from a member of its layer, found
// from `node`; the query signed by `key` (a member, admin or party edge key).
// Members are tried in turn while unreachable; a refusal is returned.
Result<ContractAnswer> fetch_contract(const std::string& node, const std::string& id_text, const contract::BlockId& id,
                                      const crypto::PrivateKey& key);

// The proofs of every message entry of a contract record (one per chain
// block), each checked against `genesis`; the checked ones in `verified`.
Result<codec::Json> contract_proofs(const std::string& member, const codec::Json& answer, const std::string& genesis,
                                    std::vector<contract::VerifiedProof>* verified);

}  // namespace mlchain::cli
