#!/usr/bin/env bash
# Runs every test (unit, contract, integration, the Jinja2 differential suite) built with
# ASan+UBSan, then the integration tests again against the optimised build/gitops-api (the
# binary `make run` starts), then a short fuzz run of the template engine. Expects
# `make build build-asan` to have run (the Makefile does that).
set -euo pipefail
cd "$(dirname "$0")/.."

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== all tests (ASan+UBSan build)"
ctest --test-dir build-asan --output-on-failure -j"$(nproc)"
echo "== integration tests (optimised build)"
ctest --test-dir build --output-on-failure -j"$(nproc)" -L integration
if [ -x scripts/fuzz.sh ]; then
  echo "== fuzz (short run)"
  FUZZ_SECONDS=${FUZZ_SECONDS:-60} bash scripts/fuzz.sh
fi
