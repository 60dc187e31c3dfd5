// A small deterministic fuzz loop: valid documents mutated by a seeded RNG.
// Every result must be a value or a clean error, and every value must survive
// canonical() -> parse() unchanged. A failure prints the seed and iteration.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "mlchain/codec/json.h"
#include "mlchain/common/rng.h"
#include "unit/codec/test_util.h"

namespace mlchain::codec {
namespace {

using testing::is_printable_ascii;

constexpr std::array<std::string_view, 8> kSeeds = {
    R"({"height":42,"parent":"00ff","votes":[{"from":1,"sig":"ab"},{"from":2,"sig":"cd"}],"ok":true})",
    R"([1,-2,18446744073709551615,-9223372036854775808,0,null,false,"x"])",
    R"({"a":{"b":{"c":{"d":[[[[]]]]}}},"e":""})",
    R"(["\u00e9\ud83d\ude00\n\u0001\"\\\/", "caf)"
    "\xc3\xa9"
    R"("])",
    R"({"k1":"v","k2":"v","k3":{"k1":[],"k2":{}}})",
    R"(  [ { "x" : 1 } , { "y" : [ 2 , 3 ] } ]  )",
    "\"plain string\"",
    "12345",
};

// Fragments that steer mutations toward interesting parser states.
// clang-format off
constexpr std::array<std::string_view, 24> kTokens = {
    "[", "]", "{", "}", ",", ":", "\"", "\\", "\\u", "\\ud800", "1.5", "1e9", "-", "0", "18446744073709551616",
    "null", "tru", "\"k\":", "\xff", "\xc3", "\xed\xa0\x80", " ", "\"a\":1,\"a\":2", "[[[[[[[[[",
};
// clang-format on

// A random valid document, written with random whitespace, key order and
// escapes, so the same value reaches the parser in many spellings.
class Generator {
 public:
  explicit Generator(Rng& rng) : rng_(rng) {}

  std::string document() {
    std::string out;
    value(out, 0);
    space(out);
    return out;
  }

 private:
  void space(std::string& out) {
    constexpr std::string_view kSpace = " \t\r\n";
    while (rng_.chance(1, 4)) out.push_back(kSpace[rng_.uniform(kSpace.size())]);
  }

  void string_value(std::string& out) {
    constexpr std::array<std::string_view, 12> kPieces = {
        "a", "Z", "0", " ", "\\n", "\\\"", "\\\\", "\\u00e9", "\\ud83d\\ude00", "\xc3\xa9", "\xe2\x82\xac", "\\u0041"};
    out.push_back('"');
    const std::uint64_t n = rng_.uniform(6);
    for (std::uint64_t i = 0; i < n; ++i) out += kPieces[rng_.uniform(kPieces.size())];
    out.push_back('"');
  }

  void value(std::string& out, int depth) {
    space(out);
    const std::uint64_t kind = rng_.uniform(depth >= 4 ? 6 : 8);
    switch (kind) {
      case 0:
        out += "null";
        break;
      case 1:
        out += rng_.chance(1, 2) ? "true" : "false";
        break;
      case 2:
        out += std::to_string(rng_.range(-1000, 1000));
        break;
      case 3:
        out += std::to_string(static_cast<std::int64_t>(rng_.next_u64()));
        break;
      case 4:
        out += std::to_string(rng_.next_u64());
        break;
      case 5:
        string_value(out);
        break;
      case 6: {
        out.push_back('[');
        const std::uint64_t n = rng_.uniform(5);
        for (std::uint64_t i = 0; i < n; ++i) {
          if (i > 0) out.push_back(',');
          value(out, depth + 1);
        }
        space(out);
        out.push_back(']');
        break;
      }
      default: {
        // Distinct keys in a random order.
        std::array<std::string_view, 6> keys = {"a", "b", "aa", "\\u00e9", "k\\n", "Z"};
        for (std::size_t i = keys.size() - 1; i > 0; --i) std::swap(keys[i], keys[rng_.uniform(i + 1)]);
        out.push_back('{');
        const std::uint64_t n = rng_.uniform(5);
        for (std::uint64_t i = 0; i < n; ++i) {
          if (i > 0) out.push_back(',');
          space(out);
          out += "\"" + std::string(keys[i]) + "\"";
          space(out);
          out.push_back(':');
          value(out, depth + 1);
        }
        space(out);
        out.push_back('}');
        break;
      }
    }
  }

  Rng& rng_;
};

// Checks what must hold for every accepted document: canonical() succeeds,
// is no longer than the input, parses back under the same limits to the same
// value, and is a fixed point.
void expect_stable(const Json& value, std::string_view text, const ParseLimits& limits) {
  Result<std::string> c = canonical(value);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  ASSERT_LE(c->size(), text.size());
  Result<Json> again = parse(*c, limits);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  ASSERT_EQ(*again, value);
  Result<std::string> c2 = canonical(*again);
  ASSERT_TRUE(c2.ok());
  ASSERT_EQ(*c2, *c);
}

TEST(CodecFuzz, GeneratedDocumentsParseAndRoundTrip) {
  constexpr std::uint64_t kSeed = 0x5EED;
  SeededRng rng(kSeed);
  Generator gen(rng);
  for (int i = 0; i < 5'000; ++i) {
    SCOPED_TRACE("seed " + std::to_string(kSeed) + ", iteration " + std::to_string(i));
    const std::string text = gen.document();
    Result<Json> parsed = parse(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status().to_string() << "\n" << text;
    expect_stable(*parsed, text, ParseLimits{});
  }
}

std::string mutate(std::string text, Rng& rng, std::uint64_t max_edits) {
  const std::uint64_t edits = 1 + rng.uniform(max_edits);
  for (std::uint64_t e = 0; e < edits; ++e) {
    const std::size_t pos = text.empty() ? 0 : rng.uniform(text.size() + 1);
    switch (rng.uniform(7)) {
      case 0:  // flip a bit
        if (pos < text.size()) text[pos] = static_cast<char>(text[pos] ^ (1 << rng.uniform(8)));
        break;
      case 1:  // random byte
        text.insert(pos, 1, static_cast<char>(rng.uniform(256)));
        break;
      case 2:  // delete a run
        if (pos < text.size()) text.erase(pos, 1 + rng.uniform(4));
        break;
      case 3:  // insert a token
        text.insert(pos, kTokens[rng.uniform(kTokens.size())]);
        break;
      case 4:  // duplicate a slice somewhere else
        if (pos < text.size()) {
          const std::string slice = text.substr(pos, 1 + rng.uniform(16));
          text.insert(rng.uniform(text.size() + 1), slice);
        }
        break;
      case 5:  // truncate
        text.resize(pos);
        break;
      default:  // splice two seeds
        text.insert(pos, kSeeds[rng.uniform(kSeeds.size())]);
        break;
    }
  }
  return text;
}

TEST(CodecFuzz, MutatedDocumentsAreParsedOrCleanlyRefused) {
  constexpr std::uint64_t kSeed = 0xC0DEC;
  constexpr int kIterations = 20'000;
  SeededRng rng(kSeed);
  Generator gen(rng);

  // Tight limits in some rounds so the resource paths are exercised too.
  ParseLimits tight;
  tight.max_bytes = 256;
  tight.max_depth = 4;
  tight.max_string_bytes = 16;
  tight.max_elements = 12;

  int accepted = 0;
  int refused = 0;
  for (int i = 0; i < kIterations; ++i) {
    SCOPED_TRACE("seed " + std::to_string(kSeed) + ", iteration " + std::to_string(i));
    std::string text = rng.chance(1, 2) ? std::string(kSeeds[rng.uniform(kSeeds.size())]) : gen.document();
    // Mostly one small edit (near-valid input reaches deep parser states),
    // sometimes a pile of them.
    const bool heavy = rng.chance(1, 4);
    const std::uint64_t rounds = heavy ? 1 + rng.uniform(3) : 1;
    for (std::uint64_t r = 0; r < rounds; ++r) text = mutate(std::move(text), rng, heavy ? 3 : 1);
    const ParseLimits limits = rng.chance(1, 4) ? tight : ParseLimits{};

    Result<Json> parsed = parse(text, limits);
    if (!parsed.ok()) {
      ++refused;
      const Status& s = parsed.status();
      ASSERT_TRUE(s.code() == ErrorCode::kInvalidArgument || s.code() == ErrorCode::kResourceExhausted)
          << s.to_string();
      ASSERT_FALSE(s.message().empty());
      ASSERT_TRUE(is_printable_ascii(s.message())) << s.message();
      continue;
    }
    ++accepted;
    expect_stable(*parsed, text, limits);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // The loop is only worth something if both outcomes are common.
  EXPECT_GT(accepted, kIterations / 10);
  EXPECT_GT(refused, kIterations / 2);
  RecordProperty("accepted", accepted);
  RecordProperty("refused", refused);
}

}  // namespace
}  // namespace mlchain::codec
