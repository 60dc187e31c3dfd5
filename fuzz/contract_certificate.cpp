// A contract hop as a layer reads it: the body {"packet", "cert"} of
// POST /v1/contract/packet (relay/service.cpp process_packet, with its parse
// limits), then the layer certificate's strict schema and Statement 1
// (contract/certificate.h check_certificate).
// Properties: nothing crashes; a parsed certificate round-trips to the same
// canonical JSON; a certificate that check_certificate accepts names the
// claimed layer and this packet's digest and carries at least threshold()
// distinct member signatures. Signatures are taken as valid (see
// accept_all_verifier.h); the address book is the certificate's signers
// (repeats included), so the counting rules run.
#include <cstdint>
#include <set>
#include <string>

#include "accept_all_verifier.h"
#include "fuzz_util.h"
#include "mlchain/codec/fields.h"
#include "mlchain/codec/json.h"
#include "mlchain/contract/certificate.h"
#include "mlchain/contract/packet.h"

namespace {

using mlchain::fuzz::check;
namespace contract = mlchain::contract;
namespace codec = mlchain::codec;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  codec::ParseLimits limits;  // as relay/service.cpp process_packet
  limits.max_bytes = 256 * 1024;
  limits.max_depth = 6;
  limits.max_string_bytes = contract::kMaxPacketBytes;
  limits.max_elements = 1024;
  auto j = codec::parse(mlchain::fuzz::text_of(data, size), limits);
  if (!j.ok() || !j->is_object()) return 0;
  if (!codec::only_fields(*j, {"packet", "cert"}, "contract packet request").ok()) return 0;
  auto cj = codec::get_object(*j, "cert");
  if (!cj.ok()) return 0;
  auto cert = contract::certificate_from_json(*cj);
  if (!cert.ok()) return 0;

  const auto canon = codec::canonical(contract::to_json(*cert)).value();
  auto again = contract::certificate_from_json(codec::parse(canon).value());
  check(again.ok(), "a re-encoded certificate does not parse", again.status().message() + "\n" + canon);
  check(codec::canonical(contract::to_json(*again)).value() == canon, "certificate round trip changed it", canon);
  (void)contract::certificate_signing_bytes(cert->layer, cert->next_hop, cert->packet);

  auto pj = codec::get_object(*j, "packet");
  if (!pj.ok()) return 0;
  auto p = contract::packet_from_json(*pj);
  if (!p.ok()) return 0;

  const std::string claimed = p->route.src.empty() ? std::string() : p->route.src.front();
  contract::LayerKeys keys{claimed, p->route.src.size() == 1, {}};
  for (const auto& [key, sig] : cert->signatures) keys.members.push_back(key);
  const mlchain::fuzz::AcceptAllVerifier verifier;
  const contract::CertVerdict v = contract::check_certificate(*cert, *p, claimed, keys, verifier);
  mlchain::fuzz::note("certificate:", v.status.to_string());
  check(v.status.ok() == (v.failure == contract::CertFailure::kNone), "verdict and failure disagree");
  (void)contract::cert_failure_name(v.failure);
  if (v.status.ok()) {
    check(cert->layer == claimed && keys.path == claimed, "accepted a certificate of another layer");
    check(cert->packet == contract::packet_digest(*p), "accepted a certificate over another packet");
    std::set<mlchain::crypto::PublicKey> signers;
    for (const auto& [key, sig] : cert->signatures) signers.insert(key);
    check(signers.size() == cert->signatures.size(), "accepted a certificate with a repeated signer");
    check(signers.size() >= keys.threshold(), "accepted a certificate below the threshold");
  }
  return 0;
}
