#!/usr/bin/python3
"""Renders bench/jinja/namespace.yaml.j2 with python3-jinja2 (compiled once), the comparison
run for jinja_render_bench. Prints renders per second and microseconds per render."""
import base64, json, pathlib, sys, time
import jinja2, yaml

here = pathlib.Path(__file__).parent / "jinja"
env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
env.filters["to_yaml"] = lambda v: yaml.safe_dump(v, default_flow_style=False, sort_keys=False)
env.filters["to_nice_yaml"] = lambda v, indent=2: yaml.safe_dump(
    v, default_flow_style=False, sort_keys=False, indent=indent)
env.filters["to_json"] = lambda v: json.dumps(v)
env.filters["b64encode"] = lambda s: base64.b64encode(s.encode()).decode()
env.filters["b64decode"] = lambda s: base64.b64decode(s.encode()).decode()
name = "namespace.yaml.j2"
args = sys.argv[1:]
if args and args[0].startswith("--template="):
    name = args.pop(0).split("=", 1)[1]
tmpl = env.from_string((here / name).read_text())
values = json.loads((here / "values.json").read_text())
if args and args[0] == "--print":
    sys.stdout.write(tmpl.render(values))
    sys.exit(0)
seconds = float(args[0]) if args else 3.0
for _ in range(200):
    tmpl.render(values)
n = 0
start = time.perf_counter()
while True:
    for _ in range(100):
        tmpl.render(values)
    n += 100
    elapsed = time.perf_counter() - start
    if elapsed >= seconds:
        break
print(f"python3-jinja2 {jinja2.__version__} {name}: {n / elapsed:.0f} renders/s, {elapsed / n * 1e6:.2f} us/render")
