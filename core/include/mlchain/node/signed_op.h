// Signed client operations: what POST /v1/ops carries and what the layer orders.
//
// A client holds its own Ed25519 key; its client id is the key's hex. Body:
//   {"client": "<64 hex>", "genesis": "<layer genesis hash>", "id": N,
//    "op": "put k v", "sig": "<128 hex>"}
// The signature covers canonical JSON of the same object without "sig", so it
// is bound to one layer (genesis) and one request id. Ids must increase per
// client; one request per client is in flight at a time.
//
// The ordered consensus::Request is {client, id, op = canonical envelope}:
// the envelope travels with the op, so every replica checks the signature
// again when it applies the block (SignedOpStateMachine) and a byzantine
// primary cannot invent operations for a client.
//
// Thread safety: pure functions; SignedOpStateMachine is as thread-safe as the
// wrapped machine.
#pragma once

#include <string>

#include "mlchain/codec/json.h"
#include "mlchain/consensus/types.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/ledger/state_machine.h"

namespace mlchain::node {

inline constexpr std::size_t kMaxOpTextBytes = 16 * 1024;

struct SignedOp {
  crypto::PublicKey client;
  std::string genesis;  // hex
  std::uint64_t id = 0;
  std::string op;       // UTF-8 text, at most kMaxOpTextBytes
  crypto::Signature sig{};
};

Bytes op_signing_bytes(const SignedOp& op);
SignedOp sign_op(const crypto::PrivateKey& key, std::string genesis, std::uint64_t id, std::string op);
codec::Json to_json(const SignedOp& op);
// Strict schema for untrusted input; InvalidArgument names the bad field.
Result<SignedOp> signed_op_from_json(const codec::Json& j);
// VerificationFailed when the signature does not verify.
Status verify_op(const SignedOp& op, const crypto::Verifier& verifier);
// The request the layer orders.
consensus::Request to_request(const SignedOp& op);

// Verifies the envelope inside each request (client, id, genesis, signature)
// and applies the inner op to `inner`; a bad envelope yields an error result.
class SignedOpStateMachine final : public ledger::StateMachine {
 public:
  SignedOpStateMachine(ledger::StateMachine& inner, std::string genesis, const crypto::Verifier& verifier)
      : inner_(inner), genesis_(std::move(genesis)), verifier_(verifier) {}
  Result<Bytes> apply(store::WriteTxn& txn, const consensus::Request& op, const ledger::OpContext& ctx) override;

 private:
  ledger::StateMachine& inner_;
  std::string genesis_;
  const crypto::Verifier& verifier_;
};

}  // namespace mlchain::node
