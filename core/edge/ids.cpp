#include "mlchain/edge/ids.h"

namespace mlchain::edge {
namespace {

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Calls `check` on each '/'-separated segment; empty segments are refused.
template <typename Check>
Status segments(std::string_view path, std::string_view what, std::size_t max_segments, Check check) {
  if (path.empty()) return invalid_argument(std::string(what) + " is empty");
  std::size_t count = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    std::string_view seg = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (++count > max_segments) {
      return invalid_argument(std::string(what) + " has more than " + std::to_string(max_segments) + " segments");
    }
    if (seg.empty()) return invalid_argument(std::string(what) + " '" + std::string(path) + "' has an empty segment");
    MLCHAIN_TRY(check(seg));
    if (slash == std::string_view::npos) return {};
    start = slash + 1;
  }
}

}  // namespace

Status validate_layer_path(std::string_view path) {
  if (path.size() > kMaxLayerPathBytes) {
    return invalid_argument("layer path is longer than " + std::to_string(kMaxLayerPathBytes) + " bytes");
  }
  return segments(path, "layer path", kMaxLayerSegments, [&](std::string_view seg) -> Status {
    if (seg.size() > 32)
      return invalid_argument("layer path segment '" + std::string(seg) + "' is longer than 32 characters");
    for (char c : seg) {
      if (!alnum(c) && c != '_' && c != '-') {
        return invalid_argument("layer path segment '" + std::string(seg) +
                                "' may contain only letters, digits, '_' and '-'");
      }
    }
    return {};
  });
}

Status validate_class_path(std::string_view path) {
  if (path.size() > 8 * 65) return invalid_argument("class path is too long");
  return segments(path, "class path", kMaxClassSegments, [&](std::string_view seg) -> Status {
    if (seg.size() > 64)
      return invalid_argument("class segment '" + std::string(seg) + "' is longer than 64 characters");
    if (!alnum(seg.front())) {
      return invalid_argument("class segment '" + std::string(seg) + "' must start with a letter or digit");
    }
    for (char c : seg) {
      if (!alnum(c) && c != '_' && c != '-' && c != '.') {
        return invalid_argument(
            "class segment '" + std::string(seg) +
            "' may contain only letters, digits, '_', '-' and '.' (e.g. Device/Sensor/Thermometer)");
      }
    }
    return {};
  });
}

Result<ObjectUuid> parse_uuid(std::string_view text) {
  std::string shown(text.substr(0, 120));
  if (text.substr(0, kUuidPrefix.size()) != kUuidPrefix) {
    return invalid_argument("object UUID '" + shown + "' must start with 'mlc:' (mlc:<layer path>/<16 hex id>)");
  }
  std::string_view rest = text.substr(kUuidPrefix.size());
  std::size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos) {
    return invalid_argument("object UUID '" + shown + "' has no layer path (mlc:<layer path>/<16 hex id>)");
  }
  ObjectUuid u{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
  if (Status st = validate_layer_path(u.layer); !st.ok()) return st.with_context("object UUID '" + shown + "'");
  bool hex = u.local_id.size() == kLocalIdChars;
  for (char c : u.local_id) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex) return invalid_argument("object UUID '" + shown + "': the local id must be 16 lower-case hex characters");
  return u;
}

bool class_matches(std::string_view class_path, std::string_view prefix) {
  if (prefix.empty()) return false;
  if (class_path.size() < prefix.size() || class_path.substr(0, prefix.size()) != prefix) return false;
  return class_path.size() == prefix.size() || class_path[prefix.size()] == '/';
}

}  // namespace mlchain::edge
