// Services: an application a member node hosts next to consensus, without
// core/node knowing it (dependency inversion). The contract relay
// (core/relay) is one; `mlchain node run` passes its factory to Node::start.
//
// A service owns
//   - the ops whose inner text (inside the signed envelope, signed_op.h)
//     starts with op_prefix(): machine() applies them, deterministically, in
//     the block's write transaction; every other op goes to the node's
//     default machine;
//   - HTTP endpoints: handle() sees each request before the node's own
//     routes and claims the ones it serves;
//   - its own threads, started by start() once the node is on the network and
//     stopped by stop() before the network goes down.
//
// The node offers it a NodeHost: identity, store (read transactions), the
// current members and their addresses, a way to order ops signed by the
// node's own key, and committed blocks.
//
// Thread safety: NodeHost methods are thread-safe unless noted. Service::
// handle runs on event-loop threads and must not block; machine() is called
// on the driver thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/common/status.h"
#include "mlchain/crypto/ed25519.h"
#include "mlchain/ledger/ledger.h"
#include "mlchain/ledger/state_machine.h"
#include "mlchain/net/http.h"
#include "mlchain/node/genesis_file.h"
#include "mlchain/node/log.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/store/store.h"

namespace mlchain::node {

struct HostMember {
  crypto::PublicKey key;
  std::string name;
  std::string address;  // https://host:port ("" if unknown)
};

struct Ordered {
  std::string result;  // the op's result text ("ok: ..." or "error: ...")
  std::uint64_t height = 0;
};

class NodeHost {
 public:
  virtual ~NodeHost() = default;
  virtual const GenesisFile& genesis() const = 0;
  virtual const std::string& node_name() const = 0;
  virtual const crypto::PrivateKey& key() const = 0;  // never log or serve it
  virtual const crypto::Verifier& verifier() const = 0;
  virtual store::Store& store() = 0;  // read transactions only
  virtual Logger& log() = 0;
  // The current epoch's members (self included), in replica order.
  virtual std::vector<HostMember> members() const = 0;
  virtual bool is_member(const crypto::PublicKey& key) const = 0;
  // This member is catching up (f+1 members checkpointed past it): what it
  // orders now waits for the catch-up; `why` says how far behind. Any thread.
  virtual bool behind(std::string* why) const {
    (void)why;
    return false;
  }
  // Orders `op_text` as a signed op of this node's key. `done` runs exactly
  // once, on the driver thread (keep it short), with the committed result
  // or an error (not a member, busy, timeout, shutdown).
  virtual void order(std::string op_text, std::function<void(Result<Ordered>)> done) = 0;
  // Challenges a node of any layer to sign a fresh nonce over TLS pinned to
  // `key` (the peer-review protocol, DESIGN §7); bounded to ~3 s. The
  // answer's "result" is "ok" or why not (silent, wrong_key, bad_signature...).
  virtual codec::Json challenge(const crypto::PublicKey& key, const std::string& address) const = 0;
  // A committed block, read from the store (any thread: it touches no state
  // the driver changes). Empty when not committed yet.
  virtual Result<std::optional<ledger::Block>> block(std::uint64_t height) const = 0;
};

class Service {
 public:
  virtual ~Service() = default;
  virtual std::string_view op_prefix() const = 0;
  virtual ledger::StateMachine& machine() = 0;
  // May `op` (an op of this service, envelope signature already verified)
  // be ordered when a client sends it to POST /v1/ops? PermissionDenied ->
  // 403, anything else not ok -> 400; nothing is ordered.
  virtual Status admit_client_op(const SignedOp& op, bool client_is_member, bool client_is_admin) const = 0;
  virtual Status start(NodeHost& host) = 0;
  virtual void stop() = 0;
  // True when the request is the service's: it then calls `reply` exactly
  // once, now or later from any thread. False: the node routes it.
  virtual bool handle(net::Request& req, net::Reply& reply) = 0;
  // Prometheus text lines appended to /metrics (from the driver thread).
  virtual std::string metrics_text() const { return {}; }
  // Under "contracts" in /v1/status.
  virtual codec::Json status_json() const { return codec::Json::object(); }
  // Extra entries for /v1/selfcheck, each {"check", "ok", "detail", "data"}
  // (docs/selfcheck.md); called on the selfcheck's own thread.
  virtual std::vector<codec::Json> selfcheck() const { return {}; }
};

struct ServiceContext {
  const GenesisFile& genesis;
  const crypto::Verifier& verifier;
  Logger& log;
};
using ServiceFactory = std::function<Result<std::unique_ptr<Service>>(const ServiceContext& context)>;

}  // namespace mlchain::node
