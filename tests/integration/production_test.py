"""Production mode end to end (issue 3): the real gitops-api binary with DEV_MODE=false as
`migrate`, `serve` replicas and `worker` processes, on a real PostgreSQL and Redis and a Git
remote over HTTP with Basic auth (lighttpd + git-http-backend). Servers come from the
environment (PG_TEST_DSN, REDIS_TEST_URL, GIT_TEST_* exported by scripts/test.sh) or are
started here with scripts/test-servers.sh. Each test uses its own database, Redis database and
bare repositories; the restart test runs its own PostgreSQL and Redis so that restarting them
disturbs no other test."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

import yaml

from service import BIN, REPO_ROOT, Service, free_port
from webhook_test import Receiver

SERVERS = str(REPO_ROOT / "scripts" / "test-servers.sh")
NS = {"X-Tenant-ID": "tenant1", "X-Cluster-ID": "cluster-a"}
VM = {"X-Tenant-ID": "tenant1"}
TYPES = ("namespace", "vm", "osimage", "misc")

_started_dirs = []
_redis_db = [4]


def start_servers(what):
    """Starts servers with test-servers.sh; returns their export lines as a dict."""
    out = subprocess.run(["bash", SERVERS, "start", what], check=True, capture_output=True,
                         text=True).stdout
    env = dict(re.findall(r"export (\w+)='([^']*)'", out))
    _started_dirs.append(env["TEST_SERVERS_DIR"])
    return env


def setUpModule():
    needed = ("PG_TEST_DSN", "REDIS_TEST_URL", "GIT_TEST_HTTP_URL", "GIT_TEST_ROOT",
              "GIT_TEST_USER", "GIT_TEST_PASSWORD")
    if not all(os.environ.get(n) for n in needed):
        os.environ.update(start_servers("all"))


def tearDownModule():
    for d in _started_dirs:
        subprocess.run(["bash", SERVERS, "stop", d], capture_output=True)


def psql(dsn, sql):
    return subprocess.run(["psql", dsn, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def with_db(dsn, name):
    return re.sub(r"dbname=\S+", f"dbname={name}", dsn)


def git(repo, *args, check=True):
    return subprocess.run(["git", "--git-dir", repo, *args], check=check, capture_output=True,
                          text=True).stdout


def job_ids_in_git(repo):
    """Job-Id trailers of every commit on main, in order (oldest first)."""
    out = git(repo, "log", "--reverse", "--format=%(trailers:key=Job-Id,valueonly)", "main",
              check=False)
    return [line.strip() for line in out.splitlines() if line.strip()]


class Deployment:
    """One production deployment: its database, Redis database, bare remotes, config file and
    the gitops-api processes started for it (all stopped by close())."""

    def __init__(self, test, pg_dsn=None, redis_url=None, repo_urls=None, extra_env=None,
                 webhooks=None):
        self.test = test
        self.tmp = tempfile.mkdtemp(prefix="gitops-prod-")
        self.name = "t_" + uuid.uuid4().hex[:12]
        base_dsn = pg_dsn or os.environ["PG_TEST_DSN"]
        psql(base_dsn, f"CREATE DATABASE {self.name}")
        self.dsn = with_db(base_dsn, self.name)
        base_redis = redis_url or os.environ["REDIS_TEST_URL"]
        _redis_db[0] = _redis_db[0] % 15 + 1
        self.redis_url = re.sub(r"/\d+$", "", base_redis) + f"/{_redis_db[0]}"
        subprocess.run(["redis-cli", "-u", self.redis_url, "FLUSHDB"], check=True,
                       capture_output=True)
        self.git_root = os.environ["GIT_TEST_ROOT"]
        self.password = os.environ["GIT_TEST_PASSWORD"]
        self.repo_urls = {}
        for t in TYPES:
            bare = os.path.join(self.git_root, f"{self.name}-{t}.git")
            subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", bare],
                           check=True)
            self.repo_urls[t] = f"{os.environ['GIT_TEST_HTTP_URL']}/{self.name}-{t}.git"
        self.repo_urls.update(repo_urls or {})
        self.config = os.path.join(self.tmp, "resource_configs.yaml")
        self.webhooks = webhooks or {}  # resource type -> its `webhook:` mapping
        self.write_config()
        self.env = dict(os.environ)
        self.env.update({
            "DEV_MODE": "false",
            "DATABASE_URL": self.dsn,
            "REDIS_URL": self.redis_url,
            "RESOURCE_CONFIG_FILE": self.config,
            "TEMPLATE_DIR": str(REPO_ROOT / "infra-templates"),
            "GIT_USERNAME": os.environ["GIT_TEST_USER"],
            "GIT_PASSWORD": self.password,
            "WEBHOOK_SIMULATE": "true",
            "WORKERS": "2",
            "LOG_LEVEL": "info",
        })
        self.env.update(extra_env or {})
        self.procs = []

    def write_config(self):
        text = (REPO_ROOT / "resource_configs.yaml").read_text()
        out, current = [], None
        for line in text.splitlines():
            m = re.match(r"^  ([a-z]+):$", line)
            if m:
                current = m.group(1)
            if re.match(r"^\s+# repo_url:", line) and current in self.repo_urls:
                line = f"    repo_url: {self.repo_urls[current]}"
            out.append(line)
        doc = yaml.safe_load("\n".join(out) + "\n")
        for rtype, hook in self.webhooks.items():
            doc["resource_types"][rtype]["webhook"] = hook
        with open(self.config, "w") as f:
            yaml.safe_dump(doc, f, sort_keys=False)

    def bare(self, rtype):
        return os.path.join(self.git_root, f"{self.name}-{rtype}.git")

    def run(self, *args, env=None, timeout=60):
        e = dict(self.env)
        e.update(env or {})
        return subprocess.run([BIN, *args], cwd=self.tmp, env=e, capture_output=True, text=True,
                              timeout=timeout)

    def migrate(self):
        r = self.run("migrate")
        self.test.assertEqual(r.returncode, 0, r.stderr)

    def serve(self):
        svc = Replica(self, ["serve", "--host", "127.0.0.1"])
        self.procs.append(svc)
        return svc.start()

    def worker(self, *args):
        w = Worker(self, ["worker", "--sweep-interval", "0.5", "--sweep-age", "3",
                          "--lease-ttl", "3", *args])
        self.procs.append(w)
        return w.start()

    def logs(self):
        return "\n".join(p.read_log() for p in self.procs)

    def close(self):
        for p in self.procs:
            p.stop()
            p.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Process(Service):
    """A gitops-api process of a Deployment (reuses Service's HTTP client and log handling)."""

    def __init__(self, deployment, args):
        super().__init__(data_dir=None, env=deployment.env, workdir=deployment.tmp)
        self.env.update(deployment.env)  # Service sets dev-mode defaults: production wins
        self.args = args

    def spawn(self):
        self.log = open(os.path.join(self.tmp, "service.log"), "wb")
        self.proc = subprocess.Popen([BIN, *self.args], cwd=self.workdir, env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def wait_for_log(self, needle, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.read_log():
                return
            if self.proc.poll() is not None:
                raise RuntimeError("gitops-api exited: " + self.read_log())
            time.sleep(0.05)
        raise RuntimeError(f"no '{needle}' in the log: " + self.read_log())

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


class Replica(Process):
    def start(self):
        self.env["PORT"] = str(self.port)
        self.spawn()
        self.wait_for_log("production mode: API on")
        return self


class Worker(Process):
    def start(self):
        self.spawn()
        self.wait_for_log("worker threads")
        return self


class ProductionTestBase(unittest.TestCase):
    maxDiff = None

    def deployment(self, **kw):
        d = Deployment(self, **kw)
        self.addCleanup(d.close)
        return d

    def submit(self, svc, rtype, op, body, headers, expect=202):
        method = {"create": "POST", "update": "PUT", "delete": "DELETE"}[op]
        path = f"/api/v1/{rtype}/{op}"
        if op == "delete":
            path += f"?name={body['name']}"
            body = None
        status, _, doc = svc.request(method, path, body, headers)
        self.assertEqual(status, expect, doc)
        return doc.get("job_id")

    def wait_all(self, svc, job_ids, timeout=90, deployment=None):
        deadline = time.monotonic() + timeout
        pending, jobs = set(job_ids), {}
        while pending and time.monotonic() < deadline:
            for j in list(pending):
                status, _, job = svc.request("GET", f"/api/v1/status/{j}")
                if status == 200 and job["status"] in ("completed", "failed"):
                    jobs[j] = job
                    pending.discard(j)
            if pending:
                time.sleep(0.1)
        if pending:
            logs = deployment.logs()[-6000:] if deployment else ""
            self.fail(f"{len(pending)} jobs did not finish, e.g. {sorted(pending)[:3]}\n{logs}")
        return jobs

    def assert_fsck_clean(self, repo):
        r = subprocess.run(["git", "--git-dir", repo, "fsck", "--strict"], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class MigrateAndStartupTest(ProductionTestBase):
    def test_migrate_twice_and_concurrently(self):
        d = self.deployment()
        procs = [subprocess.Popen([BIN, "migrate"], cwd=d.tmp, env=d.env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, err)
        # Each migration applied once (the advisory lock queues the second process).
        files = sorted((REPO_ROOT / "migrations").glob("[0-9][0-9][0-9][0-9]_*.sql"))
        latest = int(files[-1].name[:4])
        self.assertEqual(psql(d.dsn, "SELECT count(*) FROM schema_migrations"), str(len(files)))
        again = d.run("migrate")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn(f"up to date (version {latest})", again.stdout)
        self.assertEqual(psql(d.dsn, "SELECT count(*) FROM schema_migrations"), str(len(files)))

    def test_unmigrated_database_is_refused_with_the_command_to_run(self):
        d = self.deployment()
        r = d.run("worker")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("run `gitops-api migrate`", r.stderr)

    def test_missing_or_unreachable_dependency_stops_with_one_line_naming_it(self):
        d = self.deployment()
        d.migrate()
        dead = f"127.0.0.1:{free_port()}"
        cases = [
            ({"DATABASE_URL": ""}, "DATABASE_URL"),
            ({"REDIS_URL": ""}, "REDIS_URL"),
            ({"DATABASE_URL": f"postgresql://u:sekret-pw@{dead}/x"}, "PostgreSQL (DATABASE_URL)"),
            ({"REDIS_URL": f"redis://{dead}/0"}, "Redis (REDIS_URL)"),
        ]
        for cmd in (["serve"], ["worker"]):
            for env, needle in cases:
                start = time.monotonic()
                r = d.run(*cmd, env=env, timeout=30)
                lines = r.stderr.strip().splitlines()
                self.assertNotEqual(r.returncode, 0, (cmd, env))
                self.assertEqual(len(lines), 1, (cmd, env, r.stderr))
                self.assertIn(needle, lines[0])
                self.assertNotIn("sekret-pw", r.stderr + r.stdout)
                self.assertLess(time.monotonic() - start, 15)
        r = d.run("migrate", env={"DATABASE_URL": ""})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("DATABASE_URL", r.stderr)


class ProductionFlowTest(ProductionTestBase):
    def test_readme_flow_against_two_replicas_and_two_workers(self):
        d = self.deployment()
        d.migrate()
        a, b = d.serve(), d.serve()
        d.worker(), d.worker()
        for svc in (a, b):
            status, _, doc = svc.request("GET", "/readyz")
            self.assertEqual(status, 200, doc)
            self.assertEqual(doc["checks"], {"postgres": "ok", "redis": "ok"})
        # Create on one replica, follow it on the other.
        job_id = self.submit(a, "namespace", "create",
                             {"name": "dev-namespace", "flavor": "small",
                              "spec": {"labels": {"environment": "development"}}}, NS)
        job = self.wait_all(b, [job_id], deployment=d)[job_id]
        self.assertEqual(job["status"], "completed", job)
        self.assertIn("Pushed", job["logs"])
        status, _, rec = b.request("GET", "/api/v1/namespace/dev-namespace", headers=NS)
        self.assertEqual(status, 200, rec)
        self.assertIn("dev-namespace", rec["manifest"])
        vm = self.submit(b, "vm", "create",
                         {"name": "web-server-01", "flavor": "medium",
                          "spec": {"instance_type": "t3.medium"}}, VM)
        upd = self.submit(a, "namespace", "update",
                          {"name": "dev-namespace", "spec": {"labels": {"team": "blue"}}}, NS)
        jobs = self.wait_all(a, [vm, upd], deployment=d)
        self.assertTrue(all(j["status"] == "completed" for j in jobs.values()), jobs)
        status, _, listed = b.request("GET", "/api/v1/namespace/list", headers=NS)
        self.assertIn(status, (200, 202), listed)
        status, _, m = a.request("GET", "/api/v1/tenant/tenant1/metrics")
        self.assertEqual(status, 200, m)
        self.assertEqual(m["total_resources"], 2)
        status, _, r = b.request("GET", "/api/v1/tenant/tenant1/resources")
        self.assertEqual(status, 200, r)
        self.assertEqual([x["name"] for x in r["resources"]["vm"]], ["web-server-01"])
        dele = self.submit(b, "namespace", "delete", {"name": "dev-namespace"}, NS)
        self.assertEqual(self.wait_all(a, [dele], deployment=d)[dele]["status"], "completed")
        status, _, _ = a.request("GET", "/api/v1/namespace/dev-namespace", headers=NS)
        self.assertEqual(status, 404)
        status, _, listing = a.request("GET", "/api/v1/jobs?tenant_id=tenant1")
        self.assertEqual(status, 200, listing)
        self.assertEqual(job_ids_in_git(d.bare("namespace")), [job_id, upd, dele])
        self.assertEqual(job_ids_in_git(d.bare("vm")), [vm])
        self.assert_fsck_clean(d.bare("namespace"))

    def test_kill9_of_a_worker_mid_stream_loses_and_doubles_nothing(self):
        d = self.deployment()
        d.migrate()
        a, b = d.serve(), d.serve()
        w1, _ = d.worker(), d.worker()
        ids, done = [], threading.Event()

        def stream():
            for i in range(80):
                rtype, hdrs = ("namespace", NS) if i % 2 == 0 else ("vm", VM)
                svc = a if i % 3 else b
                ids.append(self.submit(svc, rtype, "create",
                                       {"name": f"kill-{i}", "flavor": "small"}, hdrs))
                time.sleep(0.01)
            done.set()

        t = threading.Thread(target=stream)
        t.start()
        # Kill a worker once some jobs have landed and more keep coming.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            landed = len(job_ids_in_git(d.bare("namespace"))) + len(job_ids_in_git(d.bare("vm")))
            if landed >= 10:
                break
            time.sleep(0.02)
        w1.kill9()
        t.join()
        jobs = self.wait_all(a, ids, timeout=120, deployment=d)
        failed = {j: v["error"] for j, v in jobs.items() if v["status"] != "completed"}
        self.assertEqual(failed, {})
        in_git = job_ids_in_git(d.bare("namespace")) + job_ids_in_git(d.bare("vm"))
        self.assertEqual(sorted(in_git), sorted(ids))  # each change exactly once
        for rtype in ("namespace", "vm"):
            self.assert_fsck_clean(d.bare(rtype))
        for j in ids:  # the commit each job reports is the one carrying its trailer
            commit = jobs[j]["metadata"]["git_commit"]
            repo = d.bare(jobs[j]["resource_type"])
            self.assertIn(f"Job-Id: {j}", git(repo, "log", "-1", "--format=%B", commit))

    def test_out_of_band_commit_between_two_jobs_is_kept(self):
        d = self.deployment()
        d.migrate()
        svc = d.serve()
        d.worker()
        first = self.submit(svc, "vm", "create", {"name": "vm-a", "flavor": "small"}, VM)
        self.assertEqual(self.wait_all(svc, [first])[first]["status"], "completed")
        # Someone pushes to the remote with the git command.
        clone = os.path.join(d.tmp, "clone")
        url = d.repo_urls["vm"].replace(
            "http://", f"http://{os.environ['GIT_TEST_USER']}:{d.password}@")
        subprocess.run(["git", "clone", "-q", url, clone], check=True, capture_output=True)
        with open(os.path.join(clone, "README.ops"), "w") as f:
            f.write("maintained by people too\n")
        for cmd in (["add", "README.ops"],
                    ["-c", "user.name=Op", "-c", "user.email=op@example.com", "commit", "-qm",
                     "out-of-band"],
                    ["push", "-q", "origin", "HEAD:main"]):
            subprocess.run(["git", "-C", clone, *cmd], check=True, capture_output=True)
        second = self.submit(svc, "vm", "create", {"name": "vm-b", "flavor": "small"}, VM)
        self.assertEqual(self.wait_all(svc, [second])[second]["status"], "completed")
        subjects = git(d.bare("vm"), "log", "--reverse", "--format=%s", "main").splitlines()
        self.assertEqual(len(subjects), 3, subjects)
        self.assertEqual(subjects[1], "out-of-band")
        self.assertEqual(git(d.bare("vm"), "show", "main:README.ops"),
                         "maintained by people too\n")
        self.assertEqual(job_ids_in_git(d.bare("vm")), [first, second])
        self.assert_fsck_clean(d.bare("vm"))


class GitFailureTest(ProductionTestBase):
    def test_git_failures_name_the_cause_and_never_show_the_password(self):
        dead = f"http://127.0.0.1:{free_port()}/git/nothing.git"
        missing = f"{os.environ['GIT_TEST_HTTP_URL']}/no-such-repository.git"
        d = self.deployment(repo_urls={"vm": missing, "osimage": dead})
        d.migrate()
        svc = d.serve()
        d.worker()
        vm = self.submit(svc, "vm", "create", {"name": "vm-x", "flavor": "small"}, VM)
        img = self.submit(svc, "osimage", "create", {"name": "img-x", "flavor": "ubuntu-small"},
                          VM)
        jobs = self.wait_all(svc, [vm, img], timeout=120, deployment=d)
        self.assertEqual(jobs[vm]["status"], "failed")
        self.assertIn("no repository there", jobs[vm]["error"])
        self.assertEqual(jobs[img]["status"], "failed")
        self.assertIn("remote unreachable", jobs[img]["error"])
        # Same deployment, wrong password: a new worker and replica with it.
        bad = "wrong-" + uuid.uuid4().hex[:8]
        d.env["GIT_PASSWORD"] = bad
        svc2 = d.serve()
        for p in d.procs[:2]:
            p.stop()
        d.worker()
        ns = self.submit(svc2, "namespace", "create", {"name": "ns-x", "flavor": "small"}, NS)
        job = self.wait_all(svc2, [ns], timeout=120, deployment=d)[ns]
        self.assertEqual(job["status"], "failed")
        self.assertRegex(job["error"], r"(?i)authenticat")
        self.assertEqual(job_ids_in_git(d.bare("namespace")), [])
        _, _, listing = svc2.request("GET", "/api/v1/jobs?limit=100")
        everything = json.dumps([jobs, job, listing]) + d.logs()
        self.assertNotIn(d.password, everything)
        self.assertNotIn(bad, everything)


class RestartTest(ProductionTestBase):
    @classmethod
    def setUpClass(cls):
        # Private servers: restarting them must not disturb tests running in parallel.
        cls.servers = start_servers("pg")
        cls.servers.update({k: v for k, v in start_servers("redis").items()
                            if k != "TEST_SERVERS_DIR"})
        cls.redis_dir = _started_dirs[-1]
        cls.pg_dir = _started_dirs[-2]

    def servers_cmd(self, cmd, d):
        subprocess.run(["bash", SERVERS, cmd, d], check=True, capture_output=True)

    def test_postgres_and_redis_restarted_under_load_lose_and_double_nothing(self):
        d = self.deployment(pg_dsn=self.servers["PG_TEST_DSN"],
                            redis_url=self.servers["REDIS_TEST_URL"])
        d.migrate()
        svc = d.serve()
        d.worker(), d.worker()
        accepted, refused, stop = [], [], threading.Event()

        def stream():
            i = 0
            while not stop.is_set() and i < 400:
                rtype, hdrs = ("namespace", NS) if i % 2 == 0 else ("vm", VM)
                method, path = "POST", f"/api/v1/{rtype}/create"
                try:
                    status, _, doc = svc.request(method, path,
                                                 {"name": f"load-{i}", "flavor": "small"}, hdrs)
                except OSError:
                    status, doc = 0, None
                if status == 202:
                    accepted.append(doc["job_id"])
                else:
                    refused.append(status)
                i += 1
                time.sleep(0.01)

        t = threading.Thread(target=stream)
        t.start()
        try:
            time.sleep(1.0)
            self.servers_cmd("pg-restart", self.pg_dir)
            time.sleep(1.0)
            self.servers_cmd("redis-restart", self.redis_dir)
            time.sleep(1.0)
        finally:
            stop.set()
            t.join()
        self.assertTrue(set(refused) <= {503}, refused)  # failed fast, never hung or 500
        jobs = self.wait_all(svc, accepted, timeout=120, deployment=d)
        failed = {j: v["error"] for j, v in jobs.items() if v["status"] != "completed"}
        self.assertEqual(failed, {}, "\n".join(list(failed.values())[:2]))
        in_git = job_ids_in_git(d.bare("namespace")) + job_ids_in_git(d.bare("vm"))
        self.assertEqual(len(in_git), len(set(in_git)), "a change landed twice")
        self.assertTrue(set(accepted) <= set(in_git), "an accepted job is missing from Git")
        # A job whose 202 was lost with the connection may still have run: only once, and it is
        # a real job of the store.
        for j in set(in_git) - set(accepted):
            self.assertEqual(svc.request("GET", f"/api/v1/status/{j}")[2]["status"], "completed")
        for rtype in ("namespace", "vm"):
            self.assert_fsck_clean(d.bare(rtype))


class WebhookProductionTest(ProductionTestBase):
    """Deliveries live in PostgreSQL (issue 4): a delivery pending when its worker is killed is
    sent by the next worker under the same delivery_id; serve replicas list and redeliver."""

    def setUp(self):
        self.receiver = Receiver()
        self.addCleanup(self.receiver.stop)

    def test_delivery_pending_when_its_worker_was_killed_arrives_after_restart(self):
        # The first attempt is answered 429 with Retry-After: 4, so the delivery sits pending in
        # PostgreSQL, due in 4 s, when the worker is killed.
        self.receiver.script("/prod", [(429, {"Retry-After": "4"})])
        d = self.deployment(
            extra_env={"WEBHOOK_SIMULATE": "false"},
            webhooks={"vm": {"enabled": True, "url": self.receiver.url("/prod"),
                             "mode": "single", "secret": "prod-secret", "timeout": 5,
                             "retries": 3}})
        d.migrate()
        svc = d.serve()
        worker = d.worker()
        job_id = self.submit(svc, "vm", "create", {"name": "hooked-vm", "flavor": "small"}, VM)
        self.assertEqual(self.wait_all(svc, [job_id], deployment=d)[job_id]["status"],
                         "completed")
        delivery = self.wait_delivery(svc, job_id, lambda x: x["last_http_status"] == 429, d)
        self.assertEqual((delivery["status"], delivery["attempts"]), ("pending", 1))
        worker.kill9()
        self.assertEqual(len(self.receiver.for_job(job_id)), 1)

        d.worker()  # a new process: it knows the delivery only from PostgreSQL
        delivered = self.wait_delivery(svc, job_id, lambda x: x["status"] == "delivered", d)
        self.assertEqual(delivered["delivery_id"], delivery["delivery_id"])
        seen = self.receiver.for_job(job_id)
        self.assertEqual([doc["attempt"] for _, _, _, doc in seen], [1, 2])
        self.assertEqual({doc["delivery_id"] for _, _, _, doc in seen},
                         {delivery["delivery_id"]})
        for _, headers, _, _ in seen:
            self.assertTrue(headers["X-GitOps-Signature"].startswith("sha256="))
        status, _, job = svc.request("GET", f"/api/v1/status/{job_id}")
        self.assertEqual(job["metadata"]["webhook_status"], "delivered", job)

        # A replica redelivers; a worker sends it again under the same delivery_id.
        status, _, doc = svc.request(
            "POST", f"/api/v1/webhooks/deliveries/{delivery['delivery_id']}/redeliver")
        self.assertEqual(status, 202, doc)
        self.wait_delivery(svc, job_id, lambda x: x["attempts"] == 3 and
                           x["status"] == "delivered", d)
        self.assertEqual(len(self.receiver.for_job(job_id)), 3)

    def wait_delivery(self, svc, job_id, predicate, d, timeout=60):
        deadline = time.monotonic() + timeout
        listed = None
        while time.monotonic() < deadline:
            status, _, listed = svc.request("GET", f"/api/v1/webhooks/deliveries?job_id={job_id}")
            self.assertEqual(status, 200, listed)
            if len(listed["deliveries"]) == 1 and predicate(listed["deliveries"][0]):
                return listed["deliveries"][0]
            time.sleep(0.05)
        self.fail(f"delivery of {job_id} never matched: {listed}\n{d.logs()[-4000:]}")


class RuntimeTypeProductionTest(ProductionTestBase):
    def test_type_added_on_one_replica_is_served_by_another_and_by_the_worker(self):
        d = self.deployment()
        d.migrate()
        a, b = d.serve(), d.serve()
        d.worker()
        bare = d.bare("dnszone")
        subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", bare], check=True)
        self.addCleanup(shutil.rmtree, bare, True)
        # b has served the type list before the addition: what it knew at start is not the reason.
        status, _, before = b.request("GET", "/api/v1/resource-types")
        self.assertEqual(status, 200, before)
        self.assertNotIn("dnszone", [t["name"] for t in before["resource_types"]])
        body = {"name": "dnszone",
                "repo_url": f"{os.environ['GIT_TEST_HTTP_URL']}/{d.name}-dnszone.git",
                "template_dir": "misc/", "cluster_aware": True, "flavors": ["dns-record"],
                "path_template": "zones/{tenant_id}/{cluster_id}/{name}.yaml"}
        status, headers, doc = a.request("POST", "/api/v1/resource-types", body)
        self.assertEqual(status, 201, doc)
        self.assertEqual(headers.get("Location"), "/api/v1/resource-types/dnszone")

        job_id = self.submit(b, "dnszone", "create",
                             {"name": "www", "flavor": "dns-record",
                              "spec": {"targets": ["10.0.0.7"]}}, NS)
        job = self.wait_all(b, [job_id], deployment=d)[job_id]
        self.assertEqual(job["status"], "completed", job)
        self.assertEqual(job_ids_in_git(bare), [job_id])
        manifest = git(bare, "show", "main:zones/tenant1/cluster-a/www.yaml")
        self.assertIn("kind: DNSEndpoint", manifest)
        self.assertIn("10.0.0.7", manifest)
        self.assert_fsck_clean(bare)

        status, _, listed = b.request("GET", "/api/v1/resource-types")
        self.assertEqual(status, 200, listed)
        names = [t["name"] for t in listed["resource_types"]]
        self.assertEqual(names[:len(TYPES)], list(TYPES))
        self.assertEqual(names[len(TYPES):], ["dnszone"])
        status, _, got = b.request("GET", "/api/v1/resource-types/dnszone")
        self.assertEqual(status, 200, got)
        self.assertEqual(got["path_template"], body["path_template"])

        status, _, again = b.request("POST", "/api/v1/resource-types",
                                     dict(body, template_dir="vms/"))
        self.assertEqual(status, 409, again)
        self.assertEqual(psql(d.dsn, "SELECT count(*) FROM resource_types"), "1")
        status, _, unknown = b.request("POST", "/api/v1/nosuchtype/create",
                                       {"name": "x", "flavor": "small"}, NS)
        self.assertEqual(status, 404, unknown)


if __name__ == "__main__":
    unittest.main()
