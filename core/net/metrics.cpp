#include "mlchain/net/metrics.h"

#include <algorithm>

namespace mlchain::net {

std::string_view reject_reason_name(RejectReason reason) {
  switch (reason) {
    case RejectReason::kUnpinnedKey:
      return "unpinned_key";
    case RejectReason::kNoClientCertificate:
      return "no_client_certificate";
    case RejectReason::kBadCertificate:
      return "bad_certificate";
    case RejectReason::kBadTlsVersion:
      return "bad_tls_version";
    case RejectReason::kTlsHandshake:
      return "tls_handshake";
    case RejectReason::kBadRequest:
      return "bad_request";
    case RejectReason::kOversizedRequest:
      return "oversized_request";
    case RejectReason::kWrongGenesis:
      return "wrong_genesis";
    case RejectReason::kBadHello:
      return "bad_hello";
    case RejectReason::kOversizedFrame:
      return "oversized_frame";
    case RejectReason::kTimeout:
      return "timeout";
    case RejectReason::kConnectionLimit:
      return "connection_limit";
    case RejectReason::kEvicted:
      return "evicted";
  }
  return "unknown";
}

void NetMetrics::reject(RejectReason reason) {
  std::lock_guard lock(mu_);
  changed_locked();
  ++c_.rejected[static_cast<std::size_t>(reason)];
}

void NetMetrics::connection_accepted() {
  std::lock_guard lock(mu_);
  changed_locked();
  ++c_.connections_accepted;
}

void NetMetrics::http_request() {
  std::lock_guard lock(mu_);
  changed_locked();
  ++c_.http_requests;
}

void NetMetrics::received(const crypto::PublicKey& peer, std::size_t bytes) {
  std::lock_guard lock(mu_);
  changed_locked();
  auto& p = c_.peers[peer];
  p.bytes_in += bytes;
  ++p.messages_in;
}

void NetMetrics::sent(const crypto::PublicKey& peer, std::size_t bytes) {
  std::lock_guard lock(mu_);
  changed_locked();
  auto& p = c_.peers[peer];
  p.bytes_out += bytes;
  ++p.messages_out;
}

void NetMetrics::dropped(const crypto::PublicKey& peer, std::uint64_t messages) {
  std::lock_guard lock(mu_);
  changed_locked();
  c_.peers[peer].queue_drops += messages;
}

void NetMetrics::refused(const crypto::PublicKey& peer) {
  std::lock_guard lock(mu_);
  changed_locked();
  ++c_.peers[peer].send_refused;
}

void NetMetrics::queue_size(const crypto::PublicKey& peer, std::size_t messages, std::size_t bytes) {
  std::lock_guard lock(mu_);
  changed_locked();
  auto& p = c_.peers[peer];
  p.queued_messages = messages;
  p.queued_bytes = bytes;
  p.queued_bytes_peak = std::max(p.queued_bytes_peak, bytes);
}

void NetMetrics::link_up(const crypto::PublicKey& peer) {
  std::lock_guard lock(mu_);
  changed_locked();
  auto& p = c_.peers[peer];
  ++p.links_up;
  p.connected = ++live_links_[peer] > 0;
}

void NetMetrics::link_down(const crypto::PublicKey& peer) {
  std::lock_guard lock(mu_);
  changed_locked();
  auto& p = c_.peers[peer];
  ++p.links_down;
  p.connected = --live_links_[peer] > 0;
}

NetCounters NetMetrics::snapshot() const {
  std::lock_guard lock(mu_);
  return c_;
}

bool NetMetrics::wait_until(const std::function<bool(const NetCounters&)>& done,
                            std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return done(c_); });
}

}  // namespace mlchain::net
