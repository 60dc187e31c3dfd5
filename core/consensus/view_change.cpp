// View change: leaving a view whose primary does not make progress, with the
// proofs (stable checkpoint + prepared certificates) the next primary needs.
#include <algorithm>
#include <set>

#include "mlchain/consensus/replica.h"

namespace mlchain::consensus {

void Replica::start_view_change(View target) {
  if (target < view_ || (target == view_ && active_)) return;
  if (target > view_ || active_) ++stats_.view_changes_started;
  if (active_) left_at_ = last_exec_;
  view_ = target;
  vc_max_ = std::max(vc_max_, target);
  active_ = false;
  cancel_timer(TimerKind::kBatch);
  cancel_timer(TimerKind::kRequest);
  clear_buffer();
  persist_view();
  ViewChange vc = signed_(build_view_change(target));
  vc_latest_[self_] = vc;
  broadcast(vc);
  set_timer(TimerKind::kViewChange, view_change_wait());
  try_send_new_view();
}

// PBFT's liveness rule (Castro & Liskov, OSDI '99, §4.5.2): a replica
// moves on from view change v to v + 1 only when q replicas are changing
// view with it (their view changes for v or above are here) and v's new view
// still has not come. A replica cut off, or alone in suspecting the primary,
// stays at v and says so again each timeout, for peers that missed it.
// Without the rule a cut-off replica ran through views alone, then rejoined
// the quorum's view muted up to its highest view change (rejoin_view): one
// voter fewer, so a primary failure afterwards stalled the layer through
// every view below that one (the soak saw 7 s). With it, it is at most one
// view ahead: the view the quorum goes to next.
void Replica::on_view_change_timer() {
  if (view_change_support() >= q()) {
    ++vc_attempts_;
    return start_view_change(view_ + 1);
  }
  ViewChange vc = signed_(build_view_change(view_));
  vc_latest_[self_] = vc;
  broadcast(vc);
  set_timer(TimerKind::kViewChange, view_change_wait());
}

// Doubles with each view entered without progress, up to 64x.
Micros Replica::view_change_wait() const {
  return Micros(opt_.view_change_timeout.count() << std::min(vc_attempts_, 6u));
}

std::size_t Replica::view_change_support() const {
  std::size_t n = 0;
  for (const auto& [r, vc] : vc_latest_)
    if (vc.new_view >= view_) ++n;
  return n;
}

ViewChange Replica::build_view_change(View target) const {
  ViewChange vc;
  vc.epoch = config_.epoch;
  vc.new_view = target;
  vc.stable_seq = h_;
  vc.stable_digest = h_ == 0 ? Digest{} : stable_digest_;
  if (h_ > epoch_start_) vc.checkpoint_proof = stable_proof_;
  for (const auto& [s, slot] : log_)
    if (s > h_ && s <= h_ + opt_.log_window && slot.best) vc.prepared.push_back(*slot.best);
  vc.replica = self_;
  return vc;
}

void Replica::on_view_change(const ViewChange& m) {
  if (m.new_view < view_ || (m.new_view == view_ && active_)) return drop("old_view");
  if (auto it = vc_latest_.find(m.replica); it != vc_latest_.end() && it->second.new_view >= m.new_view)
    return drop("duplicate_vote");
  if (!valid_view_change(m)) return;
  vc_latest_[m.replica] = m;
  // The primary of our view has left it: nobody will propose in it again,
  // so waiting for f + 1 suspicions (or our own, backed-off, timeout) only
  // stalls the layer. Go to the next view, not to the one it names: a faulty
  // primary can end its own view early, nothing more. (e2e saw a primary
  // starved of CPU suspect itself and the backups follow 11 s later.)
  if (active_ && m.replica == config_.primary(view_) && m.replica != self_ && m.new_view > view_) {
    ++stats_.primary_resignations;
    start_view_change(view_ + 1);
  }
  maybe_join_higher_view();
  if (active_ || m.new_view < view_) return;
  // The quorum is complete now: the new primary gets a whole timeout from
  // here (Castro & Liskov start the timer at this point).
  if (view_change_support() == q())
    set_timer(TimerKind::kViewChange, view_change_wait());
  if (m.new_view == view_) try_send_new_view();
}

bool Replica::valid_view_change(const ViewChange& m) {
  if (m.replica >= config_.n()) {
    drop("not_a_member");
    return false;
  }
  if (m.epoch != config_.epoch) {
    drop("wrong_epoch");
    return false;
  }
  if (!check_sig(Message(m), m.replica)) return false;
  if (!valid_checkpoint_proof(m.stable_seq, m.stable_digest, m.checkpoint_proof)) {
    drop("bad_view_change_checkpoint");
    return false;
  }
  std::set<Seq> seqs;
  for (const auto& p : m.prepared) {
    if (!seqs.insert(p.pre_prepare.seq).second || !valid_prepared_proof(p, m.new_view, m.stable_seq)) {
      drop("bad_prepared_proof");
      return false;
    }
  }
  return true;
}

bool Replica::valid_prepared_proof(const PreparedProof& p, View below, Seq stable_seq) {
  const PrePrepare& pp = p.pre_prepare;
  if (pp.epoch != config_.epoch || pp.view >= below) return false;
  if (pp.seq <= stable_seq || pp.seq > stable_seq + opt_.log_window) return false;
  if (pp.replica != config_.primary(pp.view)) return false;
  if (!check_sig(Message(pp), pp.replica)) return false;
  Digest d = pp.digest();
  std::set<ReplicaId> voters;
  for (const auto& pr : p.prepares) {
    if (pr.epoch != config_.epoch || pr.view != pp.view || pr.seq != pp.seq || pr.digest != d) return false;
    if (pr.replica == pp.replica || !voters.insert(pr.replica).second) return false;
    if (!check_sig(Message(pr), pr.replica)) return false;
  }
  return voters.size() + 1 >= q();
}

// f+1 other replicas want a higher view: at least one correct replica timed
// out, so follow. The (f+1)-th highest wish is one a correct replica holds,
// so f faulty replicas cannot drag us to an arbitrary view.
void Replica::maybe_join_higher_view() {
  std::vector<View> wishes;
  for (const auto& [r, vc] : vc_latest_)
    if (r != self_ && vc.new_view > view_) wishes.push_back(vc.new_view);
  std::size_t need = config_.f() + 1;
  if (wishes.size() < need) return;
  std::sort(wishes.begin(), wishes.end(), std::greater<>());
  start_view_change(wishes[need - 1]);
}

// Rejoining a lower live view (consensus.md). We are changing view alone
// (inactive in view_), and a state-transfer bundle carried a batch committed
// in view v < view_ above the point where we left our last active view: q
// replicas (f + 1 correct) were working in v after we left, so nobody follows
// our higher view and waiting for it would strand us. Join v.
//
// Safety: our earlier view changes for views in (v, vc_max_] may still end
// up in a new-view message, and they do not report anything we prepare in v.
// A batch committed in v without our commit has a commit quorum of other
// replicas, so the usual quorum intersection holds without us; hence we send
// no Commit while view_ < vc_max_ (muted()) but still prepare, execute and
// checkpoint. From view vc_max_ on we vote normally again.
void Replica::rejoin_view(View v) {
  if (active_ || v >= view_) return;
  ++stats_.views_rejoined;
  view_ = v;
  vc_attempts_ = 0;
  cancel_timer(TimerKind::kViewChange);
  clear_buffer();
  for (auto it = log_.begin(); it != log_.end();) {
    Slot& s = it->second;
    if (s.pp && s.pp->view != view_) s.pp.reset();
    s.prepares.clear();
    s.commits.clear();
    s.prepared = false;
    s.committed = false;
    if (!s.pp && !s.best) it = log_.erase(it);
    else ++it;
  }
  active_ = true;
  persist_view();
  proposed_.clear();
  next_seq_ = std::max(h_, last_exec_) + 1;
  for (const auto& [s, slot] : log_)
    if (slot.pp) next_seq_ = std::max(next_seq_, s + 1);
  for (auto& [c, p] : pending_) {
    p.since = now_;
    p.forwarded = false;
  }
  refresh_request_timer();
  for (auto it = vc_latest_.begin(); it != vc_latest_.end();) {
    if (it->first != self_ && it->second.new_view <= view_) it = vc_latest_.erase(it);
    else ++it;
  }
  maybe_propose(false);
  try_execute();
}

}  // namespace mlchain::consensus
