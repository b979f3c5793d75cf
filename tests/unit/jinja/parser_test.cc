// Parser: precedence (as Jinja2 3.1 parses, not as Python would), statement structure and
// syntax errors with Jinja's wording and line numbers.
#include "jinja/parser.h"

#include <gtest/gtest.h>

#include <string>

#include "jinja/lexer.h"

namespace gitops::jinja {
namespace {

Result<std::unique_ptr<TemplateAst>> ParseSource(std::string_view src) {
  auto toks = Lex(src, "t.j2", {});
  if (!toks.ok()) return Unexpected(toks.error());
  return Parse(std::move(toks).value(), "t.j2");
}

// The expression of the first {{ }} of `src`.
const Expr& FirstExpr(const TemplateAst& ast) { return *ast.body.at(0)->expr; }

TEST(ParserTest, UnaryMinusBindsBeforePower) {
  // Jinja parses -2**2 as (-2)**2.
  auto ast = ParseSource("{{ -2**2 }}");
  ASSERT_TRUE(ast.ok());
  const Expr& e = FirstExpr(**ast);
  ASSERT_EQ(e.kind, ExprKind::kBinary);
  EXPECT_EQ(e.bin_op, BinOp::kPow);
  EXPECT_EQ(e.items[0]->kind, ExprKind::kNeg);
}

TEST(ParserTest, PowerIsLeftAssociative) {
  auto ast = ParseSource("{{ 2**3**2 }}");
  ASSERT_TRUE(ast.ok());
  const Expr& e = FirstExpr(**ast);
  EXPECT_EQ(e.items[0]->kind, ExprKind::kBinary);
  EXPECT_EQ(e.items[1]->kind, ExprKind::kLiteral);
}

TEST(ParserTest, ConcatBindsTighterThanPlus) {
  auto ast = ParseSource("{{ 1 + 2 ~ 3 }}");
  ASSERT_TRUE(ast.ok());
  const Expr& e = FirstExpr(**ast);
  EXPECT_EQ(e.bin_op, BinOp::kAdd);
  EXPECT_EQ(e.items[1]->bin_op, BinOp::kConcat);
}

TEST(ParserTest, ChainedComparisonIsOneNode) {
  auto ast = ParseSource("{{ a < b <= c not in d }}");
  ASSERT_TRUE(ast.ok());
  const Expr& e = FirstExpr(**ast);
  ASSERT_EQ(e.kind, ExprKind::kCompare);
  EXPECT_EQ(e.ops, (std::vector<CmpOp>{CmpOp::kLt, CmpOp::kLe, CmpOp::kNotIn}));
}

TEST(ParserTest, ConditionalWithoutElse) {
  auto ast = ParseSource("{{ a if b }}");
  ASSERT_TRUE(ast.ok());
  const Expr& e = FirstExpr(**ast);
  ASSERT_EQ(e.kind, ExprKind::kCond);
  EXPECT_EQ(e.items[2], nullptr);
}

TEST(ParserTest, SliceAndIntegerAttribute) {
  auto ast = ParseSource("{{ a[1:] }}{{ a.0 }}");
  ASSERT_TRUE(ast.ok());
  EXPECT_EQ((*ast)->body[0]->expr->kind, ExprKind::kSlice);
  EXPECT_EQ((*ast)->body[1]->expr->kind, ExprKind::kGetitem);
}

TEST(ParserTest, CallArgumentForms) {
  auto ast = ParseSource("{{ f(1, x=2, *a, **k) }}");
  ASSERT_TRUE(ast.ok());
  const Expr& e = FirstExpr(**ast);
  ASSERT_EQ(e.kind, ExprKind::kCall);
  EXPECT_EQ(e.args.positional.size(), 1u);
  EXPECT_EQ(e.args.keyword.size(), 1u);
  EXPECT_NE(e.args.star, nullptr);
  EXPECT_NE(e.args.star_star, nullptr);
}

TEST(ParserTest, ForWithUnpackingFilterAndElse) {
  auto ast = ParseSource("{% for k, v in d if v %}x{% else %}y{% endfor %}");
  ASSERT_TRUE(ast.ok());
  const Stmt& s = *(*ast)->body[0];
  EXPECT_EQ(s.kind, StmtKind::kFor);
  EXPECT_EQ(s.target.kind, Target::Kind::kTuple);
  EXPECT_EQ(s.conds.size(), 1u);
  EXPECT_EQ(s.else_body.size(), 1u);
}

TEST(ParserTest, MacroRecordsCallerAndVarargsUse) {
  auto ast = ParseSource("{% macro m(a, b=1) %}{{ caller() }}{{ varargs }}{% endmacro %}");
  ASSERT_TRUE(ast.ok());
  const Stmt& s = *(*ast)->body[0];
  EXPECT_TRUE(s.uses_caller);
  EXPECT_TRUE(s.uses_varargs);
  EXPECT_FALSE(s.uses_kwargs);
  EXPECT_EQ(s.params.size(), 2u);
}

TEST(ParserTest, BlocksAreCollected) {
  auto ast = ParseSource("{% block a %}{% block b %}{% endblock %}{% endblock a %}");
  ASSERT_TRUE(ast.ok());
  ASSERT_EQ((*ast)->blocks.size(), 2u);
  EXPECT_EQ((*ast)->blocks[0]->text, "a");
  EXPECT_EQ((*ast)->blocks[1]->text, "b");
}

TEST(ParserTest, DeepNestingIsAnErrorNotACrash) {
  std::string src = "{{ " + std::string(10000, '(') + "1" + std::string(10000, ')') + " }}";
  EXPECT_FALSE(ParseSource(src).ok());
  std::string unary = "{{ " + std::string(10000, '-') + "1 }}";
  EXPECT_FALSE(ParseSource(unary).ok());
  std::string nots = "{{ ";
  for (int i = 0; i < 10000; ++i) nots += "not ";
  EXPECT_FALSE(ParseSource(nots + "1 }}").ok());
  std::string ifs;
  for (int i = 0; i < 5000; ++i) ifs += "{% if 1 %}";
  EXPECT_FALSE(ParseSource(ifs).ok());
}

struct SyntaxErrorCase {
  const char* source;
  const char* message;
};

class SyntaxErrorTest : public ::testing::TestWithParam<SyntaxErrorCase> {};

TEST_P(SyntaxErrorTest, MessageAsJinja) {
  auto ast = ParseSource(GetParam().source);
  ASSERT_FALSE(ast.ok());
  EXPECT_EQ(ast.error().message, GetParam().message);
}

// Messages checked against Jinja2 3.1's TemplateSyntaxError.
INSTANTIATE_TEST_SUITE_P(
    Cases, SyntaxErrorTest,
    ::testing::Values(
        SyntaxErrorCase{"{% for %}",
                        "t.j2:1: Expected an expression, got 'end of statement block'"},
        SyntaxErrorCase{"a\n{% if x %}",
                        "t.j2:2: Unexpected end of template. Jinja was looking for the following "
                        "tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be "
                        "closed is 'if'."},
        SyntaxErrorCase{"{% for x in y %}{% endif %}",
                        "t.j2:1: Encountered unknown tag 'endif'. Jinja was looking for the "
                        "following tags: 'endfor' or 'else'. The innermost block that needs to "
                        "be closed is 'for'."},
        SyntaxErrorCase{"{% if x %}{% for x in y %}{% endif %}",
                        "t.j2:1: Encountered unknown tag 'endif'. You probably made a nesting "
                        "mistake. Jinja is expecting this tag, but currently looking for "
                        "'endfor' or 'else'. The innermost block that needs to be closed is "
                        "'for'."},
        SyntaxErrorCase{"{% foo %}", "t.j2:1: Encountered unknown tag 'foo'."},
        SyntaxErrorCase{"{{ 'a' is == 'a' }}", "t.j2:1: expected token 'name', got '=='"},
        SyntaxErrorCase{"{{ 1 + }}", "t.j2:1: unexpected 'end of print statement'"},
        SyntaxErrorCase{"{{ x", "t.j2:1: unexpected end of template, expected 'end of print "
                                "statement'."},
        SyntaxErrorCase{"{% macro m(a=1, b) %}{% endmacro %}",
                        "t.j2:1: non-default argument follows default argument"},
        SyntaxErrorCase{"{% block a %}{% endblock %}{% block a %}{% endblock %}",
                        "t.j2:1: block 'a' defined twice"},
        SyntaxErrorCase{"{{ f(a=1, 2) }}", "t.j2:1: invalid syntax for function call expression"},
        SyntaxErrorCase{"{% if x %}\n\n{% endif y %}",
                        "t.j2:3: expected token 'end of statement block', got 'y'"}));

}  // namespace
}  // namespace gitops::jinja
