// State transfer: a replica that is behind (a gap it cannot fill from its log,
// a stable checkpoint above what it executed, f+1 peers in a higher view or
// past its sequence numbers) asks one peer at a time for committed batches.
// Each batch carries a quorum commit certificate, so one honest answer is
// enough and a faulty peer can only waste a round trip.
#include <algorithm>
#include <set>

#include "mlchain/consensus/replica.h"

namespace mlchain::consensus {

bool Replica::behind() const {
  if (learning_) return true;  // until an epoch adds us
  if (config_.n() <= 1) return false;
  if (last_exec_ < h_) return true;
  for (auto it = log_.upper_bound(last_exec_ + 1); it != log_.end(); ++it)
    if (it->second.committed) return true;
  std::size_t need = config_.f() + 1;
  std::size_t seq_ahead = 0, view_ahead = 0;
  for (const auto& [r, s] : ahead_seq_)
    if (r != self_ && s > last_exec_) ++seq_ahead;
  for (const auto& [r, v] : ahead_view_)
    if (r != self_ && v > view_) ++view_ahead;
  std::size_t epoch_ahead = 0;
  for (const auto& [r, e] : ahead_epoch_)
    if (e > config_.epoch) ++epoch_ahead;
  return seq_ahead >= need || view_ahead >= need || epoch_ahead >= need;
}

void Replica::maybe_schedule_fetch() {
  if (timer_set_[static_cast<std::size_t>(TimerKind::kFetch)] || !behind()) return;
  fetch_mark_ = last_exec_;
  set_timer(TimerKind::kFetch, opt_.fetch_timeout);
}

void Replica::on_fetch_timer() {
  if (!behind()) return;
  // Progress since the timer was armed means the normal case is catching us
  // up; only a stalled replica fetches.
  if (last_exec_ == fetch_mark_) send_fetch();
  fetch_mark_ = last_exec_;
  set_timer(TimerKind::kFetch, opt_.fetch_timeout);
}

void Replica::send_fetch() {
  auto n = static_cast<ReplicaId>(config_.n());
  // A member alone has nobody to ask. A learner has: every member (n = 1
  // included: a layer founded by one node grows by its first join, and the
  // learner must keep asking until it has replayed the switch that adds it).
  if (n == 0 || (n <= 1 && !learning_)) return;
  ReplicaId pick = self_;
  // Prefer, round robin, a peer known to be ahead of us.
  for (ReplicaId k = 1; k <= n && pick == self_; ++k) {
    ReplicaId r = (fetch_peer_ + k) % n;
    if (r == self_) continue;
    auto s = ahead_seq_.find(r);
    auto v = ahead_view_.find(r);
    if ((s != ahead_seq_.end() && s->second > last_exec_) || (v != ahead_view_.end() && v->second > view_)) pick = r;
  }
  if (pick == self_) {
    pick = (fetch_peer_ + 1) % n;
    if (pick == self_) pick = (pick + 1) % n;
  }
  fetch_peer_ = pick;
  ++stats_.fetches_sent;
  send_to(pick, signed_(FetchBlocks{config_.epoch, last_exec_ + 1, self_, {}, view_, !active_}));
}

void Replica::on_fetch(const FetchBlocks& m, ReplicaId from) {
  if (!check_sig(Message(m), from)) return;
  // Our latest new-view helps an asker in a lower view, or changing into its
  // view; an older asker does not say, so it gets it. It can be nearly a
  // message's worth of prepared batches to encode, send, decode and check:
  // sent to one peer at most once per fetch_timeout. (Attached to every
  // answer, it kept two starved members of a layer with big prepared batches
  // busy re-encoding and re-checking it for minutes: e2e_byzantine under
  // load, docs/reliability.md finding 3.)
  bool tell_view = latest_nv_ && (!m.asker_view || latest_nv_->view > *m.asker_view || (latest_nv_->view == *m.asker_view && m.changing));
  if (tell_view) {
    auto it = new_view_served_.find(from);
    if (it != new_view_served_.end() && now_ - it->second < opt_.fetch_timeout) tell_view = false;
  }
  if (m.from_seq > last_exec_ && !tell_view) return;  // nothing to tell
  // Served on the consensus thread from the ledger: at most max_serves per
  // peer per fetch_timeout, so a member asking in a loop cannot stall us.
  auto& [since, count] = serves_[from];
  if (now_ - since >= opt_.fetch_timeout) {
    since = now_;
    count = 0;
  }
  if (++count > opt_.max_serves) return drop("fetch_rate");
  if (tell_view) new_view_served_[from] = now_;
  emit(ServeBlocks{from, m.from_seq, opt_.max_fetch_blocks, budget_.bundle, tell_view});
}

bool Replica::valid_commit_certificate(const PrePrepare& pp, const std::vector<Commit>& commits) {
  if (commits.empty()) return false;
  Digest d = pp.digest();
  std::set<ReplicaId> voters;
  for (const auto& c : commits) {
    if (c.epoch != config_.epoch || c.seq != pp.seq || c.digest != d || c.view != commits.front().view) return false;
    if (!voters.insert(c.replica).second) return false;
    if (!check_sig(Message(c), c.replica)) return false;
  }
  return voters.size() >= q();
}

void Replica::on_bundle(const BlockBundle& m, ReplicaId from) {
  if (!check_sig(Message(m), from)) return;
  if (!learning_ && m.new_view && m.new_view->epoch == config_.epoch &&
      (m.new_view->view > view_ || (m.new_view->view == view_ && !active_)))
    on_new_view(*m.new_view);
  std::size_t executed = 0;
  std::optional<View> live_view;  // view of the newest batch executed from this bundle
  for (const auto& b : m.batches) {
    const PrePrepare& pp = b.pre_prepare;
    if (pp.seq <= last_exec_) continue;
    if (pp.seq != last_exec_ + 1) {
      drop("bundle_gap");
      break;
    }
    if (!valid_commit_certificate(pp, b.commits)) {
      drop("bad_certificate");
      break;
    }
    Epoch epoch = config_.epoch;
    View cert_view = b.commits.front().view;
    bool after_leaving = pp.seq > left_at_;
    // A learner has no view of its own: it follows the certificates, so it
    // enters its first epoch in the view the layer was committing in.
    if (learning_) view_ = std::max(view_, cert_view);
    if (!execute(pp, b.commits)) break;  // a client's id could not be read: fetched again later
    ++stats_.batches_fetched;
    ++executed;
    if (retired_) return;
    if (config_.epoch == epoch && after_leaving) live_view = cert_view;
    else live_view.reset();
  }
  // A quorum committed in a lower view after we left our last active view:
  // abandon our lone view change and rejoin it (rejoin_view()), then follow
  // the sender's newer view if it has one.
  if (live_view && !active_ && *live_view < view_) {
    rejoin_view(*live_view);
    if (!learning_ && m.new_view && m.new_view->epoch == config_.epoch && m.new_view->view > view_) on_new_view(*m.new_view);
  }
  try_execute();
  // A full bundle: there is probably more; ask the same peer straight away.
  if (executed > 0 && executed >= opt_.max_fetch_blocks && behind()) {
    auto n = static_cast<ReplicaId>(config_.n());
    fetch_peer_ = (from + n - 1) % n;  // send_fetch() starts after fetch_peer_
    send_fetch();
  }
}

}  // namespace mlchain::consensus
