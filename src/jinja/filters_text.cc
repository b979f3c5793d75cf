// Builtin filters on strings and numbers (Jinja2 3.1 filters.py, autoescape off).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>

#include "jinja/filters_internal.h"
#include "jinja/filters_util.h"
#include "jinja/pystr.h"

namespace gitops::jinja::builtins {
namespace {

// Keeps the Markup flag of `in` on a transformed string (Markup's methods return Markup).
Value Like(const Value& in, std::string s) {
  return in.IsMarkup() ? Value::Markup(std::move(s)) : Value::Str(std::move(s));
}

Result<std::string> StrOf(Runtime& rt, const Value& v) { return SoftStr(rt, v); }

// Python's float(str): surrounding whitespace, sign, digits with single underscores between
// them, '.', exponent, inf/infinity/nan.
std::optional<double> ParsePyFloat(std::string_view s) {
  s = pystr::Strip(s, std::nullopt);
  if (s.empty()) return std::nullopt;
  std::string clean;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') clean.push_back(s[i++]);
  std::string rest = pystr::Lower(s.substr(i));
  if (rest == "inf" || rest == "infinity") return clean == "-" ? -INFINITY : INFINITY;
  if (rest == "nan") return NAN;
  bool digits = false, seen_e = false;
  for (size_t k = 0; k < rest.size(); ++k) {
    char c = rest[k];
    if (c >= '0' && c <= '9') {
      digits = true;
      clean.push_back(c);
    } else if (c == '_') {
      bool ok = k > 0 && k + 1 < rest.size() && std::isdigit(static_cast<unsigned char>(rest[k - 1])) &&
                std::isdigit(static_cast<unsigned char>(rest[k + 1]));
      if (!ok) return std::nullopt;
    } else if (c == '.' && !seen_e) {
      clean.push_back(c);
    } else if (c == 'e' && digits && !seen_e) {
      seen_e = true;
      clean.push_back(c);
      if (k + 1 < rest.size() && (rest[k + 1] == '+' || rest[k + 1] == '-')) clean.push_back(rest[++k]);
      digits = false;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  if (std::count(clean.begin(), clean.end(), '.') > 1) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return std::nullopt;
  return d;
}

// Python's int(str, base): whitespace, sign, underscores, base prefixes (base 0 infers).
// nullopt when invalid; kInvalidArgument for a base outside 0, 2..36; a big int past int64
// (kResourceExhausted past BigInt::kMaxBits).
Result<std::optional<Value>> ParsePyInt(std::string_view s, int64_t base) {
  if (base != 0 && (base < 2 || base > 36)) {
    return Unexpected(TypeError("int() base must be >= 2 and <= 36, or 0"));
  }
  s = pystr::Strip(s, std::nullopt);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  auto prefix_base = [&](std::string_view p) -> int64_t {
    if (p.size() < 2 || p[0] != '0') return 0;
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(p[1])));
    return c == 'x' ? 16 : c == 'o' ? 8 : c == 'b' ? 2 : 0;
  };
  int64_t pb = prefix_base(s);
  bool had_prefix = false;
  if (base == 0) {
    if (pb) {
      base = pb;
      had_prefix = true;
    } else {
      base = 10;
      // "010" is invalid with base 0 (only zeros may lead).
      if (s.size() > 1 && s[0] == '0' && s.find_first_not_of("0_") != std::string_view::npos) {
        return std::optional<Value>();
      }
    }
  } else if (pb && pb == base) {
    had_prefix = true;
  }
  if (had_prefix) {
    s.remove_prefix(2);
    if (!s.empty() && s[0] == '_') s.remove_prefix(1);
  }
  if (s.empty()) return std::optional<Value>();
  unsigned __int128 acc = 0;
  bool big = false;
  std::string digits = negative ? "-" : "";
  for (size_t k = 0; k < s.size(); ++k) {
    char c = s[k];
    if (c == '_') {
      if (k == 0 || k + 1 >= s.size() || s[k + 1] == '_') return std::optional<Value>();
      continue;
    }
    digits.push_back(c);
    int d = (c >= '0' && c <= '9') ? c - '0'
            : (c >= 'a' && c <= 'z') ? c - 'a' + 10
            : (c >= 'A' && c <= 'Z') ? c - 'A' + 10 : 99;
    if (d >= base) return std::optional<Value>();
    if (!big) {
      acc = acc * static_cast<unsigned>(base) + static_cast<unsigned>(d);
      big = acc > static_cast<unsigned __int128>(INT64_MAX) + 1;
    }
  }
  if (big || (!negative && acc > static_cast<unsigned __int128>(INT64_MAX))) {
    auto value = BigInt::FromDigits(digits, static_cast<int>(base));
    if (!value.ok()) return Unexpected(std::move(value).error());
    return std::optional<Value>(Value::Integer(std::move(value).value()));
  }
  int64_t v = negative ? static_cast<int64_t>(0 - static_cast<uint64_t>(acc)) : static_cast<int64_t>(acc);
  return std::optional<Value>(Value::Int(v));
}

// Python's int(float): the exact integer part, a big int past int64.
Result<Value> FloatToInteger(double f) {
  if (std::isnan(f)) return Unexpected(TypeError("cannot convert float NaN to integer"));
  if (std::isinf(f)) return Unexpected(TypeError("cannot convert float infinity to integer"));
  return Value::Integer(BigInt::FromIntegralDouble(std::trunc(f)));
}

Result<int64_t> FloatToInt(double f) {
  if (std::isnan(f)) return Unexpected(TypeError("cannot convert float NaN to integer"));
  if (std::isinf(f)) return Unexpected(TypeError("cannot convert float infinity to integer"));
  if (f >= 9.2233720368547758e18 || f < -9.2233720368547758e18) {
    return Unexpected(TypeError("integer out of the supported 64-bit range"));
  }
  return static_cast<int64_t>(std::trunc(f));
}

std::string FormatFixed(double f, int precision) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", precision, f);
  return buf;
}

}  // namespace

// ---- case and whitespace -------------------------------------------------------------------

Result<Value> Upper(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_upper", {}));
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  return Like(in, pystr::Upper(s));
}

Result<Value> Lower(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_lower", {}));
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  return Like(in, pystr::Lower(s));
}

Result<Value> Capitalize(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_capitalize", {}));
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  return Like(in, pystr::Capitalize(s));
}

Result<Value> TitleFilter(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_title", {}));
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  // Words begin after runs of [-\s({\[<]; each piece is item[0].upper() + item[1:].lower().
  auto is_sep = [](char32_t c) {
    return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || pystr::IsSpace(c);
  };
  std::u32string cps = pystr::Decode(s);
  std::string out;
  bool word_start = true;
  for (char32_t c : cps) {
    if (is_sep(c)) {
      pystr::AppendUtf8(out, c);
      word_start = true;
    } else if (word_start) {
      if (c == 0xDF) {
        out += "SS";
      } else {
        pystr::AppendUtf8(out, pystr::ToUpper(c));
      }
      word_start = false;
    } else {
      pystr::AppendUtf8(out, pystr::ToLower(c));
    }
  }
  return Like(in, std::move(out));
}

Result<Value> Trim(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_trim", {"chars"}));
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  Value chars = ArgOr(args, 0, "chars", Value::None());
  if (!chars.IsNone() && !chars.IsString()) {
    return Unexpected(TypeError("strip arg must be None or str"));
  }
  std::optional<std::string_view> set;
  if (chars.IsString()) set = chars.AsString();
  return Like(in, std::string(pystr::Strip(s, set)));
}

Result<Value> Center(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_center", {"width"}));
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  JINJA_ASSIGN_OR_RETURN(int64_t width, AsIntArg(ArgOr(args, 0, "width", Value::Int(80)), ""));
  return Like(in, pystr::Center(s, width));
}

Result<Value> Replace(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_replace", {"old", "new", "count"}));
  auto old_v = args.Get(0, "old");
  auto new_v = args.Get(1, "new");
  if (!old_v || !new_v) {
    return Unexpected(TypeError(std::string("do_replace() missing 1 required positional argument: '") +
                                (old_v ? "new" : "old") + "'"));
  }
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  JINJA_ASSIGN_OR_RETURN(std::string old_s, StrOf(rt, *old_v));
  JINJA_ASSIGN_OR_RETURN(std::string new_s, StrOf(rt, *new_v));
  int64_t count = -1;
  Value c = ArgOr(args, 2, "count", Value::None());
  if (!c.IsNone()) {
    JINJA_ASSIGN_OR_RETURN(count, AsIntArg(c, ""));
  }
  return Value::Str(pystr::Replace(s, old_s, new_s, count));
}

Result<Value> WordCount(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_wordcount", {}));
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  int64_t n = 0;
  bool in_word = false;
  for (char32_t c : pystr::Decode(s)) {
    bool w = pystr::IsAlpha(c) || pystr::IsDigit(c) || c == '_';
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value::Int(n);
}

Result<Value> Indent(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_indent", {"width", "first", "blank"}));
  if (in.IsUndefined()) return Unexpected(UndefinedError(in));
  if (!in.IsString()) {
    return Unexpected(TypeError("unsupported operand type(s) for +=: '" +
                                std::string(in.TypeName()) + "' and 'str'"));
  }
  Value width = ArgOr(args, 0, "width", Value::Int(4));
  bool first = ArgOr(args, 1, "first", Value::Bool(false)).Truthy();
  bool blank = ArgOr(args, 2, "blank", Value::Bool(false)).Truthy();
  std::string indention;
  if (width.IsString()) {
    indention = std::string(width.AsString());
  } else {
    JINJA_ASSIGN_OR_RETURN(int64_t w, AsIntArg(width, ""));
    if (w > 0) indention.assign(static_cast<size_t>(w), ' ');
  }
  std::string s = std::string(in.AsString()) + "\n";
  std::vector<std::string_view> lines = pystr::SplitLines(s);
  GITOPS_RETURN_IF_ERROR(rt.Tick(lines.size()));
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + indention;
      rv += lines[i];
    }
  } else {
    rv = std::string(lines[0]);
    for (size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += indention;
      rv += lines[i];
    }
  }
  if (first) rv = indention + rv;
  return Like(in, std::move(rv));
}

Result<Value> Truncate(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_truncate", {"length", "killwords", "end", "leeway"}));
  if (in.IsUndefined()) {
    if (rt.strict_undefined()) return Unexpected(UndefinedError(in));
    return in;
  }
  if (!in.IsString()) {
    return Unexpected(TypeError("object of type '" + std::string(in.TypeName()) + "' has no len()"));
  }
  JINJA_ASSIGN_OR_RETURN(int64_t length, AsIntArg(ArgOr(args, 0, "length", Value::Int(255)), ""));
  bool killwords = ArgOr(args, 1, "killwords", Value::Bool(false)).Truthy();
  Value end_v = ArgOr(args, 2, "end", Value::StrView("..."));
  JINJA_ASSIGN_OR_RETURN(std::string end, StrOf(rt, end_v));
  Value leeway_v = ArgOr(args, 3, "leeway", Value::None());
  int64_t leeway = 5;
  if (!leeway_v.IsNone()) {
    JINJA_ASSIGN_OR_RETURN(leeway, AsIntArg(leeway_v, ""));
  }
  int64_t end_len = static_cast<int64_t>(pystr::Length(end));
  if (length < end_len) {
    return Unexpected(TypeError("expected length >= " + std::to_string(end_len) + ", got " +
                                std::to_string(length)));
  }
  if (leeway < 0) {
    return Unexpected(TypeError("expected leeway >= 0, got " + std::to_string(leeway)));
  }
  std::string_view s = in.AsString();
  if (static_cast<int64_t>(pystr::Length(s)) <= length + leeway) return in;
  std::string_view head = s.substr(0, pystr::ByteOffset(s, static_cast<size_t>(length - end_len)));
  if (killwords) return Value::Str(std::string(head) + end);
  size_t space = head.rfind(' ');
  if (space != std::string_view::npos) head = head.substr(0, space);
  return Value::Str(std::string(head) + end);
}

Result<Value> WordWrap(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(
      args, "do_wordwrap", {"width", "break_long_words", "wrapstring", "break_on_hyphens"}));
  if (in.IsUndefined()) return Unexpected(UndefinedError(in));
  if (!in.IsString()) {
    return Unexpected(TypeError("'" + std::string(in.TypeName()) +
                                "' object has no attribute 'splitlines'"));
  }
  JINJA_ASSIGN_OR_RETURN(int64_t width, AsIntArg(ArgOr(args, 0, "width", Value::Int(79)), ""));
  bool break_long = ArgOr(args, 1, "break_long_words", Value::Bool(true)).Truthy();
  Value wrap_v = ArgOr(args, 2, "wrapstring", Value::None());
  std::string wrapstring = "\n";
  if (!wrap_v.IsNone()) {
    JINJA_ASSIGN_OR_RETURN(wrapstring, StrOf(rt, wrap_v));
  }
  bool hyphens = ArgOr(args, 3, "break_on_hyphens", Value::Bool(true)).Truthy();
  std::string out;
  bool first_para = true;
  for (std::string_view line : pystr::SplitLines(in.AsString())) {
    JINJA_ASSIGN_OR_RETURN(std::vector<std::string> wrapped,
                           pystr::TextWrap(line, width, break_long, hyphens));
    GITOPS_RETURN_IF_ERROR(rt.Tick(wrapped.size() + 1));
    if (!first_para) out += wrapstring;
    first_para = false;
    for (size_t i = 0; i < wrapped.size(); ++i) {
      if (i) out += wrapstring;
      out += wrapped[i];
    }
  }
  return Value::Str(std::move(out));
}

Result<Value> Format(Runtime& rt, const Value& in, CallArgs& args) {
  if (!args.positional.empty() && !args.keyword.empty()) {
    return Unexpected(TypeError("can't handle positional and keyword arguments at the same time"));
  }
  JINJA_ASSIGN_OR_RETURN(std::string fmt, StrOf(rt, in));
  if (!args.keyword.empty()) {
    DictData kw;
    for (const auto& [k, v] : args.keyword) kw.Set(Value::Str(std::string(k)), v);
    Value mapping = Value::Dict(std::move(kw));
    JINJA_ASSIGN_OR_RETURN(std::string s, pystr::PercentFormat(fmt, {}, &mapping));
    return Value::Str(std::move(s));
  }
  JINJA_ASSIGN_OR_RETURN(std::string s, pystr::PercentFormat(fmt, args.positional, nullptr));
  return Value::Str(std::move(s));
}

// ---- HTML ----------------------------------------------------------------------------------

Result<Value> Escape(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "escape", {}));
  if (in.IsMarkup()) return in;
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  return Value::Markup(pystr::Escape(s));
}

Result<Value> ForceEscape(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_forceescape", {}));
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  return Value::Markup(pystr::Escape(s));
}

Result<Value> Safe(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_mark_safe", {}));
  if (in.IsMarkup()) return in;
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  return Value::Markup(std::move(s));
}

Result<Value> String(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "soft_str", {}));
  if (in.IsString()) return in;
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  return Value::Str(std::move(s));
}

Result<Value> StripTags(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_striptags", {}));
  JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, in));
  // Remove <!--...--> first, then <...> (non-greedy, across lines).
  std::string no_comments;
  size_t i = 0;
  while (i < s.size()) {
    size_t open = s.find("<!--", i);
    if (open == std::string::npos) break;
    size_t close = s.find("-->", open + 4);
    if (close == std::string::npos) break;
    no_comments.append(s, i, open - i);
    i = close + 3;
  }
  no_comments.append(s, i, std::string::npos);
  std::string no_tags;
  i = 0;
  while (i < no_comments.size()) {
    size_t open = no_comments.find('<', i);
    if (open == std::string::npos) break;
    size_t close = no_comments.find('>', open + 1);
    if (close == std::string::npos) break;
    no_tags.append(no_comments, i, open - i);
    i = close + 1;
  }
  no_tags.append(no_comments, i, std::string::npos);
  auto words = pystr::Split(no_tags, std::nullopt);
  std::string joined;
  for (size_t k = 0; k < words->size(); ++k) {
    if (k) joined.push_back(' ');
    joined += (*words)[k];
  }
  return Value::Str(pystr::Unescape(joined));
}

Result<Value> XmlAttr(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_xmlattr", {"autospace"}));
  if (in.IsUndefined()) return Unexpected(UndefinedError(in));
  if (!in.IsDict()) {
    return Unexpected(TypeError("'" + std::string(in.TypeName()) + "' object has no attribute 'items'"));
  }
  bool autospace = ArgOr(args, 0, "autospace", Value::Bool(true)).Truthy();
  GITOPS_RETURN_IF_ERROR(rt.Tick(in.Size()));
  std::string rv;
  for (size_t i = 0; i < in.Size(); ++i) {
    Value key = in.KeyAt(i);
    Value value = in.ValueAt(i);
    if (value.IsNone() || value.IsUndefined()) continue;
    JINJA_ASSIGN_OR_RETURN(std::string k, StrOf(rt, key));
    for (char32_t c : pystr::Decode(k)) {
      if (c == '/' || c == '>' || c == '=' || (c < 0x80 && pystr::IsSpace(c))) {
        return Unexpected(TypeError("Invalid character in attribute name: " + ToRepr(key)));
      }
    }
    if (!rv.empty()) rv.push_back(' ');
    rv += key.IsMarkup() ? k : pystr::Escape(k);
    rv += "=\"";
    JINJA_ASSIGN_OR_RETURN(std::string v, StrOf(rt, value));
    rv += value.IsMarkup() ? v : pystr::Escape(v);
    rv += "\"";
  }
  if (autospace && !rv.empty()) rv.insert(0, " ");
  return Value::Str(std::move(rv));
}

Result<Value> UrlEncode(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_urlencode", {}));
  auto quote = [&](const Value& v, bool for_qs) -> Result<std::string> {
    JINJA_ASSIGN_OR_RETURN(std::string s, StrOf(rt, v));
    std::string q = pystr::UrlQuote(s, for_qs ? "" : "/");
    if (for_qs) q = pystr::Replace(q, "%20", "+");
    return q;
  };
  if (in.IsString() || (!in.IsList() && !in.IsDict() && !in.IsUndefined())) {
    JINJA_ASSIGN_OR_RETURN(std::string s, quote(in, false));
    return Value::Str(std::move(s));
  }
  if (in.IsUndefined()) {
    if (rt.strict_undefined()) return Unexpected(UndefinedError(in));
    return Value::Str("");
  }
  GITOPS_RETURN_IF_ERROR(rt.Tick(in.Size()));
  std::string out;
  for (size_t i = 0; i < in.Size(); ++i) {
    Value k, v;
    if (in.IsDict()) {
      k = in.KeyAt(i);
      v = in.ValueAt(i);
    } else {
      Value pair = in.At(i);
      if (!pair.IsList() || pair.Size() != 2) {
        return Unexpected(TypeError("cannot unpack non-pair item for urlencode"));
      }
      k = pair.At(0);
      v = pair.At(1);
    }
    if (i) out.push_back('&');
    JINJA_ASSIGN_OR_RETURN(std::string ks, quote(k, true));
    JINJA_ASSIGN_OR_RETURN(std::string vs, quote(v, true));
    out += ks + "=" + vs;
  }
  return Value::Str(std::move(out));
}

Result<Value> Urlize(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(
      args, "do_urlize", {"trim_url_limit", "nofollow", "target", "rel", "extra_schemes"}));
  JINJA_ASSIGN_OR_RETURN(std::string text, StrOf(rt, in));
  Value limit_v = ArgOr(args, 0, "trim_url_limit", Value::None());
  bool nofollow = ArgOr(args, 1, "nofollow", Value::Bool(false)).Truthy();
  Value target_v = ArgOr(args, 2, "target", Value::None());
  Value rel_v = ArgOr(args, 3, "rel", Value::None());
  Value schemes_v = ArgOr(args, 4, "extra_schemes", Value::None());
  // rel: the union of `rel` words, nofollow and the policy's "noopener", sorted.
  std::vector<std::string> rel_parts{"noopener"};
  if (rel_v.IsString()) {
    auto words = pystr::Split(rel_v.AsString(), std::nullopt);
    for (auto w : *words) rel_parts.emplace_back(w);
  }
  if (nofollow) rel_parts.emplace_back("nofollow");
  std::sort(rel_parts.begin(), rel_parts.end());
  rel_parts.erase(std::unique(rel_parts.begin(), rel_parts.end()), rel_parts.end());
  std::string rel;
  for (const auto& p : rel_parts) rel += (rel.empty() ? "" : " ") + p;
  std::string rel_attr = " rel=\"" + pystr::Escape(rel) + "\"";
  std::string target_attr;
  if (target_v.IsString() && !target_v.AsString().empty()) {
    target_attr = " target=\"" + pystr::Escape(target_v.AsString()) + "\"";
  }
  std::vector<std::string> schemes;
  if (schemes_v.IsList()) {
    for (size_t i = 0; i < schemes_v.Size(); ++i) schemes.push_back(ToStr(schemes_v.At(i)));
  }
  int64_t limit = -1;
  if (!limit_v.IsNone()) {
    JINJA_ASSIGN_OR_RETURN(limit, AsIntArg(limit_v, ""));
  }
  auto trim = [&](const std::string& x) {
    if (limit >= 0 && static_cast<int64_t>(pystr::Length(x)) > limit) {
      return x.substr(0, pystr::ByteOffset(x, static_cast<size_t>(limit))) + "...";
    }
    return x;
  };
  static const std::regex kHttp(
      R"(^((https?://|www\.)(([\w%-]+\.)+)?([a-z]{2,63}|xn--[\w%]{2,59})|([\w%-]{2,63}\.)+(com|net|int|edu|gov|org|info|mil)|(https?://)((([\d]{1,3})(\.[\d]{1,3}){3})|(\[([\da-f]{0,4}:){2}([\da-f]{0,4}:?){1,6}])))(?::[\d]{1,5})?(?:[/?#]\S*)?$)",
      std::regex::icase);
  static const std::regex kEmail(R"(^\S+@\w[\w.-]*\.\w+$)");
  static const std::regex kHead(R"(^(?:[(<]|&lt;)+)");
  static const std::regex kTail(R"((?:[)>.,\n]|&gt;)+$)");
  std::string escaped = pystr::Escape(text);
  std::string out;
  size_t i = 0;
  GITOPS_RETURN_IF_ERROR(rt.Tick(escaped.size() / 8 + 1));
  while (i < escaped.size()) {
    size_t j = i;
    bool space = std::isspace(static_cast<unsigned char>(escaped[i])) != 0;
    while (j < escaped.size() && (std::isspace(static_cast<unsigned char>(escaped[j])) != 0) == space) ++j;
    std::string word = escaped.substr(i, j - i);
    i = j;
    if (space) {
      out += word;
      continue;
    }
    std::string head, middle = word, tail;
    std::smatch m;
    if (std::regex_search(middle, m, kHead)) {
      head = m.str();
      middle = middle.substr(head.size());
    }
    if (std::regex_search(middle, m, kTail)) {
      tail = m.str();
      middle = middle.substr(0, middle.size() - tail.size());
    }
    for (auto [open, close] : {std::pair<std::string, std::string>{"(", ")"}, {"<", ">"}, {"&lt;", "&gt;"}}) {
      int64_t start_count = pystr::Count(middle, open);
      if (start_count <= pystr::Count(middle, close)) continue;
      int64_t moves = std::min(start_count, pystr::Count(tail, close));
      for (int64_t k = 0; k < moves; ++k) {
        size_t end_index = tail.find(close) + close.size();
        middle += tail.substr(0, end_index);
        tail = tail.substr(end_index);
      }
    }
    if (std::regex_match(middle, kHttp)) {
      if (middle.rfind("https://", 0) == 0 || middle.rfind("http://", 0) == 0) {
        middle = "<a href=\"" + middle + "\"" + rel_attr + target_attr + ">" + trim(middle) + "</a>";
      } else {
        middle = "<a href=\"https://" + middle + "\"" + rel_attr + target_attr + ">" + trim(middle) + "</a>";
      }
    } else if (middle.rfind("mailto:", 0) == 0 && std::regex_match(middle.substr(7), kEmail)) {
      middle = "<a href=\"" + middle + "\">" + middle.substr(7) + "</a>";
    } else if (middle.find('@') != std::string::npos && middle.rfind("www.", 0) != 0 &&
               middle.find(':') == std::string::npos && std::regex_match(middle, kEmail)) {
      middle = "<a href=\"mailto:" + middle + "\">" + middle + "</a>";
    } else {
      for (const auto& scheme : schemes) {
        if (middle != scheme && middle.rfind(scheme, 0) == 0) {
          middle = "<a href=\"" + middle + "\"" + rel_attr + target_attr + ">" + middle + "</a>";
        }
      }
    }
    out += head + middle + tail;
  }
  return Value::Str(std::move(out));
}

// ---- numbers -------------------------------------------------------------------------------

Result<Value> FileSizeFormat(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_filesizeformat", {"binary"}));
  bool binary = ArgOr(args, 0, "binary", Value::Bool(false)).Truthy();
  double bytes;
  if (in.IsNumber() || in.IsBigInt()) {
    JINJA_ASSIGN_OR_RETURN(bytes, ToFloat(in));
  } else if (in.IsString()) {
    auto f = ParsePyFloat(in.AsString());
    if (!f) return Unexpected(TypeError("could not convert string to float: " + ToRepr(in)));
    bytes = *f;
  } else if (in.IsUndefined()) {
    return Unexpected(UndefinedError(in));
  } else {
    (void)rt;
    return Unexpected(TypeError("float() argument must be a string or a real number, not '" +
                                std::string(in.TypeName()) + "'"));
  }
  double base = binary ? 1024 : 1000;
  static const char* kDecimal[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  static const char* kBinary[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  if (bytes == 1) return Value::Str("1 Byte");
  if (bytes < base) {
    JINJA_ASSIGN_OR_RETURN(int64_t n, FloatToInt(bytes));
    return Value::Str(std::to_string(n) + " Bytes");
  }
  double unit = base;
  const char* prefix = "";
  for (int i = 0; i < 8; ++i) {
    unit = std::pow(base, i + 2);
    prefix = binary ? kBinary[i] : kDecimal[i];
    if (bytes < unit) break;
  }
  return Value::Str(FormatFixed(base * bytes / unit, 1) + " " + prefix);
}

Result<Value> Abs(Runtime&, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "abs", {}));
  if (in.IsFloat()) return Value::Float(std::fabs(in.AsFloat()));
  if (in.IsInt() || in.IsBool()) {
    int64_t i = in.AsInt();
    if (i == INT64_MIN) return Value::Integer(BigInt(i).Negated());
    return Value::Int(i < 0 ? -i : i);
  }
  if (in.IsBigInt()) {
    return in.AsBigInt().IsNegative() ? Value::Integer(in.AsBigInt().Negated()) : in;
  }
  return Unexpected(TypeError("bad operand type for abs(): '" + std::string(in.TypeName()) + "'"));
}

Result<Value> Int(Runtime&, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_int", {"default", "base"}));
  Value def = ArgOr(args, 0, "default", Value::Int(0));
  Value base_v = ArgOr(args, 1, "base", Value::Int(10));
  if (in.IsUndefined()) return Unexpected(UndefinedError(in));
  if (in.IsInt() || in.IsBigInt()) return in;
  if (in.IsBool()) return Value::Int(in.AsInt());
  if (in.IsFloat()) {
    if (std::isnan(in.AsFloat())) return def;
    return FloatToInteger(in.AsFloat());
  }
  if (in.IsString()) {
    JINJA_ASSIGN_OR_RETURN(int64_t base, AsIntArg(base_v, ""));
    auto parsed = ParsePyInt(in.AsString(), base);
    if (parsed.ok() && parsed->has_value()) return **parsed;
    if (!parsed.ok() && parsed.error().code == ErrorCode::kResourceExhausted) {
      return Unexpected(std::move(parsed).error());
    }
    auto f = ParsePyFloat(in.AsString());
    if (!f || std::isnan(*f)) return def;
    return FloatToInteger(*f);
  }
  return def;
}

Result<Value> Float(Runtime&, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_float", {"default"}));
  Value def = ArgOr(args, 0, "default", Value::Float(0.0));
  if (in.IsUndefined()) return Unexpected(UndefinedError(in));
  if (in.IsNumber()) return Value::Float(in.AsFloat());
  if (in.IsBigInt()) {
    JINJA_ASSIGN_OR_RETURN(double f, ToFloat(in));  // OverflowError in Python too
    return Value::Float(f);
  }
  if (in.IsString()) {
    auto f = ParsePyFloat(in.AsString());
    if (f) return Value::Float(*f);
  }
  return def;
}

// Python's round(int, -digits): half-even to a multiple of 10**digits, exactly.
Result<Value> RoundInteger(const BigInt& x, int64_t digits) {
  // |x| < 2**kMaxBits < 10**4300 / 2: rounding to 10**4301 or coarser gives 0.
  if (digits > 4300) return Value::Int(0);
  auto scale = BigInt::Pow(BigInt(10), static_cast<uint64_t>(digits));
  if (!scale.ok()) return Unexpected(std::move(scale).error());
  auto [q, r] = BigInt::DivMod(x, *scale);  // x = q * scale + r, 0 <= r < scale
  auto twice = BigInt::Add(r, r);
  if (!twice.ok()) return Unexpected(std::move(twice).error());
  int c = twice->Compare(*scale);
  if (c > 0 || (c == 0 && q.IsOdd())) q = *BigInt::Add(q, BigInt(1));
  auto rounded = BigInt::Mul(q, *scale);
  if (!rounded.ok()) return Unexpected(std::move(rounded).error());
  return Value::Integer(std::move(rounded).value());
}

Result<Value> Round(Runtime&, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_round", {"precision", "method"}));
  JINJA_ASSIGN_OR_RETURN(int64_t precision, AsIntArg(ArgOr(args, 0, "precision", Value::Int(0)), ""));
  Value method_v = ArgOr(args, 1, "method", Value::StrView("common"));
  std::string method = method_v.IsString() ? std::string(method_v.AsString()) : "";
  if (method != "common" && method != "ceil" && method != "floor") {
    return Unexpected(TypeError("method must be common, ceil or floor"));
  }
  if (!in.IsNumber() && !in.IsBigInt()) {
    if (method == "common") {
      return Unexpected(TypeError("type " + std::string(in.TypeName()) +
                                  " doesn't define __round__ method"));
    }
    return Unexpected(TypeError("must be real number, not " + std::string(in.TypeName())));
  }
  if (method == "common") {
    if (!in.IsFloat()) {
      if (precision >= 0) return in.IsBool() ? Value::Int(in.AsInt()) : in;
      return RoundInteger(in.ToBigInt(), -precision);
    }
    double f = in.AsFloat();
    if (std::isnan(f) || std::isinf(f)) return in;
    if (precision >= 0 && precision <= 300) {
      // printf rounds the exact binary value half-even, as Python's round() does.
      return Value::Float(std::strtod(FormatFixed(f, static_cast<int>(precision)).c_str(), nullptr));
    }
    if (precision > 300) return in;
    double scale = std::pow(10.0, static_cast<double>(-precision));
    return Value::Float(std::nearbyint(f / scale) * scale);
  }
  double scale = std::pow(10.0, static_cast<double>(precision));
  JINJA_ASSIGN_OR_RETURN(double value, ToFloat(in));
  double x = value * scale;
  double r = method == "ceil" ? std::ceil(x) : std::floor(x);
  return Value::Float(r / scale);
}

// ---- pprint --------------------------------------------------------------------------------

namespace {

// repr() with dict keys sorted, as pprint's _safe_repr does.
void SortedRepr(std::string& out, const Value& v) {
  if (v.IsDict()) {
    std::vector<size_t> order(v.Size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      Value ka = v.KeyAt(a), kb = v.KeyAt(b);
      auto less = Less(ka, kb);
      if (less.ok()) return *less;
      return ka.TypeName() < kb.TypeName();
    });
    out.push_back('{');
    for (size_t i = 0; i < order.size(); ++i) {
      if (i) out += ", ";
      SortedRepr(out, v.KeyAt(order[i]));
      out += ": ";
      SortedRepr(out, v.ValueAt(order[i]));
    }
    out.push_back('}');
  } else if (v.IsList()) {
    bool tuple = v.IsTuple();
    out.push_back(tuple ? '(' : '[');
    for (size_t i = 0; i < v.Size(); ++i) {
      if (i) out += ", ";
      SortedRepr(out, v.At(i));
    }
    if (tuple && v.Size() == 1) out.push_back(',');
    out.push_back(tuple ? ')' : ']');
  } else if (v.IsUndefined()) {
    out += "Undefined";
  } else {
    AppendRepr(out, v);
  }
}

constexpr int64_t kPprintWidth = 80;

void PFormat(std::string& out, const Value& v, int64_t indent, int64_t allowance) {
  std::string rep;
  SortedRepr(rep, v);
  if (static_cast<int64_t>(pystr::Length(rep)) <= kPprintWidth - indent - allowance ||
      !(v.IsDict() || v.IsList()) || v.Size() == 0) {
    out += rep;
    return;
  }
  if (v.IsDict()) {
    std::vector<size_t> order(v.Size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      auto less = Less(v.KeyAt(a), v.KeyAt(b));
      return less.ok() && *less;
    });
    out.push_back('{');
    int64_t inner = indent + 1;
    for (size_t i = 0; i < order.size(); ++i) {
      bool last = i + 1 == order.size();
      std::string key;
      SortedRepr(key, v.KeyAt(order[i]));
      out += key + ": ";
      PFormat(out, v.ValueAt(order[i]), inner + static_cast<int64_t>(pystr::Length(key)) + 2,
              last ? allowance + 1 : 1);
      if (!last) out += ",\n" + std::string(static_cast<size_t>(inner), ' ');
    }
    out.push_back('}');
    return;
  }
  bool tuple = v.IsTuple();
  std::string endchar = tuple ? (v.Size() == 1 ? ",)" : ")") : "]";
  out.push_back(tuple ? '(' : '[');
  int64_t inner = indent + 1;
  for (size_t i = 0; i < v.Size(); ++i) {
    bool last = i + 1 == v.Size();
    PFormat(out, v.At(i), inner, last ? allowance + static_cast<int64_t>(endchar.size()) : 1);
    if (!last) out += ",\n" + std::string(static_cast<size_t>(inner), ' ');
  }
  out += endchar;
}

}  // namespace

Result<Value> Pprint(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_pprint", {}));
  if (in.IsUndefined() && rt.strict_undefined()) return Unexpected(UndefinedError(in));
  std::string out;
  PFormat(out, in, 0, 0);
  return Value::Str(std::move(out));
}

}  // namespace gitops::jinja::builtins
