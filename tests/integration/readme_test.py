"""Runs every shell example of README.md, as printed, against a real dev-mode service: the curl
examples (localhost:5000 pointed at the test's port), the git commands on its DATA_DIR, and the
build/gitops-api commands. Keeps the README true."""
import json
import os
import pathlib
import re
import subprocess
import unittest

from service import BIN, REPO_ROOT, Service

CURL_WRAPPER = 'curl() { command curl -sS -w "\\n@@HTTP %{http_code}@@\\n" "$@"; }\n'


def readme_blocks():
    text = (REPO_ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.*?)```", text, re.S)


class ReadmeExamplesTest(unittest.TestCase):
    def test_every_example_works_as_printed(self):
        blocks = readme_blocks()
        self.assertGreaterEqual(len(blocks), 8, "README lost its examples")
        with Service() as svc:
            os.makedirs(os.path.join(svc.tmp, "data"), exist_ok=True)
            last_job = None
            ran = 0
            for block in blocks:
                if "make run" in block:
                    continue  # the set-up commands themselves: CI runs `make test`
                script = block.replace("localhost:5000", f"127.0.0.1:{svc.port}")
                script = script.replace("build/gitops-api", BIN)
                if last_job:
                    script = script.replace("{job_id}", last_job)
                cwd = svc.tmp if ("data/repos" in block) else REPO_ROOT
                env = dict(svc.env)
                result = subprocess.run(["bash", "-euo", "pipefail", "-c", CURL_WRAPPER + script],
                                        cwd=cwd, env=env, capture_output=True, text=True,
                                        timeout=60)
                self.assertEqual(result.returncode, 0,
                                 f"README block failed:\n{block}\nstdout:\n{result.stdout}\n"
                                 f"stderr:\n{result.stderr}\nservice log:\n{svc.read_log()}")
                ran += 1
                if "curl" in block:
                    parts = re.split(r"\n@@HTTP (\d+)@@\n", result.stdout)
                    bodies, codes = parts[0::2], parts[1::2]
                    self.assertTrue(codes, f"no HTTP answer for:\n{block}")
                    for body, code in zip(bodies, codes):
                        self.assertLess(int(code), 400, f"{block}\n-> {code} {body}")
                        doc = json.loads(body)
                        if isinstance(doc, dict) and "job_id" in doc and doc.get("status") == "submitted":
                            last_job = doc["job_id"]
                            job = svc.wait_job(last_job)
                            self.assertEqual(job["status"], "completed", json.dumps(job, indent=1))
            self.assertGreaterEqual(ran, 8)


if __name__ == "__main__":
    unittest.main()
