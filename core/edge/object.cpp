#include "mlchain/edge/object.h"

#include <set>

#include "mlchain/codec/fields.h"
#include "mlchain/edge/format.h"
#include "mlchain/edge/ids.h"

namespace mlchain::edge {
namespace {

using Json = codec::Json;

Status check_name(std::string_view name, std::string_view what) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return invalid_argument(std::string(what) + " names must be 1.." + std::to_string(kMaxNameBytes) + " bytes");
  }
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f)
      return invalid_argument(std::string(what) + " name '" + std::string(name) + "' has a control character");
  }
  return {};
}

Result<std::vector<std::string>> string_list(const Json& j, std::string_view field, std::size_t max_items) {
  std::vector<std::string> out;
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) return invalid_argument("field '" + std::string(field) + "': expected an array of strings");
  if (it->size() > max_items) {
    return invalid_argument("field '" + std::string(field) + "': at most " + std::to_string(max_items) + " entries");
  }
  for (const auto& v : *it) {
    if (!v.is_string()) return invalid_argument("field '" + std::string(field) + "': expected an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::string_view scheme_name(Scheme s) {
  switch (s) {
    case Scheme::kEd25519:
      return "ed25519";
    case Scheme::kHmac:
      return "hmac";
    case Scheme::kUnsigned:
      return "unsigned";
  }
  return "?";
}

Result<Scheme> parse_scheme(std::string_view name) {
  if (name == "ed25519") return Scheme::kEd25519;
  if (name == "hmac") return Scheme::kHmac;
  if (name == "unsigned") return Scheme::kUnsigned;
  return invalid_argument("credential scheme '" + std::string(name.substr(0, 40)) +
                          "' is not ed25519, hmac or unsigned");
}

bool CredentialPolicy::allows(Scheme s) const {
  switch (s) {
    case Scheme::kEd25519:
      return ed25519;
    case Scheme::kHmac:
      return hmac;
    case Scheme::kUnsigned:
      return allow_unsigned;
  }
  return false;
}

std::vector<std::string> CredentialPolicy::names() const {
  std::vector<std::string> out;
  for (Scheme s : {Scheme::kEd25519, Scheme::kHmac, Scheme::kUnsigned})
    if (allows(s)) out.emplace_back(scheme_name(s));
  return out;
}

Status validate_permission(std::string_view p) {
  std::string shown(p.substr(0, 80));
  if (p == "upload" || p == "contract" || p == "talk:*") return {};
  if (p.substr(0, 5) == "talk:") {
    std::string_view target = p.substr(5);
    if (target.substr(0, 6) == "class:")
      return validate_class_path(target.substr(6)).with_context("permission '" + shown + "'");
    if (target.substr(0, 4) == "mlc:") {
      auto u = parse_uuid(target);
      if (!u.ok()) return u.status().with_context("permission '" + shown + "'");
      return {};
    }
  }
  return invalid_argument("permission '" + shown +
                          "' is not one of: upload, contract, talk:*, talk:mlc:<layer>/<id>, talk:class:<class path>");
}

bool may_upload(const std::vector<std::string>& permissions) {
  for (const auto& p : permissions)
    if (p == "upload") return true;
  return false;
}

bool may_contract(const std::vector<std::string>& permissions) {
  for (const auto& p : permissions)
    if (p == "contract") return true;
  return false;
}

bool may_talk(const std::vector<std::string>& permissions, std::string_view target_uuid,
              std::string_view target_class) {
  for (const auto& p : permissions) {
    std::string_view v = p;
    if (v.substr(0, 5) != "talk:") continue;
    v = v.substr(5);
    if (v == "*" || v == target_uuid) return true;
    if (v.substr(0, 6) == "class:" && class_matches(target_class, v.substr(6))) return true;
  }
  return false;
}

Status validate_spec(const ObjectSpec& s) {
  MLCHAIN_TRY(validate_class_path(s.class_path));
  if (s.permissions.size() > kMaxPermissions)
    return invalid_argument("at most " + std::to_string(kMaxPermissions) + " permissions");
  std::set<std::string> seen;
  for (const auto& p : s.permissions) {
    MLCHAIN_TRY(validate_permission(p));
    if (!seen.insert(p).second) return invalid_argument("permission '" + p + "' is listed twice");
  }
  if (s.description.size() > kMaxDescriptionBytes) {
    return invalid_argument("description is longer than " + std::to_string(kMaxDescriptionBytes) + " bytes");
  }
  if (s.functions.size() > kMaxFunctions)
    return invalid_argument("at most " + std::to_string(kMaxFunctions) + " functions");
  seen.clear();
  for (const auto& f : s.functions) {
    MLCHAIN_TRY(check_name(f, "function"));
    if (!seen.insert(f).second) return invalid_argument("function '" + f + "' is listed twice");
  }
  if (s.static_props.size() > kMaxStaticProps) {
    return invalid_argument("at most " + std::to_string(kMaxStaticProps) + " static properties");
  }
  for (const auto& [k, v] : s.static_props) {
    MLCHAIN_TRY(check_name(k, "static property"));
    if (!v.is_string() && !v.is_boolean() && !v.is_number_integer()) {
      return invalid_argument("static property '" + k + "' must be a string, an integer or a boolean");
    }
    auto c = codec::canonical(v);
    if (!c.ok()) return c.status().with_context("static property '" + k + "'");
    if (c->size() > kMaxStaticValueBytes) {
      return invalid_argument("static property '" + k + "' is longer than " + std::to_string(kMaxStaticValueBytes) +
                              " bytes");
    }
  }
  if (s.format) {
    auto f = Format::compile(*s.format);
    if (!f.ok()) return f.status();
  }
  return {};
}

Result<CredentialSpec> credential_spec_from_json(const Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "credential"));
  MLCHAIN_TRY(codec::only_fields(j, {"scheme", "public_key"}, "credential"));
  MLCHAIN_ASSIGN_OR_RETURN(std::string name, codec::get_string(j, "scheme", 16));
  CredentialSpec c;
  MLCHAIN_ASSIGN_OR_RETURN(c.scheme, parse_scheme(name));
  MLCHAIN_ASSIGN_OR_RETURN(auto pk, codec::get_optional_string(j, "public_key", 64));
  if (c.scheme == Scheme::kEd25519) {
    if (!pk) return invalid_argument("credential: scheme ed25519 needs 'public_key' (64 hex characters)");
    MLCHAIN_ASSIGN_OR_RETURN(c.public_key, crypto::PublicKey::from_hex(*pk));
  } else if (pk) {
    return invalid_argument("credential: 'public_key' is only for scheme ed25519");
  }
  return c;
}

Json to_json(const CredentialSpec& c) {
  Json j = {{"scheme", scheme_name(c.scheme)}};
  if (c.public_key) j["public_key"] = c.public_key->hex();
  return j;
}

Result<ObjectSpec> spec_from_json(const Json& j) {
  MLCHAIN_TRY(codec::require_object(j, "object spec"));
  MLCHAIN_TRY(codec::only_fields(
      j, {"class", "permissions", "description", "static", "functions", "format", "credential"}, "object spec"));
  ObjectSpec s;
  MLCHAIN_ASSIGN_OR_RETURN(s.class_path, codec::get_string(j, "class", 8 * 65));
  MLCHAIN_ASSIGN_OR_RETURN(s.permissions, string_list(j, "permissions", kMaxPermissions));
  MLCHAIN_ASSIGN_OR_RETURN(auto d, codec::get_optional_string(j, "description", kMaxDescriptionBytes));
  s.description = d.value_or("");
  MLCHAIN_ASSIGN_OR_RETURN(s.functions, string_list(j, "functions", kMaxFunctions));
  if (auto it = j.find("static"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return invalid_argument("field 'static': expected an object of name -> value");
    for (const auto& [k, v] : it->items()) s.static_props[k] = v;
  }
  if (auto it = j.find("format"); it != j.end() && !it->is_null()) s.format = *it;
  auto c = j.find("credential");
  if (c == j.end()) return invalid_argument("field 'credential': missing (e.g. {\"scheme\": \"hmac\"})");
  MLCHAIN_ASSIGN_OR_RETURN(s.credential, credential_spec_from_json(*c));
  MLCHAIN_TRY(validate_spec(s));
  return s;
}

Json to_json(const ObjectSpec& s) {
  Json statics = Json::object();
  for (const auto& [k, v] : s.static_props) statics[k] = v;
  Json j = {{"class", s.class_path}, {"permissions", s.permissions}, {"description", s.description},
            {"static", statics},     {"functions", s.functions},     {"credential", to_json(s.credential)}};
  if (s.format) j["format"] = *s.format;
  return j;
}

Json to_json(const ObjectRecord& r) {
  Json statics = Json::object();
  for (const auto& [k, v] : r.static_props) statics[k] = v;
  Json dynamic = Json::object();
  for (const auto& [k, v] : r.dynamic)
    dynamic[k] = {{"value", v.value}, {"time_ms", v.time_ms}, {"counter", v.counter}};
  Json cred = {{"scheme", scheme_name(r.scheme)}, {"version", r.credential_version}};
  if (r.public_key) cred["public_key"] = r.public_key->hex();
  return {{"uuid", r.uuid},
          {"class", r.class_path},
          {"permissions", r.permissions},
          {"description", r.description},
          {"static", statics},
          {"functions", r.functions},
          {"format", r.format ? *r.format : Json(nullptr)},
          {"credential", cred},
          {"counter", r.counter},
          {"revoked", r.revoked},
          {"created_ms", r.created_ms},
          {"updated_ms", r.updated_ms},
          {"revoked_ms", r.revoked_ms},
          {"dynamic", dynamic},
          {"history", {{"first", r.history_first}, {"next", r.history_next}}},
          {"queue", {{"first", r.queue_first}, {"next", r.queue_next}}}};
}

Result<ObjectRecord> record_from_json(const Json& j) {
  // The store is ours, but a damaged record must be an error, not a crash.
  auto parse = [&]() -> Result<ObjectRecord> {
    ObjectRecord r;
    MLCHAIN_ASSIGN_OR_RETURN(r.uuid, codec::get_string(j, "uuid"));
    MLCHAIN_ASSIGN_OR_RETURN(r.class_path, codec::get_string(j, "class"));
    MLCHAIN_ASSIGN_OR_RETURN(r.permissions, string_list(j, "permissions", kMaxPermissions));
    MLCHAIN_ASSIGN_OR_RETURN(r.description, codec::get_string(j, "description", kMaxDescriptionBytes));
    MLCHAIN_ASSIGN_OR_RETURN(auto statics, codec::get_object(j, "static"));
    for (const auto& [k, v] : statics.items()) r.static_props[k] = v;
    MLCHAIN_ASSIGN_OR_RETURN(r.functions, string_list(j, "functions", kMaxFunctions));
    if (auto it = j.find("format"); it != j.end() && !it->is_null()) r.format = *it;
    MLCHAIN_ASSIGN_OR_RETURN(auto cred, codec::get_object(j, "credential"));
    MLCHAIN_ASSIGN_OR_RETURN(auto scheme, codec::get_string(cred, "scheme"));
    MLCHAIN_ASSIGN_OR_RETURN(r.scheme, parse_scheme(scheme));
    MLCHAIN_ASSIGN_OR_RETURN(auto version, codec::get_uint(cred, "version"));
    r.credential_version = static_cast<std::uint32_t>(version);
    MLCHAIN_ASSIGN_OR_RETURN(auto pk, codec::get_optional_string(cred, "public_key"));
    if (pk) {
      MLCHAIN_ASSIGN_OR_RETURN(r.public_key, crypto::PublicKey::from_hex(*pk));
    }
    MLCHAIN_ASSIGN_OR_RETURN(r.counter, codec::get_uint(j, "counter"));
    MLCHAIN_ASSIGN_OR_RETURN(r.revoked, codec::get_bool(j, "revoked"));
    MLCHAIN_ASSIGN_OR_RETURN(r.created_ms, codec::get_int(j, "created_ms"));
    MLCHAIN_ASSIGN_OR_RETURN(r.updated_ms, codec::get_int(j, "updated_ms"));
    MLCHAIN_ASSIGN_OR_RETURN(r.revoked_ms, codec::get_int(j, "revoked_ms"));
    MLCHAIN_ASSIGN_OR_RETURN(auto dynamic, codec::get_object(j, "dynamic"));
    for (const auto& [k, v] : dynamic.items()) {
      DynamicValue d;
      if (!v.is_object() || !v.contains("value")) return invalid_argument("dynamic property '" + k + "' has no value");
      d.value = v["value"];
      MLCHAIN_ASSIGN_OR_RETURN(d.time_ms, codec::get_int(v, "time_ms"));
      MLCHAIN_ASSIGN_OR_RETURN(d.counter, codec::get_uint(v, "counter"));
      r.dynamic[k] = std::move(d);
    }
    MLCHAIN_ASSIGN_OR_RETURN(auto h, codec::get_object(j, "history"));
    MLCHAIN_ASSIGN_OR_RETURN(r.history_first, codec::get_uint(h, "first"));
    MLCHAIN_ASSIGN_OR_RETURN(r.history_next, codec::get_uint(h, "next"));
    MLCHAIN_ASSIGN_OR_RETURN(auto q, codec::get_object(j, "queue"));
    MLCHAIN_ASSIGN_OR_RETURN(r.queue_first, codec::get_uint(q, "first"));
    MLCHAIN_ASSIGN_OR_RETURN(r.queue_next, codec::get_uint(q, "next"));
    if (r.scheme == Scheme::kEd25519 && !r.public_key)
      return invalid_argument("ed25519 credential without a public key");
    return r;
  };
  auto r = parse();
  if (!r.ok()) return corruption("stored object record does not decode: " + r.status().message());
  return r;
}

}  // namespace mlchain::edge
