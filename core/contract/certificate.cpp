#include "mlchain/contract/certificate.h"

#include <algorithm>
#include <set>

#include "mlchain/codec/fields.h"

namespace mlchain::contract {
namespace {

using codec::Json;

constexpr std::string_view kCertDomain = "mlchain-layer-cert/1";

CertVerdict fail(CertFailure f, std::string message) {
  return CertVerdict{verification_failed("layer certificate refused (" + std::string(cert_failure_name(f)) + "): " +
                                         std::move(message)),
                     f};
}

}  // namespace

std::string_view cert_failure_name(CertFailure f) {
  switch (f) {
    case CertFailure::kNone: return "none";
    case CertFailure::kWrongLayer: return "wrong layer";
    case CertFailure::kWrongPacket: return "wrong packet";
    case CertFailure::kNotMember: return "signer not a member";
    case CertFailure::kDuplicateSigner: return "duplicate signer";
    case CertFailure::kForged: return "forged signature";
    case CertFailure::kTooFew: return "too few signatures";
    case CertFailure::kBadOrigin: return "bad origin";
  }
  return "?";
}

Bytes certificate_signing_bytes(std::string_view layer, std::string_view next_hop, const crypto::Digest& packet) {
  Bytes out(kCertDomain.begin(), kCertDomain.end());
  out.push_back(0);
  auto body = codec::canonical_bytes(
      Json{{"layer", layer}, {"next", next_hop}, {"packet", to_hex(ByteView(packet.data(), packet.size()))}});
  if (body.ok()) out.insert(out.end(), body->begin(), body->end());
  return out;
}

LayerCertificate begin_certificate(const Packet& p, std::string_view layer) {
  LayerCertificate c;
  c.layer = std::string(layer);
  c.next_hop = p.route.dst.empty() ? std::string() : p.route.dst.front();
  c.packet = packet_digest(p);
  return c;
}

crypto::Signature sign_certificate(const LayerCertificate& c, const crypto::Signer& signer) {
  return signer.sign(certificate_signing_bytes(c.layer, c.next_hop, c.packet));
}

void add_signature(LayerCertificate& c, const crypto::Signer& signer) {
  c.signatures.emplace_back(signer.public_key(), sign_certificate(c, signer));
}

CertVerdict check_certificate(const LayerCertificate& cert, const Packet& p, std::string_view claimed_layer,
                              const LayerKeys& keys, const crypto::Verifier& verifier) {
  if (p.route.src.empty() || p.route.dst.empty()) return fail(CertFailure::kWrongPacket, "the packet has no route");
  if (p.route.src.front() != claimed_layer)
    return fail(CertFailure::kWrongLayer, "the packet comes from '" + p.route.src.front() + "', not '" +
                                              std::string(claimed_layer) + "'");
  if (cert.layer != claimed_layer)
    return fail(CertFailure::kWrongLayer, "issued by '" + cert.layer + "', expected '" + std::string(claimed_layer) + "'");
  if (keys.path != claimed_layer)
    return fail(CertFailure::kWrongLayer, "the keys given are those of '" + keys.path + "', not of '" +
                                              std::string(claimed_layer) + "'");
  if (keys.edge != (p.route.src.size() == 1))
    return fail(CertFailure::kWrongLayer, "'" + std::string(claimed_layer) + "' is " +
                                              (p.route.src.size() == 1 ? "the packet's source edge layer" : "a high-level layer") +
                                              " on this route, but the keys given are for " +
                                              (keys.edge ? "an edge layer" : "a high-level layer"));
  if (cert.next_hop != p.route.dst.front())
    return fail(CertFailure::kWrongPacket, "issued towards '" + cert.next_hop + "', but the packet goes to '" +
                                               p.route.dst.front() + "'");
  if (cert.packet != packet_digest(p)) return fail(CertFailure::kWrongPacket, "it certifies another packet digest");
  if (keys.members.empty()) return fail(CertFailure::kNotMember, "no keys are recorded for '" + keys.path + "'");
  if (keys.edge && keys.members.size() != 1)
    return fail(CertFailure::kNotMember, "an edge layer must have exactly one recorded key");
  if (cert.signatures.size() > kMaxCertificateSignatures)
    return fail(CertFailure::kNotMember, "more than " + std::to_string(kMaxCertificateSignatures) +
                                             " signatures, but no layer has more members");
  Bytes msg = certificate_signing_bytes(cert.layer, cert.next_hop, cert.packet);
  std::set<crypto::PublicKey> seen;
  for (const auto& [key, sig] : cert.signatures) {
    if (std::find(keys.members.begin(), keys.members.end(), key) == keys.members.end())
      return fail(CertFailure::kNotMember, "key " + key.key_id() + " is not a recorded member of '" + keys.path + "'");
    if (!seen.insert(key).second)
      return fail(CertFailure::kDuplicateSigner, "key " + key.key_id() + " signed more than once");
    if (!verifier.verify(key, msg, sig))
      return fail(CertFailure::kForged, "the signature of " + key.key_id() + " does not verify");
  }
  if (seen.size() < keys.threshold())
    return fail(CertFailure::kTooFew, std::to_string(seen.size()) + " signatures of '" + keys.path + "', " +
                                          std::to_string(keys.threshold()) + " needed (f+1 of " +
                                          std::to_string(keys.members.size()) + " members)");
  if (p.route.src.size() == 1) {
    // Straight from the source edge: the origin must be that edge's key.
    if (p.header.edge_key != keys.members.front())
      return fail(CertFailure::kBadOrigin, "the packet's edge key is not the key recorded for '" + keys.path + "'");
    if (auto st = verify_origin(p, verifier); !st.ok()) return fail(CertFailure::kBadOrigin, st.message());
  }
  return {};
}

Json to_json(const LayerCertificate& c) {
  Json sigs = Json::array();
  for (const auto& [k, s] : c.signatures) sigs.push_back({{"key", k.hex()}, {"sig", crypto::signature_hex(s)}});
  return {{"layer", c.layer},
          {"next", c.next_hop},
          {"packet", to_hex(ByteView(c.packet.data(), c.packet.size()))},
          {"signatures", std::move(sigs)}};
}

Result<LayerCertificate> certificate_from_json(const Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "layer certificate"));
  MLCHAIN_TRY(codec::only_fields(j, {"layer", "next", "packet", "signatures"}, "layer certificate"));
  LayerCertificate c;
  MLCHAIN_ASSIGN_OR_RETURN(c.layer, codec::get_string(j, "layer", kMaxLayerPathBytes));
  MLCHAIN_ASSIGN_OR_RETURN(c.next_hop, codec::get_string(j, "next", kMaxLayerPathBytes));
  MLCHAIN_TRY(validate_layer_path(c.layer).with_context("certificate layer"));
  MLCHAIN_TRY(validate_layer_path(c.next_hop).with_context("certificate next hop"));
  MLCHAIN_ASSIGN_OR_RETURN(Bytes d, codec::get_hex(j, "packet", 32));
  std::copy(d.begin(), d.end(), c.packet.begin());
  MLCHAIN_ASSIGN_OR_RETURN(Json sigs, codec::get_array(j, "signatures", kMaxCertificateSignatures));
  for (const auto& s : sigs) {
    MLCHAIN_TRY(codec::require_object(s, "certificate signature"));
    MLCHAIN_TRY(codec::only_fields(s, {"key", "sig"}, "certificate signature"));
    MLCHAIN_ASSIGN_OR_RETURN(std::string key, codec::get_string(s, "key", 64));
    MLCHAIN_ASSIGN_OR_RETURN(std::string sig, codec::get_string(s, "sig", 128));
    MLCHAIN_ASSIGN_OR_RETURN(crypto::PublicKey pk, crypto::PublicKey::from_hex(key));
    MLCHAIN_ASSIGN_OR_RETURN(crypto::Signature sg, crypto::signature_from_hex(sig));
    c.signatures.emplace_back(pk, sg);
  }
  return c;
}

}  // namespace mlchain::contract
