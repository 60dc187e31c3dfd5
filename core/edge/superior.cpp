// The superior address book: its codec, the merge of /v1/layer answers and
// its one store row. Everything a remote member says is untrusted input:
// checked field by field, and a bad answer leaves the book as it was.
#include "mlchain/edge/superior.h"

#include <set>

#include "mlchain/codec/fields.h"

namespace mlchain::edge {
namespace {

using Json = codec::Json;

constexpr std::size_t kMaxNameBytes = 128;
constexpr std::size_t kMaxAddressBytes = 1024;

// "https://host:port" as a layer member publishes it; "" allowed by callers
// that have a fallback.
Status check_address(const std::string& a) {
  constexpr std::string_view kScheme = "https://";
  if (a.size() <= kScheme.size() || a.compare(0, kScheme.size(), kScheme) != 0) {
    return invalid_argument("address '" + a.substr(0, 80) + "' is not https://host:port");
  }
  for (char ch : a) {
    auto u = static_cast<unsigned char>(ch);
    if (u <= 0x20 || u == 0x7f)
      return invalid_argument("address '" + a.substr(0, 80) + "' contains a space or control");
  }
  return {};
}

Result<crypto::PublicKey> key_field(const Json& j, std::string_view field) {
  MLCHAIN_ASSIGN_OR_RETURN(auto hex, codec::get_string(j, field, 64));
  auto k = crypto::PublicKey::from_hex(hex);
  if (!k.ok()) return invalid_argument("field '" + std::string(field) + "': not a 64-hex Ed25519 public key");
  return *k;
}

}  // namespace

Json to_json(const SuperiorBook& book) {
  Json members = Json::array();
  for (const auto& m : book.members) {
    members.push_back({{"name", m.name}, {"public_key", m.key.hex()}, {"address", m.address}});
  }
  return {{"path", book.path},
          {"genesis_hash", book.genesis_hash},
          {"epoch", book.epoch},
          {"members", members},
          {"refreshed_at_ms", book.refreshed_at_ms}};
}

Result<SuperiorBook> superior_book_from_json(const Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"path", "genesis_hash", "epoch", "members", "refreshed_at_ms"}, "superior book"));
  SuperiorBook b;
  MLCHAIN_ASSIGN_OR_RETURN(b.path, codec::get_string(j, "path", 300));
  MLCHAIN_ASSIGN_OR_RETURN(b.genesis_hash, codec::get_string(j, "genesis_hash", 128));
  MLCHAIN_ASSIGN_OR_RETURN(b.epoch, codec::get_uint(j, "epoch"));
  MLCHAIN_ASSIGN_OR_RETURN(b.refreshed_at_ms, codec::get_int(j, "refreshed_at_ms"));
  MLCHAIN_ASSIGN_OR_RETURN(auto members, codec::get_array(j, "members", kMaxSuperiorMembers));
  for (const auto& m : members) {
    MLCHAIN_TRY(codec::only_fields(m, {"name", "public_key", "address"}, "superior member"));
    SuperiorMember sm;
    MLCHAIN_ASSIGN_OR_RETURN(sm.name, codec::get_string(m, "name", kMaxNameBytes));
    MLCHAIN_ASSIGN_OR_RETURN(sm.key, key_field(m, "public_key"));
    MLCHAIN_ASSIGN_OR_RETURN(sm.address, codec::get_string(m, "address", kMaxAddressBytes));
    b.members.push_back(std::move(sm));
  }
  return b;
}

Result<SuperiorBook> book_from_genesis(const node::GenesisFile& genesis, std::string_view path) {
  if (genesis.blueprint.layer_path != path) {
    return verification_failed("the genesis file is for layer '" + genesis.blueprint.layer_path +
                               "', not for the superior '" + std::string(path) +
                               "' ([superior] genesis must be that layer's genesis.json)");
  }
  SuperiorBook b;
  b.path = std::string(path);
  b.genesis_hash = genesis.hash_hex;
  for (const auto& m : genesis.blueprint.members) {
    if (m.valid) b.members.push_back({m.name, m.key, m.address});
  }
  if (b.members.empty()) return invalid_argument("the superior's genesis has no valid member");
  return b;
}

Result<SuperiorBook> apply_layer_answer(const SuperiorBook& current, const Json& answer, std::int64_t now_ms) {
  MLCHAIN_TRY(codec::require_object(answer, "layer answer"));
  MLCHAIN_ASSIGN_OR_RETURN(auto layer, codec::get_string(answer, "layer", 300));
  MLCHAIN_ASSIGN_OR_RETURN(auto hash, codec::get_string(answer, "genesis_hash", 128));
  if (layer != current.path) {
    return verification_failed("the answer is for layer '" + layer.substr(0, 80) + "', not the superior '" +
                               current.path + "'");
  }
  if (hash != current.genesis_hash) {
    return verification_failed("the answer's genesis_hash " + hash.substr(0, 80) +
                               " is not the superior's genesis hash " + current.genesis_hash);
  }
  MLCHAIN_ASSIGN_OR_RETURN(auto epoch, codec::get_uint(answer, "epoch"));
  if (epoch < current.epoch) {
    return failed_precondition("the answer is of epoch " + std::to_string(epoch) + ", older than the book's epoch " +
                               std::to_string(current.epoch) + " (a lagging member)");
  }
  MLCHAIN_ASSIGN_OR_RETURN(auto members, codec::get_array(answer, "members", kMaxLayerAnswerMembers));
  SuperiorBook next;
  next.path = current.path;
  next.genesis_hash = current.genesis_hash;
  next.epoch = epoch;
  next.refreshed_at_ms = now_ms;
  std::set<crypto::PublicKey> seen;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const Json& m = members[i];
    auto where = [&](const Status& st) { return st.with_context("members[" + std::to_string(i) + "]"); };
    if (Status st = codec::require_object(m, "member"); !st.ok()) return where(st);
    auto name = codec::get_string(m, "name", kMaxNameBytes);
    if (!name.ok()) return where(name.status());
    auto key = key_field(m, "public_key");
    if (!key.ok()) return where(key.status());
    auto address = codec::get_string(m, "address", kMaxAddressBytes);
    if (!address.ok()) return where(address.status());
    auto status = codec::get_string(m, "status", 32);
    if (!status.ok()) return where(status.status());
    if (!seen.insert(*key).second) return where(invalid_argument("key " + key->hex() + " is listed twice"));
    if (*status == "invalid") continue;
    if (*status != "valid" && *status != "unreachable") {
      return where(invalid_argument("status '" + status->substr(0, 40) + "' is not valid, unreachable or invalid"));
    }
    std::string addr = *address;
    if (addr.empty()) {
      for (const auto& known : current.members)
        if (known.key == *key) addr = known.address;
    } else if (Status st = check_address(addr); !st.ok()) {
      return where(st);
    }
    next.members.push_back({*name, *key, addr});
  }
  if (next.members.empty()) return invalid_argument("the answer lists no current member");
  if (next.members.size() > kMaxSuperiorMembers) {
    return invalid_argument("the answer lists " + std::to_string(next.members.size()) +
                            " current members; a layer has at most " + std::to_string(kMaxSuperiorMembers));
  }
  return next;
}

Result<std::optional<SuperiorBook>> load_superior_book(const store::Store& store) {
  MLCHAIN_ASSIGN_OR_RETURN(auto txn, store.begin_read());
  MLCHAIN_ASSIGN_OR_RETURN(auto row, txn->get(kSuperiorTable, kSuperiorBookKey));
  if (!row) return std::optional<SuperiorBook>();
  auto j = codec::parse(*row);
  if (!j.ok()) return corruption("table " + std::string(kSuperiorTable) + ": " + j.status().message());
  auto b = superior_book_from_json(*j);
  if (!b.ok()) return corruption("table " + std::string(kSuperiorTable) + ": " + b.status().message());
  return std::optional<SuperiorBook>(std::move(b).value());
}

Status save_superior_book(store::Store& store, const SuperiorBook& book) {
  MLCHAIN_ASSIGN_OR_RETURN(auto bytes, codec::canonical(to_json(book)));
  return store.write([&](store::WriteTxn& txn) -> Status {
    MLCHAIN_ASSIGN_OR_RETURN(auto row, txn.get(kSuperiorTable, kSuperiorBookKey));
    if (row) {
      auto j = codec::parse(*row);
      auto old = j.ok() ? superior_book_from_json(*j) : Result<SuperiorBook>(j.status());
      if (old.ok() && old->path == book.path && old->genesis_hash == book.genesis_hash && old->epoch > book.epoch) {
        return failed_precondition("the stored superior book is of epoch " + std::to_string(old->epoch) +
                                   "; refusing to replace it with epoch " + std::to_string(book.epoch));
      }
    }
    return txn.put(kSuperiorTable, kSuperiorBookKey, bytes);
  });
}

std::string_view book_source_name(BookSource s) {
  switch (s) {
    case BookSource::kStored:
      return "store";
    case BookSource::kGenesis:
      return "genesis";
    case BookSource::kReplacedOther:
      return "genesis (the stored book was of another superior)";
    case BookSource::kReplacedBroken:
      return "genesis (the stored book was unreadable)";
  }
  return "?";
}

Result<OpenedBook> open_superior_book(store::Store& store, const node::GenesisFile& genesis, std::string_view path) {
  MLCHAIN_ASSIGN_OR_RETURN(auto initial, book_from_genesis(genesis, path));
  OpenedBook out{std::move(initial), BookSource::kGenesis};
  auto stored = load_superior_book(store);
  if (stored.ok() && *stored) {
    if ((*stored)->path == out.book.path && (*stored)->genesis_hash == out.book.genesis_hash) {
      return OpenedBook{std::move(**stored), BookSource::kStored};
    }
    out.source = BookSource::kReplacedOther;
  } else if (!stored.ok()) {
    if (stored.status().code() != ErrorCode::kCorruption) return stored.status();
    out.source = BookSource::kReplacedBroken;
  }
  // Overwrite unconditionally: a stored book of another layer or an
  // unreadable row says nothing about this superior's epochs.
  MLCHAIN_ASSIGN_OR_RETURN(auto bytes, codec::canonical(to_json(out.book)));
  MLCHAIN_TRY(store.write([&](store::WriteTxn& txn) { return txn.put(kSuperiorTable, kSuperiorBookKey, bytes); }));
  return out;
}

}  // namespace mlchain::edge
