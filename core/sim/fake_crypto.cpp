#include "mlchain/sim/fake_crypto.h"

#include <algorithm>
#include <string>

#include "mlchain/crypto/hash.h"

namespace mlchain::sim {
namespace {

crypto::Digest keyed(const crypto::Digest& secret, ByteView message) {
  crypto::Sha256 h;
  h.update(ByteView(secret.data(), secret.size()));
  h.update(message);
  return h.finish();
}

}  // namespace

crypto::Signature FakeSigner::sign(ByteView message) const {
  crypto::Signature s{};
  auto d = keyed(secret_, message);
  std::copy(d.begin(), d.end(), s.begin());
  return s;
}

bool FakeVerifier::verify(const crypto::PublicKey& key, ByteView message, const crypto::Signature& signature) const {
  auto it = secrets_.find(key);
  if (it == secrets_.end()) return false;
  auto d = keyed(it->second, message);
  crypto::Signature want{};
  std::copy(d.begin(), d.end(), want.begin());
  return want == signature;
}

FakeKeyring make_fake_keyring(std::size_t n, std::uint64_t seed) {
  FakeKeyring k;
  for (std::size_t i = 0; i < n; ++i) {
    auto secret = crypto::sha256("mlchain fake key " + std::to_string(seed) + "/" + std::to_string(i));
    auto pub_digest = crypto::sha256(to_hex(ByteView(secret.data(), secret.size())));
    crypto::PublicKey pub;
    std::copy(pub_digest.begin(), pub_digest.end(), pub.bytes.begin());
    k.verifier.add(pub, secret);
    k.signers.push_back(std::make_unique<FakeSigner>(secret, pub));
  }
  return k;
}

}  // namespace mlchain::sim
