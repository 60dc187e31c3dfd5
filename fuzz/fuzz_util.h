// Shared by the fuzz targets: input views and property checks. A failed
// check prints what broke and aborts, which libFuzzer reports as a crash
// (with the input saved) and the replay driver as a failed test.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mlchain/common/bytes.h"

namespace mlchain::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

inline ByteView bytes_of(const std::uint8_t* data, std::size_t size) { return {data, size}; }

[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz property failed: %.*s\n", static_cast<int>(what.size()), what.data());
  if (!detail.empty()) {
    std::fprintf(stderr, "  %.*s\n", static_cast<int>(detail.size() > 2000 ? 2000 : detail.size()), detail.data());
  }
  std::abort();
}

inline void check(bool holds, std::string_view what, std::string_view detail = {}) {
  if (!holds) fail(what, detail);
}

// FUZZ_VERBOSE=1 in the environment: targets say how far each input got
// (for writing seeds that reach deep; off while fuzzing).
inline void note(std::string_view what, std::string_view detail = {}) {
  static const bool on = std::getenv("FUZZ_VERBOSE") != nullptr;
  if (on) {
    std::fprintf(stderr, "fuzz: %.*s %.*s\n", static_cast<int>(what.size()), what.data(),
                 static_cast<int>(detail.size() > 300 ? 300 : detail.size()), detail.data());
  }
}

// Splits `input` at the first occurrence of `sep` (the rest after it); when
// absent, everything is the head and the tail is empty.
inline std::pair<std::string_view, std::string_view> split_once(std::string_view input, std::string_view sep) {
  const auto at = input.find(sep);
  if (at == std::string_view::npos) return {input, {}};
  return {input.substr(0, at), input.substr(at + sep.size())};
}

}  // namespace mlchain::fuzz
