// Helpers shared by the builtin filters, tests and methods: argument access with Python-like
// checks and error propagation. Private to the template engine's builtins.
#pragma once

#include <cmath>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "jinja/runtime.h"
#include "jinja/value.h"

#define JINJA_CONCAT_INNER(a, b) a##b
#define JINJA_CONCAT(a, b) JINJA_CONCAT_INNER(a, b)
// Evaluates `expr` (a Result<T>); returns its error, else assigns its value to `lhs`.
#define JINJA_ASSIGN_OR_RETURN(lhs, expr)                                      \
  auto JINJA_CONCAT(jinja_result_, __LINE__) = (expr);                         \
  if (!JINJA_CONCAT(jinja_result_, __LINE__).ok())                             \
    return ::gitops::Unexpected(std::move(JINJA_CONCAT(jinja_result_, __LINE__)).error()); \
  lhs = std::move(JINJA_CONCAT(jinja_result_, __LINE__)).value()

namespace gitops::jinja::builtins {

inline Error TypeError(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

// Rejects unknown keyword arguments and surplus positional ones, with Python's wording.
inline Status CheckArgs(const CallArgs& args, std::string_view fname,
                        std::initializer_list<std::string_view> names) {
  if (args.positional.size() > names.size()) {
    return Unexpected(TypeError(std::string(fname) + "() takes " + std::to_string(names.size()) +
                                " positional argument" + (names.size() == 1 ? "" : "s") +
                                " but " + std::to_string(args.positional.size()) +
                                (args.positional.size() == 1 ? " was" : " were") + " given"));
  }
  size_t index = 0;
  for (const auto& [key, value] : args.keyword) {
    (void)value;
    bool known = false;
    index = 0;
    for (std::string_view n : names) {
      if (n == key) {
        known = true;
        if (index < args.positional.size()) {
          return Unexpected(TypeError(std::string(fname) + "() got multiple values for argument '" +
                                      std::string(key) + "'"));
        }
      }
      ++index;
    }
    if (!known) {
      return Unexpected(TypeError(std::string(fname) + "() got an unexpected keyword argument '" +
                                  std::string(key) + "'"));
    }
  }
  return OkStatus();
}

// The argument at `index` / `name`, or `def`.
inline Value ArgOr(const CallArgs& args, size_t index, std::string_view name, Value def) {
  auto v = args.Get(index, name);
  return v ? *v : def;
}

// Python int(): accepts int/bool, rejects the rest with `what` in the message.
inline Result<int64_t> AsIntArg(const Value& v, std::string_view what) {
  if (v.IsInt() || v.IsBool()) return v.AsInt();
  return Unexpected(TypeError("'" + std::string(v.TypeName()) +
                              "' object cannot be interpreted as an integer" +
                              (what.empty() ? "" : " (" + std::string(what) + ")")));
}

// Python's str() of a filter input, honouring strict undefined.
inline Result<std::string> SoftStr(Runtime& rt, const Value& v) {
  if (v.IsUndefined() && rt.strict_undefined()) return Unexpected(UndefinedError(v));
  return ToStr(v);
}

// Python iteration of a filter input: list/tuple elements, dict keys, str code points,
// Undefined as empty (an error in strict mode); other kinds are "'int' object is not
// iterable". Counts the elements against the render's iteration limit.
Result<ValueList> Iterate(Runtime& rt, const Value& v);

// Lower-cases strings (Jinja's ignore_case); other values unchanged.
Value IgnoreCase(const Value& v);

// Jinja's make_attrgetter: "a.b.0" looks up item a (attribute as fallback), then b, then 0.
class AttrGetter {
 public:
  // `attribute` None/Undefined gives the identity; a string splits on "." (digit parts are
  // ints); an int is one part. `default_value` replaces an Undefined part when not None.
  AttrGetter(const Value& attribute, bool ignore_case = false, Value default_value = Value::None());
  Result<Value> Get(Runtime& rt, const Value& item) const;

 private:
  std::vector<Value> parts_;
  bool ignore_case_;
  Value default_;
};

// Jinja's make_multi_attrgetter for sort: "age,name" gives a list key per item.
class MultiAttrGetter {
 public:
  MultiAttrGetter(const Value& attribute, bool ignore_case);
  Result<Value> Get(Runtime& rt, const Value& item) const;

 private:
  std::vector<AttrGetter> getters_;
  bool multi_;
};

// Python's a < b where an undefined operand raises its UndefinedError.
Result<bool> PyLess(const Value& a, const Value& b);

// Stable sort of `items` by `keys` (same length) with Python's < ; reverse keeps the order
// of equal elements as Python's sorted(reverse=True) does. kInvalidArgument when two keys
// cannot be compared.
Status SortByKeys(ValueList& items, ValueList& keys, bool reverse);

}  // namespace gitops::jinja::builtins
