// Canonical JSON and the schema checks (codec/json.h, codec/fields.h): the
// first parser every byte from the network meets.
// Properties: parse never crashes; whatever parses has a canonical form,
// which parses back to the same canonical bytes and is exactly what
// nlohmann's dump() writes (canonical() has a fast path of its own); a document accepted under
// tight limits is accepted under the defaults, equal; the typed getters
// never throw and agree with the value's type.
#include "mlchain/codec/json.h"

#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "mlchain/codec/fields.h"

namespace {

using mlchain::codec::Json;
using mlchain::fuzz::check;
namespace codec = mlchain::codec;

void probe_fields(const Json& obj) {
  (void)codec::require_object(obj, "fuzz");
  (void)codec::only_fields(obj, {"a", "type", "sig"}, "fuzz");
  std::size_t seen = 0;
  for (const auto& [key, value] : obj.items()) {
    if (++seen > 16) break;
    auto s = codec::get_string(obj, key, 64);
    check(!s.ok() || (value.is_string() && s->size() <= 64), "get_string accepted a non-string or an oversized one");
    auto i = codec::get_int(obj, key);
    check(!i.ok() || value.is_number_integer(), "get_int accepted a non-integer");
    auto u = codec::get_uint(obj, key);
    check(!u.ok() || value.is_number_unsigned() || (value.is_number_integer() && value.get<std::int64_t>() >= 0),
          "get_uint accepted a negative or non-integer value");
    (void)codec::get_bool(obj, key);
    if (auto h = codec::get_hex(obj, key); h.ok()) {
      check(mlchain::to_hex(*h) == value.get<std::string>(), "get_hex accepted text that is not lower-case hex",
            value.get<std::string>());
    }
    (void)codec::get_hex(obj, key, 32);
    (void)codec::get_object(obj, key);
    (void)codec::get_array(obj, key, 8);
    (void)codec::get_optional_string(obj, key);
    (void)codec::get_optional_uint(obj, key);
    (void)codec::string_or_empty(obj, key);
  }
  (void)codec::get_string(obj, "absent");
  (void)codec::get_optional_uint(obj, "absent");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = mlchain::fuzz::text_of(data, size);
  auto parsed = codec::parse(text);
  auto tight = codec::parse(text, codec::ParseLimits{4096, 4, 64, 64});
  if (tight.ok()) {
    check(parsed.ok(), "accepted under tight limits but refused under the defaults", parsed.status().message());
  }
  if (!parsed.ok()) return 0;

  auto canon = codec::canonical(*parsed);
  check(canon.ok(), "a parsed value has no canonical form", canon.status().message());
  check(*canon == parsed->dump(-1, ' ', false, Json::error_handler_t::strict),
        "canonical form differs from dump()", *canon);
  auto again = codec::parse(*canon);
  check(again.ok(), "canonical form does not parse", again.status().message());
  auto canon2 = codec::canonical(*again);
  check(canon2.ok() && *canon2 == *canon, "canonical form is not stable", *canon);
  if (tight.ok()) {
    auto canon_tight = codec::canonical(*tight);
    check(canon_tight.ok() && *canon_tight == *canon, "tight and default parses differ", *canon);
  }
  (void)codec::pretty(*parsed);
  if (parsed->is_object()) probe_fields(*parsed);
  if (parsed->is_array()) {
    for (const auto& item : *parsed) {
      if (item.is_object()) probe_fields(item);
    }
  }
  return 0;
}
