#include <gtest/gtest.h>

#include "mlchain/node/signed_op.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::node {
namespace {

crypto::PrivateKey key_for(int i) {
  auto seed = crypto::sha256("node test key " + std::to_string(i));
  return crypto::PrivateKey::from_seed(ByteView(seed.data(), seed.size())).value();
}

TEST(SignedOp, RoundTripsAndVerifies) {
  auto k = key_for(1);
  SignedOp op = sign_op(k, "abcd", 7, "put a 1");
  crypto::Ed25519Verifier v;
  EXPECT_TRUE(verify_op(op, v).ok());
  auto back = signed_op_from_json(to_json(op));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->client, k.public_key());
  EXPECT_EQ(back->id, 7u);
  EXPECT_EQ(back->op, "put a 1");
  EXPECT_TRUE(verify_op(*back, v).ok());

  SignedOp tampered = op;
  tampered.op = "put a 2";
  EXPECT_EQ(verify_op(tampered, v).code(), ErrorCode::kVerificationFailed);
  SignedOp other_id = op;
  other_id.id = 8;
  EXPECT_FALSE(verify_op(other_id, v).ok());
}

TEST(SignedOp, StrictSchema) {
  auto k = key_for(1);
  codec::Json j = to_json(sign_op(k, "abcd", 1, "put a 1"));
  auto extra = j;
  extra["admin"] = true;
  EXPECT_FALSE(signed_op_from_json(extra).ok());
  auto zero = j;
  zero["id"] = 0;
  EXPECT_FALSE(signed_op_from_json(zero).ok());
  auto neg = j;
  neg["id"] = -3;
  EXPECT_FALSE(signed_op_from_json(neg).ok());
  auto badkey = j;
  badkey["client"] = "zz";
  EXPECT_FALSE(signed_op_from_json(badkey).ok());
  auto big = j;
  big["op"] = std::string(kMaxOpTextBytes + 1, 'x');
  EXPECT_FALSE(signed_op_from_json(big).ok());
  EXPECT_FALSE(signed_op_from_json(codec::Json::array()).ok());
}

TEST(SignedOp, StateMachineChecksTheEnvelope) {
  auto store = store::make_memory_store();
  ledger::KvStateMachine kv;
  crypto::Ed25519Verifier v;
  SignedOpStateMachine sm(kv, "abcd", v);
  auto k = key_for(2);
  auto apply = [&](const consensus::Request& r) {
    Bytes out;
    Status st = store->write([&](store::WriteTxn& txn) -> Status {
      auto res = sm.apply(txn, r, ledger::OpContext{1, 0});
      if (!res.ok()) return res.status();
      out = *res;
      return {};
    });
    EXPECT_TRUE(st.ok()) << st.to_string();
    return to_string(out);
  };
  EXPECT_EQ(apply(to_request(sign_op(k, "abcd", 1, "put a 1"))), "ok");
  EXPECT_EQ(apply(to_request(sign_op(k, "ffff", 2, "put a 1"))).rfind("error:", 0), 0u);  // other layer
  auto forged = to_request(sign_op(k, "abcd", 3, "put a 1"));
  forged.client = key_for(3).public_key().hex();  // a primary inventing ops for another client
  EXPECT_EQ(apply(forged).rfind("error:", 0), 0u);
  consensus::Request garbage{k.public_key().hex(), 4, to_bytes("put a 1")};
  EXPECT_EQ(apply(garbage).rfind("error:", 0), 0u);
}

}  // namespace
}  // namespace mlchain::node
