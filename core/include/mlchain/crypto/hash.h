// SHA-256 and HMAC-SHA256 (OpenSSL EVP). Constant-time comparison for MACs.
// Thread safety: free functions are thread-safe; a Sha256 object is not.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "mlchain/common/bytes.h"

namespace mlchain::crypto {

using Digest = std::array<std::uint8_t, 32>;

Digest sha256(ByteView data);
inline Digest sha256(std::string_view s) { return sha256(as_bytes(s)); }

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(ByteView data);
  Sha256& update(std::string_view s) { return update(as_bytes(s)); }
  Digest finish();  // the object must not be used afterwards

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Digest hmac_sha256(ByteView key, ByteView message);

// Compares in time independent of where the inputs differ (CRYPTO_memcmp).
// Different lengths compare unequal (length is not secret).
bool constant_time_equal(ByteView a, ByteView b);

std::string digest_hex(const Digest& d);
Result<Digest> digest_from_hex(std::string_view hex);

}  // namespace mlchain::crypto
