// Checkpoints, stable checkpoints, watermarks and log garbage collection.
#include <algorithm>

#include "mlchain/consensus/replica.h"

namespace mlchain::consensus {

void Replica::send_checkpoint(Seq s) {
  Checkpoint c = signed_(Checkpoint{config_.epoch, s, chain_digest_, self_, {}});
  checkpoints_[s][self_] = c;
  broadcast(c);
  check_stable(s);
}

void Replica::on_checkpoint(const Checkpoint& m) {
  if (m.seq == 0 || m.seq % opt_.checkpoint_interval != 0) return drop("bad_checkpoint_seq");
  if (m.seq <= h_) return drop("old_checkpoint");
  // Far ahead of us: we are lagging. Keep bounded memory.
  if (m.seq > h_ + 16 * opt_.log_window) return drop("out_of_watermarks");
  if (!check_sig(Message(m), m.replica)) return;
  auto& at = checkpoints_[m.seq];
  if (at.count(m.replica)) return drop("duplicate_vote");
  at[m.replica] = m;
  ahead_seq_[m.replica] = std::max(ahead_seq_[m.replica], m.seq);
  check_stable(m.seq);
  maybe_schedule_fetch();
}

void Replica::check_stable(Seq s) {
  auto it = checkpoints_.find(s);
  if (it == checkpoints_.end() || s <= h_) return;
  std::map<Digest, std::vector<Checkpoint>> by_digest;
  for (const auto& [r, c] : it->second) by_digest[c.digest].push_back(c);
  for (auto& [d, cps] : by_digest) {
    if (cps.size() < q()) continue;
    cps.resize(q());
    make_stable(s, d, std::move(cps));
    return;
  }
}

void Replica::make_stable(Seq s, const Digest& d, std::vector<Checkpoint> proof) {
  if (s <= h_) return;
  if (s <= last_exec_ && s % opt_.checkpoint_interval == 0) {
    // Our own execution must agree with a quorum; if not, our state is
    // corrupt. We cannot repair that here; count it loudly.
    auto own = checkpoints_[s].find(self_);
    if (own != checkpoints_[s].end() && own->second.digest != d) drop("LOCAL_STATE_DIVERGED");
  }
  h_ = s;
  stable_digest_ = d;
  stable_proof_ = std::move(proof);
  ++stats_.stable_checkpoints;
  persist_stable();
  for (auto it = log_.begin(); it != log_.end() && it->first <= std::min(s, last_exec_);) {
    erase_slot_record(it->first);
    it = log_.erase(it);
  }
  checkpoints_.erase(checkpoints_.begin(), checkpoints_.upper_bound(s));
  if (last_exec_ < s) maybe_schedule_fetch();
  maybe_propose(false);
}

bool Replica::valid_checkpoint_proof(Seq s, const Digest& d, const std::vector<Checkpoint>& proof) {
  // The start of the epoch needs no proof: every member executed up to it
  // (genesis, or the boundary where the membership changed).
  if (s == epoch_start_) return s == 0 || d == epoch_start_digest_;
  if (s < epoch_start_ || s % opt_.checkpoint_interval != 0) return false;
  std::vector<ReplicaId> seen;
  for (const auto& c : proof) {
    if (c.epoch != config_.epoch || c.seq != s || c.digest != d) return false;
    if (std::find(seen.begin(), seen.end(), c.replica) != seen.end()) return false;
    if (!check_sig(Message(c), c.replica)) return false;
    seen.push_back(c.replica);
  }
  return seen.size() >= q();
}

}  // namespace mlchain::consensus
