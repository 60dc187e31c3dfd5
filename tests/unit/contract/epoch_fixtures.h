// Shared by the epoch-certificate tests (epochs_test.cpp) and the add-layer
// tests (layer_application_test.cpp): a layer's scripted membership over
// epochs, its members' deterministic keys, the epoch certificates its
// members sign, and the superior layer "L2" that orders ops about it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "mlchain/consensus/messages.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/crypto/hash.h"
#include "mlchain/ledger/epoch_cert.h"
#include "mlchain/ledger/state_machine.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::node::testing {

struct EpochScript {
  std::string key_tag;      // seeds the keys: sha256(key_tag + i)
  std::string name_prefix;  // member i is named name_prefix + i
  int base_port = 7000;     // and listens at base_port + i
  std::string path;
  std::string genesis;
  std::vector<std::vector<int>> epochs;  // the members of each epoch, in replica order

  crypto::PrivateKey key(int i) const {
    auto seed = crypto::sha256(key_tag + std::to_string(i));
    return crypto::PrivateKey::from_seed(ByteView(seed.data(), seed.size())).value();
  }
  ledger::EpochMember member(int i) const {
    return ledger::EpochMember{name_prefix + std::to_string(i), key(i).public_key(),
                               "https://127.0.0.1:" + std::to_string(base_port + i)};
  }
  // The certificate of epoch e (e >= 1), signed by the first `signers` members of e-1.
  ledger::EpochCertificate cert(consensus::Epoch e, std::size_t signers = 99) const {
    ledger::EpochCertificate c{path, genesis, e, 16 * e + 1, {}, {}};
    for (int i : epochs[e]) c.members.push_back(member(i));
    const auto& before = epochs[e - 1];
    for (std::size_t r = 0; r < before.size() && r < signers; ++r) {
      crypto::Ed25519Signer s(key(before[r]));
      c.signatures.emplace_back(
          r, consensus::signed_part(ledger::epoch_vote(c, static_cast<consensus::ReplicaId>(r)), s).sig);
    }
    return c;
  }
};

// The superior layer "L2" over a memory store: its SignedOpStateMachine,
// admin `admin` and own members 20..23 (keys of `script`). A test adds
// subordinates to bp_, then calls install(); apply() orders an op signed
// by key `signer` and answers its result text.
class SuperiorFixture : public ::testing::Test {
 protected:
  SuperiorFixture(const EpochScript& script, std::string genesis, int admin)
      : script_(script), genesis_(std::move(genesis)), sm_(kv_, genesis_, {script.key(admin).public_key()}, v_) {
    bp_.layer_path = "L2";
    bp_.admin_keys = {script.key(admin).public_key()};
    for (int i = 20; i < 24; ++i) own_.members.push_back(script.key(i).public_key());
  }
  void install() {
    sm_.set_blueprint(bp_);
    sm_.set_epoch_provider([this]() -> const consensus::EpochConfig& { return own_; });
  }
  std::string apply(int signer, const std::string& text) {
    Bytes out;
    Status st = store_->write([&](store::WriteTxn& txn) -> Status {
      MLCHAIN_ASSIGN_OR_RETURN(out, sm_.apply(txn, to_request(sign_op(script_.key(signer), genesis_, ++id_, text)),
                                              ledger::OpContext{++id_, 0}));
      return {};
    });
    EXPECT_TRUE(st.ok()) << st.to_string();
    return to_string(out);
  }

  const EpochScript& script_;
  std::unique_ptr<store::Store> store_ = store::make_memory_store();
  ledger::KvStateMachine kv_;
  crypto::Ed25519Verifier v_;
  ledger::Blueprint bp_;
  consensus::EpochConfig own_;
  std::string genesis_;
  SignedOpStateMachine sm_;
  std::uint64_t id_ = 0;
};

}  // namespace mlchain::node::testing
