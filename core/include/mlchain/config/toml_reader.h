// TomlReader: the checks every strict TOML parser here shares (node config,
// edge config, blueprints): errors that name FILE:LINE:COLUMN and the key,
// and typed getters that refuse wrong types. Includes toml++: use it only in
// the .cpp files that parse TOML (heavy to compile; its types stay there).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "mlchain/common/status.h"

namespace mlchain::config {

class TomlReader {
 public:
  explicit TomlReader(std::string source) : source_(std::move(source)) {}

  // InvalidArgument "SOURCE:LINE:COLUMN: what" (without a position if `at`
  // has none).
  Status error(const toml::node* at, const std::string& what) const {
    std::string where = source_;
    if (at != nullptr && at->source().begin) {
      where += ":" + std::to_string(at->source().begin.line) + ":" + std::to_string(at->source().begin.column);
    }
    return invalid_argument(where + ": " + what);
  }

  // A non-empty string; "" when absent and not required.
  Result<std::string> string(const toml::table& t, std::string_view key, bool required) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      if (!required) return std::string();
      return error(&t, "missing key '" + std::string(key) + "'");
    }
    auto v = n->value<std::string>();
    if (!v) return error(n, "'" + std::string(key) + "' must be a string");
    if (v->empty()) return error(n, "'" + std::string(key) + "' must not be empty");
    return *v;
  }

  // An array of strings; empty when absent.
  Result<std::vector<std::string>> strings(const toml::table& t, std::string_view key) const {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (n == nullptr) return out;
    const toml::array* a = n->as_array();
    if (a == nullptr) return error(n, "'" + std::string(key) + "' must be an array of strings");
    for (const auto& e : *a) {
      auto v = e.value<std::string>();
      if (!v) return error(&e, "'" + std::string(key) + "' must hold strings");
      out.push_back(*v);
    }
    return out;
  }

  // The node's value when it is a TOML integer; nullopt for anything else.
  // Never node::value<int64_t>() on an arbitrary node: for a float it
  // converts, and a float outside int64's range is undefined behaviour
  // (found by fuzz_node_config: `superior_review_ms = 1.6e123`); a float
  // inside it would be accepted although the key wants an integer.
  static std::optional<std::int64_t> integer_value(const toml::node* n) {
    if (n == nullptr || !n->is_integer()) return std::nullopt;
    return n->as_integer()->get();
  }

  // An integer in [lo, hi]; `fallback` when absent.
  Result<std::int64_t> integer(const toml::table& t, std::string_view key, std::int64_t fallback, std::int64_t lo,
                               std::int64_t hi) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return fallback;
    auto v = integer_value(n);
    if (!v || *v < lo || *v > hi) {
      return error(n,
                   "'" + std::string(key) + "' must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    return *v;
  }

 private:
  std::string source_;
};

}  // namespace mlchain::config
