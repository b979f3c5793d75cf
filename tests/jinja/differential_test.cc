// Differential test of the template engine against Jinja2: every case of the oracle's
// expected-results file (tests/jinja/oracle.py) is rendered by gitops::jinja and compared.
//
// Usage: jinja_differential_test [gtest flags] --expected=PATH   (or env JINJA_EXPECTED=PATH)
// Each case is its own test, named <case file>.<case id>, e.g. filters.flt_round.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jinja/jinja.h"

namespace gitops::jinja {
namespace {

constexpr size_t kContextBytes = 60;  // bytes shown around the first difference

// Returns `s` with control characters, backslashes and non-ASCII bytes escaped, so a mismatch in
// whitespace or encoding is visible: "a\n\tb" -> a\n\tb, "\xc3\xa9" -> \xc3\xa9.
std::string Escaped(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (unsigned char c : s) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

size_t FirstDifference(std::string_view a, std::string_view b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

// Counts lines up to byte `offset` (1-based), to say where in the output a mismatch starts.
size_t LineOf(std::string_view s, size_t offset) {
  size_t line = 1;
  for (size_t i = 0; i < offset && i < s.size(); ++i) line += s[i] == '\n';
  return line;
}

std::string Around(std::string_view s, size_t offset) {
  size_t begin = offset > kContextBytes ? offset - kContextBytes : 0;
  return Escaped(s.substr(begin, 2 * kContextBytes));
}

std::string MismatchReport(std::string_view expected, std::string_view actual) {
  size_t at = FirstDifference(expected, actual);
  std::ostringstream os;
  os << "output differs from Jinja2 at byte " << at << " (output line " << LineOf(expected, at)
     << "; expected " << expected.size() << " bytes, got " << actual.size() << ")\n"
     << "  near, Jinja2: \"" << Around(expected, at) << "\"\n"
     << "  near, engine: \"" << Around(actual, at) << "\"\n"
     << "  Jinja2: \"" << Escaped(expected) << "\"\n"
     << "  engine: \"" << Escaped(actual) << "\"";
  return os.str();
}

// An error message "says the line" when it has the word "line" or the "<name>:<number>" form.
bool MentionsLine(const std::string& message, const std::string& template_name) {
  if (message.find("line") != std::string::npos) return true;
  size_t pos = 0;
  while ((pos = message.find(template_name + ":", pos)) != std::string::npos) {
    pos += template_name.size() + 1;
    if (pos < message.size() && message[pos] >= '0' && message[pos] <= '9') return true;
  }
  return false;
}

std::string Describe(const Json& c) {
  std::ostringstream os;
  os << "case " << c.at("id").get<std::string>() << " (tests/jinja/cases/"
     << c.at("file").get<std::string>() << "), main template " << c.at("name").get<std::string>()
     << (c.at("strict").get<bool>() ? ", strict" : "") << "\n";
  for (const auto& [name, source] : c.at("templates").items()) {
    os << "  template " << name << ": \"" << Escaped(source.get<std::string>()) << "\"\n";
  }
  os << "  values: " << c.at("values").dump();
  return os.str();
}

// One differential case: compile through a MapLoader of the case's templates, render, compare.
class DifferentialCase : public testing::Test {
 public:
  explicit DifferentialCase(const Json* c) : case_(*c) {}

  void TestBody() override {
    SCOPED_TRACE(Describe(case_));
    std::map<std::string, std::string> sources;
    for (const auto& [name, source] : case_.at("templates").items()) {
      sources.emplace(name, source.get<std::string>());
    }
    Options options;
    options.strict_undefined = case_.at("strict").get<bool>();
    Environment env(options, std::make_shared<MapLoader>(std::move(sources)));
    const std::string name = case_.at("name").get<std::string>();
    const Json& values = case_.at("values");

    Result<TemplatePtr> compiled = env.GetTemplate(name);
    Result<std::string> rendered =
        compiled.ok() ? (*compiled)->Render(values) : Result<std::string>(compiled.error());

    if (case_.contains("output")) {
      const std::string expected = case_.at("output").get<std::string>();
      ASSERT_TRUE(rendered.ok()) << "Jinja2 renders \"" << Escaped(expected)
                                 << "\", the engine failed: " << rendered.error().message;
      if (*rendered != expected) {
        ADD_FAILURE() << MismatchReport(expected, *rendered);
        return;
      }
      // Compiled templates are immutable: a second render gives the same bytes.
      Result<std::string> again = (*compiled)->Render(values);
      ASSERT_TRUE(again.ok()) << "second render failed: " << again.error().message;
      EXPECT_EQ(*again, expected) << "second render of the same compiled template differs";
      return;
    }

    const Json& error = case_.at("error");
    const std::string jinja_error =
        error.at("type").get<std::string>() + ": " + error.at("message").get<std::string>();
    const std::string where =
        error.at("template").is_string() ? error.at("template").get<std::string>() : name;
    std::string jinja_line =
        error.at("line").is_number() ? std::to_string(error.at("line").get<int>()) : "?";
    ASSERT_FALSE(rendered.ok()) << "Jinja2 fails with " << jinja_error << " (" << where << " line "
                                << jinja_line << "), the engine rendered \"" << Escaped(*rendered)
                                << "\"";
    const std::string& message = rendered.error().message;
    EXPECT_NE(message.find(where), std::string::npos)
        << "error message lacks the template name '" << where << "': " << message
        << "\n  (Jinja2: " << jinja_error << " at " << where << " line " << jinja_line << ")";
    EXPECT_TRUE(MentionsLine(message, where))
        << "error message gives no line: " << message << "\n  (Jinja2: " << jinja_error << " at "
        << where << " line " << jinja_line << ")";
  }

 private:
  const Json& case_;
};

std::string SuiteName(const std::string& file) {
  std::string stem = file.substr(0, file.find('.'));
  for (char& ch : stem) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return stem;
}

}  // namespace
}  // namespace gitops::jinja

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  std::string path;
  if (const char* env = std::getenv("JINJA_EXPECTED")) path = env;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.rfind("--expected=", 0) == 0) path = std::string(arg.substr(11));
  }
  if (path.empty()) {
    std::fprintf(stderr,
                 "usage: %s --expected=PATH (or JINJA_EXPECTED=PATH); PATH is written "
                 "by tests/jinja/oracle.py --out PATH\n",
                 argv[0]);
    return 2;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s: run /usr/bin/python3 tests/jinja/oracle.py --out %s\n",
                 path.c_str(), path.c_str());
    return 2;
  }
  // Values must keep document order (Python dict order): ordered_json, as the engine uses.
  static gitops::jinja::Json doc;
  try {
    doc = gitops::jinja::Json::parse(in);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot parse %s: %s\n", path.c_str(), e.what());
    return 2;
  }
  const auto& cases = doc.at("cases");
  if (cases.empty()) {
    std::fprintf(stderr, "%s holds no cases\n", path.c_str());
    return 2;
  }
  for (const auto& c : cases) {
    const gitops::jinja::Json* ptr = &c;
    testing::RegisterTest(
        gitops::jinja::SuiteName(c.at("file").get<std::string>()).c_str(),
        c.at("id").get<std::string>().c_str(), nullptr, nullptr, __FILE__, __LINE__,
        [ptr]() -> testing::Test* { return new gitops::jinja::DifferentialCase(ptr); });
  }
  std::printf("jinja differential: %zu cases from %s (Jinja2 %s)\n", cases.size(), path.c_str(),
              doc.value("jinja2_version", std::string("?")).c_str());
  return RUN_ALL_TESTS();
}
