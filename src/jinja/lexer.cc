// The lexer, following Jinja2 3.1's rules: tags {{ }}, {% %}, {# #} with '-'/'+' whitespace
// control, trim_blocks / lstrip_blocks, raw blocks, Python string escapes and number syntax.
#include "jinja/lexer.h"

#include <cmath>
#include <cstdlib>
#include <string>

#include "jinja/utf8.h"

namespace gitops::jinja {

std::string DescribeToken(const Token& t) {
  switch (t.kind) {
    case TokenKind::kData: return "template data / text";
    case TokenKind::kVarBegin: return "begin of print statement";
    case TokenKind::kVarEnd: return "end of print statement";
    case TokenKind::kBlockBegin: return "begin of statement block";
    case TokenKind::kBlockEnd: return "end of statement block";
    case TokenKind::kName: return t.text;
    case TokenKind::kString: return "string";
    case TokenKind::kInt: return "integer";
    case TokenKind::kFloat: return "float";
    case TokenKind::kOperator: return t.text;
    case TokenKind::kEof: return "end of template";
  }
  return "token";
}

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  Lexer(std::string_view src, std::string_view name, const LexOptions& o)
      : name_(name), opt_(o) {
    // Jinja normalizes \r\n and \r to \n, and drops one trailing newline.
    src_.reserve(src.size());
    for (size_t i = 0; i < src.size(); ++i) {
      if (src[i] == '\r') {
        src_.push_back('\n');
        if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
      } else {
        src_.push_back(src[i]);
      }
    }
    if (!opt_.keep_trailing_newline && !src_.empty() && src_.back() == '\n') src_.pop_back();
  }

  Result<std::vector<Token>> Run() {
    bool line_starting = true;
    while (pos_ < src_.size()) {
      // Find the next tag start.
      size_t tag = pos_;
      char kind = 0;
      while (true) {
        tag = src_.find('{', tag);
        if (tag == std::string::npos || tag + 1 >= src_.size()) {
          tag = std::string::npos;
          break;
        }
        char c = src_[tag + 1];
        if (c == '{' || c == '%' || c == '#') {
          kind = c;
          break;
        }
        ++tag;
      }
      if (tag == std::string::npos) {
        EmitData(src_.substr(pos_));
        pos_ = src_.size();
        break;
      }
      std::string text = src_.substr(pos_, tag - pos_);
      size_t after = tag + 2;
      char sign = (after < src_.size() && (src_[after] == '-' || src_[after] == '+'))
                      ? src_[after] : 0;
      bool is_raw = kind == '%' && IsRawBegin(after + (sign ? 1 : 0));
      if (sign == '-') {
        size_t e = text.size();
        while (e > 0 && IsSpace(text[e - 1])) --e;
        text.resize(e);
      } else if (sign != '+' && opt_.lstrip_blocks && kind != '{') {
        LStrip(text, line_starting);
      }
      EmitData(text, tag - pos_);
      pos_ = after + (sign ? 1 : 0);
      if (is_raw) {
        GITOPS_RETURN_IF_ERROR(LexRaw(line_starting));
        continue;
      }
      if (kind == '#') {
        GITOPS_RETURN_IF_ERROR(LexComment(line_starting));
        continue;
      }
      Token begin;
      begin.kind = kind == '{' ? TokenKind::kVarBegin : TokenKind::kBlockBegin;
      begin.line = line_;
      begin.text = kind == '{' ? "{{" : "{%";
      tokens_.push_back(std::move(begin));
      GITOPS_RETURN_IF_ERROR(LexTag(kind == '{', line_starting));
    }
    Token eof;
    eof.kind = TokenKind::kEof;
    eof.line = line_;
    tokens_.push_back(std::move(eof));
    return std::move(tokens_);
  }

 private:
  Error Fail(const std::string& msg, int line) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(name_) + ":" + std::to_string(line) + ": " + msg,
                     std::string(name_) + ":" + std::to_string(line));
  }

  // Emits text as a data token; `consumed` source bytes advance the line counter.
  void EmitData(const std::string& text, size_t consumed = std::string::npos) {
    int start_line = line_;
    size_t n = consumed == std::string::npos ? src_.size() - pos_ : consumed;
    for (size_t i = 0; i < n; ++i) {
      if (src_[pos_ + i] == '\n') ++line_;
    }
    if (text.empty()) return;
    Token t;
    t.kind = TokenKind::kData;
    t.line = start_line;
    t.text = text;
    tokens_.push_back(std::move(t));
  }

  // lstrip_blocks: drop the whitespace between the start of the line and the tag.
  static void LStrip(std::string& text, bool line_starting) {
    size_t nl = text.rfind('\n');
    size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
    if (l_pos == 0 && !line_starting) return;
    for (size_t i = l_pos; i < text.size(); ++i) {
      if (!IsSpace(text[i])) return;
    }
    text.resize(l_pos);
  }

  bool IsRawBegin(size_t p) const {
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    if (src_.compare(p, 3, "raw") != 0) return false;
    p += 3;
    if (p < src_.size() && IsNameChar(src_[p])) return false;
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    if (p < src_.size() && src_[p] == '-') ++p;
    return src_.compare(p, 2, "%}") == 0;
  }

  // After a block/comment end at pos_ (just past "%}"/"#}"), applies trim_blocks or the '-'
  // strip and records whether the next data starts a line.
  void AfterBlockEnd(char sign, bool& line_starting) {
    if (sign == '-') {
      size_t p = pos_;
      while (p < src_.size() && IsSpace(src_[p])) {
        if (src_[p] == '\n') ++line_;
        ++p;
      }
      line_starting = p > pos_ && src_[p - 1] == '\n';
      pos_ = p;
    } else if (sign != '+' && opt_.trim_blocks && pos_ < src_.size() && src_[pos_] == '\n') {
      ++pos_;
      ++line_;
      line_starting = true;
    } else {
      line_starting = false;
    }
  }

  Status LexRaw(bool& line_starting) {
    // Skip "raw" and the rest of the opening tag.
    while (IsSpace(src_[pos_])) Advance();
    pos_ += 3;
    while (IsSpace(src_[pos_])) Advance();
    char sign = 0;
    if (src_[pos_] == '-') {
      sign = '-';
      ++pos_;
    }
    pos_ += 2;
    // trim_blocks does not apply after {% raw %}, only '-' does.
    if (sign == '-') AfterBlockEnd(sign, line_starting);
    else line_starting = false;
    int start_line = line_;
    size_t search = pos_;
    while (true) {
      size_t tag = src_.find("{%", search);
      if (tag == std::string::npos) return Fail("Missing end of raw directive", start_line);
      size_t p = tag + 2;
      char begin_sign = 0;
      if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) begin_sign = src_[p++];
      while (p < src_.size() && IsSpace(src_[p])) ++p;
      if (src_.compare(p, 6, "endraw") != 0 ||
          (p + 6 < src_.size() && IsNameChar(src_[p + 6]))) {
        search = tag + 2;
        continue;
      }
      p += 6;
      while (p < src_.size() && IsSpace(src_[p])) ++p;
      char end_sign = 0;
      if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) end_sign = src_[p++];
      if (src_.compare(p, 2, "%}") != 0) {
        search = tag + 2;
        continue;
      }
      std::string text = src_.substr(pos_, tag - pos_);
      if (begin_sign == '-') {
        size_t e = text.size();
        while (e > 0 && IsSpace(text[e - 1])) --e;
        text.resize(e);
      } else if (begin_sign != '+' && opt_.lstrip_blocks) {
        LStrip(text, line_starting);
      }
      EmitData(text, tag - pos_);
      for (size_t i = tag; i < p + 2; ++i) {
        if (src_[i] == '\n') ++line_;
      }
      pos_ = p + 2;
      AfterBlockEnd(end_sign, line_starting);
      return OkStatus();
    }
  }

  Status LexComment(bool& line_starting) {
    int start_line = line_;
    size_t end = src_.find("#}", pos_);
    if (end == std::string::npos) return Fail("Missing end of comment tag", start_line);
    char sign = 0;
    if (end > pos_ && (src_[end - 1] == '-' || src_[end - 1] == '+')) sign = src_[end - 1];
    for (size_t i = pos_; i < end; ++i) {
      if (src_[i] == '\n') ++line_;
    }
    pos_ = end + 2;
    AfterBlockEnd(sign, line_starting);
    return OkStatus();
  }

  void Advance() {
    if (src_[pos_] == '\n') ++line_;
    ++pos_;
  }

  Status LexTag(bool is_var, bool& line_starting) {
    std::string brackets;
    const int tag_line = line_;
    while (true) {
      if (pos_ >= src_.size()) {
        return Fail(is_var ? "unexpected end of template, expected 'end of print statement'."
                           : "unexpected end of template, expected 'end of statement block'.",
                    tag_line);
      }
      char c = src_[pos_];
      if (IsSpace(c)) {
        Advance();
        continue;
      }
      if (brackets.empty()) {
        // End of tag, optionally with a whitespace-control sign.
        char sign = 0;
        size_t p = pos_;
        if (c == '-' || c == '+') {
          sign = c;
          ++p;
        }
        if (is_var && src_.compare(p, 2, "}}") == 0 && sign != '+') {
          Token t;
          t.kind = TokenKind::kVarEnd;
          t.line = line_;
          t.text = "}}";
          tokens_.push_back(std::move(t));
          pos_ = p + 2;
          if (sign == '-') {
            while (pos_ < src_.size() && IsSpace(src_[pos_])) Advance();
            line_starting = pos_ > 0 && src_[pos_ - 1] == '\n';
          } else {
            line_starting = false;
          }
          return OkStatus();
        }
        if (!is_var && src_.compare(p, 2, "%}") == 0) {
          Token t;
          t.kind = TokenKind::kBlockEnd;
          t.line = line_;
          t.text = "%}";
          tokens_.push_back(std::move(t));
          pos_ = p + 2;
          AfterBlockEnd(sign, line_starting);
          return OkStatus();
        }
      }
      Token t;
      t.line = line_;
      if (IsNameStart(c)) {
        size_t s = pos_;
        while (pos_ < src_.size() && IsNameChar(src_[pos_])) ++pos_;
        t.kind = TokenKind::kName;
        t.text = src_.substr(s, pos_ - s);
      } else if (IsDigit(c)) {
        GITOPS_RETURN_IF_ERROR(LexNumber(t));
      } else if (c == '\'' || c == '"') {
        GITOPS_RETURN_IF_ERROR(LexString(t));
      } else {
        static constexpr std::string_view kTwo[] = {"**", "//", "==", "!=", ">=", "<="};
        std::string op;
        for (auto two : kTwo) {
          if (src_.compare(pos_, 2, two) == 0) {
            op = two;
            break;
          }
        }
        if (op.empty()) {
          static constexpr std::string_view kOne = "+-/*%~[](){}><=.:|,;";
          if (kOne.find(c) == std::string_view::npos) {
            std::string m = "unexpected char ";
            m += c == '\'' ? "\"'\"" : "'" + std::string(1, c) + "'";
            m += " at " + std::to_string(pos_);
            return Fail(m, line_);
          }
          op = std::string(1, c);
        }
        pos_ += op.size();
        if (op == "(" || op == "[" || op == "{") {
          brackets.push_back(op[0]);
        } else if (op == ")" || op == "]" || op == "}") {
          if (brackets.empty()) return Fail("unexpected '" + op + "'", line_);
          char open = brackets.back();
          char want = open == '(' ? ')' : open == '[' ? ']' : '}';
          if (op[0] != want) {
            return Fail("unexpected '" + op + "', expected '" + std::string(1, want) + "'",
                        line_);
          }
          brackets.pop_back();
        }
        t.kind = TokenKind::kOperator;
        t.text = std::move(op);
      }
      tokens_.push_back(std::move(t));
    }
  }

  Status LexNumber(Token& t) {
    size_t s = pos_;
    auto digits = [&] {
      while (pos_ < src_.size() && (IsDigit(src_[pos_]) ||
                                    (src_[pos_] == '_' && pos_ + 1 < src_.size() &&
                                     IsDigit(src_[pos_ + 1])))) {
        ++pos_;
      }
    };
    digits();
    bool is_float = false;
    // Jinja's float rule does not apply right after a '.' (so `a.0.1` is item access).
    bool after_dot = s > 0 && src_[s - 1] == '.';
    if (!after_dot && pos_ + 1 < src_.size() && src_[pos_] == '.' && IsDigit(src_[pos_ + 1])) {
      is_float = true;
      ++pos_;
      digits();
    }
    if (!after_dot && pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
      if (p < src_.size() && IsDigit(src_[p])) {
        is_float = true;
        pos_ = p;
        digits();
      }
    }
    std::string text;
    for (size_t i = s; i < pos_; ++i) {
      if (src_[i] != '_') text.push_back(src_[i]);
    }
    if (is_float) {
      t.kind = TokenKind::kFloat;
      t.float_value = std::strtod(text.c_str(), nullptr);
    } else {
      t.kind = TokenKind::kInt;
      errno = 0;
      unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
      if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX)) {
        t.big_int = true;  // the parser reads `text` as a BigInt
      } else {
        t.int_value = static_cast<int64_t>(v);
      }
    }
    t.text = std::move(text);
    return OkStatus();
  }

  Status LexString(Token& t) {
    char quote = src_[pos_];
    int start_line = line_;
    size_t p = pos_ + 1;
    std::string out;
    while (true) {
      if (p >= src_.size()) {
        std::string m = "unexpected char ";
        m += quote == '\'' ? "\"'\"" : "'\"'";
        m += " at " + std::to_string(pos_);
        return Fail(m, start_line);
      }
      char c = src_[p];
      if (c == quote) break;
      if (c == '\n') ++line_;
      if (c != '\\') {
        out.push_back(c);
        ++p;
        continue;
      }
      if (p + 1 >= src_.size()) {
        ++p;
        continue;
      }
      char e = src_[p + 1];
      p += 2;
      switch (e) {
        case '\n': ++line_; break;  // line continuation
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'v': out.push_back('\v'); break;
        case 'x':
        case 'u':
        case 'U': {
          int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (int i = 0; i < n; ++i) {
            int h = p < src_.size() ? HexVal(src_[p]) : -1;
            if (h < 0) {
              return Fail("(unicode error) truncated \\" + std::string(1, e) + " escape",
                          start_line);
            }
            cp = cp * 16 + static_cast<uint32_t>(h);
            ++p;
          }
          if (cp > 0x10FFFF) return Fail("(unicode error) illegal Unicode character", start_line);
          utf8::Append(out, cp);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            uint32_t cp = static_cast<uint32_t>(e - '0');
            for (int i = 0; i < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7'; ++i) {
              cp = cp * 8 + static_cast<uint32_t>(src_[p] - '0');
              ++p;
            }
            utf8::Append(out, cp);
          } else {
            out.push_back('\\');
            out.push_back(e);
          }
      }
    }
    pos_ = p + 1;
    t.kind = TokenKind::kString;
    t.text = std::move(out);
    return OkStatus();
  }

  std::string src_;
  std::string_view name_;
  LexOptions opt_;
  size_t pos_ = 0;
  int line_ = 1;
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> Lex(std::string_view source, std::string_view name,
                               const LexOptions& options) {
  Lexer lexer(source, name, options);
  return lexer.Run();
}

}  // namespace gitops::jinja
