// A hand-pumped cluster of Replicas for unit tests: fake signatures, a FIFO
// of messages the test delivers (or filters), timers fired on demand, and
// the executed batches and persisted records of each replica kept for
// inspection and for serving state transfer. Each replica's executed client
// ids are kept as the ledger keeps them (its `clients` table) and read back
// through the replica's ClientLookup.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "mlchain/consensus/replica.h"
#include "mlchain/sim/fake_crypto.h"

namespace mlchain::consensus::testing {

struct InFlight {
  ReplicaId from;
  ReplicaId to;
  MessagePtr message;
};

class Cluster {
 public:
  explicit Cluster(std::size_t n, ReplicaOptions options = small_options()) : options_(options) {
    ring_ = sim::make_fake_keyring(n, 7);
    for (std::size_t i = 0; i < n; ++i) config_.members.push_back(ring_.signers[i]->public_key());
    executed_.resize(n);
    records_.resize(n);
    durable_clients_.resize(n);
    lookups_.resize(n);
    timers_.resize(n);
    for (std::size_t i = 0; i < n; ++i) restart(static_cast<ReplicaId>(i), /*fresh=*/true);
  }

  static ReplicaOptions small_options() {
    ReplicaOptions o;
    o.batch_size = 2;
    o.batch_delay = Micros(1000);
    o.checkpoint_interval = 2;
    o.log_window = 4;
    return o;
  }

  std::size_t n() const { return replicas_.size(); }
  Replica& at(ReplicaId i) { return *replicas_[i]; }
  const EpochConfig& config() const { return config_; }
  const crypto::Signer& signer(ReplicaId i) const { return *ring_.signers[i]; }
  const crypto::Verifier& verifier() const { return ring_.verifier; }
  TimePoint now() const { return now_; }
  void advance(Micros d) { now_ += d; }

  // Restarts replica i from what it persisted and executed (fresh: from nothing).
  void restart(ReplicaId i, bool fresh = false) {
    RecoveredState r;
    if (!fresh) {
      r.records = records_[i];
      r.last_executed = executed_[i].empty() ? 0 : executed_[i].back().seq;
      r.chain_digest = executed_[i].empty() ? Digest{} : executed_[i].back().chain_digest;
    } else {
      durable_clients_[i].clear();
    }
    if (replicas_.size() <= i) replicas_.resize(i + 1);
    replicas_[i] = std::make_unique<Replica>(i, config_, options_, *ring_.signers[i], ring_.verifier, r);
    replicas_[i]->set_authenticator(authenticator_);
    replicas_[i]->set_client_lookup([this, i](std::string_view client) -> Result<std::optional<std::uint64_t>> {
      ++lookups_[i];
      if (fail_lookups_) return unavailable("client lookup failing (test)");
      auto it = durable_clients_[i].find(client);
      if (it == durable_clients_[i].end()) return std::optional<std::uint64_t>();
      return std::optional<std::uint64_t>(it->second);
    });
    timers_[i].clear();
    handle(i, replicas_[i]->step(Event{now_, Start{}}));
  }

  void request(ReplicaId to, Request r) {
    if (down_.count(to)) return;
    handle(to, replicas_[to]->step(Event{now_, ClientRequest{std::move(r)}})); }
  void request_all(const Request& r) {
    for (ReplicaId i = 0; i < n(); ++i) request(i, r);
  }
  void fire(ReplicaId i, TimerKind k) {
    timers_[i].erase(k);
    handle(i, replicas_[i]->step(Event{now_, TimerFired{k}}));
  }
  bool timer_set(ReplicaId i, TimerKind k) const { return timers_[i].count(k) > 0; }
  // Any other event (e.g. LinkUp); the actions are handled as usual.
  void step(ReplicaId i, const Event& e) { handle(i, replicas_[i]->step(e)); }

  void inject(ReplicaId from, ReplicaId to, Message m) {
    queue_.push_back({from, to, std::make_shared<const Message>(std::move(m))});
  }
  void deliver_one(const InFlight& f) {
    if (down_.count(f.to) || down_.count(f.from)) return;
    handle(f.to, replicas_[f.to]->step(Event{now_, PeerMessage{f.from, f.message}}));
  }
  // Delivers until quiet; `keep` (if set) decides which messages arrive.
  std::size_t pump(const std::function<bool(const InFlight&)>& keep = {}, std::size_t limit = 100000) {
    std::size_t delivered = 0;
    while (!queue_.empty() && delivered < limit) {
      InFlight f = queue_.front();
      queue_.pop_front();
      if (keep && !keep(f)) continue;
      deliver_one(f);
      ++delivered;
    }
    return delivered;
  }
  std::deque<InFlight>& queue() { return queue_; }
  void set_down(ReplicaId i, bool down) {
    if (down) down_.insert(i);
    else down_.erase(i);
  }

  const std::vector<Execute>& executed(ReplicaId i) const { return executed_[i]; }
  // Replica i's `clients` table as a ledger would hold it after its Executes.
  const std::map<std::string, std::uint64_t, std::less<>>& durable_clients(ReplicaId i) const {
    return durable_clients_[i];
  }
  // How often replica i's ClientLookup was called; make every call fail.
  std::uint64_t lookups(ReplicaId i) const { return lookups_[i]; }
  void set_fail_lookups(bool fail) { fail_lookups_ = fail; }
  const std::map<std::string, std::string>& records(ReplicaId i) const { return records_[i]; }
  std::vector<std::vector<Action>>& log(ReplicaId i) { return action_log_[i]; }

  std::function<void(ReplicaId, const std::vector<Action>&)> on_actions;

  // Which requests their clients sent (types.h), for every replica now and
  // after restarts.
  void set_authenticator(RequestAuthenticator a) {
    authenticator_ = std::move(a);
    for (auto& r : replicas_) r->set_authenticator(authenticator_);
  }

 private:
  void handle(ReplicaId i, std::vector<Action> actions) {
    if (on_actions) on_actions(i, actions);
    action_log_[i].push_back(actions);
    for (auto& a : actions) {
      if (auto* p = std::get_if<Persist>(&a)) {
        if (p->erase) records_[i].erase(p->key);
        else records_[i][p->key] = p->value;
      } else if (auto* s = std::get_if<Send>(&a)) {
        if (s->to) queue_.push_back({i, *s->to, s->message});
        else
          for (ReplicaId r = 0; r < n(); ++r)
            if (r != i) queue_.push_back({i, r, s->message});
      } else if (auto* e = std::get_if<Execute>(&a)) {
        executed_[i].push_back(*e);
        // The ledger's rule (ledger.cpp apply()): only an authentic request
        // with a higher id writes its client's row.
        for (const auto& r : e->pre_prepare.requests) {
          if (!is_authentic(r, authenticator_)) continue;
          auto& last = durable_clients_[i][r.client];
          last = std::max(last, r.id);
        }
      } else if (auto* sb = std::get_if<ServeBlocks>(&a)) {
        std::vector<CommittedBatch> batches;
        for (const auto& done : executed_[i])
          if (done.seq >= sb->from_seq && batches.size() < sb->max) batches.push_back({done.pre_prepare, done.commits});
        queue_.push_back({i, sb->to, replicas_[i]->make_block_bundle(std::move(batches), sb->new_view)});
      } else if (auto* st = std::get_if<SetTimer>(&a)) {
        timers_[i][st->kind] = st->after;
      } else if (auto* ct = std::get_if<CancelTimer>(&a)) {
        timers_[i].erase(ct->kind);
      }
    }
  }

  ReplicaOptions options_;
  RequestAuthenticator authenticator_;
  sim::FakeKeyring ring_;
  EpochConfig config_;
  TimePoint now_ = from_unix_millis(1'700'000'000'000);
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<std::vector<Execute>> executed_;
  std::vector<std::map<std::string, std::string>> records_;
  std::vector<std::map<std::string, std::uint64_t, std::less<>>> durable_clients_;
  std::vector<std::uint64_t> lookups_;
  bool fail_lookups_ = false;
  std::vector<std::map<TimerKind, Micros>> timers_;
  std::map<ReplicaId, std::vector<std::vector<Action>>> action_log_;
  std::deque<InFlight> queue_;
  std::set<ReplicaId> down_;
};

inline Request req(const std::string& client, std::uint64_t id, const std::string& op = "put k v") {
  return Request{client, id, to_bytes(op)};
}

// The first timeout relays overdue requests to the primary; the second one
// (nothing happened) starts the view change at every replica but `skip`.
inline void time_out_all_but(Cluster& c, ReplicaId skip) {
  for (int round = 0; round < 2; ++round) {
    c.advance(Micros(250'000));
    for (ReplicaId i = 0; i < c.n(); ++i)
      if (i != skip && c.timer_set(i, TimerKind::kRequest)) c.fire(i, TimerKind::kRequest);
    if (round == 0) c.queue().clear();  // the relays go nowhere useful here
  }
}

}  // namespace mlchain::consensus::testing
