// Shared by the epoch-certificate tests (epochs_test.cpp) and the add-layer
// tests (layer_application_test.cpp): a layer's scripted membership over
// epochs, its members' deterministic keys, and the epoch certificates its
// members sign.
#pragma once

#include <string>
#include <vector>

#include "mlchain/consensus/messages.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/crypto/hash.h"
#include "mlchain/ledger/epoch_cert.h"

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

}  // namespace mlchain::node::testing
