// EdgeNode start-up and shutdown. On stop the listener goes first (it waits
// for running handlers), so no request touches the store once it closes.
#include "edge_node_impl.h"
#include "mlchain/crypto/cert.h"
#include "mlchain/edge/contract_inbox.h"
#include "mlchain/node/genesis_file.h"
#include "mlchain/store/lmdb_store.h"

namespace mlchain::edge {
Status EdgeNode::Impl::open() {
  MLCHAIN_ASSIGN_OR_RETURN(auto k, crypto::PrivateKey::load_pem_file(cfg.key_file));
  key = std::make_unique<crypto::PrivateKey>(std::move(k));
  MLCHAIN_ASSIGN_OR_RETURN(certificate_pem, crypto::read_certificate_pem(cfg.key_file));
  auto cert = crypto::inspect_certificate(certificate_pem);
  if (!cert.ok()) return cert.status().with_context("certificate in " + cfg.key_file.string());
  if (cert->public_key != key->public_key()) {
    return verification_failed("the certificate in " + cfg.key_file.string() + " is not for its private key");
  }
  MLCHAIN_ASSIGN_OR_RETURN(auto lock, node::DataDirLock::acquire(cfg.data_dir));
  data_lock.emplace(std::move(lock));
  store::LmdbOptions lo;
  lo.durable = cfg.durable;
  auto st = store::open_lmdb(cfg.data_dir, lo);
  if (!st.ok()) return st.status().with_context("data_dir " + cfg.data_dir.string());
  store = std::move(st).value();
  RegistryOptions ro;
  ro.layer_path = cfg.layer;
  ro.policy = cfg.policy;
  ro.history_limit = cfg.history_limit;
  ro.queue_limit = cfg.queue_limit;
  MLCHAIN_ASSIGN_OR_RETURN(registry, Registry::open(*store, ro, clock, rng));
  admin = std::make_unique<AdminAuth>(cfg.admin_keys, cfg.layer, std::chrono::milliseconds(cfg.admin_skew_ms));
  MLCHAIN_TRY(open_superior());
  MLCHAIN_TRY(open_contracts());
  std::string schemes;
  for (const auto& s : cfg.policy.names()) schemes += (schemes.empty() ? "" : ",") + s;
  log.info("opened edge registry", {{"layer", cfg.layer},
                                    {"name", cfg.name},
                                    {"data_dir", cfg.data_dir.string()},
                                    {"credentials", schemes},
                                    {"admins", std::to_string(cfg.admin_keys.size())},
                                    {"durable", cfg.durable ? "true" : "false"}});
  return {};
}

Status EdgeNode::Impl::open_superior() {
  if (!cfg.superior) return {};
  const SuperiorConfig& sc = *cfg.superior;
  auto genesis = node::load_genesis_file(sc.genesis);
  if (!genesis.ok()) return genesis.status().with_context("[superior] genesis " + sc.genesis.string());
  auto opened = open_superior_book(*store, *genesis, sc.path);
  if (!opened.ok()) return opened.status().with_context("[superior] genesis " + sc.genesis.string());
  log.info("superior address book", {{"superior", sc.path},
                                     {"genesis_hash", opened->book.genesis_hash},
                                     {"epoch", std::to_string(opened->book.epoch)},
                                     {"members", std::to_string(opened->book.members.size())},
                                     {"from", std::string(book_source_name(opened->source))}});
  SuperiorTracker::Options o;
  o.refresh_interval = std::chrono::milliseconds(sc.refresh_ms);
  superior = std::make_unique<SuperiorTracker>(*store, std::move(opened->book), o, clock, log);
  return {};
}

Status EdgeNode::Impl::start_network() {
  loop = std::make_unique<net::EventLoop>(2);
  net::TlsIdentity identity{*key, certificate_pem};
  net::HttpServerOptions ho;
  ho.host = cfg.listen_host;
  ho.port = cfg.listen_port;
  // Contract packets from the superior are the largest bodies; object and
  // admin requests are held to kMaxRequestBodyBytes by their handlers.
  ho.body_limit = kMaxContractBodyBytes;
  // Blocking handlers wait for their group commit; more of them means larger
  // batches (one fsync each), not more CPU. Contract sends wait on the route
  // for seconds: they get threads of their own on top (ContractSender caps
  // them at max_in_flight), so objects keep being served meanwhile.
  ho.handler_threads = 16 + ContractSender::Options{}.max_in_flight;
  ho.metrics = net_metrics;
  auto http_or = net::HttpServer::start(*loop, identity, ho, [this](const net::Request& req) { return handle(req); });
  if (!http_or.ok())
    return http_or.status().with_context("listen " + cfg.listen_host + ":" + std::to_string(cfg.listen_port));
  http = std::move(http_or).value();
  loop->start();
  if (superior) superior->start();
  log.info("listening", {{"address", cfg.listen_host + ":" + std::to_string(http->port())},
                         {"public_key", key->public_key().hex()}});
  return {};
}

void EdgeNode::Impl::stop() {
  if (stopped) return;
  stopped = true;
  if (contracts) contracts->shutdown();  // sends in flight end after their current request
  if (http) http->stop();
  if (loop) loop->stop();
  http.reset();
  loop.reset();
  if (superior) superior->stop();  // waits at most for its request in flight (bounded)
  contracts.reset();               // no handler runs any more (http stopped)
  superior.reset();
  registry.reset();
  store.reset();
  data_lock.reset();  // the data_dir is free for the next process (or a restart in this one)
  log.info("stopped", {{"edge", cfg.name}});
}

Result<std::unique_ptr<EdgeNode>> EdgeNode::start(const EdgeConfig& config, node::Logger& log) {
  auto impl = std::make_unique<Impl>(config, log);
  // A start that fails leaves no new store behind (node/data_dir.h).
  if (Status st = impl->open(); !st.ok()) return node::abandon_start(impl, st, false);
  if (Status net = impl->start_network(); !net.ok()) return node::abandon_start(impl, net, true);
  return std::unique_ptr<EdgeNode>(new EdgeNode(std::move(impl)));
}

EdgeNode::EdgeNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EdgeNode::~EdgeNode() { stop(); }
void EdgeNode::stop() {
  if (impl_) impl_->stop();
}
std::uint16_t EdgeNode::port() const { return impl_->http ? impl_->http->port() : 0; }

}  // namespace mlchain::edge
