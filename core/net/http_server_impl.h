// Private to core/net: the state an HttpServer shares with its sessions.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "beast.h"
#include "event_loop_impl.h"
#include "mlchain/net/connection_budget.h"
#include "mlchain/net/http.h"
#include "peer_hub.h"

namespace mlchain::net {

namespace detail {
class HttpSession;
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(EventLoop& event_loop, HttpServerOptions opts)
      : loop(event_loop),
        io(event_loop.impl().io),
        options(std::move(opts)),
        acceptor(detail::asio::make_strand(io)),
        accept_retry(acceptor.get_executor()),
        budget(ConnectionBudget::Limits{options.max_handshakes, options.max_handshakes_per_address,
                                        options.max_connections, options.max_member_connections}) {}

  // Calls the handler unless the server stopped; `reply` may run on any thread.
  void handle(Request request, Reply reply);

  void do_accept();
  void on_accept(detail::beast::error_code ec, detail::tcp::socket socket);
  // A session received its first byte: it is no longer the first to go.
  void session_spoke(std::uint64_t id);
  // A session's TLS handshake finished; false: over its class's budget (or
  // evicted meanwhile), close it. See connection_budget.h.
  bool session_established(std::uint64_t id, bool member);
  void session_closed(std::uint64_t id);

  EventLoop& loop;
  detail::asio::io_context& io;
  HttpServerOptions options;
  std::shared_ptr<detail::ssl::context> tls;
  AsyncHandler handler;
  std::shared_ptr<detail::PeerHub> peers;
  std::shared_ptr<NetMetrics> metrics;
  detail::tcp::acceptor acceptor;
  detail::asio::steady_timer accept_retry;  // after accept errors such as EMFILE
  std::uint16_t port = 0;
  std::unique_ptr<detail::asio::thread_pool> pool;  // blocking handlers only

  // Held shared while a handler runs; stop() takes it exclusively.
  std::shared_mutex gate;
  bool stopped = false;  // guarded by gate (writes) and mu (session registry)

  std::mutex mu;
  std::map<std::uint64_t, std::weak_ptr<detail::HttpSession>> sessions;
  std::uint64_t next_session_id = 1;
  ConnectionBudget budget;  // guarded by mu
  bool closing = false;     // guarded by mu
};

}  // namespace mlchain::net
