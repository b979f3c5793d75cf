// Python string semantics on UTF-8 text for the template engine's filters and methods:
// code point handling, case mapping, strip/split rules, padding, %-formatting, str.format,
// textwrap, HTML escaping and URL quoting, each matching CPython 3.11.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "jinja/utf8.h"
#include "jinja/value.h"

namespace gitops::jinja {
class Runtime;
}

namespace gitops::jinja::pystr {

// ---- code points -------------------------------------------------------------------------
// Decodes UTF-8; an invalid byte decodes as itself (U+0080..U+00FF) so nothing is lost.
std::u32string Decode(std::string_view s);
inline void AppendUtf8(std::string& out, char32_t cp) { utf8::Append(out, cp); }
std::string Encode(std::u32string_view s);
// Number of code points (Python len()).
size_t Length(std::string_view s);
// Byte offset of code point `index` (clamped to s.size()).
size_t ByteOffset(std::string_view s, size_t index);

// Python's str predicates for one code point (str.isspace etc.).
bool IsSpace(char32_t c);
bool IsAlpha(char32_t c);
bool IsDigit(char32_t c);
bool IsDecimal(char32_t c);
bool IsUpper(char32_t c);
bool IsLower(char32_t c);
bool IsCased(char32_t c);
// Simple case mappings (Latin, Greek, Cyrillic); other code points map to themselves.
char32_t ToUpper(char32_t c);
char32_t ToLower(char32_t c);

// ---- str methods -------------------------------------------------------------------------
std::string Upper(std::string_view s);
std::string Lower(std::string_view s);
std::string SwapCase(std::string_view s);
// str.title(): a cased char after an uncased one is upper-cased, the others lower-cased.
std::string Title(std::string_view s);
// str.capitalize(): first char upper, the rest lower.
std::string Capitalize(std::string_view s);
// str.isX() over the whole string (false for "").
bool AllOf(std::string_view s, bool (*pred)(char32_t));
bool IsLowerStr(std::string_view s);  // has a cased char and no upper-case one
bool IsUpperStr(std::string_view s);
bool IsTitleStr(std::string_view s);

// str.strip/lstrip/rstrip; `chars` nullopt strips Python whitespace.
std::string_view Strip(std::string_view s, std::optional<std::string_view> chars, bool left = true,
                       bool right = true);
// str.split(sep, maxsplit): sep nullopt splits on whitespace runs and drops empty parts.
// kInvalidArgument "empty separator" for sep "".
Result<std::vector<std::string_view>> Split(std::string_view s,
                                            std::optional<std::string_view> sep,
                                            int64_t maxsplit = -1);
Result<std::vector<std::string_view>> RSplit(std::string_view s,
                                             std::optional<std::string_view> sep,
                                             int64_t maxsplit = -1);
// str.splitlines(keepends).
std::vector<std::string_view> SplitLines(std::string_view s, bool keepends = false);
// str.replace(old, new, count); count < 0 replaces all.
std::string Replace(std::string_view s, std::string_view old_s, std::string_view new_s,
                    int64_t count = -1);
// str.count(sub) (non-overlapping, code points for "").
int64_t Count(std::string_view s, std::string_view sub);
// str.find / rfind: code point index or -1.
int64_t Find(std::string_view s, std::string_view sub);
int64_t RFind(std::string_view s, std::string_view sub);
// str.center / ljust / rjust with a one-code-point fill; str.zfill.
std::string Center(std::string_view s, int64_t width, std::string_view fill = " ");
std::string LJust(std::string_view s, int64_t width, std::string_view fill = " ");
std::string RJust(std::string_view s, int64_t width, std::string_view fill = " ");
std::string ZFill(std::string_view s, int64_t width);

// ---- formatting --------------------------------------------------------------------------
// Python format(value, spec) for str, int, bool, float and None (the format mini-language:
// [[fill]align][sign][#][0][width][,|_][.precision][type]).
Result<std::string> FormatSpec(const Value& v, std::string_view spec);
// str.format(*args, **kwargs): {} {0} {name} {0.attr} {0[key]} !r !s and a format spec.
Result<std::string> StrFormat(Runtime& rt, std::string_view fmt, const CallArgs& args);
// Python `fmt % args`: `args` is a tuple of positional values, or `mapping` (a dict) for
// %(name)s. %s %r %a %d %i %u %f %F %e %E %g %G %x %X %o %c %% with flags, width, precision.
Result<std::string> PercentFormat(std::string_view fmt, const ValueList& args,
                                  const Value* mapping);

// textwrap.wrap(text, width, expand_tabs=False, replace_whitespace=False,
// break_long_words, break_on_hyphens). kInvalidArgument for width <= 0.
Result<std::vector<std::string>> TextWrap(std::string_view text, int64_t width,
                                          bool break_long_words, bool break_on_hyphens);

// markupsafe.escape: & < > " ' -> &amp; &lt; &gt; &#34; &#39;.
void AppendEscaped(std::string& out, std::string_view s);
std::string Escape(std::string_view s);
// Markup.unescape: the five entities above plus &quot; &apos; numeric and common named ones.
std::string Unescape(std::string_view s);
// urllib.parse.quote(s, safe) over the UTF-8 bytes.
std::string UrlQuote(std::string_view s, std::string_view safe);

}  // namespace gitops::jinja::pystr
