// The evaluator services that filters, tests and runtime objects call back into, and the name
// tables (registries) of builtin filters and tests. Filters and tests are rows in a table,
// never a switch (STYLE.md habit 12).
#pragma once

#include <string_view>

#include "core/result.h"
#include "jinja/value.h"

namespace gitops::jinja {

// Implemented by the evaluator; one per render, used from one thread.
class Runtime {
 public:
  virtual ~Runtime() = default;
  // Jinja's getattr: attribute first (dict keys, str/dict/list methods, object attributes),
  // then item. Returns an Undefined Value when neither exists (an error only in strict mode
  // or on use).
  virtual Result<Value> GetAttr(const Value& obj, std::string_view name) = 0;
  // Jinja's getitem: obj[key] (list index, dict key, slice is not involved here).
  virtual Result<Value> GetItem(const Value& obj, const Value& key) = 0;
  // Calls builtin test `name` (e.g. for select/reject); kInvalidArgument "No test named 'x'."
  virtual Result<bool> CallTest(std::string_view name, const Value& v, CallArgs& args) = 0;
  // Calls builtin filter `name` (e.g. for map); kInvalidArgument "No filter named 'x'."
  virtual Result<Value> CallFilter(std::string_view name, const Value& v, CallArgs& args) = 0;
  // Calls a callable value (macro, function, bound method).
  virtual Result<Value> Call(const Value& callable, CallArgs& args) = 0;
  // True under StrictUndefined.
  virtual bool strict_undefined() const = 0;
  // Counts `n` loop iterations against the render's limit (filters that loop over user data
  // call it with their element count); kResourceExhausted / kDeadlineExceeded when exceeded.
  virtual Status Tick(size_t n) = 0;
};

// An error for using an undefined value (attribute of, call, arithmetic, iteration in strict
// mode...): kInvalidArgument with Jinja's message ("'x' is undefined").
inline Error UndefinedError(const Value& v) {
  return MakeError(ErrorCode::kInvalidArgument, v.UndefinedMessage());
}

using FilterFn = Result<Value> (*)(Runtime& rt, const Value& input, CallArgs& args);
using TestFn = Result<bool> (*)(Runtime& rt, const Value& input, CallArgs& args);

// Builtin filters of Jinja2 3.1 (deterministic ones; aliases d, e, count) plus the service's
// to_yaml, to_nice_yaml, to_json, b64encode, b64decode. nullptr when unknown.
FilterFn FindFilter(std::string_view name);
// Builtin tests of Jinja2 3.1 (with aliases ==, eq, equalto, <, lt, lessthan, ...).
TestFn FindTest(std::string_view name);

}  // namespace gitops::jinja
