// The builtin test registry: Jinja2 3.1's tests (with their operator aliases) in a sorted name
// table, with Jinja's behaviour for undefined values (StrictUndefined errors where Jinja's do).
#include <algorithm>
#include <cmath>
#include <iterator>

#include "jinja/filters_util.h"
#include "jinja/pystr.h"
#include "jinja/runtime.h"

namespace gitops::jinja {
namespace {

using builtins::TypeError;

#define JINJA_TEST(name) Result<bool> name(Runtime& rt, const Value& in, CallArgs& args)

Result<Value> RequiredArg(const CallArgs& args, std::string_view test, std::string_view name) {
  auto v = args.Get(0, name);
  if (!v) {
    return Unexpected(TypeError(std::string(test) + "() missing 1 required positional argument: '" +
                                std::string(name) + "'"));
  }
  return *v;
}

Status StrictCheck(Runtime& rt, const Value& v) {
  if (v.IsUndefined() && rt.strict_undefined()) return Unexpected(UndefinedError(v));
  return OkStatus();
}

// Python's value % num == 0 / == 1 for ints and floats.
Result<Value> PyMod(const Value& a, const Value& b) {
  if (a.IsUndefined()) return Unexpected(UndefinedError(a));
  if (b.IsUndefined()) return Unexpected(UndefinedError(b));
  if (a.IsBigInt() || b.IsBigInt()) {
    bool a_num = a.IsNumber() || a.IsBigInt(), b_num = b.IsNumber() || b.IsBigInt();
    if (a_num && b_num && (a.IsFloat() || b.IsFloat())) {
      JINJA_ASSIGN_OR_RETURN(double x, ToFloat(a));
      JINJA_ASSIGN_OR_RETURN(double y, ToFloat(b));
      return PyMod(Value::Float(x), Value::Float(y));
    }
    if (a_num && b_num) return IntArith(IntOp::kMod, a, b);
  }
  if (!a.IsNumber()) {
    if (a.IsString()) return Unexpected(TypeError("not all arguments converted during string formatting"));
    return Unexpected(TypeError("unsupported operand type(s) for %: '" + std::string(a.TypeName()) +
                                "' and '" + std::string(b.TypeName()) + "'"));
  }
  if (!b.IsNumber()) {
    return Unexpected(TypeError("unsupported operand type(s) for %: '" + std::string(a.TypeName()) +
                                "' and '" + std::string(b.TypeName()) + "'"));
  }
  if (a.IsFloat() || b.IsFloat()) {
    double x = a.AsFloat(), y = b.AsFloat();
    if (y == 0) return Unexpected(TypeError("float modulo"));
    double r = std::fmod(x, y);
    if (r != 0 && ((r < 0) != (y < 0))) r += y;
    return Value::Float(r);
  }
  int64_t x = a.AsInt(), y = b.AsInt();
  if (y == 0) return Unexpected(TypeError("integer modulo by zero"));
  if (y == -1) return Value::Int(0);
  int64_t r = x % y;
  if (r != 0 && ((r < 0) != (y < 0))) r += y;
  return Value::Int(r);
}

JINJA_TEST(Odd) {
  (void)rt;
  (void)args;
  JINJA_ASSIGN_OR_RETURN(Value r, PyMod(in, Value::Int(2)));
  return Equals(r, Value::Int(1));
}

JINJA_TEST(Even) {
  (void)rt;
  (void)args;
  JINJA_ASSIGN_OR_RETURN(Value r, PyMod(in, Value::Int(2)));
  return Equals(r, Value::Int(0));
}

JINJA_TEST(DivisibleBy) {
  (void)rt;
  JINJA_ASSIGN_OR_RETURN(Value num, RequiredArg(args, "test_divisibleby", "num"));
  JINJA_ASSIGN_OR_RETURN(Value r, PyMod(in, num));
  return Equals(r, Value::Int(0));
}

JINJA_TEST(Defined) {
  (void)rt;
  (void)args;
  return !in.IsUndefined();
}

JINJA_TEST(UndefinedTest) {
  (void)rt;
  (void)args;
  return in.IsUndefined();
}

JINJA_TEST(FilterTest) {
  (void)args;
  GITOPS_RETURN_IF_ERROR(StrictCheck(rt, in));
  return in.IsString() && FindFilter(in.AsString()) != nullptr;
}

JINJA_TEST(TestTest) {
  (void)args;
  GITOPS_RETURN_IF_ERROR(StrictCheck(rt, in));
  return in.IsString() && FindTest(in.AsString()) != nullptr;
}

JINJA_TEST(NoneTest) {
  (void)rt;
  (void)args;
  return in.IsNone();
}

JINJA_TEST(Boolean) {
  (void)rt;
  (void)args;
  return in.IsBool();
}

JINJA_TEST(FalseTest) {
  (void)rt;
  (void)args;
  return in.IsBool() && !in.AsBool();
}

JINJA_TEST(TrueTest) {
  (void)rt;
  (void)args;
  return in.IsBool() && in.AsBool();
}

JINJA_TEST(Integer) {
  (void)rt;
  (void)args;
  return in.IsInt() || in.IsBigInt();
}

JINJA_TEST(FloatTest) {
  (void)rt;
  (void)args;
  return in.IsFloat();
}

JINJA_TEST(Lower) {
  (void)args;
  JINJA_ASSIGN_OR_RETURN(std::string s, builtins::SoftStr(rt, in));
  return pystr::IsLowerStr(s);
}

JINJA_TEST(Upper) {
  (void)args;
  JINJA_ASSIGN_OR_RETURN(std::string s, builtins::SoftStr(rt, in));
  return pystr::IsUpperStr(s);
}

JINJA_TEST(StringTest) {
  (void)rt;
  (void)args;
  return in.IsString();
}

JINJA_TEST(Mapping) {
  (void)rt;
  (void)args;
  return in.IsDict();
}

JINJA_TEST(Number) {
  (void)rt;
  (void)args;
  return in.IsNumber() || in.IsBigInt();
}

JINJA_TEST(Sequence) {
  (void)args;
  if (in.IsUndefined()) return !rt.strict_undefined();
  return in.IsString() || in.IsList() || in.IsDict();
}

JINJA_TEST(Iterable) {
  (void)args;
  GITOPS_RETURN_IF_ERROR(StrictCheck(rt, in));
  return in.IsUndefined() || in.IsString() || in.IsList() || in.IsDict();
}

JINJA_TEST(Callable) {
  (void)rt;
  (void)args;
  return in.IsUndefined() || (in.IsObject() && in.AsObject()->IsCallable());
}

JINJA_TEST(SameAs) {
  (void)rt;
  JINJA_ASSIGN_OR_RETURN(Value other, RequiredArg(args, "test_sameas", "other"));
  if (in.kind() != other.kind()) return false;
  switch (in.kind()) {
    case Value::Kind::kNone: return true;
    case Value::Kind::kBool: return in.AsBool() == other.AsBool();
    // CPython caches the small ints, so `1 is 1` holds; bigger ints are distinct objects.
    case Value::Kind::kInt: return in.AsInt() == other.AsInt() && in.AsInt() >= -5 && in.AsInt() <= 256;
    case Value::Kind::kObject: return in.AsObject() == other.AsObject();
    default: return false;
  }
}

JINJA_TEST(Escaped) {
  (void)rt;
  (void)args;
  return in.IsMarkup();
}

JINJA_TEST(In) {
  JINJA_ASSIGN_OR_RETURN(Value seq, RequiredArg(args, "test_in", "seq"));
  switch (seq.kind()) {
    case Value::Kind::kString:
      if (!in.IsString()) {
        return Unexpected(TypeError("'in <string>' requires string as left operand, not " +
                                    std::string(in.TypeName())));
      }
      return seq.AsString().find(in.AsString()) != std::string_view::npos;
    case Value::Kind::kList:
      GITOPS_RETURN_IF_ERROR(rt.Tick(seq.Size()));
      for (size_t i = 0; i < seq.Size(); ++i) {
        if (Equals(seq.At(i), in)) return true;
      }
      return false;
    case Value::Kind::kDict:
      if (in.IsDict() || (in.IsList() && !in.IsTuple())) {
        return Unexpected(TypeError("unhashable type: '" + std::string(in.TypeName()) + "'"));
      }
      return seq.Find(in).has_value();
    case Value::Kind::kUndefined:
      GITOPS_RETURN_IF_ERROR(StrictCheck(rt, seq));
      return false;
    default:
      return Unexpected(TypeError("argument of type '" + std::string(seq.TypeName()) +
                                  "' is not iterable"));
  }
}

Result<Value> Other(Runtime& rt, const Value& in, const CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(StrictCheck(rt, in));
  auto other = args.Get(0, "b");
  if (!other) return Unexpected(TypeError("expected 2 arguments, got 1"));
  GITOPS_RETURN_IF_ERROR(StrictCheck(rt, *other));
  return *other;
}

JINJA_TEST(Eq) {
  JINJA_ASSIGN_OR_RETURN(Value other, Other(rt, in, args));
  return Equals(in, other);
}

JINJA_TEST(Ne) {
  JINJA_ASSIGN_OR_RETURN(Value other, Other(rt, in, args));
  return !Equals(in, other);
}

Result<bool> Compare(const Value& a, const Value& b, std::string_view op) {
  auto check = [&](const Value& x, const Value& y) -> Result<bool> {
    auto less = Less(x, y);
    if (!less.ok()) {
      return Unexpected(TypeError("'" + std::string(op) + "' not supported between instances of '" +
                                  std::string(a.TypeName()) + "' and '" +
                                  std::string(b.TypeName()) + "'"));
    }
    return *less;
  };
  if (a.IsUndefined()) return Unexpected(UndefinedError(a));
  if (b.IsUndefined()) return Unexpected(UndefinedError(b));
  if (op == "<") return check(a, b);
  if (op == ">") return check(b, a);
  if (op == "<=") {
    JINJA_ASSIGN_OR_RETURN(bool gt, check(b, a));
    return !gt;
  }
  JINJA_ASSIGN_OR_RETURN(bool lt, check(a, b));
  return !lt;
}

JINJA_TEST(Lt) {
  JINJA_ASSIGN_OR_RETURN(Value other, Other(rt, in, args));
  return Compare(in, other, "<");
}
JINJA_TEST(Le) {
  JINJA_ASSIGN_OR_RETURN(Value other, Other(rt, in, args));
  return Compare(in, other, "<=");
}
JINJA_TEST(Gt) {
  JINJA_ASSIGN_OR_RETURN(Value other, Other(rt, in, args));
  return Compare(in, other, ">");
}
JINJA_TEST(Ge) {
  JINJA_ASSIGN_OR_RETURN(Value other, Other(rt, in, args));
  return Compare(in, other, ">=");
}

#undef JINJA_TEST

struct TestRow {
  std::string_view name;
  TestFn fn;
};

// Sorted by name (byte order: "!=" < "<" < "<=" < "==" < ">" < ">=" < letters).
constexpr TestRow kTests[] = {
    {"!=", Ne},
    {"<", Lt},
    {"<=", Le},
    {"==", Eq},
    {">", Gt},
    {">=", Ge},
    {"boolean", Boolean},
    {"callable", Callable},
    {"defined", Defined},
    {"divisibleby", DivisibleBy},
    {"eq", Eq},
    {"equalto", Eq},
    {"escaped", Escaped},
    {"even", Even},
    {"false", FalseTest},
    {"filter", FilterTest},
    {"float", FloatTest},
    {"ge", Ge},
    {"greaterthan", Gt},
    {"gt", Gt},
    {"in", In},
    {"integer", Integer},
    {"iterable", Iterable},
    {"le", Le},
    {"lessthan", Lt},
    {"lower", Lower},
    {"lt", Lt},
    {"mapping", Mapping},
    {"ne", Ne},
    {"none", NoneTest},
    {"number", Number},
    {"odd", Odd},
    {"sameas", SameAs},
    {"sequence", Sequence},
    {"string", StringTest},
    {"test", TestTest},
    {"true", TrueTest},
    {"undefined", UndefinedTest},
    {"upper", Upper},
};

static_assert(std::is_sorted(std::begin(kTests), std::end(kTests),
                             [](const TestRow& a, const TestRow& b) { return a.name < b.name; }),
              "kTests must be sorted by name");

}  // namespace

TestFn FindTest(std::string_view name) {
  auto it = std::lower_bound(std::begin(kTests), std::end(kTests), name,
                             [](const TestRow& row, std::string_view n) { return row.name < n; });
  if (it != std::end(kTests) && it->name == name) return it->fn;
  return nullptr;
}

}  // namespace gitops::jinja
