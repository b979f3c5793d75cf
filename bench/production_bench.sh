#!/usr/bin/env bash
# Production-mode benchmark (issue 3), one invocation, next to dev mode's figures from the same
# run and the same binary:
#  1. submissions: wrk -t2 -c64 for SECONDS against one `serve` replica (API only), POST
#     /api/v1/vm/create over 100 tenants: accepted requests/s, p50/p99. PostgreSQL runs with
#     fsync and synchronous_commit ON (PG_TEST_DURABLE=1): a 202 means the job is on disk.
#  2. end to end: N_CREATES creates (half vm, half osimage: two repositories) submitted at once
#     to one replica, timed until every job completed, with 1 then 2 `worker` processes
#     (--concurrency 2 each); the remotes are local bare repositories.
#  3. dev mode, same binary: phase 1 and phase 2 (embedded workers, WORKERS=2).
# Usage: bash bench/production_bench.sh [SECONDS]
# Environment: GITOPS_BIN (default build/gitops-api: a Release build), N_CREATES (20000),
# API_THREADS (64: HTTP threads of the replica; handlers block on PostgreSQL, so this is also
# how many submissions can share a group commit).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
BIN=${GITOPS_BIN:-$PWD/build/gitops-api}
export N_CREATES=${N_CREATES:-20000} WRK_THREADS=2
tmp=$(mktemp -d /tmp/gitops-pbench.XXXXXX)
pids=()
servers=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  [ -n "$servers" ] && bash scripts/test-servers.sh stop "$servers" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

eval "$(PG_TEST_DURABLE=1 bash scripts/test-servers.sh start pg 2>/dev/null)"
servers=$TEST_SERVERS_DIR
pg_dsn=$PG_TEST_DSN
eval "$(bash scripts/test-servers.sh start redis 2>/dev/null)"
redis_servers=$TEST_SERVERS_DIR
trap 'cleanup; bash scripts/test-servers.sh stop "$redis_servers" 2>/dev/null' EXIT
redis_url=$REDIS_TEST_URL

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A fresh database, Redis database flushed, fresh bare remotes and a config pointing at them.
fresh() {  # $1: name
  local name=$1
  psql "$pg_dsn" -qAtX -c "CREATE DATABASE $name" >/dev/null
  redis-cli -u "$redis_url" FLUSHALL >/dev/null
  mkdir -p "$tmp/$name"
  for t in namespace vm osimage misc; do
    git init -q --bare --initial-branch=main "$tmp/$name/$t.git"
  done
  /usr/bin/python3 - "$tmp/$name" <<'PY'
import re, sys
d = sys.argv[1]
out, cur = [], None
for line in open("resource_configs.yaml").read().splitlines():
    m = re.match(r"^  ([a-z]+):$", line)
    if m: cur = m.group(1)
    if re.match(r"^\s+# repo_url:", line): line = f"    repo_url: {d}/{cur}.git"
    out.append(line)
open(f"{d}/rc.yaml", "w").write("\n".join(out) + "\n")
PY
  export DEV_MODE=false DATABASE_URL="${pg_dsn/dbname=postgres/dbname=$name}" REDIS_URL=$redis_url \
    RESOURCE_CONFIG_FILE=$tmp/$name/rc.yaml TEMPLATE_DIR=$PWD/infra-templates LOG_LEVEL=warn \
    WEBHOOK_SIMULATE=true WORKERS=2
  "$BIN" migrate >/dev/null
}

start_serve() {  # $1: data dir; extra args after
  local dir=$1; shift
  port=$(free_port)
  PORT=$port DATA_DIR=$dir "$BIN" serve --host 127.0.0.1 --threads "${API_THREADS:-64}" "$@" \
    >"$dir.log" 2>&1 &
  pids+=($!)
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.05; done
}
start_worker() {  # $1: data dir
  DATA_DIR=$1 "$BIN" worker --concurrency 2 >"$1.log" 2>&1 &
  pids+=($!)
}
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
  pids=()
}
tenant_sum() {
  /usr/bin/python3 - "$port" "$1" <<'PY'
import json, sys, urllib.request
port, field = sys.argv[1], sys.argv[2]
print(sum(json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/tenant/t{t}/metrics"))[field]
          for t in range(100)))
PY
}
end_to_end() {  # $1: label, $2: repo dir
  local t0 t1 wrk_pid
  t0=$(date +%s.%N)
  wrk -t2 -c64 -d600s -s bench/create_prod_n.lua "http://127.0.0.1:$port" >/dev/null &
  wrk_pid=$!
  # Done when every create has ended (wrk may lose the last request of a connection, hence -1),
  # or when nothing is active and no job ended for 3 s. Each poll is 100 metrics requests:
  # every 0.3 s keeps the poller's own load small.
  local settled last=-1 idle=0
  while :; do
    settled=$(( $(tenant_sum completed_jobs) + $(tenant_sum failed_jobs) ))
    if [ "$settled" -ge $((N_CREATES - 1)) ] && [ "$(tenant_sum active_jobs)" = 0 ]; then break; fi
    if [ "$settled" = "$last" ] && [ "$settled" -gt 0 ] && [ "$(tenant_sum active_jobs)" = 0 ]; then
      idle=$((idle + 1)); [ "$idle" -ge 10 ] && break
    else
      idle=0
    fi
    last=$settled
    sleep 0.3
  done
  t1=$(date +%s.%N)
  local done_jobs failed_jobs commits
  done_jobs=$(tenant_sum completed_jobs)
  failed_jobs=$(tenant_sum failed_jobs)
  kill $wrk_pid; wait $wrk_pid 2>/dev/null || true
  commits=0
  if [ -n "$2" ]; then
    commits=$(( $(git --git-dir="$2/vm.git" rev-list --count main 2>/dev/null || echo 0) +
                $(git --git-dir="$2/osimage.git" rev-list --count main 2>/dev/null || echo 0) ))
  fi
  /usr/bin/python3 -c "
n, s, e = $done_jobs, float('$t0'), float('$t1')
print(f'$1: {n} create jobs completed ($failed_jobs failed), $commits commits, in {e - s:.1f} s = {n / (e - s):,.0f} jobs/s')"
}

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "PostgreSQL: fsync=$(psql "$pg_dsn" -qAtX -c 'SHOW fsync'), synchronous_commit=$(psql "$pg_dsn" -qAtX -c 'SHOW synchronous_commit')"

echo "== production 1. submissions (one serve replica, API only; wrk -t2 -c64 -d${secs}s)"
fresh b1
start_serve "$tmp/b1/api"
wrk -t2 -c64 -d"${secs}s" -s bench/create.lua "http://127.0.0.1:$port" | grep -E "^wrk:"
stop_all

for n in 1 2; do
  echo "== production 2. end to end, $N_CREATES creates, one API and $n worker process(es)"
  fresh "e$n"
  start_serve "$tmp/e$n/api"
  for i in $(seq 1 "$n"); do start_worker "$tmp/e$n/worker$i"; done
  end_to_end "production, $n worker(s)" "$tmp/e$n"
  for t in vm osimage; do
    git --git-dir="$tmp/e$n/$t.git" fsck --strict >/dev/null 2>&1 || echo "git fsck --strict $t: ERRORS"
  done
  stop_all
done

echo "== dev mode 1. submissions (wrk -t2 -c64 -d${secs}s)"
devrun() {
  port=$(free_port)
  DEV_MODE=true PORT=$port DATA_DIR=$1 LOG_LEVEL=warn WORKERS=2 \
    RESOURCE_CONFIG_FILE=$PWD/resource_configs.yaml TEMPLATE_DIR=$PWD/infra-templates \
    "$BIN" serve >"$1.log" 2>&1 &
  pids+=($!)
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.05; done
}
devrun "$tmp/dev1"
wrk -t2 -c64 -d"${secs}s" -s bench/create.lua "http://127.0.0.1:$port" | grep -E "^wrk:"
stop_all
echo "== dev mode 2. end to end, $N_CREATES creates, embedded workers (WORKERS=2)"
devrun "$tmp/dev2"
end_to_end "dev mode" "$tmp/dev2/repos"
stop_all
