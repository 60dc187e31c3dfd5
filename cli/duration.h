// Durations on the command line: "500ms", "30s", "10m", "24h", "7d"; a bare
// number is milliseconds. Used by contract --ttl, bench contracts --ttl and
// layer attach --lifetime.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mlchain/common/status.h"

namespace mlchain::cli {

// InvalidArgument naming `flag` when the text is malformed or outside
// [1 ms, max_ms].
Result<std::uint64_t> parse_duration_ms(const std::string& text, std::string_view flag, std::uint64_t max_ms);

}  // namespace mlchain::cli
