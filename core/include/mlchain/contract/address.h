// Layer paths, object UUIDs and contract routes (DESIGN §1, §5).
//
//   layer path  "L2/L1a/E1"   1..8 '/'-separated segments of [A-Za-z0-9_-]{1,32}
//   object UUID "mlc:L2/L1a/E1/7f3c9a0b12d4e5f6"
//               = "mlc:" + the edge layer's path + "/" + a local id of
//               [A-Za-z0-9_-]{1,64} (the edge registry issues 16 hex chars)
//
// A route goes from the source edge layer up to the lowest common layer of
// the two edge layers, then down to the destination edge layer. For
// A = L2/L1a/E1/a and B = L2/L1b/E3/b:
//   dst = [L2/L1a, L2, L2/L1b, L2/L1b/E3]   the layers still to visit, in order
//   src = [L2/L1a/E1]                       the layers visited, most recent first
// As the packet travels, each layer moves the head of dst to the front of src
// (packet.h: advance), so on arrival src is exactly the reply's dst.
//
// Thread safety: pure functions on values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlchain/common/status.h"

namespace mlchain::contract {

inline constexpr std::string_view kUuidPrefix = "mlc:";
inline constexpr std::size_t kMaxSegments = 8;
inline constexpr std::size_t kMaxSegmentBytes = 32;
inline constexpr std::size_t kMaxLocalIdBytes = 64;
// 8 segments of 32 bytes and 7 separators.
inline constexpr std::size_t kMaxLayerPathBytes = kMaxSegments * (kMaxSegmentBytes + 1) - 1;

// InvalidArgument naming the offending segment.
Status validate_layer_path(std::string_view path);
Result<std::vector<std::string>> split_layer_path(std::string_view path);
std::string join_layer_path(const std::vector<std::string>& segments, std::size_t count);

struct ObjectUuid {
  std::string edge;      // the edge layer's path, "L2/L1a/E1"
  std::string local_id;  // unique within the edge layer
  std::string str() const { return std::string(kUuidPrefix) + edge + "/" + local_id; }
  friend bool operator==(const ObjectUuid&, const ObjectUuid&) = default;
};

// Strict: prefix, valid edge path (at least one segment), valid local id.
Result<ObjectUuid> parse_uuid(std::string_view text);

struct Route {
  std::vector<std::string> dst;  // layers still to visit, next first
  std::vector<std::string> src;  // layers visited, most recent first
  friend bool operator==(const Route&, const Route&) = default;
};

// The route between two edge layers. InvalidArgument when either path is
// invalid, when they share no root layer (unroutable: different trees), when
// both are the same edge layer (no high-level layer to cross: that is working
// communication, not a contract), or when one edge path lies above the other
// (an edge layer has no subordinate layers).
Result<Route> route_between(std::string_view src_edge, std::string_view dst_edge);
// route_between(src.edge, dst.edge).
Result<Route> route(const ObjectUuid& src, const ObjectUuid& dst);

// Every layer of `r` in travel order: reverse(src) followed by dst.
std::vector<std::string> full_route(const Route& r);

// A layer path or block id as one URL path segment ("L2/L1a#3" ->
// "L2%2FL1a%233": '/', '#' and '%' escaped), and back. The decoder takes any
// %XX and refuses a malformed escape (nullopt).
std::string url_segment(std::string_view text);
std::optional<std::string> from_url_segment(std::string_view segment);

}  // namespace mlchain::contract
