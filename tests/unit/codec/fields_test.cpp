// Field helpers: each accessor's success and its exact failure messages.
#include "mlchain/codec/fields.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "unit/codec/test_util.h"

namespace mlchain::codec {
namespace {

using testing::parse_or_die;

// A document with one field of every kind, as parse() builds it.
const Json& doc() {
  static const Json kDoc = parse_or_die(R"({
    "name": "node-1", "height": 42, "neg": -5, "big": 18446744073709551615,
    "int_max": 9223372036854775807, "flag": true, "nothing": null,
    "key": "00ff10ab", "upper": "00FF", "odd": "abc", "nonhex": "zz",
    "obj": {"a": 1}, "list": [1, 2, 3]
  })");
  return kDoc;
}

template <typename T>
std::string error_of(const Result<T>& r) {
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  return r.status().message();
}

std::string error_of(const Status& s) {
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  return s.message();
}

TEST(Fields, RequireObject) {
  EXPECT_TRUE(require_object(doc(), "block").ok());
  EXPECT_EQ(error_of(require_object(Json::array(), "block")), "block: expected an object, got array");
  EXPECT_EQ(error_of(require_object(Json(nullptr), "vote")), "vote: expected an object, got null");
}

TEST(Fields, OnlyFieldsNamesTheUnexpectedKey) {
  Json v = parse_or_die(R"({"a":1,"b":2})");
  EXPECT_TRUE(only_fields(v, {"a", "b", "c"}, "header").ok());
  EXPECT_EQ(error_of(only_fields(v, {"a"}, "header")), "header: unexpected field 'b' (allowed: a)");
  EXPECT_EQ(error_of(only_fields(v, {}, "header")), "header: unexpected field 'a' (allowed: none)");
  EXPECT_EQ(error_of(only_fields(Json(3), {"a"}, "header")), "header: expected an object, got integer");
  // A hostile key is quoted printable and bounded.
  Json hostile = Json::object({{"\x1b[31m" + std::string(100, 'k'), 1}});
  EXPECT_EQ(error_of(only_fields(hostile, {"a", "b"}, "header")),
            "header: unexpected field '\\x1b[31m" + std::string(59, 'k') + "...(105 bytes)' (allowed: a, b)");
}

TEST(Fields, GetString) {
  EXPECT_EQ(*get_string(doc(), "name"), "node-1");
  EXPECT_EQ(error_of(get_string(doc(), "height")), "field 'height': expected a string, got integer");
  EXPECT_EQ(error_of(get_string(doc(), "nothing")), "field 'nothing': expected a string, got null");
  EXPECT_EQ(error_of(get_string(doc(), "absent")), "field 'absent': missing (expected a string)");
  EXPECT_EQ(error_of(get_string(doc(), "name", 5)), "field 'name': string of 6 bytes exceeds the limit of 5 bytes");
  EXPECT_TRUE(get_string(doc(), "name", 6).ok());
  EXPECT_EQ(error_of(get_string(Json::array(), "name")),
            "field 'name': cannot be read from array (expected an object)");
}

TEST(Fields, GetUint) {
  EXPECT_EQ(*get_uint(doc(), "height"), 42u);
  EXPECT_EQ(*get_uint(doc(), "big"), std::numeric_limits<std::uint64_t>::max());
  // A non-negative signed integer (as code builds them) is accepted.
  EXPECT_EQ(*get_uint(Json{{"h", std::int64_t{7}}}, "h"), 7u);
  EXPECT_EQ(error_of(get_uint(doc(), "neg")), "field 'neg': expected an unsigned integer, got negative integer");
  EXPECT_EQ(error_of(get_uint(doc(), "name")), "field 'name': expected an unsigned integer, got string");
  EXPECT_EQ(error_of(get_uint(Json{{"h", 1.5}}, "h")),
            "field 'h': expected an unsigned integer, got floating-point number");
  EXPECT_EQ(error_of(get_uint(doc(), "absent")), "field 'absent': missing (expected an unsigned integer)");
}

TEST(Fields, GetInt) {
  EXPECT_EQ(*get_int(doc(), "neg"), -5);
  EXPECT_EQ(*get_int(doc(), "height"), 42);
  EXPECT_EQ(*get_int(doc(), "int_max"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(error_of(get_int(doc(), "big")),
            "field 'big': integer 18446744073709551615 is out of range for a signed 64-bit integer");
  EXPECT_EQ(error_of(get_int(doc(), "flag")), "field 'flag': expected a signed integer, got boolean");
  EXPECT_EQ(error_of(get_int(doc(), "absent")), "field 'absent': missing (expected a signed integer)");
}

TEST(Fields, GetBool) {
  EXPECT_TRUE(*get_bool(doc(), "flag"));
  EXPECT_EQ(error_of(get_bool(doc(), "height")), "field 'height': expected a boolean, got integer");
  EXPECT_EQ(error_of(get_bool(doc(), "absent")), "field 'absent': missing (expected a boolean)");
}

TEST(Fields, GetHex) {
  EXPECT_EQ(*get_hex(doc(), "key"), (Bytes{0x00, 0xff, 0x10, 0xab}));
  EXPECT_EQ(*get_hex(doc(), "key", 4), (Bytes{0x00, 0xff, 0x10, 0xab}));
  EXPECT_EQ(error_of(get_hex(doc(), "key", 32)), "field 'key': expected 32 bytes (64 hex characters), got 4 bytes");
  EXPECT_EQ(error_of(get_hex(doc(), "upper")), "field 'upper': expected lower-case hex, got 'F' at offset 2");
  EXPECT_EQ(error_of(get_hex(doc(), "nonhex")), "field 'nonhex': expected lower-case hex, got 'z' at offset 0");
  EXPECT_EQ(error_of(get_hex(doc(), "odd")), "field 'odd': hex string has odd length 3");
  EXPECT_EQ(error_of(get_hex(doc(), "height")), "field 'height': expected a lower-case hex string, got integer");
  EXPECT_EQ(error_of(get_hex(doc(), "absent")), "field 'absent': missing (expected a lower-case hex string)");
  EXPECT_EQ(*get_hex(Json{{"e", ""}}, "e"), Bytes{});
}

TEST(Fields, GetObjectAndArray) {
  EXPECT_EQ(*get_object(doc(), "obj"), (Json{{"a", 1}}));
  EXPECT_EQ(error_of(get_object(doc(), "list")), "field 'list': expected an object, got array");
  EXPECT_EQ(error_of(get_object(doc(), "absent")), "field 'absent': missing (expected an object)");

  EXPECT_EQ(*get_array(doc(), "list"), Json::array({1, 2, 3}));
  EXPECT_TRUE(get_array(doc(), "list", 3).ok());
  EXPECT_EQ(error_of(get_array(doc(), "list", 2)), "field 'list': array of 3 items exceeds the limit of 2 items");
  EXPECT_EQ(error_of(get_array(doc(), "obj")), "field 'obj': expected an array, got object");
  EXPECT_EQ(error_of(get_array(doc(), "absent")), "field 'absent': missing (expected an array)");
}

TEST(Fields, OptionalVariants) {
  EXPECT_EQ(*get_optional_string(doc(), "name"), std::optional<std::string>("node-1"));
  EXPECT_EQ(*get_optional_string(doc(), "absent"), std::nullopt);
  EXPECT_EQ(*get_optional_string(doc(), "nothing"), std::nullopt);
  EXPECT_EQ(error_of(get_optional_string(doc(), "height")), "field 'height': expected a string, got integer");
  EXPECT_EQ(error_of(get_optional_string(doc(), "name", 2)),
            "field 'name': string of 6 bytes exceeds the limit of 2 bytes");

  EXPECT_EQ(*get_optional_uint(doc(), "height"), std::optional<std::uint64_t>(42));
  EXPECT_EQ(*get_optional_uint(doc(), "absent"), std::nullopt);
  EXPECT_EQ(*get_optional_uint(doc(), "nothing"), std::nullopt);
  EXPECT_EQ(error_of(get_optional_uint(doc(), "neg")),
            "field 'neg': expected an unsigned integer, got negative integer");
  EXPECT_EQ(error_of(get_optional_uint(Json::array(), "x")),
            "field 'x': cannot be read from array (expected an object)");
}

}  // namespace
}  // namespace mlchain::codec
