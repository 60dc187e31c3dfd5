// Private to core/net: one WebSocket peer link (inbound or outbound). The
// WebSocket stream lives only in ws_link.cpp, the one TU that instantiates
// Beast's websocket templates.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "beast.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/net/metrics.h"
#include "mlchain/net/url.h"

namespace mlchain::net::detail {

class LinkHost;

class WsLink {
 public:
  WsLink(std::uint64_t id, const crypto::PublicKey& remote, bool inbound)
      : id_(id), remote_(remote), inbound_(inbound) {}
  virtual ~WsLink() = default;
  WsLink(const WsLink&) = delete;
  WsLink& operator=(const WsLink&) = delete;

  // Writes the next queued message if the link is ready and idle. Any thread.
  virtual void kick() = 0;
  // Closes the link (the host gets link_closed). Any thread.
  virtual void close() = 0;

  std::uint64_t id() const { return id_; }
  const crypto::PublicKey& remote() const { return remote_; }
  bool inbound() const { return inbound_; }

 private:
  const std::uint64_t id_;
  const crypto::PublicKey remote_;
  const bool inbound_;
};

// What a link needs from the PeerManager.
class LinkHost {
 public:
  virtual ~LinkHost() = default;
  struct LinkSettings {
    std::string hello;  // the exact first frame both sides must send
    std::size_t read_message_max;
    std::chrono::milliseconds handshake_timeout;
    std::chrono::milliseconds idle_timeout;
  };
  virtual const LinkSettings& link_settings() const = 0;
  virtual ssl::context& client_tls() = 0;
  virtual asio::io_context& io() = 0;
  virtual NetMetrics& net_metrics() = 0;
  // Outbound: may the server at this address show `key`?
  virtual bool accepts_server(const crypto::PublicKey& expected, const crypto::PublicKey& key) const = 0;
  virtual std::shared_ptr<const Bytes> next_message(const WsLink& link) = 0;
  // On the link's strand.
  virtual void link_ready(const std::shared_ptr<WsLink>& link) = 0;
  virtual void link_closed(const std::shared_ptr<WsLink>& link, bool was_ready) = 0;
  virtual void deliver(const WsLink& link, Bytes payload) = 0;
};

std::shared_ptr<WsLink> start_outbound_link(std::shared_ptr<LinkHost> host, std::uint64_t id,
                                            const crypto::PublicKey& expected, const HostPort& where);
std::shared_ptr<WsLink> start_inbound_link(std::shared_ptr<LinkHost> host, std::uint64_t id,
                                           const crypto::PublicKey& remote, TlsStream stream, HttpRequest request);

}  // namespace mlchain::net::detail
