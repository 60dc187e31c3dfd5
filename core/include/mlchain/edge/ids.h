// Names in an edge layer: layer paths, object UUIDs, class paths.
//
//   layer path  "L2/L1a/E1"        1..16 segments of [A-Za-z0-9_-]{1,32}, '/'-separated,
//                                  at most 256 bytes in all
//   object UUID "mlc:L2/L1a/E1/7f3c9a0b12d4e5f6"
//               = "mlc:" + the edge layer's path + "/" + a local id of exactly
//               16 lower-case hex characters (64 random bits, unique in the edge)
//   class path  "Device/Sensor/Thermometer/Acme"
//               1..8 segments of [A-Za-z0-9][A-Za-z0-9_.-]{0,63}
//
// A UUID is self-routing: everything before the last '/' (after "mlc:") is
// the path of the edge layer that registered the object. UUIDs are at most
// 4 + 256 + 17 bytes, well under the store's 511-byte key limit (with room
// for the 9-byte suffix of history and queue rows).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mlchain/common/status.h"

namespace mlchain::edge {

inline constexpr std::string_view kUuidPrefix = "mlc:";
inline constexpr std::size_t kLocalIdChars = 16;
inline constexpr std::size_t kMaxLayerSegments = 16;
inline constexpr std::size_t kMaxClassSegments = 8;
inline constexpr std::size_t kMaxLayerPathBytes = 256;

// InvalidArgument naming the offending segment.
Status validate_layer_path(std::string_view path);
Status validate_class_path(std::string_view path);

struct ObjectUuid {
  std::string layer;     // "L2/L1a/E1"
  std::string local_id;  // 16 lower-case hex characters

  std::string str() const { return std::string(kUuidPrefix) + layer + "/" + local_id; }
};

// Strict: the prefix, a valid layer path, a valid local id. InvalidArgument.
Result<ObjectUuid> parse_uuid(std::string_view text);

// True when `class_path` equals `prefix` or lies below it ("Device/Sensor"
// matches "Device/Sensor/Thermometer" but not "Device/SensorX").
bool class_matches(std::string_view class_path, std::string_view prefix);

}  // namespace mlchain::edge
