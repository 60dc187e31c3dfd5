#include "mlchain/node/layer_application.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "mlchain/codec/fields.h"
#include "mlchain/consensus/types.h"

namespace mlchain::node {
namespace {

using codec::Json;

bool is_hash_hex(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// `path` is superior + "/" + one segment of letters, digits, '_' or '-' (at
// most 32 bytes, as contract/address.h allows).
bool is_direct_child(std::string_view path, std::string_view superior) {
  if (path.size() <= superior.size() + 1 || path.substr(0, superior.size()) != superior || path[superior.size()] != '/')
    return false;
  std::string_view seg = path.substr(superior.size() + 1);
  if (seg.empty() || seg.size() > 32) return false;
  return std::all_of(seg.begin(), seg.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-'; });
}

Json members_json(const std::vector<ledger::EpochMember>& members) {
  Json out = Json::array();
  for (const auto& m : members) out.push_back({{"name", m.name}, {"public_key", m.key.hex()}, {"address", m.address}});
  return out;
}

Result<std::vector<ledger::EpochMember>> members_from(const Json& j, bool strict) {
  MLCHAIN_ASSIGN_OR_RETURN(Json list, codec::get_array(j, "members", consensus::kMaxMembers));
  if (list.empty()) return invalid_argument("a layer lists at least one member");
  std::vector<ledger::EpochMember> out;
  std::set<crypto::PublicKey> seen;
  for (const auto& m : list) {
    if (strict) {
      MLCHAIN_TRY(codec::only_fields(m, {"name", "public_key", "address"}, "member"));
    }
    ledger::EpochMember em;
    MLCHAIN_ASSIGN_OR_RETURN(em.name, codec::get_string(m, "name", 64));
    MLCHAIN_ASSIGN_OR_RETURN(std::string key, codec::get_string(m, "public_key", 64));
    auto k = crypto::PublicKey::from_hex(key);
    if (!k.ok()) return invalid_argument("a member's public_key must be an Ed25519 key (64 hex characters)");
    em.key = *k;
    MLCHAIN_ASSIGN_OR_RETURN(em.address, codec::get_string(m, "address", 512));
    if (strict && em.address.rfind("https://", 0) != 0)
      return invalid_argument("member " + em.name + ": the address must be https://host:port");
    if (!seen.insert(em.key).second) return invalid_argument("member key " + em.key.key_id() + " is listed twice");
    out.push_back(std::move(em));
  }
  return out;
}

}  // namespace

Bytes application_bytes(const LayerApplication& a) {
  Json j = to_json(a);
  j["purpose"] = "mlchain-apply/1";
  auto b = codec::canonical_bytes(j);
  return b.ok() ? std::move(b).value() : Bytes{};
}

codec::Json to_json(const LayerApplication& a) {
  return {{"path", a.path},
          {"genesis", a.genesis},
          {"epoch", a.epoch},
          {"members", members_json(a.members)},
          {"superior", a.superior}};
}

Result<LayerApplication> application_from_json(const codec::Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "application"));
  MLCHAIN_TRY(codec::only_fields(j, {"path", "genesis", "epoch", "members", "superior"}, "application"));
  LayerApplication a;
  MLCHAIN_ASSIGN_OR_RETURN(a.path, codec::get_string(j, "path", 256));
  MLCHAIN_ASSIGN_OR_RETURN(a.genesis, codec::get_string(j, "genesis", 64));
  MLCHAIN_ASSIGN_OR_RETURN(a.superior, codec::get_string(j, "superior", 64));
  if (!is_hash_hex(a.genesis) || !is_hash_hex(a.superior))
    return invalid_argument("an application's genesis and superior are genesis hashes (64 lower-case hex characters)");
  MLCHAIN_ASSIGN_OR_RETURN(a.epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(a.members, members_from(j, true));
  return a;
}

bool is_add_layer_op_text(std::string_view op) { return op.substr(0, kAddLayerOpPrefix.size()) == kAddLayerOpPrefix; }

std::string add_layer_op_text(const LayerApplication& a, const std::vector<ApplicationSignature>& sigs,
                              std::int64_t expires_at_ms) {
  Json list = Json::array();
  for (const auto& s : sigs) list.push_back({{"public_key", s.key.hex()}, {"sig", crypto::signature_hex(s.sig)}});
  Json j = {{"action", "add-layer"}, {"application", to_json(a)}, {"signatures", std::move(list)}};
  if (expires_at_ms != 0) j["expires_at"] = expires_at_ms;
  auto text = codec::canonical(j);
  return std::string(kAddLayerOpPrefix) + (text.ok() ? *text : std::string("{}"));
}

Result<AddLayer> authorize_add_layer_op(const SignedOp& op, const std::string& superior_path,
                                        const std::string& superior_genesis,
                                        const std::vector<crypto::PublicKey>& admin_keys,
                                        const crypto::Verifier& verifier) {
  if (!is_add_layer_op_text(op.op)) return invalid_argument("not an add-layer op");
  auto j = codec::parse(std::string_view(op.op).substr(kAddLayerOpPrefix.size()),
                        codec::ParseLimits{kMaxOpTextBytes, 4, 4096, 1024});
  if (!j.ok()) return invalid_argument("malformed add-layer op: " + j.status().message());
  MLCHAIN_TRY(codec::require_object(*j, "add-layer op"));
  MLCHAIN_TRY(codec::only_fields(*j, {"action", "application", "signatures", "expires_at"}, "add-layer op"));
  MLCHAIN_ASSIGN_OR_RETURN(auto action, codec::get_string(*j, "action", 32));
  if (action != "add-layer") return invalid_argument("unknown add-layer action '" + action + "'");
  AddLayer out;
  MLCHAIN_ASSIGN_OR_RETURN(Json app, codec::get_object(*j, "application"));
  MLCHAIN_ASSIGN_OR_RETURN(out.application, application_from_json(app));
  if (j->contains("expires_at")) {
    MLCHAIN_ASSIGN_OR_RETURN(out.expires_at_ms, codec::get_int(*j, "expires_at"));
    if (out.expires_at_ms <= 0) return invalid_argument("\"expires_at\" must be a positive unix time in milliseconds");
  }
  const LayerApplication& a = out.application;
  if (std::find(admin_keys.begin(), admin_keys.end(), op.client) == admin_keys.end()) {
    return permission_denied("key " + op.client.key_id() + " is not an admin key of " + superior_path +
                             "; a layer becomes a subordinate only when an admin of the superior orders it");
  }
  if (a.superior != superior_genesis) {
    return invalid_argument("the application is for the layer with genesis " + a.superior.substr(0, 16) + "…, not " +
                            superior_path + " (" + superior_genesis.substr(0, 16) + "…)");
  }
  if (!is_direct_child(a.path, superior_path)) {
    return invalid_argument("layer path " + a.path + " is not a direct subordinate of " + superior_path +
                            " (expected " + superior_path + "/<name>)");
  }
  if (a.genesis == superior_genesis) return invalid_argument("a layer cannot be its own subordinate");
  MLCHAIN_ASSIGN_OR_RETURN(Json sigs, codec::get_array(*j, "signatures", consensus::kMaxMembers));
  std::set<crypto::PublicKey> signed_by;
  const Bytes msg = application_bytes(a);
  for (const auto& s : sigs) {
    MLCHAIN_TRY(codec::only_fields(s, {"public_key", "sig"}, "application signature"));
    MLCHAIN_ASSIGN_OR_RETURN(std::string key_hex, codec::get_string(s, "public_key", 64));
    MLCHAIN_ASSIGN_OR_RETURN(std::string sig_hex, codec::get_string(s, "sig", 128));
    auto key = crypto::PublicKey::from_hex(key_hex);
    auto sig = crypto::signature_from_hex(sig_hex);
    if (!key.ok() || !sig.ok()) return invalid_argument("an application signature needs a public_key and a sig (hex)");
    bool member = std::any_of(a.members.begin(), a.members.end(), [&](const auto& m) { return m.key == *key; });
    if (!member || signed_by.count(*key) != 0) continue;  // a stranger's or a repeated signature counts for nothing
    if (!verifier.verify(*key, msg, *sig)) {
      return verification_failed("the signature of " + key->key_id() + " on " + a.path +
                                 "'s application does not verify");
    }
    signed_by.insert(*key);
  }
  out.signers = signed_by.size();
  std::size_t need = consensus::max_faults(a.members.size()) + 1;
  if (out.signers < need) {
    return verification_failed("the application of " + a.path + " carries " + std::to_string(out.signers) +
                               " valid member signature(s); its " + std::to_string(a.members.size()) +
                               " members need f+1 = " + std::to_string(need));
  }
  return out;
}

Result<std::string> apply_add_layer_op(store::WriteTxn& txn, const SignedOp& env, const ledger::Blueprint& blueprint,
                                       const std::string& own_genesis, const crypto::Verifier& verifier,
                                       const ledger::OpContext& ctx) {
  auto add = authorize_add_layer_op(env, blueprint.layer_path, own_genesis, blueprint.admin_keys, verifier);
  if (!add.ok()) return "error: not authorised: " + add.status().message();
  const LayerApplication& a = add->application;
  for (const auto& s : blueprint.subordinates) {
    if (s.path == a.path)
      return "error: the path already exists: " + a.path + " is a subordinate in " + blueprint.layer_path +
             "'s blueprint";
  }
  auto row = txn.get(kSubordinatesTable, a.path);
  if (!row.ok()) return row.status();
  if (row->has_value()) {
    auto existing = attached_layer(txn, a.path);
    if (!existing.ok()) return existing.status();
    if (!*existing) return "error: the path already exists: " + a.path + " is attached as an edge layer";
    const auto& e = (*existing)->members;
    if (e.genesis != a.genesis) {
      return "error: the path already exists: " + a.path + " is attached with genesis " + e.genesis.substr(0, 16) +
             "…, not " + a.genesis.substr(0, 16) + "…";
    }
    if (a.epoch < e.epoch) {
      return "error: " + a.path + " is recorded at epoch " + std::to_string(e.epoch) + "; an application of epoch " +
             std::to_string(a.epoch) + " is older";
    }
  }
  Json entry = {{"path", a.path},
                {"genesis", a.genesis},
                {"epoch", a.epoch},
                {"members", members_json(a.members)},
                {"height", ctx.height}};
  if (add->expires_at_ms != 0) entry["expires_at"] = add->expires_at_ms;
  auto text = codec::canonical(entry);
  if (!text.ok()) return std::string("error: the application's fields are not valid text");
  MLCHAIN_TRY(txn.put(kSubordinatesTable, a.path, *text));
  return "ok: add-layer " + a.path + " recorded (epoch " + std::to_string(a.epoch) + ", " +
         std::to_string(a.members.size()) + " members, " + std::to_string(add->signers) + " signed)";
}

Result<std::optional<AttachedLayer>> attached_layer(const store::ReadTxn& txn, std::string_view path) {
  if (path.empty() || path.size() > store::kMaxKeyBytes) return std::optional<AttachedLayer>();
  auto row = txn.get(kSubordinatesTable, path);
  if (!row.ok() && row.status().code() == ErrorCode::kNotFound) return std::optional<AttachedLayer>();
  if (!row.ok()) return row.status();
  if (!row->has_value()) return std::optional<AttachedLayer>();
  auto j = codec::parse(std::string(**row), codec::ParseLimits{256 * 1024, 4, 4096, 1024});
  if (!j.ok()) return corruption("stored subordinate entry of " + std::string(path) + ": " + j.status().message());
  if (!j->is_object() || !j->contains("genesis")) return std::optional<AttachedLayer>();  // an edge layer
  AttachedLayer out;
  out.members.layer = std::string(path);
  auto fill = [&]() -> Status {
    MLCHAIN_ASSIGN_OR_RETURN(out.members.genesis, codec::get_string(*j, "genesis", 64));
    MLCHAIN_ASSIGN_OR_RETURN(out.members.epoch, codec::get_uint(*j, "epoch"));
    MLCHAIN_ASSIGN_OR_RETURN(out.members.members, members_from(*j, false));
    MLCHAIN_ASSIGN_OR_RETURN(out.height, codec::get_uint(*j, "height"));
    if (j->contains("expires_at")) {
      MLCHAIN_ASSIGN_OR_RETURN(out.expires_at_ms, codec::get_int(*j, "expires_at"));
    }
    return {};
  };
  if (Status st = fill(); !st.ok())
    return corruption("stored subordinate entry of " + std::string(path) + ": " + st.message());
  return std::optional<AttachedLayer>(std::move(out));
}

Result<std::vector<std::string>> attached_layer_paths(const store::ReadTxn& txn) {
  std::vector<std::string> out;
  auto cur = txn.cursor(kSubordinatesTable);
  if (!cur.ok()) return out;  // no table yet
  if (!(*cur)->first().ok()) return out;
  std::vector<std::string> keys;
  while ((*cur)->valid()) {
    keys.emplace_back((*cur)->key());
    MLCHAIN_TRY((*cur)->next());
  }
  for (auto& k : keys) {
    MLCHAIN_ASSIGN_OR_RETURN(auto layer, attached_layer(txn, k));
    if (layer) out.push_back(std::move(k));
  }
  return out;
}

}  // namespace mlchain::node
