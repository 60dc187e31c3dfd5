// Canonical JSON: the one encoding hashed and signed anywhere in mlchain.
//
// Canonical form: object keys sorted by their UTF-8 bytes, no insignificant
// whitespace, integers only (signed or unsigned 64-bit; no floats, no NaN),
// strings UTF-8 with the minimal JSON escapes. Two equal values always encode
// to the same bytes, whatever order their keys were inserted in.
//
// Parsing untrusted input: parse() enforces ParseLimits (total size, nesting
// depth, string length, element count) before and while parsing, refuses
// floats, duplicate keys and invalid UTF-8, and never throws or crashes on
// bad input: the error says what was wrong and at which byte.
//
// nlohmann::json is the value type (codec::Json); its std::map object storage
// keeps keys sorted. Other modules include this header, never nlohmann's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mlchain/common/bytes.h"
#include "mlchain/common/status.h"

namespace mlchain::codec {

using Json = nlohmann::json;

struct ParseLimits {
  std::size_t max_bytes = 1 << 20;        // whole document
  std::size_t max_depth = 32;             // nested arrays/objects
  std::size_t max_string_bytes = 1 << 20; // one string or key
  std::size_t max_elements = 100'000;     // values in the whole document
};

// Parses untrusted text. Errors: InvalidArgument (malformed, float, duplicate
// key, bad UTF-8) or ResourceExhausted (a limit), with a byte offset.
Result<Json> parse(std::string_view text, const ParseLimits& limits = {});

// Canonical encoding. InvalidArgument if the value holds a float anywhere.
Result<std::string> canonical(const Json& value);
Result<Bytes> canonical_bytes(const Json& value);

// Pretty form for people (2-space indent, sorted keys). Not for hashing.
std::string pretty(const Json& value);

}  // namespace mlchain::codec
