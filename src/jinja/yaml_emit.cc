// PyYAML 6 safe_dump for template values (see yaml_emit.h). Mirrors PyYAML's Emitter state
// (column, whitespace, indention, indent stack) so line breaks, indentation, scalar styles and
// folding come out byte-identical; the resolver decides which strings need quotes.
#include "jinja/yaml_emit.h"

#include <cmath>
#include <cstdio>
#include <regex>
#include <type_traits>
#include <vector>

#include "jinja/pystr.h"

namespace gitops::jinja {
namespace {

constexpr int kMaxDepth = 500;

// True when PyYAML's implicit resolvers would read `s`, written plain, as something other
// than a string (bool, int, float, null, timestamp, merge, value, yaml).
bool ResolvesToNonString(std::string_view s) {
  if (s.empty()) return true;  // null
  char c = s[0];
  bool numeric_start = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.';
  // Every word below is at most 5 bytes and starts with one of these.
  if (!numeric_start && (s.size() > 5 || std::string_view("yYnNtTfFoO~<=!&*").find(c) ==
                                             std::string_view::npos)) {
    return false;
  }
  static const std::string_view kWords[] = {
      "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
      "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL", "<<", "=", "!", "&", "*"};
  for (std::string_view w : kWords) {
    if (s == w) return true;
  }
  if (!numeric_start) return false;
  static const std::regex kInt(
      R"(^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$)");
  static const std::regex kFloat(
      R"(^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$)");
  static const std::regex kTimestamp(
      R"(^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$)");
  // Python's `$` also matches before one trailing newline.
  std::string text(s);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (c != '.' && std::regex_match(text, kInt)) return true;
  if (c != '.' || s.size() > 1) {
    if (std::regex_match(text, kFloat)) return true;
  }
  if (c >= '0' && c <= '9' && std::regex_match(text, kTimestamp)) return true;
  return false;
}

struct Analysis {
  bool empty = false;
  bool multiline = false;
  bool allow_block_plain = true;
  bool allow_single_quoted = true;
};

bool IsBreak(char32_t c) { return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029; }

// Scalars are analyzed and written as code points. Most are ASCII: those are read as bytes
// (std::string_view, each byte a code point), the rest decoded once (std::u32string_view).
// The functions below take either.
char32_t At(std::string_view s, size_t i) { return static_cast<unsigned char>(s[i]); }
char32_t At(std::u32string_view s, size_t i) { return s[i]; }

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// True when `s` starts with the ASCII text `p`.
template <class Text>
bool StartsWith(Text s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (At(s, i) != static_cast<unsigned char>(p[i])) return false;
  }
  return true;
}
bool IsBlankOrBreak(char32_t c) {
  return c == 0 || c == ' ' || c == '\t' || c == '\r' || IsBreak(c);
}

// True for the common scalar made of letters, digits and "-._/" that starts with neither '-'
// nor '.': Analyze() allows every style for it (no indicator, space, break or special).
bool IsPlainWord(std::string_view s) {
  if (s.empty() || s[0] == '-' || s[0] == '.') return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '/';
    if (!ok) return false;
  }
  return true;
}

template <class Text>
Analysis Analyze(Text s) {
  Analysis a;
  if constexpr (std::is_same_v<Text, std::string_view>) {
    if (IsPlainWord(s)) return a;
  }
  if (s.empty()) {
    a.empty = true;
    return a;
  }
  bool block_indicators = false, line_breaks = false, special = false;
  bool leading_space = false, leading_break = false, trailing_space = false, trailing_break = false;
  bool break_space = false, space_break = false;
  if (StartsWith(s, "---") || StartsWith(s, "...")) block_indicators = true;
  bool preceded_by_ws = true;
  bool followed_by_ws = s.size() == 1 || IsBlankOrBreak(At(s, 1));
  bool previous_space = false, previous_break = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char32_t ch = At(s, i);
    if (i == 0) {
      if (ch < 0x80 && std::string_view("#,[]{}&*!|>'\"%@`").find(static_cast<char>(ch)) !=
                           std::string_view::npos) {
        block_indicators = true;
      }
      if ((ch == '?' || ch == ':') && followed_by_ws) block_indicators = true;
      if (ch == '-' && followed_by_ws) block_indicators = true;
    } else {
      if (ch == ':' && followed_by_ws) block_indicators = true;
      if (ch == '#' && preceded_by_ws) block_indicators = true;
    }
    if (IsBreak(ch)) line_breaks = true;
    if (!(ch == '\n' || (ch >= 0x20 && ch <= 0x7E))) special = true;  // allow_unicode=False
    if (ch == ' ') {
      if (i == 0) leading_space = true;
      if (i == s.size() - 1) trailing_space = true;
      if (previous_break) break_space = true;
      previous_space = true;
      previous_break = false;
    } else if (IsBreak(ch)) {
      if (i == 0) leading_break = true;
      if (i == s.size() - 1) trailing_break = true;
      if (previous_space) space_break = true;
      previous_space = false;
      previous_break = true;
    } else {
      previous_space = previous_break = false;
    }
    preceded_by_ws = IsBlankOrBreak(ch);
    followed_by_ws = i + 2 >= s.size() || IsBlankOrBreak(At(s, i + 2));
  }
  if (leading_space || leading_break || trailing_space || trailing_break) a.allow_block_plain = false;
  if (break_space) a.allow_block_plain = a.allow_single_quoted = false;
  if (space_break || special) a.allow_block_plain = a.allow_single_quoted = false;
  if (line_breaks) a.allow_block_plain = false;
  if (block_indicators) a.allow_block_plain = false;
  a.multiline = line_breaks;
  return a;
}

struct Scalar {
  std::string owned;       // the text of numbers, bools and null
  std::string_view view;   // the text of a string value (not copied)
  bool is_view;
  bool implicit_plain;  // the plain text resolves back to the value's own type
  size_t tag_length;    // length of the prepared tag ("!!str") for the simple-key check

  std::string_view text() const { return is_view ? view : std::string_view(owned); }
};

std::string FloatText(double f) {
  if (std::isnan(f)) return ".nan";
  if (std::isinf(f)) return f > 0 ? ".inf" : "-.inf";
  std::string r = pystr::Lower(FormatFloat(f));
  if (r.find('.') == std::string::npos && r.find('e') != std::string::npos) {
    r.replace(r.find('e'), 1, ".0e");
  }
  return r;
}

class Emitter {
 public:
  explicit Emitter(const YamlDumpOptions& o)
      : best_indent_(o.indent > 1 && o.indent < 10 ? o.indent : 2),
        best_width_(o.width > best_indent_ * 2 ? o.width : 80) {}

  Status Dump(const Value& v) {
    GITOPS_RETURN_IF_ERROR(Node(v, /*root=*/true, /*mapping=*/false, /*simple_key=*/false, 0));
    // Document end, then stream end ("..." after an open-ended plain root scalar).
    WriteIndent();
    if (open_ended_) {
      WriteIndicator("...", true);
      WriteIndent();
    }
    return OkStatus();
  }

  std::string Take() { return std::move(out_); }

 private:
  Status Node(const Value& v, bool root, bool mapping, bool simple_key, int depth) {
    if (depth > kMaxDepth) {
      return Unexpected(ErrorCode::kInvalidArgument, "maximum recursion depth exceeded");
    }
    root_context_ = root;
    mapping_context_ = mapping;
    simple_key_context_ = simple_key;
    if (v.IsList()) {
      if (v.Size() == 0) return EmptyFlow("[", "]");
      bool indentless = mapping_context_ && !indention_;
      indents_.push_back(indent_);
      IncreaseIndent(false, indentless);
      for (size_t i = 0; i < v.Size(); ++i) {
        WriteIndent();
        WriteIndicator("-", true, false, true);
        GITOPS_RETURN_IF_ERROR(Node(v.At(i), false, false, false, depth + 1));
      }
      indent_ = indents_.back();
      indents_.pop_back();
      return OkStatus();
    }
    if (v.IsDict()) {
      if (v.Size() == 0) return EmptyFlow("{", "}");
      indents_.push_back(indent_);
      IncreaseIndent(false, false);
      for (size_t i = 0; i < v.Size(); ++i) {
        Value key = v.KeyAt(i);
        WriteIndent();
        if (IsSimpleKey(key)) {
          GITOPS_RETURN_IF_ERROR(Node(key, false, true, true, depth + 1));
          WriteIndicator(":", false);
        } else {
          WriteIndicator("?", true, false, true);
          GITOPS_RETURN_IF_ERROR(Node(key, false, true, false, depth + 1));
          WriteIndent();
          WriteIndicator(":", true, false, true);
        }
        GITOPS_RETURN_IF_ERROR(Node(v.ValueAt(i), false, true, false, depth + 1));
      }
      indent_ = indents_.back();
      indents_.pop_back();
      return OkStatus();
    }
    auto scalar = ToScalar(v);
    if (!scalar.ok()) return Unexpected(std::move(scalar).error());
    indents_.push_back(indent_);
    IncreaseIndent(true, false);
    WriteScalar(*scalar);
    indent_ = indents_.back();
    indents_.pop_back();
    return OkStatus();
  }

  Result<Scalar> ToScalar(const Value& v) {
    switch (v.kind()) {
      case Value::Kind::kNone: return Scalar{"null", {}, false, true, 6};
      case Value::Kind::kBool: return Scalar{v.AsBool() ? "true" : "false", {}, false, true, 6};
      case Value::Kind::kInt: return Scalar{std::to_string(v.AsInt()), {}, false, true, 5};
      case Value::Kind::kBigInt: return Scalar{v.AsBigInt().ToString(), {}, false, true, 5};
      case Value::Kind::kFloat: return Scalar{FloatText(v.AsFloat()), {}, false, true, 7};
      case Value::Kind::kString:
        if (!v.IsMarkup()) {
          return Scalar{{}, v.AsString(), true, !ResolvesToNonString(v.AsString()), 5};
        }
        [[fallthrough]];
      default:
        // PyYAML's RepresenterError message: ('cannot represent an object', <repr>).
        return Unexpected(ErrorCode::kInvalidArgument,
                          "('cannot represent an object', " +
                              (v.IsUndefined() ? std::string("Undefined") : ToRepr(v)) + ")");
    }
  }

  bool IsSimpleKey(const Value& key) {
    if (key.IsList() || key.IsDict()) return key.Size() == 0;
    auto scalar = ToScalar(key);
    if (!scalar.ok()) return true;  // the error surfaces when the key is written
    std::string_view bytes = scalar->text();
    if (IsAscii(bytes)) {
      Analysis a = Analyze(bytes);
      return scalar->tag_length + bytes.size() < 128 && !a.empty && !a.multiline;
    }
    std::u32string text = pystr::Decode(bytes);
    Analysis a = Analyze(std::u32string_view(text));
    return scalar->tag_length + text.size() < 128 && !a.empty && !a.multiline;
  }

  Status EmptyFlow(const char* open, const char* close) {
    WriteIndicator(open, true, true);
    WriteIndicator(close, false);
    return OkStatus();
  }

  void IncreaseIndent(bool flow, bool indentless) {
    if (indent_ < 0) {
      indent_ = flow ? best_indent_ : 0;
    } else if (!indentless) {
      indent_ += best_indent_;
    }
  }

  void Write(std::string_view data) {
    out_ += data;
    column_ += static_cast<int>(pystr::Length(data));
  }
  // Writes code points [start, end) of `text`.
  void WriteRange(std::string_view text, size_t start, size_t end) {
    out_.append(text.substr(start, end - start));
    column_ += static_cast<int>(end - start);
  }
  void WriteRange(std::u32string_view text, size_t start, size_t end) {
    out_ += pystr::Encode(text.substr(start, end - start));
    column_ += static_cast<int>(end - start);
  }

  void WriteIndicator(std::string_view indicator, bool need_whitespace, bool whitespace = false,
                      bool indention = false) {
    if (!whitespace_ && need_whitespace) Write(" ");
    Write(indicator);
    whitespace_ = whitespace;
    indention_ = indention_ && indention;
    open_ended_ = false;
  }

  void WriteIndent() {
    int indent = indent_ < 0 ? 0 : indent_;
    if (!indention_ || column_ > indent || (column_ == indent && !whitespace_)) WriteLineBreak();
    if (column_ < indent) {
      whitespace_ = true;
      out_.append(static_cast<size_t>(indent - column_), ' ');
      column_ = indent;
    }
  }

  void WriteLineBreak() {
    out_.push_back('\n');
    whitespace_ = true;
    indention_ = true;
    column_ = 0;
  }

  void WriteScalar(const Scalar& scalar) {
    std::string_view bytes = scalar.text();
    if (IsAscii(bytes)) {
      WriteScalarText(scalar, bytes);
    } else {
      std::u32string text = pystr::Decode(bytes);
      WriteScalarText(scalar, std::u32string_view(text));
    }
  }

  template <class Text>
  void WriteScalarText(const Scalar& scalar, Text text) {
    Analysis a = Analyze(text);
    bool split = !simple_key_context_;
    if (scalar.implicit_plain && !(simple_key_context_ && (a.empty || a.multiline)) &&
        a.allow_block_plain) {
      WritePlain(text, split);
    } else if (a.allow_single_quoted && !(simple_key_context_ && a.multiline)) {
      WriteSingleQuoted(text, split);
    } else {
      WriteDoubleQuoted(text, split);
    }
  }

  template <class Text>
  void WritePlain(Text text, bool split) {
    if (root_context_) open_ended_ = true;
    if (text.empty()) return;
    if (!whitespace_) Write(" ");
    whitespace_ = false;
    indention_ = false;
    bool spaces = false;
    size_t start = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      char32_t ch = end < text.size() ? At(text, end) : 0;
      bool at_end = end == text.size();
      if (spaces) {
        if (ch != ' ' || at_end) {
          if (start + 1 == end && column_ > best_width_ && split) {
            WriteIndent();
            whitespace_ = false;
            indention_ = false;
          } else {
            WriteRange(text, start, end);
          }
          start = end;
        }
      } else if (at_end || ch == ' ') {
        WriteRange(text, start, end);
        start = end;
      }
      if (!at_end) spaces = ch == ' ';
    }
  }

  template <class Text>
  void WriteSingleQuoted(Text text, bool split) {
    WriteIndicator("'", true);
    bool spaces = false, breaks = false;
    size_t start = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      bool at_end = end == text.size();
      char32_t ch = at_end ? 0 : At(text, end);
      if (spaces) {
        if (at_end || ch != ' ') {
          if (start + 1 == end && column_ > best_width_ && split && start != 0 &&
              end != text.size()) {
            WriteIndent();
          } else {
            WriteRange(text, start, end);
          }
          start = end;
        }
      } else if (breaks) {
        if (at_end || !IsBreak(ch)) {
          if (At(text, start) == '\n') WriteLineBreak();
          for (size_t k = start; k < end; ++k) {
            if (At(text, k) == '\n') {
              WriteLineBreak();
            } else {
              std::string br;
              pystr::AppendUtf8(br, At(text, k));
              out_ += br;
              whitespace_ = indention_ = true;
              column_ = 0;
            }
          }
          WriteIndent();
          start = end;
        }
      } else {
        if (at_end || ch == ' ' || IsBreak(ch) || ch == '\'') {
          if (start < end) {
            WriteRange(text, start, end);
            start = end;
          }
        }
      }
      if (ch == '\'' && !at_end) {
        Write("''");
        start = end + 1;
      }
      if (!at_end) {
        spaces = ch == ' ';
        breaks = IsBreak(ch);
      }
    }
    WriteIndicator("'", false);
  }

  template <class Text>
  void WriteDoubleQuoted(Text text, bool split) {
    WriteIndicator("\"", true);
    size_t start = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      bool at_end = end == text.size();
      char32_t ch = at_end ? 0 : At(text, end);
      if (at_end || ch == '"' || ch == '\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 ||
          ch == 0xFEFF || !(ch >= 0x20 && ch <= 0x7E)) {
        if (start < end) {
          WriteRange(text, start, end);
          start = end;
        }
        if (!at_end) {
          Write(Escape(ch));
          start = end + 1;
        }
      }
      if (end > 0 && end + 1 < text.size() && (ch == ' ' || start >= end) &&
          column_ + static_cast<int>(end) - static_cast<int>(start) > best_width_ && split) {
        // Python's text[start:end] is empty when start > end (just after an escape).
        if (start < end) {
          WriteRange(text, start, end);
          start = end;
        }
        Write("\\");
        WriteIndent();
        whitespace_ = false;
        indention_ = false;
        if (At(text, start) == ' ') Write("\\");
      }
    }
    WriteIndicator("\"", false);
  }

  static std::string Escape(char32_t ch) {
    switch (ch) {
      case 0: return "\\0";
      case 0x07: return "\\a";
      case 0x08: return "\\b";
      case 0x09: return "\\t";
      case 0x0A: return "\\n";
      case 0x0B: return "\\v";
      case 0x0C: return "\\f";
      case 0x0D: return "\\r";
      case 0x1B: return "\\e";
      case '"': return "\\\"";
      case '\\': return "\\\\";
      case 0x85: return "\\N";
      case 0xA0: return "\\_";
      case 0x2028: return "\\L";
      case 0x2029: return "\\P";
      default: break;
    }
    char buf[16];
    if (ch <= 0xFF) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(ch));
    } else if (ch <= 0xFFFF) {
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(ch));
    } else {
      std::snprintf(buf, sizeof buf, "\\U%08X", static_cast<unsigned>(ch));
    }
    return buf;
  }

  const int best_indent_;
  const int best_width_;
  std::string out_;
  int column_ = 0;
  int indent_ = -1;  // PyYAML's None
  std::vector<int> indents_;
  bool whitespace_ = true;
  bool indention_ = true;
  bool open_ended_ = false;
  bool root_context_ = false;
  bool mapping_context_ = false;
  bool simple_key_context_ = false;
};

}  // namespace

Result<std::string> YamlSafeDump(const Value& v, const YamlDumpOptions& options) {
  Emitter emitter(options);
  GITOPS_RETURN_IF_ERROR(emitter.Dump(v));
  return emitter.Take();
}

}  // namespace gitops::jinja
