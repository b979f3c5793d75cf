// .env parsing, line by line.
#include "config/dotenv.h"

#include <cctype>
#include <optional>

namespace gitops::config {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }
bool IsKeyStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsKeyChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

void SkipSpaces(std::string_view line, size_t& pos) {
  while (pos < line.size() && IsSpace(line[pos])) ++pos;
}

// After a closing quote only spaces and a comment may follow. Returns an error text or "".
std::string CheckTrailer(std::string_view line, size_t pos) {
  SkipSpaces(line, pos);
  if (pos < line.size() && line[pos] != '#') {
    return "unexpected text after the closing quote";
  }
  return "";
}

// Parses one non-blank, non-comment line into key and value; returns an error text or "".
std::string ParseLine(std::string_view line, std::string& key, std::string& value) {
  size_t pos = 0;
  SkipSpaces(line, pos);
  if (line.substr(pos, 7) == "export " || line.substr(pos, 7) == "export\t") {
    pos += 7;
    SkipSpaces(line, pos);
  }
  size_t key_start = pos;
  if (pos >= line.size() || !IsKeyStart(line[pos])) {
    return "expected KEY=value (a key starts with a letter or '_')";
  }
  while (pos < line.size() && IsKeyChar(line[pos])) ++pos;
  key = std::string(line.substr(key_start, pos - key_start));
  SkipSpaces(line, pos);
  if (pos >= line.size() || line[pos] != '=') {
    return "expected '=' after " + key;
  }
  ++pos;
  SkipSpaces(line, pos);
  value.clear();
  if (pos < line.size() && line[pos] == '"') {
    ++pos;
    while (pos < line.size() && line[pos] != '"') {
      char c = line[pos];
      if (c == '\\' && pos + 1 < line.size()) {
        char next = line[pos + 1];
        switch (next) {
          case 'n':
            value.push_back('\n');
            break;
          case 't':
            value.push_back('\t');
            break;
          case 'r':
            value.push_back('\r');
            break;
          case '"':
          case '\\':
          case '$':
            value.push_back(next);
            break;
          default:
            value.push_back('\\');
            value.push_back(next);
            break;
        }
        pos += 2;
        continue;
      }
      value.push_back(c);
      ++pos;
    }
    if (pos >= line.size()) return "unterminated double-quoted value for " + key;
    return CheckTrailer(line, pos + 1);
  }
  if (pos < line.size() && line[pos] == '\'') {
    size_t end = line.find('\'', pos + 1);
    if (end == std::string_view::npos) return "unterminated single-quoted value for " + key;
    value = std::string(line.substr(pos + 1, end - pos - 1));
    return CheckTrailer(line, end + 1);
  }
  size_t end = line.size();
  for (size_t i = pos; i < line.size(); ++i) {
    if (line[i] == '#' && i > pos && IsSpace(line[i - 1])) {
      end = i;
      break;
    }
  }
  while (end > pos && IsSpace(line[end - 1])) --end;
  value = std::string(line.substr(pos, end - pos));
  return "";
}

}  // namespace

Result<EnvMap> ParseDotEnv(std::string_view text, std::string_view file_name) {
  EnvMap result;
  int line_number = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t");
    if (first != std::string_view::npos && line[first] != '#') {
      std::string key;
      std::string value;
      std::string problem = ParseLine(line, key, value);
      if (!problem.empty()) {
        return Unexpected(
            ErrorCode::kInvalidArgument,
            std::string(file_name) + ":" + std::to_string(line_number) + ": " + problem,
            std::string(file_name) + ":" + std::to_string(line_number));
      }
      result[key] = std::move(value);
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  return result;
}

}  // namespace gitops::config
