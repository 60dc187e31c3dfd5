// The event loop: one ordered queue of (virtual time, insertion order) ->
// event, so equal times resolve the same way on every run.
#include "world.h"

#include <algorithm>

#include "mlchain/sim/fake_crypto.h"
#include "mlchain/store/lmdb_store.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::sim::detail {

World::World(const SimOptions& options) : opt_(options), rng_(options.seed) {}

Status World::setup() {
  if (opt_.nodes == 0 || opt_.nodes > consensus::kMaxMembers) return invalid_argument("--nodes must be 1..64");
  if (opt_.joiners > consensus::kMaxMembers - opt_.nodes) return invalid_argument("nodes + joiners must be at most 64");
  const std::uint32_t total = opt_.nodes + opt_.joiners;
  if (opt_.byzantine > opt_.nodes) return invalid_argument("--byzantine cannot exceed --nodes");
  if (opt_.drop < 0 || opt_.drop >= 1 || opt_.duplicate < 0 || opt_.duplicate > 1 || opt_.delay_probability < 0 ||
      opt_.delay_probability > 1)
    return invalid_argument("--drop must be in [0, 1), --duplicate and delay probability in [0, 1]");
  if (opt_.min_latency > opt_.max_latency || opt_.min_latency.count() < 0)
    return invalid_argument("min latency must be >= 0 and <= max latency");
  if (opt_.store == StoreKind::kLmdb && opt_.lmdb_dir.empty())
    return invalid_argument("the LMDB store needs a directory (lmdb_dir)");
  if (opt_.clients == 0) return invalid_argument("at least one client is needed");

  // Keys.
  if (opt_.crypto == CryptoKind::kFake) {
    auto ring = make_fake_keyring(total, opt_.seed);
    for (auto& s : ring.signers) signers_.push_back(std::move(s));
    verifier_ = std::make_unique<FakeVerifier>(std::move(ring.verifier));
  } else {
    for (std::uint32_t i = 0; i < total; ++i) {
      auto seed = crypto::sha256("mlchain sim ed25519 " + std::to_string(opt_.seed) + "/" + std::to_string(i));
      MLCHAIN_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::from_seed(ByteView(seed.data(), seed.size())));
      signers_.push_back(std::make_unique<crypto::Ed25519Signer>(std::move(key)));
    }
    verifier_ = std::make_unique<crypto::Ed25519Verifier>();
  }

  blueprint_.layer_path = "SIM";
  blueprint_.genesis_time_ms = unix_millis(kStart);
  for (std::uint32_t i = 0; i < opt_.nodes; ++i)
    blueprint_.members.push_back(ledger::MemberInfo{"node" + std::to_string(i), signers_[i]->public_key(),
                                                    "sim://node" + std::to_string(i), true});
  config_ = ledger::epoch_config(blueprint_);
  MLCHAIN_TRY(consensus::validate(opt_.replica, config_));
  configs_[0] = config_;
  for (std::uint32_t i = 0; i < total; ++i) node_by_key_[signers_[i]->public_key()] = i;

  nodes_.resize(total);
  for (std::uint32_t i = 0; i < total; ++i) {
    Node& n = nodes_[i];
    n.id = i;
    n.byzantine = i < opt_.byzantine && opt_.byzantine_kind != Byzantine::kNone;
    if (opt_.store == StoreKind::kMemory) n.store = store::make_memory_store();
    MLCHAIN_TRY(start_node(n));
  }

  for (std::uint32_t c = 0; c < opt_.clients; ++c) {
    Client cl;
    cl.name = "client" + std::to_string(c);
    cl.byzantine = c < opt_.byzantine_clients;
    client_index_[cl.name] = c;
    clients_.push_back(std::move(cl));
  }
  for (std::uint32_t c = 0; c < opt_.clients && issued_ < opt_.ops; ++c) client_issue(c);

  // Faults from the options and from the seed.
  auto partitions = opt_.partitions;
  auto crashes = opt_.crashes;
  auto span = std::max<std::int64_t>(opt_.faults_until.count(), 1000);
  for (std::uint32_t k = 0; k < opt_.random_partitions; ++k) {
    PartitionSpec p;
    p.at = Micros(rng_.range(0, span * 7 / 10));
    p.heal_at = Micros(rng_.range(p.at.count() + 1, span));
    std::uint64_t size = 1 + rng_.uniform(std::max<std::uint64_t>(opt_.nodes / 2, 1));
    std::set<std::uint32_t> side;
    while (side.size() < size) side.insert(static_cast<std::uint32_t>(rng_.uniform(opt_.nodes)));
    p.side.assign(side.begin(), side.end());
    partitions.push_back(std::move(p));
  }
  std::vector<std::uint32_t> correct;
  for (const auto& n : nodes_)
    if (!n.byzantine) correct.push_back(n.id);
  for (std::uint32_t k = 0; k < opt_.random_crashes && !correct.empty(); ++k) {
    CrashSpec c;
    c.node = correct[rng_.uniform(correct.size())];
    c.at = Micros(rng_.range(span / 10, span * 6 / 10));
    c.restart_at = Micros(rng_.range(c.at.count() + 20'000, std::max(c.at.count() + 20'001, span)));
    crashes.push_back(c);
  }
  opt_.partitions = std::move(partitions);
  for (std::uint32_t k = 0; k < opt_.reconfigurations.size(); ++k) {
    if (opt_.reconfigurations[k].node >= total) return invalid_argument("reconfiguration names no replica");
    schedule(opt_.reconfigurations[k].at, AdminSubmit{k});
  }
  for (const auto& c : crashes) {
    if (c.node >= total) return invalid_argument("crash of replica " + std::to_string(c.node) + ": no such replica");
    schedule(c.at, Crash{c.node});
    if (c.restart_at > c.at) schedule(c.restart_at, Restart{c.node});
  }
  return {};
}

Status World::start_node(Node& n) {
  if (opt_.store == StoreKind::kLmdb) {
    store::LmdbOptions lo;
    lo.durable = false;  // a simulated crash kills the process, not the OS page cache
    lo.initial_map_bytes = std::size_t{16} << 20;
    MLCHAIN_ASSIGN_OR_RETURN(n.store, store::open_lmdb(opt_.lmdb_dir / ("node" + std::to_string(n.id)), lo));
  }
  MLCHAIN_ASSIGN_OR_RETURN(n.ledger, ledger::Ledger::open(*n.store, blueprint_, app_));
  consensus::RequestAuthenticator auth;
  if (opt_.authenticate_clients) auth = [this](const consensus::Request& r) { return authentic(r); };
  n.ledger->set_authenticator(auth);
  MLCHAIN_ASSIGN_OR_RETURN(auto recovered, n.ledger->recover());
  if (n.id >= opt_.nodes) {
    MLCHAIN_ASSIGN_OR_RETURN(bool was_member, n.ledger->ever_member(signers_[n.id]->public_key()));
    recovered.learner = !was_member;
  }
  n.replica = std::make_unique<consensus::Replica>(n.id, config_, opt_.replica, *signers_[n.id], *verifier_,
                                                   std::move(recovered));
  n.replica->set_authenticator(auth);
  n.replica->set_client_lookup(n.ledger->client_lookup());
  n.up = true;
  n.was_active = n.replica->active();
  if (n.replica->view() < n.max_view && !n.byzantine)
    violation("replica " + std::to_string(n.id) + " restarted in view " + std::to_string(n.replica->view()) +
              " after reaching view " + std::to_string(n.max_view));
  step(n, consensus::Event{wall(), consensus::Start{}});
  return {};
}

void World::crash(Node& n) {
  if (!n.up) return;
  n.up = false;
  n.replica.reset();
  n.ledger.reset();
  for (auto& g : n.timer_generation) ++g;
  if (opt_.store == StoreKind::kLmdb) n.store.reset();  // closes the environment like a dead process
  ++report_.crashes;
}

// An ideal signature scheme: a request is authentic iff its client issued
// exactly these bytes. Byzantine replicas may issue requests of their own
// (they are clients too) but not in another client's name.
void World::issue(const consensus::Request& r) { issued_requests_.insert(consensus::request_digest(r)); }

bool World::authentic(const consensus::Request& r) const { return issued_requests_.count(consensus::request_digest(r)) > 0; }

void World::schedule(Micros at, Item item) {
  queue_.emplace(std::make_pair(at.count(), order_++), std::move(item));
}

consensus::Replica* World::replica_of(ReplicaId id) {
  return id < nodes_.size() && nodes_[id].up ? nodes_[id].replica.get() : nullptr;
}

void World::step(Node& n, consensus::Event event) {
  if (!n.up || stopped_) return;
  auto before_view = n.replica->view();
  bool before_active = n.replica->active();
  auto before_exec = n.replica->last_executed();
  auto before_drops = opt_.trace ? n.replica->drops() : std::map<std::string, std::uint64_t>{};
  n.epoch_before = n.replica->config().epoch;
  n.limit_before = n.replica->proposal_limit();
  auto actions = n.replica->step(event);
  if (opt_.trace) {
    std::string what;
    for (const auto& a : actions) {
      if (const auto* s = std::get_if<consensus::Send>(&a)) {
        if (std::holds_alternative<consensus::FetchBlocks>(*s->message)) what += " fetch->" + std::to_string(*s->to);
        if (std::holds_alternative<consensus::NewView>(*s->message)) what += " new-view";
      }
    }
    if (n.replica->view() != before_view || n.replica->active() != before_active)
      what += " view " + std::to_string(before_view) + (before_active ? "" : "*") + " -> " +
              std::to_string(n.replica->view()) + (n.replica->active() ? "" : "*");
    for (const auto& [k, v] : n.replica->drops()) {
      if (before_drops[k] == v) continue;
      what += " drop:" + k;
      if (const auto* pm = std::get_if<consensus::PeerMessage>(&event.body)) {
        what += "(" + std::string(consensus::type_name(*pm->message)) + " from r" + std::to_string(pm->from);
        std::visit([&](const auto& x) {
          if constexpr (requires { x.seq; }) what += " seq " + std::to_string(x.seq);
          if constexpr (requires { x.view; }) what += " view " + std::to_string(x.view);
        }, *pm->message);
        what += " h=" + std::to_string(n.replica->stable_seq()) + " exec=" + std::to_string(n.replica->last_executed()) + ")";
      }
    }
    if (n.replica->last_executed() != before_exec)
      what += " exec " + std::to_string(before_exec) + "->" + std::to_string(n.replica->last_executed());
    if (!what.empty())
      opt_.trace("t=" + std::to_string(now_.count() / 1000) + "ms r" + std::to_string(n.id) + what);
  }
  apply_actions(n, std::move(actions));
  if (n.up && n.replica) configs_.try_emplace(n.replica->config().epoch, n.replica->config());
  check_view(n);
  check_buffers(n);
}

void World::apply_actions(Node& n, std::vector<consensus::Action> actions) {
  std::vector<consensus::Persist> records;  // consecutive persists share one transaction
  auto flush = [&] {
    if (records.empty()) return;
    Status st = n.ledger->persist(records);
    if (!st.ok()) violation("replica " + std::to_string(n.id) + " could not persist: " + st.to_string());
    records.clear();
  };
  for (auto& a : actions) {
    if (!n.up || stopped_) return;
    if (auto* p = std::get_if<consensus::Persist>(&a)) {
      records.push_back(std::move(*p));
      continue;
    }
    flush();
    if (auto* s = std::get_if<consensus::Send>(&a)) {
      emit_send(n, *s);
    } else if (auto* e = std::get_if<consensus::Execute>(&a)) {
      auto applied = n.ledger->apply(*e);
      if (!applied.ok()) {
        violation("replica " + std::to_string(n.id) + " ledger refused block " + std::to_string(e->seq) + ": " +
                  applied.status().to_string());
        return;
      }
      check_block(n, applied->block);
      send_replies(n, applied->replies);
    } else if (auto* rr = std::get_if<consensus::ResendReply>(&a)) {
      auto cached = n.ledger->cached_reply(rr->client);
      if (cached.ok() && *cached && (*cached)->request_id == rr->request_id) send_replies(n, {**cached});
    } else if (auto* sb = std::get_if<consensus::ServeBlocks>(&a)) {
      auto batches = n.ledger->committed_batches(sb->from_seq, sb->max, sb->max_bytes);
      if (!batches.ok()) continue;
      auto msg = n.replica->make_block_bundle(std::move(batches).value(), sb->new_view);
      emit_send(n, consensus::Send{sb->to, msg});
    } else if (auto* st = std::get_if<consensus::SetTimer>(&a)) {
      auto k = static_cast<std::size_t>(st->kind);
      schedule(now_ + st->after, TimerDue{n.id, st->kind, ++n.timer_generation[k]});
    } else if (auto* ct = std::get_if<consensus::CancelTimer>(&a)) {
      ++n.timer_generation[static_cast<std::size_t>(ct->kind)];
    }
  }
  if (n.up && !stopped_) flush();
}

void World::process(const Item& item) {
  struct V {
    World* w;
    void operator()(const Deliver& d) const {
      Node& n = w->nodes_[d.to];
      if (!n.up) return;
      if (n.byzantine && w->opt_.byzantine_kind == Byzantine::kReplay) {
        n.seen.push_back(d.message);
        if (n.seen.size() > 256) n.seen.pop_front();
      }
      w->step(n, consensus::Event{w->wall(), consensus::PeerMessage{w->id_in(n, d.from), d.message}});
    }
    void operator()(const ClientSend& c) const {
      Node& n = w->nodes_[c.to];
      w->step(n, consensus::Event{w->wall(), consensus::ClientRequest{c.request}});
    }
    void operator()(const ReplyArrive& r) const { w->on_reply(r); }
    void operator()(const TimerDue& t) const {
      Node& n = w->nodes_[t.node];
      if (n.timer_generation[static_cast<std::size_t>(t.kind)] != t.generation) return;
      w->step(n, consensus::Event{w->wall(), consensus::TimerFired{t.kind}});
    }
    void operator()(const ClientRetry& r) const { w->on_client_retry(r); }
    void operator()(const ClientNext& c) const { w->client_issue(c.client); }
    void operator()(const AdminSubmit& a) const { w->admin_submit(a.index); }
    void operator()(const Crash& c) const { w->crash(w->nodes_[c.node]); }
    void operator()(const Restart& r) const {
      Node& n = w->nodes_[r.node];
      if (n.up) return;
      Status st = w->start_node(n);
      if (!st.ok()) w->violation("replica " + std::to_string(n.id) + " could not restart: " + st.to_string());
      ++w->report_.restarts;
    }
  };
  std::visit(V{this}, item);
}

void World::run() {
  while (!queue_.empty() && !stopped_) {
    auto it = queue_.begin();
    now_ = Micros(it->first.first);
    if (now_ > opt_.max_virtual_time || report_.events >= opt_.max_events) break;
    Item item = std::move(it->second);
    queue_.erase(it);
    ++report_.events;
    process(item);
    if (completed_ >= opt_.ops) break;
  }
}

}  // namespace mlchain::sim::detail
