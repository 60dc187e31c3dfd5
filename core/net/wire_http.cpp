// read_http_requests (wire.h): HttpSession's read steps (http_read_steps.h)
// in the same order, over Beast's in-memory test stream instead of TLS.
#include <boost/beast/_experimental/test/stream.hpp>
#include <optional>

#include "http_read_steps.h"
#include "mlchain/net/wire.h"

namespace mlchain::net {

std::vector<HttpReadStep> read_http_requests(std::string_view input, const HttpReadLimits& limits,
                                             std::size_t read_size) {
  using namespace detail;
  asio::io_context io;  // never run: the reads are synchronous
  beast::test::stream stream(io);
  stream.append(input);
  stream.read_size(read_size == 0 ? 1 : read_size);
  stream.close_remote();  // the end of input reads as the peer closing

  const RequestLimits rl{limits.header_limit, limits.body_limit};
  std::vector<HttpReadStep> steps;
  beast::flat_buffer buffer;  // one per connection, as the session's buffer_
  std::optional<RequestParser> parser;
  for (;;) {
    reset_parser(parser, rl);
    beast::error_code ec;
    http::read_header(stream, buffer, *parser, ec);
    if (!ec) {
      switch (after_header(*parser)) {
        case AfterHeader::kUpgrade: {
          HttpReadStep step;
          step.kind = HttpReadStep::Kind::kUpgrade;
          step.request.method = std::string(parser->get().method_string());
          step.request.target = std::string(parser->get().target());
          step.status = upgrade_target_ok(*parser) ? 0 : 404;
          steps.push_back(std::move(step));
          return steps;
        }
        case AfterHeader::kDispatch:
          break;
        case AfterHeader::kReadBody:
          http::read(stream, buffer, *parser, ec);
          break;
      }
    }
    if (ec) {
      // The end of input reads as the client closing its side, as on a socket.
      auto refusal = read_refusal(ec, rl);
      if (refusal) {
        HttpReadStep step;
        step.kind = HttpReadStep::Kind::kRefused;
        step.status = refusal->response.status;
        step.message = refusal->response.body;
        steps.push_back(std::move(step));
      }
      return steps;
    }
    HttpReadStep step;
    step.keep_alive = parser->get().keep_alive();
    step.request = to_request(parser->get());
    steps.push_back(std::move(step));
    if (!steps.back().keep_alive) return steps;
  }
}

}  // namespace mlchain::net
