"""A worker killed mid-import (SIGKILL): another resumes from the last checkpoint,
and the end state has every row once, with correct totals. Real processes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

from tests.imports import csv_bytes
from tests.test_service_process import free_port

SITEBOOK = str(Path(sys.executable).parent / "sitebook")
DATABASE = "sitebook_crash"
ROWS = 12_000


def env(uri: str, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "SITEBOOK_"))}
    return {**base, "MONGODB_URI": uri, "SITEBOOK_DATABASE": DATABASE, **extra}


def graphql(port: int, key: str, query: str, variables: dict[str, Any]) -> Any:
    response = httpx.post(f"http://127.0.0.1:{port}/graphql",
                          json={"query": query, "variables": variables},
                          headers={"Authorization": f"Bearer {key}"}, timeout=30)
    return response.json()["data"]


JOB = """query($id: ID!) { importJob(id: $id) { status progress { processedRows totalRows }
  totals { rows created updated unchanged failed } } }"""


def test_killed_worker_is_taken_over_from_its_checkpoint(mongodb_uri: str, tmp_path: Path) -> None:
    with MongoClient(mongodb_uri) as client:
        client.drop_database(DATABASE)
    run = {"env": env(mongodb_uri, SITEBOOK_IMPORT_WORKERS="0"), "capture_output": True,
           "text": True, "check": True, "timeout": 120}
    subprocess.run([SITEBOOK, "org", "create", "crash"], **run)  # type: ignore[call-overload]
    key = subprocess.run([SITEBOOK, "apikey", "create", "--org", "crash", "--role", "office"],
                         **run).stdout.strip()  # type: ignore[call-overload]
    port = free_port()
    service = subprocess.Popen([SITEBOOK, "serve", "--port", str(port)],
                               env=run["env"], stdout=subprocess.DEVNULL,  # type: ignore[arg-type]
                               stderr=subprocess.DEVNULL)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        data = csv_bytes([["Customer Name", "Email"],
                          *[[f"Customer {n:05d}", f"c{n}@x.example"] for n in range(ROWS)]])
        operations = ('{"query": "mutation($file: Upload!) { importFile(file: $file, input: '
                      '{entity: CUSTOMERS}) { job { id } userErrors { code } } }", '
                      '"variables": {"file": null}}')
        response = httpx.post(f"http://127.0.0.1:{port}/graphql",
                              data={"operations": operations, "map": '{"0": ["variables.file"]}'},
                              files={"0": ("big.csv", data, "text/csv")},
                              headers={"Authorization": f"Bearer {key}",
                                       "GraphQL-Require-Preflight": "1"}, timeout=60)
        job_id = response.json()["data"]["importFile"]["job"]["id"]

        worker_env = env(mongodb_uri, SITEBOOK_IMPORT_LEASE_SECONDS="3")
        first = subprocess.Popen([SITEBOOK, "worker"], env=worker_env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        workers.append(first)
        # Generous deadlines: a busy machine slows every process here alike.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            job = graphql(port, key, JOB, {"id": job_id})["importJob"]
            if job["progress"]["processedRows"] >= 2000:
                break
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # mid-import: no chance to clean up
        first.wait()
        killed_at = graphql(port, key, JOB, {"id": job_id})["importJob"]
        assert killed_at["status"] == "RUNNING"
        assert 0 < killed_at["progress"]["processedRows"] < ROWS

        second = subprocess.Popen([SITEBOOK, "worker"], env=worker_env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        workers.append(second)
        # The dead worker's open transaction holds its customers until the server
        # aborts it (60 s); then the rest of the rows.
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline:
            job = graphql(port, key, JOB, {"id": job_id})["importJob"]
            if job["status"] != "RUNNING" and job["status"] != "QUEUED":
                break
            time.sleep(0.2)
        assert job["status"] == "SUCCEEDED"
        assert job["totals"] == {"rows": ROWS, "created": ROWS, "updated": 0, "unchanged": 0,
                                 "failed": 0}
        assert job["progress"] == {"processedRows": ROWS, "totalRows": ROWS}
        with MongoClient(mongodb_uri) as client:
            customers = client[DATABASE]["customers"]
            assert customers.count_documents({}) == ROWS
            assert len(customers.distinct("name_key")) == ROWS
    finally:
        for process in [*workers, service]:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
