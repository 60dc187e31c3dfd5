// Node: the daemon of one high-level layer member (`mlchain node run`).
//
// Wiring: genesis.json -> Ledger over an LmdbStore in data_dir -> Replica
// (recovered from the ledger) -> PeerManager (mutual-TLS WebSocket links to
// the other members, pinned to the member keys, genesis hash in the hello) and
// an HttpServer on the listen address (client API, /v1/peer upgrades).
//
// Threads: the net EventLoop's threads do I/O, decode peer messages and check
// client signatures; ONE driver thread owns the Replica and the Ledger and
// executes every Action in order. A Persist is durable (LMDB fsync) before the
// driver performs any later Send, and a block is durable before any reply to
// a client names it.
//
// HTTP API (JSON; see docs/running-a-layer.md):
//   POST /v1/ops          signed op (signed_op.h) -> {"result", "height", ...}
//   GET  /v1/layer        layer, genesis hash, epoch, n, f, view, primary, height, members
//   GET  /v1/status       this node: height, view, ready, peers, counters
//   GET  /v1/blocks/<h>   one block as JSON (404 when not yet committed)
//   GET  /healthz, /readyz, /metrics (Prometheus text)
//
// Thread safety: start() and stop() from one controlling thread (not from a
// driver or event-loop thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "mlchain/common/status.h"
#include "mlchain/node/config.h"
#include "mlchain/node/log.h"
#include "mlchain/node/service.h"

namespace mlchain::node {

class Node {
 public:
  // Opens the store, recovers, binds the listen address and starts
  // connecting to peers. `on_fatal` is called (from the driver thread, at
  // most once) when the node cannot continue, e.g. the store failed; the
  // caller should then stop() it and exit non-zero. `log` must outlive the node.
  // `service` (optional, service.h) is built once the genesis is loaded and
  // hosted for the node's lifetime.
  static Result<std::unique_ptr<Node>> start(const NodeConfig& config, Logger& log,
                                             std::function<void(const Status&)> on_fatal = {},
                                             ServiceFactory service = {});
  ~Node();  // stop()
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  std::uint16_t port() const;
  // Closes the listener and peer links, fails waiting clients with 503,
  // stops the driver and closes the store. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlchain::node
