// Node start-up and shutdown: load, check, open, wire. The order matters:
// the ledger and replica exist before any network callback can fire, and on
// stop the listener goes first so no new work arrives while we drain.
#include "mlchain/crypto/cert.h"
#include "mlchain/store/lmdb_store.h"
#include "node_impl.h"

namespace mlchain::node {
void LatencyHistogram::observe(double seconds) {
  ++total;
  sum += seconds;
  for (std::size_t i = 0; i < kBounds.size(); ++i)
    if (seconds <= kBounds[i]) ++counts[i];
}

bool Node::Impl::is_member(const crypto::PublicKey& k) const {
  std::lock_guard lock(members_mu);
  return member_keys.count(k) > 0;
}

std::string Node::Impl::member_name(const crypto::PublicKey& k) const {
  for (const auto& m : genesis.blueprint.members)
    if (m.key == k) return m.name;
  if (k == key->public_key()) return cfg.name;
  std::lock_guard lock(members_mu);
  if (auto it = known_names.find(k); it != known_names.end()) return it->second;
  return k.key_id();
}

std::string Node::Impl::member_address(const crypto::PublicKey& k) const {
  if (auto it = known_addresses.find(k); it != known_addresses.end()) return it->second;
  for (const auto& m : genesis.blueprint.members)
    if (m.key == k) return m.address;
  return {};
}

std::string Node::Impl::role() const {
  if (replica->retired()) return "retired";
  if (removed) return "removed";
  return replica->learner() ? "learner" : "member";
}

Status Node::Impl::load_directory() {
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store->begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto cur, txn->cursor(kMembersTable));
  MLCHAIN_TRY(cur->first());
  std::lock_guard lock(members_mu);
  while (cur->valid()) {
    auto k = crypto::PublicKey::from_hex(std::string(cur->key()));
    auto j = codec::parse(cur->value());
    if (!k.ok() || !j.ok()) return corruption("member directory entry " + std::string(cur->key()) + " is damaged");
    known_addresses[*k] = j->value("address", "");
    known_names[*k] = j->value("name", "");
    MLCHAIN_TRY(cur->next());
  }
  return {};
}

Status Node::Impl::open() {
  MLCHAIN_ASSIGN_OR_RETURN(genesis, load_genesis_file(cfg.genesis));
  auto k = crypto::PrivateKey::load_pem_file(cfg.key_file);
  if (!k.ok() && k.status().code() == ErrorCode::kNotFound) {
    // A config error like any other (exit 2), with where the path was looked for.
    return invalid_argument(k.status().message() + " (key_file; paths in a config file are relative to its directory)");
  }
  if (!k.ok()) return k.status();
  key = std::make_unique<crypto::PrivateKey>(std::move(k).value());
  MLCHAIN_ASSIGN_OR_RETURN(certificate_pem, crypto::read_certificate_pem(cfg.key_file));
  auto cert = crypto::inspect_certificate(certificate_pem);
  if (!cert.ok()) return cert.status().with_context("certificate in " + cfg.key_file.string());
  if (cert->public_key != key->public_key()) {
    return verification_failed("the certificate in " + cfg.key_file.string() + " is not for its private key");
  }
  for (const auto& m : genesis.blueprint.members) {
    if (m.key == key->public_key() && m.name != cfg.name) {
      return invalid_argument("config name '" + cfg.name + "' differs from the member name '" + m.name +
                              "' that the genesis records for this key");
    }
    if (m.key != key->public_key() && m.name == cfg.name) {
      return failed_precondition("key " + key->public_key().key_id() + " (" + cfg.key_file.string() +
                                 ") is not a member of layer " + genesis.blueprint.layer_path + " (genesis file " +
                                 cfg.genesis.string() + ", hash " + genesis.hash_hex + "): that genesis gives the name '" +
                                 m.name + "' to key " + m.key.key_id() + ". Wrong key_file or wrong genesis? A new node " +
                                 "needs a name of its own, then mlchain node join");
    }
  }
  signer = std::make_unique<crypto::Ed25519Signer>(*key);
  if (service_factory) {
    MLCHAIN_ASSIGN_OR_RETURN(service, service_factory(ServiceContext{genesis, verifier, log}));
    dispatch.set_service(service.get());
  }
  host = make_host(*this);
  app = std::make_unique<SignedOpStateMachine>(dispatch, genesis.hash_hex, genesis.blueprint.admin_keys, verifier);
  app->set_blueprint(genesis.blueprint);
  // The Replica and the Ledger each pass the filter the epoch they are
  // executing in (consensus/reconfig.h): the ledger applies a step's blocks
  // after the replica may have switched epoch.
  auto filter = make_config_filter(genesis.hash_hex, genesis.blueprint.admin_keys, verifier);

  MLCHAIN_ASSIGN_OR_RETURN(auto lock, DataDirLock::acquire(cfg.data_dir));
  data_lock.emplace(std::move(lock));
  store::LmdbOptions lo;  // durable: fsync on every commit
  auto st = store::open_lmdb(cfg.data_dir, lo);
  if (!st.ok()) return st.status().with_context("data_dir " + cfg.data_dir.string());
  store = std::move(st).value();
  MLCHAIN_ASSIGN_OR_RETURN(ledger, ledger::Ledger::open(*store, genesis.blueprint, *app));
  ledger->set_config_filter(filter);
  auto authenticator = make_request_authenticator(genesis.hash_hex, verifier);
  ledger->set_authenticator(authenticator);
  MLCHAIN_TRY(load_directory());
  consensus::EpochConfig epoch = ledger->epoch_config();
  for (const auto& m : epoch.members) member_keys.insert(m);
  epoch_snapshot = epoch;
  auto id = epoch.index_of(key->public_key());
  MLCHAIN_ASSIGN_OR_RETURN(bool was_member, ledger->ever_member(key->public_key()));
  if (!id && was_member) {
    return failed_precondition("this node (" + cfg.name + ", key " + key->public_key().hex().substr(0, 16) +
                               "..., as layer show lists it) left layer " +
                               genesis.blueprint.layer_path + " (or was removed) before epoch " +
                               std::to_string(epoch.epoch) + "; to come back, start it with a fresh data_dir and " +
                               "run mlchain node join");
  }
  options = ledger::replica_options(genesis.blueprint.params);
  options.propose_when_idle = cfg.propose_when_idle;
  MLCHAIN_TRY(consensus::validate(options, epoch));
  MLCHAIN_ASSIGN_OR_RETURN(auto recovered, ledger->recover());
  recovered.learner = !id;
  std::uint64_t epoch_from = recovered.epoch_start + 1;
  replica = std::make_unique<consensus::Replica>(id.value_or(static_cast<consensus::ReplicaId>(epoch.n())), epoch,
                                                 options, *signer, verifier, std::move(recovered));
  replica->set_config_filter(filter);
  replica->set_authenticator(authenticator);
  replica->set_client_lookup(ledger->client_lookup());
  // The ledger applies blocks after the replica's step returns, when the
  // replica may already be in a later epoch (several blocks in one step,
  // e.g. after catching up): report-backed invalidations and superior votes
  // count against the ledger's epoch, which switches right after the
  // boundary block, the same on every replica.
  app->set_epoch_provider([this]() -> const consensus::EpochConfig& { return ledger->epoch_config(); });
  self_id = replica->id();
  logged_view = replica->view();
  load_recent_attestations();
  // A restart between a switch and its certificate: sign (again) and collect.
  epoch_votes.start_at(epoch.epoch);
  if (epoch.epoch > 0) epoch_switched(epoch, epoch_from);
  if (!id) {
    log.info("not a member yet: a learner until an epoch adds this key (members send it blocks once an admin permits it: mlchain node join)",
             {{"key", key->public_key().hex()}, {"hint", "mlchain node join --config FILE --admin-key FILE"}});
  }
  log.info("opened ledger", {{"layer", genesis.blueprint.layer_path},
                             {"node", cfg.name},
                             {"role", role()},
                             {"replica", id ? std::to_string(*id) : "-"},
                             {"epoch", std::to_string(epoch.epoch)},
                             {"height", std::to_string(ledger->height())},
                             {"view", std::to_string(replica->view())},
                             {"genesis", genesis.hash_hex}});
  return {};
}

Status Node::Impl::start_network() {
  loop = std::make_unique<net::EventLoop>(2);
  net::TlsIdentity identity{*key, certificate_pem};

  net::PeerManagerOptions po;
  po.genesis = genesis.hash_hex;
  po.is_member = [this](const crypto::PublicKey& k) { return is_member(k); };
  po.may_link = [this](const crypto::PublicKey& k) { return learner_permitted(k); };
  // Outbound links to the current members: genesis addresses, or the
  // directory's for members added since.
  for (const auto& k : ledger->epoch_config().members) {
    if (k == key->public_key()) continue;
    std::string address = member_address(k);
    if (!address.empty()) po.peers.push_back(net::PeerAddress{address, k});
  }
  po.metrics = net_metrics;
  // One limit for the link and the replica's byte budgets (consensus/types.h).
  po.read_message_max = options.max_message_bytes;
  auto peers_or = net::PeerManager::start(
      *loop, identity, po, [this](const crypto::PublicKey& from, Bytes payload) { on_peer_message(from, std::move(payload)); },
      [this](const crypto::PublicKey& peer, bool up) {
        if (!is_member(peer)) {  // a learner fetching blocks under a permit
          log.info(up ? "learner connected" : "learner disconnected", {{"learner", peer.key_id()}});
          return;
        }
        log.info(up ? "peer connected" : "peer disconnected", {{"peer", member_name(peer)}});
        if (!up) return;
        // A new link: ask that peer for blocks we may lack (an idle layer
        // sends nothing else that would tell us we are behind).
        driver.post([this, peer] {
          if (!replica) return;
          resend_attestations(peer);
          if (auto rid = replica->config().index_of(peer))
            step(consensus::Event{SystemClock().now(), consensus::LinkUp{*rid}});
        });
      });
  if (!peers_or.ok()) return peers_or.status();
  peers = std::move(peers_or).value();

  net::HttpServerOptions ho;
  ho.host = cfg.listen_host;
  ho.port = cfg.listen_port;
  ho.body_limit = 256 * 1024;
  ho.handler_threads = 1;
  ho.metrics = net_metrics;
  auto http_or = net::HttpServer::start_async(
      *loop, identity, ho, [this](net::Request req, net::Reply reply) { handle(std::move(req), std::move(reply)); },
      peers.get());
  if (!http_or.ok()) return http_or.status().with_context("listen " + cfg.listen_host + ":" + std::to_string(cfg.listen_port));
  http = std::move(http_or).value();

  if (service) MLCHAIN_TRY(service->start(*host));
  driver.post([this] { step(consensus::Event{SystemClock().now(), consensus::Start{}}); });
  driver.start([this](consensus::TimerKind k) { step(consensus::Event{SystemClock().now(), consensus::TimerFired{k}}); },
               [this] { on_tick(); }, std::chrono::milliseconds(50), [this] { flush(); });
  loop->start();
  if (cfg.review_interval_ms > 0) review_thread = std::thread([this] { review_loop(); });
  backfill_thread = std::thread([this] { backfill_loop(); });
  log.info("listening", {{"address", cfg.listen_host + ":" + std::to_string(http->port())},
                         {"peers", std::to_string(po.peers.size())}});
  return {};
}

void Node::Impl::fatal(const Status& st) {
  log.error("node cannot continue", {{"error", st.to_string()}});
  if (!fatal_reported.exchange(true) && on_fatal) on_fatal(st);
}

void Node::Impl::stop() {
  if (stopped) return;
  stopped = true;
  stop_review();
  if (http) http->stop();
  if (service) service->stop();  // its workers finish their calls before the links go
  // Fail the clients still waiting, on the driver thread that owns them.
  driver.post([this] {
    for (auto& [k, ws] : waiters)
      for (auto& w : ws)
        w.reply(net::Response::json(503, R"({"error":{"code":"unavailable","message":"the node is shutting down; retry on another member"}})"));
    waiters.clear();
    waiter_count = 0;
  });
  if (peers) peers->stop();
  driver.stop();
  {
    std::lock_guard lock(selfcheck_mu);  // a running selfcheck finishes its challenges (3 s at most)
    if (selfcheck_thread.joinable()) selfcheck_thread.join();
  }
  if (loop) loop->stop();
  http.reset();
  peers.reset();
  loop.reset();
  replica.reset();
  ledger.reset();
  store.reset();
  data_lock.reset();  // the data_dir is free for the next process (or a restart in this one)
  log.info("stopped", {{"node", cfg.name}});
}

Result<std::unique_ptr<Node>> Node::start(const NodeConfig& config, Logger& log, std::function<void(const Status&)> on_fatal,
                                         ServiceFactory service) {
  auto impl = std::make_unique<Impl>(config, log);
  impl->on_fatal = std::move(on_fatal);
  impl->service_factory = std::move(service);
  // A start that fails leaves no new store behind (data_dir.h).
  if (Status st = impl->open(); !st.ok()) return abandon_start(impl, st, false);
  if (Status net = impl->start_network(); !net.ok()) return abandon_start(impl, net, true);
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() { stop(); }
void Node::stop() {
  if (impl_) impl_->stop();
}
std::uint16_t Node::port() const { return impl_->http ? impl_->http->port() : 0; }

}  // namespace mlchain::node
