"""Real processes for fault tests: a SecantusDB we may kill, restart and arm with
failpoints (started with --enable-test-commands), and `sitebook serve` against it.
"""

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

from app.embedded import answers_hello
from tests.imports import FINISHED
from tests.test_import_worker_crash import SITEBOOK, env
from tests.test_service_process import free_port

IMPORT = ('mutation($file: Upload!) { importFile(file: $file, input: {entity: CUSTOMERS}) '
          "{ job { id } userErrors { code message } } }")
JOB = """query($id: ID!) { importJob(id: $id) { status failureReason
  progress { processedRows totalRows } totals { rows created updated unchanged failed } } }"""


@dataclass
class Database:
    storage: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "secantus", "--host", "127.0.0.1", "--port", str(self.port),
             "--storage-path", str(self.storage), "--log-level", "WARNING",
             "--enable-test-commands"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not answers_hello(self.uri, 500):
            assert time.monotonic() < deadline, "the database did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def fail(self, mode: Any, **data: Any) -> None:
        """Arm (or with mode "off", disarm) the failCommand failpoint."""
        with MongoClient(self.uri) as client:
            client.admin.command({"configureFailPoint": "failCommand", "mode": mode,
                                  "data": data})


@dataclass
class Service:
    database_uri: str
    name: str
    settings: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    key: str = ""

    def env(self) -> dict[str, str]:
        return {**env(self.database_uri), "SITEBOOK_DATABASE": self.name, **self.settings}

    def start(self, role: str = "office") -> None:
        run = {"env": self.env(), "capture_output": True, "text": True, "check": True,
               "timeout": 120}
        subprocess.run([SITEBOOK, "org", "create", "faults"], **run)  # type: ignore[call-overload]
        self.key = subprocess.run(
            [SITEBOOK, "apikey", "create", "--org", "faults", "--role", role],
            **run).stdout.strip()  # type: ignore[call-overload]
        self.process = subprocess.Popen([SITEBOOK, "serve", "--port", str(self.port)],
                                        env=self.env(), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not self.ready():
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)

    def ready(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=10).status_code == 200
        except httpx.TransportError:
            return False

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        response = httpx.post(f"http://127.0.0.1:{self.port}/graphql",
                              json={"query": query, "variables": variables or {}},
                              headers={"Authorization": f"Bearer {self.key}"}, timeout=60)
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def upload(self, data: bytes) -> str:
        response = httpx.post(
            f"http://127.0.0.1:{self.port}/graphql", timeout=120,
            data={"operations": json.dumps({"query": IMPORT, "variables": {"file": None}}),
                  "map": '{"0": ["variables.file"]}'},
            files={"0": ("customers.csv", data, "text/csv")},
            headers={"Authorization": f"Bearer {self.key}", "GraphQL-Require-Preflight": "1"})
        payload = response.json()["data"]["importFile"]
        assert payload["userErrors"] == [], payload
        job_id: str = payload["job"]["id"]
        return job_id

    def job(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self.graphql(JOB, {"id": job_id})["importJob"]
        return job

    def wait_for(self, job_id: str, processed: int = 0, seconds: float = 300) -> dict[str, Any]:
        """The job once it has processed `processed` rows, or (0) once it ends."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if processed and job["progress"]["processedRows"] >= processed:
                return job
            if not processed and job["status"] in FINISHED:
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not get there: {self.job(job_id)}")

    def stored_customers(self) -> tuple[int, int]:
        """(customers stored, distinct names among them), read straight from the database."""
        with MongoClient(self.database_uri) as client:
            customers = client[self.name]["customers"]
            return customers.count_documents({}), len(customers.distinct("name_key"))
