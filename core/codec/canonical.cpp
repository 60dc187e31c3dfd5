// canonical(): a checking walk, then nlohmann's dump(). dump() already gives
// the canonical form (std::map keeps keys in byte order, no whitespace
// without an indent, minimal escapes with ensure_ascii=false), but it prints
// floats and recurses without bound, so the walk refuses both first.
#include <exception>
#include <string>
#include <vector>

#include "message.h"
#include "mlchain/codec/json.h"

namespace mlchain::codec {
namespace {

// One step of the path from the root to the value being checked; only turned
// into text (a JSON pointer) when something is wrong.
struct Step {
  const std::string* key = nullptr;  // object member, or
  std::size_t index = 0;             // array index when key is null
};

std::string pointer(const std::vector<Step>& path) {
  if (path.empty()) return "the root";
  std::string out;
  for (const Step& step : path) {
    out.push_back('/');
    if (step.key == nullptr) {
      out += std::to_string(step.index);
      continue;
    }
    for (char c : *step.key) {  // RFC 6901 escapes
      if (c == '~') {
        out += "~0";
      } else if (c == '/') {
        out += "~1";
      } else {
        out.push_back(c);
      }
    }
  }
  return detail::printable(out, 256);
}

struct Walk {
  bool for_display = false;  // pretty(): only the depth matters
  std::vector<Step> path;

  // Recursion is bounded by kMaxValueDepth, checked before descending.
  Status check(const Json& value) {
    if (for_display && !value.is_structured()) return {};
    switch (value.type()) {
      case Json::value_t::number_float:
        return invalid_argument("floating-point number at " + pointer(path) +
                                " is not allowed in canonical JSON; encode as integer or string");
      case Json::value_t::binary:
        return invalid_argument("binary value at " + pointer(path) + " has no JSON encoding");
      case Json::value_t::discarded:
        return invalid_argument("discarded value at " + pointer(path) + " has no JSON encoding");
      case Json::value_t::array:
      case Json::value_t::object:
        break;
      default:
        return {};
    }
    if (path.size() >= kMaxValueDepth) {
      return invalid_argument("value nested deeper than " + std::to_string(kMaxValueDepth) + " levels (at " +
                              pointer(path) + ")");
    }
    if (value.is_array()) {
      std::size_t i = 0;
      for (const Json& item : value.get_ref<const Json::array_t&>()) {
        path.push_back({nullptr, i++});
        MLCHAIN_TRY(check(item));
        path.pop_back();
      }
    } else {
      for (const auto& [key, member] : value.get_ref<const Json::object_t&>()) {
        path.push_back({&key, 0});
        MLCHAIN_TRY(check(member));
        path.pop_back();
      }
    }
    return {};
  }
};

}  // namespace

Result<std::string> canonical(const Json& value) {
  Walk walk;
  MLCHAIN_TRY(walk.check(value));
  try {
    return value.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::strict);
  } catch (const Json::exception& ex) {  // type_error 316: a string is not UTF-8
    std::string_view what = ex.what();
    if (const auto close = what.find("] "); close != std::string_view::npos) what.remove_prefix(close + 2);
    return invalid_argument("cannot encode as canonical JSON: a string or key is not valid UTF-8 (" +
                            detail::printable(what, 256) + ")");
  } catch (const std::exception& ex) {
    return internal_error(std::string("canonical JSON encoding failed: ") + ex.what());
  }
}

Result<Bytes> canonical_bytes(const Json& value) {
  MLCHAIN_ASSIGN_OR_RETURN(std::string text, canonical(value));
  return to_bytes(text);
}

std::string pretty(const Json& value) {
  Walk walk;
  walk.for_display = true;
  if (Status depth = walk.check(value); !depth.ok()) return "<not shown: " + depth.message() + ">";
  try {
    return value.dump(2, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
  } catch (const std::exception& ex) {
    return std::string("<not shown: ") + ex.what() + ">";
  }
}

}  // namespace mlchain::codec
