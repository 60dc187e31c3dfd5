#include "mlchain/codec/fields.h"

#include <limits>
#include <string>

#include "message.h"

namespace mlchain::codec {
namespace {

// What a value is, in the words of the error messages ("got string").
std::string kind(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::string:
      return "string";
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    case Json::value_t::number_integer:
      return value.get<std::int64_t>() < 0 ? "negative integer" : "integer";
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "floating-point number";
    case Json::value_t::binary:
      return "binary";
    case Json::value_t::discarded:
      return "discarded value";
  }
  return "unknown value";
}

std::string field_prefix(std::string_view field) { return "field '" + std::string(field) + "': "; }

Status wrong_type(std::string_view field, std::string_view expected, const Json& got) {
  return invalid_argument(field_prefix(field) + "expected " + std::string(expected) + ", got " + kind(got));
}

// The member `field` of `obj`, or nullptr when it is absent or null (only
// when `optional`); a missing required field is an error.
Result<const Json*> lookup(const Json& obj, std::string_view field, std::string_view expected, bool optional) {
  if (!obj.is_object()) {
    return invalid_argument(field_prefix(field) + "cannot be read from " + kind(obj) + " (expected an object)");
  }
  const auto it = obj.find(field);
  if (it == obj.end() || (optional && it->is_null())) {
    if (optional) return static_cast<const Json*>(nullptr);
    return invalid_argument(field_prefix(field) + "missing (expected " + std::string(expected) + ")");
  }
  return &*it;
}

Result<const Json*> require(const Json& obj, std::string_view field, std::string_view expected) {
  return lookup(obj, field, expected, /*optional=*/false);
}

constexpr std::string_view kString = "a string";
constexpr std::string_view kInt = "a signed integer";
constexpr std::string_view kUint = "an unsigned integer";

Result<std::string> as_string(const Json& value, std::string_view field, std::size_t max_len) {
  if (!value.is_string()) return wrong_type(field, kString, value);
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > max_len) {
    return invalid_argument(field_prefix(field) + "string of " + std::to_string(text.size()) +
                            " bytes exceeds the limit of " + std::to_string(max_len) + " bytes");
  }
  return text;
}

Result<std::uint64_t> as_uint(const Json& value, std::string_view field) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(value.get<std::int64_t>());
  }
  return wrong_type(field, kUint, value);
}

}  // namespace

Status require_object(const Json& obj, std::string_view what) {
  if (!obj.is_object()) return invalid_argument(std::string(what) + ": expected an object, got " + kind(obj));
  return {};
}

Status only_fields(const Json& obj, std::initializer_list<std::string_view> allowed, std::string_view what) {
  MLCHAIN_TRY(require_object(obj, what));
  for (const auto& [key, value] : obj.get_ref<const Json::object_t&>()) {
    bool known = false;
    for (std::string_view name : allowed) known = known || name == key;
    if (known) continue;
    std::string list;
    for (std::string_view name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
    return invalid_argument(std::string(what) + ": unexpected field '" + detail::printable(key) +
                            "' (allowed: " + (list.empty() ? "none" : list) + ")");
  }
  return {};
}

Result<std::string> get_string(const Json& obj, std::string_view field, std::size_t max_len) {
  MLCHAIN_ASSIGN_OR_RETURN(const Json* value, require(obj, field, kString));
  return as_string(*value, field, max_len);
}

Result<std::int64_t> get_int(const Json& obj, std::string_view field) {
  MLCHAIN_ASSIGN_OR_RETURN(const Json* value, require(obj, field, kInt));
  if (value->is_number_integer() && !value->is_number_unsigned()) return value->get<std::int64_t>();
  if (value->is_number_unsigned()) {
    const auto u = value->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return invalid_argument(field_prefix(field) + "integer " + std::to_string(u) +
                              " is out of range for a signed 64-bit integer");
    }
    return static_cast<std::int64_t>(u);
  }
  return wrong_type(field, kInt, *value);
}

Result<std::uint64_t> get_uint(const Json& obj, std::string_view field) {
  MLCHAIN_ASSIGN_OR_RETURN(const Json* value, require(obj, field, kUint));
  return as_uint(*value, field);
}

Result<bool> get_bool(const Json& obj, std::string_view field) {
  MLCHAIN_ASSIGN_OR_RETURN(const Json* value, require(obj, field, "a boolean"));
  if (!value->is_boolean()) return wrong_type(field, "a boolean", *value);
  return value->get<bool>();
}

Result<Bytes> get_hex(const Json& obj, std::string_view field, std::size_t exact_len) {
  constexpr std::string_view kHex = "a lower-case hex string";
  MLCHAIN_ASSIGN_OR_RETURN(const Json* value, require(obj, field, kHex));
  if (!value->is_string()) return wrong_type(field, kHex, *value);
  const auto& text = value->get_ref<const std::string&>();
  if (text.size() % 2 != 0) {
    return invalid_argument(field_prefix(field) + "hex string has odd length " + std::to_string(text.size()));
  }
  if (exact_len > 0 && text.size() != exact_len * 2) {
    return invalid_argument(field_prefix(field) + "expected " + std::to_string(exact_len) + " bytes (" +
                            std::to_string(exact_len * 2) + " hex characters), got " + std::to_string(text.size() / 2) +
                            " bytes");
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) continue;
    return invalid_argument(field_prefix(field) + "expected lower-case hex, got '" +
                            detail::printable(std::string_view(&text[i], 1)) + "' at offset " + std::to_string(i));
  }
  return from_hex(text);
}

Result<Json> get_object(const Json& obj, std::string_view field) {
  MLCHAIN_ASSIGN_OR_RETURN(const Json* value, require(obj, field, "an object"));
  if (!value->is_object()) return wrong_type(field, "an object", *value);
  return *value;
}

Result<Json> get_array(const Json& obj, std::string_view field, std::size_t max_items) {
  MLCHAIN_ASSIGN_OR_RETURN(const Json* value, require(obj, field, "an array"));
  if (!value->is_array()) return wrong_type(field, "an array", *value);
  if (value->size() > max_items) {
    return invalid_argument(field_prefix(field) + "array of " + std::to_string(value->size()) +
                            " items exceeds the limit of " + std::to_string(max_items) + " items");
  }
  return *value;
}

Result<std::optional<std::string>> get_optional_string(const Json& obj, std::string_view field, std::size_t max_len) {
  MLCHAIN_ASSIGN_OR_RETURN(const Json* value, lookup(obj, field, kString, /*optional=*/true));
  if (value == nullptr) return std::optional<std::string>();
  MLCHAIN_ASSIGN_OR_RETURN(std::string text, as_string(*value, field, max_len));
  return std::optional<std::string>(std::move(text));
}

Result<std::optional<std::uint64_t>> get_optional_uint(const Json& obj, std::string_view field) {
  MLCHAIN_ASSIGN_OR_RETURN(const Json* value, lookup(obj, field, kUint, /*optional=*/true));
  if (value == nullptr) return std::optional<std::uint64_t>();
  MLCHAIN_ASSIGN_OR_RETURN(std::uint64_t number, as_uint(*value, field));
  return std::optional<std::uint64_t>(number);
}

}  // namespace mlchain::codec
