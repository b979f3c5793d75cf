// Tokens produced by the lexer and consumed by the parser (Jinja's token stream).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gitops::jinja {

enum class TokenKind : uint8_t {
  kData,        // literal template text (already whitespace-controlled)
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,        // identifiers and keywords
  kString,      // string literal; `text` holds the decoded value
  kInt,
  kFloat,
  kOperator,    // + - * / // % ** ~ ( ) [ ] { } == != < <= > >= = . : | , ;
  kEof,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  int line = 1;
  // kData: the text; kName/kOperator: the spelling; kString: the decoded value.
  std::string text;
  int64_t int_value = 0;
  bool big_int = false;  // kInt past int64: `text` holds the digits
  double float_value = 0;

  bool Is(TokenKind k, std::string_view t) const { return kind == k && text == t; }
  bool IsOp(std::string_view t) const { return kind == TokenKind::kOperator && text == t; }
  bool IsName(std::string_view t) const { return kind == TokenKind::kName && text == t; }
};

// A short description of a token for syntax errors, as Jinja spells them ("end of print
// statement", "'}'", "end of template").
std::string DescribeToken(const Token& t);

}  // namespace gitops::jinja
