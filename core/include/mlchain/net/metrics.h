// Counters of core/net, for the daemon's /metrics and for tests.
//
// One NetMetrics may be shared by an HttpServer and a PeerManager (pass the
// same shared_ptr in both option structs) so the node exposes one set.
// Rejections are counted by reason; per-peer traffic is keyed by the peer's
// Ed25519 public key.
//
// Thread safety: all methods are thread-safe. snapshot() returns a copy.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string_view>

#include "mlchain/crypto/ed25519.h"

namespace mlchain::net {

enum class RejectReason : std::uint8_t {
  kUnpinnedKey = 0,      // certificate key not accepted (not a member / not the expected key)
  kNoClientCertificate,  // /v1/peer upgrade without a client certificate
  kBadCertificate,       // not one valid self-signed Ed25519 certificate, or expired
  kBadTlsVersion,        // peer offered no TLS 1.3
  kTlsHandshake,         // other handshake failures: garbage bytes, aborted handshakes
  kBadRequest,           // unparseable HTTP request (answered 400)
  kOversizedRequest,     // header or body over the limit (answered 431/413)
  kWrongGenesis,         // peer hello names another genesis
  kBadHello,             // first peer frame is not a valid hello
  kOversizedFrame,       // WebSocket message over read_message_max (link closed)
  kTimeout,              // handshake, read or write deadline passed
  kConnectionLimit,      // too many open connections (see connection_budget.h)
  kEvicted,              // unfinished handshake closed to make room for a newer connection
};
inline constexpr std::size_t kRejectReasonCount = 13;

// Stable snake_case name, for metric labels ("unpinned_key", ...).
std::string_view reject_reason_name(RejectReason reason);

struct PeerCounters {
  std::uint64_t bytes_in = 0;   // WebSocket payload bytes received
  std::uint64_t bytes_out = 0;  // payload bytes written
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t queue_drops = 0;   // messages dropped because the send queue was full
  std::uint64_t send_refused = 0;  // messages refused at send() (over read_message_max)
  std::uint64_t links_up = 0;      // completed hello exchanges (inbound + outbound)
  std::uint64_t links_down = 0;
  std::size_t queued_messages = 0;    // now
  std::size_t queued_bytes = 0;       // now
  std::size_t queued_bytes_peak = 0;  // high-water mark since start
  bool connected = false;             // at least one link with a completed hello
};

struct NetCounters {
  std::array<std::uint64_t, kRejectReasonCount> rejected{};
  std::uint64_t connections_accepted = 0;
  std::uint64_t http_requests = 0;
  std::map<crypto::PublicKey, PeerCounters> peers;

  std::uint64_t rejected_for(RejectReason reason) const { return rejected[static_cast<std::size_t>(reason)]; }
};

class NetMetrics {
 public:
  void reject(RejectReason reason);
  void connection_accepted();
  void http_request();

  // Per-peer updates (keyed by the peer's key).
  void received(const crypto::PublicKey& peer, std::size_t bytes);
  void sent(const crypto::PublicKey& peer, std::size_t bytes);
  void dropped(const crypto::PublicKey& peer, std::uint64_t messages);
  void refused(const crypto::PublicKey& peer);
  void queue_size(const crypto::PublicKey& peer, std::size_t messages, std::size_t bytes);
  void link_up(const crypto::PublicKey& peer);
  void link_down(const crypto::PublicKey& peer);

  NetCounters snapshot() const;
  // Blocks until `done(counters)` holds or `timeout` passes; returns whether
  // it held. For tests and shutdown paths; `done` runs under the lock.
  bool wait_until(const std::function<bool(const NetCounters&)>& done, std::chrono::milliseconds timeout) const;

 private:
  void changed_locked() { cv_.notify_all(); }

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  NetCounters c_;
  std::map<crypto::PublicKey, int> live_links_;
};

}  // namespace mlchain::net
