// Compiling and checking format documents (see format.h for the subset).
#include "mlchain/edge/format.h"

#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mlchain::edge {

enum class Type : std::uint8_t { kObject, kString, kInteger, kBoolean, kArray };

struct Format::Node {
  Type type = Type::kObject;
  std::map<std::string, Node> properties;
  std::set<std::string> required;
  bool additional = false;
  std::optional<std::int64_t> minimum, maximum;
  std::optional<std::uint64_t> min_len, max_len;  // strings (code points) and arrays (items)
  std::unique_ptr<Node> items;
  std::set<std::string> enum_values;  // canonical JSON of each allowed value
  bool has_enum = false;
};

namespace {

using Json = codec::Json;
using Node = Format::Node;

// JSON pointer escaping (RFC 6901).
std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string where(const std::string& path) { return path.empty() ? "/" : path; }

std::string show(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

bool is_int(const Json& v) { return v.is_number_integer() || v.is_number_unsigned(); }

class Compiler {
 public:
  Status compile(const Json& s, const std::string& path, std::size_t depth, Node& out) {
    auto bad = [&](const std::string& what) { return invalid_argument("format " + where(path) + ": " + what); };
    if (++nodes_ > kMaxFormatNodes) return bad("more than " + std::to_string(kMaxFormatNodes) + " schema nodes");
    if (depth > kMaxFormatDepth) return bad("nested deeper than " + std::to_string(kMaxFormatDepth) + " levels");
    if (!s.is_object()) return bad("a schema must be a JSON object with a \"type\"");
    auto t = s.find("type");
    if (t == s.end() || !t->is_string()) {
      return bad("missing \"type\" (one of object, string, integer, boolean, array)");
    }
    const std::string ty = t->get<std::string>();
    std::set<std::string> allowed = {"type", "title", "description"};
    if (ty == "object") {
      out.type = Type::kObject;
      allowed.insert({"properties", "required", "additionalProperties"});
    } else if (ty == "string") {
      out.type = Type::kString;
      allowed.insert({"minLength", "maxLength", "enum"});
    } else if (ty == "integer") {
      out.type = Type::kInteger;
      allowed.insert({"minimum", "maximum", "enum"});
    } else if (ty == "boolean") {
      out.type = Type::kBoolean;
      allowed.insert("enum");
    } else if (ty == "array") {
      out.type = Type::kArray;
      allowed.insert({"items", "minItems", "maxItems"});
    } else if (ty == "number") {
      return bad("type \"number\" is not supported (no floats): use \"integer\" with a scale, e.g. centi-degrees");
    } else {
      return bad("unknown type '" + ty + "' (one of object, string, integer, boolean, array)");
    }
    for (const auto& [k, v] : s.items()) {
      if (allowed.count(k) == 0) return bad("unknown keyword '" + k + "' for type " + ty);
      if ((k == "title" || k == "description") && (!v.is_string() || v.get_ref<const std::string&>().size() > 1024)) {
        return bad("'" + k + "' must be a string of at most 1024 bytes");
      }
    }
    auto count = [&](std::string_view key, std::optional<std::uint64_t>& dst) -> Status {
      auto it = s.find(key);
      if (it == s.end()) return {};
      if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<std::int64_t>() >= 0)) {
        return bad("'" + std::string(key) + "' must be a non-negative integer");
      }
      dst = it->get<std::uint64_t>();
      return {};
    };
    switch (out.type) {
      case Type::kObject: {
        if (auto it = s.find("properties"); it != s.end()) {
          if (!it->is_object()) return bad("'properties' must be an object of schemas");
          for (const auto& [name, sub] : it->items()) {
            if (name.empty() || name.size() > 128) return bad("property names must be 1..128 bytes");
            MLCHAIN_TRY(compile(sub, path + "/properties/" + pointer_token(name), depth + 1, out.properties[name]));
          }
        }
        if (auto it = s.find("required"); it != s.end()) {
          if (!it->is_array()) return bad("'required' must be an array of property names");
          for (const auto& r : *it) {
            if (!r.is_string()) return bad("'required' must hold strings");
            const auto& name = r.get_ref<const std::string&>();
            if (out.properties.count(name) == 0) return bad("required property '" + name + "' is not in 'properties'");
            if (!out.required.insert(name).second) return bad("'required' names '" + name + "' twice");
          }
        }
        if (auto it = s.find("additionalProperties"); it != s.end()) {
          if (!it->is_boolean()) return bad("'additionalProperties' must be true or false (default false)");
          out.additional = it->get<bool>();
        }
        break;
      }
      case Type::kString:
        MLCHAIN_TRY(count("minLength", out.min_len));
        MLCHAIN_TRY(count("maxLength", out.max_len));
        break;
      case Type::kArray: {
        MLCHAIN_TRY(count("minItems", out.min_len));
        MLCHAIN_TRY(count("maxItems", out.max_len));
        if (auto it = s.find("items"); it != s.end()) {
          out.items = std::make_unique<Node>();
          MLCHAIN_TRY(compile(*it, path + "/items", depth + 1, *out.items));
        }
        break;
      }
      case Type::kInteger:
        for (const char* key : {"minimum", "maximum"}) {
          auto it = s.find(key);
          if (it == s.end()) continue;
          if (!it->is_number_integer() ||
              (it->is_number_unsigned() &&
               it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))) {
            return bad("'" + std::string(key) + "' must be an integer within int64");
          }
          (std::string_view(key) == "minimum" ? out.minimum : out.maximum) = it->get<std::int64_t>();
        }
        break;
      case Type::kBoolean:
        break;
    }
    if (out.min_len && out.max_len && *out.min_len > *out.max_len)
      return bad("the minimum length is above the maximum");
    if (out.minimum && out.maximum && *out.minimum > *out.maximum) return bad("'minimum' is above 'maximum'");
    if (auto it = s.find("enum"); it != s.end()) {
      if (!it->is_array() || it->empty() || it->size() > 256) return bad("'enum' must be an array of 1..256 values");
      out.has_enum = true;
      for (const auto& v : *it) {
        bool fits = (out.type == Type::kString && v.is_string()) || (out.type == Type::kInteger && is_int(v)) ||
                    (out.type == Type::kBoolean && v.is_boolean());
        if (!fits) return bad("enum value " + show(v) + " is not of type " + ty);
        auto c = codec::canonical(v);
        if (!c.ok()) return bad("enum value: " + c.status().message());
        out.enum_values.insert(*c);
      }
    }
    return {};
  }

 private:
  std::size_t nodes_ = 0;
};

std::uint64_t code_points(const std::string& s) {
  std::uint64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

std::string kind(const Json& v) {
  if (v.is_object()) return "object";
  if (v.is_array()) return "array";
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "boolean";
  if (is_int(v)) return "integer";
  if (v.is_null()) return "null";
  return "floating-point number";
}

Status check(const Node& n, const Json& v, const std::string& path) {
  auto bad = [&](const std::string& what) { return invalid_argument(where(path) + ": " + what); };
  switch (n.type) {
    case Type::kObject:
      if (!v.is_object()) return bad("expected an object, got " + kind(v));
      for (const auto& r : n.required)
        if (!v.contains(r)) return bad("missing required property '" + r + "'");
      for (const auto& [k, sub] : v.items()) {
        auto it = n.properties.find(k);
        if (it == n.properties.end()) {
          if (!n.additional) return bad("property '" + k + "' is not allowed by the format");
          continue;
        }
        MLCHAIN_TRY(check(it->second, sub, path + "/" + pointer_token(k)));
      }
      break;
    case Type::kString: {
      if (!v.is_string()) return bad("expected a string, got " + kind(v));
      std::uint64_t len = code_points(v.get_ref<const std::string&>());
      if (n.min_len && len < *n.min_len) return bad("string shorter than minLength " + std::to_string(*n.min_len));
      if (n.max_len && len > *n.max_len) return bad("string longer than maxLength " + std::to_string(*n.max_len));
      break;
    }
    case Type::kInteger: {
      if (!is_int(v)) return bad("expected an integer, got " + kind(v));
      bool huge = v.is_number_unsigned() &&
                  v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
      std::int64_t x = huge ? 0 : v.get<std::int64_t>();
      if (n.maximum && (huge || x > *n.maximum))
        return bad(show(v) + " is above the maximum " + std::to_string(*n.maximum));
      if (n.minimum && !huge && x < *n.minimum)
        return bad(show(v) + " is below the minimum " + std::to_string(*n.minimum));
      break;
    }
    case Type::kBoolean:
      if (!v.is_boolean()) return bad("expected a boolean, got " + kind(v));
      break;
    case Type::kArray: {
      if (!v.is_array()) return bad("expected an array, got " + kind(v));
      if (n.min_len && v.size() < *n.min_len)
        return bad("fewer than minItems " + std::to_string(*n.min_len) + " items");
      if (n.max_len && v.size() > *n.max_len) return bad("more than maxItems " + std::to_string(*n.max_len) + " items");
      if (n.items) {
        for (std::size_t i = 0; i < v.size(); ++i) MLCHAIN_TRY(check(*n.items, v[i], path + "/" + std::to_string(i)));
      }
      break;
    }
  }
  if (n.has_enum) {
    auto c = codec::canonical(v);
    if (!c.ok() || n.enum_values.count(*c) == 0) return bad(show(v) + " is not one of the allowed values (enum)");
  }
  return {};
}

}  // namespace

Result<Format> Format::compile(const codec::Json& schema) {
  auto text = codec::canonical(schema);
  if (!text.ok()) return text.status().with_context("format");
  if (text->size() > kMaxFormatBytes) {
    return invalid_argument("format is " + std::to_string(text->size()) + " bytes; at most " +
                            std::to_string(kMaxFormatBytes) + " are allowed");
  }
  if (!schema.is_object() || schema.value("type", Json()) != "object") {
    return invalid_argument("format /: the root must be {\"type\": \"object\", ...} (a data point is a JSON object)");
  }
  auto root = std::make_shared<Node>();
  Compiler c;
  MLCHAIN_TRY(c.compile(schema, "", 1, *root));
  Format f;
  f.root_ = std::move(root);
  f.schema_ = std::make_shared<const Json>(schema);
  return f;
}

Status Format::validate(const codec::Json& value) const { return check(*root_, value, ""); }

}  // namespace mlchain::edge
