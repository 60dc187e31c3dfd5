// The relay's outbound side: address books, the directory, certificate
// gathering among members, forwarding to the next layer. Every call goes to
// an address this layer's chain records, over TLS pinned to the recorded key.
#include <algorithm>
#include <set>
#include <system_error>
#include <thread>

#include "mlchain/codec/fields.h"
#include "mlchain/common/clock.h"
#include "mlchain/node/epochs.h"
#include "mlchain/node/signed_op.h"
#include "mlchain/node/superior_change.h"
#include "mlchain/net/stall_watch.h"
#include "relay_impl.h"

namespace mlchain::relay {
namespace {

using codec::Json;

Result<Book> from_row(const std::string& row) {
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(row));
  Book b;
  MLCHAIN_ASSIGN_OR_RETURN(b.path, codec::get_string(j, "path", contract::kMaxLayerPathBytes));
  // Attached by add-subordinate: a one-key edge layer; by add-layer (a
  // "genesis" field, node/layer_application.h): a layer of members.
  b.edge = !j.contains("genesis");
  b.seal_key = j.value("seal_key", "");
  if (j.contains("expires_at")) {
    MLCHAIN_ASSIGN_OR_RETURN(b.expires_at_ms, codec::get_int(j, "expires_at"));
  }
  MLCHAIN_ASSIGN_OR_RETURN(Json members, codec::get_array(j, "members", consensus::kMaxMembers));
  for (const auto& m : members) {
    BookMember bm;
    MLCHAIN_ASSIGN_OR_RETURN(bm.name, codec::get_string(m, "name", 64));
    MLCHAIN_ASSIGN_OR_RETURN(std::string key, codec::get_string(m, "public_key", 64));
    MLCHAIN_ASSIGN_OR_RETURN(bm.key, crypto::PublicKey::from_hex(key));
    MLCHAIN_ASSIGN_OR_RETURN(bm.address, codec::get_string(m, "address", 512));
    b.members.push_back(std::move(bm));
  }
  return b;
}

// A member that has not answered a forwarded packet after 1 s gets a fresh
// TLS handshake; none within 1 s: its process stopped, the next member takes
// the packet (issue 15 item 0.2; net/stall_watch.h).
constexpr net::StallWatch kStallWatch{std::chrono::milliseconds(1'000), std::chrono::milliseconds(1'000)};

}  // namespace

codec::Json Book::to_json() const {
  Json m = Json::array();
  for (const auto& x : members) m.push_back({{"name", x.name}, {"public_key", x.key.hex()}, {"address", x.address}});
  Json j = {{"path", path}, {"edge", edge}, {"members", m}};
  if (!seal_key.empty()) j["seal_key"] = seal_key;
  if (expires_at_ms != 0) j["expires_at"] = expires_at_ms;
  return j;
}

Result<Book> book_from_json(const codec::Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"path", "edge", "members", "seal_key", "expires_at"}, "directory entry"));
  Book b;
  MLCHAIN_ASSIGN_OR_RETURN(b.path, codec::get_string(j, "path", contract::kMaxLayerPathBytes));
  MLCHAIN_TRY(contract::validate_layer_path(b.path));
  MLCHAIN_ASSIGN_OR_RETURN(b.edge, codec::get_bool(j, "edge"));
  if (j.contains("seal_key")) {
    MLCHAIN_ASSIGN_OR_RETURN(b.seal_key, codec::get_string(j, "seal_key", 64));
    MLCHAIN_TRY(contract::parse_seal_public_key(b.seal_key).status());
  }
  if (j.contains("expires_at")) {
    MLCHAIN_ASSIGN_OR_RETURN(b.expires_at_ms, codec::get_int(j, "expires_at"));
  }
  MLCHAIN_ASSIGN_OR_RETURN(Json members, codec::get_array(j, "members", consensus::kMaxMembers));
  if (members.empty()) return invalid_argument("a directory entry lists at least one member");
  for (const auto& m : members) {
    MLCHAIN_TRY(codec::only_fields(m, {"name", "public_key", "address"}, "directory member"));
    BookMember bm;
    MLCHAIN_ASSIGN_OR_RETURN(bm.name, codec::get_string(m, "name", 64));
    MLCHAIN_ASSIGN_OR_RETURN(std::string key, codec::get_string(m, "public_key", 64));
    MLCHAIN_ASSIGN_OR_RETURN(bm.key, crypto::PublicKey::from_hex(key));
    MLCHAIN_ASSIGN_OR_RETURN(bm.address, codec::get_string(m, "address", 512));
    if (bm.address.rfind("https://", 0) != 0) return invalid_argument("a member address is https://host:port");
    b.members.push_back(std::move(bm));
  }
  return b;
}

Result<Book> ContractService::local_book(const store::ReadTxn& txn, const std::string& path) const {
  if (path == layer_) {
    Book b;
    b.path = layer_;
    for (const auto& m : host_->members()) b.members.push_back(BookMember{m.name, m.key, m.address});
    return b;
  }
  if (!path.empty() && path.size() <= store::kMaxKeyBytes) {
    auto row = txn.get(node::kSubordinatesTable, path);
    if (!row.ok()) return row.status();
    if (row->has_value()) {
      MLCHAIN_ASSIGN_OR_RETURN(Book b, from_row(**row));
      std::int64_t now = unix_millis(SystemClock().now());
      if (b.expires_at_ms != 0 && now > b.expires_at_ms) {
        return not_found("the address-book entry of " + path + " expired at unix ms " +
                         std::to_string(b.expires_at_ms) + "; attach it again (mlchain layer " +
                         (b.edge ? "attach" : "apply") + ")");
      }
      if (!b.edge) {
        // A layer of members: at the epoch the chain follows it to.
        MLCHAIN_ASSIGN_OR_RETURN(auto trusted, node::trusted_neighbour(txn, ctx_.genesis.blueprint, path));
        b.members.clear();
        for (const auto& m : trusted.members) b.members.push_back(BookMember{m.name, m.key, m.address});
      }
      return b;
    }
  }
  const auto& bp = ctx_.genesis.blueprint;
  {
    // A high-level neighbour (the superior candidate trusted now, or a
    // blueprint subordinate) at the epoch the chain follows it to (node/epochs.h).
    auto trusted = node::trusted_neighbour(txn, bp, path);
    if (trusted.ok()) {
      Book b;
      b.path = path;
      for (const auto& m : trusted->members) b.members.push_back(BookMember{m.name, m.key, m.address});
      return b;
    }
    if (trusted.status().code() != ErrorCode::kNotFound) return trusted.status();
  }
  return not_found("layer " + layer_ + " records no layer '" + path + "' as itself, its superior or a subordinate");
}

bool ContractService::admit_anonymous_lookup() {
  std::lock_guard lock(dmu_);
  return lookup_tokens_.take(Clock::now());
}

Result<Book> ContractService::resolve(const std::string& path, Clock::time_point deadline, bool anonymous) {
  std::optional<Book> via;  // the neighbour to ask
  {
    MLCHAIN_ASSIGN_OR_RETURN(auto txn, host_->store().begin_read());
    auto local = local_book(*txn, path);
    if (local.ok() || local.status().code() != ErrorCode::kNotFound) return local;
    {
      std::lock_guard lock(dmu_);
      if (auto it = directory_.find(path); it != directory_.end() && it->second.second > Clock::now())
        return it->second.first;
      // Unknown paths are remembered briefly too: asking for random paths
      // must not make every layer of the tree ask its neighbours each time.
      if (auto why = directory_missing_.find(path, Clock::now())) return not_found(*why);
    }
    if (anonymous && !admit_anonymous_lookup())
      return unavailable("too many lookups of layers this node does not know; retry in a second");
    std::string below = layer_ + "/";
    if (path.rfind(below, 0) == 0) {
      // Under us: the subordinate whose path prefixes it.
      std::string child = path.substr(0, path.find('/', below.size()));
      auto sub = local_book(*txn, child);
      if (!sub.ok()) return not_found("no layer " + child + " under " + layer_ + " (asked for " + path + ")");
      if (sub->edge) return not_found(child + " is an edge layer; it has no layer " + path + " below it");
      via = std::move(sub).value();
    } else if (ctx_.genesis.blueprint.superior) {
      MLCHAIN_ASSIGN_OR_RETURN(via, local_book(*txn, ctx_.genesis.blueprint.superior->path));
    } else {
      return not_found("no layer " + path + " in this tree (" + layer_ + " is the root)");
    }
  }
  // f+1 members of that layer must give the same answer: at least one honest.
  std::size_t need = consensus::max_faults(via->members.size()) + 1;
  std::map<std::string, std::pair<std::size_t, std::optional<Book>>> answers;  // canonical -> (votes, entry)
  std::string last_error = "no member answered";
  for (const auto& m : via->members) {
    if (Clock::now() >= deadline || stopping()) break;
    auto r = call(m, "GET", "/v1/directory/" + contract::url_segment(path), "", {}, std::chrono::milliseconds(5'000));
    if (!r.ok()) {
      last_error = m.name + ": " + r.status().message();
      continue;
    }
    std::string key;
    std::optional<Book> entry;
    if (r->status == 404) {
      key = "404";
    } else if (r->status == 200) {
      auto j = codec::parse(r->body, codec::ParseLimits{256 * 1024, 5, 1024, 1024});
      if (!j.ok()) continue;
      auto b = book_from_json(*j);
      if (!b.ok() || b->path != path) {
        last_error = m.name + " gave a malformed entry";
        continue;
      }
      key = dump(b->to_json());
      entry = std::move(b).value();
    } else {
      last_error = m.name + ": HTTP " + std::to_string(r->status);
      continue;
    }
    auto& a = answers[key];
    a.second = entry;
    if (++a.first < need) continue;
    if (!entry) {
      std::string why = "layer " + via->path + " knows no layer " + path;
      std::lock_guard lock(dmu_);
      directory_missing_.add(path, why, Clock::now());
      return not_found(why);
    }
    std::lock_guard lock(dmu_);
    directory_[path] = {*entry, Clock::now() + options_.directory_ttl};
    return *entry;
  }
  return unavailable("could not get " + std::to_string(need) + " matching answers about " + path + " from layer " +
                     via->path + " (" + last_error + ")");
}

Result<net::Response> ContractService::call(const BookMember& m, std::string_view method, const std::string& target,
                                            const std::string& body, const std::map<std::string, std::string>& headers,
                                            std::chrono::milliseconds timeout) {
  // Connections are pooled per (address, key, timeout rounded up to the
  // second): a stopped peer holds a worker at most about `timeout`.
  auto cls = std::chrono::milliseconds(((timeout.count() + 999) / 1'000) * 1'000);
  std::string pool = m.address + "|" + m.key.hex() + "|" + std::to_string(cls.count());
  std::unique_ptr<net::HttpsConnection> conn;
  {
    std::lock_guard lock(cmu_);
    auto& v = idle_[pool];
    if (!v.empty()) {
      conn = std::move(v.back());
      v.pop_back();
    }
  }
  if (!conn) {
    net::HttpsClientOptions o;
    o.connect_timeout = std::chrono::milliseconds(2'000);
    o.total_timeout = cls;
    o.max_response_bytes = 1024 * 1024;
    o.server_key = m.key;
    MLCHAIN_ASSIGN_OR_RETURN(auto c, net::HttpsConnection::create(m.address, o));
    conn = std::make_unique<net::HttpsConnection>(std::move(c));
  }
  std::map<std::string, std::string> h = headers;
  if (!body.empty()) h["Content-Type"] = "application/json";
  auto r = conn->request(method, target, body, h);
  if (r.ok()) {
    std::lock_guard lock(cmu_);
    auto& v = idle_[pool];
    if (v.size() < 32) v.push_back(std::move(conn));
  }
  return r;
}

Result<contract::LayerCertificate> ContractService::gather(const contract::Packet& next, Clock::time_point deadline) {
  contract::LayerCertificate c = contract::begin_certificate(next, layer_);
  // Signed by f+1 members of the current epoch: the neighbours follow our
  // membership by its epoch certificates (node/epochs.h) and accept exactly
  // those; one that has not yet followed a switch fetches the certificates
  // when it sees a signer it does not know (ContractService::follow).
  auto members = host_->members();
  std::size_t need = consensus::max_faults(members.size()) + 1;
  // Our own part, only for what our own state records (as any member asked
  // to sign would check).
  std::string why;
  if (recorded(next, &why) != Recorded::kYes) return failed_precondition("not forwarding: " + why);
  if (host_->is_member(host_->key().public_key())) contract::add_signature(c, KeySigner(host_->key()));
  std::vector<BookMember> ask;
  for (const auto& m : members)
    if (m.key != host_->key().public_key() && !m.address.empty()) ask.push_back(BookMember{m.name, m.key, m.address});
  // Start at a different member per packet, so the load spreads.
  if (!ask.empty())
    std::rotate(ask.begin(), ask.begin() + static_cast<std::ptrdiff_t>(next.sum[0] % ask.size()), ask.end());
  // One that failed lately (stopped, dead) last: it would cost every packet
  // its 2 s timeout while the others can sign.
  failed_.put_last(ask, Clock::now());
  std::string request = dump({{"packet", contract::envelope_json(next)}, {"layer", layer_}});
  Bytes signed_bytes = contract::certificate_signing_bytes(c.layer, c.next_hop, c.packet);
  auto until = std::min(deadline, Clock::now() + options_.sign_wait);
  auto pause = std::chrono::milliseconds(1);
  std::string last = "no member answered";
  while (c.signatures.size() < need && !ask.empty()) {
    std::vector<BookMember> later;
    for (const auto& m : ask) {
      if (c.signatures.size() >= need) break;
      auto r = call(m, "POST", "/v1/contract/sign", request, {}, std::chrono::milliseconds(2'000));
      if (!r.ok()) {
        last = m.name + ": " + r.status().message();
        failed_.mark(m.key, Clock::now());
        later.push_back(m);
        continue;
      }
      if (r->status == 409) {  // it has not applied the block yet
        later.push_back(m);
        continue;
      }
      if (r->status != 200) {
        last = m.name + ": HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 200);
        continue;
      }
      auto j = codec::parse(r->body, codec::ParseLimits{4096, 2, 256, 4});
      auto sig = j.ok() ? crypto::signature_from_hex(codec::string_or_empty(*j, "sig"))
                        : Result<crypto::Signature>(j.status());
      if (!sig.ok() || codec::string_or_empty(*j, "key") != m.key.hex() ||
          !host_->verifier().verify(m.key, signed_bytes, *sig)) {
        last = m.name + " sent a signature that does not verify";
        continue;
      }
      c.signatures.emplace_back(m.key, *sig);
    }
    if (c.signatures.size() >= need) break;
    ask = std::move(later);
    if (Clock::now() + pause >= until) break;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  if (c.signatures.size() < need) {
    return unavailable("only " + std::to_string(c.signatures.size()) + " of the " + std::to_string(need) +
                       " member signatures a certificate of " + layer_ + " needs (" +
                       last + ")");
  }
  return c;
}

Result<net::Response> ContractService::call_watched(const BookMember& m, const std::string& target,
                                                    const std::string& body,
                                                    const std::map<std::string, std::string>& headers,
                                                    std::chrono::milliseconds timeout) {
  auto r = net::watched_call<net::Response>(
      bg_, [this, m, target, body, headers, timeout] { return call(m, "POST", target, body, headers, timeout); },
      [m] { return net::handshake_probe(m.address, m.key, kStallWatch.probe_timeout); }, kStallWatch, timeout);
  if (!r.ok() && r.status().message().rfind("stopped answering", 0) == 0) count("forward_member_stalled");
  return r;
}

Answer ContractService::outcome_unknown(const std::string& next_layer, const std::string& member,
                                        const std::string& last) {
  count("forward_outcome_unknown");
  return error_answer(504, "outcome_unknown",
                      "no member of " + next_layer + " answered, but " + member +
                          " may have received the packet before it stopped answering: the message may still be "
                          "delivered, at most once (" + last + ")",
                      layer_);
}

// The next layer's 200 answer with this layer's hop put first; nullopt when
// the answer lists no hops.
std::optional<Answer> ContractService::with_hop(const codec::Json& hop, const std::string& body) {
  auto j = codec::parse(body, codec::ParseLimits{1024 * 1024, 8, 64 * 1024, 4096});
  if (!j.ok() || !j->is_object() || !j->contains("hops") || !(*j)["hops"].is_array()) return std::nullopt;
  codec::Json hops = codec::Json::array({hop});
  for (auto& h : (*j)["hops"]) hops.push_back(std::move(h));
  (*j)["hops"] = std::move(hops);
  count("forwarded");
  return Answer{200, dump(*j)};
}

Answer ContractService::forward(contract::Packet p, const std::string& id, std::uint64_t height, bool duplicate,
                                Clock::time_point deadline, std::int64_t order_us) {
  if (stopping())
    return error_answer(503, "unavailable", "the node is shutting down; retry with another member", layer_);
  if (Status st = contract::advance(p, layer_, id); !st.ok())
    return error_answer(500, "internal", "cannot advance the packet: " + st.message(), layer_);
  const std::string& next_layer = p.route.dst.front();
  Result<Book> book = not_found("");
  {
    auto txn = host_->store().begin_read();
    if (!txn.ok()) return error_answer(500, "internal", txn.status().message(), layer_);
    book = local_book(**txn, next_layer);
  }
  if (!book.ok() || book->members.empty())
    return error_answer(404, "unknown_layer", "this layer records no members for " + next_layer, layer_);
  auto t_certify = Clock::now();
  auto cert = gather(p, deadline);
  auto certify_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t_certify).count();
  if (!cert.ok()) {
    count("forward_no_certificate");
    return error_answer(503, "unavailable", cert.status().message(), layer_);
  }
  std::string body = dump({{"packet", contract::to_json(p)}, {"cert", contract::to_json(*cert)}});
  // Where the time went at this layer: ordering (PBFT, batched) and
  // gathering the f+1 certificate signatures (docs/contracts.md §8.1).
  codec::Json hop = {{"layer", layer_},
                     {"id", id},
                     {"node", host_->node_name()},
                     {"height", height},
                     {"duplicate", duplicate},
                     {"order_us", order_us},
                     {"certify_us", certify_us}};
  // The same member first for every packet from this layer (the next only
  // when it does not answer): its batches grow with the load (docs/contracts.md §10).
  auto in_order = [this](std::vector<BookMember> members) {
    std::rotate(members.begin(),
                members.begin() + static_cast<std::ptrdiff_t>(std::hash<std::string>{}(layer_) % members.size()),
                members.end());
    // Members that failed at the transport lately go last, so one stalled
    // member does not cost every packet its attempt.
    failed_.put_last(members, Clock::now());
    return members;
  };
  auto members = in_order(book->members);
  std::string last = "no member answered";
  if (ctx_.genesis.blueprint.forward_to_all && members.size() > 1) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()) - std::chrono::milliseconds(250);
    if (left < std::chrono::milliseconds(1'000))
      return error_answer(504, "timeout", "the route's time budget ran out before forwarding to " + next_layer, layer_);
    return forward_to_all(members, body, hop, next_layer, left);
  }
  // Towards the superior, a packet already recorded here waits while no
  // member answers (the superior review may freeze the route meanwhile):
  // one round over the members every second until one takes it or the
  // budget runs out. Nothing is dropped silently; the sender then hears why.
  bool to_superior = ctx_.genesis.blueprint.superior && next_layer == ctx_.genesis.blueprint.superior->path &&
                     options_.superior_retry.count() > 0;
  bool mismatch = false;  // the next layer answered superior_mismatch: wait and retry
  // A member that may have received the packet without answering (a lost
  // connection or a stall after sending): the packet may still travel on
  // from there, so failing here must not claim it went nowhere.
  std::string maybe_taken;
  for (int round = 0;; ++round) {
    if (round > 0) {
      {
        std::unique_lock lock(sup_mu_);
        auto wake = std::min(deadline - std::chrono::milliseconds(1'250), Clock::now() + options_.superior_retry);
        if (sup_cv_.wait_until(lock, wake, [this] { return sup_stop_; })) break;
      }
      if (Clock::now() + std::chrono::milliseconds(1'250) >= deadline) break;
      if (round == 1) count(mismatch ? "forward_waiting_mismatch" : "forward_waiting");
      mismatch = false;
      // Meanwhile the layer may have moved to an alternate superior (an
      // ordered change, node/superior_change.h): the packet goes there.
      if (auto txn = host_->store().begin_read(); txn.ok()) {
        auto now_book = local_book(**txn, next_layer);
        if (now_book.ok() && !now_book->members.empty()) members = in_order(now_book->members);
      }
    }
    for (const auto& m : members) {
      if (stopping())
        return error_answer(503, "unavailable", "the node is shutting down; retry with another member", layer_);
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()) -
                  std::chrono::milliseconds(250);
      if (left < std::chrono::milliseconds(1'000)) break;
      // The next layer gets the time left for the rest of the route (the
      // docs' promise; a 15 s cap per hop starved longer routes). A member
      // whose process stopped is noticed by call_watched within ~2 s and the
      // next one takes over with what is left.
      auto attempt = left;
      auto r = call_watched(m, "/v1/contract/packet", body,
                            {{std::string(kBudgetHeader), std::to_string(attempt.count())}},
                            attempt + std::chrono::milliseconds(500));
      if (!r.ok()) {
        last = m.name + " (" + m.address + "): " + r.status().message();
        if (net::may_have_arrived(r.status())) maybe_taken = m.name;
        failed_.mark(m.key, Clock::now());
        continue;
      }
      if (r->status == 200) {
        if (auto answer = with_hop(hop, r->body)) return *answer;
        last = m.name + " answered 200 without hops";
        continue;
      }
      auto j = codec::parse(r->body, codec::ParseLimits{1024 * 1024, 8, 64 * 1024, 4096});
      std::string code = j.ok() && j->is_object() && j->contains("error") && (*j)["error"].is_object()
                             ? codec::string_or_empty((*j)["error"], "code")
                             : "";
      // That member cannot serve now (joining, shutting down, full): try another.
      if (r->status == 503 && (code == "busy" || code == "not_member" || code == "unavailable" || code.empty())) {
        last = m.name + ": " + r->body.substr(0, 200);
        continue;
      }
      // The next layer trusts another deployment of the superior than the
      // one that certified the packet: one of the two is changing superior.
      // Wait (rounds, like an unanswering superior) within the budget.
      if (r->status == 503 && code == "superior_mismatch" && options_.superior_retry.count() > 0) {
        mismatch = true;
        last = m.name + ": " + r->body.substr(0, 300);
        break;
      }
      count("forward_refused");
      if (!j.ok())
        return error_answer(502, "bad_gateway",
                            m.name + " of " + next_layer + " answered HTTP " + std::to_string(r->status), layer_);
      return Answer{r->status, r->body};  // a refusal further down: passed back as it is
    }
    if (!to_superior && !mismatch) break;
  }
  count("forward_failed");
  if (!maybe_taken.empty()) return outcome_unknown(next_layer, maybe_taken, last);
  if (Clock::now() + std::chrono::milliseconds(1'250) >= deadline) {
    std::string why = to_superior ? frozen().value_or("") : "";
    return error_answer(504, "timeout",
                        "the route's time budget ran out forwarding to " + next_layer + " (" + last + ")" +
                            (why.empty() ? "" : "; " + why),
                        layer_);
  }
  return error_answer(503, "unreachable", "no member of " + next_layer + " took the packet (" + last + ")", layer_);
}

// Forwarding mode "all": the packet goes to every member of the next layer
// at once; the first 200 is the answer (the others finish in the background:
// each of those members records it too, idempotently, and forwards it by its
// own layer's mode). Without a 200, the first refusal is passed back.
Answer ContractService::forward_to_all(const std::vector<BookMember>& members, const std::string& body,
                                       const codec::Json& hop, const std::string& next_layer,
                                       std::chrono::milliseconds timeout) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::size_t done = 0;
    std::optional<Answer> ok;
    std::optional<Answer> refusal;
    std::string last = "no member answered";
    std::string maybe_taken;  // as in forward()
  };
  auto shared = std::make_shared<Shared>();
  std::size_t started = 0;
  for (const auto& m : members) {
    // Copies still running from earlier packets hold threads: past the cap
    // (or with no thread to be had), send to fewer members rather than
    // exhaust the process.
    bool sent = bg_.spawn([this, shared, m, body, timeout] {
      auto r =
          call(m, "POST", "/v1/contract/packet", body, {{std::string(kBudgetHeader), std::to_string(timeout.count())}},
               timeout + std::chrono::milliseconds(500));
      {
        std::lock_guard lock(shared->mu);
        ++shared->done;
        if (!r.ok()) {
          shared->last = m.name + ": " + r.status().message();
          if (net::may_have_arrived(r.status())) shared->maybe_taken = m.name;
        } else if (r->status == 200) {
          if (!shared->ok) shared->ok = Answer{200, r->body};
        } else if (!(r->status == 503 && r->body.find("\"superior_frozen\"") == std::string::npos) &&
                   !shared->refusal) {
          shared->refusal = Answer{r->status, r->body};
        } else {
          shared->last = m.name + ": " + r->body.substr(0, 200);
        }
      }
      shared->cv.notify_all();
    });
    if (!sent) break;
    ++started;
  }
  if (started == 0) {
    count("forward_failed");
    return error_answer(503, "busy", "too many forwarding calls in flight at this node; retry", layer_);
  }
  std::unique_lock lock(shared->mu);
  shared->cv.wait(lock, [&] { return shared->ok || shared->done == started; });
  if (shared->ok) {
    if (auto answer = with_hop(hop, shared->ok->body)) return *answer;
    return error_answer(502, "bad_gateway", "a member of " + next_layer + " answered 200 without hops", layer_);
  }
  if (shared->refusal) {
    count("forward_refused");
    return *shared->refusal;
  }
  count("forward_failed");
  if (!shared->maybe_taken.empty()) return outcome_unknown(next_layer, shared->maybe_taken, shared->last);
  return error_answer(503, "unreachable", "no member of " + next_layer + " took the packet (" + shared->last + ")",
                      layer_);
}

}  // namespace mlchain::relay
