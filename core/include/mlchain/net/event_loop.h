// EventLoop: the I/O threads of core/net (an Asio io_context run by N threads).
//
// HttpServer and PeerManager run all their sockets, timers and callbacks on
// the loop they are given. Each connection is confined to its own strand, so
// callbacks for one connection never run concurrently, while different
// connections proceed in parallel on the loop's threads.
//
// Lifetime: stop (or destroy) every HttpServer/PeerManager that uses a loop
// before destroying the loop. stop() and the destructor must not be called
// from a loop thread (they join the threads).
//
// Thread safety: post() is safe from any thread; start()/stop() from one
// controlling thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace mlchain::net {

class EventLoop {
 public:
  // threads >= 1; 0 is treated as 1.
  explicit EventLoop(std::size_t threads = 2);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Starts the threads. Idempotent. Work posted before start() runs after it.
  void start();
  // Stops the io_context and joins the threads; handlers not yet run are
  // dropped. Idempotent. The loop cannot be restarted.
  void stop();
  bool running() const;
  std::size_t thread_count() const;

  // Runs fn on one of the loop's threads. An exception escaping fn is caught
  // and written to stderr; the loop keeps running.
  void post(std::function<void()> fn);

  // For core/net internals (the type is defined in a private header).
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlchain::net
