#!/usr/bin/env bash
# Builds the template engine with clang + libFuzzer + ASan/UBSan and fuzzes it for
# FUZZ_SECONDS (default 60) starting from the checked-in seed corpus tests/fuzz/corpus.
# New inputs go to a scratch corpus (not committed); a crash leaves crash-* files in build-fuzz/tests/fuzz/
# and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DGITOPS_FUZZ=ON -DGITOPS_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
cmake --build build-fuzz --target render_fuzzer -j"$(nproc)"
scratch=$(mktemp -d /tmp/gitops-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cd build-fuzz/tests/fuzz
rm -f crash-* timeout-* oom-* leak-*
# The seed is printed so a finding can be replayed: ./render_fuzzer -seed=N ... or ./render_fuzzer crash-<sha>.
seed=${FUZZ_SEED:-$(( $(date +%s) % 100000 ))}
out="$scratch/fuzz.log"
if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ./render_fuzzer -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -print_final_stats=1 "$scratch" ../../../tests/fuzz/corpus >"$out" 2>&1; then
  tail -n 80 "$out"
  for f in crash-* timeout-* oom-* leak-*; do
    [ -e "$f" ] || continue
    echo "fuzz: finding build-fuzz/tests/fuzz/$f (seed $seed), bytes as hex:"
    od -An -tx1 -v "$f" | head -n 40
  done
  echo "fuzz: FAILED (seed $seed)"
  exit 1
fi
tail -n 25 "$out"
echo "fuzz: ${seconds}s without a crash (seed $seed)"
