// Replica: one PBFT replica as a pure state machine (sans-I/O).
//
//   std::vector<Action> actions = replica.step(event);
//
// The replica never touches a socket, thread, clock or disk: time arrives on
// each Event, signatures go through the injected Signer/Verifier, and every
// effect is an Action for the driver (see events.h for the ordering rule).
// Untrusted input (any PeerMessage, any ClientRequest) is checked and, when
// bad, dropped and counted in drops() by reason — never an assert.
//
// Protocol (Castro & Liskov 1999, signatures instead of MACs):
//  - normal case (normal_case.cpp): the primary batches requests into
//    pre-prepares; prepared = pre-prepare + quorum-1 prepares; committed-local
//    = prepared + quorum commits; execution strictly in sequence order.
//  - checkpoints (checkpoints.cpp): every k = checkpoint_interval executed
//    sequence numbers; quorum matching checkpoints make it stable; the log at
//    or below it is garbage-collected; sequence numbers are accepted only in
//    (h, h + log_window].
//  - view change (view_change.cpp, new_view.cpp): prepared proofs travel in
//    view-change messages; the new primary re-proposes the highest-view
//    prepared batch for every sequence number, so no committed batch is lost.
//  - state transfer (state_transfer.cpp): a replica that is behind fetches
//    committed batches with their commit certificates and executes them.
//  - requests: one outstanding per client; executed at most once (ids
//    increase per client). A request overdue for request_timeout is first
//    relayed to the primary; overdue again, the replica starts a view change.
//    The last executed id of each client lives in durable state (the
//    ledger); the replica caches at most max_cached_clients of them and
//    reads the others through the ClientLookup (client_table.h).
//
//  - reconfiguration (reconfig.h): membership ops executed in the log take
//    effect at the next checkpoint boundary as a new epoch; the replica
//    resets its log there, renumbers itself by its public key, and retires
//    (does nothing any more) when it is no longer a member. Messages of
//    another epoch are dropped as "wrong_epoch" (state transfer excepted).
//    A learner (RecoveredState::learner) is a newcomer not yet in the
//    epoch: it only fetches and executes certified blocks, and becomes an
//    ordinary replica at the boundary of the epoch that adds it.
//
// The checkpoint digest is a running chain digest over executed batches:
// chain(s) = SHA-256(chain(s-1) || be64(s) || batch digest(s)), chain(0) =
// RecoveredState::chain_digest (the genesis hash). Execution is deterministic,
// so the chain digest stands for the state.
//
// Durable records (Persist actions, table "consensus"):
//   "view"          {"view": v, "active": bool, "vc_max": w, "left_at": s}
//   "slot/<seq:020>" {"pp": pre-prepare accepted in its view, "best": prepared proof | null}
//                    (when "best" proves "pp" itself: "best" = {"prepares"} and "best_of_pp": true)
//   "stable"        {"seq": s, "digest": hex, "proof": [checkpoints]}
// On restart, pass them back in RecoveredState::records.
//
// Thread safety: none; one strand drives one Replica. The Signer and Verifier
// must outlive it.
#pragma once

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mlchain/consensus/client_table.h"
#include "mlchain/consensus/events.h"
#include "mlchain/consensus/reconfig.h"

namespace mlchain::consensus {

struct RecoveredState {
  Seq last_executed = 0;
  Digest chain_digest{};                               // after last_executed
  // No client ids: the replica reads them through its ClientLookup (set_client_lookup).
  std::map<std::string, std::string> records;          // the "consensus" table
  // Reconfiguration state kept by the ledger (absent: the constructor's config).
  std::optional<EpochConfig> config;
  Seq epoch_start = 0;                                 // first seq of the epoch is epoch_start + 1
  Digest epoch_start_digest{};
  std::vector<ConfigChange> pending_changes;           // executed, not yet in effect
  // Not a member of `config` and never was: a newcomer that follows the
  // chain by state transfer until an epoch adds it (then it participates).
  // Without it, a key missing from `config` means the replica left: retired.
  bool learner = false;
};

struct ReplicaStats {
  std::uint64_t view_changes_started = 0;
  std::uint64_t new_views_entered = 0;
  std::uint64_t batches_proposed = 0;
  std::uint64_t batches_executed = 0;
  std::uint64_t batches_fetched = 0;
  std::uint64_t fetches_sent = 0;
  std::uint64_t stable_checkpoints = 0;
  std::uint64_t views_rejoined = 0;  // left an unfinished view change for a lower live view
  std::uint64_t primary_resignations = 0;  // left a view because its primary's view change said it had
};

class Replica {
 public:
  Replica(ReplicaId self, EpochConfig config, ReplicaOptions options, const crypto::Signer& signer,
          const crypto::Verifier& verifier, RecoveredState recovered = {});

  std::vector<Action> step(const Event& event);

  // Which ordered requests are membership changes; default: any request
  // whose op parses as a config op (reconfig.h). Set before the first step.
  void set_config_filter(ConfigFilter filter) { config_filter_ = std::move(filter); }
  // Which requests their clients really sent (types.h); must be the
  // Ledger's. Set before the first step.
  void set_authenticator(RequestAuthenticator a) { authenticator_ = std::move(a); }
  // Where the last executed request id of a client not in memory is read
  // (types.h): the durable state the driver applies Execute actions to.
  // Set before the first step. Unset, the replica keeps every client in
  // memory (it is then the only record; unit tests without a ledger).
  void set_client_lookup(ClientLookup lookup) { clients_.set_lookup(std::move(lookup)); }
  // The last executed request id of `client` (0: none): what dedup compares.
  // An error when the lookup fails.
  Result<std::uint64_t> last_request_id(const std::string& client) const { return clients_.peek(client); }
  const ClientTable& clients() const { return clients_; }

  // Signs a bundle of committed batches for ServeBlocks, attaching (when
  // `with_new_view`, as ServeBlocks::new_view says) the latest new-view
  // message so the receiver can also learn the current view.
  MessagePtr make_block_bundle(std::vector<CommittedBatch> batches, bool with_new_view = true) const;

  ReplicaId id() const { return self_; }
  const EpochConfig& config() const { return config_; }
  View view() const { return view_; }
  bool active() const { return active_; }  // false while changing view
  bool is_primary() const { return config_.primary(view_) == self_; }
  Seq last_executed() const { return last_exec_; }
  Seq stable_seq() const { return h_; }
  const Digest& chain_digest() const { return chain_digest_; }
  const std::map<std::string, std::uint64_t>& drops() const { return drops_; }
  const ReplicaStats& stats() const { return stats_; }
  std::size_t pending_requests() const { return pending_.size(); }
  // Messages held for the view being entered, and their request bytes by
  // sender (each sender's bounded by max_message_bytes).
  std::size_t buffered_messages() const { return buffered_.size(); }
  const std::vector<PeerMessage>& buffered() const { return buffered_; }
  const std::map<ReplicaId, std::size_t>& buffered_bytes() const { return buffered_bytes_; }
  const ByteBudget& budget() const { return budget_; }
  bool retired() const { return retired_; }
  bool learner() const { return learning_; }
  Seq epoch_start() const { return epoch_start_; }
  // The highest seq this replica proposes or votes for: the log window's
  // top, or, while a membership change is pending, its checkpoint boundary
  // (later seqs belong to the next epoch).
  Seq proposal_limit() const;

 private:
  struct Slot {
    std::optional<PrePrepare> pp;              // accepted for the current view
    std::map<ReplicaId, Prepare> prepares;     // current view only
    std::map<ReplicaId, Commit> commits;       // current view only
    Digest digest{};                           // of pp, cached
    std::size_t bytes = 0;                     // request_bytes() of pp, cached
    bool prepared = false;
    bool committed = false;
    std::optional<PreparedProof> best;         // highest-view prepared proof, kept across views
  };

  // --- replica.cpp: plumbing ---
  void emit(Action a) { out_->push_back(std::move(a)); }
  // Both send an already signed message (see signed_()).
  void broadcast(Message m);
  void send_to(ReplicaId to, Message m);
  template <typename T>
  T signed_(T part) const { return signed_part(std::move(part), signer_); }
  void set_timer(TimerKind kind, Micros after);
  void cancel_timer(TimerKind kind);
  void drop(const std::string& reason) { ++drops_[reason]; }
  bool check_sig(const Message& m, ReplicaId signer);
  std::int64_t now_ms() const { return unix_millis(now_); }
  void on_peer(const PeerMessage& pm);
  void dispatch(ReplicaId from, const Message& m);
  std::size_t q() const { return config_.quorum(); }
  // (h, h + L], widened downwards to what we have not executed yet: a
  // stable checkpoint a quorum reached just before us must not strand the
  // batches we were about to commit.
  bool in_window(Seq s) const { return s > std::min(h_, last_exec_) && s <= h_ + opt_.log_window; }

  // --- persistence.cpp ---
  void persist_view();
  void persist_slot(Seq s);
  void persist_stable();
  void erase_slot_record(Seq s);
  void recover(const RecoveredState& r);

  // --- normal_case.cpp ---
  void on_request(const Request& r);
  void maybe_propose(bool flush);
  void propose(std::vector<Request> batch);
  void on_pre_prepare(const PrePrepare& m);
  void accept_pre_prepare(const PrePrepare& m, bool from_new_view);
  void on_prepare(const Prepare& m);
  void on_commit(const Commit& m);
  void check_prepared(Seq s);
  void check_committed(Seq s);
  void try_execute();
  // False (nothing executed) when a client's last id cannot be read.
  [[nodiscard]] bool execute(const PrePrepare& pp, std::vector<Commit> commits);
  void refresh_request_timer();
  void on_request_timer();
  bool note_future_view(ReplicaId from, View v, const Message& m);
  void clear_buffer();
  // request_bytes() of the pre-prepares in the log above the stable
  // checkpoint, but the one at `except` (byte_budget(): inflight).
  std::size_t inflight_bytes(Seq except = 0) const;
  void note_out_of_window(ReplicaId from, Seq seq, const Message& m);

  // --- checkpoints.cpp ---
  void send_checkpoint(Seq s);
  void on_checkpoint(const Checkpoint& m);
  void check_stable(Seq s);
  void make_stable(Seq s, const Digest& d, std::vector<Checkpoint> proof);
  bool valid_checkpoint_proof(Seq s, const Digest& d, const std::vector<Checkpoint>& proof);

  // --- view_change.cpp ---
  void start_view_change(View target);
  void on_view_change_timer();
  // Replicas whose latest view change we hold is for view_ or above
  // (ourselves included): the ones leaving the views below with us.
  std::size_t view_change_support() const;
  Micros view_change_wait() const;
  ViewChange build_view_change(View target) const;
  void on_view_change(const ViewChange& m);
  bool valid_view_change(const ViewChange& m);
  bool valid_prepared_proof(const PreparedProof& p, View below, Seq stable_seq);
  void maybe_join_higher_view();
  void rejoin_view(View v);
  // Commits are withheld in a view below the highest view we ever sent a
  // view change for: those view changes may be used in a new view and do not
  // report what we would commit here (see rejoin_view()).
  bool muted() const { return view_ < vc_max_; }

  // --- new_view.cpp ---
  void try_send_new_view();
  std::optional<std::vector<PrePrepare>> compute_new_view_pps(View v, const std::vector<ViewChange>& vcs,
                                                             Seq* min_s) const;
  void on_new_view(const NewView& m);
  void enter_view(const NewView& nv);

  // --- reconfig (normal_case.cpp / persistence.cpp) ---
  void switch_epoch(EpochConfig next);

  // --- state_transfer.cpp ---
  bool behind() const;
  void maybe_schedule_fetch();
  void on_fetch_timer();
  void send_fetch();
  void on_fetch(const FetchBlocks& m, ReplicaId from);
  void on_bundle(const BlockBundle& m, ReplicaId from);
  bool valid_commit_certificate(const PrePrepare& pp, const std::vector<Commit>& commits);

  ReplicaId self_;
  EpochConfig config_;
  ReplicaOptions opt_;
  const crypto::Signer& signer_;
  const crypto::Verifier& verifier_;

  TimePoint now_{};
  std::vector<Action>* out_ = nullptr;

  View view_ = 0;
  bool active_ = true;
  unsigned vc_attempts_ = 0;
  View vc_max_ = 0;                                  // highest view we sent a view change for
  Seq left_at_ = 0;                                  // last_exec_ when we last left an active view
  Seq last_exec_ = 0;
  Digest chain_digest_{};
  Seq h_ = 0;
  Digest stable_digest_{};
  std::vector<Checkpoint> stable_proof_;
  Seq next_seq_ = 1;
  std::int64_t last_pp_time_ = 0;

  std::map<Seq, Slot> log_;
  std::map<Seq, std::map<ReplicaId, Checkpoint>> checkpoints_;
  ClientTable clients_;                              // last executed id per client, bounded
  struct Pending {
    Request request;
    TimePoint since;         // arrival, or the start of the current view
    bool forwarded = false;  // relayed to the primary once already in this view
    std::uint64_t arrival = 0;  // order of arrival: batches take the oldest first
  };
  std::uint64_t arrivals_ = 0;
  TimePoint last_progress_{};  // when we last executed a batch
  // New views entered since we last executed a batch. The request timeout
  // doubles with each (up to 64x) and resets on execution: when a view's
  // first batch cannot commit within request_timeout (large batches on a
  // loaded machine), view after view would time out alike; backing off, as
  // the view-change timeout does, lets a later view get through (partial
  // synchrony: delays are bounded but unknown).
  unsigned views_without_progress_ = 0;
  Micros request_timeout() const { return opt_.request_timeout * (1 << std::min(views_without_progress_, 6u)); }
  std::map<std::string, Pending> pending_;           // one outstanding request per client
  std::map<std::string, std::uint64_t> proposed_;    // client -> request id given a seq in this view
  std::map<ReplicaId, ViewChange> vc_latest_;        // each sender's highest view change
  std::optional<NewView> latest_nv_;
  std::vector<PeerMessage> buffered_;                // for the view we are moving to (verified)
  std::map<ReplicaId, std::size_t> buffered_bytes_;  // per sender, bounded by max_message_bytes
  ByteBudget budget_;                                // for config_'s n
  std::map<ReplicaId, View> ahead_view_;             // senders seen in a higher view
  std::map<ReplicaId, Seq> ahead_seq_;               // highest seq each sender is known to have reached
  std::array<bool, kTimerKinds> timer_set_{};
  Seq fetch_mark_ = 0;                               // last_exec_ when the fetch timer was armed
  std::map<ReplicaId, Epoch> ahead_epoch_;           // senders claiming a later epoch (unverified)
  std::vector<ConfigChange> pending_changes_;
  Seq epoch_start_ = 0;
  Digest epoch_start_digest_{};
  bool retired_ = false;
  bool learning_ = false;
  ConfigFilter config_filter_;
  RequestAuthenticator authenticator_;
  ReplicaId fetch_peer_ = 0;
  std::map<ReplicaId, std::pair<TimePoint, unsigned>> serves_;  // on_fetch rate, per peer
  std::map<ReplicaId, TimePoint> new_view_served_;              // when latest_nv_ last rode a bundle to each peer

  std::map<std::string, std::uint64_t> drops_;
  ReplicaStats stats_;
};

}  // namespace mlchain::consensus
