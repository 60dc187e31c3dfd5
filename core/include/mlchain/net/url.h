// "https://host:port" addresses of nodes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mlchain/common/status.h"

namespace mlchain::net {

struct HostPort {
  std::string host;  // name or address; IPv6 without brackets
  std::uint16_t port = 443;

  // "host:port", with brackets around an IPv6 address.
  std::string to_string() const;
};

// Accepts "https://host[:port][/]" (and IPv6 as "[::1]:port"); the port
// defaults to 443. Refuses other schemes, paths, user info and bad ports
// (InvalidArgument naming the URL and the expected form).
Result<HostPort> parse_https_url(std::string_view url);

}  // namespace mlchain::net
