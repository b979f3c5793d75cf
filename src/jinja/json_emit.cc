// Python's json.dumps (see json_emit.h).
#include "jinja/json_emit.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "jinja/pystr.h"

namespace gitops::jinja {
namespace {

constexpr int kMaxDepth = 500;

void AppendU(std::string& out, unsigned cp) {
  char buf[16];  // backslash, u and up to 8 hex digits (GCC checks the full unsigned range)
  std::snprintf(buf, sizeof buf, "\\u%04x", cp);
  out += buf;
}

// How the ASCII fast path treats each byte: copied, escaped, or not handled here (control
// characters, DEL and non-ASCII go through the code point path).
enum AsciiClass : uint8_t { kCopy, kQuote, kBackslash, kHtml, kSlowPath };

constexpr std::array<uint8_t, 256> MakeAsciiClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = (c < 0x20 || c >= 0x7f) ? kSlowPath : kCopy;
  t['"'] = kQuote;
  t['\\'] = kBackslash;
  t['<'] = t['>'] = t['&'] = t['\''] = kHtml;
  return t;
}
constexpr std::array<uint8_t, 256> kAsciiClasses = MakeAsciiClasses();

// The common case, a string of printable ASCII: escapes the few characters json.dumps escapes
// and appends runs of the rest at once. Returns false, leaving `out` as it was, when `s` has a
// character this path does not handle.
bool AppendAsciiJsonString(std::string& out, std::string_view s, const JsonDumpOptions& o) {
  size_t plain = 0;
  while (plain < s.size()) {
    uint8_t cls = kAsciiClasses[static_cast<unsigned char>(s[plain])];
    if (cls != kCopy && (cls != kHtml || o.html_safe)) break;
    ++plain;
  }
  if (plain == s.size()) {
    // Nothing to escape: the quoted string in one copy.
    size_t at = out.size();
    out.resize(at + s.size() + 2);
    char* p = out.data() + at;
    p[0] = '"';
    std::memcpy(p + 1, s.data(), s.size());
    p[s.size() + 1] = '"';
    return true;
  }
  size_t start_size = out.size();
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    uint8_t cls = kAsciiClasses[static_cast<unsigned char>(s[i])];
    if (cls == kCopy) continue;
    const char* escaped;
    switch (cls) {
      case kQuote: escaped = "\\\""; break;
      case kBackslash: escaped = "\\\\"; break;
      case kHtml:
        if (!o.html_safe) continue;
        escaped = s[i] == '<' ? "\\u003c" : s[i] == '>' ? "\\u003e" : s[i] == '&' ? "\\u0026" : "\\u0027";
        break;
      default:
        out.resize(start_size);
        return false;
    }
    out.append(s.data() + run, i - run);
    out += escaped;
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
  return true;
}

void AppendJsonString(std::string& out, std::string_view s, const JsonDumpOptions& o) {
  if (AppendAsciiJsonString(out, s, o)) return;
  out.push_back('"');
  for (char32_t c : pystr::Decode(s)) {
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20) {
      AppendU(out, c);
    } else if (o.html_safe && (c == '<' || c == '>' || c == '&' || c == '\'')) {
      AppendU(out, c);
    } else if (c < 0x80 || !o.ensure_ascii) {
      pystr::AppendUtf8(out, c);
    } else if (c < 0x10000) {
      AppendU(out, c);
    } else {
      unsigned v = c - 0x10000;
      AppendU(out, 0xD800 + (v >> 10));
      AppendU(out, 0xDC00 + (v & 0x3FF));
    }
  }
  out.push_back('"');
}

std::string FloatJson(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "Infinity" : "-Infinity";
  return FormatFloat(f);
}

Status NotSerializable(const Value& v) {
  return Unexpected(ErrorCode::kInvalidArgument,
                    "Object of type " + std::string(v.TypeName()) + " is not JSON serializable");
}

Status Dump(std::string& out, const Value& v, const JsonDumpOptions& o, int depth);

// The common case of a dict whose keys are all strings, with at most kSmallDict of them: sorts
// the keys in place (stable insertion sort, as Python's sort orders equal keys) and appends
// them without copying. Returns false, appending nothing, for other dicts. The status of the
// values' dump is stored in `*status`.
constexpr size_t kSmallDict = 16;

template <typename Newline>
bool DumpStringKeyedDict(std::string& out, const Value& v, const JsonDumpOptions& o, int depth,
                         Newline& newline, Status* status) {
  size_t n = v.Size();
  if (n > kSmallDict) return false;
  std::pair<std::string_view, size_t> keys[kSmallDict];
  for (size_t i = 0; i < n; ++i) {
    Value k = v.KeyAt(i);
    if (!k.IsString()) return false;
    keys[i] = {k.AsString(), i};  // dict keys are views into the dict, which outlives this
  }
  if (o.sort_keys) {
    for (size_t i = 1; i < n; ++i) {
      auto key = keys[i];
      size_t j = i;
      while (j > 0 && key.first < keys[j - 1].first) {
        keys[j] = keys[j - 1];
        --j;
      }
      keys[j] = key;
    }
  }
  out.push_back('{');
  for (size_t i = 0; i < n; ++i) {
    if (i) out += o.indent ? "," : ", ";
    if (o.indent) newline(depth + 1);
    AppendJsonString(out, keys[i].first, o);
    out += ": ";
    *status = Dump(out, v.ValueAt(keys[i].second), o, depth + 1);
    if (!status->ok()) return true;
  }
  if (o.indent) newline(depth);
  out.push_back('}');
  return true;
}

// Dump of a part of the JSON context, read in place: the same text Dump writes for the Values
// that Value::FromJson makes of it (unsigned integers above INT64_MAX are floats there; binary
// is None), without making them.
Status DumpJson(std::string& out, const Json& j, const JsonDumpOptions& o, int depth) {
  if (depth > kMaxDepth) {
    return Unexpected(ErrorCode::kInvalidArgument, "maximum recursion depth exceeded");
  }
  auto newline = [&](int level) {
    out.push_back('\n');
    for (int i = 0; i < level; ++i) out += *o.indent;
  };
  switch (j.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
    case Json::value_t::binary: out += "null"; return OkStatus();
    case Json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; return OkStatus();
    case Json::value_t::number_integer: out += std::to_string(j.get<int64_t>()); return OkStatus();
    case Json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) {
        out += FloatJson(static_cast<double>(u));
      } else {
        out += std::to_string(static_cast<int64_t>(u));
      }
      return OkStatus();
    }
    case Json::value_t::number_float: out += FloatJson(j.get<double>()); return OkStatus();
    case Json::value_t::string:
      AppendJsonString(out, j.get_ref<const std::string&>(), o);
      return OkStatus();
    case Json::value_t::array: {
      if (j.empty()) {
        out += "[]";
        return OkStatus();
      }
      out.push_back('[');
      bool first = true;
      for (const Json& item : j) {
        if (!first) out += o.indent ? "," : ", ";
        first = false;
        if (o.indent) newline(depth + 1);
        GITOPS_RETURN_IF_ERROR(DumpJson(out, item, o, depth + 1));
      }
      if (o.indent) newline(depth);
      out.push_back(']');
      return OkStatus();
    }
    case Json::value_t::object: {
      if (j.empty()) {
        out += "{}";
        return OkStatus();
      }
      const auto& obj = j.get_ref<const Json::object_t&>();
      using Item = const Json::object_t::value_type*;
      // Small objects (most) are sorted in a buffer on the stack.
      constexpr size_t kSmall = 16;
      Item small[kSmall];
      std::vector<Item> large;
      Item* items = small;
      if (obj.size() > kSmall) {
        large.resize(obj.size());
        items = large.data();
      }
      size_t n = 0;
      for (const auto& kv : obj) items[n++] = &kv;
      if (o.sort_keys) {
        // Keys are unique strings; UTF-8 byte order is code point order, as Python sorts.
        std::sort(items, items + n, [](Item a, Item b) { return a->first < b->first; });
      }
      out.push_back('{');
      bool first = true;
      for (size_t i = 0; i < n; ++i) {
        Item kv = items[i];
        if (!first) out += o.indent ? "," : ", ";
        first = false;
        if (o.indent) newline(depth + 1);
        AppendJsonString(out, kv->first, o);
        out += ": ";
        GITOPS_RETURN_IF_ERROR(DumpJson(out, kv->second, o, depth + 1));
      }
      if (o.indent) newline(depth);
      out.push_back('}');
      return OkStatus();
    }
  }
  out += "null";
  return OkStatus();
}

Status Dump(std::string& out, const Value& v, const JsonDumpOptions& o, int depth) {
  if (const Json* j = v.JsonView()) return DumpJson(out, *j, o, depth);
  if (depth > kMaxDepth) {
    return Unexpected(ErrorCode::kInvalidArgument, "maximum recursion depth exceeded");
  }
  auto newline = [&](int level) {
    out.push_back('\n');
    for (int i = 0; i < level; ++i) out += *o.indent;
  };
  switch (v.kind()) {
    case Value::Kind::kNone: out += "null"; return OkStatus();
    case Value::Kind::kBool: out += v.AsBool() ? "true" : "false"; return OkStatus();
    case Value::Kind::kInt: out += std::to_string(v.AsInt()); return OkStatus();
    case Value::Kind::kBigInt: v.AsBigInt().AppendTo(out); return OkStatus();  // exact digits
    case Value::Kind::kFloat: out += FloatJson(v.AsFloat()); return OkStatus();
    case Value::Kind::kString: AppendJsonString(out, v.AsString(), o); return OkStatus();
    case Value::Kind::kList: {
      if (v.IsRange()) return NotSerializable(v);
      if (v.Size() == 0) {
        out += "[]";
        return OkStatus();
      }
      out.push_back('[');
      for (size_t i = 0; i < v.Size(); ++i) {
        if (i) out += o.indent ? "," : ", ";
        if (o.indent) newline(depth + 1);
        GITOPS_RETURN_IF_ERROR(Dump(out, v.At(i), o, depth + 1));
      }
      if (o.indent) newline(depth);
      out.push_back(']');
      return OkStatus();
    }
    case Value::Kind::kDict: {
      if (v.Size() == 0) {
        out += "{}";
        return OkStatus();
      }
      size_t n = v.Size();
      Status small = OkStatus();
      if (DumpStringKeyedDict(out, v, o, depth, newline, &small)) return small;
      std::vector<size_t> order(n);
      std::iota(order.begin(), order.end(), 0);
      if (o.sort_keys) {
        std::optional<Error> error;
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
          if (error) return false;
          auto less = Less(v.KeyAt(a), v.KeyAt(b));
          if (!less.ok()) {
            error = less.error();
            return false;
          }
          return *less;
        });
        if (error) return Unexpected(*error);
      }
      out.push_back('{');
      bool first = true;
      for (size_t i : order) {
        Value k = v.KeyAt(i);
        std::string key;
        if (k.IsString()) {
          key = std::string(k.AsString());
        } else if (k.IsBool()) {
          key = k.AsBool() ? "true" : "false";
        } else if (k.IsNone()) {
          key = "null";
        } else if (k.IsInt() || k.IsBigInt()) {
          key = ToStr(k);
        } else if (k.IsFloat()) {
          key = FloatJson(k.AsFloat());
        } else {
          return Unexpected(ErrorCode::kInvalidArgument,
                            "keys must be str, int, float, bool or None, not " +
                                std::string(k.TypeName()));
        }
        if (!first) out += o.indent ? "," : ", ";
        first = false;
        if (o.indent) newline(depth + 1);
        AppendJsonString(out, key, o);
        out += ": ";
        GITOPS_RETURN_IF_ERROR(Dump(out, v.ValueAt(i), o, depth + 1));
      }
      if (o.indent) newline(depth);
      out.push_back('}');
      return OkStatus();
    }
    default:
      return NotSerializable(v);
  }
}

}  // namespace

Result<std::string> JsonDumps(const Value& v, const JsonDumpOptions& options) {
  std::string out;
  GITOPS_RETURN_IF_ERROR(Dump(out, v, options, 0));
  return out;
}

Status AppendJsonDumps(std::string& out, const Value& v, const JsonDumpOptions& options) {
  return Dump(out, v, options, 0);
}

}  // namespace gitops::jinja
