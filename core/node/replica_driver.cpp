// What the driver thread does with the Replica: step it and execute its
// actions in order, with group commit: Persist records and Sends are queued
// during a driver round (many events) and flush() makes all the records
// durable in ONE LMDB transaction before it writes any of the sends, so no
// Send gets ahead of a Persist that preceded it. An Execute first flushes
// the records queued before it; a block is durable (its own transaction)
// before any client hears of it.
#include <algorithm>

#include "node_impl.h"

namespace mlchain::node {
namespace {

std::string error_body(std::string_view code, const std::string& message) {
  codec::Json j = {{"error", {{"code", code}, {"message", message}}}};
  return j.dump(-1, ' ', false, codec::Json::error_handler_t::replace);
}

}  // namespace

void Node::Impl::step(consensus::Event event) {
  if (!replica || fatal_reported) return;
  execute(replica->step(event));
}

void Node::Impl::execute(std::vector<consensus::Action> actions) {
  for (auto& a : actions) {
    if (fatal_reported) return;
    if (auto* p = std::get_if<consensus::Persist>(&a)) {
      pending_persists.push_back(std::move(*p));
    } else if (auto* s = std::get_if<consensus::Send>(&a)) {
      queue_send(s->to, consensus::encode(*s->message));
    } else if (auto* e = std::get_if<consensus::Execute>(&a)) {
      flush_persists();
      if (fatal_reported) return;
      auto applied = ledger->apply(*e);
      if (!applied.ok()) return fatal(applied.status().with_context("applying block " + std::to_string(e->seq)));
      on_executed(*e, *applied);
      attest(*e, *applied);
      if (e->next_epoch) on_new_epoch(*e);
    } else if (auto* rr = std::get_if<consensus::ResendReply>(&a)) {
      auto it = waiters.find({rr->client, rr->request_id});
      if (it == waiters.end()) continue;
      auto cached = ledger->cached_reply(rr->client);
      if (!cached.ok() || !*cached || (*cached)->request_id != rr->request_id) continue;
      codec::Json j = {{"client", rr->client}, {"id", rr->request_id}, {"result", to_string((*cached)->result)}, {"duplicate", true}};
      for (auto& w : it->second) w.reply(net::Response::json(200, j.dump(-1, ' ', false, codec::Json::error_handler_t::replace)));
      waiter_count -= it->second.size();
      waiters.erase(it);
    } else if (auto* sb = std::get_if<consensus::ServeBlocks>(&a)) {
      auto batches = ledger->committed_batches(sb->from_seq, sb->max, sb->max_bytes);
      if (!batches.ok()) {
        log.warn("cannot serve blocks", {{"from", std::to_string(sb->from_seq)}, {"error", batches.status().to_string()}});
        continue;
      }
      auto msg = replica->make_block_bundle(std::move(batches).value(), sb->new_view);
      queue_send(sb->to, consensus::encode(*msg));
    } else if (auto* st = std::get_if<consensus::SetTimer>(&a)) {
      driver.set_timer(st->kind, st->after);
    } else if (auto* ct = std::get_if<consensus::CancelTimer>(&a)) {
      driver.cancel_timer(ct->kind);
    }
  }
}

// Replica ids are positions in the CURRENT epoch's member list (they shift
// when members leave), so they are mapped to keys when the send is queued.
void Node::Impl::queue_send(std::optional<consensus::ReplicaId> to, Bytes bytes) {
  if (!to) {
    outbox.emplace_back(std::nullopt, std::move(bytes));
    return;
  }
  const auto& members = replica->config().members;
  if (*to < members.size()) outbox.emplace_back(members[*to], std::move(bytes));
}

void Node::Impl::flush_persists() {
  if (!pending_attestations.empty()) {
    // Not part of the replicated state: written with the next block or
    // persist transaction (an fsync of their own cost ~10 % of throughput),
    // or by on_tick when nothing else writes; a crash costs a re-collection
    // (load_recent_attestations, resend_attestations).
    ledger->add_attestations(std::move(pending_attestations));
    pending_attestations.clear();
  }
  if (pending_persists.empty() || fatal_reported) return;
  Status st = ledger->persist(pending_persists);
  pending_persists.clear();
  if (!st.ok()) fatal(st.with_context("persisting consensus records"));
}

void Node::Impl::flush() {
  flush_persists();
  if (fatal_reported) {
    outbox.clear();
    return;
  }
  for (auto& [to, bytes] : outbox) {
    // The replica's byte budgets keep every message within the link limit
    // (consensus/types.h byte_budget()); one that is not is a bug to see,
    // not a silent loss: counted and logged with its size.
    if (bytes.size() > options.max_message_bytes) {
      ++peer_sends_refused;
      log.error("consensus message over the peer link limit: not sent",
                {{"bytes", std::to_string(bytes.size())}, {"limit", std::to_string(options.max_message_bytes)}});
      continue;
    }
    if (!to) {
      peers->broadcast(bytes);
    } else if (Status st = peers->send(*to, std::move(bytes)); !st.ok()) {
      ++peer_sends_refused;
      log.warn("peer link refused a consensus message", {{"peer", member_name(*to)}, {"error", st.message()}});
    }
  }
  outbox.clear();
}

void Node::Impl::on_executed(const consensus::Execute& e, const ledger::Applied& applied) {
  ++committed_blocks;
  committed_ops += applied.block.ops.size();
  if (log.enabled(LogLevel::kDebug)) {
    log.debug("committed block", {{"height", std::to_string(e.seq)}, {"ops", std::to_string(applied.block.ops.size())}});
  }
  auto now = detail::Driver::Clock::now();
  for (const auto& r : applied.replies) {
    auto it = waiters.find({r.client, r.request_id});
    if (it == waiters.end()) continue;
    codec::Json j = {{"client", r.client},
                     {"id", r.request_id},
                     {"result", to_string(r.result)},
                     {"height", e.seq},
                     {"block", genesis.blueprint.layer_path + "#" + std::to_string(e.seq)}};
    std::string body = j.dump(-1, ' ', false, codec::Json::error_handler_t::replace);
    for (auto& w : it->second) {
      latency.observe(std::chrono::duration<double>(now - w.start).count());
      w.reply(net::Response::json(200, body));
    }
    waiter_count -= it->second.size();
    waiters.erase(it);
  }
}

const consensus::EpochConfig* Node::Impl::config_of_epoch(consensus::Epoch e) {
  if (auto it = epoch_configs.find(e); it != epoch_configs.end()) return &it->second;
  auto c = ledger->epoch_config_of(e);
  if (!c.ok()) return nullptr;
  if (epoch_configs.size() >= 16) epoch_configs.erase(epoch_configs.begin());
  return &epoch_configs.emplace(e, std::move(c).value()).first->second;
}

void Node::Impl::attest(const consensus::Execute& e, const ledger::Applied& applied) {
  const auto* config = config_of_epoch(e.epoch);
  if (!config) return;
  auto self = config->index_of(key->public_key());
  if (!self) return;  // a learner applies blocks it did not help certify: it vouches for none
  auto mine = consensus::signed_part(consensus::Attest{e.epoch, e.seq, applied.block.hash(), *self, {}}, *signer);
  recent_own.push_back(mine);
  if (recent_own.size() > kResendAttestations) recent_own.pop_front();
  if (auto done = attestations.own(mine, *config, verifier)) pending_attestations.push_back(std::move(*done));
  if (replica->config().n() > 1) queue_send(std::nullopt, consensus::encode(consensus::Message(mine)));
}

void Node::Impl::on_attest(const crypto::PublicKey& from, const consensus::Attest& a) {
  const auto* config = config_of_epoch(a.epoch);
  if (!config) return;  // an epoch this chain has not reached: nothing to compare with
  if (auto done = attestations.peer(a, from, *config, verifier)) pending_attestations.push_back(std::move(*done));
}

void Node::Impl::resend_attestations(const crypto::PublicKey& peer) {
  for (const auto& a : recent_own) outbox.emplace_back(peer, consensus::encode(consensus::Message(a)));
  for (const auto& a : recent_epoch_votes) outbox.emplace_back(peer, consensus::encode(consensus::Message(a)));
}

void Node::Impl::load_recent_attestations() {
  std::uint64_t h = ledger->height();
  std::uint64_t from = h > kResendAttestations ? h - kResendAttestations + 1 : 1;
  for (std::uint64_t i = from; i <= h; ++i) {
    auto b = ledger->block(i);
    if (!b.ok() || !*b) continue;
    const auto* config = config_of_epoch((*b)->certificate.epoch);
    if (!config) continue;
    auto self = config->index_of(key->public_key());
    if (!self) continue;
    auto mine = consensus::signed_part(
        consensus::Attest{(*b)->certificate.epoch, i, (*b)->hash(), *self, {}}, *signer);
    recent_own.push_back(mine);
    auto have = ledger->attestation(i);
    if (have.ok() && !*have) {
      if (auto done = attestations.own(mine, *config, verifier)) pending_attestations.push_back(std::move(*done));
    }
  }
}

// Membership changed (consensus/reconfig.h): re-pin TLS to the new member
// keys, link to added members at the address the member directory records,
// and drop links to removed ones. Checkpoint knowledge is per replica id: reset it.
void Node::Impl::on_new_epoch(const consensus::Execute& e) {
  const auto& next = *e.next_epoch;
  std::set<crypto::PublicKey> keys(next.members.begin(), next.members.end());
  std::set<crypto::PublicKey> old;
  {
    std::lock_guard lock(members_mu);
    old = member_keys;
    member_keys = keys;
    epoch_snapshot = next;
  }
  bool was_learner = !old.count(key->public_key());
  // Link to every member added by this switch, at the address the chain's
  // member directory records (table "members", written when the add-member
  // op executed, in whichever block of the window that was, live or by state
  // transfer). Reading only the boundary block's ops missed adds ordered
  // earlier in the window: a fourth newcomer never linked to the three
  // before it (issue 14 item 4).
  if (Status st = load_directory(); !st.ok()) log.warn("cannot read the member directory", {{"error", st.message()}});
  for (const auto& k : keys) {
    if (old.count(k) || k == key->public_key()) continue;
    std::string address = member_address(k);
    if (address.empty()) {
      log.warn("no address recorded for a new member; it cannot be linked", {{"member", member_name(k)}});
      continue;
    }
    Status st = peers->add_peer(net::PeerAddress{address, k});
    if (!st.ok()) log.warn("cannot link to new member", {{"address", address}, {"error", st.message()}});
  }
  for (const auto& k : old)
    if (!keys.count(k)) peers->remove_peer(k);
  peer_checkpoint.clear();
  self_id = replica->id();
  epoch_switched(next, e.seq + 1);
  log.info("new epoch", {{"epoch", std::to_string(next.epoch)}, {"n", std::to_string(next.n())},
                         {"from_height", std::to_string(e.seq + 1)}, {"member", keys.count(key->public_key()) ? "yes" : "no"}});
  if (was_learner && keys.count(key->public_key())) {
    log.info("joined the layer: now a member", {{"epoch", std::to_string(next.epoch)}, {"height", std::to_string(e.seq)}});
  } else if (!was_learner && !keys.count(key->public_key())) {
    log.info("left the layer: this node no longer takes part; stop it (SIGTERM)", {{"epoch", std::to_string(next.epoch)}});
  }
}

void Node::Impl::on_tick() {
  auto now = detail::Driver::Clock::now();
  if (ledger && ledger->has_unsaved_attestations() && !fatal_reported) {
    if (Status st = ledger->flush_attestations(); !st.ok()) return fatal(st.with_context("storing block attestations"));
  }
  for (auto it = waiters.begin(); it != waiters.end();) {
    auto& ws = it->second;
    auto keep = std::partition(ws.begin(), ws.end(), [&](const Waiter& w) { return w.deadline > now; });
    for (auto w = keep; w != ws.end(); ++w) {
      count_rejected_op("timeout");
      w->reply(net::Response::json(
          504, error_body("timeout", "not committed within " + std::to_string(cfg.op_timeout_ms) +
                                         " ms (the layer may be changing view or lack a quorum); retry with the same id")));
    }
    waiter_count -= static_cast<std::size_t>(ws.end() - keep);
    ws.erase(keep, ws.end());
    it = ws.empty() ? waiters.erase(it) : std::next(it);
  }
  if (!replica) return;
  {
    // Published for the services' I/O threads (NodeHost::behind): a member
    // that is catching up lets another member order new work.
    std::string why;
    bool is_behind = !ready(&why) && why.rfind("catching up", 0) == 0;
    if (is_behind || behind_now.load()) {
      std::lock_guard lock(behind_mu);
      behind_reason = is_behind ? why : "";
    }
    behind_now = is_behind;
  }
  if (replica->view() != logged_view || replica->active() != logged_active) {
    logged_view = replica->view();
    logged_active = replica->active();
    const auto& config = replica->config();
    auto primary = config.primary(logged_view);
    log.info(logged_active ? "in view" : "changing view",
             {{"view", std::to_string(logged_view)},
              {"primary", primary < config.n() ? member_name(config.members[primary]) : "?"},
              {"height", std::to_string(ledger->height())}});
  }
}

void Node::Impl::submit(SignedOp op, Bytes forward, consensus::ReplicaId forward_id, net::Reply reply,
                        detail::Driver::Clock::time_point start) {
  if (!replica || fatal_reported) {
    return reply(net::Response::json(503, error_body("unavailable", "the node is not running")));
  }
  if (replica->learner() || replica->retired()) {
    count_rejected_op("not_member");
    return reply(net::Response::json(
        503, error_body("not_member", std::string("this node is ") +
                                          (replica->learner() ? "not a member yet (joining)" : "no longer a member") +
                                          "; send operations to a member of the layer")));
  }
  consensus::Request req = to_request(op);
  auto cached = ledger->cached_reply(req.client);
  if (cached.ok() && *cached) {
    const auto& c = **cached;
    if (c.request_id > req.id) {
      count_rejected_op("old_id");
      return reply(net::Response::json(
          409, error_body("old_request_id", "request id " + std::to_string(req.id) +
                                                " is not above this client's last executed id " +
                                                std::to_string(c.request_id) + "; use a larger id")));
    }
    if (c.request_id == req.id) {
      codec::Json j = {{"client", req.client}, {"id", req.id}, {"result", to_string(c.result)}, {"duplicate", true}};
      return reply(net::Response::json(200, j.dump(-1, ' ', false, codec::Json::error_handler_t::replace)));
    }
  }
  if (waiter_count >= 20'000) {
    count_rejected_op("busy");
    return reply(net::Response::json(503, error_body("busy", "too many operations in flight at this node; retry later")));
  }
  waiters[{req.client, req.id}].push_back(
      Waiter{std::move(reply), start, start + std::chrono::milliseconds(cfg.op_timeout_ms)});
  ++waiter_count;
  // PBFT clients multicast: relay to the other members too, so every backup
  // watches the primary for this request (and the primary gets it now).
  // The relay was encoded on the I/O thread (api.cpp); if our replica id
  // changed since (an epoch switch), encode it again here.
  if (replica->config().n() > 1) {
    if (forward.empty() || forward_id != replica->id()) {
      forward = consensus::encode(consensus::Message(consensus::ForwardedRequest{req, replica->id(), {}}));
    }
    queue_send(std::nullopt, std::move(forward));
  }
  step(consensus::Event{SystemClock().now(), consensus::ClientRequest{std::move(req)}});
}

void Node::Impl::on_peer_message(const crypto::PublicKey& from, Bytes payload) {
  auto msg = consensus::decode(payload, options.max_message_bytes);
  if (!msg.ok()) {
    ++peer_decode_errors;
    log.debug("undecodable peer message", {{"peer", member_name(from)}, {"error", msg.status().message()}});
    return;
  }
  auto ptr = std::make_shared<const consensus::Message>(std::move(msg).value());
  if (const auto* a = std::get_if<consensus::Attest>(ptr.get())) {
    driver.post([this, from, a = *a] {
      if (!replica) return;
      if (ledger::is_epoch_vote(a)) on_epoch_vote(from, a);
      else on_attest(from, a);
    });
    return;
  }
  driver.post([this, from, ptr] {
    auto id = replica->config().index_of(from);
    if (!id) {
      // A learner under a permit (learners.cpp) may fetch blocks, nothing
      // else; otherwise a member of an older epoch.
      if (const auto* fetch = std::get_if<consensus::FetchBlocks>(ptr.get())) serve_learner(from, *fetch);
      return;
    }
    consensus::ReplicaId rid = *id;
    if (const auto* cp = std::get_if<consensus::Checkpoint>(ptr.get())) {
      auto& s = peer_checkpoint[rid];
      s = std::max(s, cp->seq);
    }
    step(consensus::Event{SystemClock().now(), consensus::PeerMessage{rid, ptr}});
  });
}

bool Node::Impl::behind(std::string* why) const {
  if (!behind_now) return false;
  std::lock_guard lock(behind_mu);
  if (why) *why = behind_reason;
  return true;
}

bool Node::Impl::ready(std::string* why) const {
  if (replica->learner()) {
    if (why) *why = "joining: not a member yet (at height " + std::to_string(ledger->height()) +
                    "; an admin orders the add with mlchain node join)";
    return false;
  }
  if (replica->retired()) {
    if (why) *why = "retired: this node left the layer";
    return false;
  }
  if (removed) {
    std::lock_guard lock(members_mu);
    if (why) *why = removed_reason;
    return false;
  }
  std::size_t connected = peers ? peers->connected_peers().size() : 0;
  const auto& config = replica->config();
  if (connected + 1 < config.quorum()) {
    if (why) *why = "connected to " + std::to_string(connected + 1) + " of " + std::to_string(config.n()) +
                    " members (self included); a quorum is " + std::to_string(config.quorum());
    return false;
  }
  if (!replica->active()) {
    if (why) *why = "changing view";
    return false;
  }
  // Behind when f+1 members (at least one honest) checkpointed past us.
  std::vector<consensus::Seq> seqs;
  for (const auto& [r, s] : peer_checkpoint) seqs.push_back(s);
  std::sort(seqs.rbegin(), seqs.rend());
  std::size_t f = config.f();
  if (seqs.size() > f && seqs[f] > replica->last_executed() + options.checkpoint_interval) {
    if (why) *why = "catching up: at height " + std::to_string(replica->last_executed()) + ", members checkpointed " +
                    std::to_string(seqs[f]);
    return false;
  }
  return true;
}

void Node::Impl::count_rejected_op(const std::string& reason) {
  std::lock_guard lock(rejected_mu);
  ++rejected_ops[reason];
}

}  // namespace mlchain::node
