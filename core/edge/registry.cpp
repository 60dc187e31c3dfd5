// Registry administration: register, revoke, rotate, and the read side.
#include "mlchain/edge/registry.h"

#include <openssl/rand.h>

#include "group_commit.h"
#include "mlchain/edge/ids.h"

namespace mlchain::edge {
namespace detail {

std::string row_key(std::string_view uuid, std::uint64_t seq) {
  std::string k(uuid);
  k.push_back('\0');
  for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>((seq >> shift) & 0xff));
  return k;
}

Result<std::optional<ObjectRecord>> load_record(const store::ReadTxn& txn, std::string_view uuid) {
  MLCHAIN_ASSIGN_OR_RETURN(auto raw, txn.get(kObjectsTable, uuid));
  if (!raw) return std::optional<ObjectRecord>();
  auto j = codec::parse(*raw);
  if (!j.ok()) return corruption("stored object record " + std::string(uuid) + " is not JSON: " + j.status().message());
  MLCHAIN_ASSIGN_OR_RETURN(auto r, record_from_json(*j));
  return std::optional<ObjectRecord>(std::move(r));
}

Status save_record(store::WriteTxn& txn, const ObjectRecord& record) {
  MLCHAIN_ASSIGN_OR_RETURN(auto text, codec::canonical(to_json(record)));
  return txn.put(kObjectsTable, record.uuid, text);
}

}  // namespace detail

namespace {

Status openssl_secret(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) return internal_error("RAND_bytes failed");
  return {};
}

std::string hex16(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = kDigits[v & 0xf];
    v >>= 4;
  }
  return s;
}

Status run_check(const TxnCheck& check, store::WriteTxn& txn) { return check ? check(txn) : Status{}; }

// Prefix scan over one object's rows of `table` ([uuid 0x00 ...]).
template <typename Fn>
Status scan_rows(const store::ReadTxn& txn, std::string_view table, std::string_view uuid, Fn fn) {
  MLCHAIN_ASSIGN_OR_RETURN(auto cursor, txn.cursor(table));
  std::string prefix(uuid);
  prefix.push_back('\0');
  MLCHAIN_TRY(cursor->seek(prefix));
  while (cursor->valid() && cursor->key().substr(0, prefix.size()) == prefix) {
    auto j = codec::parse(cursor->value());
    if (!j.ok()) return corruption("stored row of " + std::string(uuid) + " in " + std::string(table) + " is not JSON");
    bool more = true;
    MLCHAIN_TRY(fn(*j, more));
    if (!more) break;
    MLCHAIN_TRY(cursor->next());
  }
  return {};
}

}  // namespace

codec::Json to_json(const HistoryEntry& h) {
  return {{"seq", h.seq}, {"time_ms", h.time_ms}, {"counter", h.counter}, {"data", h.data}};
}

codec::Json to_json(const Message& m) {
  codec::Json j = {{"seq", m.seq}, {"from", m.from}, {"time_ms", m.time_ms}, {"body", m.body}};
  if (m.contract) j["contract"] = *m.contract;
  return j;
}

Registry::Registry(store::Store& store, RegistryOptions options, const Clock& clock, Rng& id_rng, SecretSource secrets)
    : store_(store),
      options_(std::move(options)),
      clock_(clock),
      rng_(id_rng),
      secrets_(std::move(secrets)),
      commit_(std::make_unique<detail::GroupCommit>(store)) {}

Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::open(store::Store& store, RegistryOptions options, const Clock& clock,
                                                 Rng& id_rng, SecretSource secrets) {
  MLCHAIN_TRY(validate_layer_path(options.layer_path));
  if (options.history_limit == 0 || options.history_limit > 100'000) {
    return invalid_argument("history_limit must be 1..100000");
  }
  if (options.queue_limit == 0 || options.queue_limit > 100'000)
    return invalid_argument("queue_limit must be 1..100000");
  if (!secrets) secrets = openssl_secret;
  return std::unique_ptr<Registry>(new Registry(store, std::move(options), clock, id_rng, std::move(secrets)));
}

Result<std::string> Registry::new_local_id(const store::ReadTxn& txn) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::uint64_t v = 0;
    {
      std::lock_guard lock(rng_mu_);
      v = rng_.next_u64();
    }
    std::string uuid = ObjectUuid{options_.layer_path, hex16(v)}.str();
    MLCHAIN_ASSIGN_OR_RETURN(auto existing, txn.get(kObjectsTable, uuid));
    if (!existing) return uuid;
  }
  return internal_error("could not draw an unused object id in 8 attempts (is the id RNG broken?)");
}

Status Registry::fresh_secret(Bytes& out) {
  out.assign(kSecretBytes, 0);
  MLCHAIN_TRY(secrets_(std::span<std::uint8_t>(out)));
  return {};
}

Result<Registered> Registry::register_object(const ObjectSpec& spec, const TxnCheck& check) {
  MLCHAIN_TRY(validate_spec(spec));
  if (!options_.policy.allows(spec.credential.scheme)) {
    return permission_denied("this edge layer does not allow " + std::string(scheme_name(spec.credential.scheme)) +
                             " objects (policy allows: " +
                             [&] {
                               std::string s;
                               for (const auto& n : options_.policy.names()) s += (s.empty() ? "" : ", ") + n;
                               return s.empty() ? std::string("none") : s;
                             }() +
                             ")");
  }
  if (spec.credential.scheme == Scheme::kEd25519 && !spec.credential.public_key) {
    return invalid_argument("an ed25519 object needs its public key");
  }
  Registered out;
  Bytes secret;
  if (spec.credential.scheme == Scheme::kHmac) MLCHAIN_TRY(fresh_secret(secret));
  std::int64_t now = unix_millis(clock_.now());
  Status st = store_.write([&](store::WriteTxn& txn) -> Status {
    MLCHAIN_TRY(run_check(check, txn));
    MLCHAIN_ASSIGN_OR_RETURN(std::string uuid, new_local_id(txn));
    ObjectRecord r;
    r.uuid = uuid;
    r.class_path = spec.class_path;
    r.permissions = spec.permissions;
    r.description = spec.description;
    r.static_props = spec.static_props;
    r.functions = spec.functions;
    r.format = spec.format;
    r.scheme = spec.credential.scheme;
    r.public_key = spec.credential.public_key;
    r.created_ms = r.updated_ms = now;
    MLCHAIN_TRY(detail::save_record(txn, r));
    if (r.scheme == Scheme::kHmac) MLCHAIN_TRY(txn.put(kSecretsTable, uuid, to_string(secret)));
    out.record = std::move(r);
    return {};
  });
  if (!st.ok()) return st;
  if (spec.credential.scheme == Scheme::kHmac) out.secret = std::move(secret);
  return out;
}

Result<ObjectRecord> Registry::revoke(std::string_view uuid, const TxnCheck& check) {
  ObjectRecord out;
  std::int64_t now = unix_millis(clock_.now());
  Status st = store_.write([&](store::WriteTxn& txn) -> Status {
    MLCHAIN_TRY(run_check(check, txn));
    MLCHAIN_ASSIGN_OR_RETURN(auto r, detail::load_record(txn, uuid));
    if (!r) return not_found("no object " + std::string(uuid) + " in edge layer " + options_.layer_path);
    if (r->revoked) return failed_precondition("object " + std::string(uuid) + " is already revoked");
    r->revoked = true;
    r->revoked_ms = r->updated_ms = now;
    MLCHAIN_TRY(detail::save_record(txn, *r));
    MLCHAIN_TRY(txn.del(kSecretsTable, uuid));  // a revoked object's secret is of no further use
    out = std::move(*r);
    return {};
  });
  if (!st.ok()) return st;
  return out;
}

Result<Registered> Registry::rotate(std::string_view uuid, const CredentialSpec& credential, const TxnCheck& check) {
  if (!options_.policy.allows(credential.scheme)) {
    return permission_denied("this edge layer does not allow " + std::string(scheme_name(credential.scheme)) +
                             " objects");
  }
  if (credential.scheme == Scheme::kEd25519 && !credential.public_key) {
    return invalid_argument("an ed25519 credential needs a public key");
  }
  Bytes secret;
  if (credential.scheme == Scheme::kHmac) MLCHAIN_TRY(fresh_secret(secret));
  Registered out;
  std::int64_t now = unix_millis(clock_.now());
  Status st = store_.write([&](store::WriteTxn& txn) -> Status {
    MLCHAIN_TRY(run_check(check, txn));
    MLCHAIN_ASSIGN_OR_RETURN(auto r, detail::load_record(txn, uuid));
    if (!r) return not_found("no object " + std::string(uuid) + " in edge layer " + options_.layer_path);
    if (r->revoked) return failed_precondition("object " + std::string(uuid) + " is revoked; register a new one");
    r->scheme = credential.scheme;
    r->public_key = credential.scheme == Scheme::kEd25519 ? credential.public_key : std::nullopt;
    r->credential_version += 1;
    r->updated_ms = now;
    MLCHAIN_TRY(detail::save_record(txn, *r));
    if (credential.scheme == Scheme::kHmac) {
      MLCHAIN_TRY(txn.put(kSecretsTable, uuid, to_string(secret)));
    } else {
      MLCHAIN_TRY(txn.del(kSecretsTable, uuid));
    }
    out.record = std::move(*r);
    return {};
  });
  if (!st.ok()) return st;
  if (credential.scheme == Scheme::kHmac) out.secret = std::move(secret);
  return out;
}

Result<ObjectRecord> Registry::get(std::string_view uuid) const {
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store_.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto r, detail::load_record(*txn, uuid));
  if (!r) return not_found("no object " + std::string(uuid.substr(0, 200)) + " in edge layer " + options_.layer_path);
  return std::move(*r);
}

Result<std::vector<ObjectRecord>> Registry::list(std::string_view after, std::size_t limit) const {
  std::vector<ObjectRecord> out;
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store_.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto cursor, txn->cursor(kObjectsTable));
  MLCHAIN_TRY(cursor->seek(after));
  if (cursor->valid() && !after.empty() && cursor->key() == after) MLCHAIN_TRY(cursor->next());
  while (cursor->valid() && out.size() < limit) {
    auto j = codec::parse(cursor->value());
    if (!j.ok()) return corruption("stored object record " + std::string(cursor->key()) + " is not JSON");
    MLCHAIN_ASSIGN_OR_RETURN(auto r, record_from_json(*j));
    out.push_back(std::move(r));
    MLCHAIN_TRY(cursor->next());
  }
  return out;
}

Result<std::vector<HistoryEntry>> Registry::history(std::string_view uuid, std::size_t limit) const {
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store_.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto r, detail::load_record(*txn, uuid));
  if (!r) return not_found("no object " + std::string(uuid.substr(0, 200)));
  std::vector<HistoryEntry> out;
  std::uint64_t from = r->history_next - std::min<std::uint64_t>(limit, r->history_next - r->history_first);
  MLCHAIN_ASSIGN_OR_RETURN(auto cursor, txn->cursor(kHistoryTable));
  MLCHAIN_TRY(cursor->seek(detail::row_key(uuid, from)));
  std::string prefix = std::string(uuid) + '\0';
  while (cursor->valid() && cursor->key().substr(0, prefix.size()) == prefix && out.size() < limit) {
    auto j = codec::parse(cursor->value());
    if (!j.ok()) return corruption("stored history row of " + std::string(uuid) + " is not JSON");
    HistoryEntry h;
    h.seq = j->value("seq", std::uint64_t{0});
    h.time_ms = j->value("time_ms", std::int64_t{0});
    h.counter = j->value("counter", std::uint64_t{0});
    h.data = j->value("data", codec::Json());
    out.push_back(std::move(h));
    MLCHAIN_TRY(cursor->next());
  }
  return out;
}

Result<std::vector<Message>> Registry::queued(std::string_view uuid, std::size_t limit) const {
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store_.begin_read());
  std::vector<Message> out;
  MLCHAIN_TRY(scan_rows(*txn, kQueueTable, uuid, [&](const codec::Json& j, bool& more) -> Status {
    Message m;
    m.seq = j.value("seq", std::uint64_t{0});
    m.from = j.value("from", "");
    m.time_ms = j.value("time_ms", std::int64_t{0});
    m.body = j.value("body", codec::Json());
    if (j.contains("contract")) m.contract = j["contract"];
    out.push_back(std::move(m));
    more = out.size() < limit;
    return {};
  }));
  return out;
}

Result<std::optional<Format>> Registry::format_of(const ObjectRecord& record) const {
  if (!record.format) return std::optional<Format>();
  {
    std::lock_guard lock(formats_mu_);
    if (auto it = formats_.find(record.uuid); it != formats_.end()) return std::optional<Format>(it->second);
  }
  auto f = Format::compile(*record.format);
  if (!f.ok()) return corruption("stored format of " + record.uuid + " does not compile: " + f.status().message());
  std::lock_guard lock(formats_mu_);
  if (formats_.size() >= 10'000) formats_.clear();  // bound the cache; formats recompile on demand
  formats_.emplace(record.uuid, *f);
  return std::optional<Format>(std::move(f).value());
}

}  // namespace mlchain::edge
