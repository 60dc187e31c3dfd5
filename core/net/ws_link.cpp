// WebSocket peer links (after Boost.Beast's websocket chat-multi example: one
// session object per connection, one write in flight, the queue outside).
#include "ws_link.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "tls_context.h"
#include "ws_read_steps.h"

namespace mlchain::net::detail {

namespace {

using WsStream = websocket::stream<TlsStream>;

class Link final : public WsLink, public std::enable_shared_from_this<Link> {
 public:
  // Outbound.
  Link(std::shared_ptr<LinkHost> host, std::uint64_t id, const crypto::PublicKey& remote, HostPort where)
      : WsLink(id, remote, false),
        host_(std::move(host)),
        ws_(asio::make_strand(host_->io()), host_->client_tls()),
        executor_(ws_.get_executor()),
        resolver_(executor_),
        hello_timer_(executor_),
        where_(std::move(where)) {}

  // Inbound.
  Link(std::shared_ptr<LinkHost> host, std::uint64_t id, const crypto::PublicKey& remote, TlsStream stream)
      : WsLink(id, remote, true),
        host_(std::move(host)),
        ws_(std::move(stream)),
        executor_(ws_.get_executor()),
        resolver_(executor_),
        hello_timer_(executor_) {}

  // post, never dispatch: the caller holds the PeerManager's lock.
  void start_outbound() {
    asio::post(executor_, [self = shared_from_this()] { self->do_resolve(); });
  }

  void start_inbound(HttpRequest request) {
    asio::post(executor_, [self = shared_from_this(), request = std::move(request)]() mutable {
      self->arm_hello_timer();
      self->configure_websocket();
      self->request_ = std::move(request);
      self->ws_.async_accept(self->request_, beast::bind_front_handler(&Link::on_ws_handshake, self));
    });
  }

  void kick() override {
    asio::dispatch(executor_, [self = shared_from_this()] { self->do_write_next(); });
  }

  void close() override {
    asio::dispatch(executor_, [self = shared_from_this()] { self->fail(); });
  }

 private:
  const LinkHost::LinkSettings& settings() const { return host_->link_settings(); }

  void arm_hello_timer() {
    hello_timer_.expires_after(settings().handshake_timeout);
    hello_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->ready_ || self->closed_) return;
      self->host_->net_metrics().reject(RejectReason::kTimeout);
      self->fail();
    });
  }

  void configure_websocket() {
    // Beast's websocket timeouts take over from the TCP stream's here.
    beast::get_lowest_layer(ws_).expires_never();
    configure_peer_stream(ws_, settings());
  }

  // --- outbound: resolve, connect, TLS, WebSocket ---------------------------

  void do_resolve() {
    arm_hello_timer();
    resolver_.async_resolve(where_.host, std::to_string(where_.port),
                            beast::bind_front_handler(&Link::on_resolve, shared_from_this()));
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec || closed_) return fail();
    beast::get_lowest_layer(ws_).expires_after(settings().handshake_timeout);
    beast::get_lowest_layer(ws_).async_connect(results,
                                               beast::bind_front_handler(&Link::on_connect, shared_from_this()));
  }

  void on_connect(beast::error_code ec, const tcp::endpoint&) {
    if (ec || closed_) return fail();
    beast::error_code nodelay_ec;  // consensus frames are small: no Nagle delay
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), nodelay_ec);
    verify_ = std::make_shared<VerifyOutcome>();
    std::weak_ptr<LinkHost> weak_host = host_;
    const crypto::PublicKey expected = remote();
    install_client_verify(
        ws_.next_layer(),
        [weak_host, expected](const crypto::PublicKey& key) {
          auto h = weak_host.lock();
          return h && h->accepts_server(expected, key);
        },
        verify_);
    beast::get_lowest_layer(ws_).expires_after(settings().handshake_timeout);
    ws_.next_layer().async_handshake(ssl::stream_base::client,
                                     beast::bind_front_handler(&Link::on_tls_handshake, shared_from_this()));
  }

  void on_tls_handshake(beast::error_code ec) {
    if (ec) {
      auto& metrics = host_->net_metrics();
      if (verify_->unpinned) {
        metrics.reject(RejectReason::kUnpinnedKey);
      } else if (verify_->bad_certificate) {
        metrics.reject(RejectReason::kBadCertificate);
      } else if (!closed_) {
        metrics.reject(classify_handshake_error(ec));
      }
      return fail();
    }
    if (closed_) return fail();
    configure_websocket();
    ws_.async_handshake(where_.to_string(), std::string(kPeerTarget),
                        beast::bind_front_handler(&Link::on_ws_handshake, shared_from_this()));
  }

  // --- both directions: hello, then messages ---------------------------------

  void on_ws_handshake(beast::error_code ec) {
    request_ = {};
    if (ec || closed_) return fail();
    hello_ = settings().hello;
    writing_ = true;
    ws_.async_write(asio::buffer(hello_), beast::bind_front_handler(&Link::on_hello_written, shared_from_this()));
    do_read();
  }

  void on_hello_written(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec || closed_) return fail();
    hello_sent_ = true;
    maybe_ready();
  }

  void do_read() {
    ws_.async_read_some(in_, kReadChunk, beast::bind_front_handler(&Link::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return fail();
    if (closed_ || closing_) return;
    switch (after_read(in_.size(), ws_.is_message_done(), settings().read_message_max)) {
      case AfterRead::kOversized:
        host_->net_metrics().reject(RejectReason::kOversizedFrame);
        in_.clear();
        return close_with(websocket::close_code::too_big, "message over the size limit");
      case AfterRead::kReadMore:
        return do_read();
      case AfterRead::kMessage:
        break;
    }
    const auto data = in_.cdata();
    Bytes payload(asio::buffer_size(data));
    asio::buffer_copy(asio::buffer(payload), data);
    in_.clear();
    if (!hello_received_) return on_hello(std::move(payload));
    host_->deliver(*this, std::move(payload));
    do_read();
  }

  // Tells the peer why, then drops the link. The close operation reads (and
  // discards) frames itself until the peer answers or the timeout passes.
  void close_with(websocket::close_code code, const char* why) {
    closing_ = true;
    ws_.async_close(websocket::close_reason(code, why),
                    [self = shared_from_this()](beast::error_code) { self->fail(); });
  }

  void on_hello(Bytes payload) {
    const std::string_view got(reinterpret_cast<const char*>(payload.data()), payload.size());
    switch (check_hello(got, settings().hello)) {
      case HelloVerdict::kOk:
        break;
      case HelloVerdict::kWrongGenesis:
        host_->net_metrics().reject(RejectReason::kWrongGenesis);
        return close_with(websocket::close_code::policy_error, "genesis mismatch");
      case HelloVerdict::kBadHello:
        host_->net_metrics().reject(RejectReason::kBadHello);
        return close_with(websocket::close_code::policy_error, "bad hello");
    }
    hello_received_ = true;
    maybe_ready();
    do_read();
  }

  void maybe_ready() {
    if (ready_ || closed_ || !hello_sent_ || !hello_received_) return;
    ready_ = true;
    hello_timer_.cancel();
    host_->link_ready(shared_from_this());
    do_write_next();
  }

  void do_write_next() {
    if (!ready_ || writing_ || closed_ || closing_) return;
    out_ = host_->next_message(*this);
    if (!out_) return;
    writing_ = true;
    ws_.async_write(asio::buffer(*out_), beast::bind_front_handler(&Link::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t bytes) {
    writing_ = false;
    out_.reset();
    if (ec) return fail();
    host_->net_metrics().sent(remote(), bytes);
    do_write_next();
  }

  void fail() {
    if (closed_) return;
    closed_ = true;
    hello_timer_.cancel();
    resolver_.cancel();
    beast::get_lowest_layer(ws_).close();
    host_->link_closed(shared_from_this(), ready_);
  }

  std::shared_ptr<LinkHost> host_;
  WsStream ws_;
  asio::any_io_executor executor_;
  tcp::resolver resolver_;
  asio::steady_timer hello_timer_;
  HostPort where_;
  HttpRequest request_;  // inbound: kept alive for async_accept
  std::shared_ptr<VerifyOutcome> verify_;
  beast::flat_buffer in_;
  std::string hello_;
  std::shared_ptr<const Bytes> out_;
  bool writing_ = false;
  bool hello_sent_ = false;
  bool hello_received_ = false;
  bool ready_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

}  // namespace

std::shared_ptr<WsLink> start_outbound_link(std::shared_ptr<LinkHost> host, std::uint64_t id,
                                            const crypto::PublicKey& expected, const HostPort& where) {
  auto link = std::make_shared<Link>(std::move(host), id, expected, where);
  link->start_outbound();
  return link;
}

std::shared_ptr<WsLink> start_inbound_link(std::shared_ptr<LinkHost> host, std::uint64_t id,
                                           const crypto::PublicKey& remote, TlsStream stream, HttpRequest request) {
  auto link = std::make_shared<Link>(std::move(host), id, remote, std::move(stream));
  link->start_inbound(std::move(request));
  return link;
}

}  // namespace mlchain::net::detail
