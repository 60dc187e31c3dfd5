#include "http_session.h"

#include <atomic>

#include "http_read_steps.h"
#include "tls_context.h"

namespace mlchain::net::detail {

namespace {

RequestLimits limits_of(const HttpServerOptions& o) { return {o.header_limit, o.body_limit}; }

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

HttpSession::HttpSession(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server, std::uint64_t id)
    : stream_(beast::tcp_stream(std::move(socket)), *server->tls),
      executor_(stream_.get_executor()),
      accepted_at_(std::chrono::steady_clock::now()),
      first_byte_timer_(executor_),
      server_(std::move(server)),
      id_(id) {
  beast::error_code ec;
  const auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
  if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
}

HttpSession::~HttpSession() { server_->session_closed(id_); }

void HttpSession::run() {
  // Wait for the first byte before starting TLS, under its own short
  // deadline: a socket that never speaks is dropped in first_byte_timeout
  // instead of holding a handshake slot for the whole handshake_timeout.
  asio::dispatch(executor_, [self = shared_from_this()] {
    self->awaiting_first_byte_ = true;
    self->first_byte_timer_.expires_after(self->server_->options.first_byte_timeout);
    self->first_byte_timer_.async_wait(beast::bind_front_handler(&HttpSession::on_first_byte_deadline, self));
    beast::get_lowest_layer(self->stream_)
        .socket()
        .async_wait(tcp::socket::wait_read, beast::bind_front_handler(&HttpSession::on_first_byte, self));
  });
}

void HttpSession::close() {
  asio::post(executor_, [self = shared_from_this()] {
    if (self->handed_over_) return;
    self->first_byte_timer_.cancel();
    beast::get_lowest_layer(self->stream_).close();
  });
}

void HttpSession::evict() {
  evicted_ = true;
  close();
}

void HttpSession::on_first_byte_deadline(beast::error_code ec) {
  if (ec || !awaiting_first_byte_) return;
  awaiting_first_byte_ = false;
  if (!evicted_) server_->metrics->reject(RejectReason::kTimeout);
  beast::get_lowest_layer(stream_).close();  // completes the wait with an error
}

void HttpSession::on_first_byte(beast::error_code ec) {
  if (!awaiting_first_byte_) return;  // the deadline passed first
  awaiting_first_byte_ = false;
  first_byte_timer_.cancel();
  if (ec) return;  // closed: evicted or the server stopped
  server_->session_spoke(id_);
  auto& tcp_layer = beast::get_lowest_layer(stream_);
  tcp_layer.expires_at(accepted_at_ + server_->options.handshake_timeout);
  stream_.async_handshake(ssl::stream_base::server,
                          beast::bind_front_handler(&HttpSession::on_handshake, shared_from_this()));
}

void HttpSession::on_handshake(beast::error_code ec) {
  if (ec) {
    if (!evicted_) server_->metrics->reject(classify_handshake_error(ec));
    return;
  }
  client_key_ = peer_public_key(stream_);
  // Members are told apart here, by the pinning predicate, so that anonymous
  // connections never fill their slots (connection_budget.h).
  const bool member = client_key_ && server_->peers && server_->peers->accepts(*client_key_);
  if (!server_->session_established(id_, member)) {
    if (!evicted_) server_->metrics->reject(RejectReason::kConnectionLimit);
    beast::get_lowest_layer(stream_).close();
    return;
  }
  do_read_header();
}

void HttpSession::do_read_header() {
  const auto& opts = server_->options;
  reset_parser(parser_, limits_of(opts));
  beast::get_lowest_layer(stream_).expires_after(first_request_ ? opts.header_timeout : opts.idle_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
}

void HttpSession::on_header(beast::error_code ec, std::size_t) {
  if (ec) return on_read_error(ec);
  switch (after_header(*parser_)) {
    case AfterHeader::kUpgrade:
      return upgrade_to_peer_link();
    case AfterHeader::kDispatch:
      return dispatch_request();
    case AfterHeader::kReadBody:
      break;
  }
  beast::get_lowest_layer(stream_).expires_after(server_->options.body_timeout);
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_body, shared_from_this()));
}

void HttpSession::on_body(beast::error_code ec, std::size_t) {
  if (ec) return on_read_error(ec);
  dispatch_request();
}

void HttpSession::on_read_error(beast::error_code ec) {
  auto& metrics = *server_->metrics;
  if (ec == beast::error::timeout) {
    // An idle keep-alive connection timing out is normal; a stalled request is not.
    if (first_request_ || parser_->got_some()) metrics.reject(RejectReason::kTimeout);
    return;
  }
  auto refusal = read_refusal(ec, limits_of(server_->options));
  if (!refusal) return;  // a disconnect or a TLS error: nobody to answer
  metrics.reject(refusal->reason);
  do_write(std::move(refusal->response), true);
}

void HttpSession::dispatch_request() {
  auto& req = parser_->get();
  keep_alive_ = req.keep_alive();
  version_ = req.version();
  Request out = to_request(req);
  out.client_key = client_key_;
  out.remote_address = remote_;
  first_request_ = false;
  server_->metrics->http_request();

  // The handler's time is not the client's: no read deadline while it runs.
  beast::get_lowest_layer(stream_).expires_never();
  auto once = std::make_shared<std::atomic<bool>>(false);
  server_->handle(std::move(out), [self = shared_from_this(), once](Response response) {
    if (once->exchange(true)) return;  // a second reply is ignored
    asio::dispatch(self->executor_, [self, response = std::move(response)]() mutable {
      self->do_write(std::move(response), !self->keep_alive_);
    });
  });
}

void HttpSession::upgrade_to_peer_link() {
  auto& metrics = *server_->metrics;
  if (!upgrade_target_ok(*parser_) || !server_->peers) {
    return do_write(Response::text(404, "no WebSocket endpoint at this target; peer links use /v1/peer\n"), true);
  }
  if (!client_key_) {
    metrics.reject(RejectReason::kNoClientCertificate);
    return do_write(Response::text(403, "peer links need a client certificate\n"), true);
  }
  if (!server_->peers->accepts(*client_key_)) {
    metrics.reject(RejectReason::kUnpinnedKey);
    return do_write(Response::text(403, "key " + client_key_->key_id() + " is not a member of this layer\n"), true);
  }
  handed_over_ = true;
  beast::get_lowest_layer(stream_).expires_never();
  server_->peers->accept_inbound(std::move(stream_), parser_->release(), *client_key_);
}

void HttpSession::do_write(Response response, bool close_after) {
  response_ = std::make_shared<http::response<http::string_body>>();
  auto& res = *response_;
  res.version(version_);
  const bool valid_status = response.status >= 100 && response.status <= 599;
  res.result(static_cast<unsigned>(valid_status ? response.status : 500));
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || has_line_break(name) || has_line_break(value)) continue;
    res.set(name, value);
  }
  res.body() = std::move(response.body);
  res.keep_alive(!close_after);
  res.prepare_payload();
  beast::get_lowest_layer(stream_).expires_after(server_->options.write_timeout);
  http::async_write(stream_, res, beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), close_after));
}

void HttpSession::on_write(bool close_after, beast::error_code ec, std::size_t) {
  if (ec) {
    if (ec == beast::error::timeout) server_->metrics->reject(RejectReason::kTimeout);
    return;
  }
  response_.reset();
  if (close_after) return do_shutdown();
  do_read_header();
}

void HttpSession::do_shutdown() {
  beast::get_lowest_layer(stream_).expires_after(server_->options.handshake_timeout);
  stream_.async_shutdown(
      [self = shared_from_this()](beast::error_code) { beast::get_lowest_layer(self->stream_).close(); });
}

}  // namespace mlchain::net::detail
