// canonical(): nlohmann's dump() already gives the canonical form (std::map
// keeps keys in byte order, no whitespace without an indent, minimal escapes
// with ensure_ascii=false), but it prints floats and recurses without bound.
// The slow path is a checking walk that refuses both, then dump(); it is the
// definition. The fast path (Writer) writes the same bytes in one pass for
// what nearly every value is made of: integers, booleans, null, and strings
// of printable ASCII with nothing to escape (hex, base64, names). Anything
// else it meets (a string that needs escaping or is not ASCII, a float, a
// binary value, a value at the depth limit) sends the whole value to the
// slow path, so errors and escapes come from one place. The codec tests and
// the json fuzz target check it against dump() byte for byte.
#include <charconv>
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

// Appends the canonical text of a value to `out`, or returns false (with
// `out` partly written) for anything the slow path must decide.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  bool value(const Json& v, std::size_t depth) {
    switch (v.type()) {
      case Json::value_t::null:
        out_ += "null";
        return true;
      case Json::value_t::boolean:
        out_ += v.get_ref<const Json::boolean_t&>() ? "true" : "false";
        return true;
      case Json::value_t::number_integer:
        return number(v.get_ref<const Json::number_integer_t&>());
      case Json::value_t::number_unsigned:
        return number(v.get_ref<const Json::number_unsigned_t&>());
      case Json::value_t::string:
        return string(v.get_ref<const Json::string_t&>());
      case Json::value_t::array: {
        if (depth >= kMaxValueDepth) return false;
        out_.push_back('[');
        bool first = true;
        for (const Json& item : v.get_ref<const Json::array_t&>()) {
          if (!first) out_.push_back(',');
          first = false;
          if (!value(item, depth + 1)) return false;
        }
        out_.push_back(']');
        return true;
      }
      case Json::value_t::object: {
        if (depth >= kMaxValueDepth) return false;
        out_.push_back('{');
        bool first = true;
        for (const auto& [key, member] : v.get_ref<const Json::object_t&>()) {
          if (!first) out_.push_back(',');
          first = false;
          if (!string(key)) return false;
          out_.push_back(':');
          if (!value(member, depth + 1)) return false;
        }
        out_.push_back('}');
        return true;
      }
      default:  // float, binary, discarded
        return false;
    }
  }

 private:
  template <typename N>
  bool number(N n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    if (ec != std::errc()) return false;
    out_.append(buf, end);
    return true;
  }

  // Printable ASCII other than '"' and '\\' is written as it is by dump()
  // (ensure_ascii=false); every other byte is left to it.
  bool string(const std::string& s) {
    for (char ch : s) {
      auto c = static_cast<unsigned char>(ch);
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
    }
    out_.push_back('"');
    out_ += s;
    out_.push_back('"');
    return true;
  }

  std::string& out_;
};

Result<std::string> slow_canonical(const Json& value) {
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

}  // namespace

Result<std::string> canonical(const Json& value) {
  std::string out;
  if (Writer(out).value(value, 0)) return out;
  return slow_canonical(value);
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
