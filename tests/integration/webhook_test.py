"""Real webhook delivery in dev mode (WEBHOOK_SIMULATE=false): the real binary sends to a
Python http.server receiver on 127.0.0.1 that checks signatures with the README's own receiver
snippet. Covers single and staged payloads, retries after 5xx, a refused delivery and its
redelivery, and the job's webhook_status going pending -> delivered."""
import json
import os
import re
import shutil
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

from service import REPO_ROOT, Service

SINGLE_SECRET = "single-secret"
STAGED_SECRET = "staged-secret-from-env"


def readme_verify():
    """The receiver check exactly as README.md prints it (the python block defining verify)."""
    text = (REPO_ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify(" in b]
    if len(blocks) != 1:
        raise AssertionError("README.md must hold one python block defining verify()")
    namespace = {}
    exec(blocks[0], namespace)  # noqa: S102 - our own README
    return namespace["verify"]


class Receiver:
    """Records every POST; answers each path from a script of statuses or (status, headers)
    pairs (then 200). A gated path holds its answers until release()."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (path, headers dict, raw body)
        self.scripts = {}
        self.gate = threading.Event()
        self.gate.set()
        self.gated_path = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append((self.path, dict(self.headers), body))
                    script = receiver.scripts.get(self.path, [])
                    answer = script.pop(0) if script else 200
                    status, headers = answer if isinstance(answer, tuple) else (answer, {})
                    gated = self.path == receiver.gated_path
                if gated:
                    receiver.gate.wait(30)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def hold(self, path):
        with self.lock:
            self.gated_path = path
            self.gate.clear()

    def release(self):
        self.gate.set()

    def script(self, path, statuses):
        with self.lock:
            self.scripts[path] = list(statuses)

    def for_job(self, job_id):
        with self.lock:
            out = []
            for path, headers, body in self.requests:
                doc = json.loads(body)
                if doc.get("job_id") == job_id:
                    out.append((path, headers, body, doc))
            return out

    def stop(self):
        self.release()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def write_config(receiver, directory):
    with open(REPO_ROOT / "resource_configs.yaml") as f:
        doc = yaml.safe_load(f)
    types = doc["resource_types"]
    types["vm"]["webhook"] = {"enabled": True, "url": receiver.url("/single"), "mode": "single",
                              "secret": SINGLE_SECRET, "timeout": 5, "retries": 3}
    types["namespace"]["webhook"] = {"enabled": True, "url": receiver.url("/staged"),
                                     "mode": "staged", "secret_env": "NS_HOOK_SECRET",
                                     "timeout": 5, "retries": 3}
    types["misc"]["webhook"] = {"enabled": True, "url": receiver.url("/flaky"), "mode": "single",
                                "timeout": 5, "retries": 3}
    types["osimage"]["webhook"] = {"enabled": True, "url": receiver.url("/gone"),
                                   "mode": "single", "secret": SINGLE_SECRET, "timeout": 5,
                                   "retries": 3}
    path = os.path.join(directory, "resource_configs.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(doc, f)
    return path


class WebhookDeliveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.verify = staticmethod(readme_verify())
        cls.receiver = Receiver()
        cls.config_dir = tempfile.mkdtemp(prefix="gitops-webhook-it-")
        config = write_config(cls.receiver, cls.config_dir)
        cls.svc = Service(env={"WEBHOOK_SIMULATE": "false", "RESOURCE_CONFIG_FILE": config,
                               "NS_HOOK_SECRET": STAGED_SECRET})
        try:
            cls.svc.start()
        except Exception:
            cls.receiver.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.receiver.stop()
        cls.svc.stop()
        cls.svc.cleanup()
        shutil.rmtree(cls.config_dir, ignore_errors=True)

    def submit(self, rtype, body, headers):
        status, _, doc = self.svc.request("POST", f"/api/v1/{rtype}/create", body, headers)
        self.assertEqual(status, 202, doc)
        job = self.svc.wait_job(doc["job_id"])
        self.assertEqual(job["status"], "completed", json.dumps(job, indent=1))
        return job

    def wait_webhook_status(self, job_id, expected, timeout=30):
        deadline = time.monotonic() + timeout
        job = None
        while time.monotonic() < deadline:
            try:
                _, _, job = self.svc.request("GET", f"/api/v1/status/{job_id}")
            except OSError as e:
                raise AssertionError(f"service unreachable ({e}); exit status "
                                     f"{self.svc.proc.poll()}; log:\n{self.svc.read_log()}")
            if job["metadata"].get("webhook_status") == expected:
                return job
            time.sleep(0.02)
        raise AssertionError(f"webhook_status never became {expected}: "
                             f"{json.dumps(job, indent=1)}\n{self.svc.read_log()}")

    def test_single_mode_is_signed_and_goes_pending_then_delivered(self):
        self.receiver.hold("/single")
        try:
            job = self.submit("vm", {"name": "hooked-vm", "flavor": "small", "spec": {}},
                              {"X-Tenant-ID": "tenant1"})
            # The job's Git work never waits for the receiver, which is holding its answer.
            self.assertEqual(job["metadata"]["webhook_status"], "pending", job)
        finally:
            self.receiver.release()
        job = self.wait_webhook_status(job["job_id"], "delivered")
        self.assertIn("Webhook notification delivered", job["logs"])
        [(path, headers, body, doc)] = self.receiver.for_job(job["job_id"])
        self.assertEqual(path, "/single")
        for key in ("job_id", "status", "tenant_id", "resource_type", "resource_name",
                    "timestamp", "logs", "metadata", "delivery_id", "event", "attempt"):
            self.assertIn(key, doc)
        self.assertEqual(doc["status"], "completed")
        self.assertEqual(doc["event"], "completed")
        self.assertEqual(doc["attempt"], 1)
        self.assertEqual(doc["resource_type"], "vm")
        self.assertEqual(doc["resource_name"], "hooked-vm")
        self.assertEqual(doc["tenant_id"], "tenant1")
        self.assertRegex(doc["timestamp"], r"Z$")
        self.assertEqual(doc["metadata"]["git_commit"], job["metadata"]["git_commit"])
        self.assertEqual(headers["X-GitOps-Delivery"], doc["delivery_id"])
        self.assertEqual(headers["User-Agent"], "GitOps-API-Webhook/2.0")
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertTrue(self.verify(SINGLE_SECRET.encode(), headers, body))
        self.assertFalse(self.verify(b"wrong-secret", headers, body))
        self.assertFalse(self.verify(SINGLE_SECRET.encode(), headers, body.replace(b"vm", b"xx")))
        [delivery] = job["deliveries"]
        self.assertEqual(delivery["delivery_id"], doc["delivery_id"])
        self.assertEqual(delivery["event"], "completed")
        self.assertEqual(delivery["status"], "delivered")
        self.assertEqual(delivery["attempts"], 1)
        self.assertEqual(delivery["last_http_status"], 200)
        self.assertIsNone(delivery["next_attempt_at"])

    def test_staged_mode_sends_every_stage_in_order(self):
        job = self.submit("namespace", {"name": "staged-ns", "flavor": "small", "spec": {}},
                          {"X-Tenant-ID": "tenant1", "X-Cluster-ID": "cluster-a"})
        job = self.wait_webhook_status(job["job_id"], "delivered")
        seen = self.receiver.for_job(job["job_id"])
        self.assertEqual([doc["stage"] for _, _, _, doc in seen],
                         ["submitted", "started", "rendered", "committed", "pushed", "completed"])
        for path, headers, body, doc in seen:
            self.assertEqual(path, "/staged")
            self.assertEqual(doc["event"], doc["stage"])
            self.assertTrue(self.verify(STAGED_SECRET.encode(), headers, body), doc)
        completed = seen[-1][3]
        self.assertEqual(completed["stage_data"]["status"], "completed")
        self.assertEqual(completed["stage_data"]["metadata"]["git_commit"],
                         job["metadata"]["git_commit"])
        self.assertEqual([d["event"] for d in job["deliveries"]],
                         ["submitted", "started", "rendered", "committed", "pushed", "completed"])
        self.assertEqual(len({doc["delivery_id"] for _, _, _, doc in seen}), 6)

    def test_server_errors_are_retried_until_delivered(self):
        self.receiver.script("/flaky", [500, 500, 200])
        job = self.submit("misc", {"name": "flaky-dns", "flavor": "dns-record", "spec": {}},
                          {"X-Tenant-ID": "tenant1", "X-Cluster-ID": "cluster-a"})
        job = self.wait_webhook_status(job["job_id"], "delivered")
        seen = self.receiver.for_job(job["job_id"])
        self.assertEqual([doc["attempt"] for _, _, _, doc in seen], [1, 2, 3])
        self.assertEqual(len({doc["delivery_id"] for _, _, _, doc in seen}), 1)
        for _, headers, _, _ in seen:
            self.assertNotIn("X-GitOps-Signature", headers)  # the type has no secret
        [delivery] = job["deliveries"]
        self.assertEqual(delivery["attempts"], 3)
        self.assertEqual(delivery["last_http_status"], 200)

    def test_refused_delivery_fails_and_can_be_redelivered(self):
        self.receiver.script("/gone", [410])
        job = self.submit("osimage", {"name": "gone-image", "flavor": "ubuntu-small",
                                      "spec": {"packages": ["nginx"]}},
                          {"X-Tenant-ID": "tenant1"})
        job = self.wait_webhook_status(job["job_id"], "failed")
        [delivery] = job["deliveries"]
        self.assertEqual(delivery["attempts"], 1)  # a 410 is not retried
        self.assertEqual(delivery["last_http_status"], 410)
        status, _, listed = self.svc.request(
            "GET", "/api/v1/webhooks/deliveries?tenant_id=tenant1&status=failed")
        self.assertEqual(status, 200, listed)
        self.assertIn(delivery["delivery_id"], [d["delivery_id"] for d in listed["deliveries"]])

        status, _, redelivered = self.svc.request(
            "POST", f"/api/v1/webhooks/deliveries/{delivery['delivery_id']}/redeliver")
        self.assertEqual(status, 202, redelivered)
        job = self.wait_webhook_status(job["job_id"], "delivered")
        seen = self.receiver.for_job(job["job_id"])
        self.assertEqual([doc["delivery_id"] for _, _, _, doc in seen],
                         [delivery["delivery_id"]] * 2)
        for _, headers, body, _ in seen:
            self.assertTrue(self.verify(SINGLE_SECRET.encode(), headers, body))
        status, _, doc = self.svc.request(
            "GET", f"/api/v1/webhooks/deliveries?job_id={job['job_id']}&status=delivered")
        self.assertEqual([d["delivery_id"] for d in doc["deliveries"]], [delivery["delivery_id"]])

    def test_type_added_at_runtime_signs_with_its_secret_after_a_restart(self):
        data_dir = os.path.join(self.config_dir, "added-type-data")
        env = {"WEBHOOK_SIMULATE": "false", "RESOURCE_CONFIG_FILE": self.svc.env["RESOURCE_CONFIG_FILE"],
               "NS_HOOK_SECRET": STAGED_SECRET}
        body = {"name": "hookedtype", "template_dir": "vms/", "flavors": ["small"],
                "webhook": {"enabled": True, "url": self.receiver.url("/added"), "mode": "single",
                            "secret": "added-secret", "timeout": 5, "retries": 0}}
        with Service(data_dir=data_dir, env=env) as first:
            status, _, doc = first.request("POST", "/api/v1/resource-types", body)
            self.assertEqual(status, 201, doc)
            self.assertEqual(doc["webhook"]["secret"], "<redacted>")
        with Service(data_dir=data_dir, env=env) as second:
            status, _, doc = second.request("POST", "/api/v1/hookedtype/create",
                                            {"name": "after-restart", "flavor": "small"},
                                            {"X-Tenant-ID": "tenant1"})
            self.assertEqual(status, 202, doc)
            job_id = doc["job_id"]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not self.receiver.for_job(job_id):
                time.sleep(0.02)
        [(path, headers, body, _)] = self.receiver.for_job(job_id)
        self.assertEqual(path, "/added")
        self.assertTrue(self.verify(b"added-secret", headers, body))

    def test_redeliver_unknown_delivery_is_404(self):
        status, _, doc = self.svc.request(
            "POST", "/api/v1/webhooks/deliveries/6f1c1a52-3b0a-4d0e-9a57-2f8e4b1c9d01/redeliver")
        self.assertEqual(status, 404, doc)
        self.assertEqual(doc["error"], "Delivery not found")


if __name__ == "__main__":
    unittest.main()
