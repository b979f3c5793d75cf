"""Starts the real build/gitops-api in dev mode on a free loopback port with a temporary
DATA_DIR, and offers a tiny HTTP client and git helpers for the integration tests."""
import json
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("GITOPS_BIN", str(REPO_ROOT / "build" / "gitops-api"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """One gitops-api process. Use as a context manager; stop() is always called."""

    def __init__(self, data_dir=None, env=None, workdir=None):
        self.tmp = tempfile.mkdtemp(prefix="gitops-it-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.port = free_port()
        self.env = dict(os.environ)
        self.env.update({
            "DEV_MODE": "true",
            "PORT": str(self.port),
            "DATA_DIR": self.data_dir,
            "RESOURCE_CONFIG_FILE": str(REPO_ROOT / "resource_configs.yaml"),
            "TEMPLATE_DIR": str(REPO_ROOT / "infra-templates"),
            "WORKERS": "2",
            "LOG_LEVEL": "warn",
        })
        self.env.update(env or {})
        self.workdir = workdir or self.tmp
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.tmp, "service.log"), "wb")
        self.proc = subprocess.Popen([BIN, "serve"], cwd=self.workdir, env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gitops-api exited: " + self.read_log())
            try:
                status, _, _ = self.request("GET", "/healthz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("gitops-api did not become healthy: " + self.read_log())

    def read_log(self):
        try:
            return pathlib.Path(self.tmp, "service.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, headers=None, raw=None):
        """Returns (status, headers, parsed JSON body or text)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Content-Type": "application/json"} if data is not None else {}
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, hdrs, text = r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            status, hdrs, text = e.code, dict(e.headers), e.read().decode()
        try:
            return status, hdrs, json.loads(text)
        except ValueError:
            return status, hdrs, text

    def wait_job(self, job_id, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, _, job = self.request("GET", f"/api/v1/status/{job_id}")
            if status == 200 and job["status"] in ("completed", "failed"):
                return job
            time.sleep(0.02)
        raise AssertionError(f"job {job_id} did not finish: {job}")

    def repo(self, resource_type):
        return os.path.join(self.data_dir, "repos", f"{resource_type}.git")


def git(repo, *args):
    return subprocess.run(["git", "--git-dir", repo, *args], check=True, capture_output=True,
                          text=True).stdout


def commit_count(repo):
    try:
        return int(git(repo, "rev-list", "--count", "main").strip())
    except subprocess.CalledProcessError:
        return 0
