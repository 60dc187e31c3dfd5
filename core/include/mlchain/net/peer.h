// Node-to-node links: WebSocket (binary frames) over mutual TLS 1.3.
//
// Outbound: one link per configured peer (PeerAddress), opened to
// wss://host:port/v1/peer, presenting our certificate and accepting only a
// server certificate whose key equals the configured key and satisfies the
// pinning predicate. A failed or lost link is retried with exponential
// backoff (backoff_initial doubling up to backoff_max) with jitter (each
// delay drawn uniformly from [d/2, d]); a completed hello resets it.
//
// Inbound: HttpServer hands GET /v1/peer upgrades here; the client must have
// presented a certificate whose key satisfies the pinning predicate (else 403
// and RejectReason::kUnpinnedKey / kNoClientCertificate).
//
// Hello: the first frame each way is "mlchain-hello/1 <genesis>"; a peer
// whose genesis differs is closed (kWrongGenesis) on both sides. Nothing else
// is sent or delivered before the hello exchange completes.
//
// Both directions may exist between two nodes. They are tolerated, not
// merged: messages from either are delivered; messages to a peer go over one
// link at a time — the outbound link when it is up, else the inbound one. A
// second inbound link from the same key replaces (closes) the older one.
//
// Send queue: one per peer key, shared by that peer's links and kept across
// reconnects, so messages sent while a peer is down go out when it is back.
// It is bounded by queue_max_messages and queue_max_bytes; when a new message
// does not fit, the OLDEST queued messages are dropped (counted as
// queue_drops) — consensus retransmits, and fresh messages matter more. One
// write is in flight per link. Delivery is at most once: a message in flight
// when a link dies is lost.
//
// Message size: a received message over read_message_max closes the link
// (kOversizedFrame); send() refuses a payload over read_message_max.
//
// Callbacks run on the link's strand (an event-loop thread); messages from
// one link arrive in order. A callback that blocks stalls reads from that
// link (back-pressure), not the others. No callback runs after stop()
// returns; callbacks must not call stop().
//
// Thread safety: all public methods are thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mlchain/common/bytes.h"
#include "mlchain/common/status.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/net/event_loop.h"
#include "mlchain/net/metrics.h"
#include "mlchain/net/tls.h"

namespace mlchain::net {

struct PeerAddress {
  std::string url;        // "https://host:port"
  crypto::PublicKey key;  // the key its certificate must carry
};

struct PeerManagerOptions {
  std::string genesis;                                 // compared byte for byte in the hello
  KeyPredicate is_member;                              // pinning predicate; null accepts none
  // Also accepted inbound, though not members: learners fetching blocks
  // (node/signed_op.h, learner permits). Their links take sends addressed
  // to them only: no broadcast, not in connected_peers(). Null: none.
  KeyPredicate may_link;
  std::vector<PeerAddress> peers;                      // outbound links (our own key is skipped)
  std::size_t read_message_max = 4 * 1024 * 1024;      // bytes, both directions
  std::size_t queue_max_messages = 4096;               // per peer
  std::size_t queue_max_bytes = 64 * 1024 * 1024;      // per peer
  std::chrono::milliseconds handshake_timeout{5'000};  // TCP + TLS + WebSocket + hello
  // No frame for this long closes the link; a ping is sent after half of it.
  std::chrono::milliseconds idle_timeout{20'000};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5'000};
  std::uint64_t jitter_seed = 0;        // 0: seeded from the system RNG
  std::shared_ptr<NetMetrics> metrics;  // null: the manager makes its own
};

using MessageHandler = std::function<void(const crypto::PublicKey& from, Bytes payload)>;
// Called when a peer gains its first or loses its last live link.
using PeerStateHandler = std::function<void(const crypto::PublicKey& peer, bool connected)>;

class PeerManager {
 public:
  // Starts connecting to the configured peers on `loop`. Errors:
  // InvalidArgument (bad URL in peers, bad identity).
  static Result<std::unique_ptr<PeerManager>> start(EventLoop& loop, const TlsIdentity& identity,
                                                    PeerManagerOptions options, MessageHandler on_message,
                                                    PeerStateHandler on_state = {});
  ~PeerManager();  // stop()
  PeerManager(const PeerManager&) = delete;
  PeerManager& operator=(const PeerManager&) = delete;

  // Queues `payload` for `to`. Ok when queued (possibly dropping older
  // messages, see above). NotFound when `to` is neither a configured peer nor
  // has ever connected inbound; ResourceExhausted when the payload is over
  // read_message_max; FailedPrecondition after stop().
  Status send(const crypto::PublicKey& to, Bytes payload);
  // Queues a copy for every configured peer and every inbound-known peer
  // that is_member (not a may_link-only learner).
  void broadcast(const Bytes& payload);

  // Membership changes. add_peer starts an outbound link (or replaces the
  // address of a known peer, reconnecting); an entry with our own key is
  // ignored. remove_peer closes the peer's links, cancels reconnects and
  // drops its queue. Errors: InvalidArgument (bad URL).
  Status add_peer(const PeerAddress& peer);
  void remove_peer(const crypto::PublicKey& key);

  // Keys with at least one link whose hello completed.
  std::vector<crypto::PublicKey> connected_peers() const;
  NetMetrics& metrics() const;

  // Closes every link and cancels reconnects. Idempotent; must not be called
  // from a callback or an event-loop thread.
  void stop();

  struct Impl;
  explicit PeerManager(std::shared_ptr<Impl> impl);  // core/net internal; use start()
  Impl& impl() { return *impl_; }

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mlchain::net
