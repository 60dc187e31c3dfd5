#include "mlchain/consensus/messages.h"

#include <algorithm>

#include "mlchain/codec/fields.h"

namespace mlchain::consensus {
namespace {

using codec::Json;

template <std::size_t N>
std::string hex_of(const std::array<std::uint8_t, N>& a) {
  return to_hex(ByteView(a.data(), a.size()));
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> array_field(const Json& j, std::string_view field) {
  MLCHAIN_ASSIGN_OR_RETURN(Bytes b, codec::get_hex(j, field, N));
  std::array<std::uint8_t, N> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

Result<ReplicaId> replica_field(const Json& j) {
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t r, codec::get_uint(j, "replica"));
  if (r >= kMaxMembers) return invalid_argument("field 'replica': " + std::to_string(r) + " is not a member index");
  return static_cast<ReplicaId>(r);
}

void put_sig(Json& j, const Signature& sig, bool include_sig) {
  if (include_sig) j["sig"] = hex_of(sig);
}

// On the wire (and in what replicas sign) an op is base64 ("op64"): 4/3 of
// its size where hex doubled it, so a batch of the byte budget fits its
// link. Decoding also takes the hex "op" of older senders and records.
Json wire_request_json(const Request& r) { return {{"client", r.client}, {"id", r.id}, {"op64", to_base64(r.op)}}; }

Result<Request> wire_request_from(const Json& j) {
  if (!j.is_object() || !j.contains("op64")) return request_from_json(j);
  MLCHAIN_TRY(codec::only_fields(j, {"client", "id", "op64"}, "request"));
  Request r;
  MLCHAIN_ASSIGN_OR_RETURN(r.client, codec::get_string(j, "client", kMaxClientIdBytes));
  MLCHAIN_ASSIGN_OR_RETURN(r.id, codec::get_uint(j, "id"));
  MLCHAIN_ASSIGN_OR_RETURN(std::string op64, codec::get_string(j, "op64", (kMaxOpBytes + 2) / 3 * 4));
  MLCHAIN_ASSIGN_OR_RETURN(r.op, from_base64(op64));
  return r;
}

Json pp_json(const PrePrepare& m, bool s) {
  Json reqs = Json::array();
  for (const auto& r : m.requests) reqs.push_back(wire_request_json(r));
  Json j = {{"type", "pre-prepare"}, {"epoch", m.epoch}, {"view", m.view}, {"seq", m.seq},
            {"time", m.time_ms}, {"requests", std::move(reqs)}, {"replica", m.replica}};
  put_sig(j, m.sig, s);
  return j;
}

template <typename T>
Json vote_json(const T& m, std::string_view type, bool s) {
  Json j = {{"type", type}, {"epoch", m.epoch}, {"view", m.view}, {"seq", m.seq},
            {"digest", hex_of(m.digest)}, {"replica", m.replica}};
  put_sig(j, m.sig, s);
  return j;
}

Json checkpoint_json(const Checkpoint& m, bool s) {
  Json j = {{"type", "checkpoint"}, {"epoch", m.epoch}, {"seq", m.seq}, {"digest", hex_of(m.digest)},
            {"replica", m.replica}};
  put_sig(j, m.sig, s);
  return j;
}

Json attest_json(const Attest& m, bool s) {
  Json j = {{"type", "attest"}, {"epoch", m.epoch}, {"seq", m.seq}, {"block", hex_of(m.block_hash)},
            {"replica", m.replica}};
  put_sig(j, m.sig, s);
  return j;
}

Json proof_json(const PreparedProof& p) {
  Json prepares = Json::array();
  for (const auto& pr : p.prepares) prepares.push_back(vote_json(pr, "prepare", true));
  return {{"pre_prepare", pp_json(p.pre_prepare, true)}, {"prepares", std::move(prepares)}};
}

Json vc_json(const ViewChange& m, bool s) {
  Json cps = Json::array();
  for (const auto& c : m.checkpoint_proof) cps.push_back(checkpoint_json(c, true));
  Json prepared = Json::array();
  for (const auto& p : m.prepared) prepared.push_back(proof_json(p));
  Json j = {{"type", "view-change"}, {"epoch", m.epoch}, {"new_view", m.new_view},
            {"stable_seq", m.stable_seq}, {"stable_digest", hex_of(m.stable_digest)},
            {"checkpoint_proof", std::move(cps)}, {"prepared", std::move(prepared)}, {"replica", m.replica}};
  put_sig(j, m.sig, s);
  return j;
}

Json nv_json(const NewView& m, bool s) {
  Json vcs = Json::array();
  for (const auto& v : m.view_changes) vcs.push_back(vc_json(v, true));
  Json pps = Json::array();
  for (const auto& p : m.pre_prepares) pps.push_back(pp_json(p, true));
  Json j = {{"type", "new-view"}, {"epoch", m.epoch}, {"view", m.view}, {"view_changes", std::move(vcs)},
            {"pre_prepares", std::move(pps)}, {"replica", m.replica}};
  put_sig(j, m.sig, s);
  return j;
}

Json fetch_json(const FetchBlocks& m, bool s) {
  Json j = {{"type", "fetch-blocks"}, {"epoch", m.epoch}, {"from_seq", m.from_seq}, {"replica", m.replica}};
  if (m.asker_view) {
    j["view"] = *m.asker_view;
    j["changing"] = m.changing;
  }
  put_sig(j, m.sig, s);
  return j;
}

Json bundle_json(const BlockBundle& m, bool s) {
  Json batches = Json::array();
  for (const auto& b : m.batches) {
    Json commits = Json::array();
    for (const auto& c : b.commits) commits.push_back(vote_json(c, "commit", true));
    batches.push_back({{"pre_prepare", pp_json(b.pre_prepare, true)}, {"commits", std::move(commits)}});
  }
  Json j = {{"type", "block-bundle"}, {"epoch", m.epoch}, {"batches", std::move(batches)}, {"replica", m.replica}};
  j["new_view"] = m.new_view ? nv_json(*m.new_view, true) : Json(nullptr);
  put_sig(j, m.sig, s);
  return j;
}

Json forward_json(const ForwardedRequest& m, bool s) {
  Json j = {{"type", "request"}, {"request", wire_request_json(m.request)}, {"replica", m.replica}};
  put_sig(j, m.sig, s);
  return j;
}

// ---- decoding ----

Status check_type(const Json& j, std::string_view want) {
  MLCHAIN_ASSIGN_OR_RETURN(std::string t, codec::get_string(j, "type", 32));
  if (t != want) return invalid_argument("expected a '" + std::string(want) + "' message, got '" + t + "'");
  return {};
}

// Decodes each element of the array `field` (at most max_items) with
// `decode`, appending to `out`; the first bad element fails the whole message.
template <typename T, typename Decode>
Status decode_array(const Json& j, std::string_view field, std::size_t max_items, Decode decode, std::vector<T>& out) {
  MLCHAIN_ASSIGN_OR_RETURN(Json items, codec::get_array(j, field, max_items));
  for (const auto& item : items) {
    MLCHAIN_ASSIGN_OR_RETURN(T x, decode(item));
    out.push_back(std::move(x));
  }
  return {};
}

Result<PrePrepare> pp_from(const Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"type", "epoch", "view", "seq", "time", "requests", "replica", "sig"}, "pre-prepare"));
  MLCHAIN_TRY(check_type(j, "pre-prepare"));
  PrePrepare m;
  MLCHAIN_ASSIGN_OR_RETURN(m.epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(m.view, codec::get_uint(j, "view"));
  MLCHAIN_ASSIGN_OR_RETURN(m.seq, codec::get_uint(j, "seq"));
  MLCHAIN_ASSIGN_OR_RETURN(m.time_ms, codec::get_int(j, "time"));
  MLCHAIN_TRY(decode_array(j, "requests", 100'000, wire_request_from, m.requests));
  MLCHAIN_ASSIGN_OR_RETURN(m.replica, replica_field(j));
  MLCHAIN_ASSIGN_OR_RETURN(m.sig, array_field<64>(j, "sig"));
  return m;
}

template <typename T>
Result<T> vote_from(const Json& j, std::string_view type) {
  MLCHAIN_TRY(codec::only_fields(j, {"type", "epoch", "view", "seq", "digest", "replica", "sig"}, type));
  MLCHAIN_TRY(check_type(j, type));
  T m;
  MLCHAIN_ASSIGN_OR_RETURN(m.epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(m.view, codec::get_uint(j, "view"));
  MLCHAIN_ASSIGN_OR_RETURN(m.seq, codec::get_uint(j, "seq"));
  MLCHAIN_ASSIGN_OR_RETURN(m.digest, array_field<32>(j, "digest"));
  MLCHAIN_ASSIGN_OR_RETURN(m.replica, replica_field(j));
  MLCHAIN_ASSIGN_OR_RETURN(m.sig, array_field<64>(j, "sig"));
  return m;
}

Result<Checkpoint> checkpoint_from(const Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"type", "epoch", "seq", "digest", "replica", "sig"}, "checkpoint"));
  MLCHAIN_TRY(check_type(j, "checkpoint"));
  Checkpoint m;
  MLCHAIN_ASSIGN_OR_RETURN(m.epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(m.seq, codec::get_uint(j, "seq"));
  MLCHAIN_ASSIGN_OR_RETURN(m.digest, array_field<32>(j, "digest"));
  MLCHAIN_ASSIGN_OR_RETURN(m.replica, replica_field(j));
  MLCHAIN_ASSIGN_OR_RETURN(m.sig, array_field<64>(j, "sig"));
  return m;
}

Result<Attest> attest_from(const Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"type", "epoch", "seq", "block", "replica", "sig"}, "attest"));
  MLCHAIN_TRY(check_type(j, "attest"));
  Attest m;
  MLCHAIN_ASSIGN_OR_RETURN(m.epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(m.seq, codec::get_uint(j, "seq"));
  MLCHAIN_ASSIGN_OR_RETURN(m.block_hash, array_field<32>(j, "block"));
  MLCHAIN_ASSIGN_OR_RETURN(m.replica, replica_field(j));
  MLCHAIN_ASSIGN_OR_RETURN(m.sig, array_field<64>(j, "sig"));
  return m;
}

Result<PreparedProof> proof_from(const Json& p) {
  MLCHAIN_TRY(codec::only_fields(p, {"pre_prepare", "prepares"}, "prepared proof"));
  PreparedProof proof;
  MLCHAIN_ASSIGN_OR_RETURN(Json ppj, codec::get_object(p, "pre_prepare"));
  MLCHAIN_ASSIGN_OR_RETURN(proof.pre_prepare, pp_from(ppj));
  MLCHAIN_TRY(decode_array(p, "prepares", kMaxMembers, [](const Json& x) { return vote_from<Prepare>(x, "prepare"); },
                           proof.prepares));
  return proof;
}

Result<ViewChange> vc_from(const Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"type", "epoch", "new_view", "stable_seq", "stable_digest", "checkpoint_proof",
                                     "prepared", "replica", "sig"}, "view-change"));
  MLCHAIN_TRY(check_type(j, "view-change"));
  ViewChange m;
  MLCHAIN_ASSIGN_OR_RETURN(m.epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(m.new_view, codec::get_uint(j, "new_view"));
  MLCHAIN_ASSIGN_OR_RETURN(m.stable_seq, codec::get_uint(j, "stable_seq"));
  MLCHAIN_ASSIGN_OR_RETURN(m.stable_digest, array_field<32>(j, "stable_digest"));
  MLCHAIN_TRY(decode_array(j, "checkpoint_proof", kMaxMembers, checkpoint_from, m.checkpoint_proof));
  MLCHAIN_TRY(decode_array(j, "prepared", 4096, proof_from, m.prepared));
  MLCHAIN_ASSIGN_OR_RETURN(m.replica, replica_field(j));
  MLCHAIN_ASSIGN_OR_RETURN(m.sig, array_field<64>(j, "sig"));
  return m;
}

Result<NewView> nv_from(const Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"type", "epoch", "view", "view_changes", "pre_prepares", "replica", "sig"},
                                 "new-view"));
  MLCHAIN_TRY(check_type(j, "new-view"));
  NewView m;
  MLCHAIN_ASSIGN_OR_RETURN(m.epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(m.view, codec::get_uint(j, "view"));
  MLCHAIN_TRY(decode_array(j, "view_changes", kMaxMembers, vc_from, m.view_changes));
  MLCHAIN_TRY(decode_array(j, "pre_prepares", 4096, pp_from, m.pre_prepares));
  MLCHAIN_ASSIGN_OR_RETURN(m.replica, replica_field(j));
  MLCHAIN_ASSIGN_OR_RETURN(m.sig, array_field<64>(j, "sig"));
  return m;
}

Result<FetchBlocks> fetch_from(const Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"type", "epoch", "from_seq", "replica", "sig", "view", "changing"}, "fetch-blocks"));
  FetchBlocks m;
  MLCHAIN_ASSIGN_OR_RETURN(m.epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(m.from_seq, codec::get_uint(j, "from_seq"));
  if (j.contains("view") != j.contains("changing")) return invalid_argument("fetch-blocks: view and changing go together");
  if (j.contains("view")) {
    MLCHAIN_ASSIGN_OR_RETURN(m.asker_view, codec::get_uint(j, "view"));
    MLCHAIN_ASSIGN_OR_RETURN(m.changing, codec::get_bool(j, "changing"));
  }
  MLCHAIN_ASSIGN_OR_RETURN(m.replica, replica_field(j));
  MLCHAIN_ASSIGN_OR_RETURN(m.sig, array_field<64>(j, "sig"));
  return m;
}

Result<BlockBundle> bundle_from(const Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"type", "epoch", "batches", "new_view", "replica", "sig"}, "block-bundle"));
  BlockBundle m;
  MLCHAIN_ASSIGN_OR_RETURN(m.epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(Json batches, codec::get_array(j, "batches", 1024));
  for (const auto& b : batches) {
    MLCHAIN_TRY(codec::only_fields(b, {"pre_prepare", "commits"}, "committed batch"));
    CommittedBatch cb;
    MLCHAIN_ASSIGN_OR_RETURN(Json ppj, codec::get_object(b, "pre_prepare"));
    MLCHAIN_ASSIGN_OR_RETURN(cb.pre_prepare, pp_from(ppj));
    MLCHAIN_TRY(decode_array(b, "commits", kMaxMembers, [](const Json& x) { return vote_from<Commit>(x, "commit"); },
                             cb.commits));
    m.batches.push_back(std::move(cb));
  }
  if (j.contains("new_view") && !j.at("new_view").is_null()) {
    MLCHAIN_ASSIGN_OR_RETURN(Json nvj, codec::get_object(j, "new_view"));
    MLCHAIN_ASSIGN_OR_RETURN(NewView nv, nv_from(nvj));
    m.new_view = std::move(nv);
  }
  MLCHAIN_ASSIGN_OR_RETURN(m.replica, replica_field(j));
  MLCHAIN_ASSIGN_OR_RETURN(m.sig, array_field<64>(j, "sig"));
  return m;
}

Result<ForwardedRequest> forward_from(const Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"type", "request", "replica", "sig"}, "request"));
  ForwardedRequest m;
  MLCHAIN_ASSIGN_OR_RETURN(Json r, codec::get_object(j, "request"));
  MLCHAIN_ASSIGN_OR_RETURN(m.request, wire_request_from(r));
  MLCHAIN_ASSIGN_OR_RETURN(m.replica, replica_field(j));
  MLCHAIN_ASSIGN_OR_RETURN(m.sig, array_field<64>(j, "sig"));
  return m;
}

}  // namespace

Digest request_digest(const Request& r) {
  crypto::Sha256 h;
  h.update(to_bytes(r.client));
  std::array<std::uint8_t, 9> sep{};  // a 0 byte ends the client, then be64(id)
  for (int i = 0; i < 8; ++i) sep[static_cast<std::size_t>(i + 1)] = static_cast<std::uint8_t>(r.id >> (56 - 8 * i));
  h.update(ByteView(sep.data(), sep.size()));
  h.update(ByteView(r.op.data(), r.op.size()));
  return h.finish();
}

std::size_t approx_bytes(const NewView& nv) {
  std::size_t total = 300;
  for (const auto& pp : nv.pre_prepares) total += request_bytes(pp.requests) + 300;
  for (const auto& vc : nv.view_changes) {
    total += 300 + 300 * vc.checkpoint_proof.size();
    for (const auto& p : vc.prepared) total += request_bytes(p.pre_prepare.requests) + 300 * (p.prepares.size() + 1);
  }
  return total;
}

Digest PrePrepare::digest() const { return batch_digest(time_ms, requests); }

std::string_view type_name(const Message& m) {
  static constexpr std::string_view kNames[] = {"pre-prepare", "prepare", "commit", "checkpoint", "view-change",
                                                "new-view", "fetch-blocks", "block-bundle", "request", "attest"};
  return kNames[m.index()];
}

ReplicaId sender_of(const Message& m) {
  return std::visit([](const auto& x) { return x.replica; }, m);
}

Epoch epoch_of(const Message& m) {
  return std::visit(
      [](const auto& x) -> Epoch {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, ForwardedRequest>) {
          return 0;
        } else {
          return x.epoch;
        }
      },
      m);
}

codec::Json proof_to_json(const PreparedProof& p) { return proof_json(p); }
Result<PreparedProof> proof_from_json(const codec::Json& j) { return proof_from(j); }

codec::Json request_to_json(const Request& r) {
  return {{"client", r.client}, {"id", r.id}, {"op", to_hex(r.op)}};
}

Result<Request> request_from_json(const codec::Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"client", "id", "op"}, "request"));
  Request r;
  MLCHAIN_ASSIGN_OR_RETURN(r.client, codec::get_string(j, "client", kMaxClientIdBytes));
  MLCHAIN_ASSIGN_OR_RETURN(r.id, codec::get_uint(j, "id"));
  MLCHAIN_ASSIGN_OR_RETURN(std::string op_hex, codec::get_string(j, "op", 2 * kMaxOpBytes));
  MLCHAIN_ASSIGN_OR_RETURN(r.op, from_hex(op_hex));
  return r;
}

Digest batch_digest(std::int64_t time_ms, const std::vector<Request>& requests) {
  Json ops = Json::array();
  for (const auto& r : requests) ops.push_back(request_to_json(r));
  Json j = {{"ops", std::move(ops)}, {"time", time_ms}};
  auto text = codec::canonical(j);
  // Only integers and strings are in `j`, so canonical() cannot fail.
  return crypto::sha256(text.ok() ? *text : std::string());
}

codec::Json to_json(const Message& m, bool include_sig) {
  struct V {
    bool s;
    Json operator()(const PrePrepare& x) const { return pp_json(x, s); }
    Json operator()(const Prepare& x) const { return vote_json(x, "prepare", s); }
    Json operator()(const Commit& x) const { return vote_json(x, "commit", s); }
    Json operator()(const Checkpoint& x) const { return checkpoint_json(x, s); }
    Json operator()(const ViewChange& x) const { return vc_json(x, s); }
    Json operator()(const NewView& x) const { return nv_json(x, s); }
    Json operator()(const FetchBlocks& x) const { return fetch_json(x, s); }
    Json operator()(const BlockBundle& x) const { return bundle_json(x, s); }
    Json operator()(const ForwardedRequest& x) const { return forward_json(x, s); }
    Json operator()(const Attest& x) const { return attest_json(x, s); }
  };
  return std::visit(V{include_sig}, m);
}

Result<Message> from_json(const codec::Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "consensus message"));
  MLCHAIN_ASSIGN_OR_RETURN(std::string t, codec::get_string(j, "type", 32));
  auto wrap = [](auto r) -> Result<Message> {
    if (!r.ok()) return r.status();
    return Message(std::move(r).value());
  };
  if (t == "pre-prepare") return wrap(pp_from(j));
  if (t == "prepare") return wrap(vote_from<Prepare>(j, "prepare"));
  if (t == "commit") return wrap(vote_from<Commit>(j, "commit"));
  if (t == "checkpoint") return wrap(checkpoint_from(j));
  if (t == "view-change") return wrap(vc_from(j));
  if (t == "new-view") return wrap(nv_from(j));
  if (t == "fetch-blocks") return wrap(fetch_from(j));
  if (t == "block-bundle") return wrap(bundle_from(j));
  if (t == "request") return wrap(forward_from(j));
  if (t == "attest") return wrap(attest_from(j));
  return invalid_argument("unknown consensus message type '" + t + "'");
}

Bytes encode(const Message& m) {
  auto b = codec::canonical_bytes(to_json(m, true));
  return b.ok() ? std::move(b).value() : Bytes();
}

Result<Message> decode(ByteView bytes, std::size_t max_bytes) {
  if (bytes.size() > max_bytes)
    return resource_exhausted("consensus message of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                              std::to_string(max_bytes));
  codec::ParseLimits limits;
  limits.max_bytes = max_bytes;
  limits.max_string_bytes = max_bytes;
  limits.max_elements = 1'000'000;
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(to_string(bytes), limits));
  return from_json(j);
}

Bytes signing_bytes(const Message& m) {
  auto b = codec::canonical_bytes(to_json(m, false));
  return b.ok() ? std::move(b).value() : Bytes();
}

void sign(Message& m, const crypto::Signer& signer) {
  Signature sig = signer.sign(signing_bytes(m));
  std::visit([&](auto& x) { x.sig = sig; }, m);
}

bool verify_signature(const Message& m, const crypto::PublicKey& key, const crypto::Verifier& verifier) {
  Signature sig = std::visit([](const auto& x) { return x.sig; }, m);
  return verifier.verify(key, signing_bytes(m), sig);
}

}  // namespace mlchain::consensus
