// Private to core/net: one HTTPS connection of an HttpServer (after the
// Boost.Beast advanced server: do_x/on_x pairs, explicit deadlines, limits).
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "beast.h"
#include "http_server_impl.h"

namespace mlchain::net::detail {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server, std::uint64_t id);
  ~HttpSession();

  void run();
  // Closes the socket; safe from any thread.
  void close();
  // close(), for a handshake the server evicted (counted there, not here).
  void evict();

 private:
  void on_first_byte_deadline(beast::error_code ec);
  void on_first_byte(beast::error_code ec);
  void on_handshake(beast::error_code ec);
  void do_read_header();
  void on_header(beast::error_code ec, std::size_t bytes);
  void on_body(beast::error_code ec, std::size_t bytes);
  void on_read_error(beast::error_code ec);
  void dispatch_request();
  void upgrade_to_peer_link();
  void do_write(Response response, bool close_after);
  void on_write(bool close_after, beast::error_code ec, std::size_t bytes);
  void do_shutdown();

  TlsStream stream_;
  asio::any_io_executor executor_;  // survives handing stream_ over
  const std::chrono::steady_clock::time_point accepted_at_;
  asio::steady_timer first_byte_timer_;
  bool awaiting_first_byte_ = false;
  std::atomic<bool> evicted_{false};
  std::shared_ptr<HttpServer::Impl> server_;
  std::uint64_t id_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  std::optional<crypto::PublicKey> client_key_;
  std::string remote_;
  bool first_request_ = true;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  bool handed_over_ = false;
};

}  // namespace mlchain::net::detail
