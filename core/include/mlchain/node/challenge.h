// The challenge of the peer-review protocol (DESIGN §7), shared by a
// member's selfcheck and review and by an edge node's selfcheck: ask the
// node at `address` to sign a fresh 32-byte nonce, over TLS pinned to `key`.
//
// Answer: {"name", "public_key", "address", "rtt_ms", "result"} with result
//   ok             it signed the nonce with `key` ("clock_offset_ms" then
//                  estimates its clock minus ours, from the round trip)
//   unknown_address / silent / wrong_key / bad_answer / bad_signature
// and "error" when there is one. Bounded to ~3 s. Thread-safe.
#pragma once

#include <string>

#include "mlchain/codec/json.h"
#include "mlchain/common/bytes.h"
#include "mlchain/crypto/ed25519.h"

namespace mlchain::node {

// What a challenged node signs: the challenger's nonce, its own clock and
// its own key (any layer can be challenged: no genesis in it).
Bytes challenge_bytes(const crypto::PublicKey& signer, const std::string& nonce_hex, std::int64_t time_ms);

codec::Json challenge_node(const crypto::PublicKey& key, const std::string& address, const std::string& name,
                           const crypto::Verifier& verifier);

}  // namespace mlchain::node
