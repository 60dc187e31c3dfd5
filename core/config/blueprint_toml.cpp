// toml++ stays in this file: it is heavy to compile and its types do not leak.
#include "mlchain/config/blueprint_toml.h"

#include <cctype>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "mlchain/common/bytes.h"
#include "mlchain/config/toml_reader.h"

namespace mlchain::config {
namespace {

bool valid_layer_path(const std::string& path);

class Reader : public TomlReader {
 public:
  using TomlReader::TomlReader;
  using TomlReader::string;

  Status only_keys(const toml::table& t, std::initializer_list<std::string_view> allowed, const std::string& ctx) const {
    for (const auto& [k, v] : t) {
      bool ok = false;
      for (auto a : allowed) ok |= k.str() == a;
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return error(&v, "unknown key '" + ctx + std::string(k.str()) + "' (allowed here: " + list + ")");
      }
    }
    return {};
  }

  Result<std::string> string(const toml::table& t, std::string_view key, const std::string& ctx, bool required = true) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      if (!required) return std::string();
      return error(&t, "missing key '" + ctx + std::string(key) + "'");
    }
    auto v = n->value<std::string>();
    if (!v) return error(n, "'" + ctx + std::string(key) + "' must be a string");
    return *v;
  }

  Result<crypto::PublicKey> key(const toml::node& n, const std::string& name) const {
    auto v = n.value<std::string>();
    if (!v) return error(&n, "'" + name + "' must be a string of 64 hex characters");
    auto k = crypto::PublicKey::from_hex(*v);
    if (!k.ok()) return error(&n, "'" + name + "' is not an Ed25519 public key: " + k.status().message());
    return *k;
  }

  Result<ledger::MemberInfo> member(const toml::node& n, const std::string& ctx) const {
    const toml::table* t = n.as_table();
    if (t == nullptr) return error(&n, "'" + ctx + "' entries must be tables");
    MLCHAIN_TRY(only_keys(*t, {"name", "public_key", "address"}, ctx + "."));
    ledger::MemberInfo m;
    MLCHAIN_ASSIGN_OR_RETURN(m.name, string(*t, "name", ctx + "."));
    MLCHAIN_ASSIGN_OR_RETURN(m.address, string(*t, "address", ctx + "."));
    const toml::node* k = t->get("public_key");
    if (k == nullptr) return error(t, "missing key '" + ctx + ".public_key'");
    MLCHAIN_ASSIGN_OR_RETURN(m.key, key(*k, ctx + ".public_key"));
    if (m.name.empty() || m.name.size() > 64) return error(t, "'" + ctx + ".name' must be 1 to 64 characters");
    if (m.address.rfind("https://", 0) != 0) {
      return error(t->get("address"), "'" + ctx + ".address' must be an https:// URL, e.g. https://127.0.0.1:7101");
    }
    return m;
  }

  Result<std::vector<ledger::MemberInfo>> members(const toml::table& t, const std::string& ctx) const {
    const toml::node* n = t.get("members");
    if (n == nullptr) return error(&t, "missing '" + ctx + "members' (an array of [[" + ctx + "members]] tables)");
    const toml::array* arr = n->as_array();
    if (arr == nullptr) return error(n, "'" + ctx + "members' must be an array of tables");
    std::vector<ledger::MemberInfo> out;
    std::set<std::string> names;
    std::set<crypto::PublicKey> keys;
    for (const toml::node& e : *arr) {
      MLCHAIN_ASSIGN_OR_RETURN(auto m, member(e, ctx + "members"));
      if (!names.insert(m.name).second) return error(&e, "duplicate member name '" + m.name + "'");
      if (!keys.insert(m.key).second) return error(&e, "member '" + m.name + "' repeats another member's public key");
      out.push_back(std::move(m));
    }
    if (out.empty() || out.size() > 64) return error(n, "'" + ctx + "members' must list 1 to 64 members");
    return out;
  }

  Result<ledger::AddressBook> book(const toml::node& n, const std::string& ctx) const {
    const toml::table* t = n.as_table();
    if (t == nullptr) return error(&n, "'" + ctx + "' must be a table");
    MLCHAIN_TRY(only_keys(*t, {"path", "members", "epoch", "genesis"}, ctx + "."));
    ledger::AddressBook b;
    MLCHAIN_ASSIGN_OR_RETURN(b.path, string(*t, "path", ctx + "."));
    if (!valid_layer_path(b.path)) return error(t->get("path"), "'" + ctx + ".path' is not a layer path like L2/L1a");
    if (const toml::node* e = t->get("epoch")) {
      auto v = TomlReader::integer_value(e);
      if (!v || *v < 0) return error(e, "'" + ctx + ".epoch' must be a non-negative integer (the epoch of these members)");
      b.epoch = static_cast<std::uint64_t>(*v);
    }
    if (t->contains("genesis")) {
      MLCHAIN_ASSIGN_OR_RETURN(b.genesis, string(*t, "genesis", ctx + "."));
      if (b.genesis.size() != 64 || b.genesis.find_first_not_of("0123456789abcdef") != std::string::npos)
        return error(t->get("genesis"), "'" + ctx + ".genesis' must be a genesis hash (64 lower-case hex characters)");
    }
    MLCHAIN_ASSIGN_OR_RETURN(b.members, members(*t, ctx + "."));
    return b;
  }

  Status uint_param(const toml::table& t, std::string_view key, std::uint64_t& out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return {};
    auto v = TomlReader::integer_value(n);
    if (!v || *v < 0) return error(n, "'consensus." + std::string(key) + "' must be a non-negative integer");
    out = static_cast<std::uint64_t>(*v);
    return {};
  }

};

// "L2/L1a/E1": 1 to 16 segments of letters, digits, '_' and '-'.
bool valid_layer_path(const std::string& path) {
  if (path.empty() || path.size() > 256) return false;
  int segments = 0;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end == start) return false;
    for (std::size_t i = start; i < end; ++i) {
      char c = path[i];
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
    }
    ++segments;
    start = end + 1;
  }
  return segments <= 16;
}

Result<std::int64_t> genesis_millis(const Reader& r, const toml::table& root) {
  const toml::node* n = root.get("genesis_time");
  if (n == nullptr) {
    return r.error(&root, "missing key 'genesis_time' (e.g. genesis_time = 2026-11-25T00:00:00Z): "
                          "it is part of the genesis hash, so it must be fixed in the blueprint");
  }
  if (auto dt = n->value<toml::date_time>()) {
    if (!dt->offset) return r.error(n, "'genesis_time' needs a time zone, e.g. 2026-11-25T00:00:00Z");
    std::tm tm{};
    tm.tm_year = dt->date.year - 1900;
    tm.tm_mon = dt->date.month - 1;
    tm.tm_mday = dt->date.day;
    tm.tm_hour = dt->time.hour;
    tm.tm_min = dt->time.minute;
    tm.tm_sec = dt->time.second;
    std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - std::int64_t{dt->offset->minutes} * 60;
    return secs * 1000 + dt->time.nanosecond / 1'000'000;
  }
  if (auto ms = TomlReader::integer_value(n); ms && *ms >= 0) return *ms;
  return r.error(n, "'genesis_time' must be a date-time like 2026-11-25T00:00:00Z or Unix milliseconds");
}

}  // namespace

Result<ledger::Blueprint> parse_blueprint_toml(std::string_view text, std::string_view source_name) {
  Reader r{std::string(source_name)};
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return invalid_argument(std::string(source_name) + ":" + std::to_string(e.source().begin.line) + ":" +
                            std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  MLCHAIN_TRY(r.only_keys(root, {"layer", "genesis_time", "admin_keys", "consensus", "contracts", "members", "superior",
                                  "alternate_superiors", "subordinates"}, ""));

  ledger::Blueprint b;
  MLCHAIN_ASSIGN_OR_RETURN(b.layer_path, r.string(root, "layer", /*required=*/true));
  if (!valid_layer_path(b.layer_path)) {
    return r.error(root.get("layer"), "'layer' is not a layer path like L2/L1a (segments of letters, digits, _ and -)");
  }
  MLCHAIN_ASSIGN_OR_RETURN(b.genesis_time_ms, genesis_millis(r, root));
  MLCHAIN_ASSIGN_OR_RETURN(b.members, r.members(root, ""));

  if (const toml::node* admins = root.get("admin_keys")) {
    const toml::array* arr = admins->as_array();
    if (arr == nullptr) return r.error(admins, "'admin_keys' must be an array of hex public keys");
    for (const toml::node& k : *arr) {
      MLCHAIN_ASSIGN_OR_RETURN(auto key, r.key(k, "admin_keys[]"));
      b.admin_keys.push_back(key);
    }
  }
  if (const toml::node* c = root.get("consensus")) {
    const toml::table* t = c->as_table();
    if (t == nullptr) return r.error(c, "'consensus' must be a table");
    MLCHAIN_TRY(r.only_keys(*t, {"batch_size", "batch_delay_ms", "checkpoint_interval", "log_window",
                                 "request_timeout_ms", "view_change_timeout_ms", "max_clock_skew_ms"}, "consensus."));
    auto& p = b.params;
    MLCHAIN_TRY(r.uint_param(*t, "batch_size", p.batch_size));
    MLCHAIN_TRY(r.uint_param(*t, "batch_delay_ms", p.batch_delay_ms));
    MLCHAIN_TRY(r.uint_param(*t, "checkpoint_interval", p.checkpoint_interval));
    MLCHAIN_TRY(r.uint_param(*t, "log_window", p.log_window));
    MLCHAIN_TRY(r.uint_param(*t, "request_timeout_ms", p.request_timeout_ms));
    MLCHAIN_TRY(r.uint_param(*t, "view_change_timeout_ms", p.view_change_timeout_ms));
    MLCHAIN_TRY(r.uint_param(*t, "max_clock_skew_ms", p.max_clock_skew_ms));
  }
  if (const toml::node* c = root.get("contracts")) {
    const toml::table* t = c->as_table();
    if (t == nullptr) return r.error(c, "'contracts' must be a table");
    MLCHAIN_TRY(r.only_keys(*t, {"forwarding", "first_id"}, "contracts."));
    if (const toml::node* f = t->get("first_id")) {
      auto v = TomlReader::integer_value(f);
      if (!v || *v < 1 || *v > (std::int64_t{1} << 62))
        return r.error(f, "'contracts.first_id' must be an integer from 1 to 2^62");
      b.contract_first_id = static_cast<std::uint64_t>(*v);
    }
    MLCHAIN_ASSIGN_OR_RETURN(std::string mode, r.string(*t, "forwarding", false));
    if (!mode.empty() && mode != "responsible" && mode != "all")
      return r.error(t->get("forwarding"), "'contracts.forwarding' must be \"responsible\" or \"all\"");
    b.forward_to_all = mode == "all";
  }
  if (const toml::node* s = root.get("superior")) {
    MLCHAIN_ASSIGN_OR_RETURN(auto book, r.book(*s, "superior"));
    b.superior = std::move(book);
  }
  if (const toml::node* alts = root.get("alternate_superiors")) {
    const toml::array* arr = alts->as_array();
    if (arr == nullptr) return r.error(alts, "'alternate_superiors' must be an array of [[alternate_superiors]] tables");
    if (!b.superior) return r.error(alts, "'alternate_superiors' needs a [superior]: they are standbys of it");
    for (const toml::node& e : *arr) {
      MLCHAIN_ASSIGN_OR_RETURN(auto book, r.book(e, "alternate_superiors"));
      if (book.path != b.superior->path) {
        return r.error(&e, "an alternate superior must have the superior's path '" + b.superior->path + "', not '" +
                               book.path + "': it is a standby deployment of the same layer");
      }
      b.alternate_superiors.push_back(std::move(book));
    }
  }
  if (const toml::node* subs = root.get("subordinates")) {
    const toml::array* arr = subs->as_array();
    if (arr == nullptr) return r.error(subs, "'subordinates' must be an array of [[subordinates]] tables");
    for (const toml::node& e : *arr) {
      MLCHAIN_ASSIGN_OR_RETURN(auto book, r.book(e, "subordinates"));
      b.subordinates.push_back(std::move(book));
    }
  }
  // The ledger's own strict checks (path syntax, membership, parameters)
  // apply to every blueprint, whatever file format it came from.
  auto checked = ledger::blueprint_from_json(ledger::to_json(b));
  if (!checked.ok()) return checked.status().with_context(std::string(source_name));
  return *checked;
}

Result<ledger::Blueprint> load_blueprint_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument("cannot read blueprint " + path.string() + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > (1u << 20)) return invalid_argument("blueprint " + path.string() + " is larger than 1 MiB");
  return parse_blueprint_toml(text, path.string());
}

}  // namespace mlchain::config
