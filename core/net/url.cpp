#include "mlchain/net/url.h"

#include <charconv>

namespace mlchain::net {

std::string HostPort::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<HostPort> parse_https_url(std::string_view url) {
  const auto bad = [&](std::string_view why) {
    return invalid_argument("bad node address '" + std::string(url) + "': " + std::string(why) +
                            "; expected https://host:port");
  };
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) return bad("scheme must be https");
  std::string_view rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) return bad("no path allowed");
  if (rest.find('@') != std::string_view::npos) return bad("no user info allowed");

  HostPort out;
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("unclosed '['");
    out.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("junk after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) return bad("empty port");
    }
  } else {
    const auto colon = rest.rfind(':');
    if (colon != std::string_view::npos) {
      out.host = std::string(rest.substr(0, colon));
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return bad("empty port");
    } else {
      out.host = std::string(rest);
    }
    if (out.host.find(':') != std::string::npos) return bad("IPv6 addresses need brackets");
  }
  if (out.host.empty()) return bad("empty host");
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return bad("port must be 1..65535");
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

}  // namespace mlchain::net
