// Python methods that templates call on values: str (upper, split, format, ...), dict (items,
// keys, values, get) and list (index, count, append, ...). Each type has a name table.
#pragma once

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
// or dict that is a view of the JSON context. Mutating methods (list.append, dict.update,
// dict.pop, ...) change `self`'s owned storage in place. Jinja2 would mutate the caller's
// dict; the context is read in place and shared, so that is an error naming the fix (copy
// first with dict(x) or x.copy()).
Result<Value> CallMethod(Runtime& rt, const Value& self, std::string_view name, CallArgs& args);

}  // namespace gitops::jinja
