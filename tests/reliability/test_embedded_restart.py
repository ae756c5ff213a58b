"""`sitebook serve` watches its embedded database: killed mid-import, it is
restarted on the same data; meanwhile requests get a clean 503 (a GraphQL-shaped
error), and the import pauses, then finishes with exact totals. Real processes.
"""

import json
import os
import signal
import subprocess
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.imports import FINISHED, csv_bytes
from tests.reliability.services import IMPORT
from tests.test_import_worker_crash import SITEBOOK
from tests.test_service_process import alive, database_child, environment, free_port

ROWS = 6_000
JOB = """query($id: ID!) { importJob(id: $id) { status failureReason
  progress { processedRows totalRows }
  totals { rows created updated unchanged failed skipped } } }"""
DEADLINE = 180.0


def wait_until(condition: Any, what: str, seconds: float = DEADLINE) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


def test_killed_embedded_database_is_restarted_and_the_import_finishes(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log_file:
        service = subprocess.Popen([SITEBOOK, "serve", "--port", str(port)],
                                   env=environment(tmp_path / "data"), stdout=log_file,
                                   stderr=subprocess.STDOUT)
    try:
        def ready() -> bool:
            try:
                return httpx.get(f"{base}/readyz", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(ready, "the service is ready")
        key = (tmp_path / "data" / "demo-api-key").read_text().strip()
        auth = {"Authorization": f"Bearer {key}"}

        def graphql(query: str, variables: dict[str, Any]) -> httpx.Response:
            return httpx.post(f"{base}/graphql", json={"query": query, "variables": variables},
                              headers=auth, timeout=60)

        data = csv_bytes([["Customer Name", "Email"],
                          *[[f"Customer {n:05d}", f"c{n}@x.example"] for n in range(ROWS)]])
        response = httpx.post(
            f"{base}/graphql", timeout=120,
            data={"operations": json.dumps({"query": IMPORT, "variables": {"file": None}}),
                  "map": '{"0": ["variables.file"]}'},
            files={"0": ("customers.csv", data, "text/csv")},
            headers={**auth, "GraphQL-Require-Preflight": "1"})
        job_id = response.json()["data"]["importFile"]["job"]["id"]

        def job() -> dict[str, Any]:
            answer = graphql(JOB, {"id": job_id})
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()["data"]["importJob"]
            return found

        wait_until(lambda: job()["progress"]["processedRows"] > 0, "the import has started")
        database_pid = database_child(service.pid)
        os.kill(database_pid, signal.SIGKILL)

        # Requests keep starting, several at once, so that some start while the
        # database is known to be down (one started just before the kill may wait
        # for the restart and succeed, which is fine too).
        seen: list[int] = []
        refused: httpx.Response | None = None
        with ThreadPoolExecutor(8) as pool:
            pending: list[Future[httpx.Response]] = []
            deadline = time.monotonic() + 60
            while refused is None and time.monotonic() < deadline:
                if len(pending) < 8:
                    pending.append(pool.submit(graphql, "{ customers { totalCount } }", {}))
                for done in [f for f in pending if f.done()]:
                    pending.remove(done)
                    seen.append(done.result().status_code)
                    if done.result().status_code == 503:
                        refused = done.result()
                time.sleep(0.05)
            for rest in pending:
                rest.cancel()
        assert refused is not None, f"statuses seen: {seen}\n{log_path.read_text()[-3000:]}"
        body = refused.json()
        assert body["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE", body
        assert "unavailable" in body["errors"][0]["message"]

        wait_until(ready, "the service is ready again")
        restarted_pid = database_child(service.pid)
        assert restarted_pid != database_pid
        assert not alive(database_pid)

        finished = wait_until(lambda: (found := job())["status"] in FINISHED and found,
                              "the import has finished")
        assert finished["status"] == "SUCCEEDED", finished
        totals = finished["totals"]
        assert totals == {"rows": ROWS, "created": ROWS, "updated": 0, "unchanged": 0,
                          "failed": 0, "skipped": 0}, totals
        assert totals["rows"] == sum(totals[k] for k in ("created", "updated", "unchanged",
                                                         "failed", "skipped"))
        count = graphql("{ customers { totalCount } }", {}).json()
        assert count["data"]["customers"]["totalCount"] == ROWS
    finally:
        service.terminate()
        service.wait(timeout=60)
    output = log_path.read_text()
    assert "the embedded database has stopped" in output
    assert "the embedded database is back" in output
