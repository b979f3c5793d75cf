#!/usr/bin/env bash
# Runs the benchmarks and their comparison runs in one invocation, printing the figures that go
# into bench/RESULTS.md. Usage: bash bench/run.sh [jinja|git|webhooks|all]  (after `make build`).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$what" = all ] || [ "$what" = jinja ]; then
  echo "== template rendering: gitops-api engine vs python3-jinja2 (same template, same values)"
  for t in namespace.yaml.j2 namespace_plain.yaml.j2; do
    case $t in namespace.yaml.j2) bm=BM_RenderNamespaceToYaml ;; *) bm=BM_RenderNamespacePlain ;; esac
    # Same output first: the comparison is only fair if both render the same bytes.
    if ! cmp -s <(./build/gitops-api render --template bench/jinja/$t --values bench/jinja/values.json) \
                <(/usr/bin/python3 bench/jinja_render_bench.py --template=$t --print); then
      echo "WARNING: outputs differ for $t"
    fi
    # Renders per second of wall-clock time, as the Python side measures (perf_counter):
    # items_per_second is per CPU second, which flatters the engine on a loaded machine.
    cpp=$(taskset -c 0 ./build/bench/jinja_render_bench --benchmark_filter="^$bm\$" \
          --benchmark_min_time=2 --benchmark_format=json | /usr/bin/python3 -c \
          'import json,sys; b=json.load(sys.stdin)["benchmarks"][0]; u={"ns":1e9,"us":1e6,"ms":1e3,"s":1.0}[b["time_unit"]]; print(u/b["real_time"])')
    py_line=$(taskset -c 0 /usr/bin/python3 bench/jinja_render_bench.py --template=$t 3)
    py=$(echo "$py_line" | sed -E 's/.*: ([0-9]+) renders.*/\1/')
    /usr/bin/python3 -c "c=float('$cpp'); p=float('$py'); print(f'$t: gitops-api {c:,.0f} renders/s ({1e6/c:.2f} us), python3-jinja2 {p:,.0f} renders/s ({1e6/p:.2f} us), ratio {c/p:.1f}x')"
  done
fi

if [ "$what" = all ] || [ "$what" = git ]; then
  if [ -x build/bench/git_commit_bench ]; then
    echo "== git: batched commits into a local bare remote"
    ./build/bench/git_commit_bench
  fi
fi

if [ "$what" = all ] || [ "$what" = webhooks ]; then
  if [ -x build/bench/webhook_bench ]; then
    echo "== webhooks (issue 4): in-process deliveries/s and job throughput, off/simulated/single/staged"
    ./build/bench/webhook_bench --deliveries 20000 --jobs 2000 --rounds 5
    echo "== webhooks (issue 4): end to end through the service (HTTP submit, job, delivery), off/single/staged"
    bash bench/webhook_service_bench.sh 3
  fi
fi
