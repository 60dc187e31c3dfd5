#include "http_read_steps.h"

#include <algorithm>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cctype>
#include <limits>
#include <string>

#include "tls_context.h"

namespace mlchain::net::detail {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

void reset_parser(std::optional<RequestParser>& parser, const RequestLimits& limits) {
  parser.emplace();
  parser->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits.header_limit, std::numeric_limits<std::uint32_t>::max())));
  parser->body_limit(limits.body_limit);
}

AfterHeader after_header(const RequestParser& parser) {
  if (beast::websocket::is_upgrade(parser.get())) return AfterHeader::kUpgrade;
  if (parser.is_done()) return AfterHeader::kDispatch;
  return AfterHeader::kReadBody;
}

bool upgrade_target_ok(const RequestParser& parser) {
  const auto target = parser.get().target();
  return target.substr(0, target.find('?')) == "/v1/peer";
}

std::optional<ReadRefusal> read_refusal(const beast::error_code& ec, const RequestLimits& limits) {
  if (ec == beast::error::timeout || is_disconnect(ec) || ec.category() == asio::error::get_ssl_category()) {
    return std::nullopt;
  }
  if (ec == http::error::body_limit) {
    return ReadRefusal{
        RejectReason::kOversizedRequest,
        Response::text(413, "request body over the limit of " + std::to_string(limits.body_limit) + " bytes\n")};
  }
  if (ec == http::error::header_limit) {
    return ReadRefusal{
        RejectReason::kOversizedRequest,
        Response::text(431, "request header over the limit of " + std::to_string(limits.header_limit) + " bytes\n")};
  }
  return ReadRefusal{RejectReason::kBadRequest, Response::text(400, "malformed HTTP request: " + ec.message() + "\n")};
}

Request to_request(HttpRequest& req) {
  Request out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  for (const auto& field : req) {
    auto [it, fresh] = out.headers.try_emplace(lower(field.name_string()), std::string(field.value()));
    if (!fresh) it->second += ", " + std::string(field.value());
  }
  out.body = std::move(req.body());
  return out;
}

}  // namespace mlchain::net::detail
