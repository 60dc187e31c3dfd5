// New view: the new primary proves it collected a quorum of view changes and
// re-proposes, for every sequence number above the highest stable checkpoint,
// the batch prepared in the highest view (or a null batch). Backups recompute
// the same pre-prepares from the same view changes, so a faulty primary cannot
// rewrite a prepared (and thus possibly committed) batch.
#include <algorithm>
#include <set>

#include "mlchain/consensus/replica.h"

namespace mlchain::consensus {

std::optional<std::vector<PrePrepare>> Replica::compute_new_view_pps(View v, const std::vector<ViewChange>& vcs,
                                                                    Seq* min_s) const {
  Seq mins = 0;
  for (const auto& vc : vcs) mins = std::max(mins, vc.stable_seq);
  std::map<Seq, std::pair<const PrePrepare*, Digest>> best;
  for (const auto& vc : vcs) {
    for (const auto& p : vc.prepared) {
      const PrePrepare& pp = p.pre_prepare;
      if (pp.seq <= mins) continue;
      Digest d = pp.digest();
      auto it = best.find(pp.seq);
      if (it == best.end() || pp.view > it->second.first->view ||
          (pp.view == it->second.first->view && d < it->second.second))
        best[pp.seq] = {&pp, d};
    }
  }
  Seq maxs = best.empty() ? mins : std::max(mins, best.rbegin()->first);
  if (maxs - mins > opt_.log_window) return std::nullopt;
  std::vector<PrePrepare> out;
  for (Seq s = mins + 1; s <= maxs; ++s) {
    PrePrepare pp;
    pp.epoch = config_.epoch;
    pp.view = v;
    pp.seq = s;
    pp.replica = config_.primary(v);
    if (auto it = best.find(s); it != best.end()) {
      pp.time_ms = it->second.first->time_ms;
      pp.requests = it->second.first->requests;
    }
    out.push_back(std::move(pp));
  }
  *min_s = mins;
  return out;
}

void Replica::try_send_new_view() {
  if (active_ || config_.primary(view_) != self_) return;
  std::vector<ViewChange> vcs;
  for (const auto& [r, vc] : vc_latest_)
    if (vc.new_view == view_ && vcs.size() < q()) vcs.push_back(vc);
  if (vcs.size() < q()) return;
  Seq mins = 0;
  auto pps = compute_new_view_pps(view_, vcs, &mins);
  if (!pps) return;
  NewView nv;
  nv.epoch = config_.epoch;
  nv.view = view_;
  nv.view_changes = std::move(vcs);
  for (auto& pp : *pps) nv.pre_prepares.push_back(signed_(std::move(pp)));
  nv.replica = self_;
  enter_view(signed_(std::move(nv)));
}

void Replica::on_new_view(const NewView& m) {
  if (m.view < view_ || (m.view == view_ && active_)) return drop("old_view");
  if (m.replica != config_.primary(m.view)) return drop("not_primary");
  if (!check_sig(Message(m), m.replica)) return;
  std::set<ReplicaId> senders;
  for (const auto& vc : m.view_changes) {
    if (vc.new_view != m.view || !senders.insert(vc.replica).second) return drop("bad_new_view");
    if (!valid_view_change(vc)) return drop("bad_new_view");
  }
  if (senders.size() < q()) return drop("bad_new_view");
  Seq mins = 0;
  auto expect = compute_new_view_pps(m.view, m.view_changes, &mins);
  if (!expect || expect->size() != m.pre_prepares.size()) return drop("bad_new_view");
  for (std::size_t i = 0; i < expect->size(); ++i) {
    const PrePrepare& got = m.pre_prepares[i];
    const PrePrepare& want = (*expect)[i];
    if (got.epoch != want.epoch || got.view != want.view || got.seq != want.seq || got.replica != want.replica ||
        got.time_ms != want.time_ms || got.requests != want.requests)
      return drop("bad_new_view");
    if (!check_sig(Message(got), got.replica)) return drop("bad_new_view");
  }
  enter_view(m);
}

void Replica::enter_view(const NewView& nv) {
  bool announce = nv.replica == self_;
  view_ = nv.view;
  ++stats_.new_views_entered;
  if (views_without_progress_ < 16) ++views_without_progress_;
  latest_nv_ = nv;
  vc_attempts_ = 0;
  cancel_timer(TimerKind::kViewChange);
  // Adopt the highest stable checkpoint the view changes prove (active_ is
  // still false, so nothing is proposed meanwhile).
  const ViewChange* top = nullptr;
  for (const auto& vc : nv.view_changes)
    if (!top || vc.stable_seq > top->stable_seq) top = &vc;
  if (top && top->stable_seq > h_) make_stable(top->stable_seq, top->stable_digest, top->checkpoint_proof);
  for (auto it = log_.begin(); it != log_.end();) {
    Slot& s = it->second;
    if (s.pp && s.pp->view < view_) s.pp.reset();
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
  Seq maxs = h_;
  for (const auto& pp : nv.pre_prepares) {
    maxs = std::max(maxs, pp.seq);
    for (const auto& r : pp.requests) proposed_[r.client] = std::max(proposed_[r.client], r.id);
    if (pp.seq <= h_) continue;
    // Past a pending membership change's boundary the seq belongs to the
    // next epoch: a batch prepared there before the change executed (or a
    // byzantine primary's ghost) gets no vote of ours in this epoch.
    if (pp.seq > proposal_limit()) {
      drop("above_proposal_limit");
      continue;
    }
    accept_pre_prepare(pp, true);
  }
  if (announce) broadcast(nv);
  next_seq_ = std::max({maxs, h_, last_exec_}) + 1;
  for (auto& [c, p] : pending_) {
    p.since = now_;
    p.forwarded = false;
  }
  refresh_request_timer();
  for (auto it = vc_latest_.begin(); it != vc_latest_.end();) {
    if (it->second.new_view <= view_) it = vc_latest_.erase(it);
    else ++it;
  }
  std::vector<PeerMessage> replay;
  replay.swap(buffered_);
  buffered_bytes_.clear();
  for (const auto& pm : replay) on_peer(pm);
  maybe_propose(false);
  try_execute();
}

}  // namespace mlchain::consensus
