// parse(): nlohmann's SAX parser drives a builder of our own, so every limit
// is checked while reading, before anything is built past it. nlohmann's SAX
// parser is iterative (a bit stack, no recursion), and the builder refuses
// the bracket that would exceed max_depth, so neither parsing nor destroying
// a partial value ever recurses deeper than the limit.
#include <exception>
#include <iterator>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "message.h"
#include "mlchain/codec/json.h"

namespace mlchain::codec {
namespace {

// Walks the input like const char* and counts the bytes nlohmann has pulled
// from it, which is the only way a SAX callback can learn where it is.
// nlohmann reads one byte ahead only after numbers (and never past the end).
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* p, std::size_t* consumed) : p_(p), consumed_(consumed) {}

  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    ++p_;
    ++*consumed_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++*this;
    return old;
  }
  friend bool operator==(const CountingIterator& a, const CountingIterator& b) { return a.p_ == b.p_; }

 private:
  const char* p_;
  std::size_t* consumed_;
};

std::string at_byte(std::size_t offset) { return "at byte " + std::to_string(offset); }

// nlohmann's what() reads "[json.exception.parse_error.101] parse error at
// line 1, column 4: syntax error ...; last read: '<token>'". The prefix is
// noise; the token is raw input (possibly megabytes, possibly invalid UTF-8),
// so only its tail is kept, made printable.
std::string describe_nlohmann_error(const std::string& what) {
  std::string_view text = what;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("] ");
    if (close != std::string_view::npos) text.remove_prefix(close + 2);
  }
  constexpr std::string_view kLastRead = "; last read: '";
  const auto pos = text.find(kLastRead);
  if (pos == std::string_view::npos) return detail::printable(text, 512);
  // The token runs to the quote before nlohmann's optional "; expected ..."
  // (which may itself hold quotes), else to the final quote.
  std::string_view token = text.substr(pos + kLastRead.size());
  std::string_view suffix;
  if (const auto expected = token.rfind("'; expected "); expected != std::string_view::npos) {
    suffix = token.substr(expected + 1);
    token = token.substr(0, expected);
  } else if (!token.empty() && token.back() == '\'') {
    token.remove_suffix(1);
  }
  constexpr std::size_t kTail = 48;
  std::string shown = token.size() > kTail ? "..." + detail::printable(token.substr(token.size() - kTail), kTail)
                                           : detail::printable(token, kTail);
  return detail::printable(text.substr(0, pos), 512) + "; last read: '" + shown + "'" + detail::printable(suffix, 512);
}

class Builder {
 public:
  Builder(std::string_view text, const ParseLimits& limits, const std::size_t* consumed)
      : text_(text), limits_(limits), consumed_(consumed) {}

  // --- nlohmann SAX interface (signatures are checked by nlohmann) ---
  bool null() { return add(Json(nullptr), here()); }
  bool boolean(bool value) { return add(Json(value), here()); }
  bool number_integer(Json::number_integer_t value) { return add(Json(value), number_start()); }
  bool number_unsigned(Json::number_unsigned_t value) { return add(Json(value), number_start()); }

  bool number_float(Json::number_float_t /*value*/, const Json::string_t& raw) {
    const std::size_t start = number_start();
    if (raw.find_first_of(".eE") == std::string::npos) {
      return fail(invalid_argument("integer " + detail::printable(raw) + " is out of range (" + at_byte(start) +
                                   "); integers must fit in 64 bits, signed or unsigned; encode larger numbers "
                                   "as a string"));
    }
    return fail(invalid_argument("floating-point numbers are not allowed (" + at_byte(start) +
                                 "); encode as integer or string"));
  }

  bool string(Json::string_t& value) {
    if (!string_fits(value, "string")) return false;
    return add(Json(std::move(value)), here());
  }

  bool binary(Json::binary_t& /*value*/) {
    // JSON text has no binary values; only the binary formats produce this.
    return fail(internal_error("unexpected binary value from the JSON parser (" + at_byte(here()) + ")"));
  }

  bool start_object(std::size_t /*elements*/) { return open(Json::object()); }
  bool start_array(std::size_t /*elements*/) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(Json::string_t& name) {
    if (!string_fits(name, "object key")) return false;
    auto& members = stack_.back()->get_ref<Json::object_t&>();
    auto [it, inserted] = members.try_emplace(std::move(name), nullptr);
    if (!inserted) {  // try_emplace leaves `name` intact when the key exists
      return fail(invalid_argument("duplicate object key '" + detail::printable(name) + "' (" + at_byte(here()) +
                                   "); each key may appear once"));
    }
    member_ = &it->second;
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/, const Json::exception& ex) {
    // nlohmann's position counts bytes read, so the byte it stopped at is
    // one before; at the end of the input it points just past the last byte.
    std::size_t offset = position == 0 ? 0 : position - 1;
    if (offset > text_.size()) offset = text_.size();
    if (ex.id == 406) {  // a number too large even for a double: still a float
      return fail(invalid_argument("floating-point numbers are not allowed (" + at_byte(number_start()) +
                                   "); encode as integer or string (" + describe_nlohmann_error(ex.what()) + ")"));
    }
    return fail(invalid_argument("malformed JSON " + at_byte(offset) + ": " + describe_nlohmann_error(ex.what())));
  }

  // --- results ---
  const Status& error() const { return error_; }
  Json take() { return std::move(root_); }

 private:
  // 0-based offset of the last byte nlohmann has read.
  std::size_t here() const { return *consumed_ == 0 ? 0 : *consumed_ - 1; }

  // Where the number just read starts. nlohmann has read either to the end
  // of the input or one byte of lookahead; a number ends in a digit and no
  // byte that may precede one ([ , : whitespace) can occur inside one.
  std::size_t number_start() const {
    const std::size_t read = *consumed_;
    if (read == 0) return 0;
    std::size_t end = read - 1;  // last byte read
    if (!is_digit(text_[end]) && end > 0) --end;
    std::size_t start = end;
    while (start > 0 && std::string_view("0123456789+-.eE").find(text_[start - 1]) != std::string_view::npos) {
      --start;
    }
    return start;
  }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  bool fail(Status status) {
    if (error_.ok()) error_ = std::move(status);
    return false;
  }

  bool count_element(std::size_t offset) {
    if (++elements_ > limits_.max_elements) {
      return fail(resource_exhausted("more than " + std::to_string(limits_.max_elements) + " values in the document (" +
                                     at_byte(offset) + ")"));
    }
    return true;
  }

  bool string_fits(const std::string& value, std::string_view what) {
    if (value.size() > limits_.max_string_bytes) {
      return fail(resource_exhausted(std::string(what) + " of " + std::to_string(value.size()) +
                                     " bytes exceeds the limit of " + std::to_string(limits_.max_string_bytes) +
                                     " bytes (ending " + at_byte(here()) + ")"));
    }
    return true;
  }

  // Places a scalar or an empty container; returns where it now lives.
  Json* place(Json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& parent = *stack_.back();
    if (parent.is_array()) {
      auto& items = parent.get_ref<Json::array_t&>();
      items.push_back(std::move(value));
      // Safe to keep: nothing is appended to `items` while this child is open.
      return &items.back();
    }
    *member_ = std::move(value);
    return member_;
  }

  bool add(Json value, std::size_t offset) {
    if (!count_element(offset)) return false;
    place(std::move(value));
    return true;
  }

  bool open(Json empty_container) {
    if (stack_.size() >= limits_.max_depth) {
      return fail(resource_exhausted("nesting deeper than " + std::to_string(limits_.max_depth) + " levels (" +
                                     at_byte(here()) + ")"));
    }
    if (!count_element(here())) return false;
    stack_.push_back(place(std::move(empty_container)));
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  std::string_view text_;
  const ParseLimits& limits_;
  const std::size_t* consumed_;
  Json root_;
  std::vector<Json*> stack_;  // open containers, outermost first
  Json* member_ = nullptr;    // the object member whose value comes next
  std::size_t elements_ = 0;
  Status error_;
};

}  // namespace

Result<Json> parse(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return resource_exhausted("JSON document of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                              std::to_string(limits.max_bytes) + " bytes");
  }
  // nlohmann silently skips a UTF-8 byte order mark; RFC 8259 forbids
  // sending one, and accepting it would give one value two encodings.
  if (text.starts_with("\xEF\xBB\xBF")) {
    return invalid_argument("byte order mark at byte 0 is not allowed; send JSON text without a BOM");
  }
  // nlohmann takes a NUL byte outside a string for the end of the input and
  // would accept "[1]\0garbage"; a raw NUL is never valid JSON text.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    return invalid_argument("NUL byte at byte " + std::to_string(nul) + " is not allowed in JSON text");
  }
  std::size_t consumed = 0;
  Builder builder(text, limits, &consumed);
  try {
    const bool ok = Json::sax_parse(CountingIterator(text.data(), &consumed),
                                    CountingIterator(text.data() + text.size(), &consumed), &builder,
                                    Json::input_format_t::json, /*strict=*/true, /*ignore_comments=*/false);
    if (!ok) {
      if (!builder.error().ok()) return builder.error();
      return internal_error("JSON parser stopped without saying why");
    }
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory while parsing a JSON document of " + std::to_string(text.size()) +
                              " bytes");
  } catch (const Json::exception& ex) {
    return invalid_argument("malformed JSON: " + describe_nlohmann_error(ex.what()));
  } catch (const std::exception& ex) {
    return internal_error(std::string("JSON parser failed: ") + ex.what());
  }
  return builder.take();
}

}  // namespace mlchain::codec
