// Lexer: token kinds, literals, line numbers, whitespace control and lexical errors.
#include "jinja/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gitops::jinja {
namespace {

std::vector<Token> LexOk(std::string_view src, LexOptions o = {}) {
  auto r = Lex(src, "t.j2", o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<Token>{};
}

// Concatenation of the data tokens: the text the template prints around its tags.
std::string Data(std::string_view src, LexOptions o = {}) {
  std::string s;
  for (const Token& t : LexOk(src, o)) {
    if (t.kind == TokenKind::kData) s += t.text + "|";
  }
  return s;
}

TEST(LexerTest, TokenKindsOfAnExpression) {
  auto toks = LexOk("{{ a.b(1, 'x') + 2.5 }}");
  std::vector<TokenKind> kinds;
  for (const auto& t : toks) kinds.push_back(t.kind);
  std::vector<TokenKind> want = {
      TokenKind::kVarBegin, TokenKind::kName,     TokenKind::kOperator, TokenKind::kName,
      TokenKind::kOperator, TokenKind::kInt,      TokenKind::kOperator, TokenKind::kString,
      TokenKind::kOperator, TokenKind::kOperator, TokenKind::kFloat,    TokenKind::kVarEnd,
      TokenKind::kEof};
  EXPECT_EQ(kinds, want);
}

TEST(LexerTest, NumbersWithUnderscoresAndExponents) {
  auto toks = LexOk("{{ 1_000 1e3 1.5 2.5e-3 }}");
  EXPECT_EQ(toks[1].int_value, 1000);
  EXPECT_EQ(toks[2].kind, TokenKind::kFloat);
  EXPECT_DOUBLE_EQ(toks[2].float_value, 1000.0);
  EXPECT_DOUBLE_EQ(toks[3].float_value, 1.5);
  EXPECT_DOUBLE_EQ(toks[4].float_value, 0.0025);
}

TEST(LexerTest, IntegerAttributeIsNotAFloat) {
  auto toks = LexOk("{{ a.0.1 }}");
  ASSERT_EQ(toks.size(), 8u);
  EXPECT_EQ(toks[3].kind, TokenKind::kInt);
  EXPECT_EQ(toks[5].kind, TokenKind::kInt);
}

TEST(LexerTest, StringEscapesAsPython) {
  auto toks = LexOk(R"({{ "a\tb\u00e9\x41\n\q" 'it\'s' }})");
  EXPECT_EQ(toks[1].text, "a\tb\xc3\xa9" "A\n\\q");
  EXPECT_EQ(toks[2].text, "it's");
}

TEST(LexerTest, LineNumbers) {
  auto toks = LexOk("a\nb{{ x }}\n\n{% if\ny %}");
  EXPECT_EQ(toks[1].line, 2);  // {{
  EXPECT_EQ(toks[5].line, 4);  // {%
  EXPECT_EQ(toks[7].line, 5);  // y
}

TEST(LexerTest, TrimBlocksRemovesFirstNewlineAfterBlockOnly) {
  EXPECT_EQ(Data("{% if x %}\na{{ y }}\nb"), "a|\nb|");
}

TEST(LexerTest, LstripBlocksStripsIndentBeforeBlockTags) {
  EXPECT_EQ(Data("x\n    {% if a %}\n  {{ b }}"), "x\n|  |");
}

TEST(LexerTest, PlusDisablesLstrip) {
  EXPECT_EQ(Data("x\n    {%+ if a %}"), "x\n    |");
}

TEST(LexerTest, MinusStripsAllWhitespaceAround) {
  EXPECT_EQ(Data("a  \n {{- x -}} \n b"), "a|b|");
}

TEST(LexerTest, TrailingNewlineDropped) {
  EXPECT_EQ(Data("a\n"), "a|");
  LexOptions keep;
  keep.keep_trailing_newline = true;
  EXPECT_EQ(Data("a\n", keep), "a\n|");
}

TEST(LexerTest, CommentsProduceNoTokens) {
  EXPECT_EQ(Data("a{# x {{ y }} #}b"), "a|b|");
}

TEST(LexerTest, RawKeepsTagsAsText) {
  EXPECT_EQ(Data("{% raw %}{{ x }}{% if %}{% endraw %}"), "{{ x }}{% if %}|");
}

TEST(LexerTest, BracesInsideExpressionsDoNotCloseTheTag) {
  auto toks = LexOk("{{ {'a': {'b': 1}} }}");
  EXPECT_EQ(toks[toks.size() - 2].kind, TokenKind::kVarEnd);
}

struct LexErrorCase {
  const char* source;
  const char* message;
};

class LexErrorTest : public ::testing::TestWithParam<LexErrorCase> {};

TEST_P(LexErrorTest, Message) {
  auto r = Lex(GetParam().source, "t.j2", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LexErrorTest,
    ::testing::Values(LexErrorCase{"{{ x }", "t.j2:1: unexpected '}'"},
                      LexErrorCase{"\n{{ (x] }}", "t.j2:2: unexpected ']', expected ')'"},
                      LexErrorCase{"{{ a ! b }}", "t.j2:1: unexpected char '!' at 5"},
                      LexErrorCase{"a\n{# x", "t.j2:2: Missing end of comment tag"},
                      LexErrorCase{"{% raw %}x", "t.j2:1: Missing end of raw directive"},
                      LexErrorCase{"{{ 'abc }}", "t.j2:1: unexpected char \"'\" at 3"}));

}  // namespace
}  // namespace gitops::jinja
