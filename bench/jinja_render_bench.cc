// Renders bench/jinja/*.yaml.j2 from a compiled template with the project's engine; the
// comparison run is jinja_render_bench.py (python3-jinja2), started by bench/run.sh.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "jinja/jinja.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void RenderTemplate(benchmark::State& state, const char* file) {
  using gitops::jinja::Environment;
  using gitops::jinja::Json;
  const std::string dir = GITOPS_BENCH_DIR "/jinja/";
  Environment env;
  auto tmpl = env.FromString(ReadFile(dir + file), file);
  if (!tmpl.ok()) {
    state.SkipWithError(tmpl.error().message.c_str());
    return;
  }
  Json values = Json::parse(ReadFile(dir + "values.json"));
  std::string out;
  for (auto _ : state) {
    auto st = (*tmpl)->RenderTo(values, out);
    if (!st.ok()) {
      state.SkipWithError(st.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}

void BM_RenderNamespaceToYaml(benchmark::State& state) {
  RenderTemplate(state, "namespace.yaml.j2");
}
void BM_RenderNamespacePlain(benchmark::State& state) {
  RenderTemplate(state, "namespace_plain.yaml.j2");
}
BENCHMARK(BM_RenderNamespaceToYaml);
BENCHMARK(BM_RenderNamespacePlain);

}  // namespace

BENCHMARK_MAIN();
