// Helpers for core/net tests: node identities and a raw OpenSSL client over a
// blocking socket (for what the mlchain client refuses to do: TLS 1.2,
// garbage bytes, byte-exact HTTP). Every socket call is bounded by
// SO_RCVTIMEO/SO_SNDTIMEO so a broken server fails the test instead of
// hanging it.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mlchain/net/tls.h"

namespace mlchain::net::testing {

inline constexpr std::chrono::milliseconds kWait{10'000};  // upper bound for any wait in these tests

// A deterministic identity from a one-byte seed.
TlsIdentity make_identity(std::uint8_t seed, const std::string& name = "node");

class RawTlsClient {
 public:
  struct Options {
    int max_version = TLS1_3_VERSION;
    const TlsIdentity* identity = nullptr;
    bool ecdsa_certificate = false;  // present a self-signed P-256 certificate instead
  };
  // Connects to 127.0.0.1:port and performs the handshake.
  RawTlsClient(std::uint16_t port, const Options& options);
  ~RawTlsClient();
  RawTlsClient(const RawTlsClient&) = delete;
  RawTlsClient& operator=(const RawTlsClient&) = delete;

  bool connected() const { return tcp_ok_; }
  bool handshake_ok() const { return handshake_ok_; }
  bool write(const std::string& bytes);
  // Reads one HTTP/1.1 response with Content-Length; nullopt on EOF/timeout.
  std::optional<std::string> read_response();
  // True if the server closes the connection (EOF) before the timeout.
  bool wait_closed();

 private:
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool tcp_ok_ = false;
  bool handshake_ok_ = false;
  std::string pending_;
};

// Sends `bytes` over a plain TCP connection to 127.0.0.1:port and returns
// true if the server then closes it (before the timeout).
bool send_plain_and_wait_close(std::uint16_t port, const std::string& bytes);

// Raises this process's open-file limit to its hard limit; returns whether
// the limit is now at least `wanted` descriptors.
bool raise_fd_limit(std::size_t wanted);

// `count` plain TCP connections to 127.0.0.1:port that never send a byte,
// held until destruction (closed with RST, leaving no TIME_WAIT). The
// connect()s are bounded by SO_SNDTIMEO; a failed one stops the flood.
class IdleFlood {
 public:
  IdleFlood(std::uint16_t port, std::size_t count);
  ~IdleFlood();
  IdleFlood(const IdleFlood&) = delete;
  IdleFlood& operator=(const IdleFlood&) = delete;
  std::size_t opened() const { return fds_.size(); }

 private:
  std::vector<int> fds_;
};

// Status code of a raw HTTP response ("HTTP/1.1 413 ..." -> 413), or -1.
int status_of(const std::string& response);

}  // namespace mlchain::net::testing
