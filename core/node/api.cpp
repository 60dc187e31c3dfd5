// The client API. Requests arrive on event-loop threads; everything that
// reads replica or ledger state is posted to the driver thread, which
// replies. Client signatures are checked here, before anything is queued.
#include <charconv>

#include "mlchain/common/clock.h"
#include "mlchain/node/epochs.h"
#include "mlchain/node/layer_application.h"
#include "mlchain/node/superior_change.h"
#include "node_impl.h"

namespace mlchain::node {
namespace {

std::string dump(const codec::Json& j) { return j.dump(-1, ' ', false, codec::Json::error_handler_t::replace); }

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

}  // namespace

net::Response error(int status, std::string_view code, const std::string& message) {
  return net::Response::json(status, dump({{"error", {{"code", code}, {"message", message}}}}));
}

void Node::Impl::handle(net::Request req, net::Reply reply) {
  if (service && service->handle(req, reply)) return;
  std::string path = path_of(req.target);
  auto start = detail::Driver::Clock::now();
  if (path == "/healthz") {
    if (req.method != "GET") return reply(error(405, "method_not_allowed", "use GET /healthz"));
    return reply(net::Response::text(fatal_reported ? 503 : 200, fatal_reported ? "failed\n" : "ok\n"));
  }
  if (path == "/v1/ops") {
    if (req.method != "POST") return reply(error(405, "method_not_allowed", "use POST /v1/ops with a signed operation"));
    auto j = codec::parse(req.body, codec::ParseLimits{64 * 1024, 4, kMaxOpTextBytes, 16});
    if (!j.ok()) {
      count_rejected_op("bad_request");
      return reply(error(400, "bad_request", "the body is not an acceptable JSON object: " + j.status().message()));
    }
    auto op = signed_op_from_json(*j);
    if (!op.ok()) {
      count_rejected_op("bad_request");
      return reply(error(400, "bad_request", op.status().message()));
    }
    if (op->genesis != genesis.hash_hex) {
      count_rejected_op("wrong_genesis");
      return reply(error(400, "wrong_genesis", "the operation was signed for genesis " + op->genesis +
                                                   "; this layer's genesis is " + genesis.hash_hex));
    }
    if (Status st = verify_op(*op, verifier); !st.ok()) {
      count_rejected_op("bad_signature");
      return reply(error(401, "bad_signature", st.message()));
    }
    if (is_config_op_text(op->op) || is_subordinate_op_text(op->op)) {
      Status auth = is_config_op_text(op->op) ? authorize_config_op(*op, genesis.blueprint.admin_keys, verifier, nullptr,
                                                                                  unix_millis(SystemClock().now()))
                                                                  .status()
                                              : authorize_subordinate_op(*op, genesis.blueprint.admin_keys, verifier,
                                                                         genesis.blueprint.layer_path)
                                                    .status();
      if (!auth.ok()) {
        bool denied = auth.code() == ErrorCode::kPermissionDenied;
        bool forged = auth.code() == ErrorCode::kVerificationFailed;
        count_rejected_op(denied ? "not_authorized" : forged ? "bad_proof" : "bad_request");
        return reply(error(denied ? 403 : forged ? 401 : 400, denied ? "not_authorized" : forged ? "bad_proof" : "bad_request",
                           auth.message()));
      }
    }
    if (is_add_layer_op_text(op->op)) {
      auto auth = authorize_add_layer_op(*op, genesis.blueprint.layer_path, genesis.hash_hex,
                                         genesis.blueprint.admin_keys, verifier);
      if (!auth.ok()) {
        bool denied = auth.status().code() == ErrorCode::kPermissionDenied;
        bool forged = auth.status().code() == ErrorCode::kVerificationFailed;
        count_rejected_op(denied ? "not_authorized" : forged ? "bad_proof" : "bad_request");
        return reply(error(denied ? 403 : forged ? 401 : 400, denied ? "not_authorized" : forged ? "bad_proof" : "bad_request",
                           auth.status().message()));
      }
    }
    if (is_superior_op_text(op->op)) {
      const auto& admins = genesis.blueprint.admin_keys;
      bool admin = std::find(admins.begin(), admins.end(), op->client) != admins.end();
      if (Status st = admit_superior_op(*op, genesis.blueprint, is_member(op->client), admin); !st.ok()) {
        bool denied = st.code() == ErrorCode::kPermissionDenied;
        count_rejected_op(denied ? "not_authorized" : "bad_request");
        return reply(error(denied ? 403 : 400, denied ? "not_authorized" : "bad_request", st.message()));
      }
    }
    if (is_neighbour_op_text(op->op)) {
      if (Status st = admit_neighbour_op(*op, is_member(op->client)); !st.ok()) {
        bool denied = st.code() == ErrorCode::kPermissionDenied;
        count_rejected_op(denied ? "not_authorized" : "bad_request");
        return reply(error(denied ? 403 : 400, denied ? "not_authorized" : "bad_request", st.message()));
      }
    }
    if (service && op->op.substr(0, service->op_prefix().size()) == service->op_prefix()) {
      const auto& admins = genesis.blueprint.admin_keys;
      bool admin = std::find(admins.begin(), admins.end(), op->client) != admins.end();
      if (Status st = service->admit_client_op(*op, is_member(op->client), admin); !st.ok()) {
        bool denied = st.code() == ErrorCode::kPermissionDenied;
        count_rejected_op(denied ? "not_authorized" : "bad_request");
        return reply(error(denied ? 403 : 400, denied ? "not_authorized" : "bad_request", st.message()));
      }
    }
    auto shared = std::make_shared<net::Reply>(std::move(reply));
    auto o = std::make_shared<SignedOp>(std::move(op).value());
    // Encode the relay to the other members here, on an I/O thread. Relays
    // are not signed: the peer link authenticates us (consensus/replica.cpp).
    consensus::ReplicaId id = self_id.load();
    auto fwd = std::make_shared<Bytes>(
        consensus::encode(consensus::Message(consensus::ForwardedRequest{to_request(*o), id, {}})));
    if (!driver.post([this, o, fwd, id, shared, start] {
          submit(std::move(*o), std::move(*fwd), id, std::move(*shared), start);
        })) {
      (*shared)(error(503, "unavailable", "the node is shutting down"));
    }
    return;
  }
  if (path == "/v1/report") {
    if (req.method != "POST") return reply(error(405, "method_not_allowed", "use POST /v1/report with a signed report"));
    return reply(receive_report(req.body));
  }
  if (path == "/v1/learners") {
    if (req.method != "POST")
      return reply(error(405, "method_not_allowed", "use POST /v1/learners with an admin-signed learner permit"));
    return reply(receive_learner_permit(req.body));
  }
  if (path == "/v1/challenge") {
    if (req.method != "POST") return reply(error(405, "method_not_allowed", "use POST /v1/challenge {\"nonce\": <64 hex>}"));
    return reply(answer_challenge(req.body));
  }
  if (path == "/v1/invitations") {
    if (req.method == "POST") return reply(receive_invitation(req.body));
    if (req.method == "GET") return reply(list_invitations(req));
    return reply(error(405, "method_not_allowed", "use POST /v1/invitations (deliver) or a signed GET (list)"));
  }
  if (path.rfind("/v1/invitations/", 0) == 0) {
    std::string rest = path.substr(16);
    auto slash = rest.find('/');
    if (slash == std::string::npos) {
      if (req.method != "GET") return reply(error(405, "method_not_allowed", "use GET /v1/invitations/<id>"));
      return reply(invitation_status(rest));
    }
    std::string what = rest.substr(slash + 1);
    if (what != "accept" && what != "refuse")
      return reply(error(404, "not_found", "use POST /v1/invitations/<id>/accept or /refuse"));
    if (req.method != "POST") return reply(error(405, "method_not_allowed", "use a signed POST " + path));
    return reply(decide_invitation(req, rest.substr(0, slash), what == "accept"));
  }
  if (req.method != "GET") return reply(error(405, "method_not_allowed", "only GET is allowed on " + path));
  if (path == "/v1/genesis") return reply(genesis_document());
  if (path == "/v1/selfcheck") {
    std::lock_guard lock(selfcheck_mu);
    if (stopped || selfcheck_running.exchange(true)) {
      return reply(error(429, "busy", "a selfcheck is already running on this node; retry in a few seconds"));
    }
    if (selfcheck_thread.joinable()) selfcheck_thread.join();  // the previous one has finished
    auto shared = std::make_shared<net::Reply>(std::move(reply));
    selfcheck_thread = std::thread([this, shared] {
      codec::Json report = run_selfcheck();
      selfcheck_running = false;
      (*shared)(net::Response::json(200, dump(report)));
    });
    return;
  }

  if (path == "/v1/epochs") {
    // This layer's epoch certificates (node/epochs.h): public, read-only;
    // what neighbours and verifiers follow the membership with.
    if (req.method != "GET") return reply(error(405, "method_not_allowed", "use GET /v1/epochs?after=<epoch>"));
    std::uint64_t after = 0;
    if (auto q = req.target.find("?after="); q != std::string::npos) {
      std::string v = req.target.substr(q + 7);
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), after);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size())
        return reply(error(400, "bad_request", "after must be a non-negative epoch number: /v1/epochs?after=<epoch>"));
    } else if (req.target.find('?') != std::string::npos) {
      return reply(error(400, "bad_request", "the only parameter is after=<epoch>: /v1/epochs?after=<epoch>"));
    }
    auto txn = store->begin_read();
    if (!txn.ok()) return reply(error(500, "internal", txn.status().to_string()));
    auto certs = epoch_certificates(**txn, after, ledger::kMaxEpochChain);
    if (!certs.ok()) return reply(error(500, "internal", certs.status().to_string()));
    codec::Json list = codec::Json::array();
    for (const auto& c : *certs) list.push_back(ledger::to_json(c));
    consensus::Epoch current = 0;
    {
      std::lock_guard lock(members_mu);
      current = epoch_snapshot.epoch;
    }
    return reply(net::Response::json(200, dump({{"layer", genesis.blueprint.layer_path},
                                                {"genesis", genesis.hash_hex},
                                                {"epoch", current},
                                                {"certificates", std::move(list)}})));
  }

  auto shared = std::make_shared<net::Reply>(std::move(reply));
  std::function<void()> task;
  if (path == "/v1/layer") {
    task = [this, shared] { (*shared)(net::Response::json(200, dump(layer_json()))); };
  } else if (path == "/v1/layer/application") {
    const std::string prefix = "/v1/layer/application?superior=";
    std::string superior = req.target.rfind(prefix, 0) == 0 ? req.target.substr(prefix.size()) : std::string();
    if (superior.size() != 64 || superior.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return (*shared)(error(400, "bad_request",
                             "use GET /v1/layer/application?superior=<the superior's genesis hash, 64 hex>"));
    }
    task = [this, shared, superior] { (*shared)(layer_application(superior)); };
  } else if (path == "/v1/status") {
    task = [this, shared] { (*shared)(net::Response::json(200, dump(status_json()))); };
  } else if (path == "/readyz") {
    task = [this, shared] {
      std::string why;
      bool ok = ready(&why);
      (*shared)(net::Response::text(ok ? 200 : 503, ok ? "ready\n" : "not ready: " + why + "\n"));
    };
  } else if (path == "/metrics") {
    task = [this, shared] {
      net::Response r = net::Response::text(200, metrics_text());
      r.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8";
      (*shared)(std::move(r));
    };
  } else if (path == "/v1/attestations") {
    // Stored block attestations from a height up (at most 256, scanning at
    // most 1,024 heights): what a member that joined later backfills.
    std::uint64_t from = 0;
    auto q = req.target.find("?from=");
    std::string v = q == std::string::npos ? std::string() : req.target.substr(q + 6);
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), from);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size() || from == 0)
      return (*shared)(error(400, "bad_request", "use GET /v1/attestations?from=<height >= 1>"));
    task = [this, shared, from] {
      codec::Json list = codec::Json::array();
      for (std::uint64_t h = from; h < from + 1024 && h <= ledger->height() && list.size() < 256; ++h) {
        auto a = ledger->attestation(h);
        if (!a.ok()) return (*shared)(error(500, "internal", a.status().to_string()));
        if (*a) list.push_back(ledger::to_json(**a));
      }
      (*shared)(net::Response::json(200, dump({{"attestations", std::move(list)}})));
    };
  } else if (path.rfind("/v1/blocks/", 0) == 0) {
    std::string h = path.substr(11);
    std::uint64_t height = 0;
    auto [p, ec] = std::from_chars(h.data(), h.data() + h.size(), height);
    if (h.empty() || ec != std::errc() || p != h.data() + h.size()) {
      return (*shared)(error(400, "bad_request", "block height must be a non-negative integer: /v1/blocks/<height>"));
    }
    task = [this, shared, height] {
      auto b = ledger->block(height);
      if (!b.ok()) return (*shared)(error(500, "internal", b.status().to_string()));
      if (!*b) {
        return (*shared)(error(404, "not_found", "no block at height " + std::to_string(height) + " yet (height is " +
                                                     std::to_string(ledger->height()) + ")"));
      }
      codec::Json j = ledger::to_json(**b);
      codec::Json out = {{"block", j}, {"hash", crypto::digest_hex((*b)->hash())},
                         {"id", genesis.blueprint.layer_path + "#" + std::to_string(height)}};
      // What a proof needs beyond the block (contract/proof.h): the results
      // its header's digest covers, and f+1 members' attestation of the header.
      auto results = ledger->results(height);
      if (results.ok() && *results) {
        codec::Json rs = codec::Json::array();
        for (const auto& r : **results) rs.push_back(to_hex(r));
        out["results"] = std::move(rs);
      }
      auto att = ledger->attestation(height);
      if (att.ok() && *att) out["attestation"] = ledger::to_json(**att);
      (*shared)(net::Response::json(200, dump(out)));
    };
  } else {
    return (*shared)(error(404, "not_found",
                           "no such endpoint " + path +
                               " (try /v1/layer, /v1/genesis, /v1/status, /v1/blocks/<h>, /v1/attestations, /v1/epochs, /v1/ops, /v1/selfcheck, /healthz, /readyz, /metrics)"));
  }
  if (!driver.post(std::move(task))) (*shared)(error(503, "unavailable", "the node is shutting down"));
}

net::Response Node::Impl::layer_application(const std::string& superior) const {
  const auto& bp = genesis.blueprint;
  if (!bp.superior) {
    return error(409, "failed_precondition", bp.layer_path + " is a root layer: its blueprint names no superior to apply to");
  }
  if (bp.layer_path.rfind(bp.superior->path + "/", 0) != 0 ||
      bp.layer_path.find('/', bp.superior->path.size() + 1) != std::string::npos) {
    return error(409, "failed_precondition",
                 bp.layer_path + " is not a direct subordinate of its superior " + bp.superior->path);
  }
  // The superior this chain trusts (its genesis once known): a member signs
  // an application to that layer only.
  std::string trusted = bp.superior->genesis;
  if (auto txn = store->begin_read(); txn.ok()) {
    if (auto t = trusted_neighbour(**txn, bp, bp.superior->path); t.ok() && !t->genesis.empty()) trusted = t->genesis;
  }
  if (!trusted.empty() && trusted != superior) {
    return error(409, "failed_precondition",
                 bp.layer_path + "'s superior " + bp.superior->path + " has genesis " + trusted + ", not " + superior);
  }
  if (!is_member(key->public_key())) {
    return error(409, "failed_precondition", "this node is not a member of " + bp.layer_path + "'s current epoch");
  }
  ledger::EpochCertificate body = epoch_body(replica->config(), 0);
  LayerApplication application{bp.layer_path, genesis.hash_hex, replica->config().epoch, body.members, superior};
  for (const auto& m : application.members) {
    if (m.address.empty()) {
      return error(409, "failed_precondition",
                   "member " + m.name + " of " + bp.layer_path + " has no recorded address yet; retry shortly");
    }
  }
  crypto::Signature sig = key->sign(application_bytes(application));
  return net::Response::json(200, dump({{"application", to_json(application)},
                                        {"public_key", key->public_key().hex()},
                                        {"sig", crypto::signature_hex(sig)}}));
}

codec::Json Node::Impl::layer_json() const {
  auto connected = peers ? peers->connected_peers() : std::vector<crypto::PublicKey>{};
  std::set<crypto::PublicKey> up(connected.begin(), connected.end());
  codec::Json members = codec::Json::array();
  const auto& config = replica->config();
  auto add = [&](const crypto::PublicKey& k, const std::string& address, bool current) {
    bool me = k == key->public_key();
    bool up_now = me || up.count(k) > 0;
    auto rid = config.index_of(k);
    members.push_back({{"name", member_name(k)},
                       {"public_key", k.hex()},
                       {"address", address},
                       {"status", !current ? "invalid" : (up_now ? "valid" : "unreachable")},
                       {"connected", up_now},
                       {"self", me},
                       {"replica", rid ? codec::Json(*rid) : codec::Json(nullptr)}});
  };
  // Current members in replica-id order, then genesis members no longer in
  // the epoch (left, removed or marked invalid).
  for (const auto& k : config.members) add(k, member_address(k), true);
  for (const auto& m : genesis.blueprint.members)
    if (!config.index_of(m.key)) add(m.key, m.address, false);
  auto primary = replica->config().primary(replica->view());
  auto addresses = [](const ledger::AddressBook& book) {
    codec::Json a = codec::Json::array();
    for (const auto& m : book.members) a.push_back(m.address);
    return a;
  };
  // Subordinates: the blueprint's, then those attached by ordered ops
  // (which replace a blueprint entry of the same path).
  std::map<std::string, codec::Json> by_path;
  for (const auto& s : genesis.blueprint.subordinates)
    by_path[s.path] = {{"path", s.path}, {"members", s.members.size()}, {"addresses", addresses(s)}, {"attached_at", nullptr}};
  if (auto txn = store->begin_read(); txn.ok()) {
    if (auto cur = (*txn)->cursor(kSubordinatesTable); cur.ok() && (*cur)->first().ok()) {
      while ((*cur)->valid()) {
        auto e = codec::parse((*cur)->value());
        if (e.ok() && e->contains("members") && (*e)["members"].is_array()) {
          codec::Json a = codec::Json::array(), keys = codec::Json::array();
          for (const auto& m : (*e)["members"]) {
            a.push_back(m.value("address", ""));
            keys.push_back(m.value("public_key", ""));
          }
          codec::Json sub = {{"path", e->value("path", "")}, {"members", a.size()}, {"addresses", a},
                             {"keys", keys}, {"attached_at", e->value("height", 0)},
                             {"seal_key", e->value("seal_key", "")}};
          if (e->contains("genesis")) {  // a layer of members (node/layer_application.h)
            sub["genesis"] = e->value("genesis", "");
            sub["epoch"] = e->value("epoch", 0);
            sub.erase("seal_key");
          }
          by_path[e->value("path", "")] = std::move(sub);
        }
        if (!(*cur)->next().ok()) break;
      }
    }
  }
  codec::Json subs = codec::Json::array();
  for (auto& [path, j] : by_path) subs.push_back(std::move(j));
  codec::Json j = {{"layer", genesis.blueprint.layer_path},
                   {"genesis_hash", genesis.hash_hex},
                   {"epoch", replica->config().epoch},
                   {"n", replica->config().n()},
                   {"f", replica->config().f()},
                   {"quorum", replica->config().quorum()},
                   {"view", replica->view()},
                   {"view_active", replica->active()},
                   {"primary", primary < replica->config().n() ? member_name(replica->config().members[primary]) : ""},
                   {"height", ledger->height()},
                   {"head_hash", crypto::digest_hex(ledger->head_hash())},
                   {"members", members},
                   {"subordinates", subs},
                   {"reported_by", cfg.name}};
  if (genesis.blueprint.superior) {
    auto current = current_superior(*store, genesis.blueprint);
    const auto& book = current.ok() ? *current->book : *genesis.blueprint.superior;
    j["superior"] = {{"path", book.path},
                     {"members", book.members.size()},
                     {"addresses", addresses(book)},
                     {"candidate", current.ok() ? current->state.index : 0},
                     {"candidates", ledger::superior_candidates(genesis.blueprint)},
                     {"changes", current.ok() ? current->state.generation : 0},
                     {"changed_at_height", current.ok() ? current->state.height : 0}};
  } else {
    j["superior"] = nullptr;
  }
  return j;
}

codec::Json Node::Impl::status_json() const {
  std::string why;
  bool is_ready = ready(&why);
  auto connected = peers ? peers->connected_peers() : std::vector<crypto::PublicKey>{};
  codec::Json names = codec::Json::array();
  for (const auto& k : connected) names.push_back(member_name(k));
  auto primary = replica->config().primary(replica->view());
  return {{"node", cfg.name},
          {"public_key", key->public_key().hex()},
          {"layer", genesis.blueprint.layer_path},
          {"genesis_hash", genesis.hash_hex},
          {"role", role()},
          {"epoch", replica->config().epoch},
          {"replica", replica->learner() || replica->retired() ? codec::Json(nullptr) : codec::Json(replica->id())},
          {"height", ledger->height()},
          {"view", replica->view()},
          {"view_active", replica->active()},
          {"primary", primary < replica->config().n() ? member_name(replica->config().members[primary]) : ""},
          {"is_primary", replica->is_primary()},
          {"stable_checkpoint", replica->stable_seq()},
          {"ready", is_ready},
          {"not_ready_reason", is_ready ? "" : why},
          {"connected_peers", names},
          {"pending_requests", replica->pending_requests()},
          {"waiting_clients", waiter_count},
          {"committed_ops", committed_ops},
          {"committed_blocks", committed_blocks},
          {"contracts", service ? service->status_json() : codec::Json(nullptr)},
          {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count()}};
}

}  // namespace mlchain::node
