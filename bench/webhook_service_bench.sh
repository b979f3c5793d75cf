#!/usr/bin/env bash
# Webhooks' cost on end-to-end job throughput through the real service (issue 4): the Release
# binary serves, N_CREATES creates are submitted over HTTP (wrk, bench/create_prod_n.lua: vm and
# osimage alternately, 100 tenants), the jobs run and, with webhooks on, every delivery is sent,
# signed, to a receiver in a process of its own (`webhook_bench --receiver-only`, answering 200
# at once). A run is timed from the start of the load until every job completed AND, with
# webhooks on, every delivery is delivered (none pending, none failed; the receiver's POST count
# is checked too). Modes: off (webhook disabled), single, staged, on the two types the load uses,
# interleaved for ROUNDS rounds (order rotated each round) in this one invocation; the summary is
# the median jobs/s per mode and its ratio to off.
#  1. dev mode (DEV_MODE=true, WEBHOOK_SIMULATE=false, in-memory stores, WORKERS=2 embedded).
#  2. production mode, 1 `serve` + 1 `worker --concurrency 2`, PostgreSQL + Redis (PG_TEST_DSN /
#     REDIS_TEST_URL, else started by scripts/test-servers.sh; skipped if neither works).
# Usage: bash bench/webhook_service_bench.sh [ROUNDS]
# Environment: GITOPS_BIN (build/gitops-api, a Release build), WEBHOOK_BENCH_BIN
# (build/bench/webhook_bench), N_CREATES (6000 dev, PROD_N_CREATES 4000 production),
# MODES (off,single,staged), SKIP_DEV=1, SKIP_PRODUCTION=1.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
BIN=${GITOPS_BIN:-$PWD/build/gitops-api}
RECEIVER_BIN=${WEBHOOK_BENCH_BIN:-$PWD/build/bench/webhook_bench}
dev_n=${N_CREATES:-6000}
prod_n=${PROD_N_CREATES:-4000}
IFS=, read -r -a modes <<<"${MODES:-off,single,staged}"
export WRK_THREADS=2
tmp=$(mktemp -d /tmp/gitops-whbench.XXXXXX)
pids=()
servers=()
receiver_pid=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null && wait "$receiver_pid" 2>/dev/null
  for s in "${servers[@]}"; do bash scripts/test-servers.sh stop "$s" >/dev/null 2>&1 || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_http() {  # $1: url
  for _ in $(seq 1 400); do curl -sf "$1" >/dev/null && return 0; sleep 0.05; done
  echo "no answer from $1" >&2
  return 1
}

# The receiver: one process for the whole invocation (its POST count only grows).
"$RECEIVER_BIN" --receiver-only 0 --receiver-threads 1 >"$tmp/receiver.out" 2>&1 &
receiver_pid=$!
for _ in $(seq 1 200); do grep -q '^port ' "$tmp/receiver.out" && break; sleep 0.05; done
rport=$(sed -n 's/^port //p' "$tmp/receiver.out")
[ -n "$rport" ] || { echo "the receiver did not start" >&2; exit 1; }

# resource_configs.yaml with vm and osimage's webhooks set for $1 (off|single|staged); the
# repo_url lines point at local bare remotes under $2 when given (production), else dev mode
# creates them under DATA_DIR.
write_config() {  # $1: mode, $2: remotes dir or ""
  /usr/bin/python3 - "$1" "$2" "$rport" >"$3" <<'PY'
import re, sys
mode, remotes, rport = sys.argv[1], sys.argv[2], sys.argv[3]
cur = None
for line in open("resource_configs.yaml").read().splitlines():
    m = re.match(r"^  ([a-z]+):$", line)
    if m: cur = m.group(1)
    if remotes and re.match(r"^\s+# repo_url:", line):
        line = f"    repo_url: {remotes}/{cur}.git"
    if cur in ("vm", "osimage") and re.match(r"^    webhook:", line):
        if mode == "off":
            line = "    webhook: {enabled: false, mode: single}"
        else:
            line = ("    webhook: {enabled: true, mode: %s, url: \"http://127.0.0.1:%s/hook\", "
                    "secret: bench-secret, timeout: 10, retries: 3}" % (mode, rport))
    print(line)
PY
}

# Times one run: the load starts now; waits until every job completed (and, webhooks on, every
# delivery delivered); prints "<jobs/s> <deliveries> <ok>".
measure() {  # $1: api port, $2: N, $3: mode
  local t0 wrk_pid posts0
  posts0=$(curl -sf "http://127.0.0.1:$rport/count" | tr -dc 0-9)
  t0=$(date +%s.%N)
  N_CREATES=$2 wrk -t2 -c64 -d600s -s bench/create_prod_n.lua "http://127.0.0.1:$1" >/dev/null &
  wrk_pid=$!
  /usr/bin/python3 - "$1" "$2" "$3" "$t0" "$rport" "$posts0" <<'PY'
import http.client, json, sys, time
port, n, mode, t0, rport = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
posts0 = int(sys.argv[6])
api = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
rcv = http.client.HTTPConnection("127.0.0.1", rport, timeout=30)
def get(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    return json.loads(r.read())
def count(status):
    return get(api, f"/api/v1/jobs?status={status}&limit=1")["count"]
def ended():  # completed + failed over the 100 tenants the load uses
    c = f = 0
    for t in range(100):
        m = get(api, f"/api/v1/tenant/t{t}/metrics")
        c += m["completed_jobs"]; f += m["failed_jobs"]
    return c, f
deadline = time.time() + 600
c = f = 0
# 1. every job ended: none queued or running and (almost) all N accounted for -- wrk may lose a
# request or two to a connection error, so the last count must also hold still for 0.1 s.
last = -1
while time.time() < deadline:
    time.sleep(0.02)
    if count("submitted") or count("in_progress"): continue
    c, f = ended()
    if c + f >= 0.99 * n and c + f == last: break
    last = c + f
    time.sleep(0.1)
jobs_done = time.time()
# 2. webhooks on: every delivery settled (none pending), then none failed. The jobs ended 0.1 s
# (the hold) before jobs_done; if the deliveries had too, that is the end, as for "off".
failed = 0
end = jobs_done - 0.1
if mode != "off":
    waited = False
    while time.time() < deadline:
        if not get(api, "/api/v1/webhooks/deliveries?status=pending&limit=1")["count"]: break
        waited = True
        time.sleep(0.02)
    if waited: end = time.time()
    failed = get(api, "/api/v1/webhooks/deliveries?status=failed&limit=1")["count"]
posts = get(rcv, "/count")["posts"] - posts0
ok = c >= 0.99 * n and f == 0 and failed == 0 and (mode == "off" or posts >= c)
print(f"{c / (end - t0):.1f} {posts} {1 if ok else 0} {c} {f} {failed} {end - jobs_done:.2f}")
PY
  kill "$wrk_pid" 2>/dev/null; wait "$wrk_pid" 2>/dev/null || true
}

# One run of one mode: $1 label (dev|prod), $2 mode, $3 round.
run_dev() {  # $1: mode
  local dir=$tmp/dev-$1-$RANDOM port pid line
  mkdir -p "$dir"
  write_config "$1" "" "$dir/rc.yaml"
  port=$(free_port)
  DEV_MODE=true WEBHOOK_SIMULATE=false PORT=$port DATA_DIR=$dir/data LOG_LEVEL=warn WORKERS=2 \
    RESOURCE_CONFIG_FILE=$dir/rc.yaml TEMPLATE_DIR=$PWD/infra-templates \
    "$BIN" serve >"$dir.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_http "http://127.0.0.1:$port/healthz"
  line=$(measure "$port" "$dev_n" "$1")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  pids=()
  rm -rf "$dir"
  echo "$line"
}

pg_dsn=${PG_TEST_DSN:-}
redis_url=${REDIS_TEST_URL:-}
run_prod() {  # $1: mode
  local name=wb$RANDOM dir port spid wpid line
  dir=$tmp/$name
  mkdir -p "$dir"
  psql "$pg_dsn" -qAtX -c "CREATE DATABASE $name" >/dev/null
  redis-cli -u "$redis_url" FLUSHALL >/dev/null
  for t in namespace vm osimage misc; do git init -q --bare --initial-branch=main "$dir/$t.git"; done
  write_config "$1" "$dir" "$dir/rc.yaml"
  local env=(DEV_MODE=false WEBHOOK_SIMULATE=false
             DATABASE_URL="${pg_dsn/dbname=postgres/dbname=$name}" REDIS_URL="$redis_url"
             RESOURCE_CONFIG_FILE="$dir/rc.yaml" TEMPLATE_DIR="$PWD/infra-templates"
             LOG_LEVEL=warn)
  env "${env[@]}" "$BIN" migrate >/dev/null
  port=$(free_port)
  env "${env[@]}" PORT="$port" DATA_DIR="$dir/api" "$BIN" serve --host 127.0.0.1 --threads 64 \
    >"$dir/api.log" 2>&1 &
  spid=$!
  env "${env[@]}" DATA_DIR="$dir/worker" "$BIN" worker --concurrency 2 >"$dir/worker.log" 2>&1 &
  wpid=$!
  pids+=("$spid" "$wpid")
  wait_http "http://127.0.0.1:$port/healthz"
  line=$(measure "$port" "$prod_n" "$1")
  kill "$spid" "$wpid"; wait "$spid" "$wpid" 2>/dev/null || true
  pids=()
  psql "$pg_dsn" -qAtX -c "DROP DATABASE $name" >/dev/null 2>&1 || true
  rm -rf "$dir"
  echo "$line"
}

# Interleaved rounds of every mode; prints each run and then the medians and ratios to off.
bench() {  # $1: runner (run_dev|run_prod), $2: label, $3: N
  local results=$tmp/$2.results r k m line
  : >"$results"
  echo "== $2: $3 creates per run, modes ${modes[*]}, $rounds rounds; load $(cut -d' ' -f1-3 /proc/loadavg)"
  for r in $(seq 0 $((rounds - 1))); do
    for k in "${!modes[@]}"; do
      m=${modes[$(( (k + r) % ${#modes[@]} ))]}
      line=$($1 "$m")
      echo "  round $((r + 1)) $m: $line  (jobs/s, receiver POSTs, ok, completed, failed jobs, failed deliveries, s after the last job)"
      echo "$m $line" >>"$results"
    done
  done
  /usr/bin/python3 - "$results" "${modes[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
modes = sys.argv[2:]
med = {m: statistics.median(float(r[1]) for r in rows if r[0] == m) for m in modes}
bad = {m: sum(1 for r in rows if r[0] == m and r[3] != "1") for m in modes}
base = med.get("off")
for m in modes:
    ratio = f"{med[m] / base:.3f}" if base else "-"
    cost = f"{100 * (1 - med[m] / base):+.1f}% cost" if base and m != "off" else ""
    print(f"  median {m:7s} {med[m]:8.0f} jobs/s  ratio to off {ratio}  {cost}"
          + (f"  ({bad[m]} INCOMPLETE run(s))" if bad[m] else ""))
PY
  echo "  load after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse --short HEAD)  machine: $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary: $BIN; receiver: $RECEIVER_BIN --receiver-only on port $rport (a process of its own)"
if [ "${SKIP_DEV:-0}" != 1 ]; then bench run_dev "dev mode" "$dev_n"; fi

if [ "${SKIP_PRODUCTION:-0}" = 1 ]; then exit 0; fi
if [ -z "$pg_dsn" ] && out=$(bash scripts/test-servers.sh start pg 2>/dev/null); then
  eval "$out"; servers+=("$TEST_SERVERS_DIR"); pg_dsn=$PG_TEST_DSN
fi
if [ -z "$redis_url" ] && out=$(bash scripts/test-servers.sh start redis 2>/dev/null); then
  eval "$out"; servers+=("$TEST_SERVERS_DIR"); redis_url=$REDIS_TEST_URL
fi
if [ -z "$pg_dsn" ] || [ -z "$redis_url" ]; then
  echo "== production mode: skipped (no PostgreSQL/Redis: set PG_TEST_DSN and REDIS_TEST_URL)"
  exit 0
fi
bench run_prod "production (1 serve + 1 worker)" "$prod_n"
