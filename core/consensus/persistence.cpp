// Durable replica records: what a replica must remember across a crash so it
// never contradicts itself (the view it moved to, the pre-prepare it accepted
// for a sequence number, the prepared proofs a view change must carry) and
// the stable checkpoint it can prove. Executed state lives in the ledger.
#include <algorithm>
#include <cstdio>

#include "mlchain/codec/fields.h"
#include "mlchain/consensus/replica.h"

namespace mlchain::consensus {
namespace {

std::string slot_key(Seq s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "slot/%020llu", static_cast<unsigned long long>(s));
  return buf;
}

std::string dump(const codec::Json& j) {
  auto t = codec::canonical(j);
  return t.ok() ? *t : std::string("{}");
}

}  // namespace

void Replica::persist_view() {
  emit(Persist{"view", dump({{"view", view_}, {"active", active_}, {"vc_max", vc_max_}, {"left_at", left_at_}}),
               false});
}

namespace {

bool same_pre_prepare(const PrePrepare& a, const PrePrepare& b) {
  return a.epoch == b.epoch && a.view == b.view && a.seq == b.seq && a.time_ms == b.time_ms &&
         a.replica == b.replica && a.sig == b.sig && a.requests == b.requests;
}

}  // namespace

// A slot's record: {"pp", "best"}. When the best proof is of the slot's own
// pre-prepare (the normal case: it just prepared), "best" holds only the
// prepares and "best_of_pp" says so, so the batch's requests are written
// once, not twice (the record is rewritten when the slot prepares, on every
// replica, for every batch). Records of either shape are read back.
void Replica::persist_slot(Seq s) {
  auto it = log_.find(s);
  if (it == log_.end()) return;
  const Slot& slot = it->second;
  codec::Json j = {{"pp", slot.pp ? to_json(Message(*slot.pp)) : codec::Json(nullptr)}};
  if (slot.best && slot.pp && same_pre_prepare(slot.best->pre_prepare, *slot.pp)) {
    codec::Json prepares = codec::Json::array();
    for (const auto& p : slot.best->prepares) prepares.push_back(to_json(Message(p)));
    j["best"] = {{"prepares", std::move(prepares)}};
    j["best_of_pp"] = true;
  } else {
    j["best"] = slot.best ? proof_to_json(*slot.best) : codec::Json(nullptr);
  }
  emit(Persist{slot_key(s), dump(j), false});
}

void Replica::erase_slot_record(Seq s) { emit(Persist{slot_key(s), {}, true}); }

void Replica::persist_stable() {
  codec::Json proof = codec::Json::array();
  for (const auto& c : stable_proof_) proof.push_back(to_json(Message(c)));
  emit(Persist{"stable", dump({{"seq", h_}, {"digest", to_hex(stable_digest_)}, {"proof", std::move(proof)}}), false});
}

// Records come from our own store; a record that does not parse is skipped
// (the replica then knows less, which is safe: it only refuses to vote).
void Replica::recover(const RecoveredState& r) {
  last_exec_ = r.last_executed;
  chain_digest_ = r.chain_digest;
  if (auto it = r.records.find("stable"); it != r.records.end()) {
    auto j = codec::parse(it->second);
    if (j.ok()) {
      auto seq = codec::get_uint(*j, "seq");
      auto digest = codec::get_hex(*j, "digest", 32);
      auto proof = codec::get_array(*j, "proof", kMaxMembers);
      if (seq.ok() && digest.ok() && proof.ok()) {
        std::vector<Checkpoint> cps;
        for (const auto& c : *proof) {
          auto m = from_json(c);
          if (m.ok() && std::holds_alternative<Checkpoint>(*m)) cps.push_back(std::get<Checkpoint>(*m));
        }
        h_ = *seq;
        std::copy(digest->begin(), digest->end(), stable_digest_.begin());
        stable_proof_ = std::move(cps);
      }
    }
  }
  if (r.config) {
    config_ = *r.config;
    epoch_start_ = r.epoch_start;
    epoch_start_digest_ = r.epoch_start_digest;
    pending_changes_ = r.pending_changes;
  } else {
    epoch_start_digest_ = last_exec_ == 0 ? chain_digest_ : Digest{};
  }
  if (auto me = config_.index_of(signer_.public_key())) {
    self_ = *me;
  } else if (r.learner) {
    learning_ = true;
    self_ = static_cast<ReplicaId>(config_.n());  // no id of its own yet
  } else {
    retired_ = !config_.members.empty() && r.config.has_value();
  }
  // A stable checkpoint from an older epoch, or one we cannot prove, is
  // replaced by the start of the epoch (which needs no proof).
  if (h_ <= epoch_start_ || stable_proof_.empty()) {
    h_ = epoch_start_;
    stable_digest_ = epoch_start_digest_;
    stable_proof_.clear();
  }
  if (auto it = r.records.find("view"); it != r.records.end()) {
    auto j = codec::parse(it->second);
    if (j.ok()) {
      auto v = codec::get_uint(*j, "view");
      auto a = codec::get_bool(*j, "active");
      if (v.ok()) view_ = *v;
      if (a.ok()) active_ = *a;
      // Older records have neither: we sent view changes up to view_ at most
      // (or only the current one when inactive), and left at what we executed.
      auto w = codec::get_uint(*j, "vc_max");
      auto l = codec::get_uint(*j, "left_at");
      vc_max_ = w.ok() ? std::max(view_, *w) : view_;
      left_at_ = l.ok() ? std::min(*l, last_exec_) : last_exec_;
    }
  }
  for (auto it = r.records.lower_bound("slot/"); it != r.records.end() && it->first.rfind("slot/", 0) == 0; ++it) {
    auto j = codec::parse(it->second);
    if (!j.ok()) continue;
    Slot slot;
    if (j->contains("pp") && !j->at("pp").is_null()) {
      auto m = from_json(j->at("pp"));
      if (m.ok() && std::holds_alternative<PrePrepare>(*m)) {
        slot.pp = std::get<PrePrepare>(*m);
        slot.bytes = request_bytes(slot.pp->requests);
      }
    }
    if (j->contains("best") && !j->at("best").is_null()) {
      codec::Json best = j->at("best");
      if (j->contains("best_of_pp") && j->at("best_of_pp") == true) {
        // The prepares alone; their pre-prepare is the slot's own.
        if (j->contains("pp") && best.is_object()) best["pre_prepare"] = j->at("pp");
      }
      auto p = proof_from_json(best);
      if (p.ok()) slot.best = std::move(p).value();
    }
    Seq s = slot.pp ? slot.pp->seq : (slot.best ? slot.best->pre_prepare.seq : 0);
    if (s <= h_) continue;
    // A record of an earlier epoch: a crash came between the switch block
    // (durable with the ledger) and the erasure of the old log. Its views and
    // votes mean nothing in this epoch, and kept it would block the new
    // epoch's pre-prepare for the same seq (and spoil our view changes).
    Epoch e = slot.pp ? slot.pp->epoch : slot.best->pre_prepare.epoch;
    if (e != config_.epoch || (slot.best && slot.best->pre_prepare.epoch != config_.epoch)) continue;
    // A pre-prepare from an older view binds nothing now; keep only its proof.
    if (slot.pp && slot.pp->view != view_) slot.pp.reset();
    if (slot.pp && slot.pp->replica == self_) last_pp_time_ = std::max(last_pp_time_, slot.pp->time_ms);
    if (slot.pp || slot.best) log_[s] = std::move(slot);
  }
  next_seq_ = std::max(last_exec_, h_) + 1;
  for (const auto& [s, slot] : log_)
    if (slot.pp) next_seq_ = std::max(next_seq_, s + 1);
}

}  // namespace mlchain::consensus
