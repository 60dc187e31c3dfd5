#include <boost/asio/steady_timer.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include "event_loop_impl.h"
#include "mlchain/common/rng.h"
#include "mlchain/net/peer.h"
#include "outbox.h"
#include "peer_hub.h"
#include "tls_context.h"
#include "ws_link.h"

namespace mlchain::net {

using namespace detail;  // NOLINT(google-build-using-namespace): private short names

namespace {

struct Peer {
  std::shared_ptr<Outbox> outbox;
  std::optional<HostPort> address;   // set for configured (outbound) peers
  std::shared_ptr<WsLink> outbound;  // connecting or live
  std::shared_ptr<WsLink> inbound;
  bool outbound_ready = false;
  bool inbound_ready = false;
  unsigned failures = 0;  // consecutive outbound failures (backoff exponent)
  std::shared_ptr<asio::steady_timer> retry;

  bool connected() const { return outbound_ready || inbound_ready; }
  // The link allowed to drain the queue: outbound first.
  std::shared_ptr<WsLink> drainer() const {
    if (outbound_ready) return outbound;
    if (inbound_ready) return inbound;
    return nullptr;
  }
};

}  // namespace

struct PeerManager::Impl final : PeerHub, LinkHost, std::enable_shared_from_this<PeerManager::Impl> {
  Impl(asio::io_context& io_context, PeerManagerOptions opts, crypto::PublicKey self)
      : io_(io_context),
        options(std::move(opts)),
        self_key(self),
        rng(options.jitter_seed != 0 ? options.jitter_seed : SystemRng().next_u64()) {
    settings.hello = "mlchain-hello/1 " + options.genesis;
    settings.read_message_max = options.read_message_max;
    settings.handshake_timeout = options.handshake_timeout;
    settings.idle_timeout = options.idle_timeout;
  }

  // PeerHub
  bool accepts(const crypto::PublicKey& key) const override {
    return key != self_key && (member(key) || (options.may_link && options.may_link(key)));
  }
  bool member(const crypto::PublicKey& key) const { return options.is_member && options.is_member(key); }
  void accept_inbound(TlsStream stream, HttpRequest request, const crypto::PublicKey& key) override;

  // LinkHost
  const LinkSettings& link_settings() const override { return settings; }
  ssl::context& client_tls() override { return *tls; }
  asio::io_context& io() override { return io_; }
  NetMetrics& net_metrics() override { return *metrics; }
  bool accepts_server(const crypto::PublicKey& expected, const crypto::PublicKey& key) const override {
    return key == expected && options.is_member && options.is_member(key);
  }
  std::shared_ptr<const Bytes> next_message(const WsLink& link) override;
  void link_ready(const std::shared_ptr<WsLink>& link) override;
  void link_closed(const std::shared_ptr<WsLink>& link, bool was_ready) override;
  void deliver(const WsLink& link, Bytes payload) override;

  Peer& peer_locked(const crypto::PublicKey& key);
  void connect(const crypto::PublicKey& key);
  void schedule_reconnect_locked(const crypto::PublicKey& key, Peer& peer);
  void notify_state(const crypto::PublicKey& key, bool connected);

  asio::io_context& io_;
  PeerManagerOptions options;
  const crypto::PublicKey self_key;
  LinkSettings settings;
  std::shared_ptr<ssl::context> tls;
  std::shared_ptr<NetMetrics> metrics;
  MessageHandler on_message;
  PeerStateHandler on_state;

  std::atomic<bool> stopping{false};
  std::shared_mutex gate;  // shared while a user callback runs
  bool stopped = false;    // guarded by gate

  mutable std::mutex mu;
  std::map<crypto::PublicKey, Peer> peers;
  std::uint64_t next_link_id = 1;
  SeededRng rng;
};

Peer& PeerManager::Impl::peer_locked(const crypto::PublicKey& key) {
  auto& peer = peers[key];
  if (!peer.outbox) {
    peer.outbox = std::make_shared<Outbox>(key, options.queue_max_messages, options.queue_max_bytes, metrics);
  }
  return peer;
}

void PeerManager::Impl::connect(const crypto::PublicKey& key) {
  std::lock_guard lock(mu);
  if (stopping) return;
  auto it = peers.find(key);
  if (it == peers.end() || !it->second.address || it->second.outbound) return;
  it->second.outbound = start_outbound_link(shared_from_this(), next_link_id++, key, *it->second.address);
}

void PeerManager::Impl::schedule_reconnect_locked(const crypto::PublicKey& key, Peer& peer) {
  if (stopping || !peer.address) return;
  // Exponential backoff with jitter in [d/2, d], so restarted nodes do not
  // reconnect in lock step.
  const auto initial = std::max<std::int64_t>(1, options.backoff_initial.count());
  const auto cap = std::max<std::int64_t>(initial, options.backoff_max.count());
  std::int64_t delay = initial;
  for (unsigned i = 0; i < peer.failures && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  delay = rng.range(delay / 2, delay);
  ++peer.failures;
  if (!peer.retry) peer.retry = std::make_shared<asio::steady_timer>(asio::make_strand(io_));
  auto timer = peer.retry;
  std::weak_ptr<Impl> weak = shared_from_this();
  // post, never dispatch: mu is held here and the timer handler takes it.
  asio::post(timer->get_executor(), [timer, weak, key, delay] {
    timer->expires_after(std::chrono::milliseconds(delay));
    timer->async_wait([weak, key](beast::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->connect(key);
    });
  });
}

void PeerManager::Impl::accept_inbound(TlsStream stream, HttpRequest request, const crypto::PublicKey& key) {
  std::shared_ptr<WsLink> old;
  bool became_disconnected = false;
  {
    std::lock_guard lock(mu);
    if (stopping) return;  // the stream closes as it goes out of scope
    auto& peer = peer_locked(key);
    const bool was = peer.connected();
    old = std::move(peer.inbound);
    if (old) {
      // The replaced link reports link_closed later, when it no longer
      // matches peer.inbound; account for it now.
      peer.inbound_ready = false;
      auto next = peer.drainer();
      peer.outbox->set_owner(next ? next->id() : 0);
    }
    became_disconnected = was && !peer.connected();
    peer.inbound = start_inbound_link(shared_from_this(), next_link_id++, key, std::move(stream), std::move(request));
  }
  if (old) old->close();
  if (became_disconnected) notify_state(key, false);
}

std::shared_ptr<const Bytes> PeerManager::Impl::next_message(const WsLink& link) {
  std::shared_ptr<Outbox> outbox;
  {
    std::lock_guard lock(mu);
    auto it = peers.find(link.remote());
    if (it == peers.end()) return nullptr;
    outbox = it->second.outbox;
  }
  return outbox->pop(link.id());
}

void PeerManager::Impl::link_ready(const std::shared_ptr<WsLink>& link) {
  // Counted even for a stale link: its link_closed (was_ready) balances it.
  metrics->link_up(link->remote());
  bool became_connected = false;
  bool stale = true;
  std::shared_ptr<WsLink> drainer;
  {
    std::lock_guard lock(mu);
    auto it = peers.find(link->remote());
    if (it != peers.end()) {
      Peer& peer = it->second;
      const bool was = peer.connected();
      if (link->inbound() && peer.inbound == link) {
        peer.inbound_ready = true;
        stale = false;
      }
      if (!link->inbound() && peer.outbound == link) {
        peer.outbound_ready = true;
        peer.failures = 0;
        stale = false;
      }
      drainer = peer.drainer();
      peer.outbox->set_owner(drainer ? drainer->id() : 0);
      became_connected = !was && peer.connected();
    }
  }
  if (stale) link->close();  // replaced or removed while its hello was in flight
  if (became_connected) notify_state(link->remote(), true);
  if (drainer) drainer->kick();
}

void PeerManager::Impl::link_closed(const std::shared_ptr<WsLink>& link, bool was_ready) {
  bool became_disconnected = false;
  std::shared_ptr<WsLink> drainer;
  {
    std::lock_guard lock(mu);
    auto it = peers.find(link->remote());
    if (it != peers.end()) {
      Peer& peer = it->second;
      const bool was = peer.connected();
      if (link->inbound() && peer.inbound == link) {
        peer.inbound.reset();
        peer.inbound_ready = false;
      }
      if (!link->inbound() && peer.outbound == link) {
        peer.outbound.reset();
        peer.outbound_ready = false;
        schedule_reconnect_locked(it->first, peer);
      }
      drainer = peer.drainer();
      peer.outbox->set_owner(drainer ? drainer->id() : 0);
      became_disconnected = was && !peer.connected();
    }
  }
  if (was_ready) metrics->link_down(link->remote());
  if (became_disconnected) notify_state(link->remote(), false);
  if (drainer) drainer->kick();
}

void PeerManager::Impl::deliver(const WsLink& link, Bytes payload) {
  metrics->received(link.remote(), payload.size());
  std::shared_lock lock(gate);
  if (stopped || !on_message) return;
  on_message(link.remote(), std::move(payload));
}

void PeerManager::Impl::notify_state(const crypto::PublicKey& key, bool connected) {
  std::shared_lock lock(gate);
  if (stopped || !on_state) return;
  on_state(key, connected);
}

namespace detail {
std::shared_ptr<PeerHub> hub_of(PeerManager& manager) { return manager.impl().shared_from_this(); }
}  // namespace detail

PeerManager::PeerManager(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

PeerManager::~PeerManager() { stop(); }

Result<std::unique_ptr<PeerManager>> PeerManager::start(EventLoop& loop, const TlsIdentity& identity,
                                                        PeerManagerOptions options, MessageHandler on_message,
                                                        PeerStateHandler on_state) {
  std::vector<std::pair<crypto::PublicKey, HostPort>> targets;
  for (const auto& p : options.peers) {
    auto where = parse_https_url(p.url);
    if (!where.ok()) return where.status().with_context("peer " + p.key.key_id());
    if (p.key == identity.key.public_key()) continue;  // our own entry in the member list
    targets.emplace_back(p.key, *where);
  }
  auto impl = std::make_shared<Impl>(loop.impl().io, std::move(options), identity.key.public_key());
  impl->metrics = impl->options.metrics ? impl->options.metrics : std::make_shared<NetMetrics>();
  MLCHAIN_ASSIGN_OR_RETURN(impl->tls, make_tls_context(TlsRole::kClient, &identity));
  impl->on_message = std::move(on_message);
  impl->on_state = std::move(on_state);
  {
    std::lock_guard lock(impl->mu);
    for (auto& [key, where] : targets) impl->peer_locked(key).address = where;
  }
  for (auto& [key, where] : targets) impl->connect(key);
  return std::make_unique<PeerManager>(std::move(impl));
}

Status PeerManager::send(const crypto::PublicKey& to, Bytes payload) {
  auto& impl = *impl_;
  if (impl.stopping) return failed_precondition("peer manager is stopped");
  if (payload.size() > impl.options.read_message_max) {
    impl.metrics->refused(to);
    return resource_exhausted("message of " + std::to_string(payload.size()) + " bytes is over the peer limit of " +
                              std::to_string(impl.options.read_message_max) + " bytes");
  }
  std::shared_ptr<Outbox> outbox;
  std::shared_ptr<WsLink> drainer;
  {
    std::lock_guard lock(impl.mu);
    auto it = impl.peers.find(to);
    if (it == impl.peers.end()) {
      return not_found("no link to peer " + to.key_id() + ": not a configured peer and never connected");
    }
    outbox = it->second.outbox;
    drainer = it->second.drainer();
  }
  outbox->push(std::move(payload));
  if (drainer) drainer->kick();
  return {};
}

void PeerManager::broadcast(const Bytes& payload) {
  std::vector<crypto::PublicKey> keys;
  {
    std::lock_guard lock(impl_->mu);
    for (const auto& [key, peer] : impl_->peers) keys.push_back(key);
  }
  for (const auto& key : keys)
    if (impl_->member(key)) (void)send(key, payload);
}

Status PeerManager::add_peer(const PeerAddress& peer) {
  auto& impl = *impl_;
  auto where = parse_https_url(peer.url);
  if (!where.ok()) return where.status().with_context("peer " + peer.key.key_id());
  if (peer.key == impl.self_key) return {};
  if (impl.stopping) return failed_precondition("peer manager is stopped");
  std::shared_ptr<WsLink> old;
  {
    std::lock_guard lock(impl.mu);
    auto& entry = impl.peer_locked(peer.key);
    if (entry.address && entry.address->host == where->host && entry.address->port == where->port) return {};
    entry.address = *where;
    entry.failures = 0;
    old = entry.outbound;  // closing it reconnects to the new address
  }
  if (old) {
    old->close();  // link_closed schedules the reconnect
  } else {
    impl.connect(peer.key);
  }
  return {};
}

void PeerManager::remove_peer(const crypto::PublicKey& key) {
  auto& impl = *impl_;
  std::vector<std::shared_ptr<WsLink>> links;
  std::shared_ptr<asio::steady_timer> timer;
  bool was_connected = false;
  {
    std::lock_guard lock(impl.mu);
    auto it = impl.peers.find(key);
    if (it == impl.peers.end()) return;
    was_connected = it->second.connected();
    if (it->second.outbound) links.push_back(std::move(it->second.outbound));
    if (it->second.inbound) links.push_back(std::move(it->second.inbound));
    timer = it->second.retry;
    impl.peers.erase(it);
  }
  if (timer) asio::dispatch(timer->get_executor(), [timer] { timer->cancel(); });
  for (auto& l : links) l->close();
  if (was_connected) impl.notify_state(key, false);
}

std::vector<crypto::PublicKey> PeerManager::connected_peers() const {
  std::vector<crypto::PublicKey> out;
  std::lock_guard lock(impl_->mu);
  for (const auto& [key, peer] : impl_->peers) {
    if (peer.connected() && impl_->member(key)) out.push_back(key);
  }
  return out;
}

NetMetrics& PeerManager::metrics() const { return *impl_->metrics; }

void PeerManager::stop() {
  auto& impl = *impl_;
  if (impl.stopping.exchange(true)) return;
  {
    std::unique_lock lock(impl.gate);  // waits for running callbacks
    impl.stopped = true;
  }
  std::vector<std::shared_ptr<WsLink>> links;
  std::vector<std::shared_ptr<asio::steady_timer>> timers;
  {
    std::lock_guard lock(impl.mu);
    for (auto& [key, peer] : impl.peers) {
      if (peer.outbound) links.push_back(std::move(peer.outbound));
      if (peer.inbound) links.push_back(std::move(peer.inbound));
      peer.outbound_ready = peer.inbound_ready = false;
      if (peer.retry) timers.push_back(peer.retry);
    }
  }
  for (auto& t : timers) asio::dispatch(t->get_executor(), [t] { t->cancel(); });
  for (auto& l : links) l->close();
}

}  // namespace mlchain::net
