#include "mlchain/contract/proof.h"

#include <map>
#include <set>

#include "mlchain/codec/fields.h"
#include "mlchain/consensus/reconfig.h"
#include "mlchain/contract/state_machine.h"
#include "mlchain/ledger/verify.h"
#include "mlchain/node/signed_op.h"

namespace mlchain::contract {
namespace {

using codec::Json;

Result<ledger::Block> load(const ledger::Ledger& l, std::uint64_t h) {
  MLCHAIN_ASSIGN_OR_RETURN(auto b, l.block(h));
  if (!b) return not_found("the ledger has no block " + std::to_string(h));
  return std::move(*b);
}

// The smallest height in [1, hi] whose certificate epoch is >= e.
Result<std::uint64_t> first_height_of_epoch(const ledger::Ledger& l, consensus::Epoch e, std::uint64_t hi) {
  std::uint64_t lo = 1;
  while (lo < hi) {
    std::uint64_t mid = lo + (hi - lo) / 2;
    MLCHAIN_ASSIGN_OR_RETURN(ledger::Block b, load(l, mid));
    if (b.certificate.epoch >= e) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

Status fail(std::string m) { return verification_failed("proof refused: " + std::move(m)); }

// Untrusted proof text: size, depth and string limits (a contract bundle
// nests block proofs two levels deeper).
Result<Json> parse_proof(std::string_view text, std::size_t max_depth) {
  codec::ParseLimits limits;
  limits.max_bytes = kMaxProofBytes;
  limits.max_depth = max_depth;
  limits.max_string_bytes = 2 * consensus::kMaxOpBytes + 64;
  limits.max_elements = 4'000'000;
  return codec::parse(text, limits);
}

Result<VerifiedProof> verify_parsed_proof(const Json& j, std::string_view trusted_hex, const crypto::Verifier& verifier);

}  // namespace

Result<codec::Json> make_proof(const ledger::Ledger& l, std::uint64_t height, const std::vector<std::size_t>& op_indices) {
  if (height == 0) return invalid_argument("block 0 is the genesis block; prove it by its hash alone");
  MLCHAIN_ASSIGN_OR_RETURN(ledger::Block target, load(l, height));
  for (auto i : op_indices)
    if (i >= target.ops.size())
      return invalid_argument("block " + std::to_string(height) + " has " + std::to_string(target.ops.size()) +
                              " ops; there is no op " + std::to_string(i));
  MLCHAIN_ASSIGN_OR_RETURN(ledger::Block genesis, load(l, 0));
  if (!genesis.config) return corruption("the genesis block carries no blueprint");
  MLCHAIN_ASSIGN_OR_RETURN(ledger::Blueprint bp, ledger::blueprint_from_json(*genesis.config));
  std::uint64_t k = std::max<std::uint64_t>(1, bp.params.checkpoint_interval);
  Json switches = Json::array();
  for (consensus::Epoch e = 1; e <= target.certificate.epoch; ++e) {
    MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t first, first_height_of_epoch(l, e, height));
    std::uint64_t boundary = first - 1;
    if (boundary < k || boundary % k != 0)
      return corruption("epoch " + std::to_string(e) + " starts after block " + std::to_string(boundary) +
                        ", which is not a checkpoint boundary");
    Json blocks = Json::array();
    for (std::uint64_t h = boundary - k + 1; h <= boundary; ++h) {
      MLCHAIN_ASSIGN_OR_RETURN(ledger::Block b, load(l, h));
      blocks.push_back(ledger::to_json(b));
    }
    switches.push_back({{"boundary", boundary}, {"blocks", std::move(blocks)}});
  }
  Json ops = Json::array();
  for (auto i : op_indices) ops.push_back(i);
  MLCHAIN_ASSIGN_OR_RETURN(auto results, l.results(height));
  if (!results) return not_found("the ledger keeps no results for block " + std::to_string(height));
  MLCHAIN_ASSIGN_OR_RETURN(auto attestation, l.attestation(height));
  if (!attestation)
    return failed_precondition("block " + std::to_string(height) +
                               " is not attested by f+1 members here yet; retry in a moment or ask another member");
  Json rs = Json::array();
  for (const auto& r : *results) rs.push_back(to_hex(r));
  return Json{{"v", 1},
              {"type", "mlchain-block-proof"},
              {"blueprint", *genesis.config},
              {"epoch_switches", std::move(switches)},
              {"block", ledger::to_json(target)},
              {"results", std::move(rs)},
              {"attestation", ledger::to_json(*attestation)},
              {"ops", std::move(ops)}};
}

Result<VerifiedProof> verify_proof(std::string_view text, std::string_view trusted_hex, const crypto::Verifier& verifier) {
  MLCHAIN_ASSIGN_OR_RETURN(Json j, parse_proof(text, 12));
  return verify_parsed_proof(j, trusted_hex, verifier);
}

namespace {

Result<VerifiedProof> verify_parsed_proof(const Json& j, std::string_view trusted_hex, const crypto::Verifier& verifier) {
  MLCHAIN_TRY(codec::require_object(j, "proof"));
  MLCHAIN_TRY(codec::only_fields(j, {"v", "type", "blueprint", "epoch_switches", "block", "results", "attestation", "ops"},
                                 "proof"));
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t v, codec::get_uint(j, "v"));
  MLCHAIN_ASSIGN_OR_RETURN(std::string type, codec::get_string(j, "type", 64));
  if (v != 1 || type != "mlchain-block-proof") return invalid_argument("not an mlchain block proof (v 1)");
  MLCHAIN_ASSIGN_OR_RETURN(crypto::Digest trusted, crypto::digest_from_hex(trusted_hex));

  // 1. Genesis: the only thing trusted.
  MLCHAIN_ASSIGN_OR_RETURN(Json bp_json, codec::get_object(j, "blueprint"));
  auto bp = ledger::blueprint_from_json(bp_json);
  if (!bp.ok()) return fail("the blueprint is malformed: " + bp.status().message());
  crypto::Digest genesis = ledger::make_genesis(*bp).hash();
  if (genesis != trusted)
    return fail("genesis mismatch: the proof's blueprint gives genesis " + crypto::digest_hex(genesis) +
                ", you trust " + crypto::digest_hex(trusted));
  VerifiedProof out;
  out.layer_path = bp->layer_path;
  out.genesis_hash = crypto::digest_hex(genesis);
  consensus::EpochConfig config = ledger::epoch_config(*bp);
  if (config.members.empty()) return fail("the blueprint has no valid member");
  std::uint64_t k = std::max<std::uint64_t>(1, bp->params.checkpoint_interval);
  // The node's rule, with the epoch in force while a window executes (for
  // report-backed mark-invalid, node/signed_op.h); `config` tracks it below.
  consensus::ConfigFilter filter = node::make_config_filter(out.genesis_hash, bp->admin_keys, verifier);
  consensus::RequestAuthenticator authentic = node::make_request_authenticator(out.genesis_hash, verifier);

  MLCHAIN_ASSIGN_OR_RETURN(Json block_json, codec::get_object(j, "block"));
  MLCHAIN_ASSIGN_OR_RETURN(ledger::Block target, ledger::block_from_json(block_json));
  MLCHAIN_ASSIGN_OR_RETURN(Json switches, codec::get_array(j, "epoch_switches", kMaxEpochSwitches));
  if (switches.size() != target.certificate.epoch)
    return fail("block " + std::to_string(target.height) + " is certified in epoch " +
                std::to_string(target.certificate.epoch) + " but the proof carries " +
                std::to_string(switches.size()) + " epoch switches; every membership change since genesis is needed");

  // 2. Epoch switches, recomputed with the node's rule.
  std::map<std::string, std::uint64_t> client_last;
  std::uint64_t last_boundary = 0;
  for (std::size_t i = 0; i < switches.size(); ++i) {
    const Json& s = switches[i];
    std::string where = "epoch switch " + std::to_string(i + 1);
    MLCHAIN_TRY(codec::require_object(s, where));
    MLCHAIN_TRY(codec::only_fields(s, {"boundary", "blocks"}, where));
    MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t boundary, codec::get_uint(s, "boundary"));
    if (boundary % k != 0 || boundary < last_boundary + k)
      return fail(where + ": block " + std::to_string(boundary) + " is not a checkpoint boundary at least " +
                  std::to_string(k) + " blocks after the previous switch");
    MLCHAIN_ASSIGN_OR_RETURN(Json blocks, codec::get_array(s, "blocks", k));
    if (blocks.size() != k)
      return fail(where + ": " + std::to_string(blocks.size()) + " blocks given, the " + std::to_string(k) +
                  " before the boundary are needed");
    std::vector<consensus::ConfigChange> pending;
    std::optional<ledger::Block> prev;
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      MLCHAIN_ASSIGN_OR_RETURN(ledger::Block blk, ledger::block_from_json(blocks[b]));
      std::uint64_t want = boundary - k + 1 + b;
      if (blk.height != want)
        return fail(where + ": block " + std::to_string(b + 1) + " has height " + std::to_string(blk.height) +
                    ", expected " + std::to_string(want));
      if (auto st = ledger::verify_certificate(blk, config, verifier); !st.ok()) return fail(where + ": " + st.message());
      if (prev) {
        if (auto st = ledger::verify_link(*prev, blk); !st.ok()) return fail(where + ": " + st.message());
      }
      for (const auto& op : blk.ops) {
        if (!consensus::is_authentic(op, authentic)) continue;  // a refused no-op (Ledger::apply)
        auto& last = client_last[op.client];
        if (op.id <= last) continue;  // executed before: never a change again (Ledger::apply)
        last = op.id;
        if (auto change = consensus::config_change_of(op, filter, config)) pending.push_back(*change);
      }
      prev = std::move(blk);
    }
    if (pending.empty())
      return fail(where + ": blocks " + std::to_string(boundary - k + 1) + ".." + std::to_string(boundary) +
                  " order no authorised membership change, so the epoch cannot switch at " + std::to_string(boundary));
    auto next = consensus::next_epoch(config, pending);
    if (!next) return fail(where + ": the membership changes ordered would leave an invalid layer; no switch happens");
    config = std::move(*next);
    last_boundary = boundary;
    out.switch_boundaries.push_back(boundary);
  }

  // 3. The target block.
  if (target.height == 0 || target.height <= last_boundary)
    return fail("block " + std::to_string(target.height) + " does not come after the last epoch switch (" +
                std::to_string(last_boundary) + ")");
  if (auto st = ledger::verify_certificate(target, config, verifier); !st.ok()) return fail(st.message());
  if (target.time_ms < target.certificate.proposed_time_ms)
    return fail("block " + std::to_string(target.height) + ": time is before its certified proposed time");
  // The header (prev_hash, time, results digest): f+1 members of the epoch
  // applied the block and vouch for its hash. A batch certified but never
  // applied (above an epoch switch) has no attestation.
  MLCHAIN_ASSIGN_OR_RETURN(Json att_json, codec::get_object(j, "attestation"));
  auto att = ledger::attestation_from_json(att_json);
  if (!att.ok()) return invalid_argument("proof 'attestation': " + att.status().message());
  if (auto st = ledger::verify_attestation(target, *att, config, verifier); !st.ok()) return fail(st.message());
  // The results, which the attested header's digest covers.
  MLCHAIN_ASSIGN_OR_RETURN(Json results_json, codec::get_array(j, "results", kMaxBlockOps));
  std::vector<Bytes> results;
  for (const auto& r : results_json) {
    if (!r.is_string()) return invalid_argument("proof 'results' must list hex strings");
    auto b = from_hex(r.get<std::string>());
    if (!b.ok()) return invalid_argument("proof 'results': " + b.status().message());
    results.push_back(std::move(b).value());
  }
  if (results.size() != target.ops.size() || ledger::results_digest(results) != target.results_digest)
    return fail("block " + std::to_string(target.height) + ": the results given are not the ones its header certifies");

  // 4. Inclusion.
  MLCHAIN_ASSIGN_OR_RETURN(Json ops, codec::get_array(j, "ops", 4096));
  std::set<std::uint64_t> seen;
  for (const auto& o : ops) {
    if (!o.is_number_unsigned()) return invalid_argument("proof 'ops' must list op indices");
    auto idx = o.get<std::uint64_t>();
    if (idx >= target.ops.size())
      return fail("op " + std::to_string(idx) + " is not in block " + std::to_string(target.height) + " (it has " +
                  std::to_string(target.ops.size()) + ")");
    if (!seen.insert(idx).second) return invalid_argument("proof 'ops' names op " + std::to_string(idx) + " twice");
    out.ops.push_back(target.ops[idx]);
    out.results.push_back(results[idx]);
  }
  out.height = target.height;
  out.epoch = config.epoch;
  out.time_ms = target.time_ms;
  out.proposed_time_ms = target.certificate.proposed_time_ms;
  out.block_hash = crypto::digest_hex(target.hash());
  out.prev_hash = crypto::digest_hex(target.prev_hash);
  out.attested_by = att->signatures.size();
  return out;
}

}  // namespace

Result<VerifiedContract> verify_contract_proof(std::string_view text, std::string_view trusted_hex,
                                               const crypto::Verifier& verifier) {
  MLCHAIN_ASSIGN_OR_RETURN(Json j, parse_proof(text, 14));
  MLCHAIN_TRY(codec::require_object(j, "contract proof"));
  MLCHAIN_TRY(codec::only_fields(j, {"v", "type", "id", "contract", "proofs"}, "contract proof"));
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t v, codec::get_uint(j, "v"));
  MLCHAIN_ASSIGN_OR_RETURN(std::string type, codec::get_string(j, "type", 64));
  if (v != 1 || type != "mlchain-contract-proof") return invalid_argument("not an mlchain contract proof (v 1)");
  VerifiedContract out;
  MLCHAIN_ASSIGN_OR_RETURN(out.id, codec::get_string(j, "id", 1024));
  auto bid = parse_block_id(out.id);
  if (!bid.ok()) return fail("'" + out.id + "' is not a contract block id");
  out.layer_path = bid->layer;
  MLCHAIN_ASSIGN_OR_RETURN(out.contract, codec::get_object(j, "contract"));
  auto record = contract_block_from_json(out.contract);
  if (!record.ok()) return fail("the contract record is malformed: " + record.status().message());
  if (record->id != out.id) return fail("the bundle's contract block is " + record->id + ", not " + out.id);
  if (record->k.empty()) return fail("contract block " + out.id + " lists no message");

  MLCHAIN_ASSIGN_OR_RETURN(Json proofs, codec::get_array(j, "proofs", kMaxSummaries));
  std::map<std::uint64_t, std::size_t> by_height;
  for (const auto& p : proofs) {
    auto vp = verify_parsed_proof(p, trusted_hex, verifier);
    if (!vp.ok()) {
      Status st = vp.status();
      return st.code() == ErrorCode::kVerificationFailed ? st : fail("not a valid block proof: " + st.message());
    }
    if (vp->layer_path != out.layer_path)
      return fail("a block proof is for layer " + vp->layer_path + ", the contract block is in " + out.layer_path);
    if (!by_height.emplace(vp->height, out.proofs.size()).second)
      return fail("two block proofs for chain height " + std::to_string(vp->height));
    out.genesis_hash = vp->genesis_hash;
    out.proofs.push_back(std::move(vp).value());
  }

  std::set<std::uint64_t> used;
  std::string last_record;
  for (std::size_t i = 0; i < record->k.size(); ++i) {
    const Summary& k = record->k[i];
    std::string what = "message " + std::to_string(i + 1) + " (sum " + k.sum.substr(0, 16) + "..)";
    auto it = by_height.find(k.height);
    if (it == by_height.end()) return fail(what + ": no proof of chain block " + std::to_string(k.height));
    const VerifiedProof& vp = out.proofs[it->second];
    used.insert(k.height);
    if (vp.time_ms != k.time_ms)
      return fail(what + ": recorded at time " + std::to_string(k.time_ms) + ", but chain block " +
                  std::to_string(k.height) + " has time " + std::to_string(vp.time_ms));
    std::optional<ItemOutcome> found;
    for (std::size_t o = 0; o < vp.ops.size() && !found; ++o) {
      auto parsed = codec::parse(to_string(vp.ops[o].op));
      if (!parsed.ok()) continue;
      auto env = node::signed_op_from_json(*parsed);
      if (!env.ok()) continue;
      auto outcomes = op_outcomes(env->op, to_string(vp.results[o]));
      if (!outcomes.ok()) continue;
      for (const auto& item : *outcomes) {
        if (item.sum == k.sum && item.id == out.id) {
          found = item;
          break;
        }
      }
    }
    if (!found)
      return fail(what + ": chain block " + std::to_string(k.height) + " holds no op of " + out.layer_path +
                  " that accepted it into " + out.id + " (a refused op proves nothing)");
    last_record = found->record;
    out.as_of = k.height;
  }
  if (used.size() != out.proofs.size()) return fail("the bundle carries block proofs no message of " + out.id + " uses");
  if (last_record != record_digest_hex(*record))
    return fail("the contract record as given is not the one " + out.layer_path + " recorded after its last message "
                "(a field was changed)");
  return out;
}

}  // namespace mlchain::contract
