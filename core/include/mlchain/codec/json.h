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
// keeps keys sorted by their bytes, which is what makes canonical() a plain
// dump(). Never use nlohmann::ordered_json (insertion order) for anything that
// is hashed or signed. Other modules include this header, never nlohmann's.
//
// Integers: parse() yields number_unsigned for non-negative and
// number_integer for negative values; a value built in code may hold either.
// Both encode the same way. Beware that nlohmann's operator== compares an
// unsigned with a signed number after casting to int64 (2^64-1 == -1), so
// compare canonical() bytes when that difference matters.
//
// Thread safety: free functions on values; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "mlchain/common/bytes.h"
#include "mlchain/common/status.h"

namespace mlchain::codec {

using Json = nlohmann::json;

// Values nested deeper than this are refused by canonical() (it never
// recurses without bound, whatever a value built in code looks like).
inline constexpr std::size_t kMaxValueDepth = 256;

struct ParseLimits {
  std::size_t max_bytes = 1 << 20;         // whole document
  std::size_t max_depth = 32;              // nested arrays/objects ([] is depth 1)
  std::size_t max_string_bytes = 1 << 20;  // one string or key
  std::size_t max_elements = 100'000;      // values in the whole document
};

// Parses untrusted text: exactly one JSON value (RFC 8259), optionally
// surrounded by whitespace; no byte order mark, no comments. Errors:
//   ResourceExhausted: text larger than max_bytes (checked before parsing),
//     nesting deeper than max_depth, a string or key longer than
//     max_string_bytes, more than max_elements values.
//   InvalidArgument: malformed text, trailing or leading garbage, a float
//     (any number with a fraction or exponent, or an integer outside
//     int64/uint64), a duplicate object key, invalid UTF-8, a lone
//     surrogate escape, a raw NUL byte anywhere.
// Messages carry "at byte N": the 0-based offset where the problem was seen
// (the bracket that is too deep, the first byte of a float, the closing quote
// of an oversized string or duplicate key, the unexpected byte for syntax
// errors; text.size() for a truncated document). Bytes quoted from the input
// are shown as printable ASCII with \xNN escapes. Never throws; memory and
// stack use are bounded by the limits (nothing is built past max_depth).
Result<Json> parse(std::string_view text, const ParseLimits& limits = {});

// Canonical encoding. InvalidArgument if the value holds a float (the
// message gives its JSON pointer), a binary or discarded value, a string or
// key that is not valid UTF-8, or nesting deeper than kMaxValueDepth.
// Non-ASCII characters are written as UTF-8, not \u escapes; control
// characters as \n, \t, ... or \u00XX (lower-case hex); '/' is not escaped.
Result<std::string> canonical(const Json& value);
Result<Bytes> canonical_bytes(const Json& value);

// Pretty form for people (2-space indent, sorted keys). Not for hashing.
// Never fails: floats are printed, invalid UTF-8 becomes U+FFFD, and a value
// nested deeper than kMaxValueDepth prints as a short note saying so.
std::string pretty(const Json& value);

}  // namespace mlchain::codec
