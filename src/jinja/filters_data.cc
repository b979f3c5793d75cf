// Serializing filters: Jinja's tojson and the service's to_json, to_yaml, to_nice_yaml,
// b64encode and b64decode (defined as the prototype defined them in Python).
#include <string>

#include "jinja/filters_internal.h"
#include "jinja/filters_util.h"
#include "jinja/json_emit.h"
#include "jinja/pystr.h"
#include "jinja/yaml_emit.h"

namespace gitops::jinja::builtins {
namespace {

Result<std::string_view> RequireStr(const Value& in, std::string_view what) {
  if (in.IsString()) return in.AsString();
  if (in.IsUndefined()) return Unexpected(UndefinedError(in));
  return Unexpected(TypeError("'" + std::string(in.TypeName()) + "' object has no attribute '" +
                              std::string(what) + "'"));
}

int B64Index(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Index of the first byte that is not valid UTF-8, or npos.
size_t InvalidUtf8At(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 && c >= 0xC2 ? 2 : (c >> 4) == 0xE ? 3
               : (c >> 3) == 0x1E && c <= 0xF4 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return i;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    }
    if (n == 3) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return i;
    }
    if (n == 4) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) return i;
    }
    i += n;
  }
  return std::string_view::npos;
}

}  // namespace

Result<Value> ToJsonFilter(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "do_tojson", {"indent"}));
  if (in.IsUndefined() && rt.strict_undefined()) return Unexpected(UndefinedError(in));
  JsonDumpOptions options;
  options.sort_keys = true;
  options.html_safe = true;
  Value indent = ArgOr(args, 0, "indent", Value::None());
  if (indent.IsString()) {
    options.indent = std::string(indent.AsString());
  } else if (!indent.IsNone()) {
    JINJA_ASSIGN_OR_RETURN(int64_t n, AsIntArg(indent, ""));
    // The indent is repeated on every line, so a huge one could only exhaust memory (Python
    // raises MemoryError); refuse it up front instead of allocating it.
    constexpr int64_t kMaxIndent = 1 << 16;
    if (n > kMaxIndent) {
      return Unexpected(ErrorCode::kResourceExhausted,
                        "tojson indent " + std::to_string(n) + " is too large (at most " +
                            std::to_string(kMaxIndent) + ")");
    }
    options.indent = std::string(n > 0 ? static_cast<size_t>(n) : 0, ' ');
  }
  JINJA_ASSIGN_OR_RETURN(std::string s, JsonDumps(in, options));
  return Value::Markup(std::move(s));
}

Result<Value> ToJsonDumps(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "to_json", {}));
  if (in.IsUndefined() && rt.strict_undefined()) return Unexpected(UndefinedError(in));
  JINJA_ASSIGN_OR_RETURN(std::string s, JsonDumps(in, JsonDumpOptions{}));
  return Value::Str(std::move(s));
}

Result<Value> ToYaml(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "to_yaml", {}));
  if (in.IsUndefined() && rt.strict_undefined()) return Unexpected(UndefinedError(in));
  JINJA_ASSIGN_OR_RETURN(std::string s, YamlSafeDump(in, YamlDumpOptions{}));
  return Value::Str(std::move(s));
}

Result<Value> ToNiceYaml(Runtime& rt, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "to_nice_yaml", {"indent"}));
  if (in.IsUndefined() && rt.strict_undefined()) return Unexpected(UndefinedError(in));
  YamlDumpOptions options;
  JINJA_ASSIGN_OR_RETURN(int64_t indent, AsIntArg(ArgOr(args, 0, "indent", Value::Int(2)), ""));
  options.indent = static_cast<int>(indent);
  JINJA_ASSIGN_OR_RETURN(std::string s, YamlSafeDump(in, options));
  return Value::Str(std::move(s));
}

Result<Value> B64Encode(Runtime&, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "b64encode", {}));
  JINJA_ASSIGN_OR_RETURN(std::string_view s, RequireStr(in, "encode"));
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((s.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= s.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(s[i]) << 16) | (static_cast<uint8_t>(s[i + 1]) << 8) |
                 static_cast<uint8_t>(s[i + 2]);
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
  }
  if (s.size() - i == 1) {
    uint32_t n = static_cast<uint8_t>(s[i]) << 16;
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (s.size() - i == 2) {
    uint32_t n = (static_cast<uint8_t>(s[i]) << 16) | (static_cast<uint8_t>(s[i + 1]) << 8);
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return Value::Str(std::move(out));
}

Result<Value> B64Decode(Runtime&, const Value& in, CallArgs& args) {
  GITOPS_RETURN_IF_ERROR(CheckArgs(args, "b64decode", {}));
  JINJA_ASSIGN_OR_RETURN(std::string_view s, RequireStr(in, "encode"));
  // binascii.a2b_base64 without strict mode: skips characters outside the alphabet, stops
  // when padding completes a quad.
  std::string out;
  uint32_t acc = 0;
  int quad_pos = 0, pads = 0;
  size_t data_chars = 0;
  bool done = false;
  for (char c : s) {
    if (c == '=') {
      if (quad_pos >= 2 && quad_pos + ++pads >= 4) {
        done = true;
        break;
      }
      continue;
    }
    int v = B64Index(c);
    if (v < 0) continue;
    pads = 0;
    ++data_chars;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    if (++quad_pos == 4) {
      out.push_back(static_cast<char>((acc >> 16) & 0xFF));
      out.push_back(static_cast<char>((acc >> 8) & 0xFF));
      out.push_back(static_cast<char>(acc & 0xFF));
      acc = 0;
      quad_pos = 0;
    }
  }
  if (done) {
    if (quad_pos == 2) {
      out.push_back(static_cast<char>((acc >> 4) & 0xFF));
    } else if (quad_pos == 3) {
      out.push_back(static_cast<char>((acc >> 10) & 0xFF));
      out.push_back(static_cast<char>((acc >> 2) & 0xFF));
    }
  } else if (quad_pos == 1) {
    return Unexpected(TypeError("Invalid base64-encoded string: number of data characters (" +
                                std::to_string(data_chars) +
                                ") cannot be 1 more than a multiple of 4"));
  } else if (quad_pos != 0) {
    return Unexpected(TypeError("Incorrect padding"));
  }
  size_t bad = InvalidUtf8At(out);
  if (bad != std::string::npos) {
    unsigned char lead = static_cast<unsigned char>(out[bad]);
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    const char* reason = (lead < 0xC2 || lead > 0xF4) ? "invalid start byte"
                         : bad + want > out.size()   ? "unexpected end of data"
                                                     : "invalid continuation byte";
    char buf[160];
    std::snprintf(buf, sizeof buf, "'utf-8' codec can't decode byte 0x%02x in position %zu: %s",
                  static_cast<unsigned>(lead), bad, reason);
    return Unexpected(TypeError(buf));
  }
  return Value::Str(std::move(out));
}

}  // namespace gitops::jinja::builtins
