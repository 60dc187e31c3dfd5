#include "mlchain/contract/address.h"

#include <algorithm>
#include <charconv>

namespace mlchain::contract {
namespace {

bool segment_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Quotes untrusted text for an error message: printable ASCII only, bounded.
std::string quote(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 80) out += "...";
  return out + "'";
}

}  // namespace

Result<std::vector<std::string>> split_layer_path(std::string_view path) {
  if (path.empty()) return invalid_argument("empty layer path; expected segments like 'L2/L1a/E1'");
  if (path.size() > kMaxLayerPathBytes)
    return invalid_argument("layer path is longer than " + std::to_string(kMaxLayerPathBytes) + " bytes");
  std::vector<std::string> segs;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    std::string_view seg = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg.empty() || seg.size() > kMaxSegmentBytes || !std::all_of(seg.begin(), seg.end(), segment_char))
      return invalid_argument("layer path " + quote(path) + ": segment " + std::to_string(segs.size() + 1) + " " +
                              quote(seg) + " must be 1.." + std::to_string(kMaxSegmentBytes) +
                              " characters of [A-Za-z0-9_-]");
    segs.emplace_back(seg);
    if (segs.size() > kMaxSegments)
      return invalid_argument("layer path " + quote(path) + " is deeper than " + std::to_string(kMaxSegments) +
                              " layers");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segs;
}

Status validate_layer_path(std::string_view path) { return split_layer_path(path).status(); }

std::string join_layer_path(const std::vector<std::string>& segments, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count && i < segments.size(); ++i) {
    if (i) out += '/';
    out += segments[i];
  }
  return out;
}

Result<ObjectUuid> parse_uuid(std::string_view text) {
  if (text.substr(0, kUuidPrefix.size()) != kUuidPrefix)
    return invalid_argument("object UUID " + quote(text) +
                            " must start with 'mlc:' (mlc:<edge layer path>/<local id>)");
  std::string_view rest = text.substr(kUuidPrefix.size());
  std::size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos)
    return invalid_argument("object UUID " + quote(text) +
                            " has no edge layer path (mlc:<edge layer path>/<local id>)");
  std::string_view edge = rest.substr(0, slash);
  std::string_view local = rest.substr(slash + 1);
  if (auto st = validate_layer_path(edge); !st.ok()) return st.with_context("object UUID " + quote(text));
  if (local.empty() || local.size() > kMaxLocalIdBytes || !std::all_of(local.begin(), local.end(), segment_char))
    return invalid_argument("object UUID " + quote(text) + ": the local id must be 1.." +
                            std::to_string(kMaxLocalIdBytes) + " characters of [A-Za-z0-9_-]");
  return ObjectUuid{std::string(edge), std::string(local)};
}

Result<Route> route_between(std::string_view src_edge, std::string_view dst_edge) {
  MLCHAIN_ASSIGN_OR_RETURN(auto a, split_layer_path(src_edge));
  MLCHAIN_ASSIGN_OR_RETURN(auto b, split_layer_path(dst_edge));
  std::size_t common = 0;
  while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
  if (common == 0)
    return invalid_argument("no route from " + quote(src_edge) + " to " + quote(dst_edge) +
                            ": they share no root layer (different layer trees)");
  if (common == a.size() && common == b.size())
    return invalid_argument("both objects are in edge layer " + quote(src_edge) +
                            ": that is working communication inside the edge layer, not a cross-layer contract; use "
                            "mlchain object send --to <uuid> (the edge delivers it locally)");
  if (common == a.size() || common == b.size())
    return invalid_argument("no route between " + quote(src_edge) + " and " + quote(dst_edge) +
                            ": one lies above the other, but an edge layer has no subordinate layers");
  Route r;
  r.src.push_back(std::string(src_edge));
  for (std::size_t len = a.size() - 1; len >= common; --len) r.dst.push_back(join_layer_path(a, len));
  for (std::size_t len = common + 1; len <= b.size(); ++len) r.dst.push_back(join_layer_path(b, len));
  return r;
}

Result<Route> route(const ObjectUuid& src, const ObjectUuid& dst) { return route_between(src.edge, dst.edge); }

std::string url_segment(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '/') {
      out += "%2F";
    } else if (c == '#') {
      out += "%23";
    } else if (c == '%') {
      out += "%25";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> from_url_segment(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (ec != std::errc() || p != s.data() + i + 3) return std::nullopt;
    out.push_back(static_cast<char>(v));
    i += 2;
  }
  return out;
}

std::vector<std::string> full_route(const Route& r) {
  std::vector<std::string> out(r.src.rbegin(), r.src.rend());
  out.insert(out.end(), r.dst.begin(), r.dst.end());
  return out;
}

}  // namespace mlchain::contract
