#include "mlchain/node/signed_op.h"

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

Result<Bytes> SignedOpStateMachine::apply(store::WriteTxn& txn, const consensus::Request& op,
                                          const ledger::OpContext& ctx) {
  auto parsed = codec::parse(to_string(op.op));
  if (!parsed.ok()) return to_bytes("error: the operation envelope is not JSON");
  auto env = signed_op_from_json(*parsed);
  if (!env.ok()) return to_bytes("error: bad operation envelope: " + env.status().message());
  if (env->client.hex() != op.client || env->id != op.id) return to_bytes("error: envelope does not match the request");
  if (env->genesis != genesis_) return to_bytes("error: the operation was signed for another layer");
  if (!verify_op(*env, verifier_).ok()) return to_bytes("error: bad client signature");
  return inner_.apply(txn, consensus::Request{op.client, op.id, to_bytes(env->op)}, ctx);
}

}  // namespace mlchain::node
