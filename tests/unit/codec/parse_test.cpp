// parse(): what it accepts, and every refusal with its code and byte offset.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "mlchain/codec/json.h"
#include "unit/codec/test_util.h"

namespace mlchain::codec {
namespace {

using ::testing::HasSubstr;
using testing::is_printable_ascii;
using testing::parse_failure;
using testing::parse_or_die;

TEST(Parse, AcceptsEveryKindOfValue) {
  Json v = parse_or_die(R"( {"n":null,"t":true,"f":false,"i":-7,"u":7,"s":"x","a":[1,[]],"o":{}} )");
  ASSERT_TRUE(v.is_object());
  EXPECT_TRUE(v["n"].is_null());
  EXPECT_EQ(v["t"], true);
  EXPECT_EQ(v["f"], false);
  EXPECT_TRUE(v["i"].is_number_integer());
  EXPECT_EQ(v["i"].get<std::int64_t>(), -7);
  EXPECT_TRUE(v["u"].is_number_unsigned());
  EXPECT_EQ(v["u"].get<std::uint64_t>(), 7u);
  EXPECT_EQ(v["s"], "x");
  EXPECT_EQ(v["a"], Json::array({1, Json::array()}));
  EXPECT_EQ(v["o"], Json::object());
}

TEST(Parse, AcceptsScalarsAtTheTopLevel) {
  EXPECT_EQ(parse_or_die("null"), Json(nullptr));
  EXPECT_EQ(parse_or_die("\"\""), Json(""));
  EXPECT_EQ(parse_or_die("0"), Json(0));
  EXPECT_EQ(parse_or_die(" \t\r\n42 \t\r\n"), Json(42));
}

TEST(Parse, IntegersCoverBothSixtyFourBitRanges) {
  Json umax = parse_or_die("18446744073709551615");
  ASSERT_TRUE(umax.is_number_unsigned());
  EXPECT_EQ(umax.get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  Json imin = parse_or_die("-9223372036854775808");
  ASSERT_TRUE(imin.is_number_integer());
  EXPECT_EQ(imin.get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  // "-0" is the integer 0 (only -0.0 is a float).
  Json zero = parse_or_die("-0");
  EXPECT_TRUE(zero.is_number_integer());
  EXPECT_EQ(zero.get<std::int64_t>(), 0);
}

TEST(Parse, DecodesEscapesToUtf8) {
  Json v = parse_or_die(R"(["\u00e9\ud83d\ude00", "\n\t\"\\\/", "\u0001"])");
  EXPECT_EQ(v[0], "\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(v[1], "\n\t\"\\/");
  EXPECT_EQ(v[2], std::string("\x01"));
}

struct Refusal {
  const char* name;
  std::string text;
  std::string message;  // a substring of the expected message
};

void expect_refusals(const std::vector<Refusal>& cases, ErrorCode code) {
  for (const Refusal& c : cases) {
    SCOPED_TRACE(c.name);
    Status s = parse_failure(c.text);
    EXPECT_EQ(s.code(), code) << s.to_string();
    EXPECT_THAT(s.message(), HasSubstr(c.message));
    EXPECT_TRUE(is_printable_ascii(s.message())) << s.message();
  }
}

TEST(Parse, RefusesMalformedTextWithTheBytePosition) {
  expect_refusals(
      {
          {"empty", "", "malformed JSON at byte 0: "},
          {"only whitespace", "  ", "malformed JSON at byte 2: "},
          {"truncated array", "[1,2", "malformed JSON at byte 4: "},
          {"truncated object", R"({"a":1)", "malformed JSON at byte 6: "},
          {"truncated string", R"("abc)", "missing closing quote"},
          {"truncated literal", "tru", "malformed JSON at byte 3: "},
          {"trailing comma in array", "[1,]", "malformed JSON at byte 3: "},
          {"trailing comma in object", R"({"a":1,})", "malformed JSON at byte 7: "},
          {"single quotes", "{'a':1}", "malformed JSON at byte 1: "},
          {"NaN", "NaN", "malformed JSON at byte 0: "},
          {"NaN in array", "[NaN]", "malformed JSON at byte 1: "},
          {"Infinity", "-Infinity", "malformed JSON at byte 1: "},
          {"leading garbage", "x[1]", "malformed JSON at byte 0: "},
          {"leading plus", "+1", "malformed JSON at byte 0: "},
          {"leading zero", "01", "malformed JSON at byte 1: "},
          {"trailing garbage", "[1] x", "malformed JSON at byte 4: "},
          {"two values", "[1][2]", "malformed JSON at byte 3: "},
          {"two numbers", "1 2", "malformed JSON at byte 2: "},
          {"comment", "// c\n1", "malformed JSON at byte 0: "},
          {"missing colon", R"({"a" 1})", "malformed JSON at byte 5: "},
          {"unquoted key", "{a:1}", "malformed JSON at byte 1: "},
          {"raw tab in string", "\"\t\"", "control character U+0009"},
          {"bad escape", R"("\x41")", "malformed JSON at byte 2: "},
          {"half a BOM", "\xEF\xBB[]", "invalid BOM"},
      },
      ErrorCode::kInvalidArgument);
}

TEST(Parse, MalformedMessageKeepsNlohmannsExplanation) {
  Status s = parse_failure("[1] x");
  EXPECT_EQ(s.message(),
            "malformed JSON at byte 4: parse error at line 1, column 5: syntax error while parsing value - "
            "invalid literal; last read: '1] x'; expected end of input");
}

TEST(Parse, RefusesAByteOrderMark) {
  Status s = parse_failure("\xEF\xBB\xBF[]");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("byte order mark at byte 0"));
}

TEST(Parse, RefusesNulBytesEvenAfterACompleteValue) {
  // nlohmann alone takes NUL for the end of the input and accepts "[1]".
  Status s = parse_failure(std::string_view("[1]\0[2]", 7));
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "NUL byte at byte 3 is not allowed in JSON text");
  EXPECT_EQ(parse_failure(std::string_view("\"a\0b\"", 5)).code(), ErrorCode::kInvalidArgument);
}

TEST(Parse, RefusesFloatsWhereverTheyAre) {
  const std::string kAdvice = "; encode as integer or string";
  expect_refusals(
      {
          {"fraction", "1.5", "floating-point numbers are not allowed (at byte 0)" + kAdvice},
          {"exponent", "1e3", "floating-point numbers are not allowed (at byte 0)" + kAdvice},
          {"upper exponent", "1E+2", "floating-point numbers are not allowed (at byte 0)" + kAdvice},
          {"negative zero", "-0.0", "floating-point numbers are not allowed (at byte 0)" + kAdvice},
          {"in an array", "[1, 2.0]", "floating-point numbers are not allowed (at byte 4)" + kAdvice},
          {"in an object", R"({"a":0.1})", "floating-point numbers are not allowed (at byte 5)" + kAdvice},
          {"beyond double", "[1e400]", "floating-point numbers are not allowed (at byte 1)" + kAdvice},
      },
      ErrorCode::kInvalidArgument);
}

TEST(Parse, RefusesIntegersBeyondSixtyFourBits) {
  expect_refusals(
      {
          {"uint64 max + 1", "18446744073709551616", "integer 18446744073709551616 is out of range (at byte 0)"},
          {"int64 min - 1", "[-9223372036854775809]", "integer -9223372036854775809 is out of range (at byte 1)"},
      },
      ErrorCode::kInvalidArgument);
}

TEST(Parse, RefusesDuplicateKeys) {
  expect_refusals(
      {
          {"plain", R"({"a":1,"a":2})", "duplicate object key 'a' (at byte 9)"},
          {"same after unescaping", R"({"a":1,"\u0061":2})", "duplicate object key 'a' (at byte 14)"},
          {"nested", R"({"x":{"b":[],"b":{}}})", "duplicate object key 'b'"},
          {"same value", R"({"k":true,"k":true})", "duplicate object key 'k'"},
      },
      ErrorCode::kInvalidArgument);
  // The same key in sibling objects is fine.
  EXPECT_TRUE(parse(R"([{"a":1},{"a":2}])").ok());
}

TEST(Parse, RefusesInvalidUtf8) {
  expect_refusals(
      {
          {"stray continuation byte", "\"\xff\"", "ill-formed UTF-8 byte"},
          {"overlong slash", "\"\xc0\xaf\"", "ill-formed UTF-8 byte"},
          {"encoded surrogate", "\"\xed\xa0\x80\"", "ill-formed UTF-8 byte"},
          {"truncated sequence", "\"\xc3\"", "ill-formed UTF-8 byte"},
          {"beyond U+10FFFF", "\"\xf4\x90\x80\x80\"", "ill-formed UTF-8 byte"},
          {"in a key", "{\"\xff\":1}", "malformed JSON at byte 2: "},
          {"outside a string", "[\xff]", "malformed JSON at byte 1: "},
          {"lone high surrogate escape", R"("\ud800")", "surrogate U+D800..U+DBFF must be followed"},
          {"lone low surrogate escape", R"("\udc00")", "surrogate U+DC00..U+DFFF must follow"},
      },
      ErrorCode::kInvalidArgument);
  // The offending byte is quoted as an escape, not copied raw.
  EXPECT_THAT(parse_failure("\"ab\xff\"").message(), HasSubstr("last read: '\"ab\\xff'"));
}

TEST(Parse, MessagesQuoteOnlyABoundedTailOfTheInput) {
  std::string text = "\"" + std::string(500'000, 'a') + "\xff\"";
  Status s = parse_failure(text);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("malformed JSON at byte 500001: "));
  EXPECT_LT(s.message().size(), 400u);
  EXPECT_TRUE(is_printable_ascii(s.message()));
}

TEST(Parse, RefusesATenMegabyteDocumentBeforeParsing) {
  std::string text = "[" + std::string(10 * 1024 * 1024, ' ') + "]";
  Status s = parse_failure(text);
  EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "JSON document of 10485762 bytes exceeds the limit of 1048576 bytes");
  ParseLimits exact;
  exact.max_bytes = 7;
  EXPECT_TRUE(parse("[1,2,3]", exact).ok());
  EXPECT_EQ(parse_failure("[1,2,34]", exact).code(), ErrorCode::kResourceExhausted);
}

TEST(Parse, RefusesTenMegabytesOfNestingWhenTheSizeLimitAllowsIt) {
  ParseLimits big;
  big.max_bytes = 16 * 1024 * 1024;
  Status s = parse_failure(std::string(10 * 1024 * 1024, '['), big);
  EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "nesting deeper than 32 levels (at byte 32)");
}

TEST(Parse, RefusesDeepArrays) {
  constexpr std::size_t kDepth = 100'000;
  // Unterminated and complete nesting alike stop at the 33rd bracket.
  for (const std::string& text : {std::string(kDepth, '['), std::string(kDepth, '[') + std::string(kDepth, ']')}) {
    Status s = parse_failure(text);
    EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted);
    EXPECT_EQ(s.message(), "nesting deeper than 32 levels (at byte 32)");
  }
}

TEST(Parse, RefusesDeepObjects) {
  constexpr std::size_t kDepth = 100'000;
  std::string text;
  text.reserve(kDepth * 6 + kDepth);
  for (std::size_t i = 0; i < kDepth; ++i) text += "{\"a\":";
  text += "1";
  text += std::string(kDepth, '}');
  Status s = parse_failure(text, ParseLimits{.max_bytes = text.size()});
  EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "nesting deeper than 32 levels (at byte 160)");
}

TEST(Parse, DepthLimitIsExact) {
  auto nested = [](std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_TRUE(parse(nested(32)).ok());
  EXPECT_EQ(parse_failure(nested(33)).code(), ErrorCode::kResourceExhausted);
  ParseLimits flat;
  flat.max_depth = 0;
  EXPECT_TRUE(parse("7", flat).ok());
  EXPECT_EQ(parse_failure("[]", flat).message(), "nesting deeper than 0 levels (at byte 0)");
}

TEST(Parse, RefusesStringsAndKeysBeyondTheLimit) {
  ParseLimits limits;
  limits.max_bytes = 8 * 1024 * 1024;
  const std::string huge(2 * 1024 * 1024, 'x');
  Status s = parse_failure("[\"" + huge + "\"]", limits);
  EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "string of 2097152 bytes exceeds the limit of 1048576 bytes (ending at byte 2097154)");
  s = parse_failure("{\"" + huge + "\":1}", limits);
  EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("object key of 2097152 bytes exceeds the limit of 1048576 bytes"));

  ParseLimits small;
  small.max_string_bytes = 3;
  EXPECT_TRUE(parse(R"({"abc":"xyz"})", small).ok());
  // The limit is on decoded bytes: "\u00e9\u00e9" is 4 bytes of UTF-8.
  EXPECT_EQ(parse_failure(R"(["\u00e9\u00e9"])", small).code(), ErrorCode::kResourceExhausted);
}

TEST(Parse, RefusesTooManyElements) {
  ParseLimits limits;
  limits.max_elements = 10;
  // Every value counts, containers included: the array and 9 items are 10.
  EXPECT_TRUE(parse("[1,2,3,4,5,6,7,8,9]", limits).ok());
  Status s = parse_failure("[1,2,3,4,5,6,7,8,9,10]", limits);
  EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "more than 10 values in the document (at byte 19)");
  EXPECT_EQ(parse_failure(R"({"a":[{},{},{},{},{},{},{},{},{},{}]})", limits).code(), ErrorCode::kResourceExhausted);

  std::string many = "[";
  for (int i = 0; i < 100'000; ++i) many += "0,";
  many += "0]";
  EXPECT_EQ(parse_failure(many).message(), "more than 100000 values in the document (at byte 199999)");
}

}  // namespace
}  // namespace mlchain::codec
