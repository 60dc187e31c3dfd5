#include "mlchain/edge/admin.h"

#include <algorithm>

#include "mlchain/codec/fields.h"

namespace mlchain::edge {
namespace {

std::string nonce_key(std::int64_t time_ms, std::string_view nonce) {
  // Biased so that the byte order of keys follows the signed time order.
  auto t = static_cast<std::uint64_t>(time_ms) ^ (std::uint64_t{1} << 63);
  std::string k;
  for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>((t >> shift) & 0xff));
  k += nonce;
  return k;
}

constexpr std::size_t kMaxPrunePerTxn = 64;

}  // namespace

Bytes admin_signing_bytes(const AdminRequest& r) {
  codec::Json j = to_json(r);
  j.erase("sig");
  std::string text(kAdminSigningPrefix);
  text += codec::canonical(j).value_or("");
  return to_bytes(text);
}

AdminRequest sign_admin_request(const crypto::PrivateKey& key, std::string action, codec::Json args, std::string edge,
                                std::string nonce, std::int64_t time_ms) {
  AdminRequest r;
  r.action = std::move(action);
  r.admin = key.public_key();
  r.args = std::move(args);
  r.edge = std::move(edge);
  r.nonce = std::move(nonce);
  r.time_ms = time_ms;
  r.sig = key.sign(admin_signing_bytes(r));
  return r;
}

codec::Json to_json(const AdminRequest& r) {
  return {{"action", r.action},
          {"admin", r.admin.hex()},
          {"args", r.args},
          {"edge", r.edge},
          {"nonce", r.nonce},
          {"time_ms", r.time_ms},
          {"sig", crypto::signature_hex(r.sig)}};
}

Result<AdminRequest> admin_request_from_json(const codec::Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "admin request"));
  MLCHAIN_TRY(codec::only_fields(j, {"action", "admin", "args", "edge", "nonce", "time_ms", "sig"}, "admin request"));
  AdminRequest r;
  MLCHAIN_ASSIGN_OR_RETURN(r.action, codec::get_string(j, "action", 32));
  MLCHAIN_ASSIGN_OR_RETURN(auto admin, codec::get_string(j, "admin", 64));
  MLCHAIN_ASSIGN_OR_RETURN(r.admin, crypto::PublicKey::from_hex(admin));
  MLCHAIN_ASSIGN_OR_RETURN(r.args, codec::get_object(j, "args"));
  MLCHAIN_ASSIGN_OR_RETURN(r.edge, codec::get_string(j, "edge", 600));
  MLCHAIN_ASSIGN_OR_RETURN(r.nonce, codec::get_string(j, "nonce", 32));
  bool hex = r.nonce.size() == 32;
  for (char c : r.nonce) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex) return invalid_argument("field 'nonce': expected 32 lower-case hex characters");
  MLCHAIN_ASSIGN_OR_RETURN(r.time_ms, codec::get_int(j, "time_ms"));
  MLCHAIN_ASSIGN_OR_RETURN(auto sig, codec::get_string(j, "sig", 128));
  MLCHAIN_ASSIGN_OR_RETURN(r.sig, crypto::signature_from_hex(sig));
  return r;
}

Status AdminAuth::verify(const AdminRequest& r, TimePoint now) const {
  if (!crypto::verify(r.admin, admin_signing_bytes(r), r.sig)) {
    return unauthenticated(
        "the admin signature does not verify (it must cover \"mlc-admin-v1\\n\" + the canonical "
        "envelope without \"sig\")");
  }
  if (std::find(admins_.begin(), admins_.end(), r.admin) == admins_.end()) {
    return permission_denied("key " + r.admin.key_id() + " is not an admin key of edge layer " + edge_ +
                             " (list it in admin_keys of the edge config)");
  }
  if (r.edge != edge_) {
    return permission_denied("the request was signed for edge layer '" + r.edge.substr(0, 200) + "', this is " + edge_);
  }
  std::int64_t now_ms = unix_millis(now);
  std::int64_t diff = now_ms > r.time_ms ? now_ms - r.time_ms : r.time_ms - now_ms;
  if (diff > skew_.count()) {
    return unauthenticated("stale admin request: time_ms is " + std::to_string(diff) +
                           " ms from the edge's clock (at most " + std::to_string(skew_.count()) +
                           " ms); check the clocks");
  }
  return {};
}

TxnCheck AdminAuth::record_nonce(const AdminRequest& r, TimePoint now) const {
  std::string key = nonce_key(r.time_ms, r.nonce);
  std::string oldest_kept = nonce_key(unix_millis(now) - skew_.count(), "");
  return [key, oldest_kept](store::WriteTxn& txn) -> Status {
    MLCHAIN_ASSIGN_OR_RETURN(auto seen, txn.get(kAdminNoncesTable, key));
    if (seen) return already_exists("replayed admin request (this time_ms and nonce were used before)");
    // Forget a few expired nonces: keys sort by time, so they are at the front.
    std::vector<std::string> expired;
    {
      MLCHAIN_ASSIGN_OR_RETURN(auto cursor, txn.cursor(kAdminNoncesTable));
      MLCHAIN_TRY(cursor->first());
      while (cursor->valid() && cursor->key() < oldest_kept && expired.size() < kMaxPrunePerTxn) {
        expired.emplace_back(cursor->key());
        MLCHAIN_TRY(cursor->next());
      }
    }
    for (const auto& k : expired) MLCHAIN_TRY(txn.del(kAdminNoncesTable, k));
    return txn.put(kAdminNoncesTable, key, "");
  };
}

}  // namespace mlchain::edge
