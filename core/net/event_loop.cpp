#include "mlchain/net/event_loop.h"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <exception>

#include "event_loop_impl.h"

namespace mlchain::net {

namespace {

void run_loop(boost::asio::io_context& io) {
  // A handler that throws must not take the node down with it: report and
  // keep running (core/net handlers use error codes; this is a safety net).
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mlchain net: event loop handler threw: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "mlchain net: event loop handler threw a non-std exception\n");
    }
  }
}

}  // namespace

EventLoop::EventLoop(std::size_t threads) : impl_(std::make_unique<Impl>(threads == 0 ? 1 : threads)) {}

EventLoop::~EventLoop() { stop(); }

void EventLoop::start() {
  if (impl_->stopped || impl_->started.exchange(true)) return;
  for (std::size_t i = 0; i < impl_->thread_count; ++i) {
    impl_->threads.emplace_back([this] { run_loop(impl_->io); });
  }
}

void EventLoop::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->work.reset();
  impl_->io.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  impl_->threads.clear();
}

bool EventLoop::running() const { return impl_->started && !impl_->stopped; }

std::size_t EventLoop::thread_count() const { return impl_->thread_count; }

void EventLoop::post(std::function<void()> fn) { boost::asio::post(impl_->io, std::move(fn)); }

}  // namespace mlchain::net
