// A Verifier that accepts every signature, for fuzz targets: a fuzzer cannot
// forge Ed25519, so with the real verifier every input would stop at the
// first signature check. Accepting them all lets the fuzzer reach the checks
// and state that only a (byzantine) key holder could reach, which must hold
// up just the same. Never use outside fuzz/.
#pragma once

#include "mlchain/crypto/ed25519.h"

namespace mlchain::fuzz {

class AcceptAllVerifier final : public crypto::Verifier {
 public:
  bool verify(const crypto::PublicKey&, ByteView, const crypto::Signature&) const override { return true; }
};

}  // namespace mlchain::fuzz
