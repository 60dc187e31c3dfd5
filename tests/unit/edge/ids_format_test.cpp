// Identifiers and format documents: pure functions, no store.
#include <gtest/gtest.h>

#include "mlchain/crypto/hash.h"
#include "mlchain/edge/format.h"
#include "mlchain/edge/ids.h"
#include "mlchain/edge/object.h"
#include "mlchain/edge/request.h"

namespace mlchain::edge {
namespace {

using Json = codec::Json;

Json j(std::string_view text) { return codec::parse(text).value(); }

TEST(EdgeIds, LayerAndClassPaths) {
  EXPECT_TRUE(validate_layer_path("L2/L1a/E1").ok());
  EXPECT_TRUE(validate_layer_path("E1").ok());
  EXPECT_FALSE(validate_layer_path("").ok());
  EXPECT_FALSE(validate_layer_path("L2//E1").ok());
  EXPECT_FALSE(validate_layer_path("L2/E 1").ok());
  EXPECT_FALSE(validate_layer_path("/L2").ok());
  std::string longest;  // 16 segments of 32: valid segments, but over 256 bytes in all
  for (int i = 0; i < 16; ++i) longest += (i ? "/" : "") + std::string(32, 'a');
  EXPECT_FALSE(validate_layer_path(longest).ok());
  EXPECT_TRUE(validate_layer_path(longest.substr(0, 256)).ok());  // 8 segments, exactly 256 bytes
  EXPECT_TRUE(validate_class_path("Device/Sensor/Thermometer/Acme").ok());
  EXPECT_TRUE(validate_class_path("User/Individual/Jane.Doe").ok());
  EXPECT_FALSE(validate_class_path("Device/-x").ok());
  EXPECT_FALSE(validate_class_path("Device/Sensor/").ok());
  EXPECT_FALSE(validate_class_path("a/b/c/d/e/f/g/h/i").ok());
}

TEST(EdgeIds, UuidRoundTripAndStrictness) {
  auto u = parse_uuid("mlc:L2/L1a/E1/7f3c9a0b12d4e5f6");
  ASSERT_TRUE(u.ok()) << u.status().to_string();
  EXPECT_EQ(u->layer, "L2/L1a/E1");
  EXPECT_EQ(u->local_id, "7f3c9a0b12d4e5f6");
  EXPECT_EQ(u->str(), "mlc:L2/L1a/E1/7f3c9a0b12d4e5f6");
  EXPECT_FALSE(parse_uuid("L2/L1a/E1/7f3c9a0b12d4e5f6").ok());
  EXPECT_FALSE(parse_uuid("mlc:7f3c9a0b12d4e5f6").ok());
  EXPECT_FALSE(parse_uuid("mlc:E1/7F3C9A0B12D4E5F6").ok());  // lower-case only
  EXPECT_FALSE(parse_uuid("mlc:E1/7f3c9a0b12d4e5f").ok());
  EXPECT_FALSE(parse_uuid(std::string("mlc:E1/7f3c9a0b12d4e5f6\0", 24)).ok());
}

TEST(EdgeIds, ClassPrefixMatchesWholeSegments) {
  EXPECT_TRUE(class_matches("Device/Sensor/Thermometer", "Device/Sensor"));
  EXPECT_TRUE(class_matches("Device/Sensor", "Device/Sensor"));
  EXPECT_FALSE(class_matches("Device/SensorX", "Device/Sensor"));
  EXPECT_FALSE(class_matches("Device", "Device/Sensor"));
  EXPECT_FALSE(class_matches("Device", ""));
}

TEST(EdgePermissions, SyntaxAndMatching) {
  EXPECT_TRUE(validate_permission("upload").ok());
  EXPECT_TRUE(validate_permission("talk:*").ok());
  EXPECT_TRUE(validate_permission("talk:mlc:E1/0123456789abcdef").ok());
  EXPECT_TRUE(validate_permission("talk:class:Device/Actuator").ok());
  EXPECT_FALSE(validate_permission("talk:").ok());
  EXPECT_FALSE(validate_permission("talk:class:").ok());
  EXPECT_FALSE(validate_permission("admin").ok());
  std::vector<std::string> p = {"talk:class:Device/Actuator", "talk:mlc:E1/0123456789abcdef"};
  EXPECT_TRUE(may_talk(p, "mlc:E1/aaaaaaaaaaaaaaaa", "Device/Actuator/Valve"));
  EXPECT_TRUE(may_talk(p, "mlc:E1/0123456789abcdef", "User/Bob"));
  EXPECT_FALSE(may_talk(p, "mlc:E1/aaaaaaaaaaaaaaaa", "Device/Sensor"));
  EXPECT_FALSE(may_upload(p));
  EXPECT_TRUE(may_talk({"talk:*"}, "mlc:E1/aaaaaaaaaaaaaaaa", "X"));
}

const char* kThermometer = R"({
  "type": "object",
  "required": ["temp_cC"],
  "properties": {
    "temp_cC": {"type": "integer", "minimum": -5000, "maximum": 8000, "description": "centi-degrees C"},
    "unit": {"type": "string", "enum": ["C", "F"]},
    "ok": {"type": "boolean"},
    "tags": {"type": "array", "maxItems": 3, "items": {"type": "string", "maxLength": 4}}
  }
})";

TEST(EdgeFormat, AcceptsConformingData) {
  auto f = Format::compile(j(kThermometer));
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_TRUE(f->validate(j(R"({"temp_cC": 2137})")).ok());
  EXPECT_TRUE(f->validate(j(R"({"temp_cC": -5000, "unit": "C", "ok": true, "tags": ["a", "bcd"]})")).ok());
}

TEST(EdgeFormat, RefusesWithPathAndReason) {
  auto f = Format::compile(j(kThermometer)).value();
  auto msg = [&](std::string_view data) { return f.validate(j(data)).message(); };
  EXPECT_EQ(msg(R"({"temp_cC": 8001})"), "/temp_cC: 8001 is above the maximum 8000");
  EXPECT_EQ(msg(R"({"temp_cC": -5001})"), "/temp_cC: -5001 is below the minimum -5000");
  EXPECT_EQ(msg(R"({"unit": "C"})"), "/: missing required property 'temp_cC'");
  EXPECT_EQ(msg(R"({"temp_cC": "hot"})"), "/temp_cC: expected an integer, got string");
  EXPECT_EQ(msg(R"({"temp_cC": 1, "unit": "K"})"), "/unit: \"K\" is not one of the allowed values (enum)");
  EXPECT_EQ(msg(R"({"temp_cC": 1, "humidity": 3})"), "/: property 'humidity' is not allowed by the format");
  EXPECT_EQ(msg(R"({"temp_cC": 1, "tags": ["a", "toolong"]})"), "/tags/1: string longer than maxLength 4");
  EXPECT_EQ(msg(R"({"temp_cC": 1, "tags": ["a", "b", "c", "d"]})"), "/tags: more than maxItems 3 items");
  EXPECT_EQ(msg(R"({"temp_cC": 18446744073709551615})"), "/temp_cC: 18446744073709551615 is above the maximum 8000");
  EXPECT_EQ(msg(R"([1])"), "/: expected an object, got array");
}

TEST(EdgeFormat, CodePointsNotBytes) {
  auto f = Format::compile(j(R"({"type":"object","properties":{"s":{"type":"string","maxLength":2}}})")).value();
  EXPECT_TRUE(f.validate(j(R"({"s": "°C"})")).ok());  // 3 bytes, 2 code points
  EXPECT_FALSE(f.validate(j(R"({"s": "°CC"})")).ok());
}

TEST(EdgeFormat, SchemasAreCheckedAtCompile) {
  auto err = [](std::string_view schema) { return Format::compile(j(schema)).status().message(); };
  EXPECT_NE(err(R"({"type":"string"})").find("root must be"), std::string::npos);
  EXPECT_NE(err(R"({"type":"object","properties":{"x":{"type":"number"}}})").find("not supported"), std::string::npos);
  EXPECT_NE(
      err(R"({"type":"object","properties":{"x":{"type":"integer","pattern":"a"}}})").find("unknown keyword 'pattern'"),
      std::string::npos);
  EXPECT_NE(err(R"({"type":"object","required":["x"]})").find("not in 'properties'"), std::string::npos);
  EXPECT_NE(err(R"({"type":"object","properties":{"x":{"type":"integer","minimum":5,"maximum":1}}})").find("above"),
            std::string::npos);
  EXPECT_NE(err(R"({"type":"object","properties":{"x":{"type":"string","enum":[1]}}})").find("not of type string"),
            std::string::npos);
  EXPECT_NE(err(R"({"type":"object","properties":{"x":{}}})").find("format /properties/x: missing \"type\""),
            std::string::npos);
  // Depth bound: nine nested objects.
  std::string deep = R"({"type":"object"})";
  for (int i = 0; i < 9; ++i) deep = R"({"type":"object","properties":{"a":)" + deep + "}}";
  EXPECT_NE(err(deep).find("nested deeper"), std::string::npos);
  // Size bound.
  Json big = {{"type", "object"}, {"properties", Json::object()}};
  for (int i = 0; i < 200; ++i)
    big["properties"]["p" + std::to_string(i)] = {{"type", "string"}, {"description", std::string(100, 'x')}};
  EXPECT_NE(Format::compile(big).status().message().find("bytes; at most"), std::string::npos);
}

TEST(EdgeRequest, SigningStringIsDocumented) {
  // The worked example of docs/edge-requests.md.
  EXPECT_EQ(signing_string(Action::kUpload, "mlc:L2/L1a/E1/0123456789abcdef", 1, R"({"temp_cC":2137})"),
            "mlc-edge-v1\nupload\nmlc:L2/L1a/E1/0123456789abcdef\n1\n"
            "c8d681c370dea5143886fdf0ada91054ce96ca256a31f554fcee5c062b8ada79");
  // The HMAC of that example, as Python's hmac and `openssl dgst -mac HMAC` compute it.
  Bytes secret = from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f").value();
  std::string text = signing_string(Action::kUpload, "mlc:L2/L1a/E1/0123456789abcdef", 1, R"({"temp_cC":2137})");
  EXPECT_EQ(crypto::digest_hex(crypto::hmac_sha256(secret, as_bytes(text))),
            "1bb802b1806de0b90513012daad49008266d601442bc7416e78f3002b10032d3");
}

TEST(EdgeObject, SpecJsonIsStrict) {
  auto ok = spec_from_json(j(R"({"class":"Device/Sensor","permissions":["upload"],"credential":{"scheme":"hmac"}})"));
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(ok->credential.scheme, Scheme::kHmac);
  EXPECT_FALSE(spec_from_json(j(R"({"class":"Device","credential":{"scheme":"hmac"},"x":1})")).ok());
  EXPECT_FALSE(spec_from_json(j(R"({"class":"Device","credential":{"scheme":"ed25519"}})")).ok());
  EXPECT_FALSE(spec_from_json(j(R"({"class":"Device","credential":{"scheme":"hmac"},"permissions":["root"]})")).ok());
  EXPECT_FALSE(spec_from_json(j(R"({"class":"Device","credential":{"scheme":"hmac"},"static":{"a":[1]}})")).ok());
  EXPECT_FALSE(
      spec_from_json(j(R"({"class":"Device","credential":{"scheme":"hmac"},"format":{"type":"string"}})")).ok());
}

}  // namespace
}  // namespace mlchain::edge
