#include "config/dotenv.h"

#include <gtest/gtest.h>

namespace gitops::config {
namespace {

struct DotEnvCase {
  std::string text;
  std::string key;
  std::string value;
};

TEST(ParseDotEnvTest, ValueTable) {
  const DotEnvCase cases[] = {
      {"PORT=8080", "PORT", "8080"},
      {"  PORT = 8080  ", "PORT", "8080"},
      {"export PORT=8080", "PORT", "8080"},
      {"PORT=8080 # comment", "PORT", "8080"},
      {"URL=http://h/p#frag", "URL", "http://h/p#frag"},
      {"A=\"quoted value\"", "A", "quoted value"},
      {"A=\"with # hash\" # comment", "A", "with # hash"},
      {"A=\"line\\nbreak \\\"q\\\" \\\\ \\$x\"", "A", "line\nbreak \"q\" \\ $x"},
      {"A='single $x \\n'", "A", "single $x \\n"},
      {"A=", "A", ""},
      {"A=''", "A", ""},
      {"A=x\r", "A", "x"},
      {"_UNDER_1=v", "_UNDER_1", "v"},
      {"A=a=b", "A", "a=b"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseDotEnv(c.text, ".env");
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error().message;
    ASSERT_EQ(parsed->count(c.key), 1u) << c.text;
    EXPECT_EQ(parsed->at(c.key), c.value) << c.text;
  }
}

TEST(ParseDotEnvTest, SkipsBlankAndCommentLines) {
  auto parsed = ParseDotEnv("# header\n\n   \n  # indented comment\nA=1\n", ".env");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->size(), 1u);
  EXPECT_EQ(parsed->at("A"), "1");
}

TEST(ParseDotEnvTest, LaterLineWins) {
  auto parsed = ParseDotEnv("A=1\nA=2\n", ".env");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->at("A"), "2");
}

TEST(ParseDotEnvTest, BadLineNamesFileAndLine) {
  const std::pair<std::string, std::string> cases[] = {
      {"A=1\nNOEQUALS\n", ".env:2: expected '=' after NOEQUALS"},
      {"A=1\n\n1A=2\n", ".env:3: expected KEY=value (a key starts with a letter or '_')"},
      {"A=\"open\n", ".env:1: unterminated double-quoted value for A"},
      {"A='open\n", ".env:1: unterminated single-quoted value for A"},
      {"A=\"x\" trailing\n", ".env:1: unexpected text after the closing quote"},
      {"=v\n", ".env:1: expected KEY=value (a key starts with a letter or '_')"},
  };
  for (const auto& [text, message] : cases) {
    auto parsed = ParseDotEnv(text, ".env");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().message, message) << text;
  }
}

}  // namespace
}  // namespace gitops::config
