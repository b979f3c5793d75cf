#include "jinja/pystr.h"

#include <gtest/gtest.h>

namespace gitops::jinja::pystr {
namespace {

// Expected values in this file were produced by CPython 3.11 (/usr/bin/python3): textwrap.wrap,
// str % args, markupsafe.escape, urllib.parse.quote, Markup.unescape.

struct WrapCase {
  const char* text;
  int64_t width;
  bool break_long_words;
  bool break_on_hyphens;
  const char* want_json;  // json.dumps(textwrap.wrap(...))
};

const WrapCase kWrapCases[] = {
    {R"(The quick brown fox jumps over the lazy dog)", 10, true, true, R"(["The quick", "brown fox", "jumps over", "the lazy", "dog"])"},
    {R"(The quick brown fox jumps over the lazy dog)", 79, true, true, R"(["The quick brown fox jumps over the lazy dog"])"},
    {R"(supercalifragilisticexpialidocious is long)", 10, true, true, R"(["supercalif", "ragilistic", "expialidoc", "ious is", "long"])"},
    {R"(supercalifragilisticexpialidocious is long)", 10, false, true, R"(["supercalifragilisticexpialidocious", "is long"])"},
    {R"(well-known state-of-the-art hyphenated words)", 12, true, true, R"(["well-known", "state-of-", "the-art", "hyphenated", "words"])"},
    {R"(well-known state-of-the-art hyphenated words)", 12, true, false, R"(["well-known s", "tate-of-the-", "art", "hyphenated", "words"])"},
    {R"(a-very-long-hyphenated-identifier-here)", 10, true, true, R"(["a-very-", "long-hyphe", "nated-iden", "tifier-", "here"])"},
    {R"(  leading spaces and   inner   runs  )", 8, true, true, R"(["leading", "spaces", "and", "inner", "runs"])"},
    {R"(tabs	here and	there)", 6, true, true, R"(["tabs", "here", "and", "there"])"},
    {R"()", 10, true, true, R"([])"},
    {R"(xxxxxxxxxxxxxxxxxxxxxxxxx)", 10, true, true, R"(["xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"])"},
    {R"(héllo wörld ünïcode)", 6, true, true, R"(["héllo", "wörld ", "ünïcod", "e"])"},
};

TEST(TextWrapTest, MatchesPythonTextwrap) {
  for (const auto& c : kWrapCases) {
    auto got = TextWrap(c.text, c.width, c.break_long_words, c.break_on_hyphens);
    ASSERT_TRUE(got.ok()) << c.text;
    Json want = Json::parse(c.want_json);
    EXPECT_EQ(Json(*got), want) << c.text << " width " << c.width;
  }
}

TEST(TextWrapTest, RejectsNonPositiveWidth) {
  auto got = TextWrap("abc", 0, true, true);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().message, "invalid width 0 (must be > 0)");
}

struct PercentCase {
  const char* fmt;
  const char* args_json;  // a list (positional) or an object (mapping)
  const char* want;       // "!message" for an error
};

const PercentCase kPercentCases[] = {
    {R"(%s-%s)", R"(["a", 1])", R"(a-1)"},
    {R"(%d items)", R"([3.7])", R"(3 items)"},
    {R"(%5.2f|%-6s|%03d)", R"([3.14159, "ab", 7])", R"( 3.14|ab    |007)"},
    {R"(%x %X %o %#x %#o)", R"([255, 255, 8, 255, 8])", R"(ff FF 10 0xff 0o10)"},
    {R"(%e %g %G)", R"([12345.678, 1.234e-05, 1e+20])", R"(1.234568e+04 1.234e-05 1E+20)"},
    {R"(%r %s)", R"(["it's", null])", R"("it's" None)"},
    {R"(%+d % d)", R"([5, 5])", R"(+5  5)"},
    {R"(%.2s)", R"(["abcdef"])", R"(ab)"},
    {R"(%c%c)", R"([65, "b"])", R"(Ab)"},
    {R"(100%%)", R"([])", R"(100%)"},
    {R"(%s)", R"([[1, "a"]])", R"([1, 'a'])"},
    {R"(%-5d|)", R"([-3])", R"(-3   |)"},
    {R"(%05.1f)", R"([-2.25])", R"(-02.2)"},
    {R"(%s)", R"([true])", R"(True)"},
    {R"(%i %u)", R"([1, 2])", R"(1 2)"},
    {R"(%*d)", R"([5, 42])", R"(   42)"},
    {R"(%.3d)", R"([7])", R"(007)"},
    {R"(%s %s)", R"(["a"])", R"(!not enough arguments for format string)"},
    {R"(%s)", R"(["a", "b"])", R"(!not all arguments converted during string formatting)"},
    {R"(%d)", R"(["x"])", R"(!%d format: a real number is required, not str)"},
    {R"(%s %y)", R"([1, 2])", R"(!unsupported format character 'y' (0x79) at index 4)"},
    {R"(%(a)s and %(b)05.1f)", R"({"a": "x", "b": 2.5})", R"(x and 002.5)"},
    {R"(%(missing)s)", R"({"a": 1})", R"(!'missing')"},
    // Python: ValueError "width too big" / "precision too big" (ours past 10**8).
    {R"(%66666666666666666666666666x)", R"([255])", R"(!width too big)"},
    {R"(%.99999999999999999999d)", R"([1])", R"(!precision too big)"},
};

TEST(PercentFormatTest, MatchesPython) {
  for (const auto& c : kPercentCases) {
    Json args_json = Json::parse(c.args_json);
    ValueList args;
    Value mapping;
    if (args_json.is_array()) {
      for (const auto& a : args_json) args.push_back(Value::FromJson(a));
    } else {
      mapping = Value::FromJson(args_json);
    }
    auto got = PercentFormat(c.fmt, args, args_json.is_object() ? &mapping : nullptr);
    std::string want = c.want;
    if (want[0] == '!') {
      ASSERT_FALSE(got.ok()) << c.fmt << " -> " << *got;
      EXPECT_EQ(got.error().message, want.substr(1)) << c.fmt;
    } else {
      ASSERT_TRUE(got.ok()) << c.fmt << ": " << got.error().message;
      EXPECT_EQ(*got, want) << c.fmt;
    }
  }
}

TEST(FormatSpecTest, HugeWidthIsAnError) {
  // Python: '{:99999999999999999999}'.format(1) raises ValueError with this message.
  auto got = FormatSpec(Value::Int(1), "99999999999999999999");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().message, "Too many decimal digits in format string");
}

TEST(EscapeTest, EscapesLikeMarkupsafe) {
  EXPECT_EQ(Escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(EscapeTest, UnescapeDecodesEntities) {
  EXPECT_EQ(Unescape("&lt;b&gt; &amp;amp; &#39;x&#x27; &quot;&nbsp;"), "<b> &amp; 'x' \"\xc2\xa0");
}

TEST(UrlQuoteTest, QuotesUtf8BytesExceptSafe) {
  EXPECT_EQ(UrlQuote("a b/c?d=\xc3\xa9&~", "/"), "a%20b/c%3Fd%3D%C3%A9%26~");
  EXPECT_EQ(UrlQuote("a b/c", ""), "a%20b%2Fc");
}

TEST(SplitTest, WhitespaceSplitUsesPythonWhitespace) {
  // "a\u2003b\x1cc".split() == ['a', 'b', 'c']
  auto got = Split("a\xe2\x80\x83" "b\x1c" "c", std::nullopt);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[2], "c");
}

TEST(LengthTest, CountsCodePoints) {
  EXPECT_EQ(Length("h\xc3\xa9llo \xf0\x9f\x98\x80"), 7u);
  EXPECT_EQ(ByteOffset("h\xc3\xa9llo", 2), 3u);
}

TEST(CaseTest, MapsLatinGreekCyrillic) {
  EXPECT_EQ(Upper("\xc3\xa9\xce\xb1\xd0\xb4"), "\xc3\x89\xce\x91\xd0\x94");  // éαд -> ÉΑД
  EXPECT_EQ(Lower("\xc3\x89\xce\x91\xd0\x94"), "\xc3\xa9\xce\xb1\xd0\xb4");
}

}  // namespace
}  // namespace gitops::jinja::pystr
