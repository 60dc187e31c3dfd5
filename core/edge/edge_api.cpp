// The edge node's HTTP API. Handlers run on the HttpServer's blocking pool;
// each does its checks (size, shape, signature) before any store write.
#include "edge_node_impl.h"
#include "mlchain/codec/fields.h"
#include "mlchain/edge/ids.h"

namespace mlchain::edge {
namespace {

using Json = codec::Json;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

net::Response error(int status, std::string_view code, const std::string& message) {
  return net::Response::json(status, dump({{"error", {{"code", code}, {"message", message}}}}));
}

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

// Admin errors: the HTTP status and stable code for a Status.
net::Response admin_error(const Status& st) {
  switch (st.code()) {
    case ErrorCode::kInvalidArgument:
      return error(400, "bad_request", st.message());
    case ErrorCode::kNotFound:
      return error(404, "unknown_object", st.message());
    case ErrorCode::kAlreadyExists:
      return error(409, "replayed", st.message());
    case ErrorCode::kFailedPrecondition:
      return error(409, "conflict", st.message());
    case ErrorCode::kPermissionDenied:
      return error(403, "not_allowed_by_policy", st.message());
    default:
      return error(500, "internal", st.message());
  }
}

Json secret_reply(const Registered& r) {
  Json j = {{"object", to_json(r.record)}};
  if (r.secret) j["secret"] = to_hex(*r.secret);
  return j;
}

net::Response no_store(net::Response r) {
  r.headers["Cache-Control"] = "no-store";
  return r;
}

}  // namespace

Json EdgeNode::Impl::info_json() const {
  return {{"name", cfg.name},
          {"layer", cfg.layer},
          {"public_key", key->public_key().hex()},
          {"credentials", cfg.policy.names()},
          {"signing", std::string(kSigningVersion)},
          {"seal_key", seal_key ? Json(seal_key->public_key().hex()) : Json(nullptr)},
          {"limits",
           {{"body_bytes", kMaxRequestBodyBytes},
            {"message_bytes", kMaxMessageBytes},
            {"history_limit", cfg.history_limit},
            {"queue_limit", cfg.queue_limit},
            {"admin_skew_ms", cfg.admin_skew_ms}}},
          {"superior", superior_json()}};
}

Json EdgeNode::Impl::superior_json() const {
  if (!superior) return nullptr;
  SuperiorStatus s = superior->status();
  Json members = Json::array();
  for (const auto& m : s.book.members) {
    members.push_back({{"name", m.name}, {"public_key", m.key.hex()}, {"address", m.address}});
  }
  return {{"path", s.book.path},
          {"genesis_hash", s.book.genesis_hash},
          {"epoch", s.book.epoch},
          {"members", members},
          {"refreshed_at_ms", s.book.refreshed_at_ms > 0 ? Json(s.book.refreshed_at_ms) : Json(nullptr)},
          {"last_error", s.last_error ? Json(*s.last_error) : Json(nullptr)}};
}

net::Response EdgeNode::Impl::handle(const net::Request& req) {
  const std::string path = path_of(req.target);
  if (path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/v1/edge") {
    if (req.method != "GET") return error(405, "method_not_allowed", "use GET " + path);
    if (path == "/healthz") return net::Response::text(200, "ok\n");
    if (path == "/readyz") {
      auto txn = store->begin_read();
      return txn.ok() ? net::Response::text(200, "ready\n")
                      : net::Response::text(503, "not ready: store: " + txn.status().message() + "\n");
    }
    if (path == "/v1/edge") return net::Response::json(200, dump(info_json()));
    std::optional<SuperiorStatus> sup;
    if (superior) sup = superior->status();
    net::Response r = net::Response::text(200, metrics.text(net_metrics->snapshot(), sup ? &*sup : nullptr));
    r.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  if (path == "/v1/contract/packet") {
    if (req.method != "POST") return error(405, "method_not_allowed", "use POST " + path);
    return handle_contract_packet(req);
  }
  if (path == "/v1/selfcheck") {
    if (req.method != "GET") return error(405, "method_not_allowed", "use GET " + path);
    if (selfcheck_running.exchange(true))
      return error(429, "busy", "a selfcheck is already running on this node; retry when it finishes");
    codec::Json report = run_selfcheck();
    selfcheck_running = false;
    return net::Response::json(200, dump(report));
  }
  // The transport admits contract packets (kMaxContractBodyBytes); every
  // other request keeps the smaller limit, answered as the transport would.
  if (req.body.size() > kMaxRequestBodyBytes) {
    return error(
        413, "payload_too_large",
        "the body is " + std::to_string(req.body.size()) + " bytes; at most " + std::to_string(kMaxRequestBodyBytes));
  }
  constexpr std::string_view kObject = "/v1/object/";
  constexpr std::string_view kAdmin = "/v1/admin/";
  if (path.rfind(kObject, 0) == 0) {
    if (req.method != "POST") return error(405, "method_not_allowed", "use POST " + path);
    auto action = parse_action(path.substr(kObject.size()));
    if (!action.ok()) return error(404, "not_found", action.status().message());
    if (*action == Action::kContract) return handle_contract_request(req);
    return handle_object(req, *action);
  }
  if (path.rfind(kAdmin, 0) == 0) {
    if (req.method != "POST")
      return error(405, "method_not_allowed", "use POST " + path + " with a signed admin envelope");
    std::string action = path.substr(kAdmin.size());
    if (action != "register" && action != "list" && action != "show" && action != "revoke" && action != "rotate") {
      return error(404, "not_found",
                   "no admin action '" + action.substr(0, 40) + "' (register, list, show, revoke, rotate)");
    }
    return handle_admin(req, action);
  }
  return error(404, "not_found",
               "no such endpoint " + path.substr(0, 100) +
                   " (try /v1/object/upload|send|fetch|contract, /v1/contract/packet, /v1/admin/..., /v1/edge, "
                   "/healthz, /readyz, /metrics)");
}

net::Response EdgeNode::Impl::handle_object(const net::Request& req, Action action) {
  auto start = std::chrono::steady_clock::now();
  auto finish = [&](Reason reason, net::Response r) {
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics.object_request(action, reason, s);
    return r;
  };
  auto r = object_request_from_headers(action, req.headers, req.body);
  if (!r.ok()) return finish(Reason::kBadRequest, error(400, "bad_request", r.status().message()));
  const std::string* uuid = &r->uuid;
  Decision d = registry->process(*r);
  if (!d.accepted()) {
    if (d.reason == Reason::kInternal) {
      log.error("object request failed", {{"uuid", uuid->substr(0, 200)}, {"error", d.message}});
    } else if (log.enabled(node::LogLevel::kDebug)) {
      log.debug("object request refused", {{"uuid", uuid->substr(0, 200)},
                                           {"action", std::string(action_name(action))},
                                           {"reason", std::string(reason_name(d.reason))},
                                           {"remote", req.remote_address}});
    }
    return finish(d.reason, error(reason_http_status(d.reason), reason_name(d.reason), d.message));
  }
  return finish(Reason::kAccepted, net::Response::json(200, dump(d.result)));
}

net::Response EdgeNode::Impl::handle_admin(const net::Request& req, const std::string& action) {
  auto reply = [&](std::string_view code, net::Response r) {
    metrics.admin_request(action, code);
    return r;
  };
  auto body = codec::parse(req.body, codec::ParseLimits{kMaxRequestBodyBytes, 32, 16 * 1024, 20'000});
  if (!body.ok())
    return reply("bad_request",
                 error(400, "bad_request", "the body is not acceptable JSON: " + body.status().message()));
  auto ar = admin_request_from_json(*body);
  if (!ar.ok()) return reply("bad_request", error(400, "bad_request", ar.status().message()));
  if (ar->action != action) {
    return reply("bad_request", error(400, "bad_request",
                                      "the envelope's action '" + ar->action.substr(0, 40) +
                                          "' does not match the path /v1/admin/" + action));
  }
  TimePoint now = clock.now();
  if (Status st = admin->verify(*ar, now); !st.ok()) {
    std::string_view code = st.code() == ErrorCode::kPermissionDenied ? "not_admin"
                            : st.message().rfind("stale", 0) == 0     ? "stale"
                                                                      : "bad_signature";
    log.warn("admin request refused",
             {{"action", action}, {"code", std::string(code)}, {"remote", req.remote_address}});
    return reply(code, error(st.code() == ErrorCode::kPermissionDenied ? 403 : 401, code, st.message()));
  }
  TxnCheck nonce = admin->record_nonce(*ar, now);
  const Json& args = ar->args;
  auto uuid_arg = [&]() -> Result<std::string> {
    MLCHAIN_ASSIGN_OR_RETURN(auto u, codec::get_string(args, "uuid", 600));
    MLCHAIN_TRY(parse_uuid(u).status());
    return u;
  };
  node::LogFields who = {{"admin", ar->admin.key_id()}, {"action", action}};

  if (action == "register") {
    auto spec = spec_from_json(args);
    if (!spec.ok()) return reply("bad_request", error(400, "bad_request", spec.status().message()));
    auto reg = registry->register_object(*spec, nonce);
    if (!reg.ok()) return reply("refused", admin_error(reg.status()));
    who.emplace_back("uuid", reg->record.uuid);
    who.emplace_back("class", reg->record.class_path);
    who.emplace_back("scheme", std::string(scheme_name(reg->record.scheme)));
    log.info("object registered", who);
    return reply("ok", no_store(net::Response::json(200, dump(secret_reply(*reg)))));
  }
  if (action == "rotate") {
    auto u = uuid_arg();
    if (!u.ok()) return reply("bad_request", error(400, "bad_request", u.status().message()));
    if (!args.contains("credential"))
      return reply("bad_request", error(400, "bad_request", "field 'credential': missing"));
    if (Status st = codec::only_fields(args, {"uuid", "credential"}, "rotate args"); !st.ok()) {
      return reply("bad_request", error(400, "bad_request", st.message()));
    }
    auto cred = credential_spec_from_json(args["credential"]);
    if (!cred.ok()) return reply("bad_request", error(400, "bad_request", cred.status().message()));
    auto rot = registry->rotate(*u, *cred, nonce);
    if (!rot.ok()) return reply("refused", admin_error(rot.status()));
    who.emplace_back("uuid", *u);
    who.emplace_back("scheme", std::string(scheme_name(rot->record.scheme)));
    log.info("credential rotated", who);
    return reply("ok", no_store(net::Response::json(200, dump(secret_reply(*rot)))));
  }
  if (action == "revoke") {
    auto u = uuid_arg();
    if (!u.ok()) return reply("bad_request", error(400, "bad_request", u.status().message()));
    if (Status st = codec::only_fields(args, {"uuid"}, "revoke args"); !st.ok()) {
      return reply("bad_request", error(400, "bad_request", st.message()));
    }
    auto r = registry->revoke(*u, nonce);
    if (!r.ok()) return reply("refused", admin_error(r.status()));
    who.emplace_back("uuid", *u);
    log.info("object revoked", who);
    return reply("ok", net::Response::json(200, dump({{"object", to_json(*r)}})));
  }
  // Read-only actions still spend their nonce, so a captured request cannot
  // be replayed to probe the registry later.
  if (Status st = store->write([&](store::WriteTxn& txn) { return nonce(txn); }); !st.ok()) {
    return reply("refused", admin_error(st));
  }
  if (action == "list") {
    if (Status st = codec::only_fields(args, {"after", "limit"}, "list args"); !st.ok()) {
      return reply("bad_request", error(400, "bad_request", st.message()));
    }
    auto after = codec::get_optional_string(args, "after", 600);
    auto limit = codec::get_optional_uint(args, "limit");
    if (!after.ok() || !limit.ok() || (*limit && (**limit < 1 || **limit > 1000))) {
      return reply("bad_request", error(400, "bad_request", "list args: 'after' is a UUID, 'limit' 1..1000"));
    }
    auto objects = registry->list(after->value_or(""), static_cast<std::size_t>(limit->value_or(100)));
    if (!objects.ok()) return reply("refused", admin_error(objects.status()));
    Json list = Json::array();
    for (const auto& o : *objects) list.push_back(to_json(o));
    Json next =
        objects->size() == limit->value_or(100) && !objects->empty() ? Json(objects->back().uuid) : Json(nullptr);
    return reply("ok", net::Response::json(200, dump({{"objects", list}, {"next", next}})));
  }
  // show
  auto u = uuid_arg();
  if (!u.ok()) return reply("bad_request", error(400, "bad_request", u.status().message()));
  if (Status st = codec::only_fields(args, {"uuid", "history"}, "show args"); !st.ok()) {
    return reply("bad_request", error(400, "bad_request", st.message()));
  }
  auto hist = codec::get_optional_uint(args, "history");
  if (!hist.ok() || (*hist && **hist > 1000)) {
    return reply("bad_request", error(400, "bad_request", "show args: 'history' is 0..1000"));
  }
  auto record = registry->get(*u);
  if (!record.ok()) return reply("refused", admin_error(record.status()));
  auto history = registry->history(*u, static_cast<std::size_t>(hist->value_or(10)));
  if (!history.ok()) return reply("refused", admin_error(history.status()));
  Json h = Json::array();
  for (const auto& e : *history) h.push_back(to_json(e));
  return reply("ok", net::Response::json(200, dump({{"object", to_json(*record)},
                                                    {"history", h},
                                                    {"queued", record->queue_next - record->queue_first}})));
}

}  // namespace mlchain::edge
