// Proof files as `mlchain block verify FILE --genesis HASH` reads them
// (cli/cmd_block.cpp run_verify -> contract::verify_proof or
// verify_contract_proof, contract/proof.h): a block proof, a contract proof
// bundle, or `block query --proof -o json` output holding either.
// The trusted genesis hash is the one the input's own blueprint gives (else
// a fixed one), and signatures are taken as valid (accept_all_verifier.h),
// so the fuzzer gets past the genesis check to the epoch windows,
// certificates, attestations, results and inclusion checks.
// Properties: nothing crashes; a verified proof reports one result per named
// op and the genesis it was checked against.
#include <cstdint>
#include <string>

#include "accept_all_verifier.h"
#include "fuzz_util.h"
#include "mlchain/codec/fields.h"
#include "mlchain/codec/json.h"
#include "mlchain/contract/proof.h"
#include "mlchain/crypto/hash.h"
#include "mlchain/ledger/blueprint.h"
#include "mlchain/ledger/ledger.h"

namespace {

using mlchain::codec::Json;
using mlchain::fuzz::check;
namespace codec = mlchain::codec;
namespace contract = mlchain::contract;
namespace ledger = mlchain::ledger;

// The genesis hash `proof`'s blueprint gives, when it has one that parses.
std::string genesis_of(const Json& proof) {
  const Json* bp = nullptr;
  if (proof.is_object() && proof.contains("blueprint")) bp = &proof["blueprint"];
  if (proof.is_object() && proof.contains("proofs") && proof["proofs"].is_array() && !proof["proofs"].empty() &&
      proof["proofs"][0].is_object() && proof["proofs"][0].contains("blueprint")) {
    bp = &proof["proofs"][0]["blueprint"];
  }
  if (bp != nullptr) {
    auto b = ledger::blueprint_from_json(*bp);
    if (b.ok()) return mlchain::crypto::digest_hex(ledger::make_genesis(*b).hash());
  }
  return std::string(64, '0');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(mlchain::fuzz::text_of(data, size));
  // As run_verify: accept the proof itself or `block query --proof -o json` output.
  auto j = codec::parse(text, codec::ParseLimits{contract::kMaxProofBytes, 64, 16u << 20, 10'000'000});
  if (j.ok() && j->is_object() && j->contains("proof") && !j->contains("blueprint")) {
    *j = (*j)["proof"];
    text = j->dump();
  }
  const std::string genesis = j.ok() ? genesis_of(*j) : std::string(64, '0');
  const mlchain::fuzz::AcceptAllVerifier verifier;
  if (j.ok() && j->is_object() && codec::string_or_empty(*j, "type") == "mlchain-contract-proof") {
    auto c = contract::verify_contract_proof(text, genesis, verifier);
    mlchain::fuzz::note("contract proof:", c.ok() ? "verified" : c.status().to_string());
    if (c.ok()) check(!c->proofs.empty() && c->genesis_hash == genesis, "a verified contract proof without proofs");
    return 0;
  }
  auto v = contract::verify_proof(text, genesis, verifier);
  mlchain::fuzz::note("block proof:", v.ok() ? "verified" : v.status().to_string());
  if (v.ok()) {
    check(v->ops.size() == v->results.size(), "a verified proof with ops and results of different counts");
    check(v->genesis_hash == genesis, "a verified proof reports another genesis");
  }
  return 0;
}
