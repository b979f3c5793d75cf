// Result<T>: a value or an Error, shaped like std::expected. The one error vocabulary of the
// service; errors are translated once, to HTTP in api/ and to retry-or-fail in jobs/.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace gitops {

enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kAborted,
  kUnavailable,
  kDeadlineExceeded,
  kResourceExhausted,
  kPermissionDenied,
  kUnauthenticated,
  kInternal,
};

// Returns the canonical name of `code`, e.g. "invalid_argument".
std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string details;  // optional: machine-oriented context (field name, path, line)
};

inline Error MakeError(ErrorCode code, std::string message, std::string details = {}) {
  return Error{code, std::move(message), std::move(details)};
}

// Tag wrapper so `return Unexpected(err);` converts into any Result<T>.
struct Unexpected {
  Error error;
  explicit Unexpected(Error e) : error(std::move(e)) {}
  Unexpected(ErrorCode code, std::string message, std::string details = {})
      : error{code, std::move(message), std::move(details)} {}
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : data_(std::in_place_index<0>, value) {}
  Result(T&& value) : data_(std::in_place_index<0>, std::move(value)) {}
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, Result> &&
                                                    !std::is_same_v<std::decay_t<U>, Unexpected> &&
                                                    !std::is_same_v<std::decay_t<U>, Error>>>
  Result(U&& value) : data_(std::in_place_index<0>, std::forward<U>(value)) {}
  Result(Unexpected u) : data_(std::in_place_index<1>, std::move(u.error)) {}
  Result(Error e) : data_(std::in_place_index<1>, std::move(e)) {}

  bool ok() const { return data_.index() == 0; }
  bool has_value() const { return ok(); }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(data_); }
  const T& value() const& { assert(ok()); return std::get<0>(data_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { assert(!ok()); return std::get<1>(data_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(data_)); }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : error_(std::move(u.error)), ok_(false) {}
  Result(Error e) : error_(std::move(e)), ok_(false) {}

  bool ok() const { return ok_; }
  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { assert(!ok_); return error_; }
  Error&& error() && { assert(!ok_); return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status OkStatus() { return Status(); }

}  // namespace gitops

// Propagates an error from an expression returning Result<...>.
#define GITOPS_RETURN_IF_ERROR(expr)                                 \
  do {                                                               \
    auto gitops_status_ = (expr);                                    \
    if (!gitops_status_.ok()) return ::gitops::Unexpected(std::move(gitops_status_).error()); \
  } while (0)
