// Byte strings and their text forms (lower-case hex, standard base64).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/common/status.h"

namespace mlchain {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline Bytes to_bytes(std::string_view s) { return {s.begin(), s.end()}; }
inline std::string to_string(ByteView b) { return {b.begin(), b.end()}; }

std::string to_hex(ByteView bytes);
// Accepts upper or lower case; refuses odd length or non-hex characters.
Result<Bytes> from_hex(std::string_view hex);

std::string to_base64(ByteView bytes);
// Standard alphabet with padding; refuses anything else.
Result<Bytes> from_base64(std::string_view text);

}  // namespace mlchain
