#!/usr/bin/python3
"""Jinja2 oracle for the differential test suite: renders every case of tests/jinja/cases/*.yaml
with the real Jinja2 (Debian's python3-jinja2, the prototype's environment) and writes the
expected outputs/errors as one JSON file that differential_test.cc and cli_test.sh compare with.

Run with /usr/bin/python3 (not a pyenv python): Debian's python3-jinja2 and python3-yaml.

  /usr/bin/python3 oracle.py --out build/jinja_expected.json      # all cases
  /usr/bin/python3 oracle.py --out - --only 'filters_*'           # a subset, to stdout
  /usr/bin/python3 oracle.py --show CASE_ID                        # one case, human-readable
  /usr/bin/python3 oracle.py --export DIR --ids a,b                # files for cli_test.sh

Case file format (a YAML list; see README.md):
  - id: snake_case_unique           # [a-z0-9_]+, unique across all files
    template: "{{ x }}"             # main template source, exact bytes
    name: main.j2                   # optional name of the main template (default main.j2)
    templates: {other.j2: "..."}    # optional further templates for include/import/extends
    values: {x: 1}                  # optional context (a mapping; JSON-representable)
    strict: true                    # optional: StrictUndefined instead of Undefined
    error: UndefinedError           # optional: the case must fail with this exception class
    error_contains: "is undefined"  # optional: and with this substring in Python's message
    output: "1"                     # optional: the case must render exactly this
The oracle refuses a case whose Jinja2 outcome is not the one the case states (an error case
that renders, an output case that raises, a wrong exception class, a different output), so a
typo in a case cannot silently turn it into a test of something else.
"""

import argparse
import base64
import fnmatch
import glob
import json
import os
import re
import sys
import traceback

import jinja2
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_NAME = "main.j2"
ID_RE = re.compile(r"^[a-z0-9_]+$")
CASE_KEYS = {"id", "template", "name", "templates", "values", "strict", "error",
             "error_contains", "output", "note"}


# --- The service's extra filters, exactly as the prototype/issue 5 define them. -------------
def to_yaml(value):
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=False)


def to_nice_yaml(value, indent=2):
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=False, indent=indent)


def to_json(value):
    return json.dumps(value)


def b64encode(value):
    return base64.b64encode(value.encode("utf-8")).decode("utf-8")


def b64decode(value):
    return base64.b64decode(value.encode("utf-8")).decode("utf-8")


class NamedDictLoader(jinja2.DictLoader):
    """DictLoader that reports each template's name as its filename, so the traceback of a
    runtime error says in which template (and line) Jinja2 failed. Rendering is unchanged."""

    def get_source(self, environment, template):
        source, _, uptodate = super().get_source(environment, template)
        return source, template, uptodate


def make_environment(templates, strict):
    env = jinja2.Environment(
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        loader=NamedDictLoader(templates),
        undefined=jinja2.StrictUndefined if strict else jinja2.Undefined,
    )
    env.filters["to_yaml"] = to_yaml
    env.filters["to_nice_yaml"] = to_nice_yaml
    env.filters["to_json"] = to_json
    env.filters["b64encode"] = b64encode
    env.filters["b64decode"] = b64decode
    return env


class CaseError(Exception):
    pass


def check_json_value(value, where):
    """Values reach the C++ engine as JSON: only what JSON can say exactly, keys as strings."""
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise CaseError(f"{where}: key {k!r} is not a string (YAML turned it into "
                                f"{type(k).__name__}; quote it)")
            check_json_value(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            check_json_value(v, f"{where}[{i}]")
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        pass
    elif isinstance(value, int):
        if not -(2**63) <= value < 2**64:
            raise CaseError(f"{where}: integer {value} does not fit a JSON int64/uint64")
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CaseError(f"{where}: NaN/Infinity are not JSON")
    else:
        raise CaseError(f"{where}: {type(value).__name__} is not a JSON value (quote it)")


def error_location(exc, template_names):
    """(template name, line) where Jinja2 reports the error, when it can be told."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.lineno is not None:
        return exc.name, exc.lineno
    name, line = None, None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename in template_names:
            name, line = frame.filename, frame.lineno
    return name, line


def run_case(case, source_file):
    unknown = set(case) - CASE_KEYS
    if unknown:
        raise CaseError(f"unknown keys {sorted(unknown)}")
    cid = case.get("id")
    if not isinstance(cid, str) or not ID_RE.match(cid):
        raise CaseError(f"bad id {cid!r} (want [a-z0-9_]+)")
    name = case.get("name", DEFAULT_NAME)
    source = case.get("template")
    if not isinstance(source, str):
        raise CaseError("'template' must be a string (quote it)")
    templates = dict(case.get("templates") or {})
    for tname, tsrc in templates.items():
        if not isinstance(tname, str) or not isinstance(tsrc, str):
            raise CaseError(f"templates: {tname!r} must map a string name to a string source")
    if name in templates:
        raise CaseError(f"main template {name!r} also listed in 'templates'")
    templates = {name: source, **templates}
    values = case.get("values", {})
    if not isinstance(values, dict):
        raise CaseError("'values' must be a mapping")
    check_json_value(values, "values")
    # What the C++ side will see, and exactly that: a JSON round trip.
    values = json.loads(json.dumps(values, allow_nan=False))
    strict = bool(case.get("strict", False))

    result = {"id": cid, "file": source_file, "name": name, "templates": templates,
              "values": values, "strict": strict}
    env = make_environment(templates, strict)
    try:
        output = env.get_template(name).render(values)
    except Exception as exc:  # noqa: BLE001 - every failure is a result to record
        tname, line = error_location(exc, templates)
        result["error"] = {"type": type(exc).__name__, "message": str(exc),
                           "template": tname, "line": line}
    else:
        result["output"] = output

    want_error = case.get("error")
    if want_error is not None:
        if "error" not in result:
            raise CaseError(f"expected {want_error}, but Jinja2 rendered {result['output']!r}")
        if result["error"]["type"] != want_error:
            raise CaseError(f"expected {want_error}, got {result['error']['type']}: "
                            f"{result['error']['message']}")
        want_msg = case.get("error_contains")
        if want_msg is not None and want_msg not in result["error"]["message"]:
            raise CaseError(f"error message {result['error']['message']!r} lacks {want_msg!r}")
    else:
        if "error" in result:
            raise CaseError(f"expected output, but Jinja2 raised {result['error']['type']}: "
                            f"{result['error']['message']}")
        if re.search(r" at 0x[0-9a-fA-F]+", result["output"]):
            raise CaseError(f"output shows a memory address: {result['output']!r}")
        if "output" in case and case["output"] != result["output"]:
            raise CaseError(f"expected output {case['output']!r}, Jinja2 gave "
                            f"{result['output']!r}")
    return result


def load_cases(pattern):
    files = sorted(glob.glob(os.path.join(HERE, "cases", "*.yaml")))
    results, problems, seen = [], [], {}
    for path in files:
        rel = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            cases = yaml.safe_load(f) or []
        if not isinstance(cases, list):
            problems.append(f"{rel}: must hold a YAML list of cases")
            continue
        for i, case in enumerate(cases):
            label = f"{rel}[{i}] {case.get('id') if isinstance(case, dict) else '?'}"
            if not isinstance(case, dict):
                problems.append(f"{label}: not a mapping")
                continue
            cid = case.get("id")
            if cid in seen:
                problems.append(f"{label}: duplicate id (also in {seen[cid]})")
                continue
            seen[cid] = rel
            if pattern and not any(fnmatch.fnmatch(str(cid), p) for p in pattern.split(",")):
                continue
            try:
                results.append(run_case(case, rel))
            except CaseError as e:
                problems.append(f"{label}: {e}")
    return results, problems


def export_cases(results, ids, out_dir):
    """Writes, per case, templates/<name>, values.json and expected.out or expected.err."""
    by_id = {r["id"]: r for r in results}
    for cid in ids:
        if cid not in by_id:
            raise SystemExit(f"oracle: no case {cid!r}")
        case = by_id[cid]
        base = os.path.join(out_dir, cid)
        for tname, tsrc in case["templates"].items():
            path = os.path.join(base, "templates", tname)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(tsrc)
        with open(os.path.join(base, "values.json"), "w", encoding="utf-8") as f:
            json.dump(case["values"], f, ensure_ascii=False)
        with open(os.path.join(base, "name"), "w", encoding="utf-8") as f:
            f.write(case["name"])
        if "output" in case:
            with open(os.path.join(base, "expected.out"), "w", encoding="utf-8",
                      newline="") as f:
                f.write(case["output"])
        else:
            with open(os.path.join(base, "expected.err"), "w", encoding="utf-8") as f:
                f.write(json.dumps(case["error"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="write the expected-results JSON here ('-' = stdout)")
    ap.add_argument("--only", help="comma-separated fnmatch patterns of case ids")
    ap.add_argument("--show", help="print one case's template, values and Jinja2 result")
    ap.add_argument("--export", metavar="DIR", help="write files for --ids into DIR")
    ap.add_argument("--ids", help="comma-separated case ids for --export")
    ap.add_argument("--stats", action="store_true", help="print case counts per file")
    args = ap.parse_args()

    if not jinja2.__version__.startswith("3.1."):
        sys.exit(f"oracle: need Jinja2 3.1.x, this is {jinja2.__version__} "
                 f"({sys.executable}); run with /usr/bin/python3")

    pattern = args.only or args.show
    results, problems = load_cases(pattern)
    if problems:
        for p in problems:
            print(f"oracle: {p}", file=sys.stderr)
        sys.exit(f"oracle: {len(problems)} case(s) do not behave as stated")

    if args.show:
        for r in results:
            print(f"== {r['id']} ({r['file']}) strict={r['strict']}")
            for tname, tsrc in r["templates"].items():
                print(f"-- template {tname}: {tsrc!r}")
            print(f"-- values: {json.dumps(r['values'])}")
            if "output" in r:
                print(f"-- output: {r['output']!r}")
                print(r["output"])
            else:
                print(f"-- error: {r['error']}")
    if args.stats:
        counts = {}
        for r in results:
            counts.setdefault(r["file"], [0, 0])[0 if "output" in r else 1] += 1
        for f, (o, e) in sorted(counts.items()):
            print(f"{f:32} {o + e:4} ({o} output, {e} error)")
        print(f"{'total':32} {len(results):4}")
    if args.export:
        export_cases(results, (args.ids or "").split(","), args.export)
    if args.out:
        doc = {"jinja2_version": jinja2.__version__, "yaml_version": yaml.__version__,
               "cases": results}
        text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
        if args.out == "-":
            sys.stdout.write(text)
        else:
            tmp = args.out + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
