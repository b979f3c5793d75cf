#!/usr/bin/env bash
# CLI check (issue 5): `gitops-api render --template T --values V.json [--search-path D]...
# [--strict]` must print exactly Jinja2's bytes (no newline added) and exit 0, or, where Jinja2
# fails, exit non-zero with the error on stderr and nothing on stdout.
# Usage: cli_test.sh BUILD_DIR [PYTHON]   (GITOPS_BIN overrides BUILD_DIR/gitops-api)
set -uo pipefail

build_dir=${1:?usage: cli_test.sh BUILD_DIR [PYTHON]}
python=${2:-/usr/bin/python3}
bin=${GITOPS_BIN:-$build_dir/gitops-api}
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -x "$bin" ]; then
  echo "cli_test: $bin is not an executable (set GITOPS_BIN)" >&2
  exit 1
fi

# case id | how to run it: "file" (values from a file), "stdin" (--values -), "search" (add
# --search-path with the case's templates, for include/import/extends), "strict" (--strict).
cases=(
  "syn_lstrip_blocks_indented_tags|file"
  "syn_trailing_newline_dropped|file"
  "lit_values_nested_print|file"
  "svc_yaml_nested|stdin"
  "real_namespace_full|stdin"
  "real_packer_hcl_ubuntu|file"
  "real_kubevirt_vm|file"
  "inc_subdirectory_names|search"
  "real_namespace_via_macros_and_include|search stdin"
  "und_print_empty|file"
  "und_strict_print_error|strict"
  "und_strict_defined_value_ok|strict"
  "err_division_by_zero|file"
  "err_missing_include|search"
  "err_syntax_line_number_deep|file"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ids=$(printf '%s\n' "${cases[@]}" | cut -d'|' -f1 | paste -sd, -)
if ! "$python" "$here/oracle.py" --export "$work/cases" --ids "$ids"; then
  echo "cli_test: the oracle failed" >&2
  exit 1
fi

failures=0
for entry in "${cases[@]}"; do
  id=${entry%%|*}
  modes=" ${entry#*|} "
  dir="$work/cases/$id"
  name=$(cat "$dir/name")
  args=(render --template "$dir/templates/$name")
  if [[ $modes == *" search "* ]]; then args+=(--search-path "$dir/templates"); fi
  if [[ $modes == *" strict "* ]]; then args+=(--strict); fi
  if [[ $modes == *" stdin "* ]]; then
    args+=(--values -)
    "$bin" "${args[@]}" <"$dir/values.json" >"$dir/stdout" 2>"$dir/stderr"
  else
    args+=(--values "$dir/values.json")
    "$bin" "${args[@]}" </dev/null >"$dir/stdout" 2>"$dir/stderr"
  fi
  rc=$?

  if [ -f "$dir/expected.out" ]; then
    if [ $rc -ne 0 ]; then
      echo "FAIL $id: exit $rc, Jinja2 renders fine; stderr: $(head -c 500 "$dir/stderr")" >&2
      failures=$((failures + 1))
    elif ! cmp -s "$dir/expected.out" "$dir/stdout"; then
      echo "FAIL $id: stdout differs from Jinja2:" \
        "$(cmp "$dir/expected.out" "$dir/stdout" 2>&1)" >&2
      diff <(od -c "$dir/expected.out") <(od -c "$dir/stdout") | head -20 >&2
      failures=$((failures + 1))
    else
      echo "ok   $id"
    fi
  else
    if [ $rc -eq 0 ]; then
      echo "FAIL $id: exit 0, Jinja2 fails with $(cat "$dir/expected.err")" >&2
      failures=$((failures + 1))
    elif [ ! -s "$dir/stderr" ]; then
      echo "FAIL $id: exit $rc but nothing on stderr" >&2
      failures=$((failures + 1))
    elif [ -s "$dir/stdout" ]; then
      echo "FAIL $id: error, yet stdout has $(wc -c <"$dir/stdout") bytes" >&2
      failures=$((failures + 1))
    else
      echo "ok   $id (exit $rc: $(head -n1 "$dir/stderr"))"
    fi
  fi
done

if [ $failures -ne 0 ]; then
  echo "cli_test: $failures of ${#cases[@]} cases failed" >&2
  exit 1
fi
echo "cli_test: all ${#cases[@]} cases match Jinja2"
