#include "mlchain/ledger/block.h"

#include <algorithm>

#include "mlchain/codec/fields.h"

namespace mlchain::ledger {
namespace {

using codec::Json;

std::string hex32(const Digest& d) { return to_hex(ByteView(d.data(), d.size())); }

Result<Digest> digest_field(const Json& j, std::string_view f) {
  MLCHAIN_ASSIGN_OR_RETURN(Bytes b, codec::get_hex(j, f, 32));
  Digest d{};
  std::copy(b.begin(), b.end(), d.begin());
  return d;
}

}  // namespace

Json header_json(const Block& b) {
  Json ops = Json::array();
  for (const auto& r : b.ops) ops.push_back(consensus::request_to_json(r));
  Json j = {{"height", b.height}, {"prev_hash", hex32(b.prev_hash)}, {"time", b.time_ms}, {"ops", std::move(ops)},
            {"results_digest", hex32(b.results_digest)}};
  if (b.config) j["config"] = *b.config;
  return j;
}

Digest Block::hash() const {
  auto text = codec::canonical(header_json(*this));
  return crypto::sha256(text.ok() ? *text : std::string());
}

Json signatures_to_json(const Signatures& sigs) {
  Json out = Json::array();
  for (const auto& [r, s] : sigs) out.push_back({{"replica", r}, {"sig", to_hex(ByteView(s.data(), s.size()))}});
  return out;
}

Result<Signatures> signatures_from_json(const Json& owner, std::string_view field, std::string_view what) {
  MLCHAIN_ASSIGN_OR_RETURN(Json sigs, codec::get_array(owner, field, consensus::kMaxMembers));
  Signatures out;
  for (const auto& s : sigs) {
    MLCHAIN_TRY(codec::require_object(s, what));
    MLCHAIN_TRY(codec::only_fields(s, {"replica", "sig"}, what));
    MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t r, codec::get_uint(s, "replica"));
    if (r >= consensus::kMaxMembers) return invalid_argument(std::string(what) + " names replica " + std::to_string(r));
    MLCHAIN_ASSIGN_OR_RETURN(Bytes sig, codec::get_hex(s, "sig", 64));
    crypto::Signature one{};
    std::copy(sig.begin(), sig.end(), one.begin());
    out.emplace_back(static_cast<consensus::ReplicaId>(r), one);
  }
  return out;
}

namespace {

Json certificate_json(const CommitCertificate& c) {
  return {{"epoch", c.epoch}, {"view", c.view}, {"proposed_time", c.proposed_time_ms},
          {"signatures", signatures_to_json(c.signatures)}};
}

}  // namespace

Json to_json(const Block& b) {
  Json j = header_json(b);
  j["certificate"] = certificate_json(b.certificate);
  return j;
}

Result<EncodedBlock> encode_block(const Block& b) {
  Json j = header_json(b);
  MLCHAIN_ASSIGN_OR_RETURN(std::string header, codec::canonical(j));
  EncodedBlock out;
  out.hash = crypto::sha256(header);
  j["certificate"] = certificate_json(b.certificate);
  MLCHAIN_ASSIGN_OR_RETURN(out.text, codec::canonical(j));
  return out;
}

Result<Block> block_from_json(const Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "block"));
  MLCHAIN_TRY(codec::only_fields(j, {"height", "prev_hash", "time", "ops", "results_digest", "config", "certificate"},
                                 "block"));
  Block b;
  MLCHAIN_ASSIGN_OR_RETURN(b.height, codec::get_uint(j, "height"));
  MLCHAIN_ASSIGN_OR_RETURN(b.prev_hash, digest_field(j, "prev_hash"));
  MLCHAIN_ASSIGN_OR_RETURN(b.time_ms, codec::get_int(j, "time"));
  MLCHAIN_ASSIGN_OR_RETURN(Json ops, codec::get_array(j, "ops"));
  for (const auto& o : ops) {
    MLCHAIN_ASSIGN_OR_RETURN(consensus::Request r, consensus::request_from_json(o));
    b.ops.push_back(std::move(r));
  }
  MLCHAIN_ASSIGN_OR_RETURN(b.results_digest, digest_field(j, "results_digest"));
  if (j.contains("config") && !j.at("config").is_null()) {
    MLCHAIN_ASSIGN_OR_RETURN(Json c, codec::get_object(j, "config"));
    b.config = std::move(c);
  }
  MLCHAIN_ASSIGN_OR_RETURN(Json c, codec::get_object(j, "certificate"));
  MLCHAIN_TRY(codec::only_fields(c, {"epoch", "view", "proposed_time", "signatures"}, "certificate"));
  MLCHAIN_ASSIGN_OR_RETURN(b.certificate.epoch, codec::get_uint(c, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(b.certificate.view, codec::get_uint(c, "view"));
  MLCHAIN_ASSIGN_OR_RETURN(b.certificate.proposed_time_ms, codec::get_int(c, "proposed_time"));
  MLCHAIN_ASSIGN_OR_RETURN(b.certificate.signatures, signatures_from_json(c, "signatures", "certificate signature"));
  return b;
}

Digest results_digest(const std::vector<Bytes>& results) {
  Json arr = Json::array();
  for (const auto& r : results) arr.push_back(to_hex(r));
  auto text = codec::canonical(arr);
  return crypto::sha256(text.ok() ? *text : std::string());
}

std::vector<consensus::Commit> certificate_commits(const Block& b) {
  Digest d = consensus::batch_digest(b.certificate.proposed_time_ms, b.ops);
  std::vector<consensus::Commit> out;
  for (const auto& [r, s] : b.certificate.signatures)
    out.push_back(consensus::Commit{b.certificate.epoch, b.certificate.view, b.height, d, r, s});
  return out;
}

consensus::PrePrepare proposed_batch(const Block& b, const consensus::EpochConfig& config) {
  consensus::PrePrepare pp;
  pp.epoch = b.certificate.epoch;
  pp.view = b.certificate.view;
  pp.seq = b.height;
  pp.time_ms = b.certificate.proposed_time_ms;
  pp.requests = b.ops;
  pp.replica = config.primary(b.certificate.view);
  return pp;
}

}  // namespace mlchain::ledger
