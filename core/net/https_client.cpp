#include "mlchain/net/https_client.h"

#include <algorithm>
#include <cctype>

#include "beast.h"
#include "mlchain/net/url.h"
#include "tls_context.h"

namespace mlchain::net {

using namespace detail;  // NOLINT(google-build-using-namespace): private short names

namespace {

using Clock = std::chrono::steady_clock;

// Runs one asynchronous step on `io` until it completes or `deadline`
// passes; on the deadline the stream is closed and the step fails with
// timed_out. The tcp_stream deadline normally fires first; this is the
// backstop for the resolver.
class Stepper {
 public:
  Stepper(asio::io_context& io, Clock::time_point deadline) : io_(io), deadline_(deadline) {}

  template <typename Start, typename Cancel>
  beast::error_code run(Start start, Cancel cancel) {
    beast::error_code result = asio::error::timed_out;
    bool done = false;
    start([&](beast::error_code ec) {
      result = ec;
      done = true;
    });
    io_.restart();
    io_.run_until(deadline_);
    if (!done) {
      cancel();
      io_.restart();
      io_.run();
      return asio::error::timed_out;
    }
    return result;
  }

  Clock::duration remaining() const { return std::max(Clock::duration::zero(), deadline_ - Clock::now()); }

 private:
  asio::io_context& io_;
  Clock::time_point deadline_;
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Result<Response> https_request(std::string_view url, std::string_view method, std::string_view target,
                               std::string_view body, const std::map<std::string, std::string>& headers,
                               const HttpsClientOptions& options) {
  MLCHAIN_ASSIGN_OR_RETURN(const HostPort where, parse_https_url(url));
  const std::string address = "https://" + where.to_string();
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) return invalid_argument("unknown HTTP method '" + std::string(method) + "'");
  if (target.empty() || target.front() != '/') {
    return invalid_argument("request target '" + std::string(target) + "' must start with '/'");
  }

  MLCHAIN_ASSIGN_OR_RETURN(
      auto tls, make_tls_context(TlsRole::kClient, options.client_identity ? &*options.client_identity : nullptr));
  asio::io_context io;
  const auto start = Clock::now();
  const auto total_deadline = start + options.total_timeout;
  const auto connect_deadline = std::min(total_deadline, start + options.connect_timeout);

  tcp::resolver resolver(io);
  TlsStream stream(io, *tls);
  auto verify = std::make_shared<VerifyOutcome>();
  KeyPredicate accept;
  if (options.server_key) {
    const crypto::PublicKey expected = *options.server_key;
    accept = [expected](const crypto::PublicKey& key) { return key == expected; };
  }
  install_client_verify(stream, accept, verify);
  const auto close_stream = [&] { beast::get_lowest_layer(stream).close(); };
  const auto unreachable = [&](std::string_view what, const beast::error_code& ec) {
    return unavailable("cannot reach " + address + ": " + std::string(what) + ": " + ec.message() +
                       " (is the node running and the address right?)");
  };

  // Resolve and connect.
  Stepper connect_steps(io, connect_deadline);
  tcp::resolver::results_type endpoints;
  auto ec = connect_steps.run(
      [&](auto done) {
        resolver.async_resolve(where.host, std::to_string(where.port),
                               [&, done](beast::error_code e, tcp::resolver::results_type r) {
                                 endpoints = std::move(r);
                                 done(e);
                               });
      },
      [&] { resolver.cancel(); });
  if (ec) return unreachable("resolve", ec);
  beast::get_lowest_layer(stream).expires_after(connect_steps.remaining());
  ec = connect_steps.run(
      [&](auto done) {
        beast::get_lowest_layer(stream).async_connect(endpoints,
                                                      [done](beast::error_code e, const tcp::endpoint&) { done(e); });
      },
      close_stream);
  if (ec) return unreachable("connect", ec == beast::error::timeout ? asio::error::timed_out : ec);
  {
    beast::error_code nodelay_ec;  // Nagle + delayed ACK would add ~40 ms per request
    beast::get_lowest_layer(stream).socket().set_option(tcp::no_delay(true), nodelay_ec);
  }
  beast::get_lowest_layer(stream).expires_after(connect_steps.remaining());
  ec = connect_steps.run([&](auto done) { stream.async_handshake(ssl::stream_base::client, done); }, close_stream);
  if (ec) {
    if (verify->unpinned) {
      return verification_failed("node at " + address + " presented key " +
                                 (verify->seen_key ? verify->seen_key->hex() : std::string("?")) + ", expected " +
                                 options.server_key->hex());
    }
    if (verify->bad_certificate) {
      return verification_failed("node at " + address + " presented no valid self-signed Ed25519 certificate");
    }
    return unreachable("TLS 1.3 handshake", ec == beast::error::timeout ? asio::error::timed_out : ec);
  }

  // Request and response.
  HttpRequest request{verb, target, 11};
  request.set(http::field::host, where.to_string());
  for (const auto& [name, value] : headers) {
    const std::string n = lower(name);
    if (n == "host" || n == "content-length" || n == "connection" || n == "transfer-encoding") continue;
    request.set(name, value);
  }
  request.body() = std::string(body);
  request.keep_alive(false);
  request.prepare_payload();

  Stepper io_steps(io, total_deadline);
  beast::get_lowest_layer(stream).expires_after(io_steps.remaining());
  ec = io_steps.run(
      [&](auto done) { http::async_write(stream, request, [done](beast::error_code e, std::size_t) { done(e); }); },
      close_stream);
  const bool timed_out = ec == beast::error::timeout || ec == asio::error::timed_out;
  if (timed_out) return unreachable("send request", asio::error::timed_out);
  // A server that refuses a request early (413) may close before the body
  // is sent; its response is still worth reading.
  const beast::error_code write_ec = ec;

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(options.max_response_bytes);
  beast::get_lowest_layer(stream).expires_after(io_steps.remaining());
  ec = io_steps.run(
      [&](auto done) {
        http::async_read(stream, buffer, parser, [done](beast::error_code e, std::size_t) { done(e); });
      },
      close_stream);
  if (ec == http::error::body_limit) {
    return resource_exhausted("response from " + address + " is over the limit of " +
                              std::to_string(options.max_response_bytes) + " bytes");
  }
  if (ec && write_ec) return unreachable("send request", write_ec);
  if (ec) return unreachable("read response", ec == beast::error::timeout ? asio::error::timed_out : ec);
  close_stream();

  auto& res = parser.get();
  Response out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    auto [it, fresh] = out.headers.try_emplace(lower(field.name_string()), std::string(field.value()));
    if (!fresh) it->second += ", " + std::string(field.value());
  }
  out.body = std::move(res.body());
  return out;
}

}  // namespace mlchain::net
