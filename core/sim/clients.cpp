// Simulated clients: one request outstanding each, sent to every replica,
// done on f+1 matching replies, retried to every replica on a timeout.
#include "world.h"

namespace mlchain::sim::detail {

void World::client_issue(std::uint32_t c) {
  Client& cl = clients_[c];
  if (issued_ >= opt_.ops) return;
  ++issued_;
  cl.busy = true;
  std::uint64_t id = cl.next_id++;
  std::string key = "k" + std::to_string(rng_.uniform(64));
  cl.current = consensus::Request{cl.name, id, to_bytes("put " + key + " " + cl.name + "-" + std::to_string(id))};
  cl.alternative = cl.current;
  cl.alternative.op = to_bytes("put " + key + " other-" + std::to_string(id));
  issue(cl.current);
  if (cl.byzantine) issue(cl.alternative);
  cl.votes.clear();
  cl.first_sent = now_;
  client_send_all(c);
}

void World::admin_submit(std::uint32_t index) {
  const auto& spec = opt_.reconfigurations[index];
  Client cl;
  cl.name = "admin" + std::to_string(index);
  cl.admin = true;
  cl.busy = true;
  consensus::ConfigChange change{spec.action, signers_[spec.node]->public_key(), "node" + std::to_string(spec.node), {}};
  cl.current = consensus::Request{cl.name, 1, consensus::make_config_op(change)};
  cl.next_id = 2;
  issue(cl.current);
  cl.alternative = cl.current;
  cl.first_sent = now_;
  auto c = static_cast<std::uint32_t>(clients_.size());
  client_index_[cl.name] = c;
  clients_.push_back(std::move(cl));
  client_send_all(c);
}

void World::client_send_all(std::uint32_t c) {
  Client& cl = clients_[c];
  for (const auto& n : nodes_) {
    // A byzantine client shows different operations to different replicas.
    const auto& req = cl.byzantine && n.id % 2 == 1 ? cl.alternative : cl.current;
    ++report_.client_messages;
    if (faults_on() && rng_.chance(static_cast<std::uint64_t>(opt_.drop * 1e6), 1'000'000)) continue;
    schedule(now_ + latency(), ClientSend{n.id, req});
  }
  schedule(now_ + opt_.client_retry, ClientRetry{c, cl.current.id});
}

void World::on_client_retry(const ClientRetry& r) {
  Client& cl = clients_[r.client];
  if (!cl.busy || cl.current.id != r.request_id) return;
  client_send_all(r.client);
}

void World::send_replies(Node& n, const std::vector<ledger::Reply>& replies) {
  for (const auto& rep : replies) {
    auto it = client_index_.find(rep.client);
    if (it == client_index_.end()) continue;  // e.g. an op a byzantine replica made up
    ++report_.client_messages;
    if (faults_on() && rng_.chance(static_cast<std::uint64_t>(opt_.drop * 1e6), 1'000'000)) continue;
    schedule(now_ + latency(), ReplyArrive{it->second, n.id, rep.request_id, crypto::sha256(rep.result)});
  }
}

void World::on_reply(const ReplyArrive& r) {
  Client& cl = clients_[r.client];
  if (!cl.busy || r.request_id != cl.current.id) return;
  auto& voters = cl.votes[r.result];
  voters.insert(r.from);
  if (voters.size() < config_.f() + 1) return;
  cl.busy = false;
  if (cl.admin) return;
  ++completed_;
  latencies_us_.push_back((now_ - cl.first_sent).count());
  if (opt_.client_think.count() > 0) schedule(now_ + opt_.client_think, ClientNext{r.client});
  else client_issue(r.client);
}

}  // namespace mlchain::sim::detail
