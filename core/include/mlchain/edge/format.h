// Format documents: the schema an object's uploads must follow, a small
// subset of JSON Schema, checked by the central node (docs/edge-formats.md).
//
// Every schema node is a JSON object with a "type" and only the keywords of
// that type; unknown keywords are refused (so a keyword this subset does not
// implement, like "pattern", is never silently ignored):
//
//   any type  "type", "title", "description", "enum" (not for object/array)
//   object    "properties" {name: schema}, "required" [names], "additionalProperties" bool
//   string    "minLength", "maxLength" (code points), "enum" [strings]
//   integer   "minimum", "maximum" (inclusive, int64), "enum" [integers]
//   boolean   -
//   array     "items" schema, "minItems", "maxItems"
//
// Differences from JSON Schema, on purpose:
//   - "additionalProperties" defaults to FALSE: a property the schema does
//     not name is a violation unless the schema sets it to true;
//   - there is no "number": mlchain's codec refuses floats everywhere. Send
//     decimals as scaled integers and say so in the property's description,
//     e.g. {"type": "integer", "description": "centi-degrees Celsius"} for 21.37 °C -> 2137;
//   - every "type" is a single string (no type arrays, no null type).
// The root must be {"type": "object", ...}: a data point is a JSON object,
// whose top-level properties become the object's dynamic properties.
//
// Limits on a schema: kMaxFormatBytes of canonical JSON, nesting depth
// kMaxFormatDepth schema levels, kMaxFormatNodes schema nodes in all.
//
// Thread safety: a compiled Format is immutable; share it freely.
#pragma once

#include <cstddef>
#include <memory>

#include "mlchain/codec/json.h"
#include "mlchain/common/status.h"

namespace mlchain::edge {

inline constexpr std::size_t kMaxFormatBytes = 16 * 1024;
inline constexpr std::size_t kMaxFormatDepth = 8;
inline constexpr std::size_t kMaxFormatNodes = 256;

class Format {
 public:
  // Checks and compiles a schema. InvalidArgument naming the JSON pointer of
  // the bad schema node and what is wrong ("format /properties/t: unknown
  // keyword 'pattern' for type integer").
  static Result<Format> compile(const codec::Json& schema);

  // InvalidArgument naming the JSON pointer of the first offending value and
  // the rule ("/temp: 9100 is above the maximum 8000").
  Status validate(const codec::Json& value) const;

  const codec::Json& schema() const { return *schema_; }

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
  std::shared_ptr<const codec::Json> schema_;
};

}  // namespace mlchain::edge
