// libFuzzer target over the whole template engine: lexer, parser and render of arbitrary
// template source with a fixed context. Any crash, hang, sanitizer report or leak is a bug.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "jinja/jinja.h"

namespace {

using gitops::jinja::Environment;
using gitops::jinja::Json;
using gitops::jinja::MapLoader;
using gitops::jinja::Options;

const Environment& Env(bool strict) {
  static const auto make = [](bool s) {
    Options o;
    o.strict_undefined = s;
    // Small limits so a fuzz input cannot run for long or allocate much.
    o.max_output_bytes = 64 * 1024;
    o.max_loop_iterations = 20'000;
    o.max_recursion_depth = 50;
    o.time_budget = std::chrono::milliseconds(200);
    auto loader = std::make_shared<MapLoader>(std::map<std::string, std::string>{
        {"base.j2", "<{% block body %}base{% endblock %}>"},
        {"macros.j2", "{% macro m(x, y=2) %}{{ x }}-{{ y }}{{ caller() if caller }}{% endmacro %}"},
        {"part.j2", "{{ name | upper }}{% include 'missing.j2' ignore missing %}"},
    });
    return new Environment(o, loader);
  };
  static const Environment* lax = make(false);
  static const Environment* strict_env = make(true);
  return strict ? *strict_env : *lax;
}

const Json& Context() {
  static const Json ctx = Json::parse(R"({
    "name": "dev-namespace", "tenant_id": "tenant1", "cluster_id": "cluster-a",
    "flavor": "small", "n": 3, "f": 1.5, "neg": -7, "t": true, "none": null,
    "labels": {"tenant.io/id": "tenant1", "managed-by": "gitops-api"},
    "spec": {"packages": ["nginx", "docker"], "quota": {"cpu": "4", "pods": 20},
             "users": [{"name": "a", "age": 3}, {"name": "b", "age": 1}]},
    "text": "Hello, World! <b>&</b> 'q' \"d\" ünï"
  })");
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 4096) return 0;
  // The first byte picks the undefined mode so both paths are explored.
  bool strict = (data[0] & 1) != 0;
  std::string_view source(reinterpret_cast<const char*>(data + 1), size - 1);
  auto tmpl = Env(strict).FromString(source, "fuzz.j2");
  if (!tmpl.ok()) return 0;
  auto out = (*tmpl)->Render(Context());
  (void)out;
  return 0;
}
