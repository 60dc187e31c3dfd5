// What goes into Replica::step() and what comes out.
//
// The driver (the net layer's strand, or the simulator) owns every effect:
// it executes the returned actions IN ORDER. In particular a Persist action
// must be durable before any Send that follows it in the same vector — that
// is how a replica that crashes never contradicts what it already said.
// Every Execute must be applied before the next step(): the replica reads
// clients' last request ids back from that state (types.h, ClientLookup).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mlchain/consensus/messages.h"

namespace mlchain::consensus {

enum class TimerKind : std::uint8_t {
  kBatch = 0,       // primary: flush a partial batch
  kRequest = 1,     // backup: a request waited too long -> view change
  kViewChange = 2,  // waiting for a new view -> try the next view
  kFetch = 3,       // state transfer: retry / look for more
};
inline constexpr std::size_t kTimerKinds = 4;

// ---- events ----
struct ClientRequest {
  Request request;
};
// `from` is the replica the transport authenticated; a message whose own
// replica field differs is dropped.
struct PeerMessage {
  ReplicaId from = 0;
  MessagePtr message;
};
struct TimerFired {
  TimerKind kind = TimerKind::kBatch;
};
// First event after construction (or restart): arms timers.
struct Start {};
// The transport (re)established a link to `peer`: a replica that may be
// behind asks it for blocks, so a restarted node or a newcomer catches up
// on an idle layer too (nobody else would tell it).
struct LinkUp {
  ReplicaId peer = 0;
};

struct Event {
  TimePoint now;  // the driver's clock; the replica has no other
  std::variant<ClientRequest, PeerMessage, TimerFired, Start, LinkUp> body;
};

// ---- actions ----
// A durable key/value record in the replica's own table ("consensus"). An
// empty `value` with erase = true deletes the key. Keys are listed in
// replica.h; the driver just stores bytes.
struct Persist {
  std::string key;
  std::string value;
  bool erase = false;
};
// to = nullopt: to every other member of the epoch.
struct Send {
  std::optional<ReplicaId> to;
  MessagePtr message;
};
// Execute the committed batch at `seq` (exactly seq = last executed + 1). The
// commits are a quorum certificate for pre_prepare.digest(). chain_digest is
// the replica's running digest after this batch (store it with the block so
// a restart can resume). Requests already executed for their client
// (id <= last id) are no-ops whose cached reply is re-sent.
struct Execute {
  Epoch epoch = 0;
  Seq seq = 0;
  PrePrepare pre_prepare;
  std::vector<Commit> commits;
  Digest chain_digest{};
  std::optional<EpochConfig> next_epoch;  // set when the epoch changes after this batch
};
// Re-send the cached reply of an executed request.
struct ResendReply {
  std::string client;
  std::uint64_t request_id = 0;
};
// Read committed batches [from_seq, from_seq + max) from the ledger and send
// them to `to` as a BlockBundle (see make_block_bundle in replica.h).
// At most `max` batches and, past the first, at most max_bytes of
// request_bytes() in all (byte_budget(): bundle), so the bundle fits a link.
struct ServeBlocks {
  ReplicaId to = 0;
  Seq from_seq = 0;
  std::size_t max = 0;
  std::size_t max_bytes = 0;
  bool new_view = true;  // attach the latest new-view (make_block_bundle)
};
struct SetTimer {
  TimerKind kind = TimerKind::kBatch;
  Micros after{0};  // replaces any pending timer of this kind
};
struct CancelTimer {
  TimerKind kind = TimerKind::kBatch;
};

using Action = std::variant<Persist, Send, Execute, ResendReply, ServeBlocks, SetTimer, CancelTimer>;

}  // namespace mlchain::consensus
