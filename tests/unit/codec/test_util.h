// Helpers shared by the codec tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "mlchain/codec/json.h"

namespace mlchain::codec::testing {

// Error messages quote untrusted input; they must stay printable ASCII.
inline bool is_printable_ascii(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) return false;
  }
  return true;
}

// The Status of a parse that must fail (an ok Status if it did not).
inline Status parse_failure(std::string_view text, const ParseLimits& limits = {}) {
  Result<Json> r = parse(text, limits);
  EXPECT_FALSE(r.ok()) << "accepted: " << std::string(text.substr(0, 80));
  return r.status();
}

inline std::string canonical_or_die(const Json& value) {
  Result<std::string> r = canonical(value);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.value_or("<error>");
}

inline Json parse_or_die(std::string_view text, const ParseLimits& limits = {}) {
  Result<Json> r = parse(text, limits);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.value_or(Json());
}

}  // namespace mlchain::codec::testing
