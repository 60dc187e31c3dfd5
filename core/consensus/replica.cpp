// Replica plumbing: construction, the step() dispatcher, sending and timers.
#include "mlchain/consensus/replica.h"

#include <algorithm>

namespace mlchain::consensus {

std::optional<ReplicaId> EpochConfig::index_of(const crypto::PublicKey& key) const {
  for (std::size_t i = 0; i < members.size(); ++i)
    if (members[i] == key) return static_cast<ReplicaId>(i);
  return std::nullopt;
}

std::size_t request_bytes(const std::vector<Request>& batch) {
  std::size_t total = 0;
  for (const auto& r : batch) total += request_bytes(r);
  return total;
}

ByteBudget byte_budget(const ReplicaOptions& o, std::size_t n) {
  const std::size_t q = quorum_size(n);
  const std::size_t floor = kMaxOpBytes + kMaxClientIdBytes + 48;
  // Signed votes and headers: every prepared proof in every view change of a
  // new-view carries q prepares of ~300 encoded bytes.
  const std::size_t votes = q * q * static_cast<std::size_t>(o.log_window) * 300 + (64u << 10);
  const std::size_t room = o.max_message_bytes > votes ? o.max_message_bytes - votes : 0;
  // (q + 1) messages' worth of 2 * inflight request bytes, each encoded at 3/2.
  std::size_t inflight = room / (3 * (q + 1));
  ByteBudget b;
  b.inflight = std::max(inflight, floor);
  b.batch = std::max(std::min<std::size_t>(b.inflight, 1u << 20), floor);
  b.bundle = std::max(o.max_message_bytes / 3, floor);
  return b;
}

Status validate(const ReplicaOptions& o, const EpochConfig& c) {
  if (c.members.empty() || c.members.size() > kMaxMembers)
    return invalid_argument("a layer needs 1 to 64 members, got " + std::to_string(c.members.size()));
  auto sorted = c.members;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return invalid_argument("two members share one public key; every member needs its own key");
  if (o.batch_size == 0) return invalid_argument("batch_size must be at least 1");
  if (o.checkpoint_interval == 0) return invalid_argument("checkpoint_interval must be at least 1");
  if (o.log_window < 2 * o.checkpoint_interval)
    return invalid_argument("log_window must be at least twice checkpoint_interval");
  if (o.request_timeout.count() <= 0 || o.view_change_timeout.count() <= 0 || o.fetch_timeout.count() <= 0)
    return invalid_argument("timeouts must be positive");
  if (o.max_fetch_blocks == 0) return invalid_argument("max_fetch_blocks must be at least 1");
  if (o.max_message_bytes < (1u << 20)) return invalid_argument("max_message_bytes must be at least 1 MiB");
  if (o.max_cached_clients == 0) return invalid_argument("max_cached_clients must be at least 1");
  return {};
}

Replica::Replica(ReplicaId self, EpochConfig config, ReplicaOptions options, const crypto::Signer& signer,
                 const crypto::Verifier& verifier, RecoveredState recovered)
    : self_(self), config_(std::move(config)), opt_(options), signer_(signer), verifier_(verifier) {
  recover(recovered);
  budget_ = byte_budget(opt_, config_.n());
  clients_.set_capacity(opt_.max_cached_clients);
}

std::vector<Action> Replica::step(const Event& event) {
  std::vector<Action> out;
  if (retired_) return out;  // no longer a member of the layer
  out_ = &out;
  now_ = event.now;
  // The driver applied every Execute we emitted before this step (events.h):
  // what we executed is in the lookup's state now, so the cache may shrink.
  clients_.trim(last_exec_);
  struct V {
    Replica* r;
    void operator()(const ClientRequest& e) const { r->on_request(e.request); }
    void operator()(const PeerMessage& e) const { r->on_peer(e); }
    void operator()(const TimerFired& e) const {
      r->timer_set_[static_cast<std::size_t>(e.kind)] = false;
      switch (e.kind) {
        case TimerKind::kBatch: r->maybe_propose(true); break;
        case TimerKind::kRequest:
          r->on_request_timer();
          break;
        case TimerKind::kViewChange:
          if (!r->active_) r->on_view_change_timer();
          break;
        case TimerKind::kFetch: r->on_fetch_timer(); break;
      }
    }
    void operator()(const LinkUp& e) const {
      // Ask the peer that just came up whether it has blocks we lack.
      if (e.peer < r->config_.n() && e.peer != r->self_) {
        ++r->stats_.fetches_sent;
        r->send_to(e.peer, r->signed_(FetchBlocks{r->config_.epoch, r->last_exec_ + 1, r->self_, {}, r->view_, !r->active_}));
      }
    }
    void operator()(const Start&) const {
      if (r->learning_) {
        r->send_fetch();
        r->maybe_schedule_fetch();
      } else if (!r->active_) {
        r->start_view_change(r->view_);
      } else if (r->config_.n() > 1) {
        // After a restart we may be behind and nobody will tell us: ask.
        r->send_fetch();
      }
    }
  };
  std::visit(V{this}, event.body);
  out_ = nullptr;
  return out;
}

void Replica::on_peer(const PeerMessage& pm) {
  if (!pm.message) return drop("empty_message");
  const Message& m = *pm.message;
  if (pm.from >= config_.n()) return drop("not_a_member");
  if (pm.from == self_) return drop("from_self");
  // State transfer crosses epochs (its batches are checked against the
  // membership of their own epoch as they execute), and replica ids differ
  // between epochs, so it is authenticated by the link's sender alone.
  bool cross_epoch = std::holds_alternative<BlockBundle>(m) || std::holds_alternative<FetchBlocks>(m);
  if (learning_) {
    // A newcomer takes part in nothing but state transfer.
    if (!std::holds_alternative<BlockBundle>(m)) {
      if (!cross_epoch && epoch_of(m) > config_.epoch) ahead_epoch_[pm.from] = epoch_of(m);
      return drop("learner");
    }
    return dispatch(pm.from, m);
  }
  if (!cross_epoch && !std::holds_alternative<ForwardedRequest>(m) && epoch_of(m) != config_.epoch) {
    if (epoch_of(m) > config_.epoch) {
      ahead_epoch_[pm.from] = epoch_of(m);
      maybe_schedule_fetch();
    }
    return drop("wrong_epoch");
  }
  if (!cross_epoch && sender_of(m) != pm.from) return drop("sender_mismatch");
  dispatch(pm.from, m);
}

void Replica::dispatch(ReplicaId from, const Message& m) {
  struct V {
    Replica* r;
    ReplicaId from;
    void operator()(const PrePrepare& x) const { r->on_pre_prepare(x); }
    void operator()(const Prepare& x) const { r->on_prepare(x); }
    void operator()(const Commit& x) const { r->on_commit(x); }
    void operator()(const Checkpoint& x) const { r->on_checkpoint(x); }
    void operator()(const ViewChange& x) const { r->on_view_change(x); }
    void operator()(const NewView& x) const { r->on_new_view(x); }
    void operator()(const FetchBlocks& x) const { r->on_fetch(x, from); }
    void operator()(const BlockBundle& x) const { r->on_bundle(x, from); }
    void operator()(const ForwardedRequest& x) const {
      // No signature check: a relay vouches for nothing. Its sender is
      // authenticated by the transport (PeerMessage::from, matched against
      // x.replica above) and its content is the client's request, whose own
      // authenticity the application checks when it executes (the node's
      // signed envelopes). Checking a relay signature cost every replica
      // one Ed25519 verify per operation for no safety gain.
      r->on_request(x.request);
    }
    // Attestations go to the node's collector (ledger/attestation.h).
    void operator()(const Attest&) const { r->drop("attest_not_for_replica"); }
  };
  std::visit(V{this, from}, m);
}

bool Replica::check_sig(const Message& m, ReplicaId signer) {
  if (signer >= config_.n()) {
    drop("not_a_member");
    return false;
  }
  if (!verify_signature(m, config_.members[signer], verifier_)) {
    drop("bad_signature");
    return false;
  }
  return true;
}

void Replica::broadcast(Message m) {
  if (config_.n() <= 1) return;
  emit(Send{std::nullopt, std::make_shared<const Message>(std::move(m))});
}

void Replica::send_to(ReplicaId to, Message m) {
  emit(Send{to, std::make_shared<const Message>(std::move(m))});
}

void Replica::set_timer(TimerKind kind, Micros after) {
  timer_set_[static_cast<std::size_t>(kind)] = true;
  emit(SetTimer{kind, after});
}

void Replica::cancel_timer(TimerKind kind) {
  auto& set = timer_set_[static_cast<std::size_t>(kind)];
  if (!set) return;
  set = false;
  emit(CancelTimer{kind});
}

MessagePtr Replica::make_block_bundle(std::vector<CommittedBatch> batches, bool with_new_view) const {
  BlockBundle b;
  b.epoch = config_.epoch;
  b.batches = std::move(batches);
  // The new-view rides along only when both fit one message (it can be
  // nearly a message itself); a laggard with batches to execute first gets
  // it in a later bundle.
  std::size_t bytes = 0;
  for (const auto& cb : b.batches) bytes += request_bytes(cb.pre_prepare.requests) + 300 * cb.commits.size();
  if (with_new_view && latest_nv_ && (b.batches.empty() || (bytes + approx_bytes(*latest_nv_)) * 3 / 2 <= opt_.max_message_bytes))
    b.new_view = latest_nv_;
  b.replica = self_;
  Message m(std::move(b));
  sign(m, signer_);
  return std::make_shared<const Message>(std::move(m));
}

}  // namespace mlchain::consensus
