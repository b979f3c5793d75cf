#!/usr/bin/env bash
# Dev-mode service benchmark (issue 2), one invocation, each phase on a fresh service:
#  1. submissions: wrk -t2 -c64 for SECONDS, POST /api/v1/vm/create over 100 tenants
#     (accepted requests per second, p50/p99 latency);
#  2. end to end: N_CREATES creates submitted at once, timed until every job completed (one
#     commit per job into one local bare repository, pushes batched); resident memory after;
#  3. the prototype's way (GitPython + Jinja2: render, write, index add, commit, push per job).
# Usage: bash bench/service_bench.sh [SECONDS]   (after `make build`)
# Environment: N_CREATES (default 20000), WORKERS (2), PROTOTYPE_JOBS (200).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
export N_CREATES=${N_CREATES:-20000} WRK_THREADS=2
tmp=$(mktemp -d /tmp/gitops-bench.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

start_service() {  # $1: data dir
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  DEV_MODE=true PORT=$port DATA_DIR=$1 LOG_LEVEL=warn WORKERS=${WORKERS:-2} \
    RESOURCE_CONFIG_FILE=$PWD/resource_configs.yaml TEMPLATE_DIR=$PWD/infra-templates \
    ./build/gitops-api serve >"$tmp/log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.05; done
}
stop_service() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
tenant_sum() {  # sums a field of the 100 tenants' metrics
  /usr/bin/python3 - "$port" "$1" <<'PY'
import json, sys, urllib.request
port, field = sys.argv[1], sys.argv[2]
print(sum(json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/tenant/t{t}/metrics"))[field]
          for t in range(100)))
PY
}

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== 1. submissions (wrk -t2 -c64 -d${secs}s)"
start_service "$tmp/data1"
wrk -t2 -c64 -d"${secs}s" -s bench/create.lua "http://127.0.0.1:$port" | grep -E "^wrk:"
stop_service

echo "== 2. end to end: $N_CREATES creates"
start_service "$tmp/data2"
t0=$(date +%s.%N)
wrk -t2 -c64 -d600s -s bench/create_n.lua "http://127.0.0.1:$port" >/dev/null &
wrk_pid=$!
# wrk sends its creates within the first second or two (submission is ~10x faster than
# applying); then wait until no job is submitted or in progress.
sleep 2
while [ "$(tenant_sum active_jobs)" != 0 ]; do sleep 0.1; done
t1=$(date +%s.%N)
done_jobs=$(tenant_sum completed_jobs)
failed_jobs=$(tenant_sum failed_jobs)
kill $wrk_pid; wait $wrk_pid 2>/dev/null || true
commits=$(git --git-dir="$tmp/data2/repos/vm.git" rev-list --count main)
rss=$(grep VmRSS /proc/$pid/status | awk '{print $2}')
/usr/bin/python3 -c "
n, s, e = $done_jobs, float('$t0'), float('$t1')
print(f'end to end: {n} create jobs completed ($failed_jobs failed), $commits commits, in {e - s:.1f} s = {n / (e - s):,.0f} jobs/s')
print(f'resident memory with {n} resources and jobs: {$rss / 1024:.0f} MB')"
git --git-dir="$tmp/data2/repos/vm.git" fsck --strict >/dev/null 2>&1 && echo "git fsck --strict: clean" || echo "git fsck --strict: ERRORS"
stop_service

echo "== 3. the prototype's way"
/usr/bin/python3 bench/prototype_way.py "${PROTOTYPE_JOBS:-200}"
