#include "mlchain/contract/state_machine.h"

#include <algorithm>
#include <limits>

#include "mlchain/codec/fields.h"

namespace mlchain::contract {
namespace {

using codec::Json;

std::string canon(const Json& j) { return codec::canonical(j).value_or(std::string("null")); }

std::string be64(std::uint64_t v) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[static_cast<std::size_t>(i)] = static_cast<char>(v >> (56 - 8 * i));
  return k;
}

// A table never written reads as empty (the store may say NotFound).
Result<std::optional<std::string>> get_opt(const store::ReadTxn& txn, std::string_view table, std::string_view key) {
  auto v = txn.get(table, key);
  if (!v.ok() && v.status().code() == ErrorCode::kNotFound) return std::optional<std::string>();
  return v;
}

Result<std::uint64_t> counter(const store::ReadTxn& txn, std::string_view name) {
  MLCHAIN_ASSIGN_OR_RETURN(auto v, get_opt(txn, kContractMetaTable, name));
  if (!v) return std::uint64_t{0};
  std::uint64_t n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9') return corruption("contract counter '" + std::string(name) + "' is not a number");
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

Json block_json(const ContractBlock& b) {
  Json k = Json::array();
  for (const auto& s : b.k) k.push_back({{"sum", s.sum}, {"time", s.time_ms}, {"height", s.height}, {"out", s.out}});
  return {{"id", b.id},
          {"parties", {{"from", b.from}, {"to", b.to}}},
          {"route", {{"prev", b.prev_hop}, {"next", b.next_hop}}},
          {"K", std::move(k)},
          {"responsible", b.responsible},
          {"accomplished", b.accomplished},
          {"expires_at", b.expires_at_ms},
          {"opened_at", b.opened_at}};
}

Result<ContractBlock> block_from(const Json& j) {
  ContractBlock b;
  MLCHAIN_ASSIGN_OR_RETURN(b.id, codec::get_string(j, "id"));
  MLCHAIN_ASSIGN_OR_RETURN(Json parties, codec::get_object(j, "parties"));
  MLCHAIN_ASSIGN_OR_RETURN(b.from, codec::get_string(parties, "from"));
  MLCHAIN_ASSIGN_OR_RETURN(b.to, codec::get_string(parties, "to"));
  MLCHAIN_ASSIGN_OR_RETURN(Json route, codec::get_object(j, "route"));
  MLCHAIN_ASSIGN_OR_RETURN(b.prev_hop, codec::get_string(route, "prev"));
  MLCHAIN_ASSIGN_OR_RETURN(b.next_hop, codec::get_string(route, "next"));
  MLCHAIN_ASSIGN_OR_RETURN(Json k, codec::get_array(j, "K", kMaxSummaries));
  for (const auto& e : k) {
    Summary s;
    MLCHAIN_ASSIGN_OR_RETURN(s.sum, codec::get_string(e, "sum", 64));
    MLCHAIN_ASSIGN_OR_RETURN(s.time_ms, codec::get_int(e, "time"));
    MLCHAIN_ASSIGN_OR_RETURN(s.height, codec::get_uint(e, "height"));
    MLCHAIN_ASSIGN_OR_RETURN(s.out, codec::get_string(e, "out", 64));
    b.k.push_back(std::move(s));
  }
  MLCHAIN_ASSIGN_OR_RETURN(b.responsible, codec::get_string(j, "responsible"));
  MLCHAIN_ASSIGN_OR_RETURN(b.accomplished, codec::get_bool(j, "accomplished"));
  MLCHAIN_ASSIGN_OR_RETURN(b.expires_at_ms, codec::get_int(j, "expires_at"));
  MLCHAIN_ASSIGN_OR_RETURN(b.opened_at, codec::get_uint(j, "opened_at"));
  return b;
}

// An accepted packet's result: the id, and the digest of the record after
// it, which the block's results digest (attested) then certifies.
std::string accepted(const ContractBlock& b) { return "ok: " + b.id + " record " + record_digest_hex(b); }

Result<Lookup> lookup_record(const std::string& text) {
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(text));
  Lookup l;
  if (j.contains("pruned_at")) {
    l.kind = LookupKind::kPruned;
    MLCHAIN_ASSIGN_OR_RETURN(l.pruned_at, codec::get_uint(j, "pruned_at"));
    return l;
  }
  auto b = block_from(j);
  if (!b.ok()) return corruption("stored contract block does not parse: " + b.status().message());
  l.kind = LookupKind::kFound;
  l.block = std::move(b).value();
  return l;
}

Bytes result(std::string text) { return to_bytes(text); }

std::int64_t expiry(std::int64_t time, std::uint64_t ttl) {
  auto max = std::numeric_limits<std::int64_t>::max();
  auto t = static_cast<std::int64_t>(ttl);  // ttl <= kMaxTtlMs
  return time > max - t ? max : time + t;
}

struct ParsedOp {
  std::string action;  // open, append, end, prune
  std::string sum;
  std::string id;
  std::string from, to, prev, next;
  std::uint64_t ttl_ms = 0;
};

Result<PacketOp> packet_op_from(const Json& j) {
  MLCHAIN_ASSIGN_OR_RETURN(Json env, codec::get_object(j, "packet"));
  if (env.contains("body")) return invalid_argument("a packet body is never ordered; send the envelope only");
  PacketOp op;
  MLCHAIN_ASSIGN_OR_RETURN(op.packet, packet_from_json(env));
  MLCHAIN_ASSIGN_OR_RETURN(Json cert, codec::get_object(j, "cert"));
  MLCHAIN_ASSIGN_OR_RETURN(op.cert, certificate_from_json(cert));
  return op;
}

// A parsed contract op: prune (no items), one packet, or a batch of packets
// (each item applied as if ordered alone, in order).
struct Takeover {
  std::string id;    // the contract block
  std::string from;  // the responsible node the member asked (hex key)
};

struct Parsed {
  bool prune = false;
  bool batch = false;
  std::optional<Takeover> takeover;
  std::vector<Result<PacketOp>> items;  // a malformed batch item fails alone
};

Result<Parsed> parse_op(std::string_view text) {
  codec::ParseLimits limits;
  limits.max_bytes = kMaxContractOpBytes;
  limits.max_depth = 7;
  limits.max_string_bytes = 1024;
  limits.max_elements = 512 * kMaxBatchItems;
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(text, limits));
  MLCHAIN_TRY(codec::require_object(j, "contract op"));
  MLCHAIN_ASSIGN_OR_RETURN(std::string action, codec::get_string(j, "action", 16));
  Parsed out;
  if (action == "prune") {
    MLCHAIN_TRY(codec::only_fields(j, {"action"}, "contract prune op"));
    out.prune = true;
    return out;
  }
  if (action == "takeover") {
    MLCHAIN_TRY(codec::only_fields(j, {"action", "id", "from"}, "contract takeover op"));
    Takeover t;
    MLCHAIN_ASSIGN_OR_RETURN(t.id, codec::get_string(j, "id", store::kMaxKeyBytes));
    MLCHAIN_ASSIGN_OR_RETURN(t.from, codec::get_string(j, "from", 64));
    out.takeover = std::move(t);
    return out;
  }
  if (action == "batch") {
    MLCHAIN_TRY(codec::only_fields(j, {"action", "items"}, "contract batch op"));
    MLCHAIN_ASSIGN_OR_RETURN(Json items, codec::get_array(j, "items", kMaxBatchItems));
    if (items.empty()) return invalid_argument("a contract batch holds at least one item");
    out.batch = true;
    for (const auto& item : items) {
      if (!item.is_object()) {
        out.items.push_back(invalid_argument("a batch item is an object {packet, cert}"));
        continue;
      }
      Status fields = codec::only_fields(item, {"packet", "cert"}, "contract batch item");
      out.items.push_back(fields.ok() ? packet_op_from(item) : Result<PacketOp>(fields));
    }
    return out;
  }
  if (action != "packet")
    return invalid_argument("unknown contract action '" + action + "' (packet, batch, prune, takeover)");
  MLCHAIN_TRY(codec::only_fields(j, {"action", "packet", "cert"}, "contract packet op"));
  MLCHAIN_ASSIGN_OR_RETURN(PacketOp op, packet_op_from(j));
  out.items.push_back(std::move(op));
  return out;
}

Status raise_alarm(store::WriteTxn& txn, const ledger::OpContext& ctx, std::string_view kind, const std::string& id,
                   const std::string& sum, const std::string& client, const std::string& reason) {
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t n, counter(txn, "alarms"));
  MLCHAIN_TRY(txn.put(kContractAlarmsTable, be64(n),
                      canon({{"height", ctx.height}, {"time", ctx.time_ms}, {"kind", kind}, {"id", id},
                             {"sum", sum}, {"client", client}, {"reason", reason}})));
  return txn.put(kContractMetaTable, "alarms", std::to_string(n + 1));
}

// The recorded, unpruned block `id`; or, in `error`, the "error: ..." result
// that says why there is none.
struct Recorded {
  std::optional<ContractBlock> block;
  std::string error;
};
Result<Recorded> recorded_block(const store::ReadTxn& txn, const std::string& id) {
  MLCHAIN_ASSIGN_OR_RETURN(auto rec, get_opt(txn, kContractsTable, id));
  if (!rec) return Recorded{std::nullopt, "error: no contract block " + id};
  MLCHAIN_ASSIGN_OR_RETURN(Lookup l, lookup_record(*rec));
  if (l.kind == LookupKind::kPruned)
    return Recorded{std::nullopt,
                    "error: pruned: contract block " + id + " was pruned at height " + std::to_string(l.pruned_at)};
  return Recorded{std::move(l.block), {}};
}

}  // namespace

Result<std::string> contract_op_text(const Packet& p, const LayerCertificate& incoming) {
  if (p.route.dst.size() < 2) return invalid_argument("the packet has reached its destination edge; no layer orders it");
  MLCHAIN_ASSIGN_OR_RETURN(std::string text,
                           codec::canonical(Json{{"action", "packet"}, {"packet", envelope_json(p)}, {"cert", to_json(incoming)}}));
  return std::string(kContractOpPrefix) + text;
}

Result<std::string> batch_op_text(const std::vector<std::pair<Packet, LayerCertificate>>& items) {
  if (items.empty() || items.size() > kMaxBatchItems) return invalid_argument("a contract batch holds 1..kMaxBatchItems items");
  Json list = Json::array();
  for (const auto& [p, cert] : items) {
    if (p.route.dst.size() < 2) return invalid_argument("the packet has reached its destination edge; no layer orders it");
    list.push_back({{"packet", envelope_json(p)}, {"cert", to_json(cert)}});
  }
  MLCHAIN_ASSIGN_OR_RETURN(std::string text, codec::canonical(Json{{"action", "batch"}, {"items", std::move(list)}}));
  if (text.size() + kContractOpPrefix.size() > kMaxContractOpBytes) return resource_exhausted("the contract batch is too large");
  return std::string(kContractOpPrefix) + text;
}

std::string prune_op_text() { return std::string(kContractOpPrefix) + canon({{"action", "prune"}}); }

std::string takeover_op_text(const std::string& id, const std::string& from) {
  return std::string(kContractOpPrefix) + canon({{"action", "takeover"}, {"id", id}, {"from", from}});
}

Result<Bytes> ContractStateMachine::apply(store::WriteTxn& txn, const consensus::Request& request,
                                          const ledger::OpContext& ctx) {
  std::string_view text(reinterpret_cast<const char*>(request.op.data()), request.op.size());
  if (text.substr(0, kContractOpPrefix.size()) != kContractOpPrefix)
    return result("error: not a contract op (expected 'contract:' + JSON)");
  auto parsed = parse_op(text.substr(kContractOpPrefix.size()));
  if (!parsed.ok()) return result("error: " + parsed.status().message());
  if (parsed->prune) {
    if (!admins_.count(request.client))
      return result("error: not authorised: only an admin key of this layer may order a prune");
    MLCHAIN_ASSIGN_OR_RETURN(auto cur, txn.cursor(kContractsTable));
    MLCHAIN_TRY(cur->first());
    std::vector<std::string> expired;
    while (cur->valid() && expired.size() < kMaxPrunePerOp) {
      MLCHAIN_ASSIGN_OR_RETURN(Lookup l, lookup_record(std::string(cur->value())));
      if (l.kind == LookupKind::kFound && l.block->expires_at_ms < ctx.time_ms) expired.emplace_back(cur->key());
      MLCHAIN_TRY(cur->next());
    }
    for (const auto& id : expired) MLCHAIN_TRY(txn.put(kContractsTable, id, canon({{"pruned_at", ctx.height}})));
    return result("ok: pruned " + std::to_string(expired.size()));
  }
  if (parsed->takeover) {
    MLCHAIN_ASSIGN_OR_RETURN(std::string r, apply_takeover(txn, parsed->takeover->id, parsed->takeover->from,
                                                           request.client, ctx));
    return result(std::move(r));
  }
  if (!parsed->batch) {
    MLCHAIN_ASSIGN_OR_RETURN(std::string r, apply_packet(txn, *parsed->items.front(), request.client, ctx));
    return result(std::move(r));
  }
  Json results = Json::array();
  for (const auto& item : parsed->items) {
    if (!item.ok()) {
      results.push_back("error: " + item.status().message());
      continue;
    }
    MLCHAIN_ASSIGN_OR_RETURN(std::string r, apply_packet(txn, *item, request.client, ctx));
    results.push_back(std::move(r));
  }
  return result("batch: " + canon(results));
}

Result<std::string> ContractStateMachine::apply_packet(store::WriteTxn& txn, const PacketOp& item,
                                                       const std::string& client, const ledger::OpContext& ctx) {
  const Packet& p = item.packet;
  if (p.route.dst.size() < 2 || p.route.dst.front() != layer_)
    return "error: the packet is not addressed to layer " + layer_ + " now";
  std::string sum = to_hex(ByteView(p.sum.data(), p.sum.size()));
  // Statement 1, checked by every replica against this layer's own records.
  const std::string& claimed = p.route.src.front();
  auto keys = keys_ ? keys_(txn, claimed, ctx.time_ms) : Result<LayerKeys>(not_found("no key lookup configured"));
  Status refused;
  if (!keys.ok()) {
    if (keys.status().code() != ErrorCode::kNotFound) return keys.status();  // the store failed
    refused = verification_failed(keys.status().message());
  } else {
    keys->edge = p.route.src.size() == 1;
    refused = check_certificate(item.cert, p, claimed, *keys, *verifier_).status;
  }
  if (!refused.ok()) {
    MLCHAIN_TRY(raise_alarm(txn, ctx, "certificate", "", sum, client, refused.message()));
    return "error: statement 1: " + refused.message();
  }
  // The packet as this layer will forward it, once its id is known: what
  // members vouch for (certificate gathering compares its digest).
  auto out_digest = [&](const std::string& id) -> std::string {
    Packet next = p;
    if (!advance(next, layer_, id).ok()) return {};
    crypto::Digest d = packet_digest(next);
    return to_hex(ByteView(d.data(), d.size()));
  };

  MLCHAIN_ASSIGN_OR_RETURN(auto known, get_opt(txn, kContractSumsTable, sum));
  if (p.kind == PacketKind::kFirst) {
    std::string prev = claimed, next = p.route.dst[1];
    if (known) {
      MLCHAIN_ASSIGN_OR_RETURN(auto rec, get_opt(txn, kContractsTable, *known));
      if (!rec) return corruption("sum index names contract " + *known + ", which is missing");
      MLCHAIN_ASSIGN_OR_RETURN(Lookup l, lookup_record(*rec));
      if (l.kind == LookupKind::kPruned)
        return "error: pruned: contract " + *known + " of this first packet was pruned at height " +
               std::to_string(l.pruned_at);
      // Statement 3: the same first packet (same sum, parties and hop) again.
      if (!l.block->k.empty() && l.block->k.front().sum == sum && l.block->from == p.header.from &&
          l.block->to == p.header.to && l.block->prev_hop == prev && l.block->next_hop == next &&
          l.block->k.front().out == out_digest(*known))
        return accepted(*l.block);
      MLCHAIN_TRY(raise_alarm(txn, ctx, "replay", *known, sum, client, "first packet reuses a recorded sum"));
      return "error: replay: sum " + sum + " is already recorded in contract " + *known;
    }
    MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t seq, counter(txn, "seq"));
    seq = std::max(seq, first_id_ - 1);
    ContractBlock b;
    b.id = layer_ + "#" + std::to_string(seq + 1);
    b.from = p.header.from;
    b.to = p.header.to;
    b.prev_hop = prev;
    b.next_hop = next;
    b.k.push_back(Summary{sum, ctx.time_ms, ctx.height, out_digest(b.id)});
    b.responsible = client;
    b.expires_at_ms = expiry(ctx.time_ms, p.header.ttl_ms);
    b.opened_at = ctx.height;
    MLCHAIN_TRY(txn.put(kContractMetaTable, "seq", std::to_string(seq + 1)));
    MLCHAIN_TRY(txn.put(kContractsTable, b.id, canon(block_json(b))));
    MLCHAIN_TRY(txn.put(kContractSumsTable, sum, b.id));
    return accepted(b);
  }

  // follow-up / end (Statements 4-6)
  auto named = named_block_id(p, layer_);
  if (!named.ok()) return "error: " + named.status().message();
  const std::string& id = *named;
  MLCHAIN_ASSIGN_OR_RETURN(Recorded r, recorded_block(txn, id));
  if (!r.block) return r.error;
  ContractBlock& b = *r.block;
  std::string out = out_digest(id);
  if (known) {
    // The very packet again (a retry or a second member forwarding it):
    // nothing changes. Any other use of a recorded sum is a replay (Statement 5).
    if (*known == id) {
      for (const auto& k : b.k)
        if (k.sum == sum && k.out == out) return accepted(b);
    }
    MLCHAIN_TRY(raise_alarm(txn, ctx, "replay", id, sum, client, "replayed message sum"));
    return "error: replay: sum " + sum + " is already recorded in contract " + *known;
  }
  // Only the two parties' edge layers may talk under a contract (either
  // direction); pseudonyms differ per naming edge, their edge paths do not.
  auto edge_of = [](const std::string& party) { return party.substr(0, party.rfind('/')); };
  bool same = edge_of(p.header.from) == edge_of(b.from) && edge_of(p.header.to) == edge_of(b.to);
  bool reverse = edge_of(p.header.from) == edge_of(b.to) && edge_of(p.header.to) == edge_of(b.from);
  if (!same && !reverse)
    return "error: contract " + id + " is not between edge layers " + edge_of(p.header.from) + " and " +
           edge_of(p.header.to);
  if (b.accomplished) return "error: contract " + id + " is accomplished; it takes no more messages";
  if (b.expires_at_ms < ctx.time_ms)
    return "error: expired: contract " + id + " expired at " + std::to_string(b.expires_at_ms) +
           " (block time " + std::to_string(ctx.time_ms) + ")";
  if (b.k.size() >= kMaxSummaries) return "error: contract " + id + " is full";
  b.k.push_back(Summary{sum, ctx.time_ms, ctx.height, out});
  b.expires_at_ms = std::max(b.expires_at_ms, expiry(ctx.time_ms, p.header.ttl_ms));
  // The responsible node stays: it changes only by an ordered takeover (Statement 4).
  if (p.kind == PacketKind::kEnd) b.accomplished = true;
  MLCHAIN_TRY(txn.put(kContractsTable, b.id, canon(block_json(b))));
  MLCHAIN_TRY(txn.put(kContractSumsTable, sum, b.id));
  return accepted(b);
}

Result<std::string> ContractStateMachine::apply_takeover(store::WriteTxn& txn, const std::string& id,
                                                         const std::string& from, const std::string& client,
                                                         const ledger::OpContext& ctx) {
  auto key = crypto::PublicKey::from_hex(client);
  if (ctx.epoch == nullptr || !key.ok() || !ctx.epoch->index_of(*key))
    return "error: not authorised: only a member of " + layer_ + "'s current epoch takes over a contract block";
  if (id.empty() || id.size() > store::kMaxKeyBytes) return "error: no contract block " + id;
  MLCHAIN_ASSIGN_OR_RETURN(Recorded r, recorded_block(txn, id));
  if (!r.block) return r.error;
  ContractBlock& b = *r.block;
  if (b.accomplished) return "error: contract " + id + " is accomplished; nobody takes it over";
  if (b.responsible == client) return "ok: " + id + " responsible " + client;
  // Compare and set: the member asked `from` and it did not answer. If another
  // member took over meanwhile, that one is asked first.
  if (b.responsible != from)
    return "error: the responsible node of " + id + " is now " + b.responsible + ", not " + from;
  b.responsible = client;
  MLCHAIN_TRY(txn.put(kContractsTable, b.id, canon(block_json(b))));
  return "ok: " + id + " responsible " + client + " (took over from " + from + " at height " +
         std::to_string(ctx.height) + ")";
}

codec::Json to_json(const ContractBlock& b) { return block_json(b); }

Result<ContractBlock> contract_block_from_json(const codec::Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "contract block"));
  MLCHAIN_TRY(codec::only_fields(j, {"id", "parties", "route", "K", "responsible", "accomplished", "expires_at", "opened_at"},
                                 "contract block"));
  MLCHAIN_ASSIGN_OR_RETURN(Json parties, codec::get_object(j, "parties"));
  MLCHAIN_TRY(codec::only_fields(parties, {"from", "to"}, "contract block parties"));
  MLCHAIN_ASSIGN_OR_RETURN(Json route, codec::get_object(j, "route"));
  MLCHAIN_TRY(codec::only_fields(route, {"prev", "next"}, "contract block route"));
  MLCHAIN_ASSIGN_OR_RETURN(Json k, codec::get_array(j, "K", kMaxSummaries));
  for (const auto& e : k) {
    MLCHAIN_TRY(codec::require_object(e, "contract block message"));
    MLCHAIN_TRY(codec::only_fields(e, {"sum", "time", "height", "out"}, "contract block message"));
  }
  return block_from(j);
}

std::string record_digest_hex(const ContractBlock& b) { return crypto::digest_hex(crypto::sha256(canon(block_json(b)))); }

std::string accepted_id(std::string_view result) {
  if (result.substr(0, 4) != "ok: ") return {};
  result.remove_prefix(4);
  return std::string(result.substr(0, result.find(' ')));
}

Result<std::vector<ItemOutcome>> op_outcomes(std::string_view op_text, std::string_view result) {
  if (op_text.substr(0, kContractOpPrefix.size()) != kContractOpPrefix) return std::vector<ItemOutcome>{};
  auto parsed = parse_op(op_text.substr(kContractOpPrefix.size()));
  if (!parsed.ok() || parsed->prune || parsed->takeover) return std::vector<ItemOutcome>{};  // refused as a whole, or no packet
  std::vector<std::string> results;
  if (parsed->batch) {
    if (result.substr(0, 7) != "batch: ") return std::vector<ItemOutcome>{};
    MLCHAIN_ASSIGN_OR_RETURN(Json list, codec::parse(result.substr(7)));
    if (!list.is_array() || list.size() != parsed->items.size())
      return invalid_argument("a batch result does not list one result per item");
    for (const auto& r : list) {
      if (!r.is_string()) return invalid_argument("a batch item result is not a string");
      results.push_back(r.get<std::string>());
    }
  } else {
    results.emplace_back(result);
  }
  std::vector<ItemOutcome> out;
  for (std::size_t i = 0; i < parsed->items.size(); ++i) {
    if (!parsed->items[i].ok()) continue;
    ItemOutcome o;
    o.sum = to_hex(ByteView(parsed->items[i]->packet.sum.data(), parsed->items[i]->packet.sum.size()));
    o.id = accepted_id(results[i]);
    auto at = results[i].find(" record ");
    if (!o.id.empty() && at != std::string::npos) o.record = results[i].substr(at + 8);
    if (o.record.empty()) o.id.clear();  // an accepted item always names its record
    out.push_back(std::move(o));
  }
  return out;
}

Result<Lookup> get_contract(const store::ReadTxn& txn, std::string_view id) {
  if (id.empty() || id.size() > store::kMaxKeyBytes) return Lookup{};
  MLCHAIN_ASSIGN_OR_RETURN(auto rec, get_opt(txn, kContractsTable, id));
  if (!rec) return Lookup{};
  return lookup_record(*rec);
}

Result<std::uint64_t> alarm_count(const store::ReadTxn& txn) { return counter(txn, "alarms"); }

Result<std::vector<Alarm>> alarms(const store::ReadTxn& txn, std::uint64_t from, std::size_t max) {
  std::vector<Alarm> out;
  MLCHAIN_ASSIGN_OR_RETURN(auto cur, txn.cursor(kContractAlarmsTable));
  MLCHAIN_TRY(cur->seek(be64(from)));
  while (cur->valid() && out.size() < max) {
    MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(cur->value()));
    Alarm a;
    for (char c : cur->key()) a.number = (a.number << 8) | static_cast<std::uint8_t>(c);
    MLCHAIN_ASSIGN_OR_RETURN(a.height, codec::get_uint(j, "height"));
    MLCHAIN_ASSIGN_OR_RETURN(a.kind, codec::get_string(j, "kind"));
    MLCHAIN_ASSIGN_OR_RETURN(a.time_ms, codec::get_int(j, "time"));
    MLCHAIN_ASSIGN_OR_RETURN(a.id, codec::get_string(j, "id"));
    MLCHAIN_ASSIGN_OR_RETURN(a.sum, codec::get_string(j, "sum"));
    MLCHAIN_ASSIGN_OR_RETURN(a.client, codec::get_string(j, "client"));
    MLCHAIN_ASSIGN_OR_RETURN(a.reason, codec::get_string(j, "reason"));
    out.push_back(std::move(a));
    MLCHAIN_TRY(cur->next());
  }
  return out;
}

}  // namespace mlchain::contract
