#include "mlchain/node/epochs.h"

#include <cstdio>

#include "mlchain/codec/fields.h"
#include "mlchain/node/layer_application.h"
#include "mlchain/node/superior_change.h"

namespace mlchain::node {
namespace {

using codec::Json;

std::string epoch_key(consensus::Epoch e) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(e));
  return buf;
}

codec::ParseLimits cert_limits() {
  codec::ParseLimits l;
  l.max_bytes = kMaxOpTextBytes + 1024;
  l.max_depth = 6;
  l.max_string_bytes = 1024;
  l.max_elements = 16 * 1024;
  return l;
}

// A table that was never written reads as empty.
Result<std::optional<std::string>> get_row(const store::ReadTxn& txn, std::string_view table, std::string_view key) {
  auto v = txn.get(table, key);
  if (!v.ok() && v.status().code() == ErrorCode::kNotFound) return std::optional<std::string>();
  if (!v.ok()) return v.status();
  if (!*v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(**v));
}

Json members_json(const std::vector<ledger::EpochMember>& members) {
  Json out = Json::array();
  for (const auto& m : members) out.push_back({{"name", m.name}, {"public_key", m.key.hex()}, {"address", m.address}});
  return out;
}

ledger::TrustedMembers from_book(const ledger::AddressBook& book) {
  ledger::TrustedMembers t;
  t.layer = book.path;
  t.epoch = book.epoch;
  t.genesis = book.genesis;
  for (const auto& m : book.members)
    if (m.valid) t.members.push_back(ledger::EpochMember{m.name, m.key, m.address});
  return t;
}

struct NeighbourOp {
  std::string path;
  std::vector<ledger::EpochCertificate> certs;
};

Result<NeighbourOp> parse_neighbour_op(std::string_view text) {
  if (!is_neighbour_op_text(text)) return invalid_argument("not a neighbour op");
  auto j = codec::parse(text.substr(kNeighbourOpPrefix.size()), cert_limits());
  if (!j.ok()) return invalid_argument("malformed neighbour op: " + j.status().message());
  MLCHAIN_TRY(codec::require_object(*j, "neighbour op"));
  MLCHAIN_TRY(codec::only_fields(*j, {"action", "path", "certificates"}, "neighbour op"));
  MLCHAIN_ASSIGN_OR_RETURN(std::string action, codec::get_string(*j, "action", 32));
  if (action != "epochs") return invalid_argument("unknown neighbour action '" + action + "'");
  NeighbourOp op;
  MLCHAIN_ASSIGN_OR_RETURN(op.path, codec::get_string(*j, "path", 256));
  MLCHAIN_ASSIGN_OR_RETURN(Json certs, codec::get_array(*j, "certificates", kMaxCertsPerOp));
  if (certs.empty()) return invalid_argument("a neighbour op carries at least one epoch certificate");
  for (const auto& c : certs) {
    MLCHAIN_ASSIGN_OR_RETURN(auto cert, ledger::epoch_certificate_from_json(c));
    op.certs.push_back(std::move(cert));
  }
  return op;
}

}  // namespace

Status store_epoch_certificate(store::Store& store, const ledger::EpochCertificate& c) {
  auto text = codec::canonical(ledger::to_json(c));
  if (!text.ok()) return text.status();
  return store.write([&](store::WriteTxn& w) -> Status {
    MLCHAIN_ASSIGN_OR_RETURN(auto have, get_row(w, kEpochCertsTable, epoch_key(c.epoch)));
    if (have) return {};
    return w.put(kEpochCertsTable, epoch_key(c.epoch), *text);
  });
}

Result<bool> has_epoch_certificate(const store::ReadTxn& txn, consensus::Epoch e) {
  MLCHAIN_ASSIGN_OR_RETURN(auto row, get_row(txn, kEpochCertsTable, epoch_key(e)));
  return row.has_value();
}

Result<std::vector<ledger::EpochCertificate>> epoch_certificates(const store::ReadTxn& txn, consensus::Epoch after,
                                                                 std::size_t max) {
  std::vector<ledger::EpochCertificate> out;
  for (consensus::Epoch e = after + 1; out.size() < max; ++e) {
    MLCHAIN_ASSIGN_OR_RETURN(auto row, get_row(txn, kEpochCertsTable, epoch_key(e)));
    if (!row) break;
    auto j = codec::parse(*row, cert_limits());
    if (!j.ok()) return corruption("stored epoch certificate " + std::to_string(e) + ": " + j.status().message());
    auto c = ledger::epoch_certificate_from_json(*j);
    if (!c.ok()) return corruption("stored epoch certificate " + std::to_string(e) + ": " + c.status().message());
    out.push_back(std::move(c).value());
  }
  return out;
}

namespace {

// Where the chain's knowledge of neighbour `path` starts, and the name of
// that start ("base"): the superior candidate trusted now, a blueprint
// subordinate, or a layer attached by an ordered add-layer op (its genesis in
// the name, so a stored epoch of an earlier attachment never applies).
struct NeighbourStart {
  std::string base;
  ledger::TrustedMembers members;
};

Result<std::optional<NeighbourStart>> neighbour_start(const store::ReadTxn& txn, const ledger::Blueprint& blueprint,
                                                      std::string_view path) {
  if (blueprint.superior && blueprint.superior->path == path) {
    MLCHAIN_ASSIGN_OR_RETURN(auto current, current_superior(txn, blueprint));
    return std::optional<NeighbourStart>(
        NeighbourStart{"superior:" + std::to_string(current.state.index), from_book(*current.book)});
  }
  for (const auto& s : blueprint.subordinates)
    if (s.path == path) return std::optional<NeighbourStart>(NeighbourStart{"subordinate", from_book(s)});
  MLCHAIN_ASSIGN_OR_RETURN(auto attached, attached_layer(txn, path));
  if (attached) {
    std::string base = "attached:" + attached->members.genesis;
    return std::optional<NeighbourStart>(NeighbourStart{std::move(base), std::move(attached->members)});
  }
  return std::optional<NeighbourStart>();
}

}  // namespace

Result<ledger::TrustedMembers> trusted_neighbour(const store::ReadTxn& txn, const ledger::Blueprint& blueprint,
                                                 std::string_view path) {
  MLCHAIN_ASSIGN_OR_RETURN(auto found, neighbour_start(txn, blueprint, path));
  if (!found) return not_found("layer " + blueprint.layer_path + " has no high-level neighbour " + std::string(path));
  const std::string& base = found->base;
  const ledger::TrustedMembers* start = &found->members;
  if (path.empty() || path.size() > store::kMaxKeyBytes) return *start;
  MLCHAIN_ASSIGN_OR_RETURN(auto row, get_row(txn, kNeighbourEpochsTable, path));
  if (!row) return *start;
  auto j = codec::parse(*row, cert_limits());
  if (!j.ok()) return corruption("stored neighbour epoch of " + std::string(path) + ": " + j.status().message());
  if (codec::string_or_empty(*j, "base") != base) return *start;  // about another superior candidate or attachment
  ledger::TrustedMembers t;
  t.layer = std::string(path);
  MLCHAIN_ASSIGN_OR_RETURN(t.genesis, codec::get_string(*j, "genesis", 64));
  MLCHAIN_ASSIGN_OR_RETURN(t.epoch, codec::get_uint(*j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(Json members, codec::get_array(*j, "members", consensus::kMaxMembers));
  for (const auto& m : members) {
    ledger::EpochMember em;
    MLCHAIN_ASSIGN_OR_RETURN(em.name, codec::get_string(m, "name", 64));
    MLCHAIN_ASSIGN_OR_RETURN(std::string key, codec::get_string(m, "public_key", 64));
    MLCHAIN_ASSIGN_OR_RETURN(em.key, crypto::PublicKey::from_hex(key));
    MLCHAIN_ASSIGN_OR_RETURN(em.address, codec::get_string(m, "address", 512));
    t.members.push_back(std::move(em));
  }
  if (t.epoch < start->epoch) return *start;  // attached again since, at a newer epoch
  return t;
}

bool is_neighbour_op_text(std::string_view op) { return op.substr(0, kNeighbourOpPrefix.size()) == kNeighbourOpPrefix; }

std::string neighbour_op_text(const std::string& path, const std::vector<ledger::EpochCertificate>& certs) {
  Json list = Json::array();
  for (const auto& c : certs) list.push_back(ledger::to_json(c));
  auto text = codec::canonical(Json{{"action", "epochs"}, {"path", path}, {"certificates", std::move(list)}});
  return std::string(kNeighbourOpPrefix) + (text.ok() ? *text : std::string("{}"));
}

Status admit_neighbour_op(const SignedOp& op, bool client_is_member) {
  MLCHAIN_TRY(parse_neighbour_op(op.op).status());
  if (!client_is_member)
    return permission_denied("neighbour epoch certificates are ordered by members of the current epoch only");
  return {};
}

Result<std::string> apply_neighbour_op(store::WriteTxn& txn, const SignedOp& env, const ledger::Blueprint& blueprint,
                                       const consensus::EpochConfig* epoch, const crypto::Verifier& verifier,
                                       const ledger::OpContext& ctx) {
  if (epoch == nullptr || !epoch->index_of(env.client))
    return std::string("error: not authorised: neighbour epochs are ordered by members of the current epoch only");
  auto op = parse_neighbour_op(env.op);
  if (!op.ok()) return "error: " + op.status().message();
  auto trusted = trusted_neighbour(txn, blueprint, op->path);
  if (!trusted.ok()) {
    if (trusted.status().code() == ErrorCode::kNotFound) return "error: " + trusted.status().message();
    return trusted.status();
  }
  auto next = ledger::follow_epochs(*trusted, op->certs, verifier);
  if (!next.ok()) return "error: " + next.status().message();
  if (next->epoch == trusted->epoch)
    return "ok: " + op->path + " already at epoch " + std::to_string(trusted->epoch);
  MLCHAIN_ASSIGN_OR_RETURN(auto start, neighbour_start(txn, blueprint, op->path));
  if (!start) return "error: layer " + blueprint.layer_path + " has no high-level neighbour " + op->path;
  const std::string& base = start->base;
  auto row = codec::canonical(Json{{"path", op->path},
                                   {"base", base},
                                   {"genesis", next->genesis},
                                   {"epoch", next->epoch},
                                   {"members", members_json(next->members)},
                                   {"height", ctx.height}});
  if (!row.ok()) return std::string("error: the certificates' members are not valid text");
  MLCHAIN_TRY(txn.put(kNeighbourEpochsTable, op->path, *row));
  return "ok: " + op->path + " now epoch " + std::to_string(next->epoch) + " (" +
         std::to_string(next->members.size()) + " members)";
}

}  // namespace mlchain::node
