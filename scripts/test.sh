#!/usr/bin/env bash
# Runs every test (unit, contract, integration, the Jinja2 differential suite) built with
# ASan+UBSan, a short fuzz run of the template engine, then the integration tests again against
# the optimised build/gitops-api (the binary `make run` starts). Expects `make build build-asan`
# to have run (the Makefile does that). Ends with one "N passed, N failed" line for all of it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Throwaway PostgreSQL, Redis and Git HTTP remote, started once for the whole run (tests that
# restart a server start private ones); their addresses are exported for the tests.
eval "$(bash scripts/test-servers.sh start all)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
# Leaks inside libgit2/pcre2 are theirs (see the file); ours still fail the tests.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log=$(mktemp /tmp/gitops-test.XXXXXX)
trap 'rm -f "$log"; bash scripts/test-servers.sh stop "$TEST_SERVERS_DIR"' EXIT

passed=0
failed=0
failures=()  # names of what failed, repeated at the very end so a log's tail names them
count() {  # adds the counts of ctest's closing line in $log
  local line total nfail
  line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -n 1 || true)
  total=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
  nfail=$(echo "$line" | sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/')
  if [ -n "$line" ]; then passed=$((passed + total - nfail)); failed=$((failed + nfail)); fi
  while read -r name; do failures+=("$1: $name"); done < <(
    sed -n '/The following tests FAILED:/,$p' "$log" | grep -E '^[[:space:]]+[0-9]+ - ' |
      sed -E 's/^[[:space:]]+[0-9]+ - //')
}

status=0
echo "== all tests (ASan+UBSan build)"
ctest --test-dir build-asan --output-on-failure -j"$(nproc)" 2>&1 | tee "$log" || status=1
count asan
if [ -x scripts/fuzz.sh ]; then
  echo "== fuzz (short run)"
  # A fixed seed: the same inputs in the same order on every run, so a run fails only for a
  # change of ours (a slower machine runs a prefix of them). `make fuzz` explores new seeds.
  if FUZZ_SECONDS=${FUZZ_SECONDS:-60} FUZZ_SEED=${FUZZ_SEED:-1} bash scripts/fuzz.sh; then passed=$((passed + 1)); else
    failed=$((failed + 1)); failures+=("fuzz: scripts/fuzz.sh (crash input under build-fuzz/tests/fuzz/)"); status=1; fi
fi
echo "== integration tests (optimised build)"
ctest --test-dir build --output-on-failure -j"$(nproc)" -L integration 2>&1 | tee "$log" || status=1
count integration
for f in "${failures[@]}"; do echo "FAILED $f"; done
echo "all: $passed passed, $failed failed"
exit $status
