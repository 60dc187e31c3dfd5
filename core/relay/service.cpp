// The relay's inbound side: packets in, batched ordering, certificate parts
// for fellow members, contract queries.
#include <algorithm>
#include <charconv>
#include <future>

#include "mlchain/codec/fields.h"
#include "mlchain/common/clock.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/node/epochs.h"
#include "relay_impl.h"

namespace mlchain::relay {
namespace {

using codec::Json;

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

// The machine's result text -> the HTTP answer for a refusal.
Answer refusal(const std::string& result, std::string_view layer) {
  std::string why = result.rfind("error: ", 0) == 0 ? result.substr(7) : result;
  if (why.rfind("replay:", 0) == 0) return error_answer(409, "replay", why, layer);
  if (why.rfind("statement 1:", 0) == 0) return error_answer(401, "certificate_refused", why, layer);
  if (why.rfind("pruned:", 0) == 0 || why.rfind("expired:", 0) == 0) return error_answer(410, "expired", why, layer);
  return error_answer(422, "refused", why, layer);
}

}  // namespace

Answer error_answer(int status, std::string_view code, const std::string& message, std::string_view layer) {
  return Answer{status, dump({{"error", {{"code", code}, {"message", message}, {"layer", layer}}}})};
}

ContractService::ContractService(const node::ServiceContext& ctx, RelayOptions options)
    : ctx_(ctx),
      options_(options),
      layer_(ctx.genesis.blueprint.layer_path),
      keys_(contract::address_book_lookup(ctx.genesis.blueprint)),
      machine_(layer_, keys_, ctx.verifier) {
  machine_.set_first_id(ctx.genesis.blueprint.contract_first_id);
  std::set<std::string> admins;
  for (const auto& k : ctx.genesis.blueprint.admin_keys) admins.insert(k.hex());
  machine_.set_admins(std::move(admins));
}

ContractService::~ContractService() { stop(); }

Status ContractService::admit_client_op(const node::SignedOp& op, bool client_is_member, bool client_is_admin) const {
  std::string_view body = std::string_view(op.op).substr(contract::kContractOpPrefix.size());
  auto j = codec::parse(body, codec::ParseLimits{1024, 2, 64, 4});
  bool prune = j.ok() && codec::string_or_empty(*j, "action") == "prune";
  if (prune) {
    if (client_is_admin) return {};
    return permission_denied("only an admin key of this layer (the blueprint's admin_keys) may order a prune; key " +
                             op.client.key_id() + " is not one");
  }
  if (client_is_member) return {};
  return permission_denied("contract packets reach a layer through POST /v1/contract/packet, not as client ops");
}

Status ContractService::start(node::NodeHost& host) {
  host_ = &host;
  std::lock_guard lock(mu_);
  stopping_ = false;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.workers); ++i)
    threads_.emplace_back([this] { worker(); });
  {
    std::lock_guard slock(sup_mu_);
    sup_stop_ = false;
  }
  if (ctx_.genesis.blueprint.superior && options_.superior_review.count() > 0)
    superior_thread_ = std::thread([this] { superior_loop(); });
  if (!high_level_neighbours().empty()) follow_thread_ = std::thread([this] { follow_loop(); });
  return {};
}

void ContractService::stop() {
  {
    std::lock_guard lock(sup_mu_);
    sup_stop_ = true;
  }
  sup_cv_.notify_all();
  if (superior_thread_.joinable()) superior_thread_.join();
  if (follow_thread_.joinable()) follow_thread_.join();
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  bg_.join_all();  // the background calls: each bounded by its timeout
  std::lock_guard lock(cmu_);
  idle_.clear();
}

bool ContractService::post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || threads_.empty() || tasks_.size() >= options_.queue_limit) return false;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void ContractService::worker() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, nothing left
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    // A task answers its own request; one that throws (a bug, or resources
    // exhausted) must not take the node down: log it and go on.
    try {
      task();
    } catch (const std::exception& e) {
      count("task_failed");
      host_->log().error("contract relay task failed", {{"error", e.what()}});
    }
  }
}

void ContractService::count(const std::string& what) {
  std::lock_guard lock(smu_);
  ++counters_[what];
}

bool ContractService::handle(net::Request& req, net::Reply& reply) {
  std::string path = path_of(req.target);
  auto answer = [&reply](const Answer& a) { reply(net::Response::json(a.status, a.body)); };
  if (path == "/v1/contract/packet") {
    if (req.method != "POST") {
      answer(error_answer(405, "method_not_allowed", "use POST /v1/contract/packet", layer_));
      return true;
    }
    auto budget = options_.default_budget;
    if (auto it = req.headers.find(std::string(kBudgetHeader)); it != req.headers.end()) {
      long long ms = 0;
      auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), ms);
      if (ec == std::errc() && p == it->second.data() + it->second.size())
        budget = std::chrono::milliseconds(std::clamp<long long>(ms, 1'000, 120'000));
    }
    auto deadline = Clock::now() + budget;
    auto shared = std::make_shared<net::Reply>(std::move(reply));
    auto body = std::make_shared<std::string>(std::move(req.body));
    bool asked = req.headers.count(std::string(kAskedHeader)) > 0;
    count("received");
    if (!post([this, body, deadline, shared, asked] { process_packet(*body, deadline, *shared, asked); })) {
      count("refused_busy");
      (*shared)(
          net::Response::json(503, error_answer(503, "busy", "the relay of this node is full; retry", layer_).body));
    }
    return true;
  }
  if (path == "/v1/contract/sign") {
    if (req.method != "POST") {
      answer(error_answer(405, "method_not_allowed", "use POST /v1/contract/sign", layer_));
      return true;
    }
    // Answered here, on the event loop (a store read and one signature), not
    // on the worker pool: members' workers wait for each other's signatures,
    // so a sign request queued behind full pools could deadlock the layer.
    answer(sign(req.body));
    return true;
  }
  if (path.rfind("/v1/directory/", 0) == 0) {
    if (req.method != "GET") {
      answer(error_answer(405, "method_not_allowed", "use GET /v1/directory/<layer path>", layer_));
      return true;
    }
    auto target = contract::from_url_segment(path.substr(14));
    if (!target || !contract::validate_layer_path(*target).ok()) {
      answer(error_answer(400, "bad_request", "not a layer path: " + path.substr(14), layer_));
      return true;
    }
    auto shared = std::make_shared<net::Reply>(std::move(reply));
    auto t = *target;
    if (!post([this, t, shared] {
          auto book = resolve(t, Clock::now() + std::chrono::seconds(10), /*anonymous=*/true);
          if (book.ok()) return (*shared)(net::Response::json(200, dump(book->to_json())));
          bool unknown = book.status().code() == ErrorCode::kNotFound;
          auto a = error_answer(unknown ? 404 : 503, unknown ? "unknown_layer" : "unreachable", book.status().message(),
                                layer_);
          (*shared)(net::Response::json(a.status, a.body));
        })) {
      (*shared)(
          net::Response::json(503, error_answer(503, "busy", "the relay of this node is full; retry", layer_).body));
    }
    return true;
  }
  if (path.rfind("/v1/contracts/", 0) == 0) {
    if (req.method != "GET") {
      answer(error_answer(405, "method_not_allowed", "use GET /v1/contracts/<id>", layer_));
      return true;
    }
    auto shared = std::make_shared<net::Reply>(std::move(reply));
    auto r = std::make_shared<net::Request>(std::move(req));
    if (!post([this, r, shared] { query(*r, *shared); })) {
      (*shared)(
          net::Response::json(503, error_answer(503, "busy", "the relay of this node is full; retry", layer_).body));
    }
    return true;
  }
  return false;
}

// ---- packets ----

std::optional<Answer> ContractService::ask_responsible(const contract::Packet& p, const std::string& body,
                                                      Clock::time_point deadline) {
  std::string id, responsible;
  {
    auto txn = host_->store().begin_read();
    if (!txn.ok()) return std::nullopt;
    auto named = contract::named_block_id(p, layer_);
    if (!named.ok()) return std::nullopt;  // the state machine says why
    auto l = contract::get_contract(**txn, *named);
    if (!l.ok() || l->kind != contract::LookupKind::kFound || l->block->accomplished) return std::nullopt;
    id = *named;
    responsible = l->block->responsible;
  }
  const std::string me = host_->key().public_key().hex();
  if (responsible == me) return std::nullopt;
  std::optional<BookMember> target;
  for (const auto& m : host_->members())
    if (m.key.hex() == responsible && !m.address.empty()) target = BookMember{m.name, m.key, m.address};
  std::string why = "it is no longer a member";
  if (target) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto timeout = std::min(kAskResponsible, std::max(left, std::chrono::milliseconds(1)));
    auto budget = std::max<long long>(1'000, left.count());
    auto r = call(*target, "POST", "/v1/contract/packet", body,
                  {{std::string(kAskedHeader), host_->node_name()}, {std::string(kBudgetHeader), std::to_string(budget)}},
                  timeout);
    // Any answer but "unavailable" is the responsible node's: pass it on.
    if (r.ok() && r->status != 503) {
      count("responsible_answered");
      return Answer{r->status, r->body};
    }
    why = r.ok() ? "it answered 503" : r.status().message();
  }
  // It did not answer: take over by an ordered op, then handle the packet here.
  auto done = std::make_shared<std::promise<Result<node::Ordered>>>();
  auto answer = done->get_future();
  host_->order(contract::takeover_op_text(id, responsible),
               [done](Result<node::Ordered> r) { done->set_value(std::move(r)); });
  if (answer.wait_until(deadline) != std::future_status::ready) {
    return error_answer(503, "unavailable", "the takeover of " + id + " was not ordered in time; retry", layer_);
  }
  auto ordered = answer.get();
  std::string result = ordered.ok() ? ordered->result : ordered.status().message();
  if (ordered.ok() && result.rfind("ok", 0) == 0) {
    count("takeovers");
    host_->log().warn("took over a contract block: its responsible node did not answer",
                      {{"id", id}, {"responsible", responsible.substr(0, 16)}, {"why", why.substr(0, 200)}});
  } else {
    // Someone else took over meanwhile, or the block closed: the packet is
    // still handled here (ordering it is idempotent per sum).
    host_->log().info("takeover not ordered", {{"id", id}, {"result", result.substr(0, 200)}});
  }
  return std::nullopt;
}

void ContractService::process_packet(const std::string& body, Clock::time_point deadline, const net::Reply& reply,
                                     bool asked) {
  auto send = [&reply](const Answer& a) { reply(net::Response::json(a.status, a.body)); };
  auto refuse = [&](int status, std::string_view code, const std::string& message) {
    count("refused_" + std::string(code));
    send(error_answer(status, code, message, layer_));
  };
  codec::ParseLimits limits;
  limits.max_bytes = 256 * 1024;
  limits.max_depth = 6;
  limits.max_string_bytes = contract::kMaxPacketBytes;
  limits.max_elements = 1024;
  auto j = codec::parse(body, limits);
  if (!j.ok() || !j->is_object()) return refuse(400, "bad_request", "the body is not a JSON object {packet, cert}");
  if (auto st = codec::only_fields(*j, {"packet", "cert"}, "contract packet request"); !st.ok())
    return refuse(400, "bad_request", st.message());
  auto pj = codec::get_object(*j, "packet");
  auto cj = codec::get_object(*j, "cert");
  if (!pj.ok() || !cj.ok()) return refuse(400, "bad_request", "the body needs \"packet\" and \"cert\" objects");
  auto p = contract::packet_from_json(*pj);
  if (!p.ok()) return refuse(400, "bad_request", "packet: " + p.status().message());
  if (p->body.empty()) return refuse(400, "bad_request", "the packet carries no body");
  auto cert = contract::certificate_from_json(*cj);
  if (!cert.ok()) return refuse(400, "bad_request", "certificate: " + cert.status().message());
  if (p->route.dst.size() < 2 || p->route.dst.front() != layer_) {
    return refuse(400, "wrong_layer",
                  "the packet is addressed to " +
                      (p->route.dst.empty() ? std::string("nobody") : p->route.dst.front()) + ", not to layer " +
                      layer_);
  }
  std::string sum = crypto::digest_hex(p->sum);
  const std::string& claimed = p->route.src.front();
  std::string next_layer = p->route.dst[1];
  std::optional<std::pair<std::string, std::uint64_t>> recorded;  // a retry: (id, height)
  // Signed by members we do not know for that neighbour: its membership may
  // have moved on (a new epoch) since we last followed it. Follow it now
  // (bounded), so statement 1 below is checked against its current members.
  if (p->route.src.size() > 1 && needs_follow(*cert, claimed) && admit_demand_follow(claimed)) {
    auto followed = follow(claimed, std::min(deadline, Clock::now() + std::chrono::seconds(5)));
    if (!followed.ok())
      host_->log().debug("following a neighbour failed", {{"layer", claimed}, {"error", followed.status().message()}});
  }
  {
    auto txn = host_->store().begin_read();
    if (!txn.ok()) return refuse(500, "internal", txn.status().message());
    // Statement 1 before anything is ordered (every replica checks it again).
    auto keys = keys_(**txn, claimed, unix_millis(SystemClock().now()));
    if (!keys.ok()) {
      if (keys.status().code() != ErrorCode::kNotFound) return refuse(500, "internal", keys.status().message());
      return refuse(401, "certificate_refused", "statement 1: " + keys.status().message());
    }
    keys->edge = p->route.src.size() == 1;
    auto verdict = contract::check_certificate(*cert, *p, claimed, *keys, host_->verifier());
    if (!verdict.status.ok()) {
      // Signed by another deployment of our superior (an alternate, or the
      // original after we moved): the two layers do not trust the same one
      // yet, typically while a change-superior is under way on one side.
      // Retryable (the sender waits within its budget); nothing is ordered.
      if (auto other = other_superior_candidate(**txn, claimed, *cert, *p)) {
        count("superior_mismatch");
        return refuse(503, "superior_mismatch",
                      "statement 1: the packet is certified by " + *other + " of " + claimed +
                          ", which this layer does not trust now; the layers may be changing superior: retry");
      }
      count("certificate_" + std::string(contract::cert_failure_name(verdict.failure)));
      return refuse(401, "certificate_refused", "statement 1: " + verdict.status.message());
    }
    auto next = local_book(**txn, next_layer);
    if (!next.ok()) {
      return refuse(404, "unknown_layer",
                    "the next layer on the route, " + next_layer +
                        ", is not a neighbour this layer records: " + next.status().message());
    }
    // Towards a superior that failed every challenge: refused before anything
    // is ordered (the sender keeps the packet and may retry later).
    if (ctx_.genesis.blueprint.superior && next_layer == ctx_.genesis.blueprint.superior->path) {
      if (auto why = frozen(txn->get())) return refuse(503, "superior_frozen", *why);
    }
    // The sum already recorded as this very packet: a retry or a takeover.
    auto known = (*txn)->get(contract::kContractSumsTable, sum);
    if (known.ok() && known->has_value()) {
      auto l = contract::get_contract(**txn, **known);
      if (l.ok() && l->kind == contract::LookupKind::kFound) {
        contract::Packet fwd = *p;
        if (contract::advance(fwd, layer_, **known).ok()) {
          std::string out = crypto::digest_hex(contract::packet_digest(fwd));
          for (const auto& k : l->block->k)
            if (k.sum == sum && k.out == out) recorded = std::make_pair(**known, k.height);
        }
      }
    }
  }
  if (recorded) {
    count("retries");
    return send(forward(std::move(p).value(), recorded->first, recorded->second, true, deadline));
  }
  // A member that is catching up would hold the packet until it has (a
  // restarted or healed member, seconds): another member of this layer takes
  // it now (the relays and edges try the next member on 503 unavailable).
  if (std::string why; host_->behind(&why)) {
    return refuse(503, "unavailable",
                  host_->node_name() + " is " + why + "; another member of " + layer_ + " takes the packet");
  }
  // Statement 4: a follow-up goes to the block's responsible member first.
  if (p->kind != contract::PacketKind::kFirst && !asked) {
    if (auto a = ask_responsible(*p, body, deadline)) return send(*a);
  }
  // Order it (batched with whatever else is waiting), then forward from a worker.
  auto packet = std::make_shared<contract::Packet>(std::move(p).value());
  auto r = std::make_shared<net::Reply>(reply);
  auto t_order = Clock::now();
  order(*packet, *cert, [this, packet, r, deadline, t_order](Result<OrderOutcome> outcome) {
    auto order_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t_order).count();
    // On the driver thread: hand over to a worker.
    bool queued = post([this, packet, r, deadline, outcome, order_us] {
      auto send_r = [&r](const Answer& a) { (*r)(net::Response::json(a.status, a.body)); };
      if (!outcome.ok()) {
        count("refused_unavailable");
        return send_r(error_answer(503, "unavailable", outcome.status().message(), layer_));
      }
      const std::string& res = outcome->result;
      if (res.rfind("ok: ", 0) != 0) {
        Answer a = refusal(res, layer_);
        count(a.status == 409 ? "refused_replay" : a.status == 401 ? "refused_certificate_refused" : "refused_other");
        if (a.status == 409)
          host_->log().warn("contract replay refused", {{"layer", layer_}, {"result", res.substr(0, 200)}});
        return send_r(a);
      }
      count("ordered");
      send_r(forward(std::move(*packet), contract::accepted_id(res), outcome->height, false, deadline, order_us));
    });
    if (!queued)
      (*r)(net::Response::json(503, error_answer(503, "busy", "the relay is stopping or full", layer_).body));
  });
}

// One batch in flight per node (the replica keeps one pending request per
// client): what arrives meanwhile goes into the next batch.
void ContractService::order(const contract::Packet& p, const contract::LayerCertificate& cert, OrderCallback done) {
  // Waiters share an outcome only for the very same packet: two packets with
  // one sum (a byzantine sender) are ordered apart, and the second is refused
  // as a replay, instead of the second borrowing the first's block id.
  std::string key = crypto::digest_hex(contract::packet_digest(p));
  contract::Packet envelope = p;
  envelope.body.clear();
  {
    std::lock_guard lock(omu_);
    auto it = waiting_.find(key);
    if (it != waiting_.end()) {  // the same packet is already on its way: share the outcome
      it->second.push_back(std::move(done));
      return;
    }
    if (pending_.size() < kMaxPending) {
      waiting_[key].push_back(std::move(done));
      pending_.push_back(Pending{std::move(envelope), cert, key});
      if (in_flight_) return;  // goes with the next batch
      in_flight_ = true;
      done = nullptr;
    }
  }
  if (done) {  // the queue is full: refuse now, outside the lock
    count("refused_busy");
    return done(unavailable("this node has " + std::to_string(kMaxPending) + " packets waiting to be ordered; retry"));
  }
  flush_batch();
}

void ContractService::flush_batch() {
  std::vector<std::pair<contract::Packet, contract::LayerCertificate>> items;
  std::vector<std::string> sums;
  {
    std::lock_guard lock(omu_);
    if (pending_.empty()) {
      in_flight_ = false;
      return;
    }
    std::size_t bytes = 64;
    while (!pending_.empty() && items.size() < contract::kMaxBatchItems) {
      std::size_t size = dump(contract::envelope_json(pending_.front().packet)).size() +
                         dump(contract::to_json(pending_.front().cert)).size() + 32;
      if (!items.empty() && bytes + size > options_.batch_bytes) break;
      bytes += size;
      items.emplace_back(std::move(pending_.front().packet), std::move(pending_.front().cert));
      sums.push_back(std::move(pending_.front().sum));
      pending_.pop_front();
    }
  }
  auto text = contract::batch_op_text(items);
  if (!text.ok()) return on_batch(sums, text.status());
  ++batches_;
  batch_items_ += items.size();
  host_->order(std::move(text).value(),
               [this, sums](Result<node::Ordered> ordered) { on_batch(sums, std::move(ordered)); });
}

void ContractService::on_batch(std::vector<std::string> sums, Result<node::Ordered> ordered) {
  std::vector<std::string> results(sums.size());
  Status failure;
  if (!ordered.ok()) {
    failure = ordered.status();
  } else if (ordered->result.rfind("batch: ", 0) != 0) {
    failure = internal_error("the batch was not applied as one: " + ordered->result.substr(0, 200));
  } else {
    auto list = codec::parse(std::string_view(ordered->result).substr(7));
    if (!list.ok() || !list->is_array() || list->size() != sums.size()) {
      failure = internal_error("the batch result does not list every item");
    } else {
      for (std::size_t i = 0; i < sums.size(); ++i)
        results[i] = (*list)[i].is_string() ? (*list)[i].get<std::string>() : "error: malformed item result";
    }
  }
  std::vector<std::pair<OrderCallback, Result<OrderOutcome>>> calls;
  {
    std::lock_guard lock(omu_);
    for (std::size_t i = 0; i < sums.size(); ++i) {
      auto it = waiting_.find(sums[i]);
      if (it == waiting_.end()) continue;
      for (auto& cb : it->second) {
        calls.emplace_back(std::move(cb), failure.ok() ? Result<OrderOutcome>(OrderOutcome{results[i], ordered->height})
                                                       : Result<OrderOutcome>(failure));
      }
      waiting_.erase(it);
    }
  }
  for (auto& [cb, r] : calls) cb(std::move(r));
  flush_batch();
}

// ---- certificate parts for fellow members ----

// Does this node's state record `next` (a packet as it leaves this layer)
// under the block it names for this layer? The one test before any member,
// this one included, vouches for a packet.
ContractService::Recorded ContractService::recorded(const contract::Packet& next, std::string* why) const {
  auto id = contract::named_block_id(next, layer_);
  if (!id.ok()) {
    *why = id.status().message();
    return Recorded::kNo;
  }
  std::string sum = crypto::digest_hex(next.sum);
  auto txn = host_->store().begin_read();
  if (!txn.ok()) {
    *why = "the store cannot be read: " + txn.status().message();
    return Recorded::kNotYet;
  }
  auto known = (*txn)->get(contract::kContractSumsTable, sum);
  if (!known.ok() || !known->has_value()) {
    *why = "this member has not applied the packet's block yet";
    return Recorded::kNotYet;
  }
  if (**known != *id) {
    *why = "this layer recorded the sum in " + **known + ", not " + *id;
    return Recorded::kNo;
  }
  auto l = contract::get_contract(**txn, *id);
  if (!l.ok() || l->kind != contract::LookupKind::kFound) {
    *why = "no live contract block " + *id;
    return Recorded::kNo;
  }
  std::string out = crypto::digest_hex(contract::packet_digest(next));
  for (const auto& k : l->block->k)
    if (k.sum == sum && k.out == out) return Recorded::kYes;
  *why = "this is not the packet layer " + layer_ + " recorded under " + *id;
  return Recorded::kNo;
}

Answer ContractService::sign(const std::string& body) {
  auto j = codec::parse(body, codec::ParseLimits{64 * 1024, 6, 4096, 512});
  if (!j.ok() || !j->is_object())
    return error_answer(400, "bad_request", "the body is not a JSON object {packet, layer}", layer_);
  if (auto st = codec::only_fields(*j, {"packet", "layer"}, "sign request"); !st.ok())
    return error_answer(400, "bad_request", st.message(), layer_);
  auto layer = codec::get_string(*j, "layer", contract::kMaxLayerPathBytes);
  auto pj = codec::get_object(*j, "packet");
  if (!layer.ok() || !pj.ok())
    return error_answer(400, "bad_request", "the body needs \"packet\" and \"layer\"", layer_);
  if (*layer != layer_) return error_answer(400, "wrong_layer", "this node signs for layer " + layer_, layer_);
  if (pj->contains("body")) return error_answer(400, "bad_request", "send the envelope only, without the body", layer_);
  auto p = contract::packet_from_json(*pj);
  if (!p.ok()) return error_answer(400, "bad_request", "packet: " + p.status().message(), layer_);
  if (p->route.src.empty() || p->route.src.front() != layer_ || p->route.dst.empty())
    return error_answer(400, "bad_request", "the packet has not just left layer " + layer_, layer_);
  std::string why;
  switch (recorded(*p, &why)) {
    case Recorded::kYes:
      break;
    case Recorded::kNotYet:
      return error_answer(409, "not_yet", why, layer_);
    case Recorded::kNo:
      count("sign_refused");
      return error_answer(403, "not_recorded", why, layer_);
  }
  count("signed");
  contract::LayerCertificate c = contract::begin_certificate(*p, layer_);
  KeySigner signer(host_->key());
  crypto::Signature sig = contract::sign_certificate(c, signer);
  return Answer{200, dump({{"key", host_->key().public_key().hex()}, {"sig", crypto::signature_hex(sig)}})};
}

// ---- queries ----

void ContractService::query(const net::Request& req, const net::Reply& reply) {
  auto send = [&reply](const Answer& a) { reply(net::Response::json(a.status, a.body)); };
  std::string path = path_of(req.target);
  auto id = contract::from_url_segment(path.substr(14));
  if (!id || !contract::parse_block_id(*id).ok())
    return send(error_answer(400, "bad_request",
                             "not a contract block id: " + path.substr(14) + " (<layer path>#<seq>)", layer_));
  if (contract::parse_block_id(*id)->layer != layer_)
    return send(
        error_answer(404, "not_found", *id + " is a block of another layer; ask a member of that layer", layer_));
  // Who asks: a signed query (node/signed_op.h, check_signed_query).
  auto key = node::check_signed_query(req.headers, ctx_.genesis.hash_hex, path, unix_millis(SystemClock().now()),
                                      host_->verifier());
  if (!key.ok()) {
    bool unsigned_query = req.headers.count("x-mlchain-sig") == 0 || req.headers.count("x-mlchain-key") == 0;
    count(unsigned_query ? "query_unsigned" : "query_bad_signature");
    return send(error_answer(401, "bad_signature",
                             key.status().message() + (unsigned_query ? " (docs/contracts.md §8.4)" : ""), layer_));
  }
  auto txn = host_->store().begin_read();
  if (!txn.ok()) return send(error_answer(500, "internal", txn.status().message(), layer_));
  auto l = contract::get_contract(**txn, *id);
  if (!l.ok()) return send(error_answer(500, "internal", l.status().message(), layer_));
  txn->reset();
  const auto& admins = ctx_.genesis.blueprint.admin_keys;
  bool allowed = host_->is_member(*key) || std::find(admins.begin(), admins.end(), *key) != admins.end();
  if (!allowed && l->kind == contract::LookupKind::kFound) {
    // The parties' edge layers, by their keys as the directory gives them.
    auto edge_of = [](const std::string& party) { return party.substr(0, party.rfind('/')); };
    for (const auto& party : {l->block->from, l->block->to}) {
      auto book = resolve(edge_of(party), Clock::now() + std::chrono::seconds(10));
      if (!book.ok()) continue;
      for (const auto& m : book->members) allowed = allowed || m.key == *key;
    }
  }
  if (!allowed) {
    count("query_not_authorized");
    return send(error_answer(403, "not_authorized",
                             "key " + key->key_id() + " may not read " + *id + ": only members and admins of " +
                                 layer_ + " and the parties' edge layers may",
                             layer_));
  }
  if (l->kind == contract::LookupKind::kNotFound)
    return send(error_answer(404, "not_found", "no contract block " + *id + " in layer " + layer_, layer_));
  if (l->kind == contract::LookupKind::kPruned) {
    return send(Answer{200, dump({{"id", *id}, {"layer", layer_}, {"state", "pruned"}, {"pruned_at", l->pruned_at}})});
  }
  // Each K entry's op: the block at its height and the op that carries the
  // sum. Read here, on a worker (the store serves concurrent readers), not on
  // the driver thread that runs consensus.
  const auto& block = *l->block;
  Json ops = Json::array();
  for (const auto& k : block.k) {
    Json e = {{"sum", k.sum}, {"height", k.height}, {"op_index", nullptr}};
    auto b = host_->block(k.height);
    if (!b.ok()) return send(error_answer(503, "unavailable", b.status().message(), layer_));
    if (*b) {
      const auto& list = (**b).ops;
      for (std::size_t i = 0; i < list.size(); ++i) {
        std::string_view text(reinterpret_cast<const char*>(list[i].op.data()), list[i].op.size());
        if (text.find(k.sum) != std::string_view::npos) {
          e["op_index"] = i;
          break;
        }
      }
    }
    ops.push_back(std::move(e));
  }
  // The record exactly as stored: an accepted packet's result carries its
  // digest (contract/state_machine.h), which is what a proof checks.
  Json out = {{"id", *id},
              {"layer", layer_},
              {"state", "found"},
              {"block", contract::to_json(block)},
              {"ops", ops}};
  send(Answer{200, dump(out)});
}

// ---- observability ----

std::string ContractService::metrics_text() const {
  std::string out;
  out += "# HELP mlchain_contract_events_total Contract relay events at this node, by kind.\n";
  out += "# TYPE mlchain_contract_events_total counter\n";
  {
    std::lock_guard lock(smu_);
    for (const auto& [k, v] : counters_)
      out += "mlchain_contract_events_total{event=\"" + k + "\"} " + std::to_string(v) + "\n";
  }
  out += "# HELP mlchain_contract_batches_total Contract batches this node ordered.\n";
  out += "# TYPE mlchain_contract_batches_total counter\n";
  out += "mlchain_contract_batches_total " + std::to_string(batches_.load()) + "\n";
  out += "# HELP mlchain_contract_batch_items_total Packets in the batches this node ordered.\n";
  out += "# TYPE mlchain_contract_batch_items_total counter\n";
  out += "mlchain_contract_batch_items_total " + std::to_string(batch_items_.load()) + "\n";
  std::uint64_t alarms = 0;
  if (host_) {
    if (auto txn = host_->store().begin_read(); txn.ok()) {
      if (auto a = contract::alarm_count(**txn); a.ok()) alarms = *a;
    }
  }
  out +=
      "# HELP mlchain_contract_alarms_total Replays and refused certificates the layer has recorded (Statements 1, "
      "5).\n";
  out += "# TYPE mlchain_contract_alarms_total counter\n";
  out += "mlchain_contract_alarms_total " + std::to_string(alarms) + "\n";
  if (ctx_.genesis.blueprint.superior) {
    std::lock_guard lock(sup_mu_);
    out +=
        "# HELP mlchain_superior_frozen 1 while contract traffic towards the superior layer is frozen (superior "
        "alarm).\n";
    out += "# TYPE mlchain_superior_frozen gauge\n";
    out += "mlchain_superior_frozen " + std::string(sup_.frozen ? "1" : "0") + "\n";
    out +=
        "# HELP mlchain_superior_alarms_total Times every member of the superior layer failed its challenge long "
        "enough to freeze.\n";
    out += "# TYPE mlchain_superior_alarms_total counter\n";
    out += "mlchain_superior_alarms_total " + std::to_string(sup_.alarms) + "\n";
    out +=
        "# HELP mlchain_superior_candidate Which superior candidate the layer trusts (0: the blueprint's, i: its "
        "i-th alternate).\n";
    out += "# TYPE mlchain_superior_candidate gauge\n";
    out += "mlchain_superior_candidate " + std::to_string(sup_.index) + "\n";
    out += "# HELP mlchain_superior_changes Ordered superior changes of this layer.\n";
    out += "# TYPE mlchain_superior_changes gauge\n";
    out += "mlchain_superior_changes " + std::to_string(sup_.generation) + "\n";
    out += "# HELP mlchain_superior_votes_total Change-superior votes this member ordered.\n";
    out += "# TYPE mlchain_superior_votes_total counter\n";
    out += "mlchain_superior_votes_total " + std::to_string(sup_.votes) + "\n";
  }
  return out;
}

codec::Json ContractService::status_json() const {
  Json j = Json::object();
  {
    std::lock_guard lock(smu_);
    for (const auto& [k, v] : counters_) j[k] = v;
  }
  j["batches"] = batches_.load();
  j["batch_items"] = batch_items_.load();
  j["superior"] = superior_json();
  // The high-level neighbours' membership as this layer's chain follows it
  // (node/epochs.h): the epoch and members whose certificates count.
  Json neighbours = Json::array();
  if (host_) {
    if (auto txn = host_->store().begin_read(); txn.ok()) {
      for (const auto& path : high_level_neighbours()) {
        auto t = node::trusted_neighbour(**txn, ctx_.genesis.blueprint, path);
        if (!t.ok()) continue;
        Json members = Json::array();
        for (const auto& m : t->members) members.push_back(m.name);
        neighbours.push_back({{"layer", path}, {"epoch", t->epoch}, {"members", std::move(members)}});
      }
    }
  }
  j["neighbours"] = std::move(neighbours);
  return j;
}

std::vector<codec::Json> ContractService::selfcheck() const {
  // Contract blocks whose expiry (block time) has passed by this node's
  // clock: they wait for `mlchain block cleanup`. A maintenance note, not a
  // fault: the check holds either way.
  std::uint64_t live = 0, expired = 0, pruned = 0, alarms = 0;
  std::int64_t now = unix_millis(SystemClock().now());
  bool readable = false;
  if (host_) {
    if (auto txn = host_->store().begin_read(); txn.ok()) {
      readable = true;
      if (auto cur = (*txn)->cursor(contract::kContractsTable); cur.ok() && (*cur)->first().ok()) {
        for (std::size_t n = 0; (*cur)->valid() && n < 1'000'000; ++n) {
          auto j = codec::parse((*cur)->value());
          if (j.ok() && j->contains("pruned_at")) {
            ++pruned;
          } else if (j.ok()) {
            (j->value("expires_at", std::int64_t{0}) < now ? expired : live) += 1;
          }
          if (!(*cur)->next().ok()) break;
        }
      }
      if (auto a = contract::alarm_count(**txn); a.ok()) alarms = *a;
    }
  }
  // Neighbour entries with a lifetime (attached subordinates): expired ones
  // fail the check, those within 30 days of it are named.
  std::vector<std::string> lapsed, soon;
  if (readable) {
    if (auto txn = host_->store().begin_read(); txn.ok()) {
      if (auto cur = (*txn)->cursor(node::kSubordinatesTable); cur.ok() && (*cur)->first().ok()) {
        while ((*cur)->valid()) {
          auto j = codec::parse((*cur)->value());
          std::int64_t until = j.ok() ? j->value("expires_at", std::int64_t{0}) : 0;
          if (until != 0 && until < now)
            lapsed.emplace_back((*cur)->key());
          else if (until != 0 && until - now < 30LL * 86'400'000)
            soon.emplace_back((*cur)->key());
          if (!(*cur)->next().ok()) break;
        }
      }
    }
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  std::string book_detail = lapsed.empty() && soon.empty()
                                ? ""
                                : "; address-book entries " + (lapsed.empty() ? "" : "EXPIRED: " + join(lapsed)) +
                                      (!lapsed.empty() && !soon.empty() ? ", " : "") +
                                      (soon.empty() ? "" : "expiring within 30 days: " + join(soon)) +
                                      " (mlchain layer attach renews them)";
  std::string detail = std::to_string(live) + " live contract blocks, " + std::to_string(expired) +
                       " past expiry awaiting cleanup" + (expired ? " (mlchain block cleanup)" : "") + ", " +
                       std::to_string(pruned) + " pruned; " + std::to_string(alarms) +
                       " replay/certificate alarms recorded" + book_detail;
  return {Json{{"check", "contracts"},
               {"ok", readable && lapsed.empty()},
               {"detail", readable ? detail : "the contract tables cannot be read"},
               {"data",
                {{"live", live},
                 {"awaiting_cleanup", expired},
                 {"pruned", pruned},
                 {"alarms", alarms},
                 {"expired_entries", lapsed},
                 {"expiring_entries", soon}}}}};
}

node::ServiceFactory contract_service(RelayOptions options) {
  return [options](const node::ServiceContext& ctx) -> Result<std::unique_ptr<node::Service>> {
    return std::unique_ptr<node::Service>(new ContractService(ctx, options));
  };
}

}  // namespace mlchain::relay
