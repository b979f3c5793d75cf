// Builtin filters on sequences and mappings (Jinja2 3.1 filters.py). Filters that return
// generators in Jinja (map, select, unique, reverse...) return lists here; templates consume
// them the same way.
#include <algorithm>
#include <string>

#include "jinja/filters_internal.h"
#include "jinja/filters_util.h"
#include "jinja/pystr.h"

namespace gitops::jinja::builtins {
namespace {

// Jinja's "No first item, sequence was empty." style results: an undefined value.
Value EmptyResult(std::string_view hint) { return Value::Undefined(hint); }

Status CheckHashable(const Value& v) {
  if (v.IsDict() || (v.IsList() && !v.IsTuple()) || v.IsUndefined()) {
    if (v.IsUndefined()) return OkStatus();
    return Unexpected(TypeError("unhashable type: '" + std::string(v.TypeName()) + "'"));
  }
  return OkStatus();
}

// Python a + b for sum(): numbers, str (rejected by sum), lists/tuples concatenation.
Result<Value> Add(const Value& a, const Value& b) {
  if ((a.IsNumber() || a.IsBigInt()) && (b.IsNumber() || b.IsBigInt())) {
    if (a.IsFloat() || b.IsFloat()) {
      JINJA_ASSIGN_OR_RETURN(double x, ToFloat(a));
      JINJA_ASSIGN_OR_RETURN(double y, ToFloat(b));
      return Value::Float(x + y);
    }
    int64_t r;
    if (a.IsBigInt() || b.IsBigInt() || __builtin_add_overflow(a.AsInt(), b.AsInt(), &r)) {
      return IntArith(IntOp::kAdd, a, b);
    }
    return Value::Int(r);
  }
  if (a.IsList() && b.IsList() && a.IsTuple() == b.IsTuple()) {
    ValueList out = a.ToList();
    for (size_t i = 0; i < b.Size(); ++i) out.push_back(b.At(i));
    return a.IsTuple() ? Value::Tuple(std::move(out)) : Value::List(std::move(out));
  }
  return Unexpected(TypeError("unsupported operand type(s) for +: '" + std::string(a.TypeName()) +
                              "' and '" + std::string(b.TypeName()) + "'"));
}

Result<Value> MinMax(Runtime& rt, const Value& in, CallArgs& args, bool want_max) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, want_max ? "do_max" : "do_min", {"case_sensitive", "attribute"}));
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  if (items.empty()) return EmptyResult("No aggregated item, sequence was empty.");
  bool case_sensitive = ArgOr(args, 0, "case_sensitive", Value::Bool(false)).Truthy();
  AttrGetter getter(ArgOr(args, 1, "attribute", Value::None()), !case_sensitive);
  size_t best = 0;
  JINJA_ASSIGN_OR_RETURN(Value best_key, getter.Get(rt, items[0]));
  for (size_t i = 1; i < items.size(); ++i) {
    JINJA_ASSIGN_OR_RETURN(Value key, getter.Get(rt, items[i]));
    JINJA_ASSIGN_OR_RETURN(bool better, want_max ? PyLess(best_key, key) : PyLess(key, best_key));
    if (better) {
      best = i;
      best_key = key;
    }
  }
  return items[best];
}

// select/reject/selectattr/rejectattr.
Result<Value> SelectOrReject(Runtime& rt, const Value& in, CallArgs& args, bool select,
                             bool lookup_attr) {
  if (in.IsUndefined() && rt.strict_undefined()) return Unexpected(UndefinedError(in));
  if (!in.Truthy()) return Value::List({});
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  size_t off = 0;
  std::optional<AttrGetter> getter;
  if (lookup_attr) {
    if (args.positional.empty()) return Unexpected(TypeError("Missing parameter for attribute name"));
    getter.emplace(args.positional[0]);
    off = 1;
  }
  std::optional<std::string> test_name;
  CallArgs test_args;
  if (args.positional.size() > off) {
    const Value& name = args.positional[off];
    test_name = ToStr(name);
    test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(off) + 1,
                                args.positional.end());
    test_args.keyword = args.keyword;
  }
  ValueList out;
  for (const Value& item : items) {
    Value subject = item;
    if (getter) {
      JINJA_ASSIGN_OR_RETURN(subject, getter->Get(rt, item));
    }
    bool passed;
    if (test_name) {
      CallArgs call = test_args;
      JINJA_ASSIGN_OR_RETURN(passed, rt.CallTest(*test_name, subject, call));
    } else {
      if (subject.IsUndefined() && rt.strict_undefined()) return Unexpected(UndefinedError(subject));
      passed = subject.Truthy();
    }
    if (passed == select) out.push_back(item);
  }
  return Value::List(std::move(out));
}

}  // namespace

Result<Value> Attr(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_attr", {"name"}));
  auto name = args.Get(0, "name");
  if (!name) return Unexpected(TypeError("do_attr() missing 1 required positional argument: 'name'"));
  if (in.IsUndefined()) return Unexpected(UndefinedError(in));
  std::string n = ToStr(*name);
  if (in.IsObject()) return rt.GetAttr(in, n);
  // Plain values have no data attributes; dict keys are items, not attributes.
  return Value::UndefinedOwned(n, std::string(in.TypeName()) + " object");
}

Result<Value> Batch(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_batch", {"linecount", "fill_with"}));
  auto count_v = args.Get(0, "linecount");
  if (!count_v) return Unexpected(TypeError("do_batch() missing 1 required positional argument: 'linecount'"));
  JINJA_ASSIGN_OR_RETURN(int64_t linecount, AsIntArg(*count_v, ""));
  Value fill = ArgOr(args, 1, "fill_with", Value::None());
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  ValueList out, tmp;
  for (const Value& item : items) {
    if (static_cast<int64_t>(tmp.size()) == linecount) {
      out.push_back(Value::List(std::move(tmp)));
      tmp.clear();
    }
    tmp.push_back(item);
  }
  if (!tmp.empty()) {
    if (!fill.IsNone()) {
      while (static_cast<int64_t>(tmp.size()) < linecount) tmp.push_back(fill);
    }
    out.push_back(Value::List(std::move(tmp)));
  }
  return Value::List(std::move(out));
}

Result<Value> Slice(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_slice", {"slices", "fill_with"}));
  auto slices_v = args.Get(0, "slices");
  if (!slices_v) return Unexpected(TypeError("do_slice() missing 1 required positional argument: 'slices'"));
  JINJA_ASSIGN_OR_RETURN(int64_t slices, AsIntArg(*slices_v, ""));
  if (slices <= 0) return Unexpected(TypeError(slices == 0 ? "integer division or modulo by zero" : "slices must be positive"));
  Value fill = ArgOr(args, 1, "fill_with", Value::None());
  JINJA_ASSIGN_OR_RETURN(ValueList seq, Iterate(rt, in));
  GITOPS_RETURN_IF_ERROR(rt.Tick(static_cast<size_t>(slices)));
  int64_t length = static_cast<int64_t>(seq.size());
  int64_t per = length / slices, extra = length % slices, offset = 0;
  ValueList out;
  for (int64_t n = 0; n < slices; ++n) {
    int64_t start = offset + n * per;
    if (n < extra) ++offset;
    int64_t end = offset + (n + 1) * per;
    ValueList tmp(seq.begin() + start, seq.begin() + end);
    if (!fill.IsNone() && n >= extra) tmp.push_back(fill);
    out.push_back(Value::List(std::move(tmp)));
  }
  return Value::List(std::move(out));
}

Result<Value> Default(Runtime&, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_default", {"default_value", "boolean"}));
  Value def = ArgOr(args, 0, "default_value", Value::StrView(""));
  bool boolean = ArgOr(args, 1, "boolean", Value::Bool(false)).Truthy();
  if (in.IsUndefined() || (boolean && !in.Truthy())) return def;
  return in;
}

Result<Value> DictSort(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_dictsort", {"case_sensitive", "by", "reverse"}));
  bool case_sensitive = ArgOr(args, 0, "case_sensitive", Value::Bool(false)).Truthy();
  Value by = ArgOr(args, 1, "by", Value::StrView("key"));
  bool reverse = ArgOr(args, 2, "reverse", Value::Bool(false)).Truthy();
  size_t pos;
  if (by.IsString() && by.AsString() == "key") {
    pos = 0;
  } else if (by.IsString() && by.AsString() == "value") {
    pos = 1;
  } else {
    return Unexpected(TypeError("You can only sort by either \"key\" or \"value\""));
  }
  if (in.IsUndefined()) return Unexpected(UndefinedError(in));
  if (!in.IsDict()) {
    return Unexpected(TypeError("'" + std::string(in.TypeName()) + "' object has no attribute 'items'"));
  }
  GITOPS_RETURN_IF_ERROR(rt.Tick(in.Size()));
  ValueList items, keys;
  for (size_t i = 0; i < in.Size(); ++i) {
    Value k = in.KeyAt(i), v = in.ValueAt(i);
    Value key = pos == 0 ? k : v;
    keys.push_back(case_sensitive ? key : IgnoreCase(key));
    items.push_back(Value::Tuple({k, v}));
  }
  GITOPS_RETURN_IF_ERROR(SortByKeys(items, keys, reverse));
  return Value::List(std::move(items));
}

Result<Value> First(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_first", {}));
  if (in.IsList()) return in.Size() ? in.At(0) : EmptyResult("No first item, sequence was empty.");
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  if (items.empty()) return EmptyResult("No first item, sequence was empty.");
  return items.front();
}

Result<Value> Last(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_last", {}));
  if (in.IsList()) return in.Size() ? in.At(in.Size() - 1) : EmptyResult("No last item, sequence was empty.");
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  if (items.empty()) return EmptyResult("No last item, sequence was empty.");
  return items.back();
}

// Jinja2's _GroupTuple(grouper, list): a named tuple.
constexpr std::string_view kGroupFields[] = {"grouper", "list"};

Result<Value> GroupBy(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_groupby", {"attribute", "default", "case_sensitive"}));
  auto attribute = args.Get(0, "attribute");
  if (!attribute) {
    return Unexpected(TypeError("do_groupby() missing 1 required positional argument: 'attribute'"));
  }
  Value def = ArgOr(args, 1, "default", Value::None());
  bool case_sensitive = ArgOr(args, 2, "case_sensitive", Value::Bool(false)).Truthy();
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  AttrGetter key_getter(*attribute, !case_sensitive, def);
  AttrGetter out_getter(*attribute, false, def);
  ValueList keys;
  for (const Value& item : items) {
    JINJA_ASSIGN_OR_RETURN(Value k, key_getter.Get(rt, item));
    keys.push_back(std::move(k));
  }
  GITOPS_RETURN_IF_ERROR(SortByKeys(items, keys, false));
  ValueList out;
  size_t i = 0;
  while (i < items.size()) {
    size_t j = i + 1;
    while (j < items.size() && Equals(keys[j], keys[i])) ++j;
    ValueList group(items.begin() + static_cast<std::ptrdiff_t>(i),
                    items.begin() + static_cast<std::ptrdiff_t>(j));
    Value grouper = keys[i];
    if (!case_sensitive) {
      JINJA_ASSIGN_OR_RETURN(grouper, out_getter.Get(rt, group.front()));
    }
    out.push_back(Value::NamedTuple({grouper, Value::List(std::move(group))}, kGroupFields));
    i = j;
  }
  return Value::List(std::move(out));
}

Result<Value> Items(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_items", {}));
  if (in.IsUndefined()) return Value::List({});
  if (!in.IsDict()) return Unexpected(TypeError("Can only get item pairs from a mapping."));
  GITOPS_RETURN_IF_ERROR(rt.Tick(in.Size()));
  ValueList out;
  out.reserve(in.Size());
  for (size_t i = 0; i < in.Size(); ++i) out.push_back(Value::Tuple({in.KeyAt(i), in.ValueAt(i)}));
  return Value::List(std::move(out));
}

Result<Value> Join(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_join", {"d", "attribute"}));
  JINJA_ASSIGN_OR_RETURN(std::string sep, SoftStr(rt, ArgOr(args, 0, "d", Value::StrView(""))));
  Value attribute = ArgOr(args, 1, "attribute", Value::None());
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  std::optional<AttrGetter> getter;
  if (!attribute.IsNone()) getter.emplace(attribute);
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    Value item = items[i];
    if (getter) {
      JINJA_ASSIGN_OR_RETURN(item, getter->Get(rt, item));
    }
    JINJA_ASSIGN_OR_RETURN(std::string s, SoftStr(rt, item));
    out += s;
  }
  return Value::Str(std::move(out));
}

Result<Value> Length(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "len", {}));
  switch (in.kind()) {
    case Value::Kind::kUndefined:
      if (rt.strict_undefined()) return Unexpected(UndefinedError(in));
      return Value::Int(0);
    case Value::Kind::kString: return Value::Int(static_cast<int64_t>(pystr::Length(in.AsString())));
    case Value::Kind::kList:
    case Value::Kind::kDict: return Value::Int(static_cast<int64_t>(in.Size()));
    default:
      return Unexpected(TypeError("object of type '" + std::string(in.TypeName()) + "' has no len()"));
  }
}

Result<Value> ListFilter(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "list", {}));
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  return Value::List(std::move(items));
}

Result<Value> Map(Runtime& rt, const Value& in, CallArgs& args) {
  if (in.IsUndefined() && rt.strict_undefined()) return Unexpected(UndefinedError(in));
  if (!in.Truthy()) return Value::List({});
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  ValueList out;
  out.reserve(items.size());
  if (args.positional.empty() && args.Keyword("attribute")) {
    for (const auto& [k, v] : args.keyword) {
      (void)v;
      if (k != "attribute" && k != "default") {
        return Unexpected(TypeError("Unexpected keyword argument '" + std::string(k) + "'"));
      }
    }
    const Value* def = args.Keyword("default");
    AttrGetter getter(*args.Keyword("attribute"), false, def ? *def : Value::None());
    for (const Value& item : items) {
      JINJA_ASSIGN_OR_RETURN(Value v, getter.Get(rt, item));
      out.push_back(std::move(v));
    }
    return Value::List(std::move(out));
  }
  if (args.positional.empty()) return Unexpected(TypeError("map requires a filter argument"));
  std::string name = ToStr(args.positional[0]);
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keyword = args.keyword;
  for (const Value& item : items) {
    CallArgs call = rest;
    JINJA_ASSIGN_OR_RETURN(Value v, rt.CallFilter(name, item, call));
    out.push_back(std::move(v));
  }
  return Value::List(std::move(out));
}

Result<Value> Max(Runtime& rt, const Value& in, CallArgs& args) { return MinMax(rt, in, args, true); }
Result<Value> Min(Runtime& rt, const Value& in, CallArgs& args) { return MinMax(rt, in, args, false); }

Result<Value> Select(Runtime& rt, const Value& in, CallArgs& args) {
  return SelectOrReject(rt, in, args, true, false);
}
Result<Value> Reject(Runtime& rt, const Value& in, CallArgs& args) {
  return SelectOrReject(rt, in, args, false, false);
}
Result<Value> SelectAttr(Runtime& rt, const Value& in, CallArgs& args) {
  return SelectOrReject(rt, in, args, true, true);
}
Result<Value> RejectAttr(Runtime& rt, const Value& in, CallArgs& args) {
  return SelectOrReject(rt, in, args, false, true);
}

Result<Value> Reverse(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_reverse", {}));
  if (in.IsString()) {
    std::u32string cps = pystr::Decode(in.AsString());
    std::reverse(cps.begin(), cps.end());
    return Value::Str(pystr::Encode(cps));
  }
  if (!in.IsList() && !in.IsDict() && !in.IsUndefined()) {
    return Unexpected(TypeError("argument must be iterable"));
  }
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  std::reverse(items.begin(), items.end());
  return Value::List(std::move(items));
}

Result<Value> Sort(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_sort", {"reverse", "case_sensitive", "attribute"}));
  bool reverse = ArgOr(args, 0, "reverse", Value::Bool(false)).Truthy();
  bool case_sensitive = ArgOr(args, 1, "case_sensitive", Value::Bool(false)).Truthy();
  Value attribute = ArgOr(args, 2, "attribute", Value::None());
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  MultiAttrGetter getter(attribute, !case_sensitive);
  ValueList keys;
  keys.reserve(items.size());
  for (const Value& item : items) {
    JINJA_ASSIGN_OR_RETURN(Value k, getter.Get(rt, item));
    keys.push_back(std::move(k));
  }
  GITOPS_RETURN_IF_ERROR(SortByKeys(items, keys, reverse));
  return Value::List(std::move(items));
}

Result<Value> Sum(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_sum", {"attribute", "start"}));
  Value attribute = ArgOr(args, 0, "attribute", Value::None());
  Value total = ArgOr(args, 1, "start", Value::Int(0));
  if (total.IsString()) return Unexpected(TypeError("sum() can't sum strings [use ''.join(seq) instead]"));
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  std::optional<AttrGetter> getter;
  if (!attribute.IsNone()) getter.emplace(attribute);
  for (const Value& item : items) {
    Value v = item;
    if (getter) {
      JINJA_ASSIGN_OR_RETURN(v, getter->Get(rt, item));
    }
    JINJA_ASSIGN_OR_RETURN(total, Add(total, v));
  }
  return total;
}

Result<Value> Unique(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_unique", {"case_sensitive", "attribute"}));
  bool case_sensitive = ArgOr(args, 0, "case_sensitive", Value::Bool(false)).Truthy();
  AttrGetter getter(ArgOr(args, 1, "attribute", Value::None()), !case_sensitive);
  JINJA_ASSIGN_OR_RETURN(ValueList items, Iterate(rt, in));
  ValueList seen, out;
  for (const Value& item : items) {
    JINJA_ASSIGN_OR_RETURN(Value key, getter.Get(rt, item));
    GITOPS_RETURN_IF_ERROR(CheckHashable(key));
    GITOPS_RETURN_IF_ERROR(rt.Tick(seen.size() / 64 + 1));
    bool dup = std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return Equals(s, key); });
    if (dup) continue;
    seen.push_back(key);
    out.push_back(item);
  }
  return Value::List(std::move(out));
}

}  // namespace gitops::jinja::builtins
