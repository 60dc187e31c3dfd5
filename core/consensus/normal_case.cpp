// Normal-case operation: requests, batching by the primary, pre-prepare /
// prepare / commit, and in-order execution.
#include <algorithm>

#include "mlchain/consensus/reconfig.h"
#include "mlchain/consensus/replica.h"

namespace mlchain::consensus {
namespace {

Digest next_chain_digest(const Digest& prev, Seq s, const Digest& batch) {
  crypto::Sha256 h;
  h.update(ByteView(prev.data(), prev.size()));
  std::array<std::uint8_t, 8> be{};
  for (int i = 0; i < 8; ++i) be[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(s >> (56 - 8 * i));
  h.update(ByteView(be.data(), be.size()));
  h.update(ByteView(batch.data(), batch.size()));
  return h.finish();
}

bool valid_request(const Request& r) {
  return !r.client.empty() && r.client.size() <= kMaxClientIdBytes && r.op.size() <= kMaxOpBytes && r.id > 0;
}

}  // namespace

void Replica::on_request(const Request& r) {
  if (learning_) return drop("learner");
  if (!valid_request(r)) return drop("bad_request");
  // Refused before ordering: a request its client did not send must not
  // take a sequence number, nor the client's place in pending_.
  if (!is_authentic(r, authenticator_)) return drop("unauthenticated_request");
  auto last = clients_.last(r.client);
  if (!last.ok()) return drop("client_lookup_failed");  // refused; the client retries
  if (r.id <= *last) {
    if (r.id == *last) emit(ResendReply{r.client, r.id});
    else drop("old_request");
    return;
  }
  auto it = pending_.find(r.client);
  if (it != pending_.end() && it->second.request.id >= r.id) return;
  // Bounded: fresh client keys are free to make; a flood of them is refused
  // here (the client retries) rather than growing pending_ without end.
  if (it == pending_.end() && pending_.size() >= opt_.max_pending) return drop("pending_full");
  pending_[r.client] = Pending{r, now_, false, ++arrivals_};
  if (active_ && !timer_set_[static_cast<std::size_t>(TimerKind::kRequest)]) refresh_request_timer();
  maybe_propose(false);
}

void Replica::refresh_request_timer() {
  if (!active_ || pending_.empty()) return cancel_timer(TimerKind::kRequest);
  TimePoint oldest = now_;
  for (const auto& [c, p] : pending_) oldest = std::min(oldest, p.since);
  auto due = oldest + request_timeout();
  Micros after = due > now_ ? std::chrono::duration_cast<Micros>(due - now_) : Micros(1);
  set_timer(TimerKind::kRequest, after);
}

// A request overdue for the first time in this view may simply never have
// reached the primary (a client that talked only to us): relay it once and
// give the primary another timeout. Overdue again: the primary is faulty.
void Replica::on_request_timer() {
  if (!active_ || pending_.empty()) return;
  std::vector<Request> relay;
  bool overdue_again = false;
  // A layer that executed a batch within the timeout is not stalled: under
  // a backlog (large ops, many clients) requests wait their turn, and
  // suspecting the primary then only adds view changes (each one carrying
  // the backlog) to the backlog. A request overdue that long while batches
  // execute is starved instead: after 4 timeouts it counts too.
  const Micros timeout = request_timeout();
  bool progressing = now_ - last_progress_ < timeout;
  for (auto& [client, p] : pending_) {
    if (now_ - p.since < timeout) continue;
    if (progressing && now_ - p.since < 4 * timeout) continue;
    if (p.forwarded || is_primary()) {
      overdue_again = true;
    } else {
      p.forwarded = true;
      p.since = now_;
      relay.push_back(p.request);
    }
  }
  if (overdue_again) return start_view_change(view_ + 1);
  for (auto& r : relay) send_to(config_.primary(view_), signed_(ForwardedRequest{std::move(r), self_, {}}));
  refresh_request_timer();
}

void Replica::maybe_propose(bool flush) {
  if (!active_ || !is_primary()) return;
  std::vector<const Pending*> waiting;
  for (const auto& [client, p] : pending_) {
    auto it = proposed_.find(client);
    if (it != proposed_.end() && it->second >= p.request.id) continue;
    waiting.push_back(&p);
  }
  // Oldest first: batches cut by bytes must not starve clients whose names
  // sort last.
  std::sort(waiting.begin(), waiting.end(), [](const Pending* a, const Pending* b) { return a->arrival < b->arrival; });
  std::vector<Request> todo;
  todo.reserve(waiting.size());
  for (const auto* p : waiting) todo.push_back(p->request);
  std::size_t i = 0;
  Seq limit = proposal_limit();
  std::size_t inflight = inflight_bytes();
  bool over_budget = false;
  while (i < todo.size() && next_seq_ <= limit) {
    // Cut by count and by bytes (byte_budget()); one request always fits.
    std::size_t take = 0, bytes = 0;
    while (i + take < todo.size() && take < opt_.batch_size) {
      std::size_t b = request_bytes(todo[i + take]);
      if (take > 0 && bytes + b > budget_.batch) break;
      bytes += b;
      ++take;
    }
    bool full = i + take < todo.size();  // cut by count or bytes: more are waiting
    bool idle = opt_.propose_when_idle && next_seq_ == last_exec_ + 1;  // nothing proposed in flight
    if (!full && take < opt_.batch_size && !flush && opt_.batch_delay.count() > 0 && !idle) break;
    // In flight above the stable checkpoint: wait for the next one (it calls
    // us again) rather than build view changes too large for a link.
    if (inflight > 0 && inflight + bytes > budget_.inflight) {
      over_budget = true;
      break;
    }
    propose(std::vector<Request>(todo.begin() + static_cast<std::ptrdiff_t>(i),
                                 todo.begin() + static_cast<std::ptrdiff_t>(i + take)));
    inflight += bytes;
    i += take;
  }
  // A membership change waits for its boundary: fill the gap with null
  // batches so it takes effect even when no client is sending.
  while (!pending_changes_.empty() && i >= todo.size() && next_seq_ <= limit) propose({});
  // Over the in-flight budget: only a stable checkpoint frees it, so fill up
  // to the next boundary with null batches (no bytes) rather than wait for a
  // checkpoint that would never come.
  if (over_budget) {
    Seq k = opt_.checkpoint_interval;
    Seq boundary = (next_seq_ - 1 + k - 1) / k * k;
    while (next_seq_ <= boundary && next_seq_ <= limit) propose({});
  }
  bool blocked = next_seq_ > limit || over_budget;  // a stable checkpoint (or the new epoch) will call us again
  if (i < todo.size() && !blocked && !timer_set_[static_cast<std::size_t>(TimerKind::kBatch)])
    set_timer(TimerKind::kBatch, opt_.batch_delay);
}

void Replica::propose(std::vector<Request> batch) {
  PrePrepare pp;
  pp.epoch = config_.epoch;
  pp.view = view_;
  pp.seq = next_seq_++;
  pp.time_ms = std::max(now_ms(), last_pp_time_);
  last_pp_time_ = pp.time_ms;
  pp.requests = std::move(batch);
  pp.replica = self_;
  for (const auto& r : pp.requests) proposed_[r.client] = r.id;
  ++stats_.batches_proposed;
  accept_pre_prepare(signed_(std::move(pp)), false);
}

bool Replica::note_future_view(ReplicaId from, View v, const Message& m) {
  if (v < view_ || (v == view_ && active_)) return false;
  if (v == view_) {  // the view we are moving to: keep it for when the new view arrives
    // Only what its sender signed, and at most a message's worth of bytes
    // per sender: one peer cannot fill the buffer with junk or crowd out
    // the others' prepares and commits.
    if (!check_sig(m, from)) return true;
    std::size_t bytes = 256;
    if (const auto* pp = std::get_if<PrePrepare>(&m)) bytes += request_bytes(pp->requests);
    auto& held = buffered_bytes_[from];
    if (buffered_.size() >= opt_.max_buffered || held + bytes > opt_.max_message_bytes) {
      drop("buffer_full");
      return true;
    }
    held += bytes;
    buffered_.push_back(PeerMessage{from, std::make_shared<const Message>(m)});
    return true;
  }
  if (!check_sig(m, from)) return true;
  ahead_view_[from] = std::max(ahead_view_[from], v);
  drop("future_view");
  maybe_schedule_fetch();
  return true;
}

void Replica::clear_buffer() {
  buffered_.clear();
  buffered_bytes_.clear();
}

std::size_t Replica::inflight_bytes(Seq except) const {
  std::size_t total = 0;
  for (auto it = log_.upper_bound(h_); it != log_.end(); ++it)
    if (it->first != except && it->second.pp) total += it->second.bytes;
  return total;
}

// A vote above our window means its sender's stable checkpoint — executed by
// a quorum — is at least seq - L: evidence that we are behind.
void Replica::note_out_of_window(ReplicaId from, Seq seq, const Message& m) {
  if (seq <= h_ + opt_.log_window || !check_sig(m, from)) return;
  ahead_seq_[from] = std::max(ahead_seq_[from], seq - opt_.log_window);
  maybe_schedule_fetch();
}

void Replica::on_pre_prepare(const PrePrepare& m) {
  if (note_future_view(m.replica, m.view, Message(m))) return;
  if (m.view < view_) return drop("old_view");
  if (m.replica != config_.primary(m.view)) return drop("not_primary");
  if (!in_window(m.seq)) {
    note_out_of_window(m.replica, m.seq, Message(m));
    return drop("out_of_watermarks");
  }
  // The primary's own limit, enforced: above a pending membership change's
  // boundary the seq belongs to the next epoch, and a quorum certificate of
  // this epoch there would be a ghost block (valid signatures, never executed).
  if (m.seq > proposal_limit()) return drop("above_proposal_limit");
  if (m.requests.size() > opt_.batch_size) return drop("batch_too_large");
  // Byte budgets (byte_budget()): a batch over its budget could not travel
  // inside a view change; in flight above our checkpoint, twice the
  // primary's budget, so our own view change stays within its link.
  std::size_t bytes = request_bytes(m.requests);
  if (bytes > budget_.batch) return drop("batch_too_large");
  if (inflight_bytes(m.seq) + bytes > 2 * budget_.inflight) return drop("inflight_budget");
  std::vector<std::string_view> clients;
  for (const auto& r : m.requests) {
    if (!valid_request(r)) return drop("bad_batch");
    clients.push_back(r.client);
  }
  std::sort(clients.begin(), clients.end());
  if (std::adjacent_find(clients.begin(), clients.end()) != clients.end()) return drop("bad_batch");
  auto skew = std::chrono::duration_cast<Millis>(opt_.max_clock_skew).count();
  if (m.time_ms > now_ms() + skew || m.time_ms < now_ms() - skew) return drop("time_out_of_bounds");
  if (!check_sig(Message(m), m.replica)) return;
  // A primary that orders requests their clients never sent is faulty: no
  // prepare (the request timer then replaces it).
  for (const auto& r : m.requests)
    if (!is_authentic(r, authenticator_)) return drop("unauthenticated_in_batch");
  accept_pre_prepare(m, false);
}

void Replica::accept_pre_prepare(const PrePrepare& m, bool from_new_view) {
  Slot& s = log_[m.seq];
  Digest d = m.digest();
  if (s.pp && s.pp->view == m.view) {
    if (s.digest != d) drop("conflicting_pre_prepare");
    return;
  }
  s.pp = m;
  s.digest = d;
  s.bytes = request_bytes(m.requests);
  s.prepared = false;
  s.committed = false;
  persist_slot(m.seq);
  if (self_ != config_.primary(m.view)) {
    Prepare p = signed_(Prepare{config_.epoch, m.view, m.seq, d, self_, {}});
    s.prepares[self_] = p;
    broadcast(p);
  } else if (!from_new_view) {
    broadcast(m);  // in a new view the pre-prepares travel inside the new-view message
  }
  check_prepared(m.seq);
}

void Replica::on_prepare(const Prepare& m) {
  if (note_future_view(m.replica, m.view, Message(m))) return;
  if (m.view < view_) return drop("old_view");
  if (m.replica == config_.primary(m.view)) return drop("prepare_from_primary");
  if (!in_window(m.seq)) {
    note_out_of_window(m.replica, m.seq, Message(m));
    return drop("out_of_watermarks");
  }
  if (!check_sig(Message(m), m.replica)) return;
  Slot& s = log_[m.seq];
  if (s.prepares.count(m.replica)) return drop("duplicate_vote");
  s.prepares[m.replica] = m;
  check_prepared(m.seq);
}

void Replica::on_commit(const Commit& m) {
  if (note_future_view(m.replica, m.view, Message(m))) return;
  if (m.view < view_) {
    // Changing view alone while others still commit in a lower view: their
    // commits above what we executed are evidence we are behind (f + 1 of
    // them make us fetch; a bundle committed in that view then lets us
    // rejoin it, rejoin_view()). Checked before it counts.
    if (!active_ && m.seq > last_exec_ && m.seq > ahead_seq_[m.replica] && check_sig(Message(m), m.replica)) {
      ahead_seq_[m.replica] = m.seq;
      maybe_schedule_fetch();
    }
    return drop("old_view");
  }
  if (!in_window(m.seq)) {
    note_out_of_window(m.replica, m.seq, Message(m));
    return drop("out_of_watermarks");
  }
  if (!check_sig(Message(m), m.replica)) return;
  Slot& s = log_[m.seq];
  if (s.commits.count(m.replica)) return drop("duplicate_vote");
  s.commits[m.replica] = m;
  check_committed(m.seq);
}

void Replica::check_prepared(Seq seq) {
  auto it = log_.find(seq);
  if (it == log_.end()) return;
  Slot& s = it->second;
  if (!s.pp || s.prepared || s.pp->view != view_ || !active_) return;
  ReplicaId primary = config_.primary(view_);
  PreparedProof proof{*s.pp, {}};
  for (const auto& [r, p] : s.prepares)
    if (r != primary && p.view == view_ && p.digest == s.digest) proof.prepares.push_back(p);
  if (proof.prepares.size() + 1 < q()) return;
  s.prepared = true;
  s.best = std::move(proof);
  persist_slot(seq);
  if (!muted()) {
    Commit c = signed_(Commit{config_.epoch, view_, seq, s.digest, self_, {}});
    s.commits[self_] = c;
    broadcast(c);
  }
  check_committed(seq);
}

void Replica::check_committed(Seq seq) {
  auto it = log_.find(seq);
  if (it == log_.end()) return;
  Slot& s = it->second;
  if (!s.prepared || s.committed) return;
  std::size_t n = 0;
  for (const auto& [r, c] : s.commits)
    if (c.view == s.pp->view && c.digest == s.digest) ++n;
  if (n < q()) return;
  s.committed = true;
  try_execute();
}

void Replica::try_execute() {
  while (true) {
    auto it = log_.find(last_exec_ + 1);
    if (it == log_.end() || !it->second.committed) break;
    const Slot& s = it->second;
    std::vector<Commit> cert;
    for (const auto& [r, c] : s.commits)
      if (c.view == s.pp->view && c.digest == s.digest && cert.size() < q()) cert.push_back(c);
    if (!execute(*s.pp, std::move(cert))) break;  // retried on a later commit or bundle
  }
  maybe_schedule_fetch();
}

bool Replica::execute(const PrePrepare& pp, std::vector<Commit> commits) {
  Seq s = pp.seq;
  // Every client's last id first, before anything changes: a store that
  // cannot be read holds the batch back rather than have us guess whether a
  // request is new (the ledger decides that from the same rows). Nothing is
  // evicted within a step, so these stay cached through the loop below.
  for (const auto& r : pp.requests) {
    if (is_authentic(r, authenticator_) && !clients_.last(r.client).ok()) {
      drop("client_lookup_failed");
      return false;
    }
  }
  chain_digest_ = next_chain_digest(chain_digest_, s, pp.digest());
  last_exec_ = s;
  last_progress_ = now_;
  views_without_progress_ = 0;
  for (const auto& r : pp.requests) {
    // Ordered anyway (a new view re-proposing it, a certified bundle): it
    // executes as a refused no-op and leaves the client's ids alone.
    if (!is_authentic(r, authenticator_)) continue;
    std::uint64_t last = clients_.last(r.client).value_or(0);  // cached just above
    if (r.id > last) {
      if (auto change = config_change_of(r, config_filter_, config_)) pending_changes_.push_back(std::move(*change));
      last = r.id;
      clients_.advance(r.client, last, s);  // dirty until the driver applies this batch
    }
    if (auto it = pending_.find(r.client); it != pending_.end() && it->second.request.id <= last) pending_.erase(it);
    if (auto it = proposed_.find(r.client); it != proposed_.end() && it->second <= last) proposed_.erase(it);
  }
  Execute e{config_.epoch, s, pp, std::move(commits), chain_digest_, std::nullopt};
  bool boundary = s % opt_.checkpoint_interval == 0;
  if (boundary && !pending_changes_.empty()) {
    e.next_epoch = next_epoch(config_, pending_changes_);
    pending_changes_.clear();
  }
  auto next = e.next_epoch;
  emit(std::move(e));
  ++stats_.batches_executed;
  if (next) {
    switch_epoch(std::move(*next));
    return true;
  }
  if (boundary && !learning_) send_checkpoint(s);
  refresh_request_timer();
  next_seq_ = std::max(next_seq_, last_exec_ + 1);
  if (!pending_changes_.empty()) maybe_propose(false);  // fill up to the boundary
  return true;
}

// A pending membership change freezes proposals at the boundary where it
// takes effect: later sequence numbers belong to the next epoch.
Seq Replica::proposal_limit() const {
  Seq limit = h_ + opt_.log_window;
  if (!pending_changes_.empty()) {
    Seq k = opt_.checkpoint_interval;
    limit = std::min(limit, (last_exec_ + k - 1) / k * k);
  }
  return limit;
}

void Replica::switch_epoch(EpochConfig next) {
  for (const auto& [seq, slot] : log_) erase_slot_record(seq);
  log_.clear();
  checkpoints_.clear();
  vc_latest_.clear();
  clear_buffer();
  ahead_view_.clear();
  ahead_seq_.clear();
  ahead_epoch_.clear();
  proposed_.clear();
  latest_nv_.reset();
  config_ = std::move(next);
  budget_ = byte_budget(opt_, config_.n());
  epoch_start_ = last_exec_;
  epoch_start_digest_ = chain_digest_;
  h_ = last_exec_;
  stable_digest_ = chain_digest_;
  stable_proof_.clear();
  next_seq_ = last_exec_ + 1;
  active_ = true;
  vc_attempts_ = 0;
  vc_max_ = view_;  // our view changes of the old epoch are void in the new one
  left_at_ = last_exec_;
  for (auto kind : {TimerKind::kBatch, TimerKind::kViewChange, TimerKind::kFetch}) cancel_timer(kind);
  auto me = config_.index_of(signer_.public_key());
  if (!me && learning_) {
    self_ = static_cast<ReplicaId>(config_.n());  // still waiting for the epoch that adds us
    maybe_schedule_fetch();
    return;
  }
  if (!me) {
    cancel_timer(TimerKind::kRequest);
    retired_ = true;
    return;
  }
  learning_ = false;
  self_ = *me;
  persist_view();
  for (auto& [c, p] : pending_) {
    p.since = now_;
    p.forwarded = false;
  }
  refresh_request_timer();
  maybe_propose(false);
}

}  // namespace mlchain::consensus
