// block_client.h: blocks, proofs and contract records read from members.
#include "block_client.h"

#include <algorithm>
#include <map>

#include "mlchain/contract/packet.h"
#include "node_client.h"

namespace mlchain::cli {

Result<BlockSource> BlockSource::open(const std::string& url) {
  net::HttpsClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(5'000);
  o.total_timeout = std::chrono::milliseconds(30'000);
  MLCHAIN_ASSIGN_OR_RETURN(auto c, net::HttpsConnection::create(url, o));
  return BlockSource(url, std::move(c));
}

Result<codec::Json> BlockSource::block(std::uint64_t h) {
  MLCHAIN_ASSIGN_OR_RETURN(auto a, answer(h));
  return a["block"];
}

Result<codec::Json> BlockSource::answer(std::uint64_t h) {
  if (auto it = cache_.find(h); it != cache_.end()) return it->second;
  auto r = conn_.request("GET", "/v1/blocks/" + std::to_string(h));
  if (!r.ok()) return unavailable("cannot reach node " + url_ + ": " + r.status().message());
  if (r->status == 404) return not_found("block " + std::to_string(h) + " does not exist yet at " + url_);
  if (r->status != 200)
    return internal_error(url_ + " answered " + std::to_string(r->status) + " for block " + std::to_string(h));
  auto j = codec::parse(r->body, codec::ParseLimits{64u << 20, 64, 16u << 20, 10'000'000});
  if (!j.ok() || !j->contains("block")) return internal_error(url_ + " sent a malformed block " + std::to_string(h));
  if (cache_.size() >= kMaxCached) cache_.erase(std::next(cache_.begin()));  // the first is block 0 once asked
  cache_[h] = *j;
  return *j;
}

Result<std::uint64_t> BlockSource::epoch_of(std::uint64_t h) {
  MLCHAIN_ASSIGN_OR_RETURN(auto b, block(h));
  MLCHAIN_ASSIGN_OR_RETURN(auto parsed, ledger::block_from_json(b));
  return parsed.certificate.epoch;
}

// The proof of `ops` in block `height` (format in contract/proof.h).
Result<codec::Json> assemble_proof(BlockSource& src, std::uint64_t height, std::vector<std::size_t> ops) {
  MLCHAIN_ASSIGN_OR_RETURN(auto genesis, src.block(0));
  if (!genesis.contains("config")) return internal_error("the genesis block carries no blueprint");
  codec::Json blueprint = genesis["config"];
  std::uint64_t k =
      blueprint.contains("params") ? blueprint["params"].value("checkpoint_interval", std::uint64_t{16}) : 16;
  if (k == 0) k = 1;
  MLCHAIN_ASSIGN_OR_RETURN(auto answer, src.answer(height));
  codec::Json target = answer["block"];
  if (!answer.contains("results"))
    return failed_precondition(src.url() + " keeps no results for block " + std::to_string(height) +
                               " (applied by an older version): it cannot be proven from this node");
  if (!answer.contains("attestation"))
    return failed_precondition("block " + std::to_string(height) + " is not yet attested by f+1 members at " +
                               src.url() + "; retry in a moment, or ask another member");
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t target_epoch, src.epoch_of(height));
  codec::Json switches = codec::Json::array();
  std::uint64_t lo = 1;  // the first block of the epoch being searched
  for (std::uint64_t e = 1; e <= target_epoch; ++e) {
    // The boundary B_e: the last block certified in epoch e-1, i.e. the
    // largest h in [lo, height) with epoch(h) < e. Epochs never decrease.
    std::uint64_t a = lo, b = height;  // epoch(a) < e <= epoch(b)
    while (b - a > 1) {
      std::uint64_t mid = a + (b - a) / 2;
      MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t em, src.epoch_of(mid));
      (em < e ? a : b) = mid;
    }
    std::uint64_t boundary = a;
    if (boundary < k)
      return internal_error("epoch switch at height " + std::to_string(boundary) + " has no full window");
    codec::Json blocks = codec::Json::array();
    for (std::uint64_t h = boundary - k + 1; h <= boundary; ++h) {
      MLCHAIN_ASSIGN_OR_RETURN(auto blk, src.block(h));
      blocks.push_back(blk);
    }
    switches.push_back({{"boundary", boundary}, {"blocks", blocks}});
    lo = boundary + 1;
  }
  if (ops.empty()) {
    std::size_t n = target.contains("ops") && target["ops"].is_array() ? target["ops"].size() : 0;
    for (std::size_t i = 0; i < n; ++i) ops.push_back(i);
  }
  codec::Json indices = codec::Json::array();
  for (auto i : ops) indices.push_back(i);
  return codec::Json{{"v", 1},
                     {"type", "mlchain-block-proof"},
                     {"blueprint", blueprint},
                     {"epoch_switches", switches},
                     {"block", target},
                     {"results", answer["results"]},
                     {"attestation", answer["attestation"]},
                     {"ops", indices}};
}

Result<ContractAnswer> fetch_contract(const std::string& node, const std::string& id_text, const contract::BlockId& id,
                                      const crypto::PrivateKey& key) {
  MLCHAIN_ASSIGN_OR_RETURN(auto found, find_layer_members(node, id.layer));
  std::vector<std::string> members;  // the given node first when it is one of them
  for (const auto& m : found) {
    if (m.address == node) {
      members.insert(members.begin(), m.address);
    } else {
      members.push_back(m.address);
    }
  }
  Status last = unavailable("no member of " + id.layer + " answered");
  for (const auto& url : members) {
    auto info = node_request(url, "GET", "/v1/layer", {}, std::chrono::milliseconds(10'000));
    if (!info.ok()) {
      last = info.status();
      continue;
    }
    if (info->value("layer", "") != id.layer) {
      last = failed_precondition(url + " is not a member of " + id.layer);
      continue;
    }
    std::string genesis = info->value("genesis_hash", "");
    std::string target = "/v1/contracts/" + contract::url_segment(id_text);
    auto r = node_request(url, "GET", target, {}, std::chrono::milliseconds(20'000),
                          signed_query_headers(key, genesis, target));
    if (r.ok()) return ContractAnswer{*r, url, genesis};
    last = r.status();
    if (r.status().code() != ErrorCode::kUnavailable) return last;  // a refusal: another member would say the same
  }
  return last;
}

// The proofs of every K entry (one per chain block), each checked against
// `genesis`, plus the check that each entry's op carries its sum.
Result<codec::Json> contract_proofs(const std::string& member, const codec::Json& answer, const std::string& genesis,
                                    std::vector<contract::VerifiedProof>* verified) {
  std::map<std::uint64_t, std::vector<std::size_t>> by_height;
  for (const auto& e : answer.value("ops", codec::Json::array())) {
    if (!e.contains("op_index") || !e["op_index"].is_number_unsigned())
      return internal_error("the member could not locate the op of message " + e.value("sum", "?") + " in its chain");
    by_height[e.value("height", std::uint64_t{0})].push_back(e["op_index"].get<std::size_t>());
  }
  MLCHAIN_ASSIGN_OR_RETURN(auto src, BlockSource::open(member));
  codec::Json proofs = codec::Json::array();
  crypto::Ed25519Verifier verifier;
  for (auto& [h, idx] : by_height) {
    std::sort(idx.begin(), idx.end());
    idx.erase(std::unique(idx.begin(), idx.end()), idx.end());
    // Every op of the block is named: the verifier looks for the one that
    // accepted the message (its result), not just one carrying the sum.
    MLCHAIN_ASSIGN_OR_RETURN(auto proof, assemble_proof(src, h, {}));
    auto v = contract::verify_proof(proof.dump(), genesis, verifier);
    if (!v.ok()) return v.status().with_context("the proof of chain block " + std::to_string(h) + " does not verify");
    verified->push_back(*v);
    proofs.push_back(std::move(proof));
  }
  return proofs;
}

}  // namespace mlchain::cli
