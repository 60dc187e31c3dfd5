// canonical() and pretty(): known encodings, key-order independence, round
// trips, and refusal of what has no canonical form.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>

#include "mlchain/codec/json.h"
#include "unit/codec/test_util.h"

namespace mlchain::codec {
namespace {

using testing::canonical_or_die;
using ::testing::HasSubstr;
using testing::is_printable_ascii;
using testing::parse_or_die;

// Arrays nested `depth` deep, built without recursion.
Json nested_arrays(std::size_t depth) {
  Json root = Json::array();
  Json* current = &root;
  for (std::size_t i = 1; i < depth; ++i) {
    current->push_back(Json::array());
    current = &current->back();
  }
  return root;
}

TEST(Canonical, KnownEncodings) {
  EXPECT_EQ(
      canonical_or_die(parse_or_die(R"( { "b" : 1, "a" : [ true, false, null ], "c" : { "z" : "x", "y" : -1 } } )")),
      R"({"a":[true,false,null],"b":1,"c":{"y":-1,"z":"x"}})");
  EXPECT_EQ(canonical_or_die(parse_or_die(R"({"a":{},"b":[],"c":""})")), R"({"a":{},"b":[],"c":""})");
  EXPECT_EQ(canonical_or_die(Json::object()), "{}");
  EXPECT_EQ(canonical_or_die(Json(nullptr)), "null");
  EXPECT_EQ(canonical_or_die(Json::array({Json::array({Json::array({1})}), Json::object({{"k", Json::array()}})})),
            R"([[[1]],{"k":[]}])");
}

// canonical() writes most values itself (a fast path) and leaves the rest to
// nlohmann's dump(), which defines the form: the two must never differ. Random
// values mixing what the fast path takes (printable ASCII, integers at both
// ranges' edges) with what it hands over (escapes, DEL, UTF-8, invalid UTF-8).
TEST(Canonical, FastPathWritesExactlyWhatDumpWrites) {
  std::mt19937_64 rng(20261207);
  const std::vector<std::string> strings = {
      "",        "abc",  "00ff",      "a\"b",     "back\\slash", "tab\t",   std::string("\x7f"),
      "\xc3\xa9", "ctl\x01", "\xe2\x82\xac", "/slash", "~tilde", std::string(1, '\0'), "\xff"};
  const std::vector<Json> scalars = {Json(nullptr), Json(true), Json(false), Json(0), Json(-1),
                                     Json(std::numeric_limits<std::int64_t>::min()),
                                     Json(std::numeric_limits<std::int64_t>::max()),
                                     Json(std::numeric_limits<std::uint64_t>::max())};
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  std::function<Json(int)> make = [&](int depth) -> Json {
    switch (depth > 3 ? pick(2) : pick(4)) {
      case 0: return scalars[pick(scalars.size())];
      case 1: return strings[pick(strings.size())];
      case 2: {
        Json a = Json::array();
        for (std::size_t i = pick(4); i > 0; --i) a.push_back(make(depth + 1));
        return a;
      }
      default: {
        Json o = Json::object();
        for (std::size_t i = pick(4); i > 0; --i) o[strings[pick(strings.size())]] = make(depth + 1);
        return o;
      }
    }
  };
  int fast = 0, invalid = 0;
  for (int i = 0; i < 5000; ++i) {
    Json v = make(0);
    std::string expected;
    try {
      expected = v.dump(-1, ' ', false, Json::error_handler_t::strict);
    } catch (const Json::exception&) {
      EXPECT_FALSE(canonical(v).ok()) << "accepted invalid UTF-8: " << v.dump(-1, ' ', true, Json::error_handler_t::replace);
      ++invalid;
      continue;
    }
    auto got = canonical(v);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_EQ(*got, expected);
    if (expected.find_first_of("\\\x7f\x80\xc3\xe2") == std::string::npos) ++fast;
  }
  EXPECT_GT(fast, 500);  // both paths were exercised
  EXPECT_GT(invalid, 100);
}

TEST(Canonical, NumbersAtTheEdgesOfBothRanges) {
  Json v = Json::array({std::numeric_limits<std::int64_t>::min(), -1, 0, std::numeric_limits<std::int64_t>::max(),
                        std::numeric_limits<std::uint64_t>::max()});
  EXPECT_EQ(canonical_or_die(v), "[-9223372036854775808,-1,0,9223372036854775807,18446744073709551615]");
  EXPECT_EQ(canonical_or_die(parse_or_die("[-9223372036854775808,-0,18446744073709551615]")),
            "[-9223372036854775808,0,18446744073709551615]");
}

TEST(Canonical, StringsUseMinimalEscapes) {
  // Quote, backslash and control characters are escaped ("\n" style where
  // JSON has one, else \u00XX in lower case); '/', DEL and non-ASCII are not.
  Json v = std::string("line\nbreak\x01tab\t\"q\" back\\ slash/ \b\f\r\x1f\x7f");
  EXPECT_EQ(canonical_or_die(v), "\"line\\nbreak\\u0001tab\\t\\\"q\\\" back\\\\ slash/ \\b\\f\\r\\u001f\x7f\"");
  EXPECT_EQ(canonical_or_die(parse_or_die(R"("\u00e9 \u20ac \ud83d\ude00 \/ \u0041")")),
            "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 / A\"");
}

TEST(Canonical, KeysAreSortedByTheirUtf8Bytes) {
  Json v = parse_or_die(R"({"é":1,"z":2,"Z":3,"a":4,"aa":5,"":6,"\u0001":7})");
  EXPECT_EQ(canonical_or_die(v), "{\"\":6,\"\\u0001\":7,\"Z\":3,\"a\":4,\"aa\":5,\"z\":2,\"\xc3\xa9\":1}");
}

TEST(Canonical, IndependentOfInsertionOrder) {
  Json a;
  a["zeta"] = 1;
  a["alpha"]["y"] = Json::array({1, 2});
  a["alpha"]["x"] = "s";
  a["mid"] = nullptr;

  Json b;
  b["mid"] = nullptr;
  b["alpha"]["x"] = "s";
  b["alpha"]["y"] = Json::array({1, 2});
  b["zeta"] = 1;

  EXPECT_EQ(canonical_or_die(a), canonical_or_die(b));
  EXPECT_EQ(canonical_or_die(a), R"({"alpha":{"x":"s","y":[1,2]},"mid":null,"zeta":1})");
  EXPECT_EQ(canonical_or_die(parse_or_die(R"({"zeta":1,"mid":null,"alpha":{"y":[1,2],"x":"s"}})")),
            canonical_or_die(a));
}

TEST(Canonical, OrderedJsonIsWhyTheValueTypeMustBeJson) {
  // ordered_json keeps insertion order and would sign different bytes;
  // converted to codec::Json its keys are sorted again.
  nlohmann::ordered_json ordered;
  ordered["b"] = 1;
  ordered["a"] = 2;
  EXPECT_EQ(ordered.dump(), R"({"b":1,"a":2})");
  EXPECT_EQ(canonical_or_die(Json(ordered)), R"({"a":2,"b":1})");
}

TEST(Canonical, BytesTellUnsignedFromSignedWhenEqualityDoesNot) {
  // nlohmann's == casts uint64 to int64: 2^64-1 "equals" -1. canonical doesn't.
  Json umax = std::numeric_limits<std::uint64_t>::max();
  Json minus_one = -1;
  EXPECT_TRUE(umax == minus_one);
  EXPECT_NE(canonical_or_die(umax), canonical_or_die(minus_one));
}

TEST(Canonical, RoundTripsThroughParse) {
  for (const char* text : {
           R"({"b":[1,-2,{"c":"d"}],"a":{"x":null,"y":true}})",
           R"([[],[[]],{},{"":{"":[""]}}])",
           R"(["\u0000\u001f\"\\\/\b\f\n\r\t", "\u00ff\uffff\ud800\udc00"])",
           R"({"n":18446744073709551615,"m":-9223372036854775808,"z":0})",
           "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
       }) {
    SCOPED_TRACE(text);
    Json v = parse_or_die(text);
    std::string c = canonical_or_die(v);
    Json again = parse_or_die(c);
    EXPECT_EQ(again, v);
    EXPECT_EQ(canonical_or_die(again), c);
  }
}

TEST(Canonical, BytesMatchTheString) {
  Json v = parse_or_die(R"({"b":1,"a":"\u00e9"})");
  Result<Bytes> bytes = canonical_bytes(v);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, to_bytes(canonical_or_die(v)));
}

TEST(Canonical, RefusesFloatsAndNamesWhere) {
  Status s = canonical(Json(1.5)).status();
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "floating-point number at the root is not allowed in canonical JSON; encode as integer or string");

  Json nested = {{"a", Json::array({1, {{"b/c~", 2.5}}})}};
  s = canonical(nested).status();
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("floating-point number at /a/1/b~1c~0 is not allowed"));

  EXPECT_EQ(canonical(Json(-0.0)).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(canonical(Json(std::nan(""))).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(canonical(Json(2.0)).status().code(), ErrorCode::kInvalidArgument);  // integral, still a float
  EXPECT_FALSE(canonical_bytes(nested).ok());
}

TEST(Canonical, RefusesInvalidUtf8BuiltInCode) {
  for (const Json& v : {Json("ab\xff"), Json::array({"\xc3"}), Json::object({{"\xed\xa0\x80", 1}})}) {
    Status s = canonical(v).status();
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("is not valid UTF-8"));
    EXPECT_TRUE(is_printable_ascii(s.message())) << s.message();
  }
}

TEST(Canonical, RefusesValuesWithoutAJsonEncoding) {
  Status s = canonical(Json::binary({1, 2, 3})).status();
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "binary value at the root has no JSON encoding");
  EXPECT_EQ(canonical(Json(Json::value_t::discarded)).status().code(), ErrorCode::kInvalidArgument);
}

TEST(Canonical, DepthIsBoundedForValuesBuiltInCode) {
  EXPECT_EQ(canonical_or_die(nested_arrays(kMaxValueDepth)),
            std::string(kMaxValueDepth, '[') + std::string(kMaxValueDepth, ']'));
  Status s = canonical(nested_arrays(kMaxValueDepth + 1)).status();
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("value nested deeper than 256 levels (at /0/0/0"));

  // Far deeper than any stack would survive recursively: refused, and the
  // value is destroyed without recursion too.
  Json deep = nested_arrays(100'000);
  EXPECT_EQ(canonical(deep).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(pretty(deep), HasSubstr("<not shown: value nested deeper than 256 levels"));
}

TEST(Pretty, IndentsTwoSpacesWithSortedKeys) {
  Json v = parse_or_die(R"({"b":[1,2],"a":"x"})");
  EXPECT_EQ(pretty(v), "{\n  \"a\": \"x\",\n  \"b\": [\n    1,\n    2\n  ]\n}");
}

TEST(Pretty, ShowsWhatCanonicalRefuses) {
  EXPECT_EQ(pretty(Json::object({{"f", 1.5}})), "{\n  \"f\": 1.5\n}");
  EXPECT_EQ(pretty(Json("a\xff")), "\"a\xef\xbf\xbd\"");  // U+FFFD
}

}  // namespace
}  // namespace mlchain::codec
