#include <gtest/gtest.h>

#include "builtins_fake_runtime.h"
#include "jinja/runtime.h"

namespace gitops::jinja {
namespace {

using testing::FakeRuntime;

// Owned Values from JSON; {"$undef": n} and {"$markup": s} stand for an undefined variable
// and a Markup string.
Value Convert(const Json& j) {
  if (j.is_object()) {
    if (j.contains("$undef")) return Value::UndefinedOwned(j["$undef"].get<std::string>());
    if (j.contains("$markup")) return Value::Markup(j["$markup"].get<std::string>());
    DictData d;
    for (const auto& [k, v] : j.items()) d.Set(Value::Str(k), Convert(v));
    return Value::Dict(std::move(d));
  }
  if (j.is_array()) {
    ValueList items;
    for (const auto& x : j) items.push_back(Convert(x));
    return Value::List(std::move(items));
  }
  if (j.is_string()) return Value::Str(j.get<std::string>());
  return Value::FromJson(j);
}

struct TestCase {
  const char* test;
  const char* input_json;
  const char* args_json;
  bool strict;
  const char* want;  // "true", "false" or "!message"
};

// Produced by Jinja2 3.1.6 through env.call_test (/usr/bin/python3).
const TestCase kCases[] = {
    {"odd", R"~(3)~", R"~([])~", false, R"~(true)~"},
    {"odd", R"~(4)~", R"~([])~", false, R"~(false)~"},
    {"odd", R"~(-3)~", R"~([])~", false, R"~(true)~"},
    {"odd", R"~(3.0)~", R"~([])~", false, R"~(true)~"},
    {"odd", R"~("a")~", R"~([])~", false, R"~(!not all arguments converted during string formatting)~"},
    {"odd", R"~({"$undef": "x"})~", R"~([])~", false, R"~(!'x' is undefined)~"},
    {"even", R"~(4)~", R"~([])~", false, R"~(true)~"},
    {"even", R"~(true)~", R"~([])~", false, R"~(false)~"},
    {"divisibleby", R"~(9)~", R"~([3])~", false, R"~(true)~"},
    {"divisibleby", R"~(10)~", R"~([3])~", false, R"~(false)~"},
    {"divisibleby", R"~(10)~", R"~([0])~", false, R"~(!integer modulo by zero)~"},
    {"divisibleby", R"~(7.5)~", R"~([2.5])~", false, R"~(true)~"},
    {"defined", R"~({"$undef": "x"})~", R"~([])~", false, R"~(false)~"},
    {"defined", R"~(null)~", R"~([])~", false, R"~(true)~"},
    {"undefined", R"~({"$undef": "x"})~", R"~([])~", false, R"~(true)~"},
    {"undefined", R"~(0)~", R"~([])~", false, R"~(false)~"},
    {"filter", R"~("upper")~", R"~([])~", false, R"~(true)~"},
    {"filter", R"~("nosuch")~", R"~([])~", false, R"~(false)~"},
    {"filter", R"~(1)~", R"~([])~", false, R"~(false)~"},
    {"test", R"~("odd")~", R"~([])~", false, R"~(true)~"},
    {"test", R"~("nosuch")~", R"~([])~", false, R"~(false)~"},
    {"none", R"~(null)~", R"~([])~", false, R"~(true)~"},
    {"none", R"~(0)~", R"~([])~", false, R"~(false)~"},
    {"boolean", R"~(true)~", R"~([])~", false, R"~(true)~"},
    {"boolean", R"~(1)~", R"~([])~", false, R"~(false)~"},
    {"false", R"~(false)~", R"~([])~", false, R"~(true)~"},
    {"false", R"~(0)~", R"~([])~", false, R"~(false)~"},
    {"true", R"~(true)~", R"~([])~", false, R"~(true)~"},
    {"true", R"~(1)~", R"~([])~", false, R"~(false)~"},
    {"integer", R"~(1)~", R"~([])~", false, R"~(true)~"},
    {"integer", R"~(true)~", R"~([])~", false, R"~(false)~"},
    {"integer", R"~(1.0)~", R"~([])~", false, R"~(false)~"},
    {"float", R"~(1.0)~", R"~([])~", false, R"~(true)~"},
    {"float", R"~(1)~", R"~([])~", false, R"~(false)~"},
    {"lower", R"~("abc")~", R"~([])~", false, R"~(true)~"},
    {"lower", R"~("aBc")~", R"~([])~", false, R"~(false)~"},
    {"lower", R"~(12)~", R"~([])~", false, R"~(false)~"},
    {"upper", R"~("ABC")~", R"~([])~", false, R"~(true)~"},
    {"upper", R"~({"$undef": "x"})~", R"~([])~", false, R"~(false)~"},
    {"upper", R"~({"$undef": "x"})~", R"~([])~", true, R"~(!'x' is undefined)~"},
    {"string", R"~("x")~", R"~([])~", false, R"~(true)~"},
    {"string", R"~({"$markup": "x"})~", R"~([])~", false, R"~(true)~"},
    {"string", R"~(1)~", R"~([])~", false, R"~(false)~"},
    {"mapping", R"~({"a": 1})~", R"~([])~", false, R"~(true)~"},
    {"mapping", R"~([1])~", R"~([])~", false, R"~(false)~"},
    {"number", R"~(1)~", R"~([])~", false, R"~(true)~"},
    {"number", R"~(1.5)~", R"~([])~", false, R"~(true)~"},
    {"number", R"~(true)~", R"~([])~", false, R"~(true)~"},
    {"number", R"~("1")~", R"~([])~", false, R"~(false)~"},
    {"sequence", R"~([1])~", R"~([])~", false, R"~(true)~"},
    {"sequence", R"~("ab")~", R"~([])~", false, R"~(true)~"},
    {"sequence", R"~({"a": 1})~", R"~([])~", false, R"~(true)~"},
    {"sequence", R"~(1)~", R"~([])~", false, R"~(false)~"},
    {"sequence", R"~({"$undef": "x"})~", R"~([])~", false, R"~(true)~"},
    {"sequence", R"~({"$undef": "x"})~", R"~([])~", true, R"~(false)~"},
    {"iterable", R"~([1])~", R"~([])~", false, R"~(true)~"},
    {"iterable", R"~("x")~", R"~([])~", false, R"~(true)~"},
    {"iterable", R"~(1)~", R"~([])~", false, R"~(false)~"},
    {"iterable", R"~({"$undef": "x"})~", R"~([])~", false, R"~(true)~"},
    {"iterable", R"~({"$undef": "x"})~", R"~([])~", true, R"~(!'x' is undefined)~"},
    {"callable", R"~(1)~", R"~([])~", false, R"~(false)~"},
    {"callable", R"~("x")~", R"~([])~", false, R"~(false)~"},
    {"callable", R"~({"$undef": "x"})~", R"~([])~", false, R"~(true)~"},
    {"sameas", R"~(null)~", R"~([null])~", false, R"~(true)~"},
    {"sameas", R"~(true)~", R"~([true])~", false, R"~(true)~"},
    {"sameas", R"~(1)~", R"~([true])~", false, R"~(false)~"},
    {"sameas", R"~(1)~", R"~([1])~", false, R"~(true)~"},
    {"sameas", R"~([1])~", R"~([[1]])~", false, R"~(false)~"},
    {"escaped", R"~({"$markup": "x"})~", R"~([])~", false, R"~(true)~"},
    {"escaped", R"~("x")~", R"~([])~", false, R"~(false)~"},
    {"in", R"~("a")~", R"~(["abc"])~", false, R"~(true)~"},
    {"in", R"~("z")~", R"~(["abc"])~", false, R"~(false)~"},
    {"in", R"~(1)~", R"~([[1, 2]])~", false, R"~(true)~"},
    {"in", R"~(1.0)~", R"~([[1, 2]])~", false, R"~(true)~"},
    {"in", R"~("k")~", R"~([{"k": 1}])~", false, R"~(true)~"},
    {"in", R"~(1)~", R"~(["abc"])~", false, R"~(!'in <string>' requires string as left operand, not int)~"},
    {"in", R"~({"$undef": "x"})~", R"~([[1]])~", false, R"~(false)~"},
    {"in", R"~(1)~", R"~([{"$undef": "x"}])~", false, R"~(false)~"},
    {"in", R"~(1)~", R"~([{"$undef": "x"}])~", true, R"~(!'x' is undefined)~"},
    {"in", R"~([1])~", R"~([{"a": 1}])~", false, R"~(!unhashable type: 'list')~"},
    {"==", R"~(1)~", R"~([1.0])~", false, R"~(true)~"},
    {"eq", R"~("a")~", R"~(["a"])~", false, R"~(true)~"},
    {"equalto", R"~([1])~", R"~([[1]])~", false, R"~(true)~"},
    {"!=", R"~(1)~", R"~([2])~", false, R"~(true)~"},
    {"ne", R"~({"$undef": "x"})~", R"~([1])~", false, R"~(true)~"},
    {"ne", R"~({"$undef": "x"})~", R"~([1])~", true, R"~(!'x' is undefined)~"},
    {"eq", R"~({"$undef": "x"})~", R"~([{"$undef": "x"}])~", false, R"~(true)~"},
    {">", R"~(2)~", R"~([1])~", false, R"~(true)~"},
    {"gt", R"~("b")~", R"~(["a"])~", false, R"~(true)~"},
    {"greaterthan", R"~(1)~", R"~([2])~", false, R"~(false)~"},
    {">=", R"~(2)~", R"~([2])~", false, R"~(true)~"},
    {"ge", R"~(1.5)~", R"~([2])~", false, R"~(false)~"},
    {"<", R"~(1)~", R"~([2])~", false, R"~(true)~"},
    {"lt", R"~([1, 2])~", R"~([[1, 3]])~", false, R"~(true)~"},
    {"lessthan", R"~(3)~", R"~([2])~", false, R"~(false)~"},
    {"<=", R"~(2)~", R"~([2])~", false, R"~(true)~"},
    {"le", R"~(3)~", R"~([2])~", false, R"~(false)~"},
    {"lt", R"~(1)~", R"~(["a"])~", false, R"~(!'<' not supported between instances of 'int' and 'str')~"},
    {"gt", R"~({"$undef": "x"})~", R"~([1])~", false, R"~(!'x' is undefined)~"},
};

TEST(BuiltinTestsTest, MatchJinja2) {
  for (const auto& c : kCases) {
    Value input = Convert(Json::parse(c.input_json));
    CallArgs args;
    for (const auto& a : Json::parse(c.args_json)) args.positional.push_back(Convert(a));
    FakeRuntime rt(c.strict);
    TestFn fn = FindTest(c.test);
    ASSERT_NE(fn, nullptr) << c.test;
    auto got = fn(rt, input, args);
    std::string where = std::string(c.input_json) + " is " + c.test + c.args_json;
    std::string want = c.want;
    if (want[0] == '!') {
      ASSERT_FALSE(got.ok()) << where;
      EXPECT_EQ(got.error().message, want.substr(1)) << where;
    } else {
      ASSERT_TRUE(got.ok()) << where << ": " << got.error().message;
      EXPECT_EQ(*got ? "true" : "false", want) << where;
    }
  }
}

TEST(BuiltinTestsTest, UnknownTestIsNull) {
  EXPECT_EQ(FindTest("nosuch"), nullptr);
  EXPECT_NE(FindTest("=="), nullptr);
}

}  // namespace
}  // namespace gitops::jinja
