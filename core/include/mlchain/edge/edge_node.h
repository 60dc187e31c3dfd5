// EdgeNode: the daemon of an edge layer's central node (Layer 0, DESIGN §6):
// the object registry in LMDB (registry.h) behind an HTTPS API.
//
// Wiring: key_file -> TLS identity (self-signed Ed25519 certificate, like a
// layer member); data_dir -> LmdbStore -> Registry; an HttpServer whose
// blocking handlers run on its own small pool (each request is one LMDB
// transaction at most, fsynced when durable = true). With [superior], a
// SuperiorTracker thread keeps the superior layer's address book
// (superior_tracker.h) in the same store; it never blocks request handling.
//
// HTTP API (JSON; docs/edge-node.md, docs/edge-requests.md):
//   POST /v1/object/upload|send|fetch|contract   object requests (X-Mlc-* headers; request.h;
//                                       contract: contract_sender.h, at most 64 in flight)
//   POST /v1/contract/packet            contract packets from the superior (contract_inbox.h)
//   POST /v1/admin/register|list|show|revoke|rotate   signed admin envelopes (admin.h)
//   GET  /v1/edge                       layer, name, node key, credential policy, limits,
//                                       superior (its address book, or null)
//   GET  /healthz, /readyz, /metrics    (Prometheus text)
// Errors: {"error": {"code", "message"}} with a 4xx/5xx status; object
// refusals use the reason codes of request.h; the contract endpoints add
// "layer" (docs/contracts.md §8). Bodies: contract packets at most 256 KiB,
// everything else at most 64 KiB.
// An HMAC secret appears in exactly one response (register or rotate, with
// Cache-Control: no-store) and never in a log line.
//
// Thread safety: start() and stop() from one controlling thread.
#pragma once

#include <cstdint>
#include <memory>

#include "mlchain/common/status.h"
#include "mlchain/edge/config.h"
#include "mlchain/node/log.h"

namespace mlchain::edge {

class EdgeNode {
 public:
  // Loads the key, opens the store, binds the listen address. `log` must
  // outlive the node. Errors name the file or address at fault.
  static Result<std::unique_ptr<EdgeNode>> start(const EdgeConfig& config, node::Logger& log);
  ~EdgeNode();  // stop()
  EdgeNode(const EdgeNode&) = delete;
  EdgeNode& operator=(const EdgeNode&) = delete;

  std::uint16_t port() const;
  // Stops the listener (waiting for running handlers), then closes the
  // store. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit EdgeNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mlchain::edge
