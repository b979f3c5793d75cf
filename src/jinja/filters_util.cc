// Helpers shared by the builtin filters: iteration, attribute getters, sorting.
#include "jinja/filters_util.h"

#include <algorithm>
#include <numeric>

#include "jinja/pystr.h"

namespace gitops::jinja::builtins {

Result<ValueList> Iterate(Runtime& rt, const Value& v) {
  ValueList out;
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      if (rt.strict_undefined()) return Unexpected(UndefinedError(v));
      return out;
    case Value::Kind::kList:
      GITOPS_RETURN_IF_ERROR(rt.Tick(v.Size()));
      return v.ToList();
    case Value::Kind::kDict:
      GITOPS_RETURN_IF_ERROR(rt.Tick(v.Size()));
      out.reserve(v.Size());
      for (size_t i = 0; i < v.Size(); ++i) out.push_back(v.KeyAt(i));
      return out;
    case Value::Kind::kString: {
      std::u32string cps = pystr::Decode(v.AsString());
      GITOPS_RETURN_IF_ERROR(rt.Tick(cps.size()));
      out.reserve(cps.size());
      for (char32_t c : cps) {
        std::string s;
        pystr::AppendUtf8(s, c);
        out.push_back(Value::Str(std::move(s)));
      }
      return out;
    }
    default:
      return Unexpected(TypeError("'" + std::string(v.TypeName()) + "' object is not iterable"));
  }
}

Value IgnoreCase(const Value& v) {
  if (v.IsString()) return Value::Str(pystr::Lower(v.AsString()));
  return v;
}

AttrGetter::AttrGetter(const Value& attribute, bool ignore_case, Value default_value)
    : ignore_case_(ignore_case), default_(std::move(default_value)) {
  if (attribute.IsString()) {
    std::string_view s = attribute.AsString();
    size_t start = 0;
    while (true) {
      size_t dot = s.find('.', start);
      std::string_view part = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (pystr::AllOf(part, pystr::IsDigit) && part.size() < 19) {
        parts_.push_back(Value::Int(std::stoll(std::string(part))));
      } else {
        parts_.push_back(Value::Str(std::string(part)));
      }
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  } else if (!attribute.IsNone() && !attribute.IsUndefined()) {
    parts_.push_back(attribute);
  }
}

Result<Value> AttrGetter::Get(Runtime& rt, const Value& item) const {
  Value cur = item;
  for (const Value& part : parts_) {
    JINJA_ASSIGN_OR_RETURN(Value next, rt.GetItem(cur, part));
    if (next.IsUndefined() && part.IsString()) {
      JINJA_ASSIGN_OR_RETURN(next, rt.GetAttr(cur, part.AsString()));
    }
    cur = std::move(next);
    if (!default_.IsNone() && cur.IsUndefined()) cur = default_;
  }
  if (ignore_case_) return IgnoreCase(cur);
  return cur;
}

MultiAttrGetter::MultiAttrGetter(const Value& attribute, bool ignore_case)
    : multi_(attribute.IsString()) {
  if (attribute.IsString()) {
    auto parts = pystr::Split(attribute.AsString(), std::string_view(","));
    for (auto part : *parts) {
      getters_.emplace_back(Value::Str(std::string(part)), ignore_case);
    }
  } else {
    getters_.emplace_back(attribute, ignore_case);
  }
}

Result<Value> MultiAttrGetter::Get(Runtime& rt, const Value& item) const {
  ValueList keys;
  for (const auto& g : getters_) {
    JINJA_ASSIGN_OR_RETURN(Value k, g.Get(rt, item));
    keys.push_back(std::move(k));
  }
  // A list key compares element-wise, as Python compares the lists the getter returns.
  return Value::List(std::move(keys));
}

Result<bool> PyLess(const Value& a, const Value& b) {
  // Undefined's comparison operators raise its UndefinedError (whichever side it is on).
  if (a.IsUndefined()) return Unexpected(UndefinedError(a));
  if (b.IsUndefined()) return Unexpected(UndefinedError(b));
  if (a.IsList() && b.IsList() && a.IsTuple() == b.IsTuple()) {
    size_t n = std::min(a.Size(), b.Size());
    for (size_t i = 0; i < n; ++i) {
      Value x = a.At(i), y = b.At(i);
      if (!x.IsUndefined() && !y.IsUndefined() && Equals(x, y)) continue;
      return PyLess(x, y);
    }
    return a.Size() < b.Size();
  }
  return Less(a, b);
}

Status SortByKeys(ValueList& items, ValueList& keys, bool reverse) {
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  std::optional<Error> error;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (error) return false;
    auto less = reverse ? PyLess(keys[b], keys[a]) : PyLess(keys[a], keys[b]);
    if (!less.ok()) {
      error = less.error();
      return false;
    }
    return *less;
  });
  if (error) return Unexpected(*error);
  ValueList sorted_items, sorted_keys;
  sorted_items.reserve(items.size());
  sorted_keys.reserve(items.size());
  for (size_t i : order) {
    sorted_items.push_back(std::move(items[i]));
    sorted_keys.push_back(std::move(keys[i]));
  }
  items = std::move(sorted_items);
  keys = std::move(sorted_keys);
  return OkStatus();
}

}  // namespace gitops::jinja::builtins
