#include "jinja/value.h"

#include <gtest/gtest.h>

namespace gitops::jinja {
namespace {

TEST(FormatFloatTest, MatchesPythonRepr) {
  struct Case {
    double in;
    const char* want;
  } cases[] = {
      {1.0, "1.0"},       {0.1, "0.1"},
      {1e20, "1e+20"},    {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {0.0001, "0.0001"}, {0.00001, "1e-05"},
      {1.5e-7, "1.5e-07"}, {-2.5, "-2.5"},
      {3.141592653589793, "3.141592653589793"},
      {1.0 / 3, "0.3333333333333333"},
      {100.0, "100.0"},   {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {-0.0, "-0.0"},     {0.0, "0.0"},
  };
  for (const auto& c : cases) EXPECT_EQ(FormatFloat(c.in), c.want) << c.want;
}

TEST(ReprTest, StringsQuoteLikePython) {
  EXPECT_EQ(ToRepr(Value::StrView("it's")), "\"it's\"");
  EXPECT_EQ(ToRepr(Value::StrView("a\"b")), "'a\"b'");
  EXPECT_EQ(ToRepr(Value::StrView("a'b\"c")), "'a\\'b\"c'");
  EXPECT_EQ(ToRepr(Value::StrView("x\ny\t\\")), "'x\\ny\\t\\\\'");
  EXPECT_EQ(ToRepr(Value::StrView("\x01")), "'\\x01'");
}

TEST(StrTest, ContainersPrintAsPythonRepr) {
  Json j = Json::parse(R"({"b": [1, "x", null, true, 2.0], "a": {"k": "v"}})");
  EXPECT_EQ(ToStr(Value::FromJson(j)), "{'b': [1, 'x', None, True, 2.0], 'a': {'k': 'v'}}");
  EXPECT_EQ(ToStr(Value::Tuple({Value::Int(1)})), "(1,)");
  EXPECT_EQ(ToStr(Value::Tuple({Value::Int(1), Value::StrView("a")})), "(1, 'a')");
  EXPECT_EQ(ToStr(Value::Undefined("x")), "");
  EXPECT_EQ(ToStr(Value::None()), "None");
}

TEST(EqualsTest, NumbersCompareAcrossKinds) {
  EXPECT_TRUE(Equals(Value::Int(1), Value::Float(1.0)));
  EXPECT_TRUE(Equals(Value::Bool(true), Value::Int(1)));
  EXPECT_FALSE(Equals(Value::Int(1), Value::StrView("1")));
  EXPECT_FALSE(Equals(Value::List({}), Value::Tuple({})));
}

TEST(FromJsonTest, UnsignedPastInt64IsABigInt) {
  // Python: json.loads('[18446744073709551615]')[0] is an int.
  Json j = Json::parse("[18446744073709551615, 9223372036854775807]");
  Value v = Value::FromJson(j);
  EXPECT_TRUE(v.At(0).IsBigInt());
  EXPECT_EQ(ToStr(v), "[18446744073709551615, 9223372036854775807]");
  EXPECT_TRUE(v.At(1).IsInt());
}

TEST(EqualsTest, BigIntsCompareWithIntsAndFloats) {
  Value big = Value::Integer(*BigInt::FromDigits("18446744073709551616"));  // 2**64
  EXPECT_TRUE(Equals(big, Value::Float(18446744073709551616.0)));
  EXPECT_FALSE(Equals(big, Value::Int(INT64_MAX)));
  EXPECT_TRUE(*Less(Value::Int(INT64_MAX), big));
  EXPECT_FALSE(*Less(big, Value::Float(18446744073709551616.0)));
  EXPECT_EQ(big.TypeName(), "int");
  EXPECT_TRUE(big.Truthy());
}

TEST(EqualsTest, DictsIgnoreOrder) {
  Json a = Json::parse(R"({"x": 1, "y": 2})");
  DictData d;
  d.Set(Value::StrView("y"), Value::Int(2));
  d.Set(Value::StrView("x"), Value::Int(1));
  EXPECT_TRUE(Equals(Value::FromJson(a), Value::Dict(d)));
}

TEST(LessTest, MixedTypesAreAnError) {
  auto r = Less(Value::StrView("a"), Value::Int(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "'<' not supported between instances of 'str' and 'int'");
}

TEST(JsonViewTest, ReadsInPlace) {
  Json j = Json::parse(R"({"name": "dev", "n": [1, 2, 3]})");
  Value v = Value::FromJson(j);
  auto name = v.Find("name");
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->AsString().data(), j["name"].get_ref<const std::string&>().data());
  EXPECT_EQ(v.Find("n")->Size(), 3u);
  EXPECT_FALSE(v.Find("missing").has_value());
}

TEST(TruthyTest, PythonRules) {
  EXPECT_FALSE(Value::StrView("").Truthy());
  EXPECT_FALSE(Value::Float(0.0).Truthy());
  EXPECT_FALSE(Value::List({}).Truthy());
  EXPECT_FALSE(Value::Undefined("x").Truthy());
  EXPECT_TRUE(Value::StrView("0").Truthy());
}

TEST(RangeTest, IsALazySequenceOfInts) {
  Value r = Value::Range(1, 10, 3);
  EXPECT_TRUE(r.IsList());
  EXPECT_TRUE(r.IsRange());
  EXPECT_FALSE(r.IsTuple());
  ASSERT_EQ(r.Size(), 3u);
  EXPECT_EQ(r.At(0).AsInt(), 1);
  EXPECT_EQ(r.At(2).AsInt(), 7);
  EXPECT_EQ(r.TypeName(), "range");
  EXPECT_EQ(r.MutableList(), nullptr);
  EXPECT_EQ(Value::Range(5, 0, -2).Size(), 3u);
  EXPECT_EQ(Value::Range(0, -3, 1).Size(), 0u);
}

TEST(RangeTest, PrintsAndComparesLikePython) {
  EXPECT_EQ(ToStr(Value::Range(0, 3, 1)), "range(0, 3)");
  EXPECT_EQ(ToStr(Value::Range(5, 0, -2)), "range(5, 0, -2)");
  EXPECT_EQ(ToStr(Value::List({Value::Range(0, 2, 1)})), "[range(0, 2)]");
  EXPECT_TRUE(Equals(Value::Range(0, 3, 1), Value::Range(0, 3, 1)));
  EXPECT_FALSE(Equals(Value::Range(0, 3, 1), Value::List({Value::Int(0), Value::Int(1), Value::Int(2)})));
  EXPECT_FALSE(Less(Value::Range(0, 2, 1), Value::Range(0, 3, 1)).ok());
  EXPECT_FALSE(ToJson(Value::Range(0, 2, 1)).ok());
}

TEST(NamedTupleTest, PositionalAndNamedAccessPrintsAsTuple) {
  static constexpr std::string_view kFields[] = {"grouper", "list"};
  Value g = Value::NamedTuple({Value::StrView("small"), Value::List({Value::Int(1)})}, kFields);
  EXPECT_TRUE(g.IsTuple());
  EXPECT_TRUE(g.IsNamedTuple());
  ASSERT_EQ(g.Size(), 2u);
  EXPECT_EQ(g.At(0).AsString(), "small");
  EXPECT_EQ(g.Field("grouper")->AsString(), "small");
  EXPECT_EQ(g.Field("list")->Size(), 1u);
  EXPECT_FALSE(g.Field("other").has_value());
  EXPECT_FALSE(Value::Tuple({Value::Int(1), Value::List({})}).Field("grouper").has_value());
  EXPECT_EQ(ToStr(g), "('small', [1])");
  EXPECT_TRUE(Equals(g, Value::Tuple({Value::StrView("small"), Value::List({Value::Int(1)})})));
}

}  // namespace
}  // namespace gitops::jinja
