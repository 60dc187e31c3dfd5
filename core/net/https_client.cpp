#include "mlchain/net/https_client.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

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

bool is_timeout(const beast::error_code& ec) { return ec == beast::error::timeout || ec == asio::error::timed_out; }

// The ways a connection the server already closed shows up on write or read.
bool is_closed_by_peer(const beast::error_code& ec) {
  return ec == asio::error::eof || ec == http::error::end_of_stream || ec == ssl::error::stream_truncated ||
         ec == asio::error::connection_reset || ec == asio::error::connection_aborted ||
         ec == asio::error::broken_pipe;
}

}  // namespace

struct HttpsConnection::Impl {
  Impl(HostPort where_, HttpsClientOptions opts, std::shared_ptr<ssl::context> context)
      : where(std::move(where_)),
        address("https://" + where.to_string()),
        options(std::move(opts)),
        tls(std::move(context)) {}

  static Result<std::unique_ptr<Impl>> make(std::string_view url, HttpsClientOptions options) {
    MLCHAIN_ASSIGN_OR_RETURN(HostPort where, parse_https_url(url));
    MLCHAIN_ASSIGN_OR_RETURN(auto tls, make_tls_context(TlsRole::kClient, options.client_identity
                                                                              ? &*options.client_identity
                                                                              : nullptr));
    return std::make_unique<Impl>(std::move(where), std::move(options), std::move(tls));
  }

  Status unreachable(std::string_view what, const beast::error_code& ec) const {
    return unavailable("cannot reach " + address + ": " + std::string(what) + ": " +
                       (is_timeout(ec) ? asio::error::make_error_code(asio::error::timed_out).message() : ec.message()) +
                       " (is the node running and the address right?)");
  }

  // Closes the socket without a TLS close_notify: nothing waits for it and
  // the server treats a truncated stream as a normal disconnect. `lost`:
  // the connection ended other than by the owner's close().
  void drop(bool lost_it) {
    if (stream) {
      beast::error_code ignored;
      beast::get_lowest_layer(*stream).socket().close(ignored);
      stream.reset();
      if (lost_it) lost = true;
    }
    buffer.clear();
  }

  // True when the open connection cannot carry another request: the server
  // closed it (EOF or reset) or sent something unasked. Never blocks.
  bool stale() {
    if (!stream) return true;
    if (buffer.size() != 0) return true;
    const int fd = beast::get_lowest_layer(*stream).socket().native_handle();
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    const int n = ::poll(&p, 1, 0);
    if (n == 0) return false;
    if (n < 0) return errno != EINTR;
    if ((p.revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL)) != 0) return true;
    // Readable with no request outstanding: EOF, or bytes nobody asked for
    // (a TLS alert before closing). Either way, start afresh.
    return (p.revents & POLLIN) != 0;
  }

  // Resolve, connect and handshake, within connect_timeout and `deadline`.
  Status open(Clock::time_point deadline) {
    const auto connect_deadline = std::min(deadline, Clock::now() + options.connect_timeout);
    tcp::resolver resolver(io);
    auto fresh = std::make_unique<TlsStream>(io, *tls);
    auto verify = std::make_shared<VerifyOutcome>();
    KeyPredicate accept;
    if (options.server_key) {
      const crypto::PublicKey expected = *options.server_key;
      accept = [expected](const crypto::PublicKey& key) { return key == expected; };
    }
    install_client_verify(*fresh, accept, verify);
    auto& lowest = beast::get_lowest_layer(*fresh);
    const auto close_stream = [&] { lowest.close(); };

    Stepper steps(io, connect_deadline);
    tcp::resolver::results_type endpoints;
    auto ec = steps.run(
        [&](auto done) {
          resolver.async_resolve(where.host, std::to_string(where.port),
                                 [&, done](beast::error_code e, tcp::resolver::results_type r) {
                                   endpoints = std::move(r);
                                   done(e);
                                 });
        },
        [&] { resolver.cancel(); });
    if (ec) return unreachable("resolve", ec);
    lowest.expires_after(steps.remaining());
    ec = steps.run(
        [&](auto done) {
          lowest.async_connect(endpoints, [done](beast::error_code e, const tcp::endpoint&) { done(e); });
        },
        close_stream);
    if (ec) return unreachable("connect", ec);
    {
      beast::error_code nodelay_ec;  // Nagle + delayed ACK would add ~40 ms per request
      lowest.socket().set_option(tcp::no_delay(true), nodelay_ec);
    }
    lowest.expires_after(steps.remaining());
    ec = steps.run([&](auto done) { fresh->async_handshake(ssl::stream_base::client, done); }, close_stream);
    if (ec) {
      close_stream();
      if (verify->unpinned) {
        return verification_failed("node at " + address + " presented key " +
                                   (verify->seen_key ? verify->seen_key->hex() : std::string("?")) + ", expected " +
                                   options.server_key->hex());
      }
      if (verify->bad_certificate) {
        return verification_failed("node at " + address + " presented no valid self-signed Ed25519 certificate");
      }
      return unreachable("TLS 1.3 handshake", ec);
    }
    stream = std::move(fresh);
    buffer.clear();
    ++stats.connections;
    if (lost) ++stats.reconnects;
    lost = false;
    return Status::ok_status();
  }

  // Writes `request` and reads its response on the open stream. Any failure
  // drops the connection; `retryable` tells whether it failed before a single
  // response byte arrived (and not by timeout), see the retry rule.
  Result<Response> exchange(HttpRequest& request, Clock::time_point deadline, bool& retryable) {
    retryable = false;
    auto& lowest = beast::get_lowest_layer(*stream);
    const auto close_stream = [&] { lowest.close(); };
    Stepper steps(io, deadline);
    lowest.expires_after(steps.remaining());
    auto ec = steps.run(
        [&](auto done) {
          http::async_write(*stream, request, [done](beast::error_code e, std::size_t) { done(e); });
        },
        close_stream);
    if (is_timeout(ec)) {
      drop(true);
      return unreachable("send request", ec);
    }
    // A server that refuses a request early (413) may close before the body
    // is sent; its response is still worth reading.
    const beast::error_code write_ec = ec;

    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    lowest.expires_after(steps.remaining());
    ec = steps.run(
        [&](auto done) {
          http::async_read(*stream, buffer, parser, [done](beast::error_code e, std::size_t) { done(e); });
        },
        close_stream);
    if (ec) {
      const bool nothing_read = !parser.got_some() && buffer.size() == 0;
      drop(true);
      if (ec == http::error::body_limit) {
        return resource_exhausted("response from " + address + " is over the limit of " +
                                  std::to_string(options.max_response_bytes) + " bytes");
      }
      retryable = nothing_read && !is_timeout(ec) && (write_ec || is_closed_by_peer(ec));
      if (write_ec) return unreachable("send request", write_ec);
      return unreachable("read response", ec);
    }

    auto& res = parser.get();
    const bool keep = res.keep_alive() && request.keep_alive() && !write_ec;
    Response out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      auto [it, fresh] = out.headers.try_emplace(lower(field.name_string()), std::string(field.value()));
      if (!fresh) it->second += ", " + std::string(field.value());
    }
    out.body = std::move(res.body());
    ++stats.requests;
    if (!keep) drop(request.keep_alive());
    return out;
  }

  Result<Response> request(std::string_view method, std::string_view target, std::string_view body,
                           const std::map<std::string, std::string>& headers, bool keep_alive) {
    const http::verb verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) return invalid_argument("unknown HTTP method '" + std::string(method) + "'");
    if (target.empty() || target.front() != '/') {
      return invalid_argument("request target '" + std::string(target) + "' must start with '/'");
    }
    const auto deadline = Clock::now() + options.total_timeout;

    HttpRequest req{verb, target, 11};
    req.set(http::field::host, where.to_string());
    for (const auto& [name, value] : headers) {
      const std::string n = lower(name);
      if (n == "host" || n == "content-length" || n == "connection" || n == "transfer-encoding") continue;
      req.set(name, value);
    }
    req.body() = std::string(body);
    req.keep_alive(keep_alive);
    req.prepare_payload();

    for (int attempt = 0;; ++attempt) {
      bool reused = stream != nullptr;
      if (reused && stale()) {
        drop(true);
        reused = false;
      }
      if (!stream) MLCHAIN_TRY(open(deadline));
      bool retryable = false;
      auto result = exchange(req, deadline, retryable);
      if (result.ok() || !retryable || !reused || attempt > 0) return result;
      ++stats.retries;
    }
  }

  HostPort where;
  std::string address;
  HttpsClientOptions options;
  std::shared_ptr<ssl::context> tls;
  asio::io_context io;
  std::unique_ptr<TlsStream> stream;  // null: no connection open
  beast::flat_buffer buffer;          // bytes read past the last response (normally none)
  bool lost = false;                  // the last connection ended other than by close()
  Stats stats;
};

bool may_have_arrived(const Status& failure) {
  if (failure.ok()) return true;
  if (failure.code() == ErrorCode::kVerificationFailed || failure.code() == ErrorCode::kInvalidArgument) return false;
  // The stages of Impl::open, as Impl::unreachable words them: "cannot reach
  // https://host:port: <stage>: ...". Only at the start: a caller's own
  // message may quote such an error (a stall probe's) about something else.
  const std::string& m = failure.message();
  constexpr std::string_view kPrefix = "cannot reach ";
  if (m.rfind(kPrefix, 0) != 0) return true;
  auto stage = m.find(": ", kPrefix.size());
  if (stage == std::string::npos) return true;
  std::string_view rest = std::string_view(m).substr(stage + 2);
  for (std::string_view s : {"resolve: ", "connect: ", "TLS 1.3 handshake: "})
    if (rest.substr(0, s.size()) == s) return false;
  return true;
}

Result<Response> https_request(std::string_view url, std::string_view method, std::string_view target,
                               std::string_view body, const std::map<std::string, std::string>& headers,
                               const HttpsClientOptions& options) {
  MLCHAIN_ASSIGN_OR_RETURN(auto impl, HttpsConnection::Impl::make(url, options));
  auto result = impl->request(method, target, body, headers, /*keep_alive=*/false);
  impl->drop(false);
  return result;
}

HttpsConnection::HttpsConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsConnection::~HttpsConnection() = default;
HttpsConnection::HttpsConnection(HttpsConnection&&) noexcept = default;
HttpsConnection& HttpsConnection::operator=(HttpsConnection&&) noexcept = default;

Result<HttpsConnection> HttpsConnection::create(std::string_view url, HttpsClientOptions options) {
  MLCHAIN_ASSIGN_OR_RETURN(auto impl, Impl::make(url, std::move(options)));
  return HttpsConnection(std::move(impl));
}

Status HttpsConnection::connect() {
  if (impl_->stream && !impl_->stale()) return Status::ok_status();
  impl_->drop(true);
  return impl_->open(Clock::now() + impl_->options.total_timeout);
}

Result<Response> HttpsConnection::request(std::string_view method, std::string_view target, std::string_view body,
                                          const std::map<std::string, std::string>& headers) {
  return impl_->request(method, target, body, headers, /*keep_alive=*/true);
}

bool HttpsConnection::is_open() { return impl_->stream != nullptr && !impl_->stale(); }

void HttpsConnection::close() {
  impl_->drop(false);
  impl_->lost = false;
}

const HttpsConnection::Stats& HttpsConnection::stats() const { return impl_->stats; }
const std::string& HttpsConnection::address() const { return impl_->address; }

}  // namespace mlchain::net
