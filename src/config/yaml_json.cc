// YAML -> JSON conversion (yaml-cpp is used only here and in no public header).
#include "config/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <limits>
#include <regex>

namespace gitops::config {
namespace {

struct ConversionError {
  std::string message;
  int line;
};

bool IsNullScalar(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

nlohmann::json PlainScalar(const std::string& s) {
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (IsNullScalar(s)) return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::regex_match(s, kInt)) {
    try {
      return std::stoll(s);
    } catch (const std::out_of_range&) {
      return s;
    }
  }
  if (std::regex_match(s, kFloat)) return std::stod(s);
  if (s == ".inf" || s == "+.inf" || s == ".Inf" || s == "+.Inf") {
    return std::numeric_limits<double>::infinity();
  }
  if (s == "-.inf" || s == "-.Inf") return -std::numeric_limits<double>::infinity();
  return s;
}

std::string Join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

nlohmann::json Convert(const YAML::Node& node, const std::string& path,
                       std::map<std::string, int>& lines) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      if (tag == "!" || tag == "tag:yaml.org,2002:str") return node.Scalar();
      return PlainScalar(node.Scalar());
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      size_t index = 0;
      for (const auto& item : node) {
        std::string item_path = path + "[" + std::to_string(index++) + "]";
        lines[item_path] = item.Mark().line + 1;
        array.push_back(Convert(item, item_path, lines));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          throw ConversionError{"keys must be plain strings", entry.first.Mark().line + 1};
        }
        std::string key = entry.first.Scalar();
        if (object.contains(key)) {
          throw ConversionError{"duplicate key '" + key + "'", entry.first.Mark().line + 1};
        }
        std::string child_path = Join(path, key);
        lines[child_path] = entry.first.Mark().line + 1;
        object[key] = Convert(entry.second, child_path, lines);
      }
      return object;
    }
  }
  return nullptr;
}

}  // namespace

Result<YamlDocument> ParseYamlToJson(std::string_view text, std::string_view file_name) {
  YamlDocument doc;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    doc.value = Convert(root, "", doc.lines);
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    std::string where = std::string(file_name) + (line > 0 ? ":" + std::to_string(line) : "");
    return Unexpected(ErrorCode::kInvalidArgument, where + ": " + e.msg, where);
  } catch (const ConversionError& e) {
    std::string where = std::string(file_name) + ":" + std::to_string(e.line);
    return Unexpected(ErrorCode::kInvalidArgument, where + ": " + e.message, where);
  }
  return doc;
}

int LineOf(const YamlDocument& doc, std::string key_path) {
  while (!key_path.empty()) {
    auto it = doc.lines.find(key_path);
    if (it != doc.lines.end()) return it->second;
    size_t cut = key_path.find_last_of(".[");
    if (cut == std::string::npos) break;
    key_path.resize(cut);
  }
  return 0;
}

}  // namespace gitops::config
