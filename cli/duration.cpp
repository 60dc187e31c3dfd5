#include "duration.h"

#include <cctype>

namespace mlchain::cli {

Result<std::uint64_t> parse_duration_ms(const std::string& text, std::string_view flag, std::uint64_t max_ms) {
  std::string what = std::string(flag) + " '" + text + "'";
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return invalid_argument(what + ": expected a number and a unit, e.g. 30s, 10m, 24h, 7d");
  std::uint64_t n = std::stoull(text.substr(0, digits));
  std::string unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "ms") scale = 1;
  if (unit == "s") scale = 1000;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (unit == "d") scale = 86'400'000;
  if (scale == 0) return invalid_argument(what + ": unknown unit '" + unit + "' (ms, s, m, h or d)");
  std::uint64_t ms = n * scale;
  if (ms < 1 || ms > max_ms) return invalid_argument(what + ": must be 1ms.." + std::to_string(max_ms / 86'400'000) + "d");
  return ms;
}

}  // namespace mlchain::cli
