// The edge node's contract endpoints (docs/contracts.md §8.1 destination
// edge, §8.5): wiring of contract_inbox.h and contract_sender.h into the
// HTTP API. Both run on the server's blocking pool; a send holds its thread
// for up to ContractSender::Options::deadline, and at most max_in_flight do
// at once (edge_node.cpp sizes the pool so the others keep serving objects).
#include <chrono>

#include "edge_node_impl.h"
#include "mlchain/codec/json.h"
#include "mlchain/edge/contract_inbox.h"
#include "mlchain/edge/contract_request.h"

namespace mlchain::edge {
namespace {

using Json = codec::Json;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

const std::string* header(const net::Request& req, const std::string& name) {
  auto it = req.headers.find(name);
  return it == req.headers.end() ? nullptr : &it->second;
}

}  // namespace

Status EdgeNode::Impl::open_contracts() {
  MLCHAIN_ASSIGN_OR_RETURN(auto seal, contract::edge_seal_key(*key));
  seal_key = std::make_unique<crypto::SealPrivateKey>(std::move(seal));
  ContractSender::BookSource book = [this]() -> std::optional<SuperiorBook> {
    if (!superior) return std::nullopt;
    return superior->status().book;
  };
  contracts = std::make_unique<ContractSender>(cfg.layer, *key, std::move(book), clock, rng, ContractSender::Options{});
  return {};
}

net::Response EdgeNode::Impl::handle_contract_request(const net::Request& req) {
  // Reserve before authenticating: a refusal for lack of room must not
  // consume the object's counter.
  auto slot = contracts->try_reserve();
  if (!slot) {
    metrics.contract_send("busy");
    return net::Response::json(
        503, dump(contract_error("busy", "this edge node has the most contract messages in flight it allows; retry",
                                 cfg.layer)));
  }
  auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  // handle_object does the header checks and the registry pipeline (and
  // counts them); on acceptance its 200 body is the normalised request.
  net::Response auth = handle_object(req, Action::kContract);
  if (auth.status != 200) return auth;
  const std::string* uuid = header(req, "x-mlc-object");
  if (uuid == nullptr) return auth;  // cannot happen: the registry accepted it
  auto parsed = codec::parse(auth.body);
  auto request = parsed.ok() ? contract_request_from_json(*parsed) : Result<ContractRequest>(parsed.status());
  if (!request.ok()) {
    metrics.contract_send("internal");
    return net::Response::json(500, dump(contract_error("internal", request.status().message(), cfg.layer)));
  }
  SendOutcome out = contracts->send(*uuid, *request);
  metrics.contract_send(out.outcome);
  node::LogFields fields = {{"from", uuid->substr(0, 200)},
                            {"to", request->to.substr(0, 200)},
                            {"kind", std::string(contract::kind_name(request->kind))},
                            {"outcome", out.outcome},
                            {"status", std::to_string(out.status)},
                            {"seconds", std::to_string(seconds())}};
  if (out.status == 200) {
    if (out.body.contains("sum") && out.body["sum"].is_string())
      fields.emplace_back("sum", out.body["sum"].get<std::string>().substr(0, 64));
    log.info("contract message sent", fields);
  } else if (out.status >= 500) {
    log.warn("contract message not sent", fields);
  } else {
    log.info("contract message refused", fields);
  }
  return net::Response::json(out.status, dump(out.body));
}

net::Response EdgeNode::Impl::handle_contract_packet(const net::Request& req) {
  std::optional<SuperiorBook> book;
  if (superior) book = superior->status().book;
  InboxContext ctx;
  ctx.own_path = cfg.layer;
  ctx.superior = book ? &*book : nullptr;
  ctx.key = key.get();
  ctx.seal_key = seal_key.get();
  ctx.verifier = &verifier;
  ctx.now_ms = unix_millis(clock.now());
  InboxAnswer a = receive_packet(req.body, ctx, *registry);
  // Signed by keys the book does not hold for the superior: its membership
  // may have moved on (a new epoch). Follow its epoch certificates now (at
  // most once a second) and check again; a refusal changed nothing.
  if (superior && (a.outcome == "certificate_signer_not_a_member" || a.outcome == "certificate_too_few_signatures") &&
      superior->follow_epochs_now(true)) {
    book = superior->status().book;
    ctx.superior = &*book;
    a = receive_packet(req.body, ctx, *registry);
  }
  metrics.contract_packet(a.outcome);
  if (a.status == 200) {
    log.info("contract message delivered", {{"sum", a.body.value("sum", "")}, {"remote", req.remote_address}});
  } else if (a.status == 500) {
    log.error("contract packet not stored", {{"error", dump(a.body).substr(0, 400)}});
  } else {
    log.warn("contract packet refused",
             {{"outcome", a.outcome}, {"status", std::to_string(a.status)}, {"remote", req.remote_address}});
  }
  return net::Response::json(a.status, dump(a.body));
}

}  // namespace mlchain::edge
