// The destination edge: check a packet from the superior, open it, deliver
// it once (contract_inbox.h). Everything in the body is untrusted input: a
// refusal is an answer and a metrics label, never a crash or a store write.
#include "mlchain/edge/contract_inbox.h"

#include <limits>

#include "mlchain/codec/fields.h"
#include "mlchain/contract/certificate.h"
#include "mlchain/crypto/hash.h"

namespace mlchain::edge {
namespace {

using Json = codec::Json;

InboxAnswer refuse(int status, std::string code, const std::string& message, const std::string& layer,
                   std::string outcome = {}) {
  Json body = {{"error", {{"code", code}, {"message", message}, {"layer", layer}}}};
  return {status, std::move(body), outcome.empty() ? std::move(code) : std::move(outcome)};
}

std::string label(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == ' ') c = '_';
  return out;
}

Json string_array(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

}  // namespace

Json make_receipt(std::string_view edge, const contract::Packet& p, std::int64_t delivered_at_ms,
                  const crypto::PrivateKey& key) {
  Json r = {{"edge", edge},
            {"sum", crypto::digest_hex(p.sum)},
            {"ids", string_array(p.block_ids)},
            {"kind", contract::kind_name(p.kind)},
            {"delivered_at", delivered_at_ms},
            {"key", key.public_key().hex()}};
  auto bytes = receipt_signing_bytes(r);
  // The receipt is built from a parsed packet (no floats, valid UTF-8):
  // canonical() cannot fail here; an empty signature would not verify anyway.
  r["sig"] = bytes.ok() ? crypto::signature_hex(key.sign(*bytes)) : std::string();
  return r;
}

Result<Bytes> receipt_signing_bytes(const Json& receipt) {
  MLCHAIN_TRY(codec::require_object(receipt, "receipt"));
  Json unsigned_part = receipt;
  unsigned_part.erase("sig");
  MLCHAIN_ASSIGN_OR_RETURN(auto body, codec::canonical_bytes(unsigned_part));
  Bytes out(kReceiptDomain.begin(), kReceiptDomain.end());
  out.push_back(0);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Status verify_receipt(const Json& receipt, const crypto::Verifier& verifier) {
  MLCHAIN_TRY(codec::require_object(receipt, "receipt"));
  MLCHAIN_TRY(codec::only_fields(receipt, {"edge", "sum", "ids", "kind", "delivered_at", "key", "sig"}, "receipt"));
  MLCHAIN_ASSIGN_OR_RETURN(auto key_hex, codec::get_string(receipt, "key", 64));
  MLCHAIN_ASSIGN_OR_RETURN(auto key, crypto::PublicKey::from_hex(key_hex));
  MLCHAIN_ASSIGN_OR_RETURN(auto sig_hex, codec::get_string(receipt, "sig", 128));
  MLCHAIN_ASSIGN_OR_RETURN(auto sig, crypto::signature_from_hex(sig_hex));
  MLCHAIN_ASSIGN_OR_RETURN(auto bytes, receipt_signing_bytes(receipt));
  if (!verifier.verify(key, bytes, sig)) return verification_failed("the receipt's signature does not verify");
  return {};
}

InboxAnswer receive_packet(std::string_view body, const InboxContext& ctx, Registry& registry) {
  const std::string& own = ctx.own_path;
  if (body.size() > kMaxContractBodyBytes) {
    return refuse(
        400, "bad_request",
        "the body is " + std::to_string(body.size()) + " bytes; at most " + std::to_string(kMaxContractBodyBytes), own);
  }
  // 1. Shape.
  auto j = codec::parse(body, codec::ParseLimits{kMaxContractBodyBytes, 8, contract::kMaxPacketBytes, 2'000});
  if (!j.ok()) return refuse(400, "bad_request", "the body is not acceptable JSON: " + j.status().message(), own);
  if (Status st = codec::require_object(*j, "packet body"); !st.ok())
    return refuse(400, "bad_request", st.message(), own);
  if (Status st = codec::only_fields(*j, {"packet", "cert"}, "packet body"); !st.ok()) {
    return refuse(400, "bad_request", st.message(), own);
  }
  if (!j->contains("packet") || !j->contains("cert")) {
    return refuse(400, "bad_request", "the body needs 'packet' and 'cert'", own);
  }
  auto p = contract::packet_from_json((*j)["packet"]);
  if (!p.ok()) return refuse(400, "bad_request", "packet: " + p.status().message(), own);
  auto cert = contract::certificate_from_json((*j)["cert"]);
  if (!cert.ok()) return refuse(400, "bad_request", "cert: " + cert.status().message(), own);

  // 2. For this edge.
  if (p->route.dst.size() != 1 || p->route.dst.front() != own) {
    std::string dst;
    for (const auto& l : p->route.dst) dst += (dst.empty() ? "" : ", ") + l;
    return refuse(404, "unknown_layer",
                  "this is edge layer " + own + "; the packet's next layers are [" + dst.substr(0, 300) + "]", own,
                  "wrong_destination");
  }
  // 3. Whom to trust.
  if (ctx.superior == nullptr) {
    return refuse(503, "no_superior", "edge layer " + own + " has no [superior] configured; it takes no contracts",
                  own);
  }
  // 4. Statement 1: the superior vouches with f + 1 members.
  contract::LayerKeys keys{ctx.superior->path, false, {}};
  for (const auto& m : ctx.superior->members) keys.members.push_back(m.key);
  const std::string claimed = p->route.src.empty() ? std::string() : p->route.src.front();
  contract::CertVerdict v = contract::check_certificate(*cert, *p, claimed, keys, *ctx.verifier);
  if (!v.status.ok()) {
    std::string message = v.status.message();
    if (claimed != ctx.superior->path) {
      message += " (packets reach edge layer " + own + " only from its superior " + ctx.superior->path + ")";
    }
    return refuse(401, "certificate_refused", message, own,
                  "certificate_" + label(contract::cert_failure_name(v.failure)));
  }
  // The source edge's signature, end to end: the superior's certificate
  // vouches for the packet, and the origin signature must hold for the key
  // the header names (the first layer checked that key is the source edge's
  // recorded one). A packet made up on the way carries neither.
  if (Status st = contract::verify_origin(*p, *ctx.verifier); !st.ok()) {
    return refuse(401, "certificate_refused", "the source edge's origin signature does not verify: " + st.message(),
                  own, "certificate_bad_origin");
  }
  // 5. Open.
  auto opened = contract::open_packet(*p, *ctx.seal_key);
  if (!opened.ok()) {
    return refuse(422, "refused", "the packet does not open with this edge's sealing key: " + opened.status().message(),
                  own, "unreadable");
  }
  // 6. A timestamp from the future would keep its dedupe record forever
  // (it is pruned after timestamp + ttl): refuse beyond the clock-skew grace.
  if (p->header.timestamp_ms > ctx.now_ms + kDeliveredGraceMs) {
    return refuse(400, "bad_request",
                  "the message is dated " + std::to_string(p->header.timestamp_ms - ctx.now_ms) +
                      " ms in the future (more than the 10 min this edge allows for clock skew)",
                  own, "future");
  }
  // 7. Deliver once.
  const std::string sum = crypto::digest_hex(p->sum);
  ContractDelivery d;
  d.to = opened->to.str();
  d.from = opened->from.str();
  d.body = opened->message;
  d.contract = {{"kind", contract::kind_name(p->kind)},
                {"sum", sum},
                {"ids", string_array(p->block_ids)},
                {"ttl_ms", p->header.ttl_ms}};
  d.sum_hex = sum;
  d.receipt = make_receipt(own, *p, ctx.now_ms, *ctx.key);
  d.expires_at_ms = p->header.timestamp_ms > std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(p->header.ttl_ms)
                        ? std::numeric_limits<std::int64_t>::max()
                        : p->header.timestamp_ms + static_cast<std::int64_t>(p->header.ttl_ms);
  auto r = registry.deliver_contract(d);
  if (!r.ok()) return refuse(500, "internal", "the edge's store failed: " + r.status().message(), own);
  switch (r->outcome) {
    case DeliveryResult::Outcome::kDelivered:
      break;
    case DeliveryResult::Outcome::kReplay: {
      InboxAnswer a = refuse(409, "replay", "message " + sum + " was delivered before", own);
      a.body["error"]["receipt"] = r->receipt;
      return a;
    }
    case DeliveryResult::Outcome::kUnknownTarget:
      return refuse(404, "unknown_target", r->message, own);
    case DeliveryResult::Outcome::kQueueFull:
      return refuse(429, "queue_full", r->message, own);
    case DeliveryResult::Outcome::kExpired:
      return refuse(410, "expired", r->message, own);
  }
  Json hops = Json::array();
  hops.push_back({{"layer", own}, {"edge", true}, {"role", "destination"}});
  return {200, Json{{"sum", sum}, {"hops", hops}, {"receipt", r->receipt}}, "delivered"};
}

}  // namespace mlchain::edge
