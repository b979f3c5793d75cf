// The recursive-descent parser, following Jinja2 3.1's parser.py: the same precedence
// (condexpr < or < and < not < compare < +,- < ~ < *,/,//,% < ** < unary < filters/tests <
// postfix), the same statements, and the same wording of syntax errors.
#include "jinja/parser.h"

#include <string>
#include <utility>

#include "jinja/methods.h"

namespace gitops::jinja {
namespace {

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string_view name)
      : tokens_(std::move(tokens)), name_(name) {}

  Result<std::unique_ptr<TemplateAst>> Run() {
    auto ast = std::make_unique<TemplateAst>();
    ast->name = std::string(name_);
    ast_ = ast.get();
    Body body;
    if (!Subparse(body, {})) return std::move(*error_);
    ast->body = std::move(body);
    return ast;
  }

 private:
  // ---- token stream -----------------------------------------------------------------------
  const Token& Cur() const { return tokens_[pos_]; }
  const Token& Look() const { return tokens_[pos_ + 1 < tokens_.size() ? pos_ + 1 : pos_]; }
  const Token& Next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool SkipOp(std::string_view op) {
    if (Cur().IsOp(op)) {
      Next();
      return true;
    }
    return false;
  }
  bool SkipName(std::string_view n) {
    if (Cur().IsName(n)) {
      Next();
      return true;
    }
    return false;
  }

  // Records the first error; returns false so callers can `return Fail(...)`.
  bool Fail(const std::string& msg, int line) {
    if (!error_) {
      error_ = MakeError(ErrorCode::kInvalidArgument,
                         std::string(name_) + ":" + std::to_string(line) + ": " + msg,
                         std::string(name_) + ":" + std::to_string(line));
    }
    return false;
  }
  std::nullptr_t FailNull(const std::string& msg, int line) {
    Fail(msg, line);
    return nullptr;
  }

  // The value of an integer literal (a big int past int64); Undefined after Fail() when it is
  // too large.
  Value IntLiteral(const Token& t) {
    if (!t.big_int) return Value::Int(t.int_value);
    auto big = BigInt::FromDigits(t.text);
    if (!big.ok()) {
      Fail(big.error().message, t.line);
      return Value();
    }
    return Value::Integer(std::move(big).value());
  }

  static std::string Quote(const std::string& s) {
    // Python's repr of a str without quotes inside.
    if (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) {
      return "\"" + s + "\"";
    }
    return "'" + s + "'";
  }

  // expect(): the current token must be `what` (an operator, a name, or a kind).
  bool ExpectFail(const std::string& what) {
    if (Cur().kind == TokenKind::kEof) {
      return Fail("unexpected end of template, expected " + Quote(what) + ".", Cur().line);
    }
    return Fail("expected token " + Quote(what) + ", got " + Quote(DescribeToken(Cur())),
                Cur().line);
  }
  bool ExpectOp(std::string_view op) {
    if (SkipOp(op)) return true;
    return ExpectFail(std::string(op));
  }
  bool ExpectNameKw(std::string_view n) {
    if (SkipName(n)) return true;
    return ExpectFail(std::string(n));
  }
  bool ExpectKind(TokenKind kind) {
    if (Cur().kind == kind) {
      Next();
      return true;
    }
    Token t;
    t.kind = kind;
    return ExpectFail(kind == TokenKind::kName ? "name" : DescribeToken(t));
  }
  bool ExpectName(std::string& out) {
    if (Cur().kind == TokenKind::kName) {
      out = Next().text;
      return true;
    }
    return ExpectFail("name");
  }

  // ---- statements -------------------------------------------------------------------------
  using EndTokens = std::vector<std::string_view>;

  bool AtEnd(const EndTokens& end) const {
    if (Cur().kind != TokenKind::kName) return false;
    for (auto e : end) {
      if (Cur().text == e) return true;
    }
    return false;
  }

  // Parses statements until one of `end` tags (left as the current token) or EOF.
  bool Subparse(Body& body, const EndTokens& end, bool drop_needle = false) {
    // parse_statements: the statement's own tag must be closed first.
    if (!end.empty() && !ExpectKind(TokenKind::kBlockEnd)) return false;
    if (!end.empty()) end_stack_.push_back(end);
    bool ok = SubparseInner(body, end);
    if (!end.empty()) end_stack_.pop_back();
    if (ok && drop_needle) Next();
    return ok;
  }

  bool SubparseInner(Body& body, const EndTokens& end) {
    while (true) {
      const Token& t = Cur();
      switch (t.kind) {
        case TokenKind::kData: {
          auto s = std::make_unique<Stmt>();
          s->kind = StmtKind::kData;
          s->line = t.line;
          s->text = t.text;
          Next();
          body.push_back(std::move(s));
          break;
        }
        case TokenKind::kVarBegin: {
          int line = Next().line;
          auto s = std::make_unique<Stmt>();
          s->kind = StmtKind::kOutput;
          s->line = line;
          s->expr = ParseTuple(false, true, {}, false);
          if (!s->expr) return false;
          if (!ExpectKind(TokenKind::kVarEnd)) return false;
          body.push_back(std::move(s));
          break;
        }
        case TokenKind::kBlockBegin: {
          Next();
          if (!end.empty() && AtEnd(end)) return true;
          StmtPtr s;
          if (!ParseStatement(s)) return false;
          if (s) body.push_back(std::move(s));
          if (!ExpectKind(TokenKind::kBlockEnd)) return false;
          break;
        }
        case TokenKind::kEof:
          if (!end.empty()) return FailUnknownTag(nullptr, t.line);
          return true;
        default:
          return Fail("internal parser error: unexpected " + DescribeToken(t), t.line);
      }
    }
  }

  bool FailUnknownTag(const std::string* name, int line) {
    std::vector<std::string> expected;
    for (const auto& exprs : end_stack_) {
      for (auto e : exprs) expected.emplace_back(e);
    }
    std::string msg = name ? "Encountered unknown tag '" + *name + "'." : "Unexpected end of template.";
    if (!end_stack_.empty()) {
      std::string looking;
      for (auto e : end_stack_.back()) {
        if (!looking.empty()) looking += " or ";
        looking += "'" + std::string(e) + "'";
      }
      bool in_expected = false;
      if (name) {
        for (const auto& e : expected) in_expected |= e == *name;
      }
      if (in_expected) {
        msg += " You probably made a nesting mistake. Jinja is expecting this tag, but "
               "currently looking for " + looking + ".";
      } else {
        msg += " Jinja was looking for the following tags: " + looking + ".";
      }
    }
    if (!tag_stack_.empty()) {
      msg += " The innermost block that needs to be closed is '" + tag_stack_.back() + "'.";
    }
    return Fail(msg, line);
  }

  bool ParseStatement(StmtPtr& out) {
    const Token& t = Cur();
    if (t.kind != TokenKind::kName) return Fail("tag name expected", t.line);
    if (++depth_ > kMaxParseDepth) return Fail("statements nested too deeply", t.line);
    std::string tag = t.text;
    tag_stack_.push_back(tag);
    bool ok;
    if (tag == "if") ok = ParseIf(out);
    else if (tag == "for") ok = ParseFor(out);
    else if (tag == "set") ok = ParseSet(out);
    else if (tag == "macro") ok = ParseMacro(out);
    else if (tag == "call") ok = ParseCallBlock(out);
    else if (tag == "filter") ok = ParseFilterBlock(out);
    else if (tag == "with") ok = ParseWith(out);
    else if (tag == "include") ok = ParseInclude(out);
    else if (tag == "import") ok = ParseImport(out);
    else if (tag == "from") ok = ParseFrom(out);
    else if (tag == "extends") ok = ParseExtends(out);
    else if (tag == "block") ok = ParseBlock(out);
    else if (tag == "print") ok = ParsePrint(out);
    else {
      tag_stack_.pop_back();
      ok = FailUnknownTag(&tag, t.line);
      --depth_;
      return ok;
    }
    tag_stack_.pop_back();
    --depth_;
    return ok;
  }

  StmtPtr NewStmt(StmtKind kind) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->line = Cur().line;
    return s;
  }

  bool ParsePrint(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kOutput);
    Next();
    s->expr = ParseTuple(false, true, {}, false);
    if (!s->expr) return false;
    out = std::move(s);
    return true;
  }

  bool ParseIf(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kIf);
    Next();
    while (true) {
      ExprPtr cond = ParseTuple(false, false, {}, false);
      if (!cond) return false;
      s->conds.push_back(std::move(cond));
      Body body;
      if (!Subparse(body, {"elif", "else", "endif"})) return false;
      s->bodies.push_back(std::move(body));
      const Token& t = Next();
      if (t.text == "elif") continue;
      if (t.text == "else") {
        if (!Subparse(s->else_body, {"endif"}, true)) return false;
      }
      break;
    }
    out = std::move(s);
    return true;
  }

  bool ParseFor(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kFor);
    Next();
    if (!ParseAssignTarget(s->target, true, false, {"in"}, false)) return false;
    if (!ExpectNameKw("in")) return false;
    s->expr = ParseTuple(false, false, {"recursive"}, false);
    if (!s->expr) return false;
    if (SkipName("if")) {
      ExprPtr cond = ParseExpression(true);
      if (!cond) return false;
      s->conds.push_back(std::move(cond));
    }
    s->recursive = SkipName("recursive");
    if (!Subparse(s->body, {"endfor", "else"})) return false;
    if (Next().text != "endfor") {
      if (!Subparse(s->else_body, {"endfor"}, true)) return false;
    }
    out = std::move(s);
    return true;
  }

  bool ParseSet(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kSet);
    Next();
    if (!ParseAssignTarget(s->target, true, false, {}, true)) return false;
    if (SkipOp("=")) {
      s->expr = ParseTuple(false, true, {}, false);
      if (!s->expr) return false;
      out = std::move(s);
      return true;
    }
    s->kind = StmtKind::kSetBlock;
    if (Cur().IsOp("|")) {
      s->filter = ParseFilter(nullptr, false);
      if (!s->filter) return false;
    }
    if (!Subparse(s->body, {"endset"}, true)) return false;
    out = std::move(s);
    return true;
  }

  bool ParseSignature(Stmt& s) {
    if (!ExpectOp("(")) return false;
    bool have_default = false;
    while (!Cur().IsOp(")")) {
      if (!s.params.empty() && !ExpectOp(",")) return false;
      MacroParam p;
      int line = Cur().line;
      if (!ExpectName(p.name)) return false;
      for (const auto& other : s.params) {
        if (other.name == p.name) {
          return Fail("duplicate argument '" + p.name + "' in function definition", line);
        }
      }
      if (SkipOp("=")) {
        p.default_value = ParseExpression(true);
        if (!p.default_value) return false;
        have_default = true;
      } else if (have_default) {
        return Fail("non-default argument follows default argument", Cur().line);
      }
      s.params.push_back(std::move(p));
    }
    return ExpectOp(")");
  }

  bool ParseMacro(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kMacro);
    Next();
    if (!ExpectName(s->text)) return false;
    if (!ParseSignature(*s)) return false;
    macro_stack_.push_back(s.get());
    bool ok = Subparse(s->body, {"endmacro"}, true);
    macro_stack_.pop_back();
    if (!ok) return false;
    out = std::move(s);
    return true;
  }

  bool ParseCallBlock(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kCallBlock);
    Next();
    if (Cur().IsOp("(")) {
      if (!ParseSignature(*s)) return false;
    }
    s->expr = ParseExpression(true);
    if (!s->expr) return false;
    if (s->expr->kind != ExprKind::kCall) return Fail("expected call", s->line);
    macro_stack_.push_back(s.get());
    bool ok = Subparse(s->body, {"endcall"}, true);
    macro_stack_.pop_back();
    if (!ok) return false;
    out = std::move(s);
    return true;
  }

  bool ParseFilterBlock(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kFilterBlock);
    Next();
    s->filter = ParseFilter(nullptr, true);
    if (!s->filter) return false;
    if (!Subparse(s->body, {"endfilter"}, true)) return false;
    out = std::move(s);
    return true;
  }

  bool ParseWith(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kWith);
    Next();
    while (Cur().kind != TokenKind::kBlockEnd) {
      if (!s->targets.empty() && !ExpectOp(",")) return false;
      Target t;
      if (!ParseAssignTarget(t, true, false, {}, false)) return false;
      if (!ExpectOp("=")) return false;
      ExprPtr v = ParseExpression(true);
      if (!v) return false;
      s->targets.push_back(std::move(t));
      s->conds.push_back(std::move(v));
    }
    if (!Subparse(s->body, {"endwith"}, true)) return false;
    out = std::move(s);
    return true;
  }

  void ParseImportContext(Stmt& s, bool dflt) {
    if ((Cur().IsName("with") || Cur().IsName("without")) && Look().IsName("context")) {
      s.with_context = Next().text == "with";
      Next();
    } else {
      s.with_context = dflt;
    }
  }

  bool ParseInclude(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kInclude);
    Next();
    s->expr = ParseExpression(true);
    if (!s->expr) return false;
    if (Cur().IsName("ignore") && Look().IsName("missing")) {
      s->ignore_missing = true;
      Next();
      Next();
    }
    ParseImportContext(*s, true);
    out = std::move(s);
    return true;
  }

  bool ParseImport(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kImport);
    Next();
    s->expr = ParseExpression(true);
    if (!s->expr) return false;
    if (!ExpectNameKw("as")) return false;
    if (!ExpectName(s->text)) return false;
    ParseImportContext(*s, false);
    out = std::move(s);
    return true;
  }

  bool ParseFrom(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kFromImport);
    Next();
    s->expr = ParseExpression(true);
    if (!s->expr) return false;
    if (!ExpectNameKw("import")) return false;
    s->with_context = false;
    auto parse_context = [&] {
      if ((Cur().IsName("with") || Cur().IsName("without")) && Look().IsName("context")) {
        s->with_context = Next().text == "with";
        Next();
        return true;
      }
      return false;
    };
    while (true) {
      if (!s->names.empty() && !ExpectOp(",")) return false;
      if (Cur().kind == TokenKind::kName) {
        if (parse_context()) break;
        std::string n = Next().text;
        if (!n.empty() && n[0] == '_') {
          return Fail("names starting with an underline can not be imported", s->line);
        }
        std::string alias = n;
        if (SkipName("as")) {
          if (!ExpectName(alias)) return false;
        }
        s->names.emplace_back(n, alias);
        if (parse_context() || !Cur().IsOp(",")) break;
      } else {
        return ExpectKind(TokenKind::kName);
      }
    }
    out = std::move(s);
    return true;
  }

  bool ParseExtends(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kExtends);
    Next();
    s->expr = ParseExpression(true);
    if (!s->expr) return false;
    ast_->has_extends = true;
    out = std::move(s);
    return true;
  }

  bool ParseBlock(StmtPtr& out) {
    auto s = NewStmt(StmtKind::kBlock);
    Next();
    if (!ExpectName(s->text)) return false;
    s->scoped = SkipName("scoped");
    s->required = SkipName("required");
    if (Cur().IsOp("-")) {
      return Fail("Block names in Jinja have to be valid Python identifiers and may not "
                  "contain hyphens, use an underscore instead.",
                  Cur().line);
    }
    for (const Stmt* b : ast_->blocks) {
      if (b->text == s->text) return Fail("block '" + s->text + "' defined twice", s->line);
    }
    s->template_name = std::string(name_);
    ast_->blocks.push_back(s.get());
    // Blocks are rendered with their own scope: they must not see enclosing macro state.
    auto saved_macros = std::move(macro_stack_);
    macro_stack_.clear();
    bool ok = Subparse(s->body, {"endblock"}, true);
    macro_stack_ = std::move(saved_macros);
    if (!ok) return false;
    if (s->required) {
      for (const auto& st : s->body) {
        bool blank = st->kind == StmtKind::kData &&
                     st->text.find_first_not_of(" \t\r\n\f\v") == std::string::npos;
        if (!blank) {
          return Fail("Required blocks can only contain comments or whitespace", st->line);
        }
      }
    }
    // {% endblock name %}
    if (Cur().kind == TokenKind::kName && Cur().text == s->text) Next();
    out = std::move(s);
    return true;
  }

  // Assignment targets (for, set, with).
  bool ParseAssignTarget(Target& out, bool with_tuple, bool name_only, const EndTokens& extra_end,
                         bool with_namespace) {
    out.line = Cur().line;
    if (with_namespace && Cur().kind == TokenKind::kName && Look().IsOp(".")) {
      out.kind = Target::Kind::kAttr;
      out.name = Next().text;
      Next();
      return ExpectName(out.attr);
    }
    if (name_only) {
      out.kind = Target::Kind::kName;
      return ExpectName(out.name);
    }
    // parse_tuple(simplified=True): primaries separated by commas.
    std::vector<Target> items;
    bool is_tuple = false;
    bool explicit_paren = false;
    while (true) {
      if (!items.empty() && !ExpectOp(",")) return false;
      if (IsTupleEnd(extra_end)) break;
      Target item;
      item.line = Cur().line;
      if (Cur().kind == TokenKind::kName && !IsKeywordConst(Cur().text)) {
        item.kind = Target::Kind::kName;
        item.name = Next().text;
      } else if (Cur().IsOp("(")) {
        Next();
        if (!ParseAssignTarget(item, true, false, {}, false)) return false;
        if (!ExpectOp(")")) return false;
        explicit_paren = true;
      } else {
        return FailAssign();
      }
      items.push_back(std::move(item));
      if (!with_tuple) break;
      if (Cur().IsOp(",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    (void)explicit_paren;
    if (!is_tuple) {
      if (items.empty()) {
        return Fail("Expected an expression, got " + Quote(DescribeToken(Cur())), Cur().line);
      }
      out = std::move(items[0]);
      return true;
    }
    out.kind = Target::Kind::kTuple;
    out.items = std::move(items);
    return true;
  }

  bool FailAssign() {
    const Token& t = Cur();
    std::string what = "const";
    if (t.kind == TokenKind::kName && !IsKeywordConst(t.text)) what = "name";
    if (t.kind == TokenKind::kOperator || t.kind == TokenKind::kBlockEnd ||
        t.kind == TokenKind::kVarEnd || t.kind == TokenKind::kEof) {
      return Fail("unexpected " + Quote(DescribeToken(t)), t.line);
    }
    return Fail("can't assign to '" + what + "'", t.line);
  }

  static bool IsKeywordConst(const std::string& n) {
    return n == "true" || n == "false" || n == "none" || n == "True" || n == "False" ||
           n == "None";
  }

  // ---- expressions ------------------------------------------------------------------------
  bool IsTupleEnd(const EndTokens& extra_end) const {
    const Token& t = Cur();
    if (t.kind == TokenKind::kVarEnd || t.kind == TokenKind::kBlockEnd || t.IsOp(")")) {
      return true;
    }
    return AtEnd(extra_end);
  }

  ExprPtr NewExpr(ExprKind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
  }

  // parse_tuple
  ExprPtr ParseTuple(bool simplified, bool with_condexpr, const EndTokens& extra_end,
                     bool explicit_parentheses) {
    int line = Cur().line;
    std::vector<ExprPtr> args;
    bool is_tuple = false;
    while (true) {
      if (!args.empty() && !ExpectOp(",")) return nullptr;
      if (IsTupleEnd(extra_end)) break;
      ExprPtr e = simplified ? ParsePrimary() : ParseExpression(with_condexpr);
      if (!e) return nullptr;
      args.push_back(std::move(e));
      if (Cur().IsOp(",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parentheses) {
        return FailNull("Expected an expression, got " + Quote(DescribeToken(Cur())), Cur().line);
      }
    }
    auto t = NewExpr(ExprKind::kTuple, line);
    t->items = std::move(args);
    return t;
  }

  struct DepthGuard {
    Parser* p;
    explicit DepthGuard(Parser* parser) : p(parser) { ++p->depth_; }
    ~DepthGuard() { --p->depth_; }
  };

  ExprPtr ParseExpression(bool with_condexpr) {
    DepthGuard guard(this);
    if (depth_ > kMaxParseDepth) return FailNull("expression nested too deeply", Cur().line);
    return with_condexpr ? ParseCondExpr() : ParseOr();
  }

  ExprPtr ParseCondExpr() {
    int line = Cur().line;
    ExprPtr expr1 = ParseOr();
    if (!expr1) return nullptr;
    while (SkipName("if")) {
      ExprPtr expr2 = ParseOr();
      if (!expr2) return nullptr;
      ExprPtr expr3;
      if (SkipName("else")) {
        DepthGuard guard(this);
        if (depth_ > kMaxParseDepth) return FailNull("expression nested too deeply", Cur().line);
        expr3 = ParseCondExpr();
        if (!expr3) return nullptr;
      }
      auto c = NewExpr(ExprKind::kCond, line);
      c->items.push_back(std::move(expr2));
      c->items.push_back(std::move(expr1));
      c->items.push_back(std::move(expr3));
      expr1 = std::move(c);
    }
    return expr1;
  }

  ExprPtr ParseOr() {
    int line = Cur().line;
    ExprPtr left = ParseAnd();
    if (!left) return nullptr;
    while (SkipName("or")) {
      ExprPtr right = ParseAnd();
      if (!right) return nullptr;
      auto e = NewExpr(ExprKind::kOr, line);
      e->items.push_back(std::move(left));
      e->items.push_back(std::move(right));
      left = std::move(e);
    }
    return left;
  }

  ExprPtr ParseAnd() {
    int line = Cur().line;
    ExprPtr left = ParseNot();
    if (!left) return nullptr;
    while (SkipName("and")) {
      ExprPtr right = ParseNot();
      if (!right) return nullptr;
      auto e = NewExpr(ExprKind::kAnd, line);
      e->items.push_back(std::move(left));
      e->items.push_back(std::move(right));
      left = std::move(e);
    }
    return left;
  }

  ExprPtr ParseNot() {
    if (Cur().IsName("not")) {
      int line = Next().line;
      DepthGuard guard(this);
      if (depth_ > kMaxParseDepth) return FailNull("expression nested too deeply", line);
      ExprPtr operand = ParseNot();
      if (!operand) return nullptr;
      auto e = NewExpr(ExprKind::kNot, line);
      e->items.push_back(std::move(operand));
      return e;
    }
    return ParseCompare();
  }

  ExprPtr ParseCompare() {
    int line = Cur().line;
    ExprPtr expr = ParseMath1();
    if (!expr) return nullptr;
    std::vector<CmpOp> ops;
    std::vector<ExprPtr> operands;
    while (true) {
      const Token& t = Cur();
      CmpOp op;
      if (t.IsOp("==")) op = CmpOp::kEq;
      else if (t.IsOp("!=")) op = CmpOp::kNe;
      else if (t.IsOp("<")) op = CmpOp::kLt;
      else if (t.IsOp("<=")) op = CmpOp::kLe;
      else if (t.IsOp(">")) op = CmpOp::kGt;
      else if (t.IsOp(">=")) op = CmpOp::kGe;
      else if (t.IsName("in")) op = CmpOp::kIn;
      else if (t.IsName("not") && Look().IsName("in")) {
        Next();
        op = CmpOp::kNotIn;
      } else {
        break;
      }
      Next();
      ExprPtr right = ParseMath1();
      if (!right) return nullptr;
      ops.push_back(op);
      operands.push_back(std::move(right));
    }
    if (ops.empty()) return expr;
    auto e = NewExpr(ExprKind::kCompare, line);
    e->items.push_back(std::move(expr));
    for (auto& o : operands) e->items.push_back(std::move(o));
    e->ops = std::move(ops);
    return e;
  }

  ExprPtr MakeBinary(BinOp op, ExprPtr l, ExprPtr r, int line) {
    auto e = NewExpr(ExprKind::kBinary, line);
    e->bin_op = op;
    e->items.push_back(std::move(l));
    e->items.push_back(std::move(r));
    return e;
  }

  ExprPtr ParseMath1() {
    int line = Cur().line;
    ExprPtr left = ParseConcat();
    if (!left) return nullptr;
    while (Cur().IsOp("+") || Cur().IsOp("-")) {
      BinOp op = Next().text == "+" ? BinOp::kAdd : BinOp::kSub;
      ExprPtr right = ParseConcat();
      if (!right) return nullptr;
      left = MakeBinary(op, std::move(left), std::move(right), line);
    }
    return left;
  }

  ExprPtr ParseConcat() {
    int line = Cur().line;
    ExprPtr left = ParseMath2();
    if (!left) return nullptr;
    while (SkipOp("~")) {
      ExprPtr right = ParseMath2();
      if (!right) return nullptr;
      left = MakeBinary(BinOp::kConcat, std::move(left), std::move(right), line);
    }
    return left;
  }

  ExprPtr ParseMath2() {
    int line = Cur().line;
    ExprPtr left = ParsePow();
    if (!left) return nullptr;
    while (true) {
      BinOp op;
      if (Cur().IsOp("*")) op = BinOp::kMul;
      else if (Cur().IsOp("/")) op = BinOp::kDiv;
      else if (Cur().IsOp("//")) op = BinOp::kFloorDiv;
      else if (Cur().IsOp("%")) op = BinOp::kMod;
      else break;
      Next();
      ExprPtr right = ParsePow();
      if (!right) return nullptr;
      left = MakeBinary(op, std::move(left), std::move(right), line);
    }
    return left;
  }

  ExprPtr ParsePow() {
    int line = Cur().line;
    ExprPtr left = ParseUnary(true);
    if (!left) return nullptr;
    while (SkipOp("**")) {
      ExprPtr right = ParseUnary(true);
      if (!right) return nullptr;
      left = MakeBinary(BinOp::kPow, std::move(left), std::move(right), line);
    }
    return left;
  }

  ExprPtr ParseUnary(bool with_filter) {
    DepthGuard guard(this);
    int line = Cur().line;
    if (depth_ > kMaxParseDepth) return FailNull("expression nested too deeply", line);
    ExprPtr node;
    if (Cur().IsOp("-") || Cur().IsOp("+")) {
      bool neg = Next().text == "-";
      ExprPtr operand = ParseUnary(false);
      if (!operand) return nullptr;
      node = NewExpr(neg ? ExprKind::kNeg : ExprKind::kPos, line);
      node->items.push_back(std::move(operand));
    } else {
      node = ParsePrimary();
      if (!node) return nullptr;
      node = ParsePostfix(std::move(node));
      if (!node) return nullptr;
    }
    if (with_filter) node = ParseFilterExpr(std::move(node));
    return node;
  }

  ExprPtr ParsePrimary() {
    DepthGuard guard(this);
    const Token& t = Cur();
    int line = t.line;
    if (depth_ > kMaxParseDepth) return FailNull("expression nested too deeply", line);
    switch (t.kind) {
      case TokenKind::kName: {
        auto e = NewExpr(ExprKind::kLiteral, line);
        if (t.text == "true" || t.text == "True") {
          e->value = Value::Bool(true);
        } else if (t.text == "false" || t.text == "False") {
          e->value = Value::Bool(false);
        } else if (t.text == "none" || t.text == "None") {
          e->value = Value::None();
        } else {
          e->kind = ExprKind::kName;
          e->name = t.text;
          if (t.text == "caller" || t.text == "varargs" || t.text == "kwargs") {
            for (Stmt* m : macro_stack_) {
              if (t.text == "caller") m->uses_caller = true;
              if (t.text == "varargs") m->uses_varargs = true;
              if (t.text == "kwargs") m->uses_kwargs = true;
            }
          }
        }
        Next();
        return e;
      }
      case TokenKind::kString: {
        auto e = NewExpr(ExprKind::kLiteral, line);
        e->name = Next().text;
        while (Cur().kind == TokenKind::kString) e->name += Next().text;
        e->value = Value::StrView(e->name);
        return e;
      }
      case TokenKind::kInt: {
        auto e = NewExpr(ExprKind::kLiteral, line);
        e->value = IntLiteral(Next());
        if (e->value.IsUndefined()) return nullptr;
        return e;
      }
      case TokenKind::kFloat: {
        auto e = NewExpr(ExprKind::kLiteral, line);
        e->value = Value::Float(Next().float_value);
        return e;
      }
      case TokenKind::kOperator:
        if (t.text == "(") {
          Next();
          ExprPtr e = ParseTuple(false, true, {}, true);
          if (!e) return nullptr;
          if (!ExpectOp(")")) return nullptr;
          return e;
        }
        if (t.text == "[") return ParseList();
        if (t.text == "{") return ParseDict();
        break;
      default:
        break;
    }
    return FailNull("unexpected " + Quote(DescribeToken(t)), line);
  }

  ExprPtr ParseList() {
    int line = Next().line;
    auto e = NewExpr(ExprKind::kList, line);
    while (!Cur().IsOp("]")) {
      if (!e->items.empty() && !ExpectOp(",")) return nullptr;
      if (Cur().IsOp("]")) break;
      ExprPtr item = ParseExpression(true);
      if (!item) return nullptr;
      e->items.push_back(std::move(item));
    }
    if (!ExpectOp("]")) return nullptr;
    return e;
  }

  ExprPtr ParseDict() {
    int line = Next().line;
    auto e = NewExpr(ExprKind::kDict, line);
    while (!Cur().IsOp("}")) {
      if (!e->items.empty() && !ExpectOp(",")) return nullptr;
      if (Cur().IsOp("}")) break;
      ExprPtr key = ParseExpression(true);
      if (!key) return nullptr;
      if (!ExpectOp(":")) return nullptr;
      ExprPtr value = ParseExpression(true);
      if (!value) return nullptr;
      e->items.push_back(std::move(key));
      e->items.push_back(std::move(value));
    }
    if (!ExpectOp("}")) return nullptr;
    return e;
  }

  ExprPtr ParsePostfix(ExprPtr node) {
    while (node) {
      if (Cur().IsOp(".") || Cur().IsOp("[")) {
        node = ParseSubscript(std::move(node));
      } else if (Cur().IsOp("(")) {
        node = ParseCall(std::move(node));
      } else {
        break;
      }
    }
    return node;
  }

  ExprPtr ParseFilterExpr(ExprPtr node) {
    while (node) {
      if (Cur().IsOp("|")) {
        node = ParseFilter(std::move(node), false);
      } else if (Cur().IsName("is")) {
        node = ParseTest(std::move(node));
      } else if (Cur().IsOp("(")) {
        node = ParseCall(std::move(node));
      } else {
        break;
      }
    }
    return node;
  }

  ExprPtr ParseSubscript(ExprPtr node) {
    const Token& t = Next();
    int line = t.line;
    if (t.text == ".") {
      const Token& attr = Cur();
      if (attr.kind == TokenKind::kName) {
        auto e = NewExpr(ExprKind::kGetattr, line);
        e->name = Next().text;
        e->items.push_back(std::move(node));
        return e;
      }
      if (attr.kind == TokenKind::kInt) {
        auto e = NewExpr(ExprKind::kGetitem, line);
        auto key = NewExpr(ExprKind::kLiteral, line);
        key->value = IntLiteral(Next());
        if (key->value.IsUndefined()) return nullptr;
        e->items.push_back(std::move(node));
        e->items.push_back(std::move(key));
        return e;
      }
      return FailNull("expected name or number", attr.line);
    }
    // '['
    std::vector<ExprPtr> args;
    while (!Cur().IsOp("]")) {
      if (!args.empty() && !ExpectOp(",")) return nullptr;
      ExprPtr a = ParseSubscribed();
      if (!a) return nullptr;
      args.push_back(std::move(a));
    }
    if (!ExpectOp("]")) return nullptr;
    if (args.empty()) return FailNull("expected an expression", line);
    ExprPtr key;
    if (args.size() == 1) {
      key = std::move(args[0]);
    } else {
      key = NewExpr(ExprKind::kTuple, line);
      key->items = std::move(args);
    }
    if (key->kind == ExprKind::kSlice && key->items.empty()) {
      // A slice node: turn into kSlice over `node`.
      key->items.clear();
    }
    if (key->kind == ExprKind::kSlice) {
      key->items.insert(key->items.begin(), std::move(node));
      // items: obj, start, stop, step
      return key;
    }
    auto e = NewExpr(ExprKind::kGetitem, line);
    e->items.push_back(std::move(node));
    e->items.push_back(std::move(key));
    return e;
  }

  // A subscript element: an expression or a slice (start:stop:step, each optional). Slices
  // come back as kSlice with items start, stop, step (nullptr when absent).
  ExprPtr ParseSubscribed() {
    int line = Cur().line;
    std::vector<ExprPtr> args;
    if (Cur().IsOp(":")) {
      Next();
      args.push_back(nullptr);
    } else {
      ExprPtr node = ParseExpression(true);
      if (!node) return nullptr;
      if (!Cur().IsOp(":")) return node;
      Next();
      args.push_back(std::move(node));
    }
    if (Cur().IsOp(":")) {
      args.push_back(nullptr);
    } else if (!Cur().IsOp("]") && !Cur().IsOp(",")) {
      ExprPtr e = ParseExpression(true);
      if (!e) return nullptr;
      args.push_back(std::move(e));
    } else {
      args.push_back(nullptr);
    }
    if (Cur().IsOp(":")) {
      Next();
      if (!Cur().IsOp("]") && !Cur().IsOp(",")) {
        ExprPtr e = ParseExpression(true);
        if (!e) return nullptr;
        args.push_back(std::move(e));
      } else {
        args.push_back(nullptr);
      }
    } else {
      args.push_back(nullptr);
    }
    auto s = NewExpr(ExprKind::kSlice, line);
    s->items = std::move(args);
    return s;
  }

  bool ParseCallArgs(CallExprArgs& out) {
    int line = Cur().line;
    if (!ExpectOp("(")) return false;
    bool require_comma = false;
    while (!Cur().IsOp(")")) {
      if (require_comma) {
        if (!ExpectOp(",")) return false;
        if (Cur().IsOp(")")) break;
      }
      if (Cur().IsOp("*")) {
        if (out.star || out.star_star) return Fail("invalid syntax for function call expression", line);
        Next();
        out.star = ParseExpression(true);
        if (!out.star) return false;
      } else if (Cur().IsOp("**")) {
        if (out.star_star) return Fail("invalid syntax for function call expression", line);
        Next();
        out.star_star = ParseExpression(true);
        if (!out.star_star) return false;
      } else if (Cur().kind == TokenKind::kName && Look().IsOp("=")) {
        if (out.star_star) return Fail("invalid syntax for function call expression", line);
        std::string key = Next().text;
        Next();
        ExprPtr v = ParseExpression(true);
        if (!v) return false;
        out.keyword.emplace_back(std::move(key), std::move(v));
      } else {
        if (out.star || out.star_star || !out.keyword.empty()) {
          return Fail("invalid syntax for function call expression", line);
        }
        ExprPtr v = ParseExpression(true);
        if (!v) return false;
        out.positional.push_back(std::move(v));
      }
      require_comma = true;
    }
    return ExpectOp(")");
  }

  ExprPtr ParseCall(ExprPtr node) {
    auto e = NewExpr(ExprKind::kCall, Cur().line);
    if (!ParseCallArgs(e->args)) return nullptr;
    e->items.push_back(std::move(node));
    return e;
  }

  ExprPtr ParseFilter(ExprPtr node, bool start_inline) {
    while (Cur().IsOp("|") || start_inline) {
      if (!start_inline) Next();
      start_inline = false;
      int line = Cur().line;
      auto e = NewExpr(ExprKind::kFilter, line);
      if (!ExpectName(e->name)) return nullptr;
      while (Cur().IsOp(".")) {
        Next();
        std::string part;
        if (!ExpectName(part)) return nullptr;
        e->name += "." + part;
      }
      if (Cur().IsOp("(")) {
        if (!ParseCallArgs(e->args)) return nullptr;
      }
      e->filter = FindFilter(e->name);  // unknown names are checked after parsing (Analyzer)
      e->items.push_back(std::move(node));
      node = std::move(e);
    }
    return node;
  }

  ExprPtr ParseTest(ExprPtr node) {
    int line = Next().line;  // 'is'
    auto e = NewExpr(ExprKind::kTest, line);
    e->negated = SkipName("not");
    if (!ExpectName(e->name)) return nullptr;
    while (Cur().IsOp(".")) {
      Next();
      std::string part;
      if (!ExpectName(part)) return nullptr;
      e->name += "." + part;
    }
    const Token& t = Cur();
    if (t.IsOp("(")) {
      if (!ParseCallArgs(e->args)) return nullptr;
    } else if ((t.kind == TokenKind::kName || t.kind == TokenKind::kString ||
                t.kind == TokenKind::kInt || t.kind == TokenKind::kFloat || t.IsOp("[") ||
                t.IsOp("{")) &&
               !t.IsName("else") && !t.IsName("or") && !t.IsName("and")) {
      if (t.IsName("is")) return FailNull("You cannot chain multiple tests with is", t.line);
      ExprPtr arg = ParsePrimary();
      if (!arg) return nullptr;
      arg = ParsePostfix(std::move(arg));
      if (!arg) return nullptr;
      e->args.positional.push_back(std::move(arg));
    }
    e->test = FindTest(e->name);  // unknown names are checked after parsing (Analyzer)
    e->items.push_back(std::move(node));
    return e;
  }

  std::vector<Token> tokens_;
  std::string_view name_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::optional<Error> error_;
  std::vector<EndTokens> end_stack_;
  std::vector<std::string> tag_stack_;
  std::vector<Stmt*> macro_stack_;
  TemplateAst* ast_ = nullptr;
};

// ---- compile-time analysis ----------------------------------------------------------------
// After parsing, one pass over the tree precomputes what the evaluator would otherwise work out
// on every render: which kinds of values have a method named like an attribute, constant dict
// and tuple literals, and whether a for loop's body can see `loop`.

// The method bits of `name` (Expr::method_kinds).
uint8_t MethodKinds(std::string_view name) {
  uint8_t bits = 0;
  if (HasMethod(Value::StrView(""), name)) bits |= kMethodStr;
  if (HasMethod(Value::List({}), name)) bits |= kMethodList;
  if (HasMethod(Value::Tuple({}), name)) bits |= kMethodTuple;
  if (HasMethod(Value::Dict({}), name)) bits |= kMethodDict;
  return bits;
}

bool IsLiteral(const ExprPtr& e) { return e && e->kind == ExprKind::kLiteral; }

// Tuples of literals become literals. A dict of literals is built once (kConstDict) and copied
// on evaluation: Python creates a new dict each time, and dicts may be mutated. Lists stay as
// they are for the same reason. Keys Python cannot hash (lists, dicts) are never literals, so
// folding never hides an error.
void FoldConstant(Expr& e) {
  if (e.kind != ExprKind::kTuple && e.kind != ExprKind::kDict) return;
  for (const auto& it : e.items) {
    if (!IsLiteral(it)) return;
  }
  if (e.kind == ExprKind::kTuple) {
    ValueList items;
    items.reserve(e.items.size());
    for (const auto& it : e.items) items.push_back(it->value);
    e.value = Value::Tuple(std::move(items));
    e.kind = ExprKind::kLiteral;
  } else {
    DictData d;
    for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
      const Value& k = e.items[i]->value;
      if (k.IsDict() || (k.IsList() && !k.IsTuple()) || k.IsUndefined()) return;
      d.Set(k, e.items[i + 1]->value);
    }
    e.value = Value::Dict(std::move(d));
    e.kind = ExprKind::kConstDict;
  }
  // The folded value may point into the children's strings: keep them alive in `constants`.
  e.constants = std::move(e.items);
  e.items.clear();
}

// It also rejects unknown filters and tests as Jinja2's compiler does: an error when the
// template is compiled, except inside an if statement (test, branches) or an inline if, whose
// "soft" frame defers the error until the filter or test actually runs. A frame of its own
// (for body, else and filter clause, macro and call bodies and defaults, filter and set
// blocks, with bodies, blocks) is never soft, even inside an if.
class Analyzer {
 public:
  explicit Analyzer(std::string_view name) : name_(name) {}

  // Analyzes `body`; the first unknown filter or test in a non-soft place is the error.
  Status Run(Body& body) {
    Walk(body);
    if (error_) return Unexpected(std::move(*error_));
    return OkStatus();
  }

 private:
  void Walk(Body& body) {
    for (auto& s : body) Statement(*s);
  }
  void WalkFrame(Body& body, bool soft) {
    bool saved = soft_;
    soft_ = soft;
    Walk(body);
    soft_ = saved;
  }
  void ExpressionIn(ExprPtr& p, bool soft) {
    bool saved = soft_;
    soft_ = soft;
    Expression(p);
    soft_ = saved;
  }

  void Fail(const std::string& msg, int line) {
    if (error_) return;
    error_ = MakeError(ErrorCode::kInvalidArgument,
                       std::string(name_) + ":" + std::to_string(line) + ": " + msg,
                       std::string(name_) + ":" + std::to_string(line));
  }

  void Expression(ExprPtr& p) {
    if (!p) return;
    Expr& e = *p;
    bool saved = soft_;
    if (e.kind == ExprKind::kCond) soft_ = true;
    if (!soft_ && e.kind == ExprKind::kFilter && !e.filter) {
      Fail("No filter named '" + e.name + "'.", e.line);
    }
    if (!soft_ && e.kind == ExprKind::kTest && !e.test) {
      Fail("No test named '" + e.name + "'.", e.line);
    }
    for (auto& it : e.items) Expression(it);
    for (auto& a : e.args.positional) Expression(a);
    for (auto& [k, a] : e.args.keyword) Expression(a);
    Expression(e.args.star);
    Expression(e.args.star_star);
    if (e.kind == ExprKind::kName && e.name == "loop") MarkLoopUse();
    if (e.kind == ExprKind::kGetattr) e.method_kinds = MethodKinds(e.name);
    FoldConstant(e);
    soft_ = saved;
  }

  void TargetNames(const Target& t) {
    if (t.kind == Target::Kind::kAttr && t.name == "loop") MarkLoopUse();
    for (const auto& it : t.items) TargetNames(it);
  }

  // `loop` is looked up by name at run time; a body that mentions it anywhere (nested loops and
  // macros included), or that imports a template with its context or defines a block (whose
  // override in a child template may use it), needs the loop object.
  void MarkLoopUse() {
    for (Stmt* f : for_stack_) f->uses_loop = true;
  }

  void Statement(Stmt& s) {
    if (s.kind == StmtKind::kFor) {
      s.uses_loop = false;
      Expression(s.expr);  // the iterable sees the enclosing loop, not this one
      for_stack_.push_back(&s);
      for (auto& c : s.conds) ExpressionIn(c, false);
      WalkFrame(s.body, false);
      for_stack_.pop_back();
      WalkFrame(s.else_body, false);
      TargetNames(s.target);
      return;
    }
    if (s.kind == StmtKind::kOutput && s.expr->kind == ExprKind::kFilter && s.expr->items[0] &&
        s.expr->filter == FindFilter("tojson") && s.expr->args.positional.empty() &&
        s.expr->args.keyword.empty() && !s.expr->args.star && !s.expr->args.star_star) {
      s.direct_tojson = true;
    }
    if (s.kind == StmtKind::kBlock || s.kind == StmtKind::kImport ||
        s.kind == StmtKind::kFromImport) {
      MarkLoopUse();
    }
    bool saved = soft_;
    if (s.kind == StmtKind::kIf) soft_ = true;
    Expression(s.expr);
    for (auto& c : s.conds) Expression(c);
    for (auto& b : s.bodies) Walk(b);
    Walk(s.else_body);
    soft_ = saved;
    // Bodies, block filters and macro defaults run in a frame of their own: never soft.
    WalkFrame(s.body, false);
    ExpressionIn(s.filter, false);
    for (auto& p : s.params) ExpressionIn(p.default_value, false);
    TargetNames(s.target);
    for (const auto& t : s.targets) TargetNames(t);
  }

  std::string_view name_;
  std::vector<Stmt*> for_stack_;
  bool soft_ = false;  // inside an if statement or inline if (see the class comment)
  std::optional<Error> error_;
};

}  // namespace

Result<std::unique_ptr<TemplateAst>> Parse(std::vector<Token> tokens, std::string_view name) {
  Parser parser(std::move(tokens), name);
  auto ast = parser.Run();
  if (!ast.ok()) return ast;
  Status analyzed = Analyzer(name).Run((*ast)->body);
  if (!analyzed.ok()) return Unexpected(std::move(analyzed).error());
  return ast;
}

}  // namespace gitops::jinja
