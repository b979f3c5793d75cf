#!/usr/bin/python3
"""The prototype's way of applying a create job, for comparison: render with Jinja2, write the
file into a working clone, index add, commit, push — one job at a time (GitPython)."""
import json, pathlib, sys, tempfile, time
import git, jinja2, yaml

root = pathlib.Path(__file__).resolve().parents[1]
n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
tmp = pathlib.Path(tempfile.mkdtemp(prefix="proto-bench-"))
remote = git.Repo.init(tmp / "remote.git", bare=True, initial_branch="main")
work = git.Repo.init(tmp / "work", initial_branch="main")
work.create_remote("origin", str(tmp / "remote.git"))
with work.config_writer() as cw:
    cw.set_value("user", "name", "proto").set_value("user", "email", "proto@localhost")
env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(root / "infra-templates")),
                         trim_blocks=True, lstrip_blocks=True)
env.filters["to_yaml"] = lambda v: yaml.safe_dump(v, default_flow_style=False, sort_keys=False)
env.filters["to_json"] = lambda v: json.dumps(v)
tmpl = env.get_template("vms/small.yaml.j2")
start = time.perf_counter()
for i in range(n):
    tenant, name = f"t{i % 100}", f"vm-proto-{i}"
    spec = {"instance_type": "t3.small", "tags": {"purpose": "bench"}}
    labels = {"tenant.io/id": tenant, "managed-by": "gitops-api", "flavor": "small"}
    text = tmpl.render(name=name, tenant_id=tenant, cluster_id=None, flavor="small", spec=spec,
                       labels=labels, **spec)
    path = tmp / "work" / "tenants" / tenant / name / "manifest.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    work.index.add([str(path.relative_to(tmp / "work"))])
    work.index.commit(f"Deploy vm {name} for tenant {tenant}")
    work.remote("origin").push("main")
elapsed = time.perf_counter() - start
print(f"prototype way (GitPython+Jinja2, push per job): {n} jobs in {elapsed:.1f} s = {n / elapsed:.1f} jobs/s")
