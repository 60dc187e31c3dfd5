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
  for (const auto& s : b.k) k.push_back({{"sum", s.sum}, {"time", s.time_ms}, {"height", s.height}});
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
    b.k.push_back(std::move(s));
  }
  MLCHAIN_ASSIGN_OR_RETURN(b.responsible, codec::get_string(j, "responsible"));
  MLCHAIN_ASSIGN_OR_RETURN(b.accomplished, codec::get_bool(j, "accomplished"));
  MLCHAIN_ASSIGN_OR_RETURN(b.expires_at_ms, codec::get_int(j, "expires_at"));
  MLCHAIN_ASSIGN_OR_RETURN(b.opened_at, codec::get_uint(j, "opened_at"));
  return b;
}

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

// A packet op: {"action": "packet", "packet": envelope, "cert": certificate}.
struct PacketOp {
  Packet packet;
  LayerCertificate cert;
};

Result<std::optional<PacketOp>> parse_op(std::string_view text) {
  codec::ParseLimits limits;
  limits.max_bytes = 16 * 1024;
  limits.max_depth = 5;
  limits.max_string_bytes = 1024;
  limits.max_elements = 512;
  MLCHAIN_ASSIGN_OR_RETURN(Json j, codec::parse(text, limits));
  MLCHAIN_TRY(codec::require_object(j, "contract op"));
  MLCHAIN_ASSIGN_OR_RETURN(std::string action, codec::get_string(j, "action", 16));
  if (action == "prune") {
    MLCHAIN_TRY(codec::only_fields(j, {"action"}, "contract prune op"));
    return std::optional<PacketOp>();
  }
  if (action != "packet") return invalid_argument("unknown contract action '" + action + "' (packet, prune)");
  MLCHAIN_TRY(codec::only_fields(j, {"action", "packet", "cert"}, "contract packet op"));
  MLCHAIN_ASSIGN_OR_RETURN(Json env, codec::get_object(j, "packet"));
  if (env.contains("body")) return invalid_argument("a packet body is never ordered; send the envelope only");
  PacketOp op;
  MLCHAIN_ASSIGN_OR_RETURN(op.packet, packet_from_json(env));
  MLCHAIN_ASSIGN_OR_RETURN(Json cert, codec::get_object(j, "cert"));
  MLCHAIN_ASSIGN_OR_RETURN(op.cert, certificate_from_json(cert));
  return std::optional<PacketOp>(std::move(op));
}

Status raise_alarm(store::WriteTxn& txn, const ledger::OpContext& ctx, std::string_view kind, const std::string& id,
                   const std::string& sum, const std::string& client, const std::string& reason) {
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t n, counter(txn, "alarms"));
  MLCHAIN_TRY(txn.put(kContractAlarmsTable, be64(n),
                      canon({{"height", ctx.height}, {"time", ctx.time_ms}, {"kind", kind}, {"id", id},
                             {"sum", sum}, {"client", client}, {"reason", reason}})));
  return txn.put(kContractMetaTable, "alarms", std::to_string(n + 1));
}

}  // namespace

Result<std::string> contract_op_text(const Packet& p, const LayerCertificate& incoming) {
  if (p.route.dst.size() < 2) return invalid_argument("the packet has reached its destination edge; no layer orders it");
  MLCHAIN_ASSIGN_OR_RETURN(std::string text,
                           codec::canonical(Json{{"action", "packet"}, {"packet", envelope_json(p)}, {"cert", to_json(incoming)}}));
  return std::string(kContractOpPrefix) + text;
}

std::string prune_op_text() { return std::string(kContractOpPrefix) + canon({{"action", "prune"}}); }

Result<Bytes> ContractStateMachine::apply(store::WriteTxn& txn, const consensus::Request& request,
                                          const ledger::OpContext& ctx) {
  std::string_view text(reinterpret_cast<const char*>(request.op.data()), request.op.size());
  if (text.substr(0, kContractOpPrefix.size()) != kContractOpPrefix)
    return result("error: not a contract op (expected 'contract:' + JSON)");
  auto parsed = parse_op(text.substr(kContractOpPrefix.size()));
  if (!parsed.ok()) return result("error: " + parsed.status().message());
  ParsedOp op;
  if (!*parsed) {
    op.action = "prune";
  } else {
    const Packet& p = (*parsed)->packet;
    if (p.route.dst.size() < 2 || p.route.dst.front() != layer_)
      return result("error: the packet is not addressed to layer " + layer_ + " now");
    op.sum = to_hex(ByteView(p.sum.data(), p.sum.size()));
    // Statement 1, checked by every replica against this layer's own records.
    const std::string& claimed = p.route.src.front();
    auto keys = keys_ ? keys_(txn, claimed) : Result<LayerKeys>(not_found("no key lookup configured"));
    Status refused;
    if (!keys.ok()) {
      if (keys.status().code() != ErrorCode::kNotFound) return keys.status();  // the store failed
      refused = verification_failed("no keys are recorded for layer '" + claimed + "'");
    } else {
      keys->edge = p.route.src.size() == 1;
      refused = check_certificate((*parsed)->cert, p, claimed, *keys, *verifier_).status;
    }
    if (!refused.ok()) {
      MLCHAIN_TRY(raise_alarm(txn, ctx, "certificate", "", op.sum, request.client, refused.message()));
      return result("error: statement 1: " + refused.message());
    }
    op.ttl_ms = p.header.ttl_ms;
    if (p.kind == PacketKind::kFirst) {
      op.action = "open";
      op.from = p.header.from;
      op.to = p.header.to;
      op.prev = claimed;
      op.next = p.route.dst[1];
    } else {
      op.action = p.kind == PacketKind::kEnd ? "end" : "append";
      op.from = p.header.from;
      op.to = p.header.to;
      auto id = named_block_id(p, layer_);
      if (!id.ok()) return result("error: " + id.status().message());
      op.id = *id;
    }
  }

  if (op.action == "prune") {
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

  MLCHAIN_ASSIGN_OR_RETURN(auto known, get_opt(txn, kContractSumsTable, op.sum));
  if (op.action == "open") {
    if (known) {
      MLCHAIN_ASSIGN_OR_RETURN(auto rec, get_opt(txn, kContractsTable, *known));
      if (!rec) return corruption("sum index names contract " + *known + ", which is missing");
      MLCHAIN_ASSIGN_OR_RETURN(Lookup l, lookup_record(*rec));
      if (l.kind == LookupKind::kPruned)
        return result("error: contract " + *known + " of this first packet was pruned at height " +
                      std::to_string(l.pruned_at));
      // Statement 3: the same first packet (same sum, parties and hop) again.
      if (!l.block->k.empty() && l.block->k.front().sum == op.sum && l.block->from == op.from &&
          l.block->to == op.to && l.block->prev_hop == op.prev && l.block->next_hop == op.next)
        return result("ok: " + *known);
      MLCHAIN_TRY(raise_alarm(txn, ctx, "replay", *known, op.sum, request.client, "first packet reuses a recorded sum"));
      return result("error: replay: sum " + op.sum + " is already recorded in contract " + *known);
    }
    MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t seq, counter(txn, "seq"));
    ContractBlock b;
    b.id = layer_ + "#" + std::to_string(seq + 1);
    b.from = op.from;
    b.to = op.to;
    b.prev_hop = op.prev;
    b.next_hop = op.next;
    b.k.push_back(Summary{op.sum, ctx.time_ms, ctx.height});
    b.responsible = request.client;
    b.expires_at_ms = expiry(ctx.time_ms, op.ttl_ms);
    b.opened_at = ctx.height;
    MLCHAIN_TRY(txn.put(kContractMetaTable, "seq", std::to_string(seq + 1)));
    MLCHAIN_TRY(txn.put(kContractsTable, b.id, canon(block_json(b))));
    MLCHAIN_TRY(txn.put(kContractSumsTable, op.sum, b.id));
    return result("ok: " + b.id);
  }

  // append / end
  auto id = parse_block_id(op.id);
  if (!id.ok() || id->layer != layer_) return result("error: '" + op.id + "' is not a block of layer " + layer_);
  MLCHAIN_ASSIGN_OR_RETURN(auto rec, get_opt(txn, kContractsTable, op.id));
  if (!rec) return result("error: no contract block " + op.id);
  MLCHAIN_ASSIGN_OR_RETURN(Lookup l, lookup_record(*rec));
  if (l.kind == LookupKind::kPruned)
    return result("error: contract block " + op.id + " was pruned at height " + std::to_string(l.pruned_at));
  if (known) {  // Statement 5
    MLCHAIN_TRY(raise_alarm(txn, ctx, "replay", op.id, op.sum, request.client, "replayed message sum"));
    return result("error: replay: sum " + op.sum + " is already recorded in contract " + *known);
  }
  ContractBlock& b = *l.block;
  // Only the two parties' edge layers may talk under a contract (either
  // direction); pseudonyms differ per naming edge, their edge paths do not.
  auto edge_of = [](const std::string& party) { return party.substr(0, party.rfind('/')); };
  bool same = edge_of(op.from) == edge_of(b.from) && edge_of(op.to) == edge_of(b.to);
  bool reverse = edge_of(op.from) == edge_of(b.to) && edge_of(op.to) == edge_of(b.from);
  if (!same && !reverse)
    return result("error: contract " + op.id + " is not between edge layers " + edge_of(op.from) + " and " +
                  edge_of(op.to));
  if (b.accomplished) return result("error: contract " + op.id + " is accomplished; it takes no more messages");
  if (b.k.size() >= kMaxSummaries) return result("error: contract " + op.id + " is full");
  b.k.push_back(Summary{op.sum, ctx.time_ms, ctx.height});
  b.expires_at_ms = std::max(b.expires_at_ms, expiry(ctx.time_ms, op.ttl_ms));
  b.responsible = request.client;
  if (op.action == "end") b.accomplished = true;
  MLCHAIN_TRY(txn.put(kContractsTable, b.id, canon(block_json(b))));
  MLCHAIN_TRY(txn.put(kContractSumsTable, op.sum, b.id));
  return result("ok: " + b.id);
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
