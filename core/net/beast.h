// Private to core/net: the Asio/Beast/OpenSSL includes and short names. Never
// include this from a public header (each TU that does costs about a minute
// of compile time; see STYLE.md "Beast stays in core/net").
#pragma once

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace mlchain::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using HttpRequest = http::request<http::string_body>;

}  // namespace mlchain::net::detail
