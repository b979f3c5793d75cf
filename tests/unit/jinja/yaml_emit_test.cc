#include "jinja/yaml_emit.h"

#include <gtest/gtest.h>

namespace gitops::jinja {
namespace {

// Owned Values from JSON; {"$tuple": [...]} stands for a tuple.
Value Convert(const Json& j) {
  if (j.is_object()) {
    if (j.contains("$tuple")) {
      ValueList items;
      for (const auto& x : j["$tuple"]) items.push_back(Convert(x));
      return Value::Tuple(std::move(items));
    }
    DictData d;
    for (const auto& [k, v] : j.items()) d.Set(Value::Str(k), Convert(v));
    return Value::Dict(std::move(d));
  }
  if (j.is_array()) {
    ValueList items;
    for (const auto& x : j) items.push_back(Convert(x));
    return Value::List(std::move(items));
  }
  if (j.is_string()) return Value::Str(j.get<std::string>());
  return Value::FromJson(j);
}

struct YamlCase {
  const char* input_json;
  int indent;
  const char* want_json;  // json.dumps of PyYAML's output
};

// Expected outputs from PyYAML 6.0.3: yaml.safe_dump(value, default_flow_style=False,
// sort_keys=False, indent=indent); the generator also checked that each output loads back
// to the input.
const YamlCase kCases[] = {
    {R"~({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev", "labels": {"tenant.io/id": "t1", "managed-by": "gitops-api"}}})~", 2, R"~("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n  labels:\n    tenant.io/id: t1\n    managed-by: gitops-api\n")~"},
    {R"~({"spec": {"containers": [{"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}], "args": ["--a", "-b"]}]}})~", 2, R"~("spec:\n  containers:\n  - name: web\n    image: nginx:1.25\n    ports:\n    - containerPort: 80\n    args:\n    - --a\n    - -b\n")~"},
    {R"~({"a": [{"b": 1, "c": [1, 2]}], "d": {"e": [[1]]}})~", 4, R"~("a:\n-   b: 1\n    c:\n    - 1\n    - 2\nd:\n    e:\n    -   - 1\n")~"},
    {R"~({"a": [{"b": 1, "c": [1, 2]}], "d": {"e": [[1]]}})~", 2, R"~("a:\n- b: 1\n  c:\n  - 1\n  - 2\nd:\n  e:\n  - - 1\n")~"},
    {R"~([[1, 2], [3], [], {}])~", 2, R"~("- - 1\n  - 2\n- - 3\n- []\n- {}\n")~"},
    {R"~({"e": {}, "l": [], "n": null, "t": true, "f": false})~", 2, R"~("e: {}\nl: []\nn: null\nt: true\nf: false\n")~"},
    {R"~({"i": 1, "neg": -5, "f": 1.5, "big": 1e+20, "small": 1e-05, "third": 0.3333333333333333, "whole": 100.0})~", 2, R"~("i: 1\nneg: -5\nf: 1.5\nbig: 1.0e+20\nsmall: 1.0e-05\nthird: 0.3333333333333333\nwhole: 100.0\n")~"},
    {R"~("plain")~", 2, R"~("plain\n...\n")~"},
    {R"~("")~", 2, R"~("''\n")~"},
    {R"~(1)~", 2, R"~("1\n...\n")~"},
    {R"~(null)~", 2, R"~("null\n...\n")~"},
    {R"~(true)~", 2, R"~("true\n...\n")~"},
    {R"~(1.0)~", 2, R"~("1.0\n...\n")~"},
    {R"~([])~", 2, R"~("[]\n")~"},
    {R"~({})~", 2, R"~("{}\n")~"},
    {R"~(["yes", "no", "on", "off", "y", "n", "true", "False", "null", "~", "NULL", "nulL"])~", 2, R"~("- 'yes'\n- 'no'\n- 'on'\n- 'off'\n- y\n- n\n- 'true'\n- 'False'\n- 'null'\n- '~'\n- 'NULL'\n- nulL\n")~"},
    {R"~(["123", "1.5", "0o17", "017", "0x1F", "1e5", "1_000", "12:30", "-1", "+1", ".5", "1.", ".inf", "-.inf", ".nan", "0b101", "1e+5", "1.0e+5"])~", 2, R"~("- '123'\n- '1.5'\n- 0o17\n- '017'\n- '0x1F'\n- 1e5\n- '1_000'\n- '12:30'\n- '-1'\n- '+1'\n- '.5'\n- '1.'\n- '.inf'\n- '-.inf'\n- '.nan'\n- '0b101'\n- 1e+5\n- '1.0e+5'\n")~"},
    {R"~(["2024-01-01", "2024-1-1", "2024-01-01T10:00:00Z", "2024-01-01 10:00:00", "20240101", "2024-01-01x"])~", 2, R"~("- '2024-01-01'\n- 2024-1-1\n- '2024-01-01T10:00:00Z'\n- '2024-01-01 10:00:00'\n- '20240101'\n- 2024-01-01x\n")~"},
    {R"~(["- a", "-a", "a: b", "a:b", "a #b", "a#b", "#x", "?x", "? x", ":x", ": x", "!tag", "&a", "*a", "%x", "@x", "`x", "|x", ">x", "'q'", "\"q\"", "[x]", "{x}", "a,b", "x: ", "---", "...", "--x", "<<", "=", "a[b]"])~", 2, R"~("- '- a'\n- -a\n- 'a: b'\n- a:b\n- 'a #b'\n- a#b\n- '#x'\n- ?x\n- '? x'\n- :x\n- ': x'\n- '!tag'\n- '&a'\n- '*a'\n- '%x'\n- '@x'\n- '`x'\n- '|x'\n- '>x'\n- '''q'''\n- '\"q\"'\n- '[x]'\n- '{x}'\n- a,b\n- 'x: '\n- '---'\n- '...'\n- --x\n- '<<'\n- '='\n- a[b]\n")~"},
    {R"~([" lead", "trail ", "in side", "\tx", "a\tb", "x\r\ny", "bell\u0007", "\u0000"])~", 2, R"~("- ' lead'\n- 'trail '\n- in side\n- \"\\tx\"\n- \"a\\tb\"\n- \"x\\r\\ny\"\n- \"bell\\a\"\n- \"\\0\"\n")~"},
    {R"~(["a\nb", "a\n", "\nb", "a\n\nb", "a \nb", "a\n b", "line one\nline two\nline three"])~", 2, R"~("- 'a\n\n  b'\n- 'a\n\n  '\n- '\n\n  b'\n- 'a\n\n\n  b'\n- \"a \\nb\"\n- \"a\\n b\"\n- 'line one\n\n  line two\n\n  line three'\n")~"},
    {R"~({"script": "#!/bin/sh\nset -e\necho hi\n"})~", 2, R"~("script: '#!/bin/sh\n\n  set -e\n\n  echo hi\n\n  '\n")~"},
    {R"~(["héllo", "ünïcode ✓", "😀", "café au lait", " nb", " sep", "﻿bom"])~", 2, R"~("- \"h\\xE9llo\"\n- \"\\xFCn\\xEFcode \\u2713\"\n- \"\\U0001F600\"\n- \"caf\\xE9 au lait\"\n- \"\\_nb\"\n- \"\\Lsep\"\n- \"\\uFEFFbom\"\n")~"},
    {R"~(["it's", "it's a \"quote\"", "back\\slash", "'"])~", 2, R"~("- it's\n- it's a \"quote\"\n- back\\slash\n- ''''\n")~"},
    {R"~("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")~", 2, R"~("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n...\n")~"},
    {R"~("word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39")~", 2, R"~("word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13\n  word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25\n  word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37\n  word38 word39\n...\n")~"},
    {R"~({"k": "word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39"})~", 2, R"~("k: word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12\n  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24\n  word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36\n  word37 word38 word39\n")~"},
    {R"~({"k": ["word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39"]})~", 2, R"~("k:\n- word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12\n  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24\n  word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36\n  word37 word38 word39\n")~"},
    {R"~({"deep": {"er": {"est": "word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39"}}})~", 2, R"~("deep:\n  er:\n    est: word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11\n      word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22\n      word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33\n      word34 word35 word36 word37 word38 word39\n")~"},
    {R"~({"k": "it's word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39"})~", 2, R"~("k: it's word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11\n  word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23\n  word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35\n  word36 word37 word38 word39\n")~"},
    {R"~({"k": "yes word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39 yes"})~", 2, R"~("k: yes word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12\n  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24\n  word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36\n  word37 word38 word39 yes\n")~"},
    {R"~({"k": "tab\tword0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39"})~", 2, R"~("k: \"tab\\tword0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11\\\n  \\ word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23\\\n  \\ word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35\\\n  \\ word36 word37 word38 word39\"\n")~"},
    {R"~({"k": "multi word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39\nline word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39"})~", 2, R"~("k: 'multi word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11\n  word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23\n  word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35\n  word36 word37 word38 word39\n\n  line word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12\n  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24\n  word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36\n  word37 word38 word39'\n")~"},
    {R"~({"k": "é word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39"})~", 2, R"~("k: \"\\xE9 word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11\\\n  \\ word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23\\\n  \\ word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35\\\n  \\ word36 word37 word38 word39\"\n")~"},
    {R"~("é word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39")~", 2, R"~("\"\\xE9 word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12\\\n  \\ word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24\\\n  \\ word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36\\\n  \\ word37 word38 word39\"\n")~"},
    {R"~({"": 1, "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk": 2, "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq": 3, "a\nb": 4, "yes": 5, "1": 6, "x y": 7, "- z": 8})~", 2, R"~("? ''\n: 1\nkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: 2\n? qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\n: 3\n? 'a\n\n  b'\n: 4\n'yes': 5\n'1': 6\nx y: 7\n'- z': 8\n")~"},
    {R"~({"t": {"$tuple": [1, "a"]}})~", 2, R"~("t:\n- 1\n- a\n")~"},
    {R"~({"$tuple": []})~", 2, R"~("[]\n")~"},
    {R"~({"a": [{"b": {"c": [{"d": 1}]}}]})~", 3, R"~("a:\n-  b:\n      c:\n      -  d: 1\n")~"},
    {R"~({"a": [[{"x": 1, "y": [2]}]]})~", 4, R"~("a:\n-   -   x: 1\n        y:\n        - 2\n")~"},
    {R"~([{"a": 1}, {"b": {"c": 2}}])~", 2, R"~("- a: 1\n- b:\n    c: 2\n")~"},
    {R"~({"list": [null, "", " ", "null"]})~", 2, R"~("list:\n- null\n- ''\n- ' '\n- 'null'\n")~"},
    {R"~(["a  b", "a   ", "  "])~", 2, R"~("- a  b\n- 'a   '\n- '  '\n")~"},
    {R"~({"k": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbb"})~", 2, R"~("k: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbb\n")~"},
    {R"~({"k": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbb c"})~", 2, R"~("k: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbb\n  c\n")~"},
    {R"~({"k": "word word word word word word word word word word word word word word word word word word word word x"})~", 2, R"~("k: word word word word word word word word word word word word word word word word\n  word word word word x\n")~"},
    {R"~({"k": "wwwwwwwwww  wwwwwwwwww  wwwwwwwwww  wwwwwwwwww  wwwwwwwwww  wwwwwwwwww  wwwwwwwwww  wwwwwwwwww  "})~", 2, R"~("k: 'wwwwwwwwww  wwwwwwwwww  wwwwwwwwww  wwwwwwwwww  wwwwwwwwww  wwwwwwwwww  wwwwwwwwww  wwwwwwwwww  '\n")~"},
    {R"~({"k": "quoted' quoted' quoted' quoted' quoted' quoted' quoted' quoted' quoted' quoted' quoted' quoted' quoted' quoted' quoted' "})~", 2, R"~("k: 'quoted'' quoted'' quoted'' quoted'' quoted'' quoted'' quoted'' quoted'' quoted''\n  quoted'' quoted'' quoted'' quoted'' quoted'' quoted'' '\n")~"},
    {R"~({"k": "éééééééééééééééééééééééééééééééééééééééééééééééééé éééééééééééééééééééééééééééééééééééééééééééééééééé "})~", 2, R"~("k: \"\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\\n  \\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\\n  \\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9 \\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\\n  \\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\\n  \\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\xE9\\\n  \\ \"\n")~"},
    {R"~({"k": "a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\"})~", 2, R"~("k: a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\\n")~"},
};

TEST(YamlEmitTest, MatchesPyYaml) {
  for (const auto& c : kCases) {
    Value v = Convert(Json::parse(c.input_json));
    YamlDumpOptions options;
    options.indent = c.indent;
    auto got = YamlSafeDump(v, options);
    ASSERT_TRUE(got.ok()) << c.input_json << ": " << got.error().message;
    EXPECT_EQ(*got, Json::parse(c.want_json).get<std::string>()) << c.input_json;
  }
}

TEST(YamlEmitTest, ScalarStylesOfAsciiAndNonAsciiStrings) {
  // A mapping of each string to itself; PyYAML 6 (/usr/bin/python3):
  // yaml.safe_dump(value, default_flow_style=False, sort_keys=False). Covers the ASCII fast
  // path (plain words, indicators, resolver words, numbers, quoting) and decoded text.
  Json input = Json::parse(R"~({"a-b": "a-b", "-a": "-a", "-": "-", "--": "--", "---x": "---x", "...x": "...x", ".x": ".x", "x.": "x.", "a/b": "a/b", "_x": "_x", "a_b.c-d/e": "a_b.c-d/e", "x:y": "x:y", "x: y": "x: y", "x#y": "x#y", "x #y": "x #y", "#x": "#x", "?x": "?x", "? x": "? x", ":x": ":x", "yes": "yes", "Yes": "Yes", "on": "on", "OFF": "OFF", "null": "null", "~": "~", "<<": "<<", "=": "=", "1": "1", "1.5": "1.5", "0x1F": "0x1F", "1_000": "1_000", "2024-01-15": "2024-01-15", ".5": ".5", ".inf": ".inf", "+1": "+1", "-1": "-1", "1e5": "1e5", "1:30": "1:30", "y": "y", "n": "n", "true1": "true1", "nullx": "nullx", "Normal": "Normal", "TRUEx": "TRUEx", "abcdef": "abcdef", "&a": "&a", "*a": "*a", "!a": "!a", "a b": "a b", " a": " a", "a ": "a ", "a\nb": "a\nb", "a'b": "a'b", "a\"b": "a\"b", "a\\b": "a\\b", "a\tb": "a\tb", "é": "é", "naïve-name": "naïve-name", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "word word word word word word word word word word word word word word word word word word word word ": "word word word word word word word word word word word word word word word word word word word word ", "ab cd": "ab cd", "été: x": "été: x"})~");
  std::string want = Json::parse(R"~("a-b: a-b\n-a: -a\n'-': '-'\n--: --\n'---x': '---x'\n'...x': '...x'\n.x: .x\nx.: x.\na/b: a/b\n_x: _x\na_b.c-d/e: a_b.c-d/e\nx:y: x:y\n'x: y': 'x: y'\nx#y: x#y\n'x #y': 'x #y'\n'#x': '#x'\n?x: ?x\n'? x': '? x'\n:x: :x\n'yes': 'yes'\n'Yes': 'Yes'\n'on': 'on'\n'OFF': 'OFF'\n'null': 'null'\n'~': '~'\n'<<': '<<'\n'=': '='\n'1': '1'\n'1.5': '1.5'\n'0x1F': '0x1F'\n'1_000': '1_000'\n'2024-01-15': '2024-01-15'\n'.5': '.5'\n'.inf': '.inf'\n'+1': '+1'\n'-1': '-1'\n1e5: 1e5\n'1:30': '1:30'\ny: y\nn: n\ntrue1: true1\nnullx: nullx\nNormal: Normal\nTRUEx: TRUEx\nabcdef: abcdef\n'&a': '&a'\n'*a': '*a'\n'!a': '!a'\na b: a b\n' a': ' a'\n'a ': 'a '\n? 'a\n\n  b'\n: 'a\n\n  b'\na'b: a'b\na\"b: a\"b\na\\b: a\\b\n\"a\\tb\": \"a\\tb\"\n\"\\xE9\": \"\\xE9\"\n\"na\\xEFve-name\": \"na\\xEFve-name\"\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n'word word word word word word word word word word word word word word word word word word word word ': 'word\n  word word word word word word word word word word word word word word word word\n  word word word '\n? \"ab\\Lcd\"\n: \"ab\\Lcd\"\n\"\\xE9t\\xE9: x\": \"\\xE9t\\xE9: x\"\n")~").get<std::string>();
  auto got = YamlSafeDump(Convert(input), YamlDumpOptions{});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, want);
}

TEST(YamlEmitTest, NonStringKeysArePlain) {
  DictData d;
  d.Set(Value::Int(1), Value::StrView("a"));
  d.Set(Value::Float(2.5), Value::StrView("b"));
  d.Set(Value::None(), Value::StrView("c"));
  d.Set(Value::Bool(false), Value::StrView("d"));
  d.Set(Value::StrView("n"), Value::Float(NAN));
  d.Set(Value::StrView("i"), Value::List({Value::Float(INFINITY), Value::Float(-INFINITY)}));
  auto got = YamlSafeDump(Value::Dict(std::move(d)), {});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "1: a\n2.5: b\nnull: c\nfalse: d\nn: .nan\ni:\n- .inf\n- -.inf\n");
}

TEST(YamlEmitTest, UndefinedAndMarkupCannotBeRepresented) {
  EXPECT_FALSE(YamlSafeDump(Value::Undefined("x"), {}).ok());
  EXPECT_FALSE(YamlSafeDump(Value::List({Value::Markup("<b>")}), {}).ok());
}

TEST(YamlEmitTest, SelfContainingListIsAnErrorNotACrash) {
  Value list = Value::List({});
  list.MutableList()->push_back(list);
  auto got = YamlSafeDump(list, {});
  EXPECT_FALSE(got.ok());
  list.MutableList()->clear();  // break the cycle so the list is freed
}

}  // namespace
}  // namespace gitops::jinja
