// Python methods of str, dict and list values, one name table per type (see methods.h).
#include "jinja/methods.h"

#include <algorithm>
#include <optional>
#include <string>

#include "jinja/filters_util.h"
#include "jinja/pystr.h"

namespace gitops::jinja {
namespace {

using builtins::TypeError;
using MethodFn = Result<Value> (*)(Runtime& rt, const Value& self, CallArgs& args);

struct MethodRow {
  std::string_view name;
  MethodFn fn;
};

Result<std::string_view> StrArg(const Value& v, std::string_view method, int argno) {
  if (v.IsString()) return v.AsString();
  return Unexpected(TypeError(std::string(method) + "() argument " + std::to_string(argno) +
                              " must be str, not " + std::string(v.TypeName())));
}

Result<std::optional<std::string_view>> OptStrArg(const CallArgs& args, size_t index,
                                                  std::string_view name, std::string_view method) {
  auto v = args.Get(index, name);
  if (!v || v->IsNone()) return std::optional<std::string_view>();
  if (v->IsString()) return std::optional<std::string_view>(v->AsString());
  return Unexpected(TypeError(std::string(method) + " arg must be None or str"));
}

Status RequireArgs(const CallArgs& args, std::string_view method, size_t min, size_t max) {
  // Required arguments are positional-only (as in Python's builtin methods): callers read
  // args.positional[0..min) directly.
  if (args.positional.size() < min && !args.keyword.empty()) {
    return Unexpected(TypeError(std::string(method) + "() takes no keyword arguments"));
  }
  size_t n = args.positional.size() + args.keyword.size();
  if (n < min || n > max) {
    std::string m = std::string(method) + "() takes ";
    if (min == max) {
      m += min == 0 ? "no arguments" : "exactly " + std::to_string(min) + " argument" + (min == 1 ? "" : "s");
    } else if (n < min) {
      m += "at least " + std::to_string(min) + " argument" + (min == 1 ? "" : "s");
    } else {
      m += "at most " + std::to_string(max) + " argument" + (max == 1 ? "" : "s");
    }
    m += " (" + std::to_string(n) + " given)";
    return Unexpected(TypeError(std::move(m)));
  }
  return OkStatus();
}

// Applies Python's optional [start[, end]] slice arguments (code point indexes) to `s`.
Result<std::string_view> SliceArgs(std::string_view s, const CallArgs& args, size_t first) {
  int64_t len = static_cast<int64_t>(pystr::Length(s));
  int64_t start = 0, end = len;
  auto norm = [&](int64_t i) { return i < 0 ? std::max<int64_t>(0, i + len) : std::min(i, len); };
  if (args.positional.size() > first && !args.positional[first].IsNone()) {
    JINJA_ASSIGN_OR_RETURN(int64_t v, builtins::AsIntArg(args.positional[first], "slice index"));
    start = norm(v);
  }
  if (args.positional.size() > first + 1 && !args.positional[first + 1].IsNone()) {
    JINJA_ASSIGN_OR_RETURN(int64_t v, builtins::AsIntArg(args.positional[first + 1], "slice index"));
    end = norm(v);
  }
  if (start > end) return std::string_view(s.data(), 0).substr(0, 0);  // empty, but valid
  size_t b = pystr::ByteOffset(s, static_cast<size_t>(start));
  size_t e = pystr::ByteOffset(s, static_cast<size_t>(end));
  return s.substr(b, e - b);
}

// ---- str ---------------------------------------------------------------------------------

template <std::string (*F)(std::string_view)>
Result<Value> StrMap(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "method", 0, 0));
  return Value::Str(F(self.AsString()));
}

template <bool kLeft, bool kRight>
Result<Value> StrStrip(Runtime&, const Value& self, CallArgs& args) {
  const char* name = kLeft && kRight ? "strip" : kLeft ? "lstrip" : "rstrip";
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, name, 0, 1));
  JINJA_ASSIGN_OR_RETURN(auto chars, OptStrArg(args, 0, "chars", name));
  return Value::Str(std::string(pystr::Strip(self.AsString(), chars, kLeft, kRight)));
}

template <bool kRight>
Result<Value> StrSplit(Runtime& rt, const Value& self, CallArgs& args) {
  const char* name = kRight ? "rsplit" : "split";
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, name, 0, 2));
  JINJA_ASSIGN_OR_RETURN(auto sep, OptStrArg(args, 0, "sep", name));
  int64_t maxsplit = -1;
  if (auto m = args.Get(1, "maxsplit")) {
    JINJA_ASSIGN_OR_RETURN(maxsplit, builtins::AsIntArg(*m, ""));
  }
  auto parts = kRight ? pystr::RSplit(self.AsString(), sep, maxsplit)
                      : pystr::Split(self.AsString(), sep, maxsplit);
  if (!parts.ok()) return Unexpected(std::move(parts).error());
  GITOPS_RETURN_IF_ERROR(rt.Tick(parts->size()));
  ValueList out;
  out.reserve(parts->size());
  for (auto p : *parts) out.push_back(Value::Str(std::string(p)));
  return Value::List(std::move(out));
}

Result<Value> StrSplitLines(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "splitlines", 0, 1));
  bool keepends = builtins::ArgOr(args, 0, "keepends", Value::Bool(false)).Truthy();
  ValueList out;
  for (auto p : pystr::SplitLines(self.AsString(), keepends)) out.push_back(Value::Str(std::string(p)));
  return Value::List(std::move(out));
}

template <bool kEnd>
Result<Value> StrStartsEnds(Runtime&, const Value& self, CallArgs& args) {
  const char* name = kEnd ? "endswith" : "startswith";
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, name, 1, 3));
  Value what = *args.Get(0, "prefix");
  JINJA_ASSIGN_OR_RETURN(std::string_view s, SliceArgs(self.AsString(), args, 1));
  auto test = [&](std::string_view p) {
    return kEnd ? (s.size() >= p.size() && s.substr(s.size() - p.size()) == p)
                : s.substr(0, p.size()) == p;
  };
  if (what.IsString()) return Value::Bool(test(what.AsString()));
  if (what.IsTuple()) {
    for (size_t i = 0; i < what.Size(); ++i) {
      Value p = what.At(i);
      if (!p.IsString()) {
        return Unexpected(TypeError("tuple for " + std::string(name) +
                                    " must only contain str, not " + std::string(p.TypeName())));
      }
      if (test(p.AsString())) return Value::Bool(true);
    }
    return Value::Bool(false);
  }
  return Unexpected(TypeError(std::string(name) + " first arg must be str or a tuple of str, not " +
                              std::string(what.TypeName())));
}

Result<Value> StrReplace(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "replace", 2, 3));
  JINJA_ASSIGN_OR_RETURN(std::string_view old_s, StrArg(args.positional[0], "replace", 1));
  JINJA_ASSIGN_OR_RETURN(std::string_view new_s, StrArg(*args.Get(1, "new"), "replace", 2));
  int64_t count = -1;
  if (auto c = args.Get(2, "count")) {
    JINJA_ASSIGN_OR_RETURN(count, builtins::AsIntArg(*c, ""));
  }
  return Value::Str(pystr::Replace(self.AsString(), old_s, new_s, count));
}

Result<Value> StrFormatMethod(Runtime& rt, const Value& self, CallArgs& args) {
  JINJA_ASSIGN_OR_RETURN(std::string s, pystr::StrFormat(rt, self.AsString(), args));
  return Value::Str(std::move(s));
}

Result<Value> StrJoin(Runtime& rt, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "join", 1, 1));
  Value seq = args.positional.empty() ? args.keyword[0].second : args.positional[0];
  std::string out;
  auto add = [&](size_t i, const Value& item) -> Status {
    if (!item.IsString()) {
      return Unexpected(TypeError("sequence item " + std::to_string(i) +
                                  ": expected str instance, " + std::string(item.TypeName()) +
                                  " found"));
    }
    if (i) out += self.AsString();
    out += item.AsString();
    return OkStatus();
  };
  if (seq.IsString()) {
    std::u32string cps = pystr::Decode(seq.AsString());
    for (size_t i = 0; i < cps.size(); ++i) {
      if (i) out += self.AsString();
      pystr::AppendUtf8(out, cps[i]);
    }
  } else if (seq.IsList()) {
    GITOPS_RETURN_IF_ERROR(rt.Tick(seq.Size()));
    for (size_t i = 0; i < seq.Size(); ++i) GITOPS_RETURN_IF_ERROR(add(i, seq.At(i)));
  } else if (seq.IsDict()) {
    for (size_t i = 0; i < seq.Size(); ++i) GITOPS_RETURN_IF_ERROR(add(i, seq.KeyAt(i)));
  } else {
    return Unexpected(TypeError("can only join an iterable"));
  }
  return Value::Str(std::move(out));
}

enum class FindKind { kFind, kRFind, kIndex, kRIndex, kCount };

template <FindKind kKind>
Result<Value> StrFind(Runtime&, const Value& self, CallArgs& args) {
  const char* name = kKind == FindKind::kFind ? "find" : kKind == FindKind::kRFind ? "rfind"
                   : kKind == FindKind::kIndex ? "index" : kKind == FindKind::kRIndex ? "rindex" : "count";
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, name, 1, 3));
  if (!args.positional[0].IsString()) {
    return Unexpected(TypeError("must be str, not " + std::string(args.positional[0].TypeName())));
  }
  std::string_view sub = args.positional[0].AsString();
  JINJA_ASSIGN_OR_RETURN(std::string_view s, SliceArgs(self.AsString(), args, 1));
  int64_t offset = static_cast<int64_t>(pystr::Length(self.AsString().substr(0, static_cast<size_t>(s.data() - self.AsString().data()))));
  if (kKind == FindKind::kCount) return Value::Int(pystr::Count(s, sub));
  bool reverse = kKind == FindKind::kRFind || kKind == FindKind::kRIndex;
  int64_t at = reverse ? pystr::RFind(s, sub) : pystr::Find(s, sub);
  if (at < 0) {
    if (kKind == FindKind::kIndex || kKind == FindKind::kRIndex) {
      return Unexpected(TypeError("substring not found"));
    }
    return Value::Int(-1);
  }
  return Value::Int(at + offset);
}

template <bool (*P)(std::string_view)>
Result<Value> StrPredicate(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "method", 0, 0));
  return Value::Bool(P(self.AsString()));
}

bool IsDigitStr(std::string_view s) { return pystr::AllOf(s, pystr::IsDigit); }
bool IsDecimalStr(std::string_view s) { return pystr::AllOf(s, pystr::IsDecimal); }
bool IsAlphaStr(std::string_view s) { return pystr::AllOf(s, pystr::IsAlpha); }
bool IsSpaceStr(std::string_view s) { return pystr::AllOf(s, pystr::IsSpace); }
bool IsAlnumStr(std::string_view s) {
  return pystr::AllOf(s, [](char32_t c) { return pystr::IsAlpha(c) || pystr::IsDigit(c); });
}

enum class PadKind { kCenter, kLJust, kRJust };

template <PadKind kKind>
Result<Value> StrPad(Runtime&, const Value& self, CallArgs& args) {
  const char* name = kKind == PadKind::kCenter ? "center" : kKind == PadKind::kLJust ? "ljust" : "rjust";
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, name, 1, 2));
  JINJA_ASSIGN_OR_RETURN(int64_t width, builtins::AsIntArg(args.positional[0], ""));
  std::string_view fill = " ";
  if (args.positional.size() > 1) {
    const Value& f = args.positional[1];
    if (!f.IsString() || pystr::Length(f.AsString()) != 1) {
      return Unexpected(TypeError("The fill character must be exactly one character long"));
    }
    fill = f.AsString();
  }
  std::string_view s = self.AsString();
  switch (kKind) {
    case PadKind::kCenter: return Value::Str(pystr::Center(s, width, fill));
    case PadKind::kLJust: return Value::Str(pystr::LJust(s, width, fill));
    default: return Value::Str(pystr::RJust(s, width, fill));
  }
}

Result<Value> StrZFill(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "zfill", 1, 1));
  JINJA_ASSIGN_OR_RETURN(int64_t width, builtins::AsIntArg(args.positional[0], ""));
  return Value::Str(pystr::ZFill(self.AsString(), width));
}

template <bool kRight>
Result<Value> StrPartition(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, kRight ? "rpartition" : "partition", 1, 1));
  JINJA_ASSIGN_OR_RETURN(std::string_view sep, StrArg(args.positional[0], "partition", 1));
  if (sep.empty()) return Unexpected(TypeError("empty separator"));
  std::string_view s = self.AsString();
  size_t hit = kRight ? s.rfind(sep) : s.find(sep);
  if (hit == std::string_view::npos) {
    if (kRight) return Value::Tuple({Value::Str(""), Value::Str(""), Value::Str(std::string(s))});
    return Value::Tuple({Value::Str(std::string(s)), Value::Str(""), Value::Str("")});
  }
  return Value::Tuple({Value::Str(std::string(s.substr(0, hit))), Value::Str(std::string(sep)),
                       Value::Str(std::string(s.substr(hit + sep.size())))});
}

template <bool kSuffix>
Result<Value> StrRemoveAffix(Runtime&, const Value& self, CallArgs& args) {
  const char* name = kSuffix ? "removesuffix" : "removeprefix";
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, name, 1, 1));
  JINJA_ASSIGN_OR_RETURN(std::string_view a, StrArg(args.positional[0], name, 1));
  std::string_view s = self.AsString();
  if (!kSuffix && s.substr(0, a.size()) == a) s.remove_prefix(a.size());
  if (kSuffix && !a.empty() && s.size() >= a.size() && s.substr(s.size() - a.size()) == a) {
    s.remove_suffix(a.size());
  }
  return Value::Str(std::string(s));
}

std::string Upper(std::string_view s) { return pystr::Upper(s); }
std::string Lower(std::string_view s) { return pystr::Lower(s); }
std::string Title(std::string_view s) { return pystr::Title(s); }
std::string Capitalize(std::string_view s) { return pystr::Capitalize(s); }
std::string SwapCase(std::string_view s) { return pystr::SwapCase(s); }

// Sorted by name (binary search).
constexpr MethodRow kStrMethods[] = {
    {"capitalize", StrMap<Capitalize>},
    {"casefold", StrMap<Lower>},
    {"center", StrPad<PadKind::kCenter>},
    {"count", StrFind<FindKind::kCount>},
    {"endswith", StrStartsEnds<true>},
    {"find", StrFind<FindKind::kFind>},
    {"format", StrFormatMethod},
    {"index", StrFind<FindKind::kIndex>},
    {"isalnum", StrPredicate<IsAlnumStr>},
    {"isalpha", StrPredicate<IsAlphaStr>},
    {"isdecimal", StrPredicate<IsDecimalStr>},
    {"isdigit", StrPredicate<IsDigitStr>},
    {"islower", StrPredicate<pystr::IsLowerStr>},
    {"isnumeric", StrPredicate<IsDigitStr>},
    {"isspace", StrPredicate<IsSpaceStr>},
    {"istitle", StrPredicate<pystr::IsTitleStr>},
    {"isupper", StrPredicate<pystr::IsUpperStr>},
    {"join", StrJoin},
    {"ljust", StrPad<PadKind::kLJust>},
    {"lower", StrMap<Lower>},
    {"lstrip", StrStrip<true, false>},
    {"partition", StrPartition<false>},
    {"removeprefix", StrRemoveAffix<false>},
    {"removesuffix", StrRemoveAffix<true>},
    {"replace", StrReplace},
    {"rfind", StrFind<FindKind::kRFind>},
    {"rindex", StrFind<FindKind::kRIndex>},
    {"rjust", StrPad<PadKind::kRJust>},
    {"rpartition", StrPartition<true>},
    {"rsplit", StrSplit<true>},
    {"rstrip", StrStrip<false, true>},
    {"split", StrSplit<false>},
    {"splitlines", StrSplitLines},
    {"startswith", StrStartsEnds<false>},
    {"strip", StrStrip<true, true>},
    {"swapcase", StrMap<SwapCase>},
    {"title", StrMap<Title>},
    {"upper", StrMap<Upper>},
    {"zfill", StrZFill},
};

// ---- dict --------------------------------------------------------------------------------

Result<Value> DictItems(Runtime& rt, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "items", 0, 0));
  GITOPS_RETURN_IF_ERROR(rt.Tick(self.Size()));
  ValueList out;
  out.reserve(self.Size());
  for (size_t i = 0; i < self.Size(); ++i) out.push_back(Value::Tuple({self.KeyAt(i), self.ValueAt(i)}));
  return Value::List(std::move(out));
}

Result<Value> DictKeys(Runtime& rt, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "keys", 0, 0));
  GITOPS_RETURN_IF_ERROR(rt.Tick(self.Size()));
  ValueList out;
  for (size_t i = 0; i < self.Size(); ++i) out.push_back(self.KeyAt(i));
  return Value::List(std::move(out));
}

Result<Value> DictValues(Runtime& rt, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "values", 0, 0));
  GITOPS_RETURN_IF_ERROR(rt.Tick(self.Size()));
  ValueList out;
  for (size_t i = 0; i < self.Size(); ++i) out.push_back(self.ValueAt(i));
  return Value::List(std::move(out));
}

Result<Value> DictGet(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "get", 1, 2));
  Value key = args.positional.empty() ? args.keyword[0].second : args.positional[0];
  if (key.IsList() && !key.IsTuple()) return Unexpected(TypeError("unhashable type: 'list'"));
  if (key.IsDict()) return Unexpected(TypeError("unhashable type: 'dict'"));
  if (auto v = self.Find(key)) return *v;
  return builtins::ArgOr(args, 1, "default", Value::None());
}

Result<Value> DictCopy(Runtime& rt, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "copy", 0, 0));
  GITOPS_RETURN_IF_ERROR(rt.Tick(self.Size()));
  DictData d;
  d.items.reserve(self.Size());
  for (size_t i = 0; i < self.Size(); ++i) d.items.emplace_back(self.KeyAt(i), self.ValueAt(i));
  return Value::Dict(std::move(d));
}

// The owned storage of a dict for mutation. Dicts that are views of the JSON context are
// read in place and shared by every render, so they cannot change: Jinja2 would mutate the
// caller's dict; here it is an error that names the way out (copy first: dict(x), x.copy()).
Result<DictData*> MutableDictOf(const Value& self) {
  Value copy = self;  // shares the owned storage
  DictData* dict = copy.MutableDict();
  if (!dict) {
    return Unexpected(TypeError(
        "cannot modify a dict that is part of the values (copy it first: dict(x) or x.copy())"));
  }
  return dict;
}

// Python's positional-only argument count check of dict methods ("pop expected at least 1
// argument, got 0"; "dict.pop() takes no keyword arguments").
Status PositionalOnly(const CallArgs& args, std::string_view method, size_t min, size_t max) {
  if (!args.keyword.empty()) {
    return Unexpected(TypeError("dict." + std::string(method) + "() takes no keyword arguments"));
  }
  size_t n = args.positional.size();
  auto plural = [](size_t k) { return std::to_string(k) + (k == 1 ? " argument" : " arguments"); };
  if (n < min) {
    return Unexpected(TypeError(std::string(method) + " expected at least " + plural(min) +
                                ", got " + std::to_string(n)));
  }
  if (n > max) {
    return Unexpected(TypeError(std::string(method) + " expected at most " + plural(max) +
                                ", got " + std::to_string(n)));
  }
  return OkStatus();
}

Status CheckHashable(const Value& key) {
  if (key.IsDict() || (key.IsList() && !key.IsTuple())) {
    return Unexpected(TypeError("unhashable type: '" + std::string(key.TypeName()) + "'"));
  }
  if (key.IsTuple()) {
    for (size_t i = 0; i < key.Size(); ++i) GITOPS_RETURN_IF_ERROR(CheckHashable(key.At(i)));
  }
  return OkStatus();
}

// Python's repr of a missing key as KeyError prints it: KeyError('zz') -> 'zz'.
Error KeyError(const Value& key) { return TypeError(ToRepr(key)); }

// dict.update([other], **kwargs): a mapping's items, or an iterable of 2-item sequences, then
// the keyword arguments.
Result<Value> DictUpdate(Runtime& rt, const Value& self, CallArgs& args) {
  if (args.positional.size() > 1) {
    return Unexpected(TypeError("update expected at most 1 argument, got " +
                                std::to_string(args.positional.size())));
  }
  JINJA_ASSIGN_OR_RETURN(DictData * dict, MutableDictOf(self));
  DictData added;  // built first: a bad element leaves `self` as Python leaves it (partly updated)
  Status status = OkStatus();
  if (!args.positional.empty()) {
    const Value& other = args.positional[0];
    if (other.IsDict()) {
      GITOPS_RETURN_IF_ERROR(rt.Tick(other.Size()));
      for (size_t i = 0; i < other.Size(); ++i) {
        added.items.emplace_back(other.KeyAt(i), other.ValueAt(i));
      }
    } else if (other.IsUndefined() || other.IsList() || other.IsString()) {
      JINJA_ASSIGN_OR_RETURN(ValueList elements, builtins::Iterate(rt, other));
      for (size_t i = 0; i < elements.size() && status.ok(); ++i) {
        const Value& e = elements[i];
        std::string where = "dictionary update sequence element #" + std::to_string(i);
        ValueList pair;
        if (e.IsList()) {
          pair = e.ToList();
        } else if (e.IsString()) {
          JINJA_ASSIGN_OR_RETURN(pair, builtins::Iterate(rt, e));
        } else if (e.IsDict()) {
          for (size_t k = 0; k < e.Size(); ++k) pair.push_back(e.KeyAt(k));
        } else {
          status = Unexpected(TypeError("cannot convert " + where + " to a sequence"));
          break;
        }
        if (pair.size() != 2) {
          status = Unexpected(TypeError(where + " has length " + std::to_string(pair.size()) +
                                        "; 2 is required"));
          break;
        }
        status = CheckHashable(pair[0]);
        if (status.ok()) added.items.emplace_back(std::move(pair[0]), std::move(pair[1]));
      }
    } else {
      return Unexpected(
          TypeError("'" + std::string(other.TypeName()) + "' object is not iterable"));
    }
  }
  for (auto& [k, v] : added.items) dict->Set(std::move(k), std::move(v));
  GITOPS_RETURN_IF_ERROR(status);
  for (const auto& [k, v] : args.keyword) dict->Set(Value::Str(std::string(k)), v);
  return Value::None();
}

// dict.setdefault(key[, default]): the value under `key`, inserting `default` (None) first.
Result<Value> DictSetDefault(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(PositionalOnly(args, "setdefault", 1, 2));
  GITOPS_RETURN_IF_ERROR(CheckHashable(args.positional[0]));
  JINJA_ASSIGN_OR_RETURN(DictData * dict, MutableDictOf(self));
  if (const Value* v = dict->Find(args.positional[0])) return *v;
  Value def = args.positional.size() > 1 ? args.positional[1] : Value::None();
  dict->items.emplace_back(args.positional[0], def);
  return def;
}

// dict.pop(key[, default]): removes and returns the value; KeyError without a default.
Result<Value> DictPop(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(PositionalOnly(args, "pop", 1, 2));
  GITOPS_RETURN_IF_ERROR(CheckHashable(args.positional[0]));
  JINJA_ASSIGN_OR_RETURN(DictData * dict, MutableDictOf(self));
  for (auto it = dict->items.begin(); it != dict->items.end(); ++it) {
    if (Equals(it->first, args.positional[0])) {
      Value v = std::move(it->second);
      dict->items.erase(it);
      return v;
    }
  }
  if (args.positional.size() > 1) return args.positional[1];
  return Unexpected(KeyError(args.positional[0]));
}

// dict.popitem(): removes and returns the last (key, value) pair.
Result<Value> DictPopItem(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "dict.popitem", 0, 0));
  JINJA_ASSIGN_OR_RETURN(DictData * dict, MutableDictOf(self));
  if (dict->items.empty()) return Unexpected(TypeError("'popitem(): dictionary is empty'"));
  auto [k, v] = std::move(dict->items.back());
  dict->items.pop_back();
  return Value::Tuple({std::move(k), std::move(v)});
}

Result<Value> DictClear(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "dict.clear", 0, 0));
  JINJA_ASSIGN_OR_RETURN(DictData * dict, MutableDictOf(self));
  dict->items.clear();
  return Value::None();
}

constexpr MethodRow kDictMethods[] = {
    {"clear", DictClear},
    {"copy", DictCopy},
    {"get", DictGet},
    {"items", DictItems},
    {"keys", DictKeys},
    {"pop", DictPop},
    {"popitem", DictPopItem},
    {"setdefault", DictSetDefault},
    {"update", DictUpdate},
    {"values", DictValues},
};

// ---- list --------------------------------------------------------------------------------

Result<Value> ListIndex(Runtime& rt, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "index", 1, 3));
  GITOPS_RETURN_IF_ERROR(rt.Tick(self.Size()));
  int64_t n = static_cast<int64_t>(self.Size());
  int64_t start = 0, end = n;
  auto norm = [&](int64_t i) { return i < 0 ? std::max<int64_t>(0, i + n) : std::min(i, n); };
  if (args.positional.size() > 1) {
    JINJA_ASSIGN_OR_RETURN(int64_t v, builtins::AsIntArg(args.positional[1], ""));
    start = norm(v);
  }
  if (args.positional.size() > 2) {
    JINJA_ASSIGN_OR_RETURN(int64_t v, builtins::AsIntArg(args.positional[2], ""));
    end = norm(v);
  }
  for (int64_t i = start; i < end; ++i) {
    if (Equals(self.At(static_cast<size_t>(i)), args.positional[0])) return Value::Int(i);
  }
  return Unexpected(TypeError(ToRepr(args.positional[0]) + " is not in " +
                              (self.IsTuple() ? "tuple" : "list")));
}

Result<Value> ListCount(Runtime& rt, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "count", 1, 1));
  GITOPS_RETURN_IF_ERROR(rt.Tick(self.Size()));
  int64_t n = 0;
  for (size_t i = 0; i < self.Size(); ++i) {
    if (Equals(self.At(i), args.positional[0])) ++n;
  }
  return Value::Int(n);
}

Result<ValueList*> Mutable(const Value& self) {
  Value copy = self;  // shares the owned storage
  ValueList* list = copy.MutableList();
  if (!list) {
    return Unexpected(TypeError(self.IsTuple() ? "'tuple' object is not mutable"
                                               : "cannot modify a list that is part of the values"));
  }
  return list;
}

Result<Value> ListAppend(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "append", 1, 1));
  JINJA_ASSIGN_OR_RETURN(ValueList * list, Mutable(self));
  list->push_back(args.positional[0]);
  return Value::None();
}

Result<Value> ListExtend(Runtime& rt, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "extend", 1, 1));
  JINJA_ASSIGN_OR_RETURN(ValueList * list, Mutable(self));
  const Value& other = args.positional[0];
  if (!other.IsList() && !other.IsDict()) {
    return Unexpected(TypeError("'" + std::string(other.TypeName()) + "' object is not iterable"));
  }
  GITOPS_RETURN_IF_ERROR(rt.Tick(other.Size()));
  ValueList items;
  for (size_t i = 0; i < other.Size(); ++i) items.push_back(other.IsDict() ? other.KeyAt(i) : other.At(i));
  list->insert(list->end(), items.begin(), items.end());
  return Value::None();
}

Result<Value> ListInsert(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "insert", 2, 2));
  JINJA_ASSIGN_OR_RETURN(ValueList * list, Mutable(self));
  JINJA_ASSIGN_OR_RETURN(int64_t at, builtins::AsIntArg(args.positional[0], ""));
  int64_t n = static_cast<int64_t>(list->size());
  if (at < 0) at = std::max<int64_t>(0, at + n);
  at = std::min(at, n);
  list->insert(list->begin() + at, args.positional[1]);
  return Value::None();
}

Result<Value> ListPop(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "pop", 0, 1));
  JINJA_ASSIGN_OR_RETURN(ValueList * list, Mutable(self));
  if (list->empty()) return Unexpected(TypeError("pop from empty list"));
  int64_t n = static_cast<int64_t>(list->size());
  int64_t at = n - 1;
  if (!args.positional.empty()) {
    JINJA_ASSIGN_OR_RETURN(at, builtins::AsIntArg(args.positional[0], ""));
    if (at < 0) at += n;
    if (at < 0 || at >= n) return Unexpected(TypeError("pop index out of range"));
  }
  Value v = (*list)[static_cast<size_t>(at)];
  list->erase(list->begin() + at);
  return v;
}

Result<Value> ListRemove(Runtime&, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "remove", 1, 1));
  JINJA_ASSIGN_OR_RETURN(ValueList * list, Mutable(self));
  for (auto it = list->begin(); it != list->end(); ++it) {
    if (Equals(*it, args.positional[0])) {
      list->erase(it);
      return Value::None();
    }
  }
  return Unexpected(TypeError("list.remove(x): x not in list"));
}

Result<Value> ListCopy(Runtime& rt, const Value& self, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(RequireArgs(args, "copy", 0, 0));
  GITOPS_RETURN_IF_ERROR(rt.Tick(self.Size()));
  return Value::List(self.ToList());
}

constexpr MethodRow kListMethods[] = {
    {"append", ListAppend}, {"copy", ListCopy}, {"count", ListCount}, {"extend", ListExtend},
    {"index", ListIndex},   {"insert", ListInsert}, {"pop", ListPop},
    {"remove", ListRemove},
};

constexpr MethodRow kTupleMethods[] = {
    {"count", ListCount},
    {"index", ListIndex},
};

template <size_t N>
MethodFn Lookup(const MethodRow (&table)[N], std::string_view name) {
  auto it = std::lower_bound(std::begin(table), std::end(table), name,
                             [](const MethodRow& row, std::string_view n) { return row.name < n; });
  if (it != std::end(table) && it->name == name) return it->fn;
  return nullptr;
}

MethodFn FindMethod(const Value& self, std::string_view name) {
  switch (self.kind()) {
    case Value::Kind::kString: return Lookup(kStrMethods, name);
    case Value::Kind::kDict: return Lookup(kDictMethods, name);
    case Value::Kind::kList:
      return self.IsTuple() ? Lookup(kTupleMethods, name) : Lookup(kListMethods, name);
    default: return nullptr;
  }
}

}  // namespace

bool HasMethod(const Value& self, std::string_view name) { return FindMethod(self, name) != nullptr; }

Result<Value> CallMethod(Runtime& rt, const Value& self, std::string_view name, CallArgs& args) {
  MethodFn fn = FindMethod(self, name);
  if (!fn) {
    return Unexpected(TypeError("'" + std::string(self.TypeName()) + "' object has no attribute '" +
                                std::string(name) + "'"));
  }
  return fn(rt, self, args);
}

}  // namespace gitops::jinja
