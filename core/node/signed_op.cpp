#include "mlchain/node/signed_op.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <climits>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "mlchain/codec/fields.h"
#include "mlchain/consensus/messages.h"
#include "mlchain/node/epochs.h"
#include "mlchain/node/invitation.h"
#include "mlchain/node/layer_application.h"
#include "mlchain/node/superior_change.h"

namespace mlchain::node {
namespace {

codec::Json unsigned_json(const SignedOp& op) {
  return {{"client", op.client.hex()}, {"genesis", op.genesis}, {"id", op.id}, {"op", op.op}};
}

Result<std::string> string_field(const codec::Json& j, const char* name, std::size_t max) {
  auto it = j.find(name);
  if (it == j.end()) return invalid_argument(std::string("missing field \"") + name + "\"");
  if (!it->is_string()) return invalid_argument(std::string("field \"") + name + "\" must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max) return invalid_argument(std::string("field \"") + name + "\" is longer than " + std::to_string(max) + " bytes");
  return s;
}

}  // namespace

Bytes op_signing_bytes(const SignedOp& op) {
  auto b = codec::canonical_bytes(unsigned_json(op));
  return b.ok() ? std::move(b).value() : Bytes{};  // only invalid UTF-8 fails; refused at parse
}

std::uint64_t next_op_id(std::uint64_t last) {
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch());
  return std::max(last + 1, static_cast<std::uint64_t>(now.count()));
}

SignedOp sign_op(const crypto::PrivateKey& key, std::string genesis, std::uint64_t id, std::string op) {
  SignedOp s;
  s.client = key.public_key();
  s.genesis = std::move(genesis);
  s.id = id;
  s.op = std::move(op);
  s.sig = key.sign(op_signing_bytes(s));
  return s;
}

codec::Json to_json(const SignedOp& op) {
  codec::Json j = unsigned_json(op);
  j["sig"] = crypto::signature_hex(op.sig);
  return j;
}

Result<SignedOp> signed_op_from_json(const codec::Json& j) {
  if (!j.is_object()) return invalid_argument("the operation must be a JSON object {client, genesis, id, op, sig}");
  for (const auto& [k, v] : j.items()) {
    if (k != "client" && k != "genesis" && k != "id" && k != "op" && k != "sig")
      return invalid_argument("unknown field \"" + k + "\" (allowed: client, genesis, id, op, sig)");
  }
  SignedOp op;
  MLCHAIN_ASSIGN_OR_RETURN(auto client, string_field(j, "client", 64));
  auto key = crypto::PublicKey::from_hex(client);
  if (!key.ok()) return invalid_argument("field \"client\" must be the client's Ed25519 public key (64 hex characters)");
  op.client = *key;
  MLCHAIN_ASSIGN_OR_RETURN(op.genesis, string_field(j, "genesis", 64));
  auto id = j.find("id");
  if (id == j.end() || !id->is_number_unsigned() || id->get<std::uint64_t>() == 0)
    return invalid_argument("field \"id\" must be a positive integer that increases per client");
  op.id = id->get<std::uint64_t>();
  MLCHAIN_ASSIGN_OR_RETURN(op.op, string_field(j, "op", kMaxOpTextBytes));
  MLCHAIN_ASSIGN_OR_RETURN(auto sig, string_field(j, "sig", 128));
  auto s = crypto::signature_from_hex(sig);
  if (!s.ok()) return invalid_argument("field \"sig\" must be an Ed25519 signature (128 hex characters)");
  op.sig = *s;
  return op;
}

Status verify_op(const SignedOp& op, const crypto::Verifier& verifier) {
  Bytes msg = op_signing_bytes(op);
  if (msg.empty() || !verifier.verify(op.client, msg, op.sig))
    return verification_failed("the operation's signature does not verify against its client key " + op.client.key_id());
  return {};
}

consensus::Request to_request(const SignedOp& op) {
  auto env = codec::canonical_bytes(to_json(op));
  return consensus::Request{op.client.hex(), op.id, env.ok() ? std::move(env).value() : Bytes{}};
}

bool is_config_op_text(std::string_view op) {
  return op.substr(0, consensus::kConfigOpPrefix.size()) == consensus::kConfigOpPrefix;
}

namespace {

std::string_view action_name(consensus::ConfigAction a) {
  switch (a) {
    case consensus::ConfigAction::kAddMember: return "add-member";
    case consensus::ConfigAction::kRemoveMember: return "remove-member";
    case consensus::ConfigAction::kMarkInvalid: return "mark-invalid";
  }
  return "?";
}

}  // namespace

Bytes query_signing_bytes(std::string_view genesis_hex, std::string_view path, std::int64_t time_ms) {
  std::string s = "mlchain-query/1";
  s.push_back('\0');
  s.append(genesis_hex);
  s.push_back('\0');
  s.append(path);
  s.push_back('\0');
  s.append(std::to_string(time_ms));
  return to_bytes(s);
}

Result<crypto::PublicKey> check_signed_query(const std::map<std::string, std::string>& headers,
                                             std::string_view genesis_hex, std::string_view path, std::int64_t now_ms,
                                             const crypto::Verifier& verifier) {
  auto header = [&headers](const std::string& name) {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  };
  auto key = crypto::PublicKey::from_hex(header("x-mlchain-key"));
  auto sig = crypto::signature_from_hex(header("x-mlchain-sig"));
  std::string time_text = header("x-mlchain-time");
  long long t = 0;
  auto [tp, tec] = std::from_chars(time_text.data(), time_text.data() + time_text.size(), t);
  if (!key.ok() || !sig.ok() || time_text.empty() || tec != std::errc() || tp != time_text.data() + time_text.size())
    return verification_failed("the request is signed: headers X-Mlchain-Key, X-Mlchain-Time, X-Mlchain-Sig");
  if (t < now_ms - 300'000 || t > now_ms + 300'000)
    return verification_failed("X-Mlchain-Time is more than 5 minutes from this node's clock");
  if (!verifier.verify(*key, query_signing_bytes(genesis_hex, path, t), *sig))
    return verification_failed("the request signature does not verify for key " + key->key_id());
  return *key;
}

Bytes join_proof_bytes(const std::string& genesis, const consensus::ConfigChange& change) {
  codec::Json j = {{"purpose", "mlchain-join/1"},
                   {"action", action_name(change.action)},
                   {"key", change.key.hex()},
                   {"name", change.name},
                   {"address", change.address},
                   {"genesis", genesis}};
  auto b = codec::canonical_bytes(j);
  return b.ok() ? std::move(b).value() : Bytes{};
}

std::string config_op_text(const consensus::ConfigChange& change, const std::optional<crypto::Signature>& proof,
                           const std::optional<codec::Json>& invitation) {
  codec::Json j = {{"action", action_name(change.action)}, {"key", change.key.hex()}};
  if (!change.name.empty()) j["name"] = change.name;
  if (!change.address.empty()) j["address"] = change.address;
  if (proof) j["proof"] = crypto::signature_hex(*proof);
  if (invitation) j["invitation"] = *invitation;
  auto text = codec::canonical(j);
  return std::string(consensus::kConfigOpPrefix) + (text.ok() ? *text : std::string("{}"));
}

Bytes report_bytes(const std::string& genesis, const crypto::PublicKey& suspect, std::uint64_t epoch, std::int64_t window) {
  return to_bytes("mlchain-report/1 " + genesis + " " + suspect.hex() + " " + std::to_string(epoch) + " " +
                  std::to_string(window));
}

MemberReport sign_report(const crypto::PrivateKey& reporter, const std::string& genesis, const crypto::PublicKey& suspect,
                         std::uint64_t epoch, std::int64_t window) {
  return MemberReport{reporter.public_key(), suspect, epoch, window,
                      reporter.sign(report_bytes(genesis, suspect, epoch, window))};
}

codec::Json to_json(const MemberReport& r) {
  return {{"reporter", r.reporter.hex()}, {"suspect", r.suspect.hex()}, {"epoch", r.epoch},
          {"window", r.window},           {"sig", crypto::signature_hex(r.sig)}};
}

Result<MemberReport> report_from_json(const codec::Json& j) {
  if (!j.is_object()) return invalid_argument("a report must be a JSON object");
  MLCHAIN_TRY(codec::only_fields(j, {"reporter", "suspect", "epoch", "window", "sig"}, "report"));
  MemberReport r;
  MLCHAIN_ASSIGN_OR_RETURN(auto reporter, codec::get_string(j, "reporter", 64));
  MLCHAIN_ASSIGN_OR_RETURN(auto suspect, codec::get_string(j, "suspect", 64));
  MLCHAIN_ASSIGN_OR_RETURN(r.epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(auto window, codec::get_uint(j, "window"));
  MLCHAIN_ASSIGN_OR_RETURN(auto sig, codec::get_string(j, "sig", 128));
  auto rk = crypto::PublicKey::from_hex(reporter);
  auto sk = crypto::PublicKey::from_hex(suspect);
  auto sg = crypto::signature_from_hex(sig);
  if (!rk.ok() || !sk.ok() || !sg.ok()) return invalid_argument("a report has a malformed key or signature");
  if (window > static_cast<std::uint64_t>(INT64_MAX)) return invalid_argument("report window out of range");
  r.reporter = *rk;
  r.suspect = *sk;
  r.window = static_cast<std::int64_t>(window);
  r.sig = *sg;
  return r;
}

Bytes learner_permit_bytes(const std::string& genesis, const crypto::PublicKey& key, std::int64_t expires_ms) {
  return to_bytes("mlchain-learner-permit/1 " + genesis + " " + key.hex() + " " + std::to_string(expires_ms));
}

LearnerPermit sign_learner_permit(const crypto::PrivateKey& admin, const std::string& genesis, const crypto::PublicKey& key,
                                  std::int64_t expires_ms) {
  return LearnerPermit{key, expires_ms, admin.public_key(), admin.sign(learner_permit_bytes(genesis, key, expires_ms))};
}

codec::Json to_json(const LearnerPermit& p) {
  return {{"key", p.key.hex()}, {"expires_ms", p.expires_ms}, {"admin", p.admin.hex()}, {"sig", crypto::signature_hex(p.sig)}};
}

Result<LearnerPermit> learner_permit_from_json(const codec::Json& j) {
  if (!j.is_object()) return invalid_argument("a learner permit must be a JSON object");
  MLCHAIN_TRY(codec::only_fields(j, {"key", "expires_ms", "admin", "sig"}, "learner permit"));
  MLCHAIN_ASSIGN_OR_RETURN(auto key, codec::get_string(j, "key", 64));
  MLCHAIN_ASSIGN_OR_RETURN(auto expires, codec::get_uint(j, "expires_ms"));
  MLCHAIN_ASSIGN_OR_RETURN(auto admin, codec::get_string(j, "admin", 64));
  MLCHAIN_ASSIGN_OR_RETURN(auto sig, codec::get_string(j, "sig", 128));
  auto k = crypto::PublicKey::from_hex(key);
  auto a = crypto::PublicKey::from_hex(admin);
  auto sg = crypto::signature_from_hex(sig);
  if (!k.ok() || !a.ok() || !sg.ok()) return invalid_argument("a learner permit has a malformed key or signature");
  if (expires > static_cast<std::uint64_t>(INT64_MAX)) return invalid_argument("learner permit expiry out of range");
  return LearnerPermit{*k, static_cast<std::int64_t>(expires), *a, *sg};
}

Status check_learner_permit(const LearnerPermit& p, const std::string& genesis,
                            const std::vector<crypto::PublicKey>& admin_keys, std::int64_t now_ms,
                            const crypto::Verifier& verifier) {
  if (p.expires_ms <= now_ms) return invalid_argument("the learner permit has expired");
  if (p.expires_ms - now_ms > kLearnerPermitMaxMs)
    return invalid_argument("a learner permit may run at most " + std::to_string(kLearnerPermitMaxMs / 60'000) + " min");
  if (std::find(admin_keys.begin(), admin_keys.end(), p.admin) == admin_keys.end())
    return permission_denied("a learner permit must be signed by a key listed in the blueprint's admin_keys");
  if (!verifier.verify(p.admin, learner_permit_bytes(genesis, p.key, p.expires_ms), p.sig))
    return verification_failed("the learner permit's signature does not verify against its admin key");
  return {};
}

std::string invalidation_op_text(const crypto::PublicKey& suspect, const std::vector<MemberReport>& reports) {
  codec::Json rs = codec::Json::array();
  for (const auto& r : reports) rs.push_back(to_json(r));
  codec::Json j = {{"action", "mark-invalid"}, {"key", suspect.hex()}, {"reports", rs}};
  auto text = codec::canonical(j);
  return std::string(consensus::kConfigOpPrefix) + (text.ok() ? *text : std::string("{}"));
}

Status check_reports(const std::vector<MemberReport>& reports, const std::string& genesis, const crypto::PublicKey& suspect,
                     const consensus::EpochConfig& epoch, const crypto::Verifier& verifier) {
  std::int64_t newest = 0;
  for (const auto& r : reports) newest = std::max(newest, r.window);
  std::set<crypto::PublicKey> reporters;
  for (const auto& r : reports) {
    if (r.suspect != suspect || r.epoch != epoch.epoch || r.window < newest - 1) continue;
    if (r.reporter == suspect || !epoch.index_of(r.reporter)) continue;
    if (!verifier.verify(r.reporter, report_bytes(genesis, suspect, r.epoch, r.window), r.sig)) continue;
    reporters.insert(r.reporter);
  }
  // 2f+1 others, and never fewer than 2: no single member invalidates another.
  std::size_t need = std::max<std::size_t>(2 * epoch.f() + 1, 2);
  if (reporters.size() < need) {
    return verification_failed("mark-invalid needs valid reports from " + std::to_string(need) +
                               " other members of epoch " + std::to_string(epoch.epoch) + " within one window; got " +
                               std::to_string(reporters.size()));
  }
  return {};
}

Result<consensus::ConfigChange> authorize_config_op(const SignedOp& op, const std::vector<crypto::PublicKey>& admin_keys,
                                                    const crypto::Verifier& verifier, const consensus::EpochConfig* epoch,
                                                    std::int64_t now_ms) {
  if (!is_config_op_text(op.op)) return invalid_argument("not a membership change");
  auto change = consensus::parse_config_op(to_bytes(op.op));
  if (!change) {
    return invalid_argument("malformed membership change: expected mlchain-config:{\"action\": add-member|remove-member|"
                            "mark-invalid, \"key\": <64 hex>, ...}");
  }
  bool admin = std::find(admin_keys.begin(), admin_keys.end(), op.client) != admin_keys.end();
  bool self_leave = change->action == consensus::ConfigAction::kRemoveMember && change->key == op.client;
  if (!admin && change->action == consensus::ConfigAction::kMarkInvalid && epoch != nullptr &&
      epoch->index_of(op.client)) {
    // A member invalidates another on the strength of 2f+1 members' reports.
    auto parsed = codec::parse(std::string_view(op.op).substr(consensus::kConfigOpPrefix.size()));
    if (!parsed.ok() || !parsed->contains("reports") || !(*parsed)["reports"].is_array())
      return permission_denied("mark-invalid by a member needs \"reports\" from 2f+1 other members");
    std::vector<MemberReport> reports;
    for (const auto& rj : (*parsed)["reports"]) {
      auto r = report_from_json(rj);
      if (!r.ok()) return r.status();
      reports.push_back(*r);
    }
    MLCHAIN_TRY(check_reports(reports, op.genesis, change->key, *epoch, verifier));
    return *change;
  }
  if (!admin && change->action == consensus::ConfigAction::kAddMember && change->key == op.client) {
    // The applicant itself, on the strength of an admin's invitation.
    auto parsed = codec::parse(std::string_view(op.op).substr(consensus::kConfigOpPrefix.size()));
    if (parsed.ok() && parsed->contains("invitation")) {
      MLCHAIN_ASSIGN_OR_RETURN(auto inv, invitation_from_json((*parsed)["invitation"]));
      if (inv.invitee != change->key)
        return permission_denied("the invitation is for " + inv.invitee.key_id() + ", not " + change->key.key_id());
      MLCHAIN_TRY(check_invitation_for_layer(inv, op.genesis, admin_keys, now_ms, verifier));
      admin = true;  // the admin's consent, for this key only; the proof is still checked below
    }
  }
  if (!admin && !self_leave) {
    return permission_denied("key " + op.client.key_id() + " is not an admin key of this layer; membership changes " +
                             "must be signed by a key listed in the blueprint's admin_keys");
  }
  if (change->action == consensus::ConfigAction::kAddMember) {
    auto parsed = codec::parse(std::string_view(op.op).substr(consensus::kConfigOpPrefix.size()));
    if (!parsed.ok() || !parsed->contains("proof") || !(*parsed)["proof"].is_string())
      return invalid_argument("add-member needs \"proof\": the applicant's signature over its application");
    auto proof = crypto::signature_from_hex((*parsed)["proof"].get<std::string>());
    if (!proof.ok()) return invalid_argument("\"proof\" must be an Ed25519 signature (128 hex characters)");
    if (change->name.empty() || change->address.empty())
      return invalid_argument("add-member needs the newcomer's \"name\" and \"address\"");
    if (!verifier.verify(change->key, join_proof_bytes(op.genesis, *change), *proof))
      return verification_failed("the application is not signed by the key it enrols (" + change->key.key_id() + ")");
  }
  return *change;
}

consensus::ConfigFilter make_config_filter(std::string genesis, std::vector<crypto::PublicKey> admin_keys,
                                           const crypto::Verifier& verifier) {
  return [genesis = std::move(genesis), admin_keys = std::move(admin_keys), &verifier](
             const consensus::Request& r, const consensus::EpochConfig& in_force) -> std::optional<consensus::ConfigChange> {
    // Cheap test first: every ordered op passes through here.
    std::string_view text(reinterpret_cast<const char*>(r.op.data()), r.op.size());
    if (text.find(consensus::kConfigOpPrefix) == std::string_view::npos) return std::nullopt;
    auto parsed = codec::parse(text);
    if (!parsed.ok()) return std::nullopt;
    auto env = signed_op_from_json(*parsed);
    if (!env.ok() || env->client.hex() != r.client || env->id != r.id || env->genesis != genesis) return std::nullopt;
    if (!is_config_op_text(env->op) || !verify_op(*env, verifier).ok()) return std::nullopt;
    auto change = authorize_config_op(*env, admin_keys, verifier, &in_force);
    if (!change.ok()) return std::nullopt;
    return std::move(change).value();
  };
}

namespace {

// Verdicts of make_request_authenticator, by a digest of the request: one
// request is judged up to five times per replica (arrival, pre-prepare,
// execution, ledger, state machine), and parsing and canonicalising its
// envelope each time cost ~15 % of a layer's throughput. The function is
// pure, so a remembered verdict is the verdict. Bounded (oldest out first);
// an attacker filling it only costs re-checks.
class VerdictMemo {
 public:
  static constexpr std::size_t kCapacity = 1u << 16;
  std::optional<bool> find(const crypto::Digest& d) {
    std::lock_guard lock(mu_);
    auto it = verdicts_.find(d);
    if (it == verdicts_.end()) return std::nullopt;
    return it->second;
  }
  void put(const crypto::Digest& d, bool verdict) {
    std::lock_guard lock(mu_);
    if (!verdicts_.emplace(d, verdict).second) return;
    order_.push_back(d);
    if (order_.size() > kCapacity) {
      verdicts_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  std::mutex mu_;
  std::map<crypto::Digest, bool> verdicts_;
  std::deque<crypto::Digest> order_;
};

}  // namespace

consensus::RequestAuthenticator make_request_authenticator(std::string genesis, const crypto::Verifier& verifier) {
  auto memo = std::make_shared<VerdictMemo>();
  return [genesis = std::move(genesis), &verifier, memo](const consensus::Request& r) {
    crypto::Digest key = consensus::request_digest(r);
    if (auto known = memo->find(key)) return *known;
    auto parsed = codec::parse(to_string(r.op));
    bool ok = false;
    if (parsed.ok()) {
      auto env = signed_op_from_json(*parsed);
      ok = env.ok() && env->client.hex() == r.client && env->id == r.id && env->genesis == genesis &&
           verify_op(*env, verifier).ok();
    }
    memo->put(key, ok);
    return ok;
  };
}

bool is_subordinate_op_text(std::string_view op) {
  return op.substr(0, kSubordinateOpPrefix.size()) == kSubordinateOpPrefix;
}

Bytes attach_proof_bytes(const std::string& superior_genesis, const SubordinateEntry& e) {
  codec::Json j = {{"purpose", "mlchain-attach/1"}, {"path", e.path},       {"name", e.name},
                   {"key", e.key.hex()},            {"address", e.address}, {"genesis", superior_genesis}};
  if (!e.seal_key.empty()) j["seal_key"] = e.seal_key;
  if (e.expires_at_ms != 0) j["expires_at"] = e.expires_at_ms;
  auto b = codec::canonical_bytes(j);
  return b.ok() ? std::move(b).value() : Bytes{};
}

std::string subordinate_op_text(const SubordinateEntry& e, const crypto::Signature& proof) {
  codec::Json j = {{"action", "add-subordinate"}, {"path", e.path},       {"name", e.name},
                   {"key", e.key.hex()},          {"address", e.address}, {"proof", crypto::signature_hex(proof)}};
  if (!e.seal_key.empty()) j["seal_key"] = e.seal_key;
  if (e.expires_at_ms != 0) j["expires_at"] = e.expires_at_ms;
  auto text = codec::canonical(j);
  return std::string(kSubordinateOpPrefix) + (text.ok() ? *text : std::string("{}"));
}

Result<SubordinateEntry> authorize_subordinate_op(const SignedOp& op, const std::vector<crypto::PublicKey>& admin_keys,
                                                  const crypto::Verifier& verifier, std::string_view superior_path) {
  if (!is_subordinate_op_text(op.op)) return invalid_argument("not a subordinate-layer op");
  auto j = codec::parse(std::string_view(op.op).substr(kSubordinateOpPrefix.size()),
                        codec::ParseLimits{8 * 1024, 2, 2048, 16});
  if (!j.ok()) return invalid_argument("malformed add-subordinate op: " + j.status().message());
  MLCHAIN_TRY(codec::only_fields(*j, {"action", "path", "name", "key", "address", "proof", "seal_key", "expires_at"},
                                  "add-subordinate op"));
  MLCHAIN_ASSIGN_OR_RETURN(auto action, codec::get_string(*j, "action", 32));
  if (action != "add-subordinate") return invalid_argument("unknown subordinate action '" + action + "'");
  SubordinateEntry e;
  MLCHAIN_ASSIGN_OR_RETURN(e.path, codec::get_string(*j, "path", 256));
  MLCHAIN_ASSIGN_OR_RETURN(e.name, codec::get_string(*j, "name", 64));
  MLCHAIN_ASSIGN_OR_RETURN(e.address, codec::get_string(*j, "address", 512));
  MLCHAIN_ASSIGN_OR_RETURN(auto key_hex, codec::get_string(*j, "key", 64));
  MLCHAIN_ASSIGN_OR_RETURN(auto proof_hex, codec::get_string(*j, "proof", 128));
  auto key = crypto::PublicKey::from_hex(key_hex);
  if (!key.ok()) return invalid_argument("\"key\" must be an Ed25519 public key (64 hex characters)");
  e.key = *key;
  if (j->contains("seal_key")) {
    MLCHAIN_ASSIGN_OR_RETURN(e.seal_key, codec::get_string(*j, "seal_key", 64));
    if (e.seal_key.size() != 64 || e.seal_key.find_first_not_of("0123456789abcdef") != std::string::npos)
      return invalid_argument("\"seal_key\" must be an X25519 public key (64 lower-case hex characters)");
  }
  if (j->contains("expires_at")) {
    MLCHAIN_ASSIGN_OR_RETURN(e.expires_at_ms, codec::get_int(*j, "expires_at"));
    if (e.expires_at_ms <= 0) return invalid_argument("\"expires_at\" must be a positive unix time in milliseconds");
  }
  if (e.path.empty() || e.name.empty() || e.address.rfind("https://", 0) != 0)
    return invalid_argument("add-subordinate needs a path, a name and an https:// address");
  if (!superior_path.empty()) {
    std::string_view p = e.path;
    std::string_view seg = p.size() > superior_path.size() + 1 ? p.substr(superior_path.size() + 1) : std::string_view();
    if (p.substr(0, superior_path.size()) != superior_path || p.size() <= superior_path.size() + 1 ||
        p[superior_path.size()] != '/' || seg.find('/') != std::string_view::npos) {
      return invalid_argument("path " + e.path + " is not a direct subordinate of " + std::string(superior_path) +
                              " (expected " + std::string(superior_path) + "/<name>)");
    }
  }
  if (std::find(admin_keys.begin(), admin_keys.end(), op.client) == admin_keys.end()) {
    return permission_denied("key " + op.client.key_id() + " is not an admin key of this layer; attaching a " +
                             "subordinate layer must be signed by a key in the blueprint's admin_keys");
  }
  auto proof = crypto::signature_from_hex(proof_hex);
  if (!proof.ok()) return invalid_argument("\"proof\" must be an Ed25519 signature (128 hex characters)");
  if (!verifier.verify(e.key, attach_proof_bytes(op.genesis, e), *proof))
    return verification_failed("the attach request is not signed by the subordinate's key " + e.key.key_id());
  return e;
}

Result<Bytes> SignedOpStateMachine::apply(store::WriteTxn& txn, const consensus::Request& op,
                                          const ledger::OpContext& ctx) {
  auto parsed = codec::parse(to_string(op.op));
  if (!parsed.ok()) return to_bytes("error: the operation envelope is not JSON");
  auto env = signed_op_from_json(*parsed);
  if (!env.ok()) return to_bytes("error: bad operation envelope: " + env.status().message());
  if (env->client.hex() != op.client || env->id != op.id) return to_bytes("error: envelope does not match the request");
  if (env->genesis != genesis_) return to_bytes("error: the operation was signed for another layer");
  if (!verify_op(*env, verifier_).ok()) return to_bytes("error: bad client signature");
  if (is_config_op_text(env->op)) {
    auto change = authorize_config_op(*env, admin_keys_, verifier_, epoch_ ? &epoch_() : nullptr);
    if (!change.ok()) return to_bytes("error: not authorised: " + change.status().message());
    if (change->action == consensus::ConfigAction::kAddMember) {
      auto entry = codec::canonical(codec::Json{{"name", change->name}, {"address", change->address}});
      if (!entry.ok()) return to_bytes("error: the member's name or address is not valid text");
      MLCHAIN_TRY(txn.put(kMembersTable, change->key.hex(), *entry));
    }
    return to_bytes("ok: " + std::string(action_name(change->action)) + " " +
                    (change->name.empty() ? change->key.key_id() : change->name) +
                    " ordered; it takes effect at the next checkpoint boundary");
  }
  if (is_subordinate_op_text(env->op)) {
    auto e = authorize_subordinate_op(*env, admin_keys_, verifier_, blueprint_.layer_path);
    if (!e.ok()) return to_bytes("error: not authorised: " + e.status().message());
    codec::Json member = {{"name", e->name}, {"public_key", e->key.hex()}, {"address", e->address}};
    codec::Json row{{"path", e->path}, {"members", codec::Json::array({member})}, {"height", ctx.height}};
    if (!e->seal_key.empty()) row["seal_key"] = e->seal_key;
    if (e->expires_at_ms != 0) row["expires_at"] = e->expires_at_ms;
    auto entry = codec::canonical(row);
    if (!entry.ok()) return to_bytes("error: the subordinate's fields are not valid text");
    MLCHAIN_TRY(txn.put(kSubordinatesTable, e->path, *entry));
    return to_bytes("ok: add-subordinate " + e->path + " recorded");
  }
  if (is_add_layer_op_text(env->op)) {
    MLCHAIN_ASSIGN_OR_RETURN(std::string result, apply_add_layer_op(txn, *env, blueprint_, genesis_, verifier_, ctx));
    return to_bytes(result);
  }
  if (is_superior_op_text(env->op)) {
    MLCHAIN_ASSIGN_OR_RETURN(std::string result,
                             apply_superior_op(txn, *env, blueprint_, epoch_ ? &epoch_() : nullptr, ctx));
    return to_bytes(result);
  }
  if (is_neighbour_op_text(env->op)) {
    MLCHAIN_ASSIGN_OR_RETURN(std::string result, apply_neighbour_op(txn, *env, blueprint_, epoch_ ? &epoch_() : nullptr,
                                                                    verifier_, ctx));
    return to_bytes(result);
  }
  return inner_.apply(txn, consensus::Request{op.client, op.id, to_bytes(env->op)}, ctx);
}

}  // namespace mlchain::node
