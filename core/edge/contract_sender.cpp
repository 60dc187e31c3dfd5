// The source edge's contract send (contract_sender.h): directory lookup,
// packet, one superior member after another.
#include "mlchain/edge/contract_sender.h"

#include <algorithm>

#include "mlchain/codec/fields.h"
#include "mlchain/contract/certificate.h"
#include "mlchain/edge/contract_inbox.h"
#include "mlchain/net/https_client.h"
#include "mlchain/net/stall_watch.h"

namespace mlchain::edge {
namespace {

using Json = codec::Json;

constexpr std::size_t kMaxAnswerBytes = 1 << 20;
constexpr std::size_t kMaxErrorPart = 200;

SendOutcome failure(int status, std::string code, const std::string& message, std::string_view layer) {
  Json body = contract_error(code, message, layer);
  return {status, std::move(body), std::move(code)};
}

std::string who(const SuperiorMember& m) { return m.name.empty() ? m.key.hex().substr(0, 16) : m.name; }

Result<Json> parse_answer(const std::string& body) {
  return codec::parse(body, codec::ParseLimits{kMaxAnswerBytes, 32, 256 * 1024, 100'000});
}

}  // namespace

MemberCall https_member_call() {
  return [](const SuperiorMember& member, std::string_view method, std::string_view target, std::string_view body,
            std::chrono::milliseconds timeout) -> Result<MemberResponse> {
    net::HttpsClientOptions o;
    o.connect_timeout = std::min(timeout, std::chrono::milliseconds(3'000));
    o.total_timeout = timeout;
    o.max_response_bytes = kMaxAnswerBytes;
    o.server_key = member.key;
    std::map<std::string, std::string> headers;
    if (!body.empty()) headers["Content-Type"] = "application/json";
    MLCHAIN_ASSIGN_OR_RETURN(auto r, net::https_request(member.address, method, target, body, headers, o));
    return MemberResponse{r.status, std::move(r.body)};
  };
}

MemberProbe https_member_probe() {
  return [](const SuperiorMember& member, std::chrono::milliseconds timeout) {
    return net::handshake_probe(member.address, member.key, timeout);
  };
}

ContractSender::Slot::~Slot() {
  if (s_ == nullptr) return;
  std::lock_guard lock(s_->mu_);
  --s_->in_flight_;
}

ContractSender::ContractSender(std::string own_path, const crypto::PrivateKey& key, BookSource book, const Clock& clock,
                               Rng& rng, Options options, MemberCall call, MemberProbe probe)
    : own_path_(std::move(own_path)),
      key_(key),
      signer_(key),
      pseudonym_secret_(contract::pseudonym_secret(key)),
      book_(std::move(book)),
      clock_(clock),
      options_(options),
      call_(call ? std::move(call) : https_member_call()),
      rng_(rng) {
  if (probe) {
    probe_ = std::move(probe);
  } else if (call) {
    probe_ = [](const SuperiorMember&, std::chrono::milliseconds) { return Status(); };
  } else {
    probe_ = https_member_probe();
  }
}

Result<MemberResponse> ContractSender::call_member(const SuperiorMember& m, std::string_view method,
                                                   const std::string& target, const std::string& body,
                                                   std::chrono::milliseconds timeout) {
  auto r = net::watched_call<MemberResponse>(
      background_, [this, m, method = std::string(method), target, body, timeout] {
        return call_(m, method, target, body, timeout);
      },
      [this, m] { return probe_(m, options_.stall_watch.probe_timeout); }, options_.stall_watch,
      timeout + std::chrono::milliseconds(500));
  if (!r.ok()) failed_.mark(m.key, clock_.now());
  return r;
}

std::vector<SuperiorMember> ContractSender::in_order(const std::vector<SuperiorMember>& members, std::size_t first) {
  std::vector<SuperiorMember> out;
  for (std::size_t i = 0; i < members.size(); ++i) out.push_back(members[(first + i) % members.size()]);
  failed_.put_last(out, clock_.now());
  return out;
}

std::optional<ContractSender::Slot> ContractSender::try_reserve() {
  std::lock_guard lock(mu_);
  if (in_flight_ >= options_.max_in_flight) return std::nullopt;
  ++in_flight_;
  return Slot(this);
}

void ContractSender::shutdown() {
  std::lock_guard lock(mu_);
  shutdown_ = true;
}

bool ContractSender::stopping() const {
  std::lock_guard lock(mu_);
  return shutdown_;
}

std::size_t ContractSender::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

std::size_t ContractSender::random_start(std::size_t n) {
  if (n <= 1) return 0;
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(rng_.range(0, static_cast<std::int64_t>(n) - 1));
}

std::chrono::milliseconds ContractSender::left(TimePoint deadline, std::chrono::milliseconds cap) const {
  auto rest = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_.now());
  return std::max(std::chrono::milliseconds(0), std::min(rest, cap));
}

std::optional<SendOutcome> ContractSender::resolve(const SuperiorBook& book, const std::string& edge_path,
                                                   TimePoint deadline, crypto::SealPublicKey& out, codec::Json& entry) {
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(edge_path);
    if (it != cache_.end()) {
      if (it->second.expires > clock_.now()) {
        auto k = directory_seal_key(it->second.entry);
        if (k.ok()) {
          out = *k;
          entry = it->second.entry;
          return std::nullopt;
        }
      }
      cache_.erase(it);
    }
  }
  const std::size_t n = book.members.size();
  const auto members = in_order(book.members, random_start(n));
  std::vector<DirectoryReply> replies;
  std::string errors;
  const std::string target = "/v1/directory/" + edge_path;
  for (const SuperiorMember& m : members) {
    DirectoryReply reply;
    auto timeout = left(deadline, options_.directory_timeout);
    if (stopping()) break;
    if (m.address.empty()) {
      errors += (errors.empty() ? "" : "; ") + who(m) + ": no known address";
    } else if (timeout.count() == 0) {
      break;
    } else if (auto r = call_member(m, "GET", target, {}, timeout); !r.ok()) {
      errors += (errors.empty() ? "" : "; ") + who(m) + ": " + r.status().message().substr(0, kMaxErrorPart);
    } else {
      reply.status = r->status;
      auto j = parse_answer(r->body);
      if (j.ok()) reply.body = std::move(*j);
      if (r->status != 200 && r->status != 404) {
        errors += (errors.empty() ? "" : "; ") + who(m) + ": HTTP " + std::to_string(r->status);
      }
    }
    replies.push_back(std::move(reply));
    DirectoryDecision d = decide_directory(edge_path, replies, n);
    switch (d.kind) {
      case DirectoryDecision::Kind::kAgreed: {
        auto k = directory_seal_key(d.entry);
        if (!k.ok()) break;  // cannot happen: decide_directory counted only parsable keys
        std::lock_guard lock(mu_);
        cache_[edge_path] = Cached{d.entry, clock_.now() + options_.cache_ttl};
        out = *k;
        entry = d.entry;
        return std::nullopt;
      }
      case DirectoryDecision::Kind::kUnknown:
        return failure(
            404, "unknown_layer",
            "the superior " + book.path + " knows no edge layer " + edge_path + " (f+1 members answered 404)",
            book.path);
      case DirectoryDecision::Kind::kNotAttached: {
        // Known (e.g. from a blueprint) but never attached: no sealing key to
        // seal to, and its superior would refuse its certificates.
        std::string superior = edge_path.substr(0, edge_path.rfind('/'));
        return failure(404, "not_attached",
                       edge_path + " is not an attached edge layer (f+1 members of " + book.path +
                           " know it, but with no sealing key): if it is an edge layer, an admin of " + superior +
                           " attaches it with mlchain layer attach --path " + edge_path + " ...",
                       book.path);
      }
      case DirectoryDecision::Kind::kConflict:
        return failure(
            502, "directory_conflict",
            "members of " + book.path + " returned different entries for " + edge_path + "; not trusting either",
            own_path_);
      case DirectoryDecision::Kind::kUndecided:
        break;
    }
  }
  std::string message = "no " + std::to_string(directory_quorum(n)) + " of the " + std::to_string(n) + " members of " +
                        book.path + " agreed on the directory entry of " + edge_path;
  if (!errors.empty()) message += " (" + errors + ")";
  if (clock_.now() >= deadline) return failure(504, "timeout", message, own_path_);
  return failure(503, "unreachable", message, own_path_);
}

bool ContractSender::valid_receipt(const codec::Json& receipt, const contract::Packet& p, const std::string& dest_edge,
                                   const codec::Json& e) {
  if (!receipt.is_object()) return false;
  // The entry this send resolved, not the cache: the cache entry may have
  // expired (and been erased by another send) while the packet travelled,
  // which reported a delivered message as failed (issue 15 item 0.1).
  if (!e.is_object() || !e.contains("members") || !e["members"].is_array() || e["members"].size() != 1) return false;
  std::string key = codec::string_or_empty(e["members"][0], "public_key");
  std::string sum = to_hex(ByteView(p.sum.data(), p.sum.size()));
  if (key.empty() || codec::string_or_empty(receipt, "sum") != sum ||
      codec::string_or_empty(receipt, "edge") != dest_edge || codec::string_or_empty(receipt, "key") != key)
    return false;
  return verify_receipt(receipt, crypto::Ed25519Verifier()).ok();
}

std::optional<codec::Json> ContractSender::delivered_before(const codec::Json& error, const contract::Packet& p,
                                                            const std::string& dest_edge, const codec::Json& entry) {
  if (!error.is_object() || !error.contains("error") || !error["error"].is_object()) return std::nullopt;
  const codec::Json& e = error["error"];
  if (!e.contains("receipt") || !valid_receipt(e["receipt"], p, dest_edge, entry)) return std::nullopt;
  const codec::Json& receipt = e["receipt"];
  codec::Json hops = codec::Json::array();
  if (receipt.contains("ids") && receipt["ids"].is_array()) {
    for (const auto& id : receipt["ids"]) {
      auto b = contract::parse_block_id(id.is_string() ? id.get<std::string>() : "");
      if (b.ok()) hops.push_back({{"layer", b->layer}, {"id", id}});
    }
  }
  hops.push_back({{"layer", dest_edge}, {"edge", true}, {"role", "destination"}});
  std::string sum = to_hex(ByteView(p.sum.data(), p.sum.size()));
  auto answer =
      with_source_hop(codec::Json{{"sum", sum}, {"hops", hops}, {"receipt", receipt}, {"duplicate", true}}, own_path_);
  if (!answer.ok()) return std::nullopt;
  return std::move(*answer);
}

SendOutcome ContractSender::send(std::string_view from, const ContractRequest& req) {
  const TimePoint start = clock_.now();
  const TimePoint deadline = start + options_.deadline;
  auto src = contract::parse_uuid(from);
  auto dst = contract::parse_uuid(req.to);
  if (!src.ok())
    return failure(400, "bad_request", "object " + std::string(from) + ": " + src.status().message(), own_path_);
  if (!dst.ok()) return failure(400, "bad_request", "field 'to': " + dst.status().message(), own_path_);
  auto route = contract::route(*src, *dst);
  if (!route.ok()) return failure(400, "bad_request", route.status().message(), own_path_);
  std::vector<std::string> ids;
  if (req.kind != contract::PacketKind::kFirst) {
    auto ordered = order_contract_ids(*route, req.ids);
    if (!ordered.ok()) return failure(400, "bad_request", ordered.status().message(), own_path_);
    ids = std::move(*ordered);
  }
  std::optional<SuperiorBook> book = book_ ? book_() : std::nullopt;
  if (!book) {
    return failure(503, "no_superior", "edge layer " + own_path_ + " has no [superior]: it cannot send contracts",
                   own_path_);
  }
  if (route->dst.empty() || route->dst.front() != book->path) {
    return failure(500, "misconfigured",
                   "the route's first layer is " + (route->dst.empty() ? std::string("none") : route->dst.front()) +
                       " but this edge's superior is " + book->path,
                   own_path_);
  }
  crypto::SealPublicKey seal{};
  codec::Json dest_entry;
  if (auto fail = resolve(*book, dst->edge, deadline, seal, dest_entry)) return *fail;

  contract::Outgoing out;
  out.kind = req.kind;
  out.from = *src;
  out.to = *dst;
  out.message = req.message;
  out.timestamp_ms = unix_millis(start);
  out.ttl_ms = req.ttl_ms;
  out.contract_ids = std::move(ids);
  auto p = contract::make_packet(out, key_, pseudonym_secret_, seal);
  if (!p.ok()) return failure(400, "bad_request", p.status().message(), own_path_);
  contract::LayerCertificate cert = contract::begin_certificate(*p, own_path_);
  contract::add_signature(cert, signer_);
  auto text = codec::canonical(Json{{"packet", contract::to_json(*p)}, {"cert", contract::to_json(cert)}});
  if (!text.ok()) return failure(500, "internal", text.status().message(), own_path_);

  // Every packet of this edge goes to the same member first (the others
  // only when it does not answer): that member orders what arrives while
  // its previous batch is in consensus as one batch, so batches grow with
  // load instead of being spread thin over the members.
  // A member that failed lately goes last (in_order).
  const std::size_t n = book->members.size();
  const std::size_t first = n == 0 ? 0 : std::hash<std::string>{}(own_path_) % n;
  std::string errors;
  std::string maybe_taken;               // a member that may have received the packet without answering
  std::optional<SendOutcome> retryable;  // the last "cannot serve now" answer
  for (const SuperiorMember& m : in_order(book->members, first)) {
    if (m.address.empty()) {
      errors += (errors.empty() ? "" : "; ") + who(m) + ": no known address";
      continue;
    }
    auto timeout = left(deadline, options_.post_timeout);
    if (timeout.count() == 0 || stopping()) break;
    auto r = call_member(m, "POST", "/v1/contract/packet", *text, timeout);
    if (!r.ok()) {
      errors += (errors.empty() ? "" : "; ") + who(m) + ": " + r.status().message().substr(0, kMaxErrorPart);
      if (net::may_have_arrived(r.status())) maybe_taken = who(m);
      continue;  // the same packet to the next member: a retry for the layer
    }
    auto j = parse_answer(r->body);
    if (r->status == 200) {
      if (!j.ok()) {
        return failure(502, "bad_answer", who(m) + " of " + book->path + " answered 200 without JSON", own_path_);
      }
      // Delivered only if the destination edge says so: its receipt, for our
      // sum, signed by the key the directory gave for it.
      if (!j->is_object() || !j->contains("receipt") || !valid_receipt((*j)["receipt"], *p, dst->edge, dest_entry)) {
        return failure(502, "bad_answer",
                       who(m) + " of " + book->path + " answered 200 without a valid receipt of " + dst->edge +
                           " for this message; it is not known to be delivered",
                       own_path_);
      }
      auto answer = with_source_hop(std::move(*j), own_path_);
      if (!answer.ok()) return failure(502, "bad_answer", answer.status().message(), own_path_);
      return {200, std::move(*answer), "ok"};
    }
    // Passed back unchanged; the code names the refusal for metrics.
    std::string code = "http_" + std::to_string(r->status);
    if (j.ok() && j->is_object() && j->contains("error") && (*j)["error"].is_object()) {
      auto c = (*j)["error"].find("code");
      if (c != (*j)["error"].end() && c->is_string() && c->get<std::string>().size() <= 40)
        code = c->get<std::string>();
      // Our own packet, delivered before: a hop further on retried it after
      // losing an answer (a member died), and the destination refused the
      // second delivery with the receipt of the first. Delivered once: success.
      if (r->status == 409 && code == "replay") {
        if (auto delivered = delivered_before(*j, *p, dst->edge, dest_entry)) return {200, std::move(*delivered), "ok"};
      }
      // That member cannot serve now (full, shutting down, joining, its
      // layer's signatures not gathered): the next member takes the same
      // packet, as after a transport failure.
      if (r->status == 503 && (code == "busy" || code == "not_member" || code == "unavailable")) {
        errors += (errors.empty() ? "" : "; ") + who(m) + ": " + code;
        retryable = SendOutcome{r->status, std::move(*j), code};
        continue;
      }
      return {r->status, std::move(*j), code};
    }
    return {r->status,
            contract_error(code, who(m) + " of " + book->path + " answered: " + r->body.substr(0, kMaxErrorPart),
                           book->path),
            code};
  }
  std::string message = "no member of the superior " + book->path + " took the packet";
  if (!errors.empty()) message += " (" + errors + ")";
  // Never "failed" for a packet a member may hold: it may still be delivered.
  if (!maybe_taken.empty())
    return failure(504, "outcome_unknown",
                   "no member of the superior " + book->path + " answered, but " + maybe_taken +
                       " may have received the packet: the message may still be delivered, at most once (" + errors +
                       ")",
                   own_path_);
  // Members answered that they cannot serve now: the last one's answer, the
  // others named in its message.
  if (retryable) {
    auto& e = retryable->body;
    if (e.is_object() && e.contains("error") && e["error"].is_object() && e["error"].contains("message") &&
        e["error"]["message"].is_string())
      e["error"]["message"] = e["error"]["message"].get<std::string>() + " (every member asked: " + errors + ")";
    return *retryable;
  }
  if (clock_.now() >= deadline) return failure(504, "timeout", message, own_path_);
  return failure(503, "unreachable", message, own_path_);
}

}  // namespace mlchain::edge
