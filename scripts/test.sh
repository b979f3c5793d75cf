#!/usr/bin/env bash
# Runs every test: unit, contract, integration and the Jinja2 differential suite, first against
# the Release build, then against the ASan+UBSan build; then a short fuzz run of the template
# engine. Expects `make build build-asan` to have run (the Makefile does that).
set -euo pipefail
cd "$(dirname "$0")/.."

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== tests (Release build)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
echo "== tests (ASan+UBSan build)"
GITOPS_BIN="$PWD/build-asan/gitops-api" ctest --test-dir build-asan --output-on-failure -j"$(nproc)"
if [ -x scripts/fuzz.sh ]; then
  echo "== fuzz (short run)"
  FUZZ_SECONDS=${FUZZ_SECONDS:-60} bash scripts/fuzz.sh
fi
