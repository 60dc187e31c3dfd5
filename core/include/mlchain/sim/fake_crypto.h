// Fast stand-ins for Ed25519 inside simulations. A FakeSigner signs with a
// per-node secret: signature = SHA-256(secret || message) || 32 zero bytes.
// The FakeVerifier knows every secret of the simulated layer (public key ->
// secret), so a signature made with any other secret — a forgery — is
// detected just as with real keys; only the cost differs (two hashes instead
// of an Ed25519 verify). Never use outside tests and simulations.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "mlchain/crypto/ed25519.h"

namespace mlchain::sim {

class FakeSigner final : public crypto::Signer {
 public:
  FakeSigner(crypto::Digest secret, crypto::PublicKey key) : secret_(secret), key_(key) {}
  const crypto::PublicKey& public_key() const override { return key_; }
  crypto::Signature sign(ByteView message) const override;

 private:
  crypto::Digest secret_;
  crypto::PublicKey key_;
};

class FakeVerifier final : public crypto::Verifier {
 public:
  void add(const crypto::PublicKey& key, const crypto::Digest& secret) { secrets_[key] = secret; }
  bool verify(const crypto::PublicKey& key, ByteView message, const crypto::Signature& signature) const override;

 private:
  std::map<crypto::PublicKey, crypto::Digest> secrets_;
};

// n signers derived from `seed`, all registered with one verifier.
struct FakeKeyring {
  std::vector<std::unique_ptr<FakeSigner>> signers;
  FakeVerifier verifier;
};
FakeKeyring make_fake_keyring(std::size_t n, std::uint64_t seed);

}  // namespace mlchain::sim
