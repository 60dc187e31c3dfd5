// Private to core/net: what an EventLoop holds.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <atomic>
#include <thread>
#include <vector>

#include "mlchain/net/event_loop.h"

namespace mlchain::net {

struct EventLoop::Impl {
  explicit Impl(std::size_t n) : io(static_cast<int>(n)), work(io.get_executor()), thread_count(n) {}

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  std::size_t thread_count;
  std::vector<std::thread> threads;
  // Atomic: HttpServer::stop() asks running() from whatever thread stops it.
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
};

}  // namespace mlchain::net
