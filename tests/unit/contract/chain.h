// A real ledger of one layer ("L2/L1a") driven by hand: real Ed25519 keys,
// commit certificates signed by a quorum of the current epoch, the node's
// signed-op envelope and config filter, and the contract state machine.
#pragma once

#include <map>
#include <memory>

#include "fixtures.h"
#include "mlchain/contract/state_machine.h"
#include "mlchain/ledger/ledger.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::contract::testing {

struct Chain {
  crypto::Ed25519Verifier verifier;
  std::map<crypto::PublicKey, crypto::PrivateKey> keys;  // every member key ever
  crypto::PrivateKey admin = key_from(60, 0);
  ledger::Blueprint bp;
  std::string genesis_hex;
  std::unique_ptr<store::Store> store = store::make_memory_store();
  World world;  // the neighbours' keys this layer records
  ContractStateMachine contracts{"L2/L1a", world.lookup(), verifier};
  std::unique_ptr<node::SignedOpStateMachine> app;
  std::unique_ptr<ledger::Ledger> ledger;
  std::map<std::string, std::uint64_t> next_id;
  std::int64_t now = 1'700'000'000'000;

  explicit Chain(std::uint64_t k = 2) {
    bp.layer_path = "L2/L1a";
    bp.genesis_time_ms = now;
    bp.params.checkpoint_interval = k;
    bp.params.log_window = 2 * k;
    bp.admin_keys = {admin.public_key()};
    for (std::uint8_t i = 0; i < 4; ++i) {
      auto key = key_from(50, i);
      bp.members.push_back(
          ledger::MemberInfo{"n" + std::to_string(i), key.public_key(), "https://10.0.0." + std::to_string(i) + ":7000", true});
      keys.emplace(key.public_key(), key);
    }
    genesis_hex = crypto::digest_hex(ledger::make_genesis(bp).hash());
    app = std::make_unique<node::SignedOpStateMachine>(contracts, genesis_hex, bp.admin_keys, verifier);
    ledger = ledger::Ledger::open(*store, bp, *app).value();
    ledger->set_config_filter(node::make_config_filter(genesis_hex, bp.admin_keys, verifier));
  }

  consensus::Request signed_request(const crypto::PrivateKey& by, const std::string& text) {
    auto& id = next_id[by.public_key().hex()];
    return node::to_request(node::sign_op(by, genesis_hex, ++id, text));
  }
  consensus::Request member_op(const std::string& text) { return signed_request(keys.begin()->second, text); }

  consensus::Request add_member(const crypto::PrivateKey& newcomer, const std::string& name) {
    keys.emplace(newcomer.public_key(), newcomer);
    consensus::ConfigChange c{consensus::ConfigAction::kAddMember, newcomer.public_key(), name, "https://10.0.1.1:7000"};
    auto proof = newcomer.sign(node::join_proof_bytes(genesis_hex, c));
    return signed_request(admin, node::config_op_text(c, proof));
  }
  consensus::Request remove_member(const crypto::PublicKey& key) {
    consensus::ConfigChange c{consensus::ConfigAction::kRemoveMember, key, "", ""};
    return signed_request(admin, node::config_op_text(c, std::nullopt));
  }

  // Commits the next block, certified by the first quorum of the current epoch.
  Result<ledger::Applied> commit(std::vector<consensus::Request> ops) {
    const auto& config = ledger->epoch_config();
    consensus::PrePrepare pp;
    pp.epoch = config.epoch;
    pp.seq = ledger->height() + 1;
    pp.time_ms = (now += 1000);
    pp.requests = std::move(ops);
    consensus::Execute e;
    e.epoch = config.epoch;
    e.seq = pp.seq;
    e.pre_prepare = pp;
    for (consensus::ReplicaId r = 0; r < config.quorum(); ++r) {
      crypto::Ed25519Signer s(keys.at(config.members[r]));
      e.commits.push_back(consensus::signed_part(consensus::Commit{config.epoch, 0, pp.seq, pp.digest(), r, {}}, s));
    }
    e.chain_digest = crypto::sha256(std::to_string(pp.seq));
    consensus::EpochConfig epoch = config;  // apply() may switch the ledger to the next epoch
    auto applied = ledger->apply(e);
    if (applied.ok() && attest_blocks) {
      Status st = ledger->store_attestations({attest(applied->block, epoch, epoch.f() + 1)});
      if (!st.ok()) return st;
    }
    return applied;
  }

  // The attestation the first `signers` members of `epoch` give `block`.
  ledger::BlockAttestation attest(const ledger::Block& block, const consensus::EpochConfig& epoch, std::size_t signers) {
    ledger::BlockAttestation a{epoch.epoch, block.height, block.hash(), {}};
    for (consensus::ReplicaId r = 0; r < signers && r < epoch.n(); ++r) {
      crypto::Ed25519Signer s(keys.at(epoch.members[r]));
      auto m = consensus::signed_part(consensus::Attest{epoch.epoch, block.height, a.block_hash, r, {}}, s);
      a.signatures.emplace_back(r, m.sig);
    }
    return a;
  }
  bool attest_blocks = true;  // commit() stores f+1 attestations of each block
};

}  // namespace mlchain::contract::testing
