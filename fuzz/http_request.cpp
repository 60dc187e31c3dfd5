// HTTP/1.1 requests as a daemon's HTTPS server reads them after TLS
// (net/wire.h read_http_requests: HttpSession's steps over bytes in memory),
// and the object-request header fields an edge node then reads from them.
// Input: byte 0 picks the read size (how the bytes arrive: 1..128 bytes per
// read, or all at once) and the limits (bit 7: small ones, so 413 and 431
// are reachable); the rest is what the client sends on one connection.
// Properties: nothing crashes; a request handed on has a method, lower-case
// field names and a body within the limit; a refusal is 400, 413 or 431 and
// ends the connection's steps.
#include <cctype>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "mlchain/edge/request.h"
#include "mlchain/net/wire.h"

namespace {

using mlchain::fuzz::check;
namespace net = mlchain::net;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t knob = data[0];
  const std::size_t read_size = (knob & 0x7f) == 0 ? size : (knob & 0x7f);
  net::HttpReadLimits limits;
  if ((knob & 0x80) != 0) limits = net::HttpReadLimits{256, 512};
  const auto steps = net::read_http_requests(mlchain::fuzz::text_of(data + 1, size - 1), limits, read_size);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    const bool last = i + 1 == steps.size();
    mlchain::fuzz::note("step:", std::to_string(static_cast<int>(s.kind)) + " " + s.request.method + " " +
                                     s.request.target + " status " + std::to_string(s.status) + " " + s.message);
    switch (s.kind) {
      case net::HttpReadStep::Kind::kRefused:
        check(s.status == 400 || s.status == 413 || s.status == 431, "a refusal with another status");
        check(last, "steps after a refusal");
        break;
      case net::HttpReadStep::Kind::kUpgrade:
        check(s.status == 0 || s.status == 404, "an upgrade answered with another status");
        check(last, "steps after an upgrade");
        break;
      case net::HttpReadStep::Kind::kRequest: {
        check(!s.request.method.empty(), "a request without a method");
        check(s.request.body.size() <= limits.body_limit, "a body over the limit was handed on");
        check(s.keep_alive || last, "steps after a request without keep-alive");
        for (const auto& [name, value] : s.request.headers) {
          for (char c : name)
            check(!std::isupper(static_cast<unsigned char>(c)), "a field name not in lower case", name);
        }
        const std::string path = s.request.target.substr(0, s.request.target.find('?'));
        if (path.rfind("/v1/object/", 0) == 0) {
          auto action = mlchain::edge::parse_action(std::string_view(path).substr(11));
          if (action.ok()) (void)mlchain::edge::object_request_from_headers(*action, s.request.headers, s.request.body);
        }
        break;
      }
    }
  }
  return 0;
}
