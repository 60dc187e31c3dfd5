// Schema checks for untrusted JSON objects: typed field access with errors
// that name the field and what was expected ("field 'height': expected an
// unsigned integer, got string"). All return InvalidArgument on mismatch and
// NotFound-free semantics: a missing required field is InvalidArgument too.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "mlchain/codec/json.h"

namespace mlchain::codec {

// `obj` must be an object; refuses keys outside `allowed` (strict schemas).
Status require_object(const Json& obj, std::string_view what);
Status only_fields(const Json& obj, std::initializer_list<std::string_view> allowed, std::string_view what);

Result<std::string> get_string(const Json& obj, std::string_view field, std::size_t max_len = 4096);
Result<std::int64_t> get_int(const Json& obj, std::string_view field);
Result<std::uint64_t> get_uint(const Json& obj, std::string_view field);
Result<bool> get_bool(const Json& obj, std::string_view field);
// Lower-case hex string decoded to bytes; exact_len (if > 0) is checked.
Result<Bytes> get_hex(const Json& obj, std::string_view field, std::size_t exact_len = 0);
Result<Json> get_object(const Json& obj, std::string_view field);
Result<Json> get_array(const Json& obj, std::string_view field, std::size_t max_items = 100'000);

// Optional variants: absent (or null) gives std::nullopt; a wrong type is an error.
Result<std::optional<std::string>> get_optional_string(const Json& obj, std::string_view field,
                                                       std::size_t max_len = 4096);
Result<std::optional<std::uint64_t>> get_optional_uint(const Json& obj, std::string_view field);

// Lenient read of untrusted answers: the string at `field`, or "" when `obj`
// is not an object or the field is absent, not a string or too long. Never
// throws (nlohmann's value() does on a wrong type).
inline std::string string_or_empty(const Json& obj, std::string_view field) {
  return get_string(obj, field).value_or(std::string());
}

}  // namespace mlchain::codec
