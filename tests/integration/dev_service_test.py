"""End-to-end tests of the dev-mode service: the real binary over HTTP on loopback, real bare
Git repositories inspected with the git command."""
import json
import subprocess
import unittest

import yaml

from service import Service, commit_count, git

NS_HEADERS = {"X-Tenant-ID": "tenant1", "X-Cluster-ID": "cluster-a"}
VM_HEADERS = {"X-Tenant-ID": "tenant1"}


class DevServiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.svc = Service().start()

    @classmethod
    def tearDownClass(cls):
        cls.svc.stop()
        cls.svc.cleanup()

    def submit(self, method, path, body, headers, expect=202):
        status, hdrs, doc = self.svc.request(method, path, body, headers)
        self.assertEqual(status, expect, doc)
        return hdrs, doc

    def create(self, rtype, name, headers, flavor="small", spec=None):
        hdrs, doc = self.submit("POST", f"/api/v1/{rtype}/create",
                                {"name": name, "flavor": flavor, "spec": spec or {}}, headers)
        job = self.svc.wait_job(doc["job_id"])
        self.assertEqual(job["status"], "completed", json.dumps(job, indent=1))
        return job

    def test_create_commits_rendered_manifest_with_trailers(self):
        hdrs, doc = self.submit("POST", "/api/v1/namespace/create",
                                {"name": "ns-create", "flavor": "small",
                                 "spec": {"labels": {"environment": "development",
                                                     "managed-by": "someone-else"}}},
                                NS_HEADERS)
        self.assertEqual(doc["status"], "submitted")
        self.assertEqual(doc["message"], "Namespace creation job submitted")
        self.assertEqual(hdrs.get("Location"), f"/api/v1/status/{doc['job_id']}")
        job = self.svc.wait_job(doc["job_id"])
        self.assertEqual(job["status"], "completed", job)
        self.assertRegex(job["metadata"]["git_commit"], r"^[0-9a-f]{40}$")
        path = "tenants/tenant1/cluster-a/namespace/ns-create/manifest.yaml"
        self.assertEqual(job["metadata"]["manifest_path"], path)
        repo = self.svc.repo("namespace")
        docs = list(yaml.safe_load_all(git(repo, "show", f"main:{path}")))
        namespace = next(d for d in docs if d["kind"] == "Namespace")
        self.assertEqual(namespace["metadata"]["name"], "ns-create")
        labels = namespace["metadata"]["labels"]
        self.assertEqual(labels["environment"], "development")
        self.assertEqual(labels["managed-by"], "gitops-api")  # managed labels win over spec
        self.assertEqual(labels["tenant.io/id"], "tenant1")
        self.assertEqual(labels["cluster.io/id"], "cluster-a")
        msg = git(repo, "log", "-1", "--format=%B", job["metadata"]["git_commit"])
        self.assertIn("Deploy namespace ns-create for tenant tenant1 in cluster cluster-a", msg)
        self.assertIn(f"Job-Id: {doc['job_id']}", msg)
        self.assertIn("Tenant-Id: tenant1", msg)
        subprocess.run(["git", "--git-dir", repo, "fsck", "--strict"], check=True,
                       capture_output=True)

    def test_update_merges_spec_and_delete_removes_files(self):
        self.create("vm", "vm-upd", VM_HEADERS, "small", {"instance_type": "t3.small",
                                                          "tags": {"a": "1"}})
        _, doc = self.submit("PUT", "/api/v1/vm/update",
                             {"name": "vm-upd", "spec": {"tags": {"b": "2"}}}, VM_HEADERS)
        job = self.svc.wait_job(doc["job_id"])
        self.assertEqual(job["status"], "completed", job)
        status, _, rec = self.svc.request("GET", "/api/v1/vm/vm-upd", headers=VM_HEADERS)
        self.assertEqual(status, 200, rec)
        self.assertEqual(rec["spec"]["instance_type"], "t3.small")
        self.assertEqual(rec["spec"]["tags"], {"b": "2"})
        repo = self.svc.repo("vm")
        _, doc = self.submit("DELETE", "/api/v1/vm/delete?name=vm-upd", None, VM_HEADERS)
        job = self.svc.wait_job(doc["job_id"])
        self.assertEqual(job["status"], "completed", job)
        files = git(repo, "ls-tree", "-r", "--name-only", "main")
        self.assertNotIn("tenants/tenant1/vm-upd/", files)
        msg = git(repo, "log", "-1", "--format=%s", "main")
        self.assertEqual(msg.strip(), "Delete vm vm-upd for tenant tenant1")

    def test_bad_input_is_rejected_and_commits_nothing(self):
        self.create("namespace", "ns-exists", NS_HEADERS)
        repo = self.svc.repo("namespace")
        before = commit_count(repo)
        cases = [
            ("missing tenant", "POST", "/api/v1/namespace/create",
             {"name": "x1", "flavor": "small"}, {"X-Cluster-ID": "cluster-a"}, 400, "Tenant"),
            ("missing name", "POST", "/api/v1/namespace/create", {"flavor": "small"},
             NS_HEADERS, 400, "Name"),
            ("bad name", "POST", "/api/v1/namespace/create",
             {"name": "../etc", "flavor": "small"}, NS_HEADERS, 400, "name"),
            ("long name", "POST", "/api/v1/namespace/create",
             {"name": "a" * 64, "flavor": "small"}, NS_HEADERS, 400, "name"),
            ("unknown flavor", "POST", "/api/v1/namespace/create",
             {"name": "x2", "flavor": "huge"}, NS_HEADERS, 400, "small"),
            ("no cluster", "POST", "/api/v1/namespace/create",
             {"name": "x3", "flavor": "small"}, {"X-Tenant-ID": "tenant1"}, 400, "luster"),
            ("spec not object", "POST", "/api/v1/namespace/create",
             {"name": "x4", "flavor": "small", "spec": [1]}, NS_HEADERS, 400, "spec"),
            ("body not object", "POST", "/api/v1/namespace/create", [1, 2], NS_HEADERS, 400, ""),
            ("exists", "POST", "/api/v1/namespace/create",
             {"name": "ns-exists", "flavor": "small"}, NS_HEADERS, 409, "ns-exists"),
            ("update missing", "PUT", "/api/v1/namespace/update",
             {"name": "nope", "spec": {}}, NS_HEADERS, 404, "nope"),
            ("delete missing", "DELETE", "/api/v1/namespace/delete",
             {"name": "nope"}, NS_HEADERS, 404, "nope"),
            ("unknown type", "POST", "/api/v1/widget/create",
             {"name": "x5"}, NS_HEADERS, 404, "widget"),
        ]
        for label, method, path, body, headers, want, needle in cases:
            with self.subTest(label):
                status, _, doc = self.svc.request(method, path, body, headers)
                self.assertEqual(status, want, doc)
                self.assertIn("error", doc)
                self.assertIn(needle, doc["error"])
        status, _, doc = self.svc.request("POST", "/api/v1/namespace/create", raw=b"{not json",
                                          headers=NS_HEADERS)
        self.assertEqual(status, 400, doc)
        status, _, doc = self.svc.request("POST", "/api/v1/namespace/create",
                                          raw=b"name=x", headers={**NS_HEADERS,
                                                                  "Content-Type": "text/plain"})
        self.assertEqual(status, 415, doc)
        status, _, doc = self.svc.request("POST", "/api/v1/namespace/create",
                                          raw=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                                          headers=NS_HEADERS)
        self.assertEqual(status, 413, doc)
        status, _, doc = self.svc.request("PATCH", "/api/v1/namespace/create", {"name": "x"},
                                          NS_HEADERS)
        self.assertEqual(status, 405, doc)
        status, _, doc = self.svc.request("GET", "/api/v1/status/00000000-0000-4000-8000-000000000000")
        self.assertEqual((status, doc), (404, doc))
        self.assertEqual(doc["error"], "Job not found")
        self.assertEqual(commit_count(repo), before, "bad input must not commit")

    def test_tenant_views_count_real_resources(self):
        hdrs = {"X-Tenant-ID": "tenant-metrics", "X-Cluster-ID": "cluster-a"}
        self.create("namespace", "m1", hdrs)
        self.create("misc", "m2", hdrs, flavor="dns-record",
                    spec={"record_name": "app.example.com", "targets": ["10.0.0.1"]})
        status, _, m = self.svc.request("GET", "/api/v1/tenant/tenant-metrics/metrics")
        self.assertEqual(status, 200, m)
        self.assertEqual(m["total_resources"], 2)
        self.assertEqual(m["active_jobs"], 0)
        status, _, r = self.svc.request("GET", "/api/v1/tenant/tenant-metrics/resources")
        self.assertEqual(status, 200, r)
        non_empty = sorted(t for t, items in r["resources"].items() if items)
        self.assertEqual(non_empty, ["misc", "namespace"])
        self.assertEqual(r["resources"]["misc"][0]["name"], "m2")

    def test_openapi_and_docs_are_served(self):
        status, _, doc = self.svc.request("GET", "/openapi.json")
        self.assertEqual(status, 200)
        self.assertTrue(doc["openapi"].startswith("3.0"))
        self.assertIn("/api/v1/namespace/create", doc["paths"])
        status, _, html = self.svc.request("GET", "/docs")
        self.assertEqual(status, 200)
        self.assertIn("swagger-ui", html)


class RestartTest(unittest.TestCase):
    def test_resources_survive_a_restart(self):
        first = Service()
        try:
            first.start()
            status, _, doc = first.request("POST", "/api/v1/vm/create",
                                           {"name": "keep-me", "flavor": "small"}, VM_HEADERS)
            self.assertEqual(status, 202, doc)
            self.assertEqual(first.wait_job(doc["job_id"])["status"], "completed")
            first.stop()
            second = Service(data_dir=first.data_dir)
            try:
                second.start()
                status, _, rec = second.request("GET", "/api/v1/vm/keep-me", headers=VM_HEADERS)
                self.assertEqual(status, 200, rec)
                self.assertEqual(rec["flavor"], "small")
                status, _, doc = second.request("POST", "/api/v1/vm/create",
                                                {"name": "keep-me", "flavor": "small"},
                                                VM_HEADERS)
                self.assertEqual(status, 409, doc)
            finally:
                second.stop()
                second.cleanup()
        finally:
            first.stop()
            first.cleanup()


if __name__ == "__main__":
    unittest.main()
