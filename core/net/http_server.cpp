#include <exception>
#include <future>

#include "event_loop_impl.h"
#include "http_server_impl.h"
#include "http_session.h"
#include "mlchain/net/http.h"
#include "peer_hub.h"
#include "tls_context.h"

namespace mlchain::net {

using namespace detail;  // NOLINT(google-build-using-namespace): private short names

Response Response::text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers["Content-Type"] = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers["Content-Type"] = "application/json";
  r.body = std::move(body);
  return r;
}

namespace {

Response call_blocking(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    return Response::text(500, std::string("internal error: ") + e.what() + "\n");
  } catch (...) {
    return Response::text(500, "internal error\n");
  }
}

Result<std::unique_ptr<HttpServer>> start_server(EventLoop& loop, const TlsIdentity& identity,
                                                 HttpServerOptions options, Handler blocking, AsyncHandler async,
                                                 PeerManager* peers) {
  auto impl = std::make_shared<HttpServer::Impl>(loop, std::move(options));
  auto& opts = impl->options;
  impl->metrics = opts.metrics ? opts.metrics : std::make_shared<NetMetrics>();
  MLCHAIN_ASSIGN_OR_RETURN(impl->tls, make_tls_context(TlsRole::kServer, &identity));
  if (peers != nullptr) impl->peers = hub_of(*peers);
  if (blocking) {
    impl->pool = std::make_unique<asio::thread_pool>(opts.handler_threads == 0 ? 1 : opts.handler_threads);
    auto shared = std::make_shared<Handler>(std::move(blocking));
    auto* pool = impl->pool.get();
    impl->handler = [pool, shared](Request request, Reply reply) {
      asio::post(*pool, [shared, request = std::move(request), reply = std::move(reply)] {
        reply(call_blocking(*shared, request));
      });
    };
  } else {
    impl->handler = std::move(async);
  }
  if (!impl->handler) return invalid_argument("HttpServer needs a request handler");

  beast::error_code ec;
  const auto address = asio::ip::make_address(opts.host, ec);
  if (ec) return invalid_argument("listen address '" + opts.host + "' is not a numeric IP address");
  const tcp::endpoint endpoint(address, opts.port);
  const std::string where = opts.host + ":" + std::to_string(opts.port);
  auto& acceptor = impl->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec)
    return unavailable("cannot open a socket for " + where + ": " + ec.message());
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return unavailable("cannot set SO_REUSEADDR on " + where + ": " + ec.message());
  }
  if (acceptor.bind(endpoint, ec); ec) {
    return unavailable("cannot listen on " + where + ": " + ec.message() + " (is another node using this port?)");
  }
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return unavailable("cannot listen on " + where + ": " + ec.message());
  }
  impl->port = acceptor.local_endpoint(ec).port();
  asio::dispatch(acceptor.get_executor(), [impl] { impl->do_accept(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

}  // namespace

void HttpServer::Impl::handle(Request request, Reply reply) {
  // Blocking handlers only get queued here; stop() stops and joins the pool,
  // so none runs after stop() returns.
  std::shared_lock lock(gate);
  if (stopped) return;
  try {
    handler(std::move(request), std::move(reply));
  } catch (...) {
    // An AsyncHandler that throws loses its request; the connection is
    // closed when the server stops or the client gives up.
  }
}

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(asio::make_strand(io), beast::bind_front_handler(&Impl::on_accept, shared_from_this()));
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of descriptors or memory: retrying at once would spin.
    accept_retry.expires_after(std::chrono::milliseconds(100));
    accept_retry.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec && self->acceptor.is_open()) self->do_accept();
    });
    return;
  }
  {
    // Small request/response and peer frames: without TCP_NODELAY, Nagle plus
    // the peer's delayed ACK stall each exchange ~40 ms.
    beast::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
  }
  {
    // Every connection is admitted; when the handshake budget is full an
    // older unfinished handshake makes room (connection_budget.h).
    beast::error_code endpoint_ec;
    const auto remote = socket.remote_endpoint(endpoint_ec);
    const std::string address = endpoint_ec ? std::string() : remote.address().to_string();
    std::shared_ptr<HttpSession> session;
    std::shared_ptr<HttpSession> victim;
    {
      std::lock_guard lock(mu);
      if (closing) return;
      const std::uint64_t id = next_session_id++;
      session = std::make_shared<HttpSession>(std::move(socket), shared_from_this(), id);
      sessions.emplace(id, session);
      if (auto evict = budget.admit(id, address)) {
        if (auto it = sessions.find(*evict); it != sessions.end()) victim = it->second.lock();
      }
    }
    metrics->connection_accepted();
    if (victim) {
      metrics->reject(RejectReason::kEvicted);
      victim->evict();
    }
    session->run();
  }
  do_accept();
}

void HttpServer::Impl::session_spoke(std::uint64_t id) {
  std::lock_guard lock(mu);
  budget.spoke(id);
}

bool HttpServer::Impl::session_established(std::uint64_t id, bool member) {
  std::lock_guard lock(mu);
  return budget.established(id, member ? ConnectionBudget::Class::kMember : ConnectionBudget::Class::kAnonymous);
}

void HttpServer::Impl::session_closed(std::uint64_t id) {
  std::lock_guard lock(mu);
  sessions.erase(id);
  budget.closed(id);
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::start(EventLoop& loop, const TlsIdentity& identity,
                                                      HttpServerOptions options, Handler handler, PeerManager* peers) {
  if (!handler) return invalid_argument("HttpServer needs a request handler");
  return start_server(loop, identity, std::move(options), std::move(handler), {}, peers);
}

Result<std::unique_ptr<HttpServer>> HttpServer::start_async(EventLoop& loop, const TlsIdentity& identity,
                                                            HttpServerOptions options, AsyncHandler handler,
                                                            PeerManager* peers) {
  if (!handler) return invalid_argument("HttpServer needs a request handler");
  return start_server(loop, identity, std::move(options), {}, std::move(handler), peers);
}

std::uint16_t HttpServer::port() const { return impl_->port; }

NetMetrics& HttpServer::metrics() const { return *impl_->metrics; }

void HttpServer::stop() {
  {
    std::unique_lock lock(impl_->gate);  // waits for running handlers
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  std::vector<std::shared_ptr<HttpSession>> live;
  {
    std::lock_guard lock(impl_->mu);
    impl_->closing = true;
    for (auto& [id, weak] : impl_->sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  // Wait for the port to be released, so a restart can bind it again. If
  // the loop is not running, nothing else touches the acceptor: close here.
  if (impl_->loop.running()) {
    auto closed = std::make_shared<std::promise<void>>();
    auto done = closed->get_future();
    asio::post(impl_->acceptor.get_executor(), [impl = impl_, closed] {
      beast::error_code ignored;
      impl->accept_retry.cancel();
      impl->acceptor.close(ignored);
      closed->set_value();
    });
    done.wait_for(std::chrono::seconds(5));
  } else {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  }
  for (auto& s : live) s->close();
  live.clear();
  if (impl_->pool) {
    impl_->pool->stop();
    impl_->pool->join();
  }
}

}  // namespace mlchain::net
