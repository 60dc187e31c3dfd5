// Status and Result<T>: the one error vocabulary inside core/.
//
// A Status is a code plus a human message that says what was wrong and, where
// it can, what to do. Bad input from the network is an ordinary Status, never
// an exception or an assert. Exceptions stop at the CLI boundary.
//
// Thread safety: values; copy freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mlchain {

enum class ErrorCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument,     // malformed or out-of-range input (usage/config → CLI exit 2)
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,    // authenticated but not authorised (→ exit 4)
  kUnauthenticated,     // no or bad credentials (→ exit 4)
  kVerificationFailed,  // bad signature, proof or certificate (→ exit 5)
  kUnavailable,         // peer unreachable, timed out (→ exit 3)
  kResourceExhausted,   // size limits, full map, full queues
  kFailedPrecondition,  // state does not allow the operation now
  kCorruption,          // stored data does not verify: a broken local invariant
  kIoError,             // file system or OS call failed
  kInternal,
};

std::string_view error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return {}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "<code name>: <message>", or "ok".
  std::string to_string() const;

  // Returns a copy whose message is "<context>: <message>".
  Status with_context(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) = default;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
inline Status not_found(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Status already_exists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
inline Status permission_denied(std::string m) { return {ErrorCode::kPermissionDenied, std::move(m)}; }
inline Status unauthenticated(std::string m) { return {ErrorCode::kUnauthenticated, std::move(m)}; }
inline Status verification_failed(std::string m) { return {ErrorCode::kVerificationFailed, std::move(m)}; }
inline Status unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
inline Status resource_exhausted(std::string m) { return {ErrorCode::kResourceExhausted, std::move(m)}; }
inline Status failed_precondition(std::string m) { return {ErrorCode::kFailedPrecondition, std::move(m)}; }
inline Status corruption(std::string m) { return {ErrorCode::kCorruption, std::move(m)}; }
inline Status io_error(std::string m) { return {ErrorCode::kIoError, std::move(m)}; }
inline Status internal_error(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

// Result<T>: a T or a non-ok Status. Accessing value() of an error aborts
// (a broken local invariant, never a network input path).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) v_ = Status(ErrorCode::kInternal, "Result built from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

  T& value() & { check(); return std::get<T>(v_); }
  const T& value() const& { check(); return std::get<T>(v_); }
  T&& value() && { check(); return std::get<T>(std::move(v_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? std::get<T>(v_) : std::move(fallback); }

 private:
  void check() const;
  std::variant<T, Status> v_;
};

[[noreturn]] void abort_on_bad_result_access(const Status& status);

template <typename T>
void Result<T>::check() const {
  if (!ok()) abort_on_bad_result_access(std::get<Status>(v_));
}

}  // namespace mlchain

// Early-return helpers. MLCHAIN_TRY(expr) returns the Status of a failed
// Status expression; MLCHAIN_ASSIGN_OR_RETURN(lhs, expr) unwraps a Result.
#define MLCHAIN_CONCAT_INNER(a, b) a##b
#define MLCHAIN_CONCAT(a, b) MLCHAIN_CONCAT_INNER(a, b)

#define MLCHAIN_TRY(expr)                            \
  do {                                               \
    ::mlchain::Status mlchain_try_status_ = (expr);  \
    if (!mlchain_try_status_.ok()) return mlchain_try_status_; \
  } while (false)

#define MLCHAIN_ASSIGN_OR_RETURN(lhs, expr)                                  \
  auto MLCHAIN_CONCAT(mlchain_result_, __LINE__) = (expr);                   \
  if (!MLCHAIN_CONCAT(mlchain_result_, __LINE__).ok())                       \
    return MLCHAIN_CONCAT(mlchain_result_, __LINE__).status();               \
  lhs = std::move(MLCHAIN_CONCAT(mlchain_result_, __LINE__)).value()
