// Python methods that templates call on values: str (upper, split, format, ...), dict (items,
// keys, values, get) and list (index, count, append, ...). Each type has a name table.
#pragma once

#include <optional>
#include <string_view>

#include "core/result.h"
#include "jinja/runtime.h"
#include "jinja/value.h"

namespace gitops::jinja {

// True when `self` (a str, dict or list/tuple) has a method called `name`. The evaluator asks
// before looking up items, as Jinja's getattr does.
bool HasMethod(const Value& self, std::string_view name);

// Calls method `name` of `self`. kInvalidArgument for an unknown method, bad arguments
// (Python's TypeError/ValueError wording, e.g. "substring not found") or mutating a list
// that is a view of the JSON context. Mutating methods (list.append) change `self`'s owned
// list in place and return None.
Result<Value> CallMethod(Runtime& rt, const Value& self, std::string_view name, CallArgs& args);

// Data attributes of builtin values, for the evaluator's getattr after HasMethod: the
// `grouper` and `list` fields of groupby's results. A groupby result is a 2-tuple whose second
// element is a list; other such tuples answer too (Jinja's would be Undefined), which no
// template relies on. nullopt when `self` has no attribute `name`.
std::optional<Value> GetValueAttribute(const Value& self, std::string_view name);

}  // namespace gitops::jinja
