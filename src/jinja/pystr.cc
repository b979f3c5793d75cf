// Python string semantics on UTF-8 text (see pystr.h).
#include "jinja/pystr.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "jinja/runtime.h"

namespace gitops::jinja::pystr {

// ---- code points -------------------------------------------------------------------------

namespace {

// Decodes one code point at s[i]; advances i. Invalid bytes decode as themselves.
char32_t DecodeOne(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int extra = 0;
  char32_t cp = 0;
  if (c < 0x80) {
    ++i;
    return c;
  } else if ((c & 0xE0) == 0xC0) {
    extra = 1;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    extra = 2;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    extra = 3;
    cp = c & 0x07;
  } else {
    ++i;
    return c;
  }
  if (i + static_cast<size_t>(extra) >= s.size()) {
    ++i;
    return c;
  }
  for (int k = 1; k <= extra; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return c;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += static_cast<size_t>(extra) + 1;
  return cp;
}

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::u32string Decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) out.push_back(DecodeOne(s, i));
  return out;
}

std::string Encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) AppendUtf8(out, c);
  return out;
}

size_t Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if (!IsContinuation(c)) ++n;
  }
  return n;
}

size_t ByteOffset(std::string_view s, size_t index) {
  size_t i = 0;
  while (i < s.size() && index > 0) {
    DecodeOne(s, i);
    --index;
  }
  return i;
}

bool IsSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

bool IsUpper(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z';
  return ToLower(c) != c;
}

bool IsLower(char32_t c) {
  if (c < 0x80) return c >= 'a' && c <= 'z';
  if (c == 0xDF || c == 0xAA || c == 0xBA || c == 0x138 || c == 0x149) return true;
  return ToUpper(c) != c;
}

bool IsCased(char32_t c) { return IsUpper(c) || IsLower(c); }

bool IsAlpha(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (c < 0x100) return c == 0xAA || c == 0xB5 || c == 0xBA || (c >= 0xC0 && c != 0xD7 && c != 0xF7);
  return (c >= 0x100 && c <= 0x24F) || (c >= 0x370 && c <= 0x3FF && c != 0x37E && c != 0x387) ||
         (c >= 0x400 && c <= 0x481) || (c >= 0x48A && c <= 0x52F) ||
         (c >= 0x5D0 && c <= 0x5EA) || (c >= 0x620 && c <= 0x64A) ||
         (c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3);
}

bool IsDecimal(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 0x660 && c <= 0x669) || (c >= 0xFF10 && c <= 0xFF19);
}

bool IsDigit(char32_t c) {
  return IsDecimal(c) || c == 0xB2 || c == 0xB3 || c == 0xB9 || (c >= 0x2070 && c <= 0x2079 && c != 0x2071 && c != 0x2072 && c != 0x2073) ||
         (c >= 0x2080 && c <= 0x2089);
}

char32_t ToUpper(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (c < 0x100) {
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
    if (c == 0xFF) return 0x178;
    if (c == 0xB5) return 0x39C;
    return c;
  }
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x131) return 'I';
    if (c == 0x17F) return 'S';
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 0) ? c - 1 : c;
    if (c == 0x130 || c == 0x138 || c == 0x149 || c == 0x178) return c;
    return (c % 2 == 1) ? c - 1 : c;
  }
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
  if (c == 0x3C2) return 0x3A3;
  if (c == 0x3AC) return 0x386;
  if (c >= 0x3AD && c <= 0x3AF) return c - 37;
  if (c == 0x3CC) return 0x38C;
  if (c == 0x3CD || c == 0x3CE) return c - 63;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  if (c >= 0x460 && c <= 0x481 && c % 2 == 1) return c - 1;
  if (c >= 0x48A && c <= 0x4BF && c % 2 == 1) return c - 1;
  return c;
}

char32_t ToLower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c < 0x100) return (c >= 0xC0 && c <= 0xDE && c != 0xD7) ? c + 32 : c;
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x130) return 'i';
    if (c == 0x178) return 0xFF;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
    if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
    return (c % 2 == 0) ? c + 1 : c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c >= 0x460 && c <= 0x481 && c % 2 == 0) return c + 1;
  if (c >= 0x48A && c <= 0x4BF && c % 2 == 0) return c + 1;
  return c;
}

// ---- str methods -------------------------------------------------------------------------

namespace {

template <typename F>
std::string MapCodePoints(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      f(out, static_cast<char32_t>(c));
      ++i;
    } else {
      f(out, DecodeOne(s, i));
    }
  }
  return out;
}

void AppendUpper(std::string& out, char32_t c) {
  if (c == 0xDF) {
    out += "SS";
    return;
  }
  AppendUtf8(out, ToUpper(c));
}

}  // namespace

std::string Upper(std::string_view s) { return MapCodePoints(s, AppendUpper); }

std::string Lower(std::string_view s) {
  // ASCII text (the usual case) lowers byte by byte; anything else goes by code point.
  bool ascii = true;
  for (unsigned char c : s) ascii &= c < 0x80;
  if (ascii) {
    std::string out(s);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  return MapCodePoints(s, [](std::string& out, char32_t c) { AppendUtf8(out, ToLower(c)); });
}

std::string SwapCase(std::string_view s) {
  return MapCodePoints(s, [](std::string& out, char32_t c) {
    if (IsUpper(c)) {
      AppendUtf8(out, ToLower(c));
    } else if (IsLower(c)) {
      AppendUpper(out, c);
    } else {
      AppendUtf8(out, c);
    }
  });
}

std::string Title(std::string_view s) {
  bool prev_cased = false;
  return MapCodePoints(s, [&](std::string& out, char32_t c) {
    if (prev_cased) {
      AppendUtf8(out, ToLower(c));
    } else {
      AppendUpper(out, c);
    }
    prev_cased = IsCased(c);
  });
}

std::string Capitalize(std::string_view s) {
  bool first = true;
  return MapCodePoints(s, [&](std::string& out, char32_t c) {
    if (first) {
      AppendUpper(out, c);
      first = false;
    } else {
      AppendUtf8(out, ToLower(c));
    }
  });
}

bool AllOf(std::string_view s, bool (*pred)(char32_t)) {
  if (s.empty()) return false;
  size_t i = 0;
  while (i < s.size()) {
    if (!pred(DecodeOne(s, i))) return false;
  }
  return true;
}

bool IsLowerStr(std::string_view s) {
  bool cased = false;
  size_t i = 0;
  while (i < s.size()) {
    char32_t c = DecodeOne(s, i);
    if (IsUpper(c)) return false;
    if (IsLower(c)) cased = true;
  }
  return cased;
}

bool IsUpperStr(std::string_view s) {
  bool cased = false;
  size_t i = 0;
  while (i < s.size()) {
    char32_t c = DecodeOne(s, i);
    if (IsLower(c)) return false;
    if (IsUpper(c)) cased = true;
  }
  return cased;
}

bool IsTitleStr(std::string_view s) {
  bool cased = false, prev_cased = false;
  size_t i = 0;
  while (i < s.size()) {
    char32_t c = DecodeOne(s, i);
    if (IsUpper(c)) {
      if (prev_cased) return false;
      prev_cased = cased = true;
    } else if (IsLower(c)) {
      if (!prev_cased) return false;
      prev_cased = cased = true;
    } else {
      prev_cased = false;
    }
  }
  return cased;
}

std::string_view Strip(std::string_view s, std::optional<std::string_view> chars, bool left,
                       bool right) {
  std::u32string set;
  if (chars) set = Decode(*chars);
  auto strip_it = [&](char32_t c) {
    if (!chars) return IsSpace(c);
    return set.find(c) != std::u32string::npos;
  };
  size_t begin = 0, end = s.size();
  if (left) {
    while (begin < end) {
      size_t next = begin;
      char32_t c = DecodeOne(s, next);
      if (!strip_it(c)) break;
      begin = next;
    }
  }
  if (right) {
    while (end > begin) {
      size_t start = end - 1;
      while (start > begin && IsContinuation(s[start])) --start;
      size_t tmp = start;
      char32_t c = DecodeOne(s, tmp);
      if (tmp != end || !strip_it(c)) break;
      end = start;
    }
  }
  return s.substr(begin, end - begin);
}

namespace {

// Finds the next whitespace code point run at or after `pos`: returns [start, end).
bool NextSpace(std::string_view s, size_t pos, size_t& start, size_t& end) {
  size_t i = pos;
  while (i < s.size()) {
    size_t here = i;
    char32_t c = DecodeOne(s, i);
    if (IsSpace(c)) {
      start = here;
      end = i;
      while (end < s.size()) {
        size_t j = end;
        if (!IsSpace(DecodeOne(s, j))) break;
        end = j;
      }
      return true;
    }
  }
  return false;
}

}  // namespace

Result<std::vector<std::string_view>> Split(std::string_view s,
                                            std::optional<std::string_view> sep,
                                            int64_t maxsplit) {
  std::vector<std::string_view> out;
  if (sep) {
    if (sep->empty()) return Unexpected(ErrorCode::kInvalidArgument, "empty separator");
    size_t pos = 0;
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      size_t hit = s.find(*sep, pos);
      if (hit == std::string_view::npos) break;
      out.push_back(s.substr(pos, hit - pos));
      pos = hit + sep->size();
    }
    out.push_back(s.substr(pos));
    return out;
  }
  std::string_view rest = Strip(s, std::nullopt, true, false);
  while (!rest.empty()) {
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
      out.push_back(rest);
      break;
    }
    size_t start, end;
    if (!NextSpace(rest, 0, start, end)) {
      out.push_back(rest);
      break;
    }
    out.push_back(rest.substr(0, start));
    rest = rest.substr(end);
  }
  return out;
}

Result<std::vector<std::string_view>> RSplit(std::string_view s,
                                             std::optional<std::string_view> sep,
                                             int64_t maxsplit) {
  if (maxsplit < 0) return Split(s, sep, -1);
  std::vector<std::string_view> out;
  if (sep) {
    if (sep->empty()) return Unexpected(ErrorCode::kInvalidArgument, "empty separator");
    size_t end = s.size();
    while (static_cast<int64_t>(out.size()) < maxsplit) {
      if (end < sep->size()) break;
      size_t hit = s.rfind(*sep, end - sep->size());
      if (hit == std::string_view::npos) break;
      out.push_back(s.substr(hit + sep->size(), end - hit - sep->size()));
      end = hit;
    }
    out.push_back(s.substr(0, end));
    std::reverse(out.begin(), out.end());
    return out;
  }
  std::u32string cps = Decode(s);
  size_t end = cps.size();
  while (end > 0 && IsSpace(cps[end - 1])) --end;
  std::vector<std::u32string> parts;
  while (end > 0) {
    if (static_cast<int64_t>(parts.size()) >= maxsplit) {
      parts.push_back(cps.substr(0, end));
      break;
    }
    size_t start = end;
    while (start > 0 && !IsSpace(cps[start - 1])) --start;
    parts.push_back(cps.substr(start, end - start));
    end = start;
    while (end > 0 && IsSpace(cps[end - 1])) --end;
  }
  // Map code point pieces back to views of `s` by byte offsets.
  std::reverse(parts.begin(), parts.end());
  size_t byte = 0;
  size_t cp_index = 0;
  std::vector<std::string_view> views;
  // Recompute positions: walk s once, locating each part in order.
  for (const auto& p : parts) {
    std::string enc = Encode(p);
    size_t hit = s.find(enc, byte);
    views.push_back(s.substr(hit, enc.size()));
    byte = hit + enc.size();
  }
  (void)cp_index;
  return views;
}

std::vector<std::string_view> SplitLines(std::string_view s, bool keepends) {
  std::vector<std::string_view> out;
  size_t line_start = 0, i = 0;
  while (i < s.size()) {
    size_t here = i;
    char32_t c = DecodeOne(s, i);
    bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D ||
               c == 0x1E || c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!brk) continue;
    if (c == '\r' && i < s.size() && s[i] == '\n') ++i;
    out.push_back(s.substr(line_start, (keepends ? i : here) - line_start));
    line_start = i;
  }
  if (line_start < s.size()) out.push_back(s.substr(line_start));
  return out;
}

std::string Replace(std::string_view s, std::string_view old_s, std::string_view new_s,
                    int64_t count) {
  std::string out;
  if (old_s.empty()) {
    size_t i = 0;
    int64_t done = 0;
    while (true) {
      if (count < 0 || done < count) {
        out += new_s;
        ++done;
      }
      if (i >= s.size()) break;
      size_t start = i;
      DecodeOne(s, i);
      out.append(s.substr(start, i - start));
    }
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t hit = s.find(old_s, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out += new_s;
    pos = hit + old_s.size();
    ++done;
  }
  out.append(s.substr(pos));
  return out;
}

int64_t Count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(Length(s)) + 1;
  int64_t n = 0;
  size_t pos = 0;
  while ((pos = s.find(sub, pos)) != std::string_view::npos) {
    ++n;
    pos += sub.size();
  }
  return n;
}

int64_t Find(std::string_view s, std::string_view sub) {
  size_t hit = s.find(sub);
  if (hit == std::string_view::npos) return -1;
  return static_cast<int64_t>(Length(s.substr(0, hit)));
}

int64_t RFind(std::string_view s, std::string_view sub) {
  size_t hit = s.rfind(sub);
  if (hit == std::string_view::npos) return -1;
  return static_cast<int64_t>(Length(s.substr(0, hit)));
}

namespace {

std::string Repeat(std::string_view fill, int64_t n) {
  std::string out;
  for (int64_t i = 0; i < n; ++i) out += fill;
  return out;
}

}  // namespace

namespace {

// Widths and precisions in format strings past this are errors (Python's would overflow or
// build strings far beyond any render's output limit): no int64 overflow, no giant padding.
constexpr int64_t kMaxFormatWidth = 100'000'000;

Error TooBig(std::string_view what) {
  return MakeError(ErrorCode::kInvalidArgument, std::string(what) + " too big");
}

Error TooManyDigits() {
  return MakeError(ErrorCode::kInvalidArgument, "Too many decimal digits in format string");
}

}  // namespace

std::string Center(std::string_view s, int64_t width, std::string_view fill) {
  int64_t len = static_cast<int64_t>(Length(s));
  if (width <= len) return std::string(s);
  int64_t marg = width - len;
  int64_t left = marg / 2 + (marg & width & 1);
  return Repeat(fill, left) + std::string(s) + Repeat(fill, marg - left);
}

std::string LJust(std::string_view s, int64_t width, std::string_view fill) {
  int64_t len = static_cast<int64_t>(Length(s));
  if (width <= len) return std::string(s);
  return std::string(s) + Repeat(fill, width - len);
}

std::string RJust(std::string_view s, int64_t width, std::string_view fill) {
  int64_t len = static_cast<int64_t>(Length(s));
  if (width <= len) return std::string(s);
  return Repeat(fill, width - len) + std::string(s);
}

std::string ZFill(std::string_view s, int64_t width) {
  int64_t len = static_cast<int64_t>(Length(s));
  if (width <= len) return std::string(s);
  std::string out;
  std::string_view body = s;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    out.push_back(s[0]);
    body = s.substr(1);
  }
  out.append(static_cast<size_t>(width - len), '0');
  out += body;
  return out;
}

// ---- formatting --------------------------------------------------------------------------

namespace {

std::string IntDigits(int64_t v, int base, bool upper) {
  uint64_t u = v < 0 ? static_cast<uint64_t>(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  do {
    out.push_back(digits[u % static_cast<uint64_t>(base)]);
    u /= static_cast<uint64_t>(base);
  } while (u != 0);
  std::reverse(out.begin(), out.end());
  return out;
}

// C-style float formatting ("%.*f" etc.); Python spells inf/nan the same way.
std::string CFloat(double f, char type, int precision, bool alt) {
  if (std::isinf(f) || std::isnan(f)) {
    std::string s = std::isnan(f) ? "nan" : "inf";
    if (type == 'F' || type == 'E' || type == 'G') {
      for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return s;
  }
  char fmt[16];
  std::snprintf(fmt, sizeof fmt, "%%%s.%d%c", alt ? "#" : "", precision, type);
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, fmt, std::fabs(f));
  if (n >= static_cast<int>(sizeof buf)) {
    std::string big(static_cast<size_t>(n) + 1, '\0');
    std::snprintf(big.data(), big.size(), fmt, std::fabs(f));
    big.resize(static_cast<size_t>(n));
    return big;
  }
  return std::string(buf, static_cast<size_t>(n));
}

void Group(std::string& digits, char sep, int every) {
  // digits: integer digits only.
  std::string out;
  int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % every == 0) out.push_back(sep);
    out.push_back(digits[static_cast<size_t>(i)]);
  }
  digits = out;
}

struct Spec {
  std::string fill = " ";
  char align = 0;
  char sign = '-';
  bool alt = false;
  int64_t width = -1;
  char grouping = 0;
  int64_t precision = -1;
  char type = 0;
};

Result<Spec> ParseSpec(std::string_view spec) {
  Spec p;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '=' || c == '^'; };
  size_t i = 0;
  // fill may be any code point.
  if (!spec.empty()) {
    size_t j = 0;
    DecodeOne(spec, j);
    if (j < spec.size() && is_align(spec[j])) {
      p.fill = std::string(spec.substr(0, j));
      p.align = spec[j];
      i = j + 1;
    } else if (is_align(spec[0])) {
      p.align = spec[0];
      i = 1;
    }
  }
  if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) p.sign = spec[i++];
  if (i < spec.size() && spec[i] == '#') {
    p.alt = true;
    ++i;
  }
  if (i < spec.size() && spec[i] == '0') {
    if (!p.align) {
      p.fill = "0";
      p.align = '=';
    }
    ++i;
  }
  if (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') {
    p.width = 0;
    while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') {
      p.width = p.width * 10 + (spec[i++] - '0');
      if (p.width > kMaxFormatWidth) return Unexpected(TooManyDigits());
    }
  }
  if (i < spec.size() && (spec[i] == ',' || spec[i] == '_')) p.grouping = spec[i++];
  if (i < spec.size() && spec[i] == '.') {
    ++i;
    if (i >= spec.size() || spec[i] < '0' || spec[i] > '9') {
      return Unexpected(ErrorCode::kInvalidArgument, "Format specifier missing precision");
    }
    p.precision = 0;
    while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') {
      p.precision = p.precision * 10 + (spec[i++] - '0');
      if (p.precision > kMaxFormatWidth) return Unexpected(TooManyDigits());
    }
  }
  if (i < spec.size()) p.type = spec[i++];
  if (i < spec.size()) return Unexpected(ErrorCode::kInvalidArgument, "Invalid format specifier");
  return p;
}

// Pads `sign_prefix + body` to the spec's width with its fill and alignment.
std::string Align(const Spec& p, std::string_view sign_prefix, std::string_view body,
                  char default_align) {
  char align = p.align ? p.align : default_align;
  int64_t len = static_cast<int64_t>(Length(sign_prefix) + Length(body));
  int64_t pad = p.width > len ? p.width - len : 0;
  std::string out;
  switch (align) {
    case '<':
      out = std::string(sign_prefix) + std::string(body) + Repeat(p.fill, pad);
      break;
    case '^':
      out = Repeat(p.fill, pad / 2) + std::string(sign_prefix) + std::string(body) +
            Repeat(p.fill, pad - pad / 2);
      break;
    case '=':
      out = std::string(sign_prefix) + Repeat(p.fill, pad) + std::string(body);
      break;
    default:
      out = Repeat(p.fill, pad) + std::string(sign_prefix) + std::string(body);
  }
  return out;
}

std::string SignFor(bool negative, char sign) {
  if (negative) return "-";
  if (sign == '+') return "+";
  if (sign == ' ') return " ";
  return "";
}

Result<std::string> FormatFloatSpec(double f, const Spec& p) {
  char type = p.type;
  bool negative = std::signbit(f) && !std::isnan(f);
  std::string body;
  bool percent = false;
  if (type == 0 && p.precision < 0) {
    body = FormatFloat(std::fabs(f));
  } else if (type == 0) {
    int prec = static_cast<int>(p.precision == 0 ? 1 : p.precision);
    body = CFloat(f, 'g', prec, p.alt);
    if (body.find_first_of(".eni") == std::string::npos) body += ".0";
  } else {
    int prec = static_cast<int>(p.precision < 0 ? 6 : p.precision);
    switch (type) {
      case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
        body = CFloat(f, type, prec, p.alt);
        break;
      case 'n':
        body = CFloat(f, 'g', prec, p.alt);
        break;
      case '%':
        body = CFloat(f * 100, 'f', prec, p.alt);
        percent = true;
        break;
      default:
        return Unexpected(ErrorCode::kInvalidArgument,
                          std::string("Unknown format code '") + type + "' for object of type 'float'");
    }
  }
  if (p.grouping) {
    size_t int_end = body.find_first_not_of("0123456789");
    if (int_end == std::string::npos) int_end = body.size();
    std::string digits = body.substr(0, int_end);
    Group(digits, p.grouping, 3);
    body = digits + body.substr(int_end);
  }
  if (percent) body += "%";
  return Align(p, SignFor(negative, p.sign), body, '>');
}

}  // namespace

Result<std::string> FormatSpec(const Value& v, std::string_view spec) {
  if (spec.empty()) return ToStr(v);
  auto parsed = ParseSpec(spec);
  if (!parsed.ok()) return Unexpected(std::move(parsed).error());
  const Spec& p = *parsed;
  if (v.IsString()) {
    if (p.type != 0 && p.type != 's') {
      return Unexpected(ErrorCode::kInvalidArgument,
                        std::string("Unknown format code '") + p.type + "' for object of type 'str'");
    }
    if (p.sign != '-') {
      return Unexpected(ErrorCode::kInvalidArgument, "Sign not allowed in string format specifier");
    }
    if (p.align == '=') {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "'=' alignment not allowed in string format specifier");
    }
    std::string_view s = v.AsString();
    if (p.precision >= 0) s = s.substr(0, ByteOffset(s, static_cast<size_t>(p.precision)));
    return Align(p, "", s, '<');
  }
  if (v.IsInt() || v.IsBool() || v.IsBigInt()) {
    int64_t i = v.IsBigInt() ? 0 : v.AsInt();
    switch (p.type) {
      case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case '%': {
        auto f = ToFloat(v);
        if (!f.ok()) return Unexpected(std::move(f).error());
        return FormatFloatSpec(*f, p);
      }
      default:
        break;
    }
    bool negative = v.IsBigInt() ? v.AsBigInt().IsNegative() : i < 0;
    auto int_digits = [&](int base, bool upper) {
      return v.IsBigInt() ? v.AsBigInt().MagnitudeDigits(base, upper) : IntDigits(i, base, upper);
    };
    if (p.precision >= 0) {
      return Unexpected(ErrorCode::kInvalidArgument, "Precision not allowed in integer format specifier");
    }
    std::string prefix, digits;
    switch (p.type) {
      case 0: case 'd': case 'n':
        digits = int_digits(10, false);
        if (p.grouping) Group(digits, p.grouping, 3);
        break;
      case 'b': case 'o': case 'x': case 'X': {
        int base = p.type == 'b' ? 2 : p.type == 'o' ? 8 : 16;
        digits = int_digits(base, p.type == 'X');
        if (p.grouping) Group(digits, p.grouping, 4);
        if (p.alt) prefix = std::string("0") + p.type;
        break;
      }
      case 'c': {
        if (v.IsBigInt()) {
          return Unexpected(ErrorCode::kInvalidArgument, "%c arg not in range(0x110000)");
        }
        std::string out;
        AppendUtf8(out, static_cast<char32_t>(i));
        return Align(p, "", out, '<');
      }
      default:
        return Unexpected(ErrorCode::kInvalidArgument,
                          std::string("Unknown format code '") + p.type + "' for object of type '" +
                              std::string(v.TypeName()) + "'");
    }
    return Align(p, SignFor(negative, p.sign) + prefix, digits, '>');
  }
  if (v.IsFloat()) return FormatFloatSpec(v.AsFloat(), p);
  return Unexpected(ErrorCode::kInvalidArgument,
                    "unsupported format string passed to " + std::string(v.TypeName()) +
                        ".__format__");
}

Result<std::string> StrFormat(Runtime& rt, std::string_view fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  bool used_auto = false, used_manual = false;
  size_t i = 0;
  while (i < fmt.size()) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out.push_back('}');
        i += 2;
        continue;
      }
      return Unexpected(ErrorCode::kInvalidArgument, "Single '}' encountered in format string");
    }
    if (c != '{') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out.push_back('{');
      i += 2;
      continue;
    }
    size_t close = fmt.find('}', i + 1);
    if (close == std::string_view::npos) {
      return Unexpected(ErrorCode::kInvalidArgument, "Single '{' encountered in format string");
    }
    std::string_view field = fmt.substr(i + 1, close - i - 1);
    i = close + 1;
    std::string_view spec, conversion;
    size_t colon = field.find(':');
    if (colon != std::string_view::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    size_t bang = field.find('!');
    if (bang != std::string_view::npos) {
      conversion = field.substr(bang + 1);
      field = field.substr(0, bang);
    }
    size_t name_end = field.find_first_of(".[");
    std::string_view first = field.substr(0, name_end);
    std::string_view rest = name_end == std::string_view::npos ? std::string_view() : field.substr(name_end);
    Value value;
    if (first.empty()) {
      if (used_manual) {
        return Unexpected(ErrorCode::kInvalidArgument,
                          "cannot switch from manual field specification to automatic field numbering");
      }
      used_auto = true;
      if (auto_index >= args.positional.size()) {
        return Unexpected(ErrorCode::kInvalidArgument,
                          "Replacement index " + std::to_string(auto_index) +
                              " out of range for positional args tuple");
      }
      value = args.positional[auto_index++];
    } else if (std::all_of(first.begin(), first.end(), [](char d) { return d >= '0' && d <= '9'; })) {
      if (used_auto) {
        return Unexpected(ErrorCode::kInvalidArgument,
                          "cannot switch from automatic field numbering to manual field specification");
      }
      used_manual = true;
      size_t idx = std::stoul(std::string(first));
      if (idx >= args.positional.size()) {
        return Unexpected(ErrorCode::kInvalidArgument,
                          "Replacement index " + std::to_string(idx) +
                              " out of range for positional args tuple");
      }
      value = args.positional[idx];
    } else {
      const Value* kw = args.Keyword(first);
      if (!kw) return Unexpected(ErrorCode::kInvalidArgument, "'" + std::string(first) + "'");
      value = *kw;
    }
    while (!rest.empty()) {
      if (rest[0] == '.') {
        size_t end = rest.find_first_of(".[", 1);
        std::string_view attr = rest.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
        auto got = rt.GetAttr(value, attr);
        if (!got.ok()) return Unexpected(std::move(got).error());
        if (got->IsUndefined()) {
          return Unexpected(ErrorCode::kInvalidArgument,
                            "'" + std::string(value.TypeName()) + "' object has no attribute '" +
                                std::string(attr) + "'");
        }
        value = *got;
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
      } else if (rest[0] == '[') {
        size_t end = rest.find(']');
        if (end == std::string_view::npos) {
          return Unexpected(ErrorCode::kInvalidArgument, "Missing ']' in format string");
        }
        std::string_view key = rest.substr(1, end - 1);
        Value k = !key.empty() && std::all_of(key.begin(), key.end(), [](char d) { return d >= '0' && d <= '9'; })
                      ? Value::Int(std::stoll(std::string(key)))
                      : Value::Str(std::string(key));
        auto got = rt.GetItem(value, k);
        if (!got.ok()) return Unexpected(std::move(got).error());
        if (got->IsUndefined()) return Unexpected(ErrorCode::kInvalidArgument, ToRepr(k));
        value = *got;
        rest = rest.substr(end + 1);
      } else {
        return Unexpected(ErrorCode::kInvalidArgument,
                          "Only '.' or '[' may follow ']' in format field specifier");
      }
    }
    if (conversion == "r" || conversion == "a") {
      value = Value::Str(ToRepr(value));
    } else if (conversion == "s") {
      value = Value::Str(ToStr(value));
    } else if (!conversion.empty()) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "Unknown conversion specifier " + std::string(conversion));
    }
    if (value.IsUndefined() && rt.strict_undefined()) return Unexpected(UndefinedError(value));
    auto formatted = FormatSpec(value, spec);
    if (!formatted.ok()) return formatted;
    out += *formatted;
  }
  return out;
}

Result<std::string> PercentFormat(std::string_view fmt, const ValueList& args,
                                  const Value* mapping) {
  std::string out;
  size_t next_arg = 0;
  bool used_mapping_key = false;
  auto next = [&]() -> Result<Value> {
    if (mapping) {
      if (next_arg++ == 0) return *mapping;
      return Unexpected(ErrorCode::kInvalidArgument, "not enough arguments for format string");
    }
    if (next_arg >= args.size()) {
      return Unexpected(ErrorCode::kInvalidArgument, "not enough arguments for format string");
    }
    return args[next_arg++];
  };
  size_t i = 0;
  while (i < fmt.size()) {
    char c = fmt[i];
    if (c != '%') {
      out.push_back(c);
      ++i;
      continue;
    }
    ++i;
    if (i >= fmt.size()) return Unexpected(ErrorCode::kInvalidArgument, "incomplete format");
    Value arg;
    bool have_arg = false;
    if (fmt[i] == '(') {
      size_t close = fmt.find(')', i);
      if (close == std::string_view::npos) {
        return Unexpected(ErrorCode::kInvalidArgument, "incomplete format key");
      }
      if (!mapping) return Unexpected(ErrorCode::kInvalidArgument, "format requires a mapping");
      std::string_view key = fmt.substr(i + 1, close - i - 1);
      auto found = mapping->Find(key);
      if (!found) return Unexpected(ErrorCode::kInvalidArgument, "'" + std::string(key) + "'");
      arg = *found;
      have_arg = true;
      used_mapping_key = true;
      i = close + 1;
    }
    bool left = false, plus = false, space = false, alt = false, zero = false;
    for (; i < fmt.size(); ++i) {
      char f = fmt[i];
      if (f == '-') left = true;
      else if (f == '+') plus = true;
      else if (f == ' ') space = true;
      else if (f == '#') alt = true;
      else if (f == '0') zero = true;
      else break;
    }
    int64_t width = -1, precision = -1;
    if (i < fmt.size() && fmt[i] == '*') {
      auto w = next();
      if (!w.ok()) return Unexpected(std::move(w).error());
      if (!w->IsInt()) return Unexpected(ErrorCode::kInvalidArgument, "* wants int");
      width = w->AsInt();
      if (width < 0) {
        left = true;
        width = -width;
      }
      ++i;
    } else {
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        width = std::max<int64_t>(width, 0) * 10 + (fmt[i++] - '0');
        if (width > kMaxFormatWidth) return Unexpected(TooBig("width"));
      }
    }
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      precision = 0;
      if (i < fmt.size() && fmt[i] == '*') {
        auto pr = next();
        if (!pr.ok()) return Unexpected(std::move(pr).error());
        if (!pr->IsInt()) return Unexpected(ErrorCode::kInvalidArgument, "* wants int");
        precision = std::max<int64_t>(pr->AsInt(), 0);
        ++i;
      } else {
        while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
          precision = precision * 10 + (fmt[i++] - '0');
          if (precision > kMaxFormatWidth) return Unexpected(TooBig("precision"));
        }
      }
    }
    while (i < fmt.size() && (fmt[i] == 'h' || fmt[i] == 'l' || fmt[i] == 'L')) ++i;
    if (i >= fmt.size()) return Unexpected(ErrorCode::kInvalidArgument, "incomplete format");
    char type = fmt[i++];
    if (type == '%') {
      out.push_back('%');
      continue;
    }
    if (!have_arg) {
      auto a = next();
      if (!a.ok()) return Unexpected(std::move(a).error());
      arg = *a;
    }
    std::string sign, body;
    bool numeric = false;
    switch (type) {
      case 's':
        body = ToStr(arg);
        if (precision >= 0) body = body.substr(0, ByteOffset(body, static_cast<size_t>(precision)));
        break;
      case 'r': case 'a':
        body = ToRepr(arg);
        if (precision >= 0) body = body.substr(0, ByteOffset(body, static_cast<size_t>(precision)));
        break;
      case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': {
        int64_t n = 0;
        std::optional<BigInt> big;  // past int64: a big int, or a float's exact integer part
        if (arg.IsInt() || arg.IsBool()) {
          n = arg.AsInt();
        } else if (arg.IsBigInt()) {
          big = arg.AsBigInt();
        } else if (arg.IsFloat() && (type == 'd' || type == 'i' || type == 'u')) {
          double f = arg.AsFloat();
          if (std::isnan(f) || std::isinf(f)) {
            return Unexpected(ErrorCode::kInvalidArgument, "cannot convert float to integer");
          }
          if (std::fabs(f) < 9.2e18) {
            n = static_cast<int64_t>(std::trunc(f));
          } else {
            big = BigInt::FromIntegralDouble(std::trunc(f));
          }
        } else {
          return Unexpected(ErrorCode::kInvalidArgument,
                            std::string("%") + type + " format: " +
                                (type == 'd' || type == 'i' || type == 'u' ? "a real number"
                                                                           : "an integer") +
                                " is required, not " + std::string(arg.TypeName()));
        }
        int base = (type == 'x' || type == 'X') ? 16 : type == 'o' ? 8 : 10;
        body = big ? big->MagnitudeDigits(base, type == 'X') : IntDigits(n, base, type == 'X');
        if (precision >= 0 && static_cast<int64_t>(body.size()) < precision) {
          body.insert(0, static_cast<size_t>(precision - static_cast<int64_t>(body.size())), '0');
        }
        if (alt && base != 10) body.insert(0, type == 'o' ? "0o" : type == 'x' ? "0x" : "0X");
        sign = (big ? big->IsNegative() : n < 0) ? "-" : plus ? "+" : space ? " " : "";
        numeric = true;
        break;
      }
      case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
        if (!arg.IsNumber() && !arg.IsBigInt()) {
          return Unexpected(ErrorCode::kInvalidArgument,
                            "must be real number, not " + std::string(arg.TypeName()));
        }
        auto as_float = ToFloat(arg);
        if (!as_float.ok()) return Unexpected(std::move(as_float).error());
        double f = *as_float;
        body = CFloat(f, type, static_cast<int>(precision < 0 ? 6 : precision), alt);
        bool negative = std::signbit(f) && !std::isnan(f);
        sign = negative ? "-" : plus ? "+" : space ? " " : "";
        numeric = true;
        break;
      }
      case 'c':
        if (arg.IsInt()) {
          AppendUtf8(body, static_cast<char32_t>(arg.AsInt()));
        } else if (arg.IsString() && Length(arg.AsString()) == 1) {
          body = std::string(arg.AsString());
        } else {
          return Unexpected(ErrorCode::kInvalidArgument, "%c requires int or char");
        }
        break;
      default: {
        char buf[96];
        std::snprintf(buf, sizeof buf, "unsupported format character '%c' (0x%x) at index %zu",
                      type, static_cast<unsigned>(static_cast<unsigned char>(type)), i - 1);
        return Unexpected(ErrorCode::kInvalidArgument, buf);
      }
    }
    int64_t len = static_cast<int64_t>(Length(sign) + Length(body));
    int64_t pad = width > len ? width - len : 0;
    if (left) {
      out += sign + body + std::string(static_cast<size_t>(pad), ' ');
    } else if (zero && numeric) {
      out += sign + std::string(static_cast<size_t>(pad), '0') + body;
    } else {
      out += std::string(static_cast<size_t>(pad), ' ') + sign + body;
    }
  }
  if (!mapping && next_arg < args.size()) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "not all arguments converted during string formatting");
  }
  (void)used_mapping_key;
  return out;
}

// ---- textwrap ----------------------------------------------------------------------------

namespace {

bool WrapSpace(char32_t c) { return c == '\t' || c == '\n' || c == 0x0B || c == 0x0C || c == '\r' || c == ' '; }
bool Letter(char32_t c) { return IsAlpha(c); }  // [^\d\W]

// Splits text into textwrap chunks: whitespace runs and words (hyphenated words split after
// a hyphen between letters when break_on_hyphens).
std::vector<std::u32string> WrapChunks(const std::u32string& t, bool break_on_hyphens) {
  std::vector<std::u32string> chunks;
  size_t i = 0, n = t.size();
  while (i < n) {
    size_t j = i;
    if (WrapSpace(t[i])) {
      while (j < n && WrapSpace(t[j])) ++j;
      chunks.push_back(t.substr(i, j - i));
      i = j;
      continue;
    }
    while (j < n && !WrapSpace(t[j])) {
      if (break_on_hyphens && t[j] == '-' && j > i) {
        // -(?: (?<=letter{2}-) | (?<=letter-letter-)) (?= letter -? letter)
        bool before = (j >= i + 2 && Letter(t[j - 1]) && Letter(t[j - 2])) ||
                      (j >= i + 3 && Letter(t[j - 1]) && t[j - 2] == '-' && Letter(t[j - 3]));
        bool after = j + 1 < n && Letter(t[j + 1]) &&
                     ((j + 2 < n && Letter(t[j + 2])) ||
                      (j + 3 < n && t[j + 2] == '-' && Letter(t[j + 3])));
        if (before && after) {
          ++j;
          break;
        }
      }
      ++j;
    }
    chunks.push_back(t.substr(i, j - i));
    i = j;
  }
  return chunks;
}

bool AllWrapSpace(const std::u32string& s) {
  return std::all_of(s.begin(), s.end(), [](char32_t c) { return IsSpace(c); });
}

}  // namespace

Result<std::vector<std::string>> TextWrap(std::string_view text, int64_t width,
                                          bool break_long_words, bool break_on_hyphens) {
  if (width <= 0) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "invalid width " + std::to_string(width) + " (must be > 0)");
  }
  std::vector<std::u32string> chunks = WrapChunks(Decode(text), break_on_hyphens);
  std::reverse(chunks.begin(), chunks.end());
  std::vector<std::string> lines;
  size_t w = static_cast<size_t>(width);
  while (!chunks.empty()) {
    std::vector<std::u32string> cur;
    size_t cur_len = 0;
    if (AllWrapSpace(chunks.back()) && !lines.empty()) chunks.pop_back();
    while (!chunks.empty()) {
      size_t l = chunks.back().size();
      if (cur_len + l <= w) {
        cur.push_back(chunks.back());
        chunks.pop_back();
        cur_len += l;
      } else {
        break;
      }
    }
    if (!chunks.empty() && chunks.back().size() > w) {
      size_t space_left = w - cur_len;
      if (break_long_words) {
        size_t end = space_left;
        std::u32string& chunk = chunks.back();
        if (break_on_hyphens && chunk.size() > space_left) {
          size_t hyphen = space_left == 0 ? std::u32string::npos : chunk.rfind(U'-', space_left - 1);
          if (hyphen != std::u32string::npos && hyphen > 0 &&
              std::any_of(chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(hyphen),
                          [](char32_t c) { return c != '-'; })) {
            end = hyphen + 1;
          }
        }
        cur.push_back(chunk.substr(0, end));
        chunk = chunk.substr(end);
      } else if (cur.empty()) {
        cur.push_back(chunks.back());
        chunks.pop_back();
      }
    }
    if (!cur.empty() && AllWrapSpace(cur.back())) cur.pop_back();
    if (!cur.empty()) {
      std::u32string line;
      for (const auto& c : cur) line += c;
      lines.push_back(Encode(line));
    }
  }
  return lines;
}

// ---- HTML and URLs -----------------------------------------------------------------------

void AppendEscaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
}

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  AppendEscaped(out, s);
  return out;
}

std::string Unescape(std::string_view s) {
  static const std::pair<std::string_view, char32_t> kNamed[] = {
      {"amp", '&'},   {"lt", '<'},     {"gt", '>'},     {"quot", '"'},   {"apos", '\''},
      {"nbsp", 0xA0}, {"copy", 0xA9},  {"reg", 0xAE},   {"hellip", 0x2026}, {"mdash", 0x2014},
      {"ndash", 0x2013}, {"laquo", 0xAB}, {"raquo", 0xBB}, {"euro", 0x20AC},
  };
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '&') {
      out.push_back(s[i++]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi != std::string_view::npos && semi > i + 1 && semi - i <= 12) {
      std::string_view ent = s.substr(i + 1, semi - i - 1);
      if (ent[0] == '#') {
        char32_t cp = 0;
        bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
        std::string_view digits = ent.substr(hex ? 2 : 1);
        bool ok = !digits.empty();
        for (char d : digits) {
          int v = (d >= '0' && d <= '9') ? d - '0'
                  : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                  : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10 : -1;
          if (v < 0) {
            ok = false;
            break;
          }
          cp = cp * (hex ? 16 : 10) + static_cast<char32_t>(v);
          if (cp > 0x10FFFF) cp = 0xFFFD;
        }
        if (ok) {
          AppendUtf8(out, cp == 0 ? 0xFFFD : cp);
          i = semi + 1;
          continue;
        }
      } else {
        bool found = false;
        for (const auto& [name, cp] : kNamed) {
          if (name == ent) {
            AppendUtf8(out, cp);
            found = true;
            break;
          }
        }
        if (found) {
          i = semi + 1;
          continue;
        }
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

std::string UrlQuote(std::string_view s, std::string_view safe) {
  std::string out;
  for (unsigned char c : s) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-' || c == '~' ||
                (c < 0x80 && safe.find(static_cast<char>(c)) != std::string_view::npos);
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace gitops::jinja::pystr
