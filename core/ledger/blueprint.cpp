#include "mlchain/ledger/blueprint.h"

#include <algorithm>
#include <chrono>

#include "mlchain/codec/fields.h"

namespace mlchain::ledger {
namespace {

using codec::Json;

Json member_json(const MemberInfo& m) {
  return {{"name", m.name}, {"key", m.key.hex()}, {"address", m.address}, {"valid", m.valid}};
}

Result<MemberInfo> member_from(const Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"name", "key", "address", "valid"}, "member"));
  MemberInfo m;
  MLCHAIN_ASSIGN_OR_RETURN(m.name, codec::get_string(j, "name", 256));
  MLCHAIN_ASSIGN_OR_RETURN(std::string key, codec::get_string(j, "key", 64));
  MLCHAIN_ASSIGN_OR_RETURN(m.key, crypto::PublicKey::from_hex(key));
  MLCHAIN_ASSIGN_OR_RETURN(m.address, codec::get_string(j, "address", 1024));
  MLCHAIN_ASSIGN_OR_RETURN(m.valid, codec::get_bool(j, "valid"));
  return m;
}

Json book_json(const AddressBook& b) {
  Json members = Json::array();
  for (const auto& m : b.members) members.push_back(member_json(m));
  Json j = {{"path", b.path}, {"members", std::move(members)}};
  if (b.epoch != 0) j["epoch"] = b.epoch;
  if (!b.genesis.empty()) j["genesis"] = b.genesis;
  return j;
}

Result<AddressBook> book_from(const Json& j) {
  MLCHAIN_TRY(codec::only_fields(j, {"path", "members", "epoch", "genesis"}, "address book"));
  AddressBook b;
  MLCHAIN_ASSIGN_OR_RETURN(b.path, codec::get_string(j, "path", 1024));
  if (j.contains("epoch")) {
    MLCHAIN_ASSIGN_OR_RETURN(b.epoch, codec::get_uint(j, "epoch"));
  }
  if (j.contains("genesis")) {
    MLCHAIN_ASSIGN_OR_RETURN(b.genesis, codec::get_string(j, "genesis", 64));
    if (b.genesis.size() != 64 || b.genesis.find_first_not_of("0123456789abcdef") != std::string::npos)
      return invalid_argument("an address book's genesis is a SHA-256 hash (64 lower-case hex characters)");
  }
  MLCHAIN_ASSIGN_OR_RETURN(Json members, codec::get_array(j, "members", consensus::kMaxMembers));
  for (const auto& m : members) {
    MLCHAIN_ASSIGN_OR_RETURN(MemberInfo mi, member_from(m));
    b.members.push_back(std::move(mi));
  }
  return b;
}

}  // namespace

Json to_json(const Blueprint& b) {
  Json members = Json::array();
  for (const auto& m : b.members) members.push_back(member_json(m));
  Json admins = Json::array();
  for (const auto& k : b.admin_keys) admins.push_back(k.hex());
  Json subs = Json::array();
  for (const auto& s : b.subordinates) subs.push_back(book_json(s));
  const auto& p = b.params;
  Json params = {{"batch_size", p.batch_size},
                 {"batch_delay_ms", p.batch_delay_ms},
                 {"checkpoint_interval", p.checkpoint_interval},
                 {"log_window", p.log_window},
                 {"request_timeout_ms", p.request_timeout_ms},
                 {"view_change_timeout_ms", p.view_change_timeout_ms},
                 {"max_clock_skew_ms", p.max_clock_skew_ms}};
  Json j = {{"layer_path", b.layer_path},
            {"members", std::move(members)},
            {"params", std::move(params)},
            {"admin_keys", std::move(admins)},
            {"superior", b.superior ? book_json(*b.superior) : Json(nullptr)},
            {"subordinates", std::move(subs)},
            {"genesis_time_ms", b.genesis_time_ms}};
  if (b.forward_to_all) j["contract_forwarding"] = "all";  // absent: "responsible" (older genesis hashes unchanged)
  if (b.contract_first_id != 1) j["contract_first_id"] = b.contract_first_id;
  if (!b.alternate_superiors.empty()) {
    Json alts = Json::array();
    for (const auto& a : b.alternate_superiors) alts.push_back(book_json(a));
    j["alternate_superiors"] = std::move(alts);
  }
  return j;
}

Result<Blueprint> blueprint_from_json(const Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "blueprint"));
  MLCHAIN_TRY(codec::only_fields(j, {"layer_path", "members", "params", "admin_keys", "superior", "subordinates",
                                     "genesis_time_ms", "contract_forwarding", "alternate_superiors",
                                     "contract_first_id"},
                                 "blueprint"));
  Blueprint b;
  MLCHAIN_ASSIGN_OR_RETURN(b.layer_path, codec::get_string(j, "layer_path", 1024));
  MLCHAIN_ASSIGN_OR_RETURN(Json members, codec::get_array(j, "members", consensus::kMaxMembers));
  for (const auto& m : members) {
    MLCHAIN_ASSIGN_OR_RETURN(MemberInfo mi, member_from(m));
    b.members.push_back(std::move(mi));
  }
  MLCHAIN_ASSIGN_OR_RETURN(Json p, codec::get_object(j, "params"));
  MLCHAIN_TRY(codec::only_fields(p, {"batch_size", "batch_delay_ms", "checkpoint_interval", "log_window",
                                     "request_timeout_ms", "view_change_timeout_ms", "max_clock_skew_ms"}, "params"));
  MLCHAIN_ASSIGN_OR_RETURN(b.params.batch_size, codec::get_uint(p, "batch_size"));
  MLCHAIN_ASSIGN_OR_RETURN(b.params.batch_delay_ms, codec::get_uint(p, "batch_delay_ms"));
  MLCHAIN_ASSIGN_OR_RETURN(b.params.checkpoint_interval, codec::get_uint(p, "checkpoint_interval"));
  MLCHAIN_ASSIGN_OR_RETURN(b.params.log_window, codec::get_uint(p, "log_window"));
  MLCHAIN_ASSIGN_OR_RETURN(b.params.request_timeout_ms, codec::get_uint(p, "request_timeout_ms"));
  MLCHAIN_ASSIGN_OR_RETURN(b.params.view_change_timeout_ms, codec::get_uint(p, "view_change_timeout_ms"));
  MLCHAIN_ASSIGN_OR_RETURN(b.params.max_clock_skew_ms, codec::get_uint(p, "max_clock_skew_ms"));
  MLCHAIN_ASSIGN_OR_RETURN(Json admins, codec::get_array(j, "admin_keys", 64));
  for (const auto& a : admins) {
    if (!a.is_string()) return invalid_argument("field 'admin_keys': expected hex strings");
    MLCHAIN_ASSIGN_OR_RETURN(crypto::PublicKey k, crypto::PublicKey::from_hex(a.get<std::string>()));
    b.admin_keys.push_back(k);
  }
  if (j.contains("superior") && !j.at("superior").is_null()) {
    MLCHAIN_ASSIGN_OR_RETURN(Json s, codec::get_object(j, "superior"));
    MLCHAIN_ASSIGN_OR_RETURN(AddressBook book, book_from(s));
    b.superior = std::move(book);
  }
  MLCHAIN_ASSIGN_OR_RETURN(Json subs, codec::get_array(j, "subordinates", 1024));
  for (const auto& s : subs) {
    MLCHAIN_ASSIGN_OR_RETURN(AddressBook book, book_from(s));
    b.subordinates.push_back(std::move(book));
  }
  MLCHAIN_ASSIGN_OR_RETURN(b.genesis_time_ms, codec::get_int(j, "genesis_time_ms"));
  if (j.contains("contract_forwarding")) {
    MLCHAIN_ASSIGN_OR_RETURN(std::string mode, codec::get_string(j, "contract_forwarding", 16));
    if (mode != "all") return invalid_argument("field 'contract_forwarding': only \"all\" is written (absent: responsible)");
    b.forward_to_all = true;
  }
  if (j.contains("contract_first_id")) {
    MLCHAIN_ASSIGN_OR_RETURN(b.contract_first_id, codec::get_uint(j, "contract_first_id"));
    if (b.contract_first_id < 2 || b.contract_first_id > (std::uint64_t{1} << 62))
      return invalid_argument("field 'contract_first_id': 2 to 2^62 (absent: 1)");
  }
  if (j.contains("alternate_superiors")) {
    MLCHAIN_ASSIGN_OR_RETURN(Json alts, codec::get_array(j, "alternate_superiors", kMaxAlternateSuperiors));
    if (!b.superior) return invalid_argument("field 'alternate_superiors': a layer without a superior has no alternates");
    for (const auto& a : alts) {
      MLCHAIN_ASSIGN_OR_RETURN(AddressBook book, book_from(a));
      if (book.path != b.superior->path) {
        return invalid_argument("field 'alternate_superiors': '" + book.path +
                                "' is not the superior's path '" + b.superior->path +
                                "'; an alternate is a standby deployment of the same layer (routes follow paths)");
      }
      if (book.members.empty()) return invalid_argument("field 'alternate_superiors': an alternate without members");
      b.alternate_superiors.push_back(std::move(book));
    }
  }
  MLCHAIN_TRY(consensus::validate(replica_options(b.params), epoch_config(b)));
  return b;
}

std::size_t superior_candidates(const Blueprint& b) { return b.superior ? 1 + b.alternate_superiors.size() : 0; }

const AddressBook* superior_candidate(const Blueprint& b, std::size_t index) {
  if (!b.superior) return nullptr;
  if (index == 0) return &*b.superior;
  return index <= b.alternate_superiors.size() ? &b.alternate_superiors[index - 1] : nullptr;
}

consensus::ReplicaOptions replica_options(const ConsensusParams& p) {
  consensus::ReplicaOptions o;
  o.batch_size = static_cast<std::size_t>(p.batch_size);
  o.batch_delay = std::chrono::duration_cast<Micros>(Millis(p.batch_delay_ms));
  o.checkpoint_interval = p.checkpoint_interval;
  o.log_window = p.log_window;
  o.request_timeout = std::chrono::duration_cast<Micros>(Millis(p.request_timeout_ms));
  o.view_change_timeout = std::chrono::duration_cast<Micros>(Millis(p.view_change_timeout_ms));
  o.max_clock_skew = std::chrono::duration_cast<Micros>(Millis(p.max_clock_skew_ms));
  return o;
}

consensus::EpochConfig epoch_config(const Blueprint& b) {
  consensus::EpochConfig c;
  for (const auto& m : b.members)
    if (m.valid) c.members.push_back(m.key);
  return c;
}

}  // namespace mlchain::ledger
